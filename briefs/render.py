"""Render: a relationship's facts + a brief template -> one HTML document.

The HTML this stage produces is the document model every writer reads. It uses
a small semantic subset (see ``docs/html-subset.md``): headings h1-h4,
paragraphs, ``ul``/``ol``/``li``, tables with ``thead``, ``em``/``strong``,
links, ``blockquote`` with a ``footer`` attribution, and
``<span class="footnote">`` for a source note at the point it is cited.

Jinja2 runs in its immutable sandbox (:mod:`briefs.sandbox`: a time limit and a cap on the
text built per brief) with StrictUndefined and autoescaping: fact text is data, escaped and
never evaluated as a template.
"""

from __future__ import annotations

import datetime as dt
import re
import traceback
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable

import jinja2
import jinja2.sandbox
import tinycss2
import lxml.etree
import lxml.html
from babel.dates import format_date
from babel.numbers import format_compact_decimal, format_decimal
from markupsafe import Markup, escape

from . import __version__
from .errors import Location, Problem, TemplateError, display_path
from .attachments import attachments_for
from .confine import inside, why_not_plain
from .evidence import restated
from .layout import BRIEF_SUFFIX, CABLE_FOLDER, DEFAULT_PREFIX, Layout
from .load import Relationship
from .model import Fact, Money, PartialDate, Quotation, Source, dotted, fact_label
from .isolate import END, FSI, PDI, START, FactText, copy_text, isolate_values, marked, plain
from .rendered import BriefMeta, RenderedBrief
from .edition import Release, releases_below_top
from .sandbox import RenderLimit, SandboxedTemplates
from .tracking import Internal, ReadLog, Withheld, track, unwrap


class _Notes:
    """Source notes of one brief, in the order the template cites them."""

    def __init__(self, sources: list[Source], language: str, stale: dict | None = None,
                 markings: Release | None = None, portion_marks: bool = False, working: bool = False,
                 evidence: dict | None = None, passage_href: Callable[[Any, str], str] | None = None):
        self._sources = {str(source.id): source for source in sources}
        # Working edition only: each fact's evidence (briefs.evidence.FactEvidence, by path),
        # so that a note links each source to the passage on the audit page and says what
        # the desk inferred.
        self._evidence = evidence or {}
        self._passage_href = passage_href
        # The desk's working edition marks stale facts and says how each source was judged;
        # the outgoing edition dates each figure plainly and keeps its notes short.
        self._working = working
        self._language = language
        self._stale = stale or {}
        self._markings = markings
        self._portion_marks = portion_marks
        self.cited: dict[str, Source] = {}
        self.texts: list[str] = []
        self.dates: list[PartialDate] = []
        self.shown_markings: set[str] = set()
        # The path of each fact cited, i.e. shown, in citation order.
        self.cited_facts: dict[Any, None] = {}
        # (fact path, message): figures left in their own currency for want of a rate.
        self.warnings: list[tuple[Any, str]] = []

    def cite(self, fact: Fact | Quotation, dated: bool = True) -> Markup:
        """The source note of a fact, preceded by its portion marking ("(R)") where the brief
        asks for them. In the working edition a stale fact is marked as such; in the outgoing
        edition a dated fact whose text does not say its year is followed by its date,
        "(2022)" (``dated=False`` where the template prints the date itself)."""
        mark = Markup("")
        self.cited_facts.setdefault(getattr(fact, "_path", None))
        marking = self._markings.marking_of(unwrap(fact)) if self._markings else None
        if marking:
            self.shown_markings.add(marking)
            if self._portion_marks:
                mark += Markup(' <span class="portion-marking">') + escape(f"({marking[0]})") + Markup("</span>")
        stale = self._stale.get(getattr(fact, "_path", None)) if self._working else None
        as_of = getattr(fact, "as_of", None)
        if not self._working and dated and isinstance(as_of, PartialDate):
            text = str(getattr(fact, "text", "") or "")
            if str(as_of.year) not in text:
                mark += (Markup(' <span class="dated">')
                         + escape(f"({format_partial_date(as_of, self._language)})") + Markup("</span>"))
        if stale is not None:
            mark += (Markup(' <em class="stale">')
                    + escape(f"[stale: as of {format_partial_date(stale.as_of, self._language)};"
                             f" the limit is {stale.limit_months} months]")
                    + Markup("</em>"))
        if isinstance(as_of, PartialDate):
            self.dates.append(as_of)
        return mark + self._note(fact)

    def banner(self, default: str) -> str:
        """The highest marking among the facts cited (the default when none are)."""
        if not self._markings or not self.shown_markings:
            return default
        return self._markings.markings.highest(self.shown_markings)

    def information_as_of(self) -> dict[str, str] | None:
        """The newest and oldest as-of dates among the facts this brief cited."""
        if not self.dates:
            return None
        newest = max(self.dates, key=lambda d: (d.year, d.month or 12, d.day or 31))
        oldest = min(self.dates, key=lambda d: (d.year, d.month or 1, d.day or 1))
        return {"newest": format_partial_date(newest, self._language),
                "oldest": format_partial_date(oldest, self._language)}

    def _note(self, fact: Fact | Quotation) -> Markup:
        labels = []
        for source_id in fact.sources:
            source = self._sources[source_id]
            self.cited.setdefault(source_id, source)
            if self._working:
                label = f"{marked(source.short or source.title)} ({source.kind})"
            else:
                label = source_label(source, self._language, isolate=True)
            # A source restating another cited one is not a second, corroborating account: the
            # desk's working edition says so (outgoing notes stay short).
            origins = restated(source_id, fact.sources, self._sources) if self._working else []
            if origins:
                label += ", restating " + " and ".join(
                    marked(self._sources[o].short or self._sources[o].title) for o in origins)
            labels.append((source_id, label))
        if not self._working:
            text = "; ".join(label for _, label in labels) + "."
            self.texts.append(plain(text))
            return Markup('<span class="footnote">') + escape(text) + Markup("</span>")
        record = self._evidence.get(getattr(fact, "_path", None))
        head = "Source" + ("s" if len(labels) > 1 else "") + ": "
        tail = "."
        as_of = getattr(fact, "as_of", None)
        if as_of is not None:
            tail += f" As of {format_partial_date(as_of, self._language)}."
        for inference in getattr(fact, "inferred", None) or ():
            tail += f" Inferred: {inference.value} ({inference.reason})."
        self.texts.append(plain(head + "; ".join(label for _, label in labels) + tail))
        linked = Markup("; ").join(self._linked(label, record, source_id) for source_id, label in labels)
        return Markup('<span class="footnote">') + escape(head) + linked + escape(tail) + Markup("</span>")

    def _linked(self, label: str, record: Any, source_id: str) -> Markup:
        """A working note's source label, linked to its passage on the audit page where it has one."""
        if record is None or self._passage_href is None or not record.passage_anchor(source_id):
            return escape(label)
        return (Markup('<a class="passage" href="') + escape(self._passage_href(record, source_id))
                + Markup('">') + escape(label) + Markup("</a>"))

    def sources(self) -> list[Source]:
        return list(self.cited.values())


