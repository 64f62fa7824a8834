"""The evidence audit: one self-contained HTML page per relationship, for a reviewer to sign.

``briefs audit`` writes ``OUT/audit/<relationship>.html``. Top to bottom it lists every
fact with its text, marking, as-of date and typed values; each cited source with the
passage highlighted inside its paragraph of the document; what the desk inferred and
why; which sources only restate others; the values the program checked; and which
briefs cite the fact. It ends with a sign-off block bound to a fingerprint of the fact
files and the source documents, so a signature names exactly what was reviewed.

Every fact and every passage has a stable ``id`` (see :func:`briefs.evidence.anchor_for`),
so a brief's working edition links each source note to its passage (:func:`audit_href`
gives the link from a brief's folder); a build that writes a working edition writes this
page too.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Iterable

from markupsafe import escape
from pydantic import BaseModel

from .errors import Problem, display_path
from .evidence import FactEvidence, restated
from .layout import Layout
from .load import load_all
from .model import Quotation, walk
from .output import atomic_write, claim
from .render import Renderer

Path_ = tuple[Any, ...]

AUDIT_FOLDER = "audit"


def audit_path(out_dir: Path, slug: str) -> Path:
    return out_dir / AUDIT_FOLDER / f"{slug}.html"


def audit_href(slug: str, record: FactEvidence, source_id: str | None = None, depth: int = 1) -> str:
    """The link from a brief in ``OUT/<relationship>/`` (``depth`` folders below ``OUT``) to
    a fact on the audit page, or to its first passage of ``source_id``."""
    anchor = (record.passage_anchor(source_id) if source_id else None) or record.anchor
    return "../" * depth + f"{AUDIT_FOLDER}/{slug}.html#{anchor}"


def fingerprint(relationship) -> str:
    """SHA-256 over the fact files and the source documents: what a sign-off covers."""
    sha = hashlib.sha256(relationship.digest().encode())
    for source_id in sorted(relationship.documents):
        sha.update(f"\0{source_id}\0{relationship.documents[source_id].digest}".encode())
    return sha.hexdigest()


def briefs_citing(relationship, layout: Layout) -> dict[Path_, list[str]]:
    """For each fact (by path), the briefs that cite it, as "kind" or "kind (perspective)".

    Renders every brief kind in memory from each side; a fact feeds a brief when the brief
    prints its source note."""
    renderer = Renderer(layout)
    meta = relationship.facts.metadata
    default = meta.perspective or meta.countries[0].perspective
    perspectives = [default] + [p for p in [c.perspective for c in meta.countries] + ["neutral"] if p != default]
    cited: dict[Path_, dict[str, list[str]]] = {}
    for kind in layout.brief_kinds():
        for perspective in perspectives:
            brief = renderer.render(relationship, kind, None, perspective)
            for path in brief.fact_paths:
                if path and path[-1] == "sources":
                    sides = cited.setdefault(path[:-1], {}).setdefault(kind, [])
                    if perspective not in sides:
                        sides.append(perspective)
    feeds: dict[Path_, list[str]] = {}
    for path, kinds in cited.items():
        labels = []
        for kind, sides in kinds.items():
            if len(sides) == len(perspectives):
                labels.append(kind)
            else:
                labels.append(f"{kind} ({', '.join(sides)} side{'s' if len(sides) > 1 else ''} only)")
        feeds[path] = labels
    return feeds


# --- the page -----------------------------------------------------------------------------

_CSS = """
:root { --ink: #1b1b1b; --muted: #5a5a5a; --rule: #d0d0d0; --accent: #0b4f6c; --warn: #8b0000; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Serif", Georgia, serif; color: var(--ink); max-width: 60rem; margin: 2rem auto;
       padding: 0 1.5rem; line-height: 1.45; font-size: 15px; }
