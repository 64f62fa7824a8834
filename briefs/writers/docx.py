"""DOCX writer: walks the rendered HTML and maps each element to Word's own styles.

=====================  =======================================================
HTML                   Word
=====================  =======================================================
h1 / p.subtitle        Title / Subtitle
h2, h3, h4             Heading 1, Heading 2, Heading 3 (bookmarked by id)
p                      Normal
ul / ol (nested)       List Bullet[ 2|3] / List Number[ 2|3], numbering restarts
table (thead rows)     Table Grid, header rows repeat on every page
blockquote             Quote
strong, em, sup, a     bold, italic, superscript, hyperlink (external or bookmark)
span.footnote          a real Word footnote (footnotes part)
nav.toc                TOC Heading + a TOC field whose entries are already filled in
=====================  =======================================================

The handling marking goes into the header and footer of every page, with
"Page X of Y" as PAGE and NUMPAGES fields.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace
from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from ..confine import inside, why_not_plain
from ..errors import Location, Problem, WriteError, display_path
from ..render import BriefMeta, RenderedBrief
from . import Writer, WriteOptions, register, template_of
from .fetch import refusal, resolve
from . import docx_oxml as ox

HEADING_STYLES = {"h1": "Title", "h2": "Heading 1", "h3": "Heading 2", "h4": "Heading 3"}
CONTAINERS = {"body", "main", "section", "div", "article", "header", "aside", "nav", "figure"}
BLOCKS = {"p", "footer", "caption", "figcaption", "address", "pre", "dl", "dt", "dd", "hr"}
INLINES = {"img", "strong", "b", "em", "i", "cite", "sup", "sub", "code", "br", "a", "span", "abbr",
           "small", "q", "time", "bdi", "bdo", "mark", "u", "s", "dfn", "kbd", "samp", "var"}
# Styles the writer uses that a reference document must define (others it adds itself).
REQUIRED_STYLES = ("Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3",
                   "List Bullet", "List Bullet 2", "List Bullet 3", "List Number",
                   "List Number 2", "List Number 3", "Quote", "Caption", "Table Grid",
                   "TOC Heading")
SKIPPED = {"head", "style", "script", "template", "meta", "title", "link"}
BODY_FONT = "DejaVu Serif"
HEADING_FONT = "DejaVu Sans"
_SPACE = re.compile(r"\s+")


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


@dataclass(frozen=True)
class _Format:
    bold: bool = False
    italic: bool = False
    superscript: bool = False
    link: bool = False
    code: bool = False
    language: str | None = None


@register
class DocxWriter(Writer):
    name = "docx"
    suffix = ".docx"

    def write(self, brief: RenderedBrief, options: WriteOptions) -> bytes:
        self.warnings = []
        root = brief.document
        info = brief.meta
        reference = options.layout.reference_docx()
        document = _open(reference)
        _prepare_styles(document, own_styles=reference is None)
        builder = _Builder(document, template_of(brief), self.warnings,
                           options.layout.asset_roots())
        builder.blocks(root.find("body"))
        _header_and_footer(document, info)
        _properties(document, info)
        ox.set_language(document, info.language)
        buffer = io.BytesIO()
        document.save(buffer)
        return ox.reproducible_zip(buffer.getvalue(), info.created)


def _open(reference: Path | None):
    """python-docx's default document, or the user's reference document checked for the
    styles this writer maps to."""
    if reference is None:
        return docx.Document()
    # The path as given, not its target's (display_path would resolve a symbolic link).
    where = Location(f"{display_path(reference.parent)}/{reference.name}")
    why = why_not_plain(reference)
    if why is not None:
        raise WriteError(Problem(f"cannot read the reference document: it is {why}", where))
    if inside(reference.parent, reference.name) is None:
        raise WriteError(Problem("the reference document is a symbolic link leading out of its"
                                 " folder; copy the document in instead", where))
    try:
        document = docx.Document(str(reference))
    except Exception as exc:  # zipfile, lxml and python-docx each raise their own kind
        raise WriteError(Problem(f"not a valid Word document (.docx): {exc}", where)) from None
    names = {style.name for style in document.styles}
    missing = [name for name in REQUIRED_STYLES if name not in names]
    if missing:
        raise WriteError(
            Problem(f"reference document lacks the style{'s' if len(missing) > 1 else ''} "
                    f"{', '.join(repr(m) for m in missing)} that briefs use", where)
        )
    _clear_body(document)
    return document


def _clear_body(document) -> None:
    """A reference document lends its styles and page setup, not its text."""
    body = document.element.body
    for child in list(body):
        if child.tag != ox.qn("w:sectPr"):
            body.remove(child)


def _style(document, name: str, kind=WD_STYLE_TYPE.PARAGRAPH, base: str | None = "Normal"):
    try:
        return document.styles[name]
    except KeyError:
        style = document.styles.add_style(name, kind)
        if base and kind == WD_STYLE_TYPE.PARAGRAPH:
            style.base_style = document.styles[base]
        return style


def _prepare_styles(document, own_styles: bool) -> None:
    footnote_text = _style(document, "Footnote Text")
    reference = _style(document, "Footnote Reference", WD_STYLE_TYPE.CHARACTER, None)
    reference.font.superscript = True
    link = _style(document, "Hyperlink", WD_STYLE_TYPE.CHARACTER, None)
    for level in (1, 2):
        _style(document, f"TOC {level}")
    if not own_styles:
        return
    _page_setup(document)
    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(5)
    footnote_text.font.size = Pt(8.5)
    footnote_text.paragraph_format.space_after = Pt(0)
    link.font.color.rgb = RGBColor(0x1F, 0x3B, 0x5C)
    link.font.underline = True
    for name in ("Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "TOC Heading"):
        style = document.styles[name]
        style.font.name = HEADING_FONT
        style.font.color.rgb = RGBColor(0x1F, 0x3B, 0x5C)
    document.styles["Title"].font.size = Pt(22)
    document.styles["Heading 1"].font.size = Pt(14)
    document.styles["Heading 2"].font.size = Pt(12)
    toc2 = document.styles["TOC 2"]
    toc2.paragraph_format.left_indent = Pt(14)


class _Builder:
    def __init__(self, document, template: str, warnings: list[Problem], roots: list[Path]):
        self.document = document
        self.roots = roots
        self.footnotes = ox.Footnotes(document)
        self.bookmarks = 0
        self.template = template
        self.warnings = warnings
        self._warned: set[str] = set()
        self._style_ids: dict[str, str | None] = {}

    def _character_style(self, style: str) -> str:
        if style not in self._style_ids:
            self._style_ids[style] = self.document.styles[style].style_id
        return self._style_ids[style]

    def add_paragraph(self, style: str) -> Paragraph:
        """A new paragraph at the end of the body, as ``document.add_paragraph(style=...)``
        makes it, in constant time: python-docx looks the style up among every style and
        searches the body for its section properties on each call, which made a list of
        10,000 items take minutes."""
        if style not in self._style_ids:
            found = self.document.styles[style]
            default = self.document.styles.default(found.type)
            self._style_ids[style] = None if default is not None and found == default else found.style_id
        body = self.document.element.body
        paragraph = OxmlElement("w:p")
        last = body[-1] if len(body) else None
        if last is not None and last.tag == ox.qn("w:sectPr"):
            last.addprevious(paragraph)
        else:
            body.append(paragraph)
        paragraph.style = self._style_ids[style]  # None (the default style) leaves an empty pPr, as before
        return Paragraph(paragraph, self.document._body)

    def _unsupported(self, tag: str) -> None:
        if tag not in self._warned:
            self._warned.add(tag)
            self.warnings.append(
                Problem(f"the DOCX writer has no mapping for <{tag}> (from this template or a"
                        " partial it includes); its text is kept as plain text",
                        Location(self.template), severity="warning")
            )

    # --- blocks ---------------------------------------------------------------------

    def blocks(self, element) -> None:
        for child in element:
            if isinstance(child.tag, str):
                self.block(child)

    def block(self, element) -> None:
        tag = element.tag
        classes = _classes(element)
        if tag in SKIPPED or "marking" in classes:
            return  # the marking is printed in the header and footer instead
        if tag == "nav" and "toc" in classes:
            self.table_of_contents(element)
        elif tag in CONTAINERS:
            self.blocks(element)
        elif tag in HEADING_STYLES:
            paragraph = self.paragraph(element, HEADING_STYLES[tag])
            if element.get("id"):
                self.bookmarks += 1
                ox.add_bookmark(paragraph, ox.bookmark_name(element.get("id")), self.bookmarks)
        elif tag == "img":
            paragraph = self.add_paragraph("Normal")
            self.image(paragraph, paragraph._p, element)
        elif tag in ("ul", "ol"):
            self.list(element, 0)
        elif tag == "table":
            self.table(element)
        elif tag == "blockquote":
            for child in element:
                if isinstance(child.tag, str):
                    paragraph = self.paragraph(child, "Quote")
                    if child.tag == "footer":
                        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif tag == "p" and "subtitle" in classes:
            self.paragraph(element, "Subtitle")
        elif tag == "p" and "toc-title" in classes:
            self.paragraph(element, "TOC Heading")
        else:
            if tag not in BLOCKS:
                self._unsupported(tag)
            self.paragraph(element, "Normal")

    def paragraph(self, element, style: str) -> Paragraph:
        paragraph = self.add_paragraph(style)
        self.inline(paragraph, element)
        return paragraph

    def list(self, element, level: int) -> None:
        ordered = element.tag == "ol"
        base = "List Number" if ordered else "List Bullet"
        style = base if level == 0 else f"{base} {min(level + 1, 3)}"
        num_id = ox.new_numbering(self.document, style) if ordered else None
        for item in element:
            if item.tag != "li":
                continue
            paragraph = self.add_paragraph(style)
            if num_id is not None:
                ox.set_numbering(paragraph, num_id)
            self.inline(paragraph, item, skip={"ul", "ol"})
            for child in item:
                if child.tag in ("ul", "ol"):
                    self.list(child, level + 1)

    def table(self, element) -> None:
        rows = element.xpath("./thead/tr | ./tbody/tr | ./tr | ./tfoot/tr")
        if not rows:
            return
        width = max(len(row.xpath("./th | ./td")) for row in rows)
        caption = element.find("caption")
        if caption is not None:
            self.paragraph(caption, "Caption")
        table = self.document.add_table(rows=len(rows), cols=width)
        table.style = self.document.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        _set_column_widths(table, rows, width, self.document.sections[-1])
        for row_index, row in enumerate(rows):
            header = row.getparent().tag == "thead"
            if header:
                ox.repeat_as_header(table.rows[row_index])
            for col_index, cell in enumerate(row.xpath("./th | ./td")):
                paragraph = table.cell(row_index, col_index).paragraphs[0]
                self.inline(paragraph, cell, _Format(bold=header or cell.tag == "th"))

    def table_of_contents(self, nav) -> None:
        for child in nav:
            if child.tag == "p":
                self.paragraph(child, "TOC Heading")
        entries = nav.xpath(".//a[starts-with(@href, '#')]")
        if not entries:
            return
        paragraphs = []
        for link in entries:
            level = len(link.xpath("ancestor::ol"))
            paragraph = self.add_paragraph(f"TOC {min(level, 2)}")
            hyperlink = ox.add_hyperlink(paragraph, paragraph._p,
                                         anchor=ox.bookmark_name(link.get("href")[1:]))
            self._run(paragraph, hyperlink, link.text_content().strip(), _Format())
            paragraphs.append(paragraph)
        # The entries are the field's current result, so the TOC reads right before any update.
        ox.begin_complex_field(paragraphs[0], 'TOC \\o "1-2" \\h \\z \\u')
        ox.end_complex_field(paragraphs[-1])

    # --- inline content ------------------------------------------------------------

    def inline(self, paragraph: Paragraph, element, fmt: _Format = _Format(),
               skip: set[str] = frozenset()) -> None:
        runs: list[Run] = []
        self._inline(paragraph, paragraph._p, element, fmt, skip, runs)
        if runs:
            runs[0].text = runs[0].text.lstrip()
            runs[-1].text = runs[-1].text.rstrip()
        if element.get("dir") == "rtl" or ox.mostly_right_to_left(paragraph.text):
            ox.set_right_to_left(paragraph)

    def _inline(self, paragraph, container, element, fmt, skip, runs) -> None:
        if element.text:
            runs.append(self._run(paragraph, container, element.text, fmt))
        for child in element:
            tag = child.tag
            if isinstance(tag, str) and tag not in skip and tag not in SKIPPED:
                classes = _classes(child)
                if child.get("lang"):
                    fmt_child = replace(fmt, language=child.get("lang"))
                else:
                    fmt_child = fmt
                if tag not in INLINES:
                    self._unsupported(tag)
                if "footnote" in classes:
                    note_id = self.footnotes.add(_SPACE.sub(" ", child.text_content()).strip())
                    ox.add_footnote_reference(container, note_id)
                elif tag in ("strong", "b"):
                    self._inline(paragraph, container, child, replace(fmt_child, bold=True), skip, runs)
                elif tag in ("em", "i", "cite"):
                    self._inline(paragraph, container, child, replace(fmt_child, italic=True), skip, runs)
                elif tag == "sup":
                    self._inline(paragraph, container, child, replace(fmt_child, superscript=True), skip, runs)
                elif tag == "code":
                    self._inline(paragraph, container, child, replace(fmt_child, code=True), skip, runs)
                elif tag == "img":
                    self.image(paragraph, container, child)
                elif tag == "br":
                    run = self._run(paragraph, container, "", fmt)
                    run.add_break()
                elif tag == "a" and child.get("href"):
                    href = child.get("href")
                    if href.startswith("#"):
                        link = ox.add_hyperlink(paragraph, container, anchor=ox.bookmark_name(href[1:]))
                    else:
                        link = ox.add_hyperlink(paragraph, container, url=href)
                    self._inline(paragraph, link, child, replace(fmt_child, link=True), skip, runs)
                else:
                    self._inline(paragraph, container, child, fmt_child, skip, runs)
            if child.tail:
                runs.append(self._run(paragraph, container, child.tail, fmt))

    def image(self, paragraph, container, element) -> None:
        """A picture read under the same rule as the PDF writer's; its alt text kept."""
        url = element.get("src") or ""
        base = self.roots[0] if self.roots else None
        kind, value = resolve(url, self.roots, base)
        alt = element.get("alt") or ""
        if kind == "refused":
            problem = refusal(url, value, self.template)
            if problem not in self.warnings:
                self.warnings.append(problem)
            if alt:
                self._run(paragraph, container, f"[{alt}]", _Format())
            return
        data = value if kind == "data" else Path(value).read_bytes()
        run = self._run(paragraph, container, "", _Format())
        try:
            run.add_picture(io.BytesIO(data), width=Cm(min(float(element.get("width") or 0) / 37.8 or 8, 16)))
        except Exception:  # not an image python-docx can read
            self.warnings.append(refusal(url, "not a readable image", self.template))
            return
        for doc_pr in run._r.xpath(".//wp:docPr"):
            doc_pr.set("descr", alt)

    def _run(self, paragraph, container, text: str, fmt: _Format) -> Run:
        element = OxmlElement("w:r")
        container.append(element)
        run = Run(element, paragraph)
        run.text = _SPACE.sub(" ", text)
        if fmt.bold:
            run.bold = True
        if fmt.italic:
            run.italic = True
        if fmt.superscript:
            run.font.superscript = True
        if fmt.code:
            run.font.name = "DejaVu Sans Mono"
        if fmt.link:
            run._r.style = self._character_style("Hyperlink")
        ox.mark_script(run, fmt.language)
        return run