def _withheld_from_releases(relationship: Relationship, read: set) -> list[dict[str, Any]]:
    """For the working edition: per release level below the highest, the facts this brief
    showed that an edition at that level leaves out, with their ``file:line``."""
    listing = []
    for level in releases_below_top(relationship.facts):
        facts = [{"fact": fact_label(relationship.facts, path), "where": str(location)}
                 for path, location in relationship.withheld(level)
                 if any(shown[: len(path)] == path for shown in read)]
        if facts:
            listing.append({"release": level, "facts": facts})
    return listing


def source_label(source: Source, language: str = "en", isolate: bool = False) -> str:
    """How a note names a source, and how the Sources list heads its entry: the short
    title and the year, "Foreign Office brief, 2022" (no year when the source is undated).
    ``isolate`` marks the title to be set in its own bidi isolate (see briefs.isolate)."""
    label = str(source.short or source.title)
    label = marked(label) if isolate else label
    date = getattr(source, "date", None)
    if date is not None:
        year = date.year if hasattr(date, "year") else str(date)[:4]
        if str(year) not in label:
            label += f", {year}"
    return label


def format_partial_date(value: PartialDate | dt.date | None, language: str = "en") -> str:
    """28 April 1952, September 2023 or 1951, as precise as the fact is."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        value = PartialDate.parse(value)
    if value.day:
        return format_date(value.earliest, "d MMMM y", locale=language)
    if value.month:
        return format_date(value.earliest, "LLLL y", locale=language)
    return str(value.year)


def format_date_range(start: PartialDate | dt.date, end: PartialDate | dt.date | None,
                      language: str = "en") -> str:
    """"20–24 October 2019", "28 April – 2 May 2019", "December 2019 – January 2020": what the
    two dates share is written once (in languages that write the day before the month)."""
    first, last = format_partial_date(start, language), format_partial_date(end, language)
    if end is None or last == first:
        return first
    start, end = (PartialDate.parse(d) if isinstance(d, dt.date) else d for d in (start, end))
    day_first = format_date(dt.date(2000, 10, 20), "d MMMM y", locale=language).startswith("20")
    if day_first and start.year == end.year and bool(start.day) == bool(end.day) and bool(start.month) == bool(end.month):
        if start.day and start.month == end.month:
            return f"{start.day}\u2013{last}"
        if start.month:
            shared = format_date(start.earliest, "d MMMM" if start.day else "LLLL", locale=language)
            return f"{shared} \u2013 {last}"
    return f"{first} \u2013 {last}"


def format_number(value: int | float | Decimal, language: str = "en") -> str:
    return format_decimal(value, locale=language)


def format_money(value: Money, language: str = "en") -> str:
    """JPY 1.35 trillion; about USD 11.7 billion; USD 3.62 million."""
    amount = value.amount
    if amount >= 1_000_000:
        figure = format_compact_decimal(amount, format_type="long", locale=language, fraction_digits=2)
    else:
        figure = format_decimal(amount, locale=language)
    text = f"{value.currency}\u00a0{figure}"
    return f"about {text}" if value.approximate else text


def ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
# Neither the text nor the address may hold a bracket: every match attempt then stops at the
# next bracket, so a run of 100,000 "[" is read in linear time (it took minutes).
_LINK = re.compile(r"\[([^\[\]\n]+)\]\((https?://[^\s()\[\]]+)\)")


def _emphasis(escaped: str) -> str:
    return _EMPHASIS.sub(r"<em>\1</em>", escaped)


def markup(text: Any) -> Markup:
    """Fact text, escaped, with the one light markup facts may carry:
    ``*emphasis*`` and ``[link text](https://address)``. Nothing else is interpreted:
    asterisks in a link's address stay as they are, and emphasis never crosses a link's
    edge (it applies to the text between links, and inside a link's text)."""
    escaped = str(escape(str(text)))
    out, last = [], 0
    for match in _LINK.finditer(escaped):
        out.append(_emphasis(escaped[last:match.start()]))
        out.append(f'<a href="{match.group(2)}">{_emphasis(match.group(1))}</a>')
        last = match.end()
    out.append(_emphasis(escaped[last:]))
    if isinstance(text, FactText):  # set in its own bidi isolate, like every fact value
        return Markup("<bdi>" + "".join(out) + "</bdi>")
    return Markup("".join(out))


_WORDS = "zero one two three four five six seven eight nine ten eleven twelve".split()


def words(number: int) -> str:
    """Six, not 6, for small counts in running text."""
    return _WORDS[number] if 0 <= number < len(_WORDS) else str(number)


def css_string(value: str) -> Markup:
    """A CSS string literal, safe inside a <style> element (no HTML escaping applies there)."""
    out = []
    # A value from the fact base in a running header keeps its isolate, as FSI ... PDI.
    for char in str(value).replace(START, FSI).replace(END, PDI):
        if char.isalnum() or char in " .,:;-_()/'!?+":
            out.append(char)
        else:
            out.append(f"\\{ord(char):x} ")
    return Markup('"' + "".join(out) + '"')


def upper_first(text: Any) -> str:
    """The first letter in capitals (past the marker of an isolated value)."""
    text = str(text)
    skip = 1 if text.startswith(START) else 0
    return text[:skip] + text[skip:skip + 1].upper() + text[skip + 1:]


def join_and(items: Iterable[Any]) -> str:
    items = [str(item) for item in items]
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# Compiled for the sandbox: never share cached code with a plain Jinja environment.
_BYTECODE_CACHE = jinja2.FileSystemBytecodeCache(pattern="__briefs_sandboxed_%s.cache")


class _ConfinedLoader(jinja2.FileSystemLoader):
    """Jinja's file loader, refusing a template that is a symbolic link out of its folder
    (a shared template folder must not carry /etc/passwd into a brief) or not a plain file."""

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        if not any(inside(folder, template) == Path(filename).resolve() for folder in self.searchpath) \
                or why_not_plain(filename):
            raise jinja2.TemplateNotFound(template)
        return source, filename, uptodate


class Renderer:
    """Renders briefs from one ordered search path of template folders."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.template_dirs = list(layout.template_dirs)
        # The first folder holding a template wins; "!default/NAME" names the shipped
        # template so that an override can extend the original.
        loader = jinja2.ChoiceLoader([
            _ConfinedLoader([str(p) for p in self.template_dirs]),
            jinja2.PrefixLoader({DEFAULT_PREFIX.rstrip("/"): _ConfinedLoader(str(layout.shipped))},
                                delimiter="/"),
        ])
        self.env = SandboxedTemplates(
            loader=loader,
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            # Compiled templates kept between runs (Jinja's own cache, in the temporary folder,
            # keyed by each template's source): a one-brief build need not compile them all again.
            bytecode_cache=_BYTECODE_CACHE,
        )
        self.env.filters.update(
            number=format_number,
            ordinal=ordinal,
            words=words,
            upper_first=upper_first,
            markup=markup,
            css_string=css_string,
            join_and=join_and,
        )
        self.env.globals["stylesheet"] = self._stylesheet

    def _stylesheet(self, name: str, optional: bool = False) -> Markup:
        """Inline a stylesheet found on the template search path (tracked like a template)."""
        try:
            source, filename, _ = self.env.loader.get_source(self.env, name)
        except jinja2.TemplateNotFound:
            if not optional:
                raise
            self.env.loaded[name] = ""  # absent now; recorded so that adding it rebuilds
            return Markup("")
        self.env.loaded[name] = filename
        if "</" in source:
            raise jinja2.TemplateRuntimeError(f"stylesheet {name} may not contain '</'")
        # The stylesheet's comments are notes for whoever edits it, not for the brief's reader.
        rules = tinycss2.parse_stylesheet(source, skip_comments=True)
        return Markup(tinycss2.serialize(rules).strip() + "\n")

    def render(self, relationship: Relationship, kind: str, changes=None,
               perspective: str | None = None, release: str | None = None,
               working: bool = False, passage_href: Callable[[Any, str], str] | None = None,
               cable: bool = False) -> RenderedBrief:
        """Render one brief kind for one relationship; raise TemplateError with a location.

        ``perspective`` is whose side the brief takes (a country's perspective name or
        "neutral"; default: the fact base's); ``release`` leaves out facts marked above it;
        ``working`` renders the desk's working edition (stale marks, freshness wording, source
        notes) instead of the outgoing one, whose templates may not read those fields; there,
        ``passage_href(evidence, source_id)`` links each source note to its passage."""
        meta = relationship.facts.metadata
        perspective = perspective or meta.perspective or meta.countries[0].perspective
        try:
            with self.env.limited():
                html, names, notes, read, first_pass = self._render_passes(
                    relationship, kind, changes, perspective, release, working, passage_href)
        except RenderLimit as exc:  # the time ran out between two template lines
            raise _limit_problem(exc, f"{kind} for {relationship.slug}", self.template_dirs) from None
        templates = dict(sorted(self.env.loaded.items()))
        _check_images_have_alt_text([t for t in templates.values() if t])
        document = lxml.html.document_fromstring(html)
        changed = isolate_values(document)
        changed = _fill_table_of_contents(document) or changed
        note_texts = tuple(notes.texts)
        if not working and _merge_repeated_notes(document):
            changed = True
            note_texts = tuple(span.text_content() for span in document.xpath('//span[@class="footnote"]'))
        changed = _dates_inside_sentences(document) or changed
        changed = _keep_calls_with_their_words(document) or changed
        changed = _keep_short_tables_whole(document) or changed
        if changed:
            html = "<!DOCTYPE html>\n" + lxml.html.tostring(document, encoding="unicode") + "\n"
        if START in html or END in html:  # a marker where no value could be isolated (a script)
            html = plain(html)
            document = lxml.html.document_fromstring(html)
        brief_meta = BriefMeta(
            title=plain(document_title(names.get("brief_title", kind), names["relationship_title"])),
            author=plain(names["issuing_office"]), subject=plain(str(names.get("brief_summary", ""))),
            keywords=tuple(meta.keywords), created=meta.edition.date, marking=first_pass["banner"],
            language=meta.language, perspective=perspective, notes=note_texts,
            unverified=tuple(first_pass["unverified"]),
            notices=tuple(" ".join(notice.text_content().split())
                          for notice in document.xpath('//p[@class="page-notice"]')),
            relationship=plain(str(names["pair"]())))
        attachments = attachments_for(relationship, kind, read, first_pass["banner"])
        cable_html = None
        if cable:  # the telegram's own selection, from the same facts and context
            try:
                with self.env.limited():
                    cable_html = self._cable(kind, names, relationship)
            except RenderLimit as exc:
                raise _limit_problem(exc, f"the cable of {kind} for {relationship.slug}", self.template_dirs) from None
            templates = dict(sorted({**templates, **self.env.loaded}.items()))
        return RenderedBrief(
            relationship.slug, kind, html, document, brief_meta,
            sorted({t for t in templates.values() if t}), attachments, meta.pdf_variant,
            template_names=templates, fact_paths=read, cable_html=cable_html,
            warnings=[Problem(f"{dotted(path) if path else 'a figure'}: {message}"
                              f" ({kind}, {perspective})",
                              relationship.location(path) if path else None, severity="warning")
                      for path, message in dict.fromkeys(notes.warnings)],
        )

    def _render_passes(self, relationship: Relationship, kind: str, changes, perspective: str,
                       release: str | None, working: bool, passage_href):
        """Two passes: the first learns which facts the brief cites, so that the second can
        print how current they are and the banner (the highest marking among them)."""
        meta = relationship.facts.metadata
        first_pass: dict[str, Any] = {}
        for _ in range(2):
            read = ReadLog()
            if release is not None:
                read.release = Release(relationship.facts, release)
            try:
                html, names, notes = self._render_once(relationship, kind, read, first_pass, changes,
                                                       perspective, working, passage_href)
            except TemplateError as exc:
                raise _explain_missing(exc, read, relationship) from None
            except Withheld as exc:
                raise _withheld_problem(exc, relationship, kind) from None
            except Internal as exc:
                raise _internal_problem(exc, relationship, kind) from None
            # What releases withhold depends only on what the brief reads: learnt once, in the first pass.
            withheld = first_pass.get("withheld") if first_pass else (
                _withheld_from_releases(relationship, read) if working else [])
            first_pass = {"summary": notes.information_as_of(), "banner": notes.banner(meta.marking),
                          "withheld": withheld, "unverified": _unverified(relationship, notes.cited_facts)}
        return html, names, notes, read, first_pass

    def _render_once(self, relationship: Relationship, kind: str, read: set, first_pass: dict,
                     changes, perspective: str, working: bool = False, passage_href=None):
        facts = track(relationship.facts, read)
        # Settings read below without the proxy still shape the brief: record them as read.
        for setting in (facts.freshness.limits, facts.metadata.edition.date, facts.metadata.markings,
                        facts.metadata.marking, facts.metadata.portion_markings_in,
                        facts.metadata.language, facts.metadata.perspective, facts.metadata.keywords,
                        facts.metadata.pdf_variant):
            str(setting)  # lists record themselves when read as a whole
        # From here on, an outgoing edition's templates may not read the desk's own fields.
        read.outgoing = not working
        meta = relationship.facts.metadata
        language = meta.language
        markings = Release(relationship.facts)
        notes = _Notes(list(facts.sources), language, relationship.stale, markings,
                       kind in meta.portion_markings_in, working,
                       relationship.evidence if working else None, passage_href)
        countries = {country.code: country for country in facts.metadata.countries}
        context = {
            "facts": facts,
            "meta": facts.metadata,
            "kind": kind,
            "working": working,
            "relationship": relationship.slug,
            "countries": countries,
            "country": countries.__getitem__,
            "cite": notes.cite,
            "cited_sources": notes.sources,
            "information_as_of": first_pass.get("summary"),
            "banner": first_pass.get("banner") or meta.marking,
            "withheld_from_releases": first_pass.get("withheld", []),
            # Facts shown that no passage found in a document supports: the brief is a draft.
            "unverified_facts": first_pass.get("unverified", []),
            "changes": changes,
            "date": lambda value: format_partial_date(value, language),
            "date_range": lambda start, end: format_date_range(start, end, language),
            "source_label": lambda source: source_label(source, language, isolate=True),
            # "facts/x/visits.yaml:12": where a fact is written (the cable locates its warnings).
            "where": lambda fact: str(relationship.location(getattr(fact, "_path", ()))),
            "document_title": document_title,
            "version": __version__,
            **_perspective_helpers(facts, perspective, notes, language),
        }
        html, names = self._render(f"{kind}{BRIEF_SUFFIX}", context, f"{kind} for {relationship.slug}")
        return html, {**context, **names}, notes

    def render_page(self, template_name: str, context: dict[str, Any], what: str = "") -> str:
        """Render any template; every failure becomes a TemplateError with template:line."""
        return self._render(template_name, context, what)[0]

    def _cable(self, kind: str, context: dict[str, Any], relationship: Relationship) -> str:
        """The telegram a brief is summarised into: ``cable/<kind>.html.j2``, or for a kind of
        the desk's own without one, ``cable/_default.html.j2``. A cable opens with a summary."""
        name = f"{CABLE_FOLDER}/{kind}{BRIEF_SUFFIX}"
        if self.layout.template_file(name) is None:
            name = f"{CABLE_FOLDER}/_default{BRIEF_SUFFIX}"
        # Plain ASCII, with no direction to steer: the values' isolate markers go.
        html = plain(self._render(name, context, f"the cable of {kind} for {relationship.slug}")[0])
        document = lxml.html.document_fromstring(html)
        if _dates_inside_sentences(document, within=""):
            html = "<!DOCTYPE html>\n" + lxml.html.tostring(document, encoding="unicode") + "\n"
        summary = document.xpath('string(//section[@class="cable-summary"])')
        if not summary.strip():
            file = self.layout.template_file(name)
            raise TemplateError(Problem(
                "the cable gives no summary: a cable opens with a SUMMARY paragraph; fill the"
                " template's `summary` block", Location(display_path(file) if file else name)))
        return html

    def _render(self, template_name: str, context: dict[str, Any], what: str) -> tuple[str, dict[str, Any]]:
        """The page, and the names its templates set at top level (``brief_title`` ...)."""
        self.env.loaded = {}
        suffix = f" (rendering {what})" if what else ""
        try:
            template = self.env.get_template(template_name)
            try:
                with self.env.limited():
                    page = template.new_context(context)
                    return self.env.concat(template.root_render_func(page)), dict(page.vars)
            except Exception:
                self.env.handle_exception()  # re-raises with the template's own lines
        except jinja2.TemplateSyntaxError as exc:
            location = Location(display_path(exc.filename or exc.name or template_name), exc.lineno)
            raise TemplateError(Problem(f"template syntax error: {exc.message}", location)) from None
        except (Withheld, Internal):
            raise  # render() names the fact and where it lives
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(
                Problem(f"template {exc.name!r} not found in "
                        f"{', '.join(display_path(d) for d in self.template_dirs)}{suffix}",
                        _template_location(exc, template_name, self.template_dirs))
            ) from None
        except RenderLimit as exc:
            raise _limit_problem(exc, what, self.template_dirs, template_name) from None
        except jinja2.sandbox.SecurityError as exc:
            raise TemplateError(Problem(
                f"not allowed in a template: {exc}{suffix}",
                _template_location(exc, template_name, self.template_dirs))) from None
        except Exception as exc:  # any failure inside a template is the template's problem
            message = str(exc) if isinstance(exc, jinja2.UndefinedError) else f"{type(exc).__name__}: {exc}"
            raise TemplateError(
                Problem(message + suffix, _template_location(exc, template_name, self.template_dirs))
            ) from None


def _limit_problem(exc: RenderLimit, what: str, dirs: list[Path], template_name: str = "") -> TemplateError:
    """A template past a limit of the sandbox, at the template line it had reached."""
    suffix = f" (rendering {what})" if what else ""
    location = _template_location(exc, template_name, dirs)
    if location.line is None and exc.where:
        location = Location(display_path(exc.where[0]), exc.where[1])
    return TemplateError(Problem(f"{exc}{suffix}", location))


def document_title(brief_title: Any, relationship_title: Any) -> str:
    """"Overview: Pakistan–Japan Relations": the <title>, the PDF and DOCX title, the index."""
    return f"{brief_title}: {relationship_title}"


def _unverified(relationship: Relationship, cited: Iterable[Any]) -> list[tuple[str, str, int | None]]:
    """Each cited fact the evidence does not support: (its label, file, line)."""
    facts = []
    for path in cited:
        record = relationship.evidence.get(path)
        if record is not None and not record.verified:
            where = relationship.location(path)
            facts.append((record.label, where.file, where.line))
    return facts


def _withheld_problem(exc: Withheld, relationship: Relationship, kind: str) -> TemplateError:
    """A template cannot do without a fact this edition may not show: fail, naming the fact."""
    where = ""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2"):
            where = f" (needed by {display_path(frame.filename)}:{frame.lineno})"
            break
    return TemplateError(Problem(
        f"{dotted(exc.path)} is marked {exc.marking}, above the {exc.release} edition being built, but the"
        f" {kind} brief cannot be written without it{where}; refusing to leak it",
        relationship.location(exc.path)))


def _internal_problem(exc: Internal, relationship: Relationship, kind: str) -> TemplateError:
    """An outgoing edition's template reads a field for the desk's eyes only: fail at its line."""
    location = Location(f"{kind}{BRIEF_SUFFIX}")
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2"):
            location = Location(display_path(frame.filename), frame.lineno)
            break
    return TemplateError(Problem(
        f"the outgoing {kind} brief for {relationship.slug} would print {dotted(exc.path)}, which is for"
        " the desk's working edition only; show it under {% if working %}", location))


def _perspective_helpers(facts, perspective: str, notes: "_Notes", language: str) -> dict[str, Any]:
    """Names, possessives and currency for the side the brief is written from.

    A template says {{ possessive(country) }} ("our" or "Pakistan's") and
    {{ adjectival(country) }} ("our" or "the Pakistani") instead of testing the
    perspective itself."""
    countries = list(facts.metadata.countries)
    ours = next((c for c in countries if c.perspective == perspective), None)
    home = ours or countries[0]
    partner = next(c for c in countries if c.code != home.code)
    ordered = [home, partner] if ours else sorted(countries, key=lambda c: c.name)
    offices = facts.metadata.issuing_offices
    currency = ours.currency if ours else facts.metadata.neutral_currency

    # Names from the fact base are marked, to be set each in its own bidi isolate.
    def pair(separator: str = "–") -> str:
        return separator.join(marked(c.name) for c in ordered)

    def possessive(country) -> str:
        return "our" if ours is not None and country.code == ours.code else f"{marked(country.name)}'s"

    def adjectival(country) -> str:
        return "our" if ours is not None and country.code == ours.code else f"the {marked(country.adjective)}"

    def money(value, convert: bool = True) -> Markup:
        """The amount, and where the reader's currency differs, its value at a dated rate."""
        text = escape(format_money(value, language))
        when = unwrap(value.as_of) if getattr(value, "as_of", None) else None
        rate, inverse = _exchange_rate(facts, value.currency, currency, when) if convert else (None, False)
        if rate is None:
            if convert and currency and value.currency != currency and when is not None:
                path = getattr(value, "_path", None)
                notes.warnings.append((path, f"no {value.currency}/{currency} rate within"
                                       f" {RATE_WINDOW_MONTHS} months before {when}; the figure is"
                                       f" shown in {value.currency} only"))
            return Markup(text)
        factor = (1 / rate.rate) if inverse else rate.rate
        converted = format_money(type(unwrap(value))(amount=value.amount * factor, currency=currency,
                                                     as_of=value.as_of), language)
        how = (f" (≈ {converted} at {rate.quote}\u00a0{rate.rate} per {rate.base},"
               f" {format_partial_date(rate.as_of, language)})")
        return Markup(text) + escape(how) + notes.cite(rate)

    return {
        "perspective": perspective,
        "home": home,
        "partner": partner,
        "pair": pair,
        "relationship_title": f"{pair()} Relations",
        "possessive": possessive,
        "adjectival": adjectival,
        "issuing_office": marked(offices.get(perspective, facts.metadata.issuing_office)),
        "money": money,
    }


# A figure is converted only at a rate at most this many months older than the figure.
RATE_WINDOW_MONTHS = 12


def _months(value: PartialDate) -> int:
    """Months since year 0 of the last month a date may mean (a year-only date: its December)."""
    return value.year * 12 + (value.month or 12) - 1


def _exchange_rate(facts, source: str, target: str, when: PartialDate | None = None):
    """The dated rate between two currencies nearest before the figure's date ``when`` (at most
    RATE_WINDOW_MONTHS older; the newest rate for an undated figure), and whether it must be
    inverted; (None, False) when there is none."""
    if source == target:
        return None, False
    # Newest first; two rates in one month (on different days: overlapping rates are refused
    # when the facts load) go by their day.
    rates = sorted(facts.exchange_rates, key=lambda r: (_months(unwrap(r.as_of)), unwrap(r.as_of).day or 0),
                   reverse=True)
    for rate in rates:
        pair = (rate.base, rate.quote)
        if pair not in ((source, target), (target, source)):
            continue
        if when is not None:
            age = _months(when) - _months(unwrap(rate.as_of))
            if age < 0:
                continue  # a rate after the figure's date
            if age > RATE_WINDOW_MONTHS:
                return None, False
        return rate, pair == (target, source)
    return None, False


def _explain_missing(exc: TemplateError, read: ReadLog, relationship: Relationship) -> TemplateError:
    """When a template fails on a fact the relationship does not have, say which fact."""
    problem = exc.problems[0]
    if read.last_missing and "'None' has no attribute" in problem.message:
        return TemplateError(Problem(
            f"needs {dotted(read.last_missing)}, which {relationship.slug} does not have; add it to the"
            " facts, or make the template skip it with {% if ... %}", problem.location))
    return exc


_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ALT = re.compile(r"\balt\s*=", re.IGNORECASE)


def _check_images_have_alt_text(template_files: list[str]) -> None:
    """Refuse an <img> without alt text: tagged PDFs and screen readers need it."""
    problems = []
    for name in template_files:
        if not name.endswith(".j2"):
            continue
        source = Path(name).read_text(encoding="utf-8")
        for match in _IMG.finditer(source):
            if not _ALT.search(match.group()):
                line = source.count("\n", 0, match.start()) + 1
                problems.append(Problem(
                    "image without alt text; add alt=\"...\" describing it (alt=\"\" if decorative)",
                    Location(display_path(name), line)))
    if problems:
        raise TemplateError(problems)


def _template_location(exc: BaseException, template_name: str, dirs: list[Path]) -> Location:
    """The innermost template frame in the traceback: Jinja maps its line to the template."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2") or frame.filename.endswith(".css"):
            return Location(display_path(frame.filename), frame.lineno)
    for folder in dirs:
        if (folder / template_name).exists():
            return Location(display_path(folder / template_name))
    return Location(template_name)


def _merge_repeated_notes(document: lxml.html.HtmlElement) -> bool:
    """In an outgoing edition, a run of passages under one heading that cite the same sources
    carries one note, at the end of the run (a table cell keeps its own). True if any went."""
    spans = document.xpath('//main//span[@class="footnote"]')
    heading_count = lxml.etree.XPath("count(preceding::h2 | preceding::h3 | preceding::h4)")

    def in_cell(span) -> bool:
        return any(a.tag in ("td", "th") for a in span.iterancestors())

    removed = False
    for earlier, later in zip(spans, spans[1:]):
        if (earlier.text_content() == later.text_content() and not in_cell(earlier)
                and not in_cell(later) and heading_count(earlier) == heading_count(later)):
            earlier.drop_tree()  # keeps the text after it
            removed = True
    return removed


_LAST_WORD = re.compile(r"(\S+)$")


# A table of up to this many rows is never split across pages (a longer one may be, its
# header row repeated).
_WHOLE_TABLE_ROWS = 6


def _keep_short_tables_whole(document: lxml.html.HtmlElement) -> bool:
    """Mark each table of a few body rows ``class="whole"``, which the stylesheet and the DOCX
    writer keep on one page. True if any was marked."""
    marked = False
    for table in document.xpath("//main//table"):
        if len(table.xpath("./tbody/tr | ./tr")) <= _WHOLE_TABLE_ROWS:
            table.set("class", " ".join([*(table.get("class") or "").split(), "whole"]))
            marked = True
    return marked


def _dates_inside_sentences(document: lxml.html.HtmlElement, within: str = "//main") -> bool:
    """"…trading partner (July 2023)." rather than "…trading partner. (July 2023)": the date
    an outgoing brief adds after a fact goes inside its sentence, before the full stop. True
    if any was moved."""
    moved = False
    for dated in document.xpath(within + '//span[@class="dated"]'):
        before = dated.getprevious()
        if before is None:
            holder, attribute = dated.getparent(), "text"
        elif (before.tail or "").strip():
            holder, attribute = before, "tail"
        elif len(before) == 0:  # the fact's text in its own element (an isolate)
            holder, attribute = before, "text"
        else:
            holder, attribute = before[-1], "tail"
        text = getattr(holder, attribute) or ""
        body = text.rstrip()
        if not body.endswith(".") or body.endswith(".."):
            continue
        setattr(holder, attribute, body[:-1] + text[len(body):])
        dated.tail = "." + (dated.tail or "")
        moved = True
    return moved


def _keep_calls_with_their_words(document: lxml.html.HtmlElement) -> bool:
    """Wrap each note with the word (or the dated "(2023)") just before it in
    ``<span class="with-note">``, which the stylesheet keeps on one line, so that a note's
    number never starts a line of its own. The text is unchanged. True if any was wrapped."""
    wrapped = False
    for note in document.xpath('//main//span[@class="footnote"]'):
        parent, before = note.getparent(), note.getprevious()
        wrapper = lxml.html.Element("span", {"class": "with-note"})
        if before is not None and not (before.tail or ""):
            # A value's isolate goes whole into the wrapper; the stylesheet lets it wrap inside.
            if before.tag not in ("span", "em", "strong", "i", "b", "cite", "code", "a", "bdi"):
                continue  # not inline (an image, a line break): nothing to keep it with
            before.addprevious(wrapper)
            wrapper.append(before)  # moves it, and its (empty) tail
        else:
            text = (before.tail if before is not None else parent.text) or ""
            word = _LAST_WORD.search(text)
            if not word:
                continue  # a space before the note: the break there is harmless
            if before is not None:
                before.tail = text[: word.start()]
                before.addnext(wrapper)
            else:
                parent.text = text[: word.start()]
                parent.insert(0, wrapper)
            wrapper.text = word.group(1)
        tail, note.tail = note.tail, None
        wrapper.append(note)
        wrapper.tail = tail
        wrapped = True
    return wrapped


_SLUG = re.compile(r"[^a-z0-9]+")


def _fill_table_of_contents(document: lxml.html.HtmlElement) -> bool:
    """Fill ``<nav class="toc">`` with links to the h2/h3 headings that follow it;
    False when the brief has no table of contents."""
    navs = document.xpath('//nav[@class="toc"]')
    if not navs:
        return False
    nav = navs[0]
    used: set[str] = set(document.xpath("//@id"))
    top = lxml.html.Element("ol")
    current_sub = None
    for heading in document.xpath("//main//h2 | //main//h3"):
        if not heading.get("id"):
            base = _SLUG.sub("-", heading.text_content().lower()).strip("-") or "section"
            candidate, n = base, 2
            while candidate in used:
                candidate, n = f"{base}-{n}", n + 1
            heading.set("id", candidate)
            used.add(candidate)
        item = lxml.html.Element("li")
        link = lxml.html.Element("a", href=f"#{heading.get('id')}")
        copy_text(heading, link)
        link.text = link.text.lstrip()
        if len(link):
            link[-1].tail = link[-1].tail.rstrip()
        else:
            link.text = link.text.rstrip()
        item.append(link)
        if heading.tag == "h2":
            top.append(item)
            current_sub = None
        else:
            if current_sub is None:
                if len(top) == 0:
                    top.append(lxml.html.Element("li"))
                current_sub = lxml.html.Element("ol")
                top[-1].append(current_sub)
            current_sub.append(item)
    nav.append(top)
    return True