h1, h2, h3, .kicker, .meta, table, .feeds, .checked, nav { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; }
h1 { font-size: 1.7rem; margin: 0.2rem 0 0.6rem; }
h2 { font-size: 1.3rem; margin-top: 2.5rem; border-bottom: 2px solid var(--accent); padding-bottom: 0.2rem; }
h3 { font-size: 1rem; margin: 0; }
.kicker { text-transform: uppercase; letter-spacing: 0.08em; font-size: 0.8rem; color: var(--warn); font-weight: bold; }
.meta, .feeds, .checked, .where { color: var(--muted); font-size: 0.85rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; margin: 0.8rem 0; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid var(--rule); padding: 0.3rem 0.4rem; }
th { background: #f2f5f7; }
nav ol { columns: 3; font-size: 0.85rem; }
.fact { border: 1px solid var(--rule); border-left: 4px solid var(--accent); border-radius: 3px;
        padding: 0.7rem 0.9rem; margin: 1rem 0; page-break-inside: avoid; }
.fact.nested { margin-left: 2rem; border-left-color: #7a9fb0; }
.fact.problem { border-left-color: var(--warn); }
.fact header { display: flex; flex-wrap: wrap; gap: 0.4rem 0.8rem; align-items: baseline; margin-bottom: 0.4rem; }
.tag { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 0.72rem; border: 1px solid var(--rule);
       border-radius: 2px; padding: 0 0.3rem; color: var(--muted); }
.tag.marking { color: var(--warn); border-color: var(--warn); }
.text { font-size: 1.02rem; margin: 0.3rem 0 0.5rem; }
.values { font-size: 0.85rem; margin: 0 0 0.5rem; }
.values span { margin-right: 1rem; }
.source { margin: 0.6rem 0 0.2rem; font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 0.85rem; }
blockquote { margin: 0.2rem 0 0.5rem; padding: 0.4rem 0.7rem; background: #fafafa; border-left: 3px solid var(--rule);
             font-size: 0.9rem; }
blockquote.missing { border-left-color: var(--warn); }
mark { background: #fff1a8; padding: 0 0.1rem; }
.inferred { background: #fdf3f3; border-left: 3px solid var(--warn); padding: 0.3rem 0.6rem; font-size: 0.9rem; }
.restates { color: var(--warn); }
.review { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 0.85rem; margin: 0.5rem 0 0; }
.signoff { border: 2px solid var(--ink); padding: 1rem 1.2rem; margin: 2.5rem 0; }
.signoff p.line { border-bottom: 1px solid var(--ink); height: 2.2rem; margin: 0.6rem 0; font-family:
                  "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 0.8rem; color: var(--muted); }
code { font-size: 0.85em; }
@media print { body { margin: 0; max-width: none; } .fact { break-inside: avoid; } }
"""

_SKIPPED_FIELDS = {"text", "sources", "evidence", "inferred", "accounts", "marking", "as_of", "rounds"}


def _e(value: Any) -> str:
    return str(escape(str(value)))


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_describe(v) for v in value)
    if isinstance(value, BaseModel):
        parts = [f"{name} {_describe(getattr(value, name))}" for name in type(value).model_fields
                 if getattr(value, name) not in (None, [], False)]
        return "{" + ", ".join(parts) + "}"
    return str(value)


def _typed_values(model) -> list[tuple[str, str]]:
    shown = []
    for name in type(model).model_fields:
        if name in _SKIPPED_FIELDS or (isinstance(model, Quotation) and name in ("quote", "speaker", "occasion", "date")):
            continue
        value = getattr(model, name)
        items = value if isinstance(value, list) else [value]
        if any(isinstance(v, BaseModel) and "sources" in type(v).model_fields for v in items):
            continue  # nested facts have their own entry
        if value in (None, [], False):
            continue
        shown.append((name, _describe(value)))
    return shown


def _value_summary(record: FactEvidence) -> str:
    groups: dict[str, list[str]] = {}
    names = {"date": "dates", "as_of": "as-of", "decade": "decades", "number": "figures", "name": "names",
             "currency": "currencies"}
    for value in record.values:
        shown = groups.setdefault(names[value.kind], [])
        if value.surface not in shown:
            shown.append(value.surface)
    return "; ".join(f"{kind}: {', '.join(items)}" for kind, items in groups.items())


def audit_page(relationship, feeds: dict[Path_, list[str]] | None = None) -> str:
    """The audit page of one loaded relationship, as a self-contained HTML document."""
    facts = relationship.facts
    meta = facts.metadata
    sources = {source.id: source for source in facts.sources}
    title = meta.title or " – ".join(c.name for c in meta.countries) + " Relations"
    records: dict[Path_, FactEvidence] = relationship.evidence
    models = {path: model for path, model in walk(facts) if path in records}
    feeds = feeds or {}
    stamp = fingerprint(relationship)
    passages = [p for r in records.values() for p in r.passages]
    inferences = [(r, i) for r in records.values() for i in r.inferred]
    warnings = [w for w in relationship.warnings if "stale:" not in w.message]
    stale = relationship.stale

    out: list[str] = []
    add = out.append
    add(f'<!DOCTYPE html>\n<html lang="{_e(meta.language)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="briefs audit">\n'
        f'<meta name="fingerprint" content="{stamp}">\n'
        f"<title>Evidence audit: {_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n")
    add('<header>\n<p class="kicker">Evidence audit · for review and sign-off · working document, not for'
        " distribution</p>\n")
    add(f"<h1>Evidence audit: {_e(title)}</h1>\n")
    add(f'<p class="meta">Fact base <code>{_e(display_path(relationship.folder))}/</code>, edition'
        f" {meta.edition.number} of {meta.edition.date.isoformat()}. Fingerprint of the fact files and source"
        f" documents: <code>{stamp[:16]}</code>.</p>\n")
    add(_summary_table(records, passages, inferences, sources, warnings, stale))
    add("<p>For each fact below: the text as briefs print it, then every source it cites with the"
        " passage <mark>highlighted</mark> in its paragraph of the document. The program has checked that"
        " each passage is in its document and that every date, figure and name in the fact is in one of its"
        " passages or declared as inferred; the reviewer judges whether the passages say what the fact"
        " says, ticks each fact, and signs at the end.</p>\n</header>\n")

    add(_sources_html(relationship, records))
    add(_inferences_and_warnings_html(inferences, warnings))

    # Contents
    sections = list(dict.fromkeys(path[0] for path in records))
    add('<nav>\n<h2>Facts by section</h2>\n<ol>\n')
    for section in sections:
        count = sum(1 for p in records if p[0] == section)
        add(f'<li><a href="#section-{_e(section)}">{_e(section)}</a> ({count})</li>\n')
    add("</ol>\n</nav>\n")

    for section in sections:
        add(f'<section id="section-{_e(section)}">\n<h2>{_e(section)}</h2>\n')
        for path, record in records.items():
            if path[0] != section:
                continue
            add(_fact_html(relationship, path, models[path], record, sources, feeds, stale))
        add("</section>\n")

    add(_sign_off_html(len(records), stamp))
    return "".join(out)


def _sign_off_html(facts: int, stamp: str) -> str:
    return ('<section class="signoff" id="sign-off">\n<h2>Sign-off</h2>\n'
            f"<p>I have read each of the {facts} facts above against its passages and inferences, and"
            " found each one supported, except as noted in the margin.</p>\n"
            f"<p class=\"meta\">This sign-off covers the fact base and documents with fingerprint"
            f" <code>{stamp}</code>; any change to them gives a new fingerprint and needs a new review.</p>\n"
            '<p class="line">Reviewer (name and office)</p>\n<p class="line">Date</p>\n'
            '<p class="line">Signature</p>\n</section>\n</body>\n</html>\n')


def _summary_table(records, passages, inferences, sources, warnings, stale) -> str:
    """The counts a reviewer starts from."""
    verified = sum(1 for p in passages if p.found)
    with_evidence = sum(1 for r in records.values() if r.passages)
    return ("<table class=\"summary\"><tbody>\n"
            f"<tr><th>Facts</th><td>{len(records)}, of which {with_evidence} cite passages</td></tr>\n"
            f"<tr><th>Passages</th><td>{len(passages)}, of which {verified} were found in their documents"
            f"{'' if verified == len(passages) else f' ({len(passages) - verified} could not be checked)'}</td></tr>\n"
            f"<tr><th>Inferences</th><td>{len(inferences)}: values the desk concluded that no passage states"
            " (listed below)</td></tr>\n"
            f"<tr><th>Sources</th><td>{len(sources)}</td></tr>\n"
            f"<tr><th>Open warnings</th><td>{len(warnings)} (besides {len(stale)} stale fact(s))</td></tr>\n"
            "</tbody></table>\n")


def _sources_html(relationship, records: dict[Path_, FactEvidence]) -> str:
    """The table of sources: what each is, its document, what it restates, how often it is cited."""
    facts = relationship.facts
    sources = {source.id: source for source in facts.sources}
    out: list[str] = []
    add = out.append
    add('<section id="sources">\n<h2>Sources</h2>\n<table>\n<thead><tr><th>Id</th><th>Title</th><th>Kind</th>'
        "<th>Date</th><th>Document</th><th>Restates</th><th>Cited by</th></tr></thead>\n<tbody>\n")
    citing = {sid: sum(1 for r in records.values() if sid in r.sources) for sid in sources}
    for source in facts.sources:
        title_text = f"[{_e(source.title)}] <em>(title ours)</em>" if source.title_supplied else _e(source.title)
        if source.publisher:
            title_text += f", {_e(source.publisher)}"
        date = _e(source.date) if source.date else "undated"
        if source.date_inferred:
            date += f" <em>(inferred: {_e(source.date_inferred)})</em>"
        document = relationship.documents.get(source.id)
        file = (f"<code>{_e(source.file)}</code><br><span class=\"meta\">sha256 {document.digest[:12]}</span>"
                if document else (f"<code>{_e(source.file)}</code> (not found)" if source.file else "none"))
        derived = ", ".join(_e(d) for d in source.derived_from) or "–"
        add(f'<tr id="source-{_e(source.id)}"><td><code>{_e(source.id)}</code></td><td>{title_text}</td>'
            f"<td>{_e(source.kind)}</td><td>{date}</td><td>{file}</td><td>{derived}</td>"
            f"<td>{citing.get(source.id, 0)} fact(s)</td></tr>\n")
    add("</tbody></table>\n</section>\n")
    return "".join(out)


def _inferences_and_warnings_html(inferences, warnings) -> str:
    """The inferences and open warnings, at a glance."""
    out: list[str] = []
    add = out.append
    add('<section id="inferences">\n<h2>Inferences</h2>\n')
    if inferences:
        add("<table><thead><tr><th>Fact</th><th>Value</th><th>Reason</th></tr></thead><tbody>\n")
        for record, inference in inferences:
            add(f'<tr><td><a href="#{record.anchor}">{_e(record.label)}</a></td><td>{_e(inference.value)}</td>'
                f"<td>{_e(inference.reason)}</td></tr>\n")
        add("</tbody></table>\n")
    else:
        add("<p>None: every value is in a cited passage.</p>\n")
    add("</section>\n")
    if warnings:
        add('<section id="warnings">\n<h2>Open warnings</h2>\n<ul>\n')
        for warning in warnings:
            add(f"<li><code>{_e(warning.location or '')}</code> {_e(warning.message)}</li>\n")
        add("</ul>\n</section>\n")
    return "".join(out)


def _fact_html(relationship, path, model, record: FactEvidence, sources, feeds, stale) -> str:
    nested = any(part in ("accounts", "rounds") for part in path[1:])
    problem = (not record.passages) or any(p.found is False for p in record.passages) or record.unsupported
    classes = "fact" + (" nested" if nested else "") + (" problem" if problem else "")
    out = [f'<article class="{classes}" id="{record.anchor}">\n<header>']
    out.append(f"<h3>{_e(record.label)}</h3>")
    out.append(f'<span class="where">{_e(relationship.location(path))}</span>')
    marking = getattr(model, "marking", None) or (None if nested and "accounts" in path else
                                                  relationship.facts.metadata.marking)
    if marking:
        out.append(f'<span class="tag marking">{_e(marking)}</span>')
    as_of = getattr(model, "as_of", None)
    if as_of is not None:
        out.append(f'<span class="tag">as of {_e(as_of)}</span>')
    if path in stale:
        out.append(f'<span class="tag marking">stale (limit {stale[path].limit_months} months)</span>')
    out.append("</header>\n")
    quote = model.quote if isinstance(model, Quotation) else None
    if quote:
        out.append(f'<p class="text">“{_e(quote)}” — {_e(model.speaker)}, {_e(model.occasion)},'
                   f" {_e(model.date)}</p>\n")
    else:
        out.append(f'<p class="text">{_e(model.text)}</p>\n')
    values = _typed_values(model)
    if values:
        out.append('<p class="values">' + "".join(
            f"<span><strong>{_e(name)}:</strong> {_e(value)}</span>" for name, value in values) + "</p>\n")
    if not record.passages:
        out.append('<p class="inferred">No passages: this fact cites '
                   + ", ".join(f"<code>{_e(s)}</code>" for s in record.sources)
                   + " without the words that support it, so it is unverified.</p>\n")
    for source_id in record.sources:
        out.append(_passages_html(relationship, record, source_id, sources))
    for inference in record.inferred:
        out.append(f'<p class="inferred"><strong>Inferred:</strong> {_e(inference.value)} —'
                   f" {_e(inference.reason)}</p>\n")
    if record.unsupported:
        out.append('<p class="inferred"><strong>Not supported:</strong> '
                   + "; ".join(_e(v.describe()) for v in record.unsupported) + "</p>\n")
    if len(record.sources) > 1:
        independent = record.independent
        note = (f"{len(independent)} independent of {len(record.sources)} cited"
                if len(independent) < len(record.sources) else f"all {len(record.sources)} independent")
        out.append(f'<p class="feeds">Sources: {note}.</p>\n')
    summary = _value_summary(record)
    if summary:
        out.append(f'<p class="checked">Checked against the passages: {_e(summary)}.</p>\n')
    used = feeds.get(path)
    out.append('<p class="feeds">Feeds: ' + (", ".join(_e(k) for k in used) if used else "no brief") + ".</p>\n")
    out.append('<p class="review">☐ reviewed</p>\n</article>\n')
    return "".join(out)


def _passages_html(relationship, record: FactEvidence, source_id: str, sources) -> str:
    """One cited source of a fact, and each of its passages in its paragraph of the document."""
    out: list[str] = []
    source = sources.get(source_id)
    name = source.short or source.title if source else source_id
    origins = restated(source_id, record.sources, sources)
    restates = (f' <span class="restates">restates {", ".join(_e(o) for o in origins)}: not an independent'
                " account</span>") if origins else ""
    mine = [p for p in record.passages if p.source == source_id]
    if not mine:
        return ""
    out.append(f'<p class="source"><a href="#source-{_e(source_id)}">{_e(name)}</a>'
               f" <span class=\"meta\">({_e(source.kind) if source else ''}"
               f"{', ' + _e(source.file) if source and source.file else ''})</span>{restates}</p>\n")
    document = relationship.documents.get(source_id)
    for passage in mine:
        if passage.found and document is not None:
            before, middle, after = document.paragraph(passage.span)
            out.append(f'<blockquote id="{passage.anchor}">{_e(before)}<mark>{_e(middle)}</mark>'
                       f"{_e(after)}</blockquote>\n")
        elif passage.found is None:
            out.append(f'<blockquote class="missing" id="{passage.anchor}"><mark>{_e(passage.text)}</mark>'
                       " <em>(not checked: the source has no document)</em></blockquote>\n")
        else:
            out.append(f'<blockquote class="missing" id="{passage.anchor}"><mark>{_e(passage.text)}</mark>'
                       " <em>(not found in the document)</em></blockquote>\n")
    return "".join(out)


def write_audits(layout: Layout, only: Iterable[str] = ()) -> tuple[list[Path], list[Problem]]:
    """Load every relationship (or those in ``only``) and write each one's audit page;
    return the pages and the fact base's warnings.

    Invalid facts raise before anything is written; each page is written atomically."""
    relationships = load_all(layout.facts_dir, list(only) or None)
    pages = [(audit_path(layout.out_dir, r.slug), audit_page(r, briefs_citing(r, layout)))
             for r in relationships]
    claim(layout.out_dir, layout.record_file)  # briefs' own folder, marked if it makes it
    for path, html in pages:
        atomic_write(path, html.encode("utf-8"))
    return [path for path, _ in pages], [w for r in relationships for w in r.warnings]