def _set_column_widths(table, rows, width: int, section) -> None:
    """Share the text width among columns by how much each holds (Word would make them equal)."""
    weights = [6] * width
    for row in rows:
        for index, cell in enumerate(row.xpath("./th | ./td")):
            text = " ".join(t for t in cell.xpath("text() | *[not(contains(@class,'footnote'))]//text()"))
            weights[index] = max(weights[index], min(len(_SPACE.sub(" ", text).strip()), 60))
    available = section.page_width - section.left_margin - section.right_margin
    table.autofit = False
    total = sum(weights)
    for index, column in enumerate(table.columns):
        share = int(available * weights[index] / total)
        column.width = share
        for cell in column.cells:
            cell.width = share


def _page_setup(document) -> None:
    for section in document.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2)
        section.top_margin = section.bottom_margin = Cm(2.2)


def _header_and_footer(document, info: BriefMeta) -> None:
    for section in document.sections:
        header = section.header.paragraphs[0]
        header.text = ""
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        header.add_run(info.marking).bold = True
        footer = section.footer
        first = footer.paragraphs[0]
        first.text = ""
        first.alignment = WD_ALIGN_PARAGRAPH.CENTER
        first.add_run(f"{info.title} \u2014 Page ")
        ox.add_simple_field(first, "PAGE", "1")
        first.add_run(" of ")
        ox.add_simple_field(first, "NUMPAGES", "1")
        marking = footer.add_paragraph()
        marking.alignment = WD_ALIGN_PARAGRAPH.CENTER
        marking.add_run(info.marking).bold = True
        for paragraph in (header, first, marking):
            for run in paragraph.runs:
                run.font.size = Pt(8.5)


PROPERTY_LIMIT = 255


def fit_property(value: str, limit: int = PROPERTY_LIMIT, separator: str = " ") -> str:
    """``value`` cut to fit a DOCX core property (python-docx refuses more than 255
    characters): at the last ``separator`` that fits, with an ellipsis."""
    value = " ".join(value.split()) if separator == " " else value
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    if separator in cut:
        cut = cut[: cut.rindex(separator)]
    return cut.rstrip(" ,;:") + "…"


def _properties(document, info: BriefMeta) -> None:
    import datetime as dt

    props = document.core_properties
    created = dt.datetime(info.created.year, info.created.month, info.created.day)
    # Word's core properties hold at most 255 characters each; the full text is in the document.
    props.title = fit_property(info.title)
    props.subject = fit_property(info.subject)
    props.author = fit_property(info.author)
    props.last_modified_by = fit_property(info.author)
    props.keywords = fit_property(", ".join(info.keywords), separator=", ")
    props.language = fit_property(info.language)
    props.content_status = fit_property(info.marking)
    props.category = "Brief"
    props.comments = fit_property(info.generator)
    props.created = created
    props.modified = created
    props.last_printed = created
    props.revision = 1
