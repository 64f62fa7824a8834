"""Publish: what a build folder offers its readers — the index page, the manifest with
checksums, and the zip bundle `briefs dist` makes."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

from . import __version__
from .changes import fact_base_revision
from .edition import BriefId
from .errors import BuildError, Location, Problem
from .layout import Layout
from .output import atomic_write
from .render import Renderer
from .state import BuildState
from .writers import format_order


def index_page(layout: Layout, state: BuildState) -> bytes:
    """OUT/index.html: every brief in the build folder, linked in each format present."""
    briefs: dict[str, dict[str, str]] = {}
    for key, record in state.outputs.items():
        fmt = record.options.get("format")
        if fmt and (layout.out_dir / key).is_file():
            briefs.setdefault(record.brief, {})[fmt] = key
    rows = []
    for brief_key, links in sorted(briefs.items()):
        record = next((state.deps_of(k) for k in links.values() if state.deps_of(k)), None)
        info = record.info if record else {}
        brief = BriefId.from_json(info.get("brief"))
        if brief is None:
            continue  # not recorded by this version of briefs: the build rewrites it
        rows.append({
            "relationship": brief.relationship,
            "relationship_label": info.get("relationship") or brief.relationship,
            "variant": brief.edition.folder.replace("/", " / "),
            "edition_label": brief.edition.label,
            "kind": brief.kind,
            "title": info.get("title") or brief.kind,
            "edition": info.get("edition", ""),
            "marking": info.get("marking", ""),
            "links": [(fmt.upper(), links[fmt]) for fmt in sorted(links, key=format_order)],
        })
    page = Renderer(layout).render_page("_index.html.j2", {"briefs": rows}, "the build index")
    return page.encode("utf-8")


def manifest(layout: Layout, state: BuildState) -> bytes:
    """OUT/manifest.json: each output's SHA-256, size, edition date and fact base revision."""
    outputs = {key: _entry(state, key, record.output["sha"], record.output["size"])
               for key, record in sorted(state.outputs.items()) if (layout.out_dir / key).is_file()}
    return _json({"fact_base_revision": fact_base_revision(layout.facts_dir),
                  "generator": f"briefs {__version__}", "outputs": outputs})


def _entry(state: BuildState, key: str, sha: str, size: int) -> dict:
    """The manifest's entry for one output: its checksum and what its record says of it."""
    deps = state.deps_of(key)
    info = deps.info if deps else {}
    entry = {"sha256": sha, "size": size, "edition_date": info.get("edition"),
             "marking": info.get("marking"), "title": info.get("title")}
    if info.get("unverified"):
        entry["unverified_facts"] = info["unverified"]
    return entry


def _json(data: dict) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def bundle(layout: Layout, state: BuildState, keys: list[str], edition: dict[str, str], label: str,
           today: dt.date | None = None) -> Path:
    """OUT/dist/briefs-<date>-<label>.zip: the outputs ``keys`` (one edition's PDFs, up to
    date: the caller holds the build lock and has checked them), a manifest listing exactly
    those files with the checksums of the bytes zipped, and SHA256SUMS. A draft (a PDF
    showing unverified facts) is refused, naming each fact at its line."""
    infos = {key: deps.info for key in keys if (deps := state.deps_of(key)) is not None}
    drafts = {key: info["unverified"] for key, info in infos.items() if info.get("unverified")}
    if drafts:
        facts = {(fact["file"], fact["line"] or 0, fact["fact"]): fact for facts in drafts.values() for fact in facts}
        raise BuildError([
            Problem(f"{fact['fact']}: unverified (no passage found in a source document supports it),"
                    f" so {sum(fact in facts for facts in drafts.values())} of the PDFs to bundle are"
                    " drafts; cite the words that support it, then build and bundle again",
                    Location(fact["file"], fact["line"]))
            for _, fact in sorted(facts.items())])
    members = [(key, (layout.out_dir / key).read_bytes()) for key in sorted(keys)]
    outputs = {key: _entry(state, key, hashlib.sha256(data).hexdigest(), len(data)) for key, data in members}
    members.append(("manifest.json", _json({
        "fact_base_revision": fact_base_revision(layout.facts_dir), "generator": f"briefs {__version__}",
        "edition": edition, "outputs": outputs})))
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in members)
    members.append(("SHA256SUMS", sums.encode("ascii")))
    today = today or dt.date.today()
    stamp = (today.year, today.month, today.day, 0, 0, 0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    target = layout.out_dir / "dist" / f"briefs-{today.isoformat()}-{label}.zip"
    atomic_write(target, buffer.getvalue())
    return target
