"""DOCX writer: walks the rendered HTML and maps each element to Word's own styles.

=====================  =======================================================
HTML                   Word
=====================  =======================================================
h1 / p.subtitle        Title / Subtitle
h2, h3, h4             Heading 1, Heading 2, Heading 3 (bookmarked by id)
p                      Normal
ul / ol (nested)       List Bullet[ 2|3] / List Number[ 2|3], numbering restarts
table (thead rows)     Table Grid with column widths from its content, header rows repeat,
                       rows kept whole; caption: Caption
blockquote             Quote, Quote Attribution
strong, em, sup, a     bold, italic, superscript, hyperlink (external or bookmark)
span.footnote          a real Word footnote (footnotes part)
nav.toc                TOC Heading + TOC 1/2 entries, each ending in a PAGEREF field
=====================  =======================================================

The handling marking goes into the header and footer of every page, with the
brief's title and "Page X of Y" (PAGE and NUMPAGES fields), as in the PDF.

Colours, fonts, sizes and spacing come from the PDF's own stylesheet (see
docx_layout.StyleMap), so the Word file looks like the PDF. A reference document
keeps its own styles; styles this writer adds are given the stylesheet's look.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace
from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from ..confine import inside, why_not_plain
from ..errors import Location, Problem, WriteError, display_path
from ..rendered import BriefMeta, RenderedBrief
from . import BlockWalker, Writer, WriteOptions, html_classes, register, template_of
from .fetch import refusal, resolve
from . import docx_oxml as ox
from .docx_pages import estimate_heading_pages
from .docx_layout import Extent, Piece, StyleMap, Text, cell_extent, column_widths, line_ratio, style_map

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
_SPACE = re.compile(r"\s+")
# Superscript (note calls) is drawn at about two thirds of the text size.
_SUPERSCRIPT_SCALE = 0.67


@dataclass(frozen=True)
class _Format:
    bold: bool = False
    italic: bool = False
    superscript: bool = False
    link: bool = False
    code: bool = False
    language: str | None = None
    stale: bool = False
    size: float | None = None      # points; None: the paragraph style's
    colour: str | None = None      # RRGGBB; None: the paragraph style's


@register
class DocxWriter(Writer):
    name = "docx"
    suffix = ".docx"

    def write(self, brief: RenderedBrief, options: WriteOptions) -> bytes:
        self.warnings = []
        root = brief.document
        info = brief.meta
        styles = style_map(root)
        reference = options.layout.reference_docx()
        document = _open(reference)
        _prepare_styles(document, styles, own_styles=reference is None)
        builder = _Builder(document, template_of(brief), self.warnings,
                           options.layout.asset_roots(), styles)
        builder.blocks(root.find("body"))
        builder.finish()
        _header_and_footer(document, info, styles)
        _properties(document, info)
        _settings(document)
        ox.describe_fonts(document, styles.font_hints)
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


def _look(style, text: Text, styles: StyleMap, *, align=None, keep_next: bool | None = None,
          hyphenate: bool = False, indent: tuple[float, float] | None = None) -> None:
    """Give a Word style the look of one kind of text in the PDF."""
    font = style.font
    ox.set_fonts(style.element.get_or_add_rPr(), text.font)
    font.size = Pt(text.size)
    font.bold = text.bold
    font.italic = text.italic
    font.color.rgb = RGBColor.from_string(text.colour) if text.colour else None
    rpr = style.element.get_or_add_rPr()
    if text.letter_spacing:
        ox.set_child(rpr, "w:spacing", ("w:w", "w:kern", "w:position", "w:sz", "w:szCs",
                                        "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd",
                                        "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em",
                                        "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath"),
                     val=round(text.letter_spacing * 20))
    if style.type != WD_STYLE_TYPE.PARAGRAPH:
        return
    paragraph = style.paragraph_format
    paragraph.space_before = Pt(round(text.before, 2))
    paragraph.space_after = Pt(round(text.after, 2))
    # CSS line-height is a multiple of the font size; Word's "multiple" is of the font's
    # own line height (ascent + descent), about 1.16 em for DejaVu.
    paragraph.line_spacing = round(text.line_height / line_ratio(text.font), 3)
    paragraph.widow_control = True
    ppr = style.element.get_or_add_pPr()
    for spacing in ppr.findall(ox.qn("w:contextualSpacing")):
        ppr.remove(spacing)
    if align is not None:
        paragraph.alignment = align
    if keep_next is not None:
        paragraph.keep_with_next = keep_next
        paragraph.keep_together = keep_next
    if indent is not None:
        paragraph.left_indent, paragraph.right_indent = Pt(indent[0]), Pt(indent[1])
    if not hyphenate:
        ox.suppress_hyphenation(ppr)


# Paragraph and character styles the writer adds when a reference document lacks them:
# (name, kind, based on).
ADDED_STYLES = (
    ("Footnote Text", WD_STYLE_TYPE.PARAGRAPH, "Normal"),
    ("Footnote Reference", WD_STYLE_TYPE.CHARACTER, None),
    ("Hyperlink", WD_STYLE_TYPE.CHARACTER, None),
    ("TOC 1", WD_STYLE_TYPE.PARAGRAPH, "Normal"),
    ("TOC 2", WD_STYLE_TYPE.PARAGRAPH, "Normal"),
    ("Brief Details", WD_STYLE_TYPE.PARAGRAPH, "Normal"),
    ("Table Text", WD_STYLE_TYPE.PARAGRAPH, "Normal"),
    ("Table Heading", WD_STYLE_TYPE.PARAGRAPH, "Normal"),
    ("Quote Attribution", WD_STYLE_TYPE.PARAGRAPH, "Normal"),
    ("Sources Differ", WD_STYLE_TYPE.PARAGRAPH, "Normal"),
    ("Stale Mark", WD_STYLE_TYPE.CHARACTER, None),
)


def _prepare_styles(document, s: StyleMap, own_styles: bool) -> None:
    """Styles from the PDF's stylesheet. With a reference document only the styles it lacks
    (and the writer adds) are given a look; its own are kept as its author made them."""
    existing = {style.name for style in document.styles}
    for name, kind, base in ADDED_STYLES:
        _style(document, name, kind, base)
    styles = document.styles
    restyle = {name for name, _, _ in ADDED_STYLES if name not in existing}
    if own_styles:
        _page_setup(document, s)
        ox.set_document_defaults(document, s.text_font, s.body.size, s.east_asian_font, s.complex_font)
        for name in ("Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "TOC Heading",
                     "Caption", "Quote", "Header", "Footer"):
            ppr = styles[name].element.pPr
            if ppr is not None:
                ox.no_paragraph_border(ppr)
                for numbering in ppr.findall(ox.qn("w:numPr")):
                    ppr.remove(numbering)  # python-docx's Subtitle is oddly numbered
        styles["TOC Heading"].base_style = styles["Normal"]
    looks = _looks(s)
    if own_styles:
        restyle |= set(looks) | {name for name, _, _ in ADDED_STYLES}
    present = {style.name for style in styles}
    for name, (text, options) in looks.items():
        if name in restyle and name in present:
            _look(styles[name], text, s, **options)
    _restyle_details(styles, s, restyle)


def _looks(s: StyleMap) -> dict[str, tuple[Text, dict]]:
    """Each paragraph style's text and paragraph options, from the PDF's stylesheet."""
    justify = WD_ALIGN_PARAGRAPH.JUSTIFY if s.justify else WD_ALIGN_PARAGRAPH.LEFT
    left = WD_ALIGN_PARAGRAPH.LEFT
    looks = {
        "Normal": (s.body, dict(align=justify, hyphenate=True)),
        "Title": (s.title, dict(align=left, keep_next=True)),
        "Subtitle": (s.subtitle, dict(align=left, keep_next=True)),
        "Brief Details": (s.issue, dict(align=left)),
        "Heading 1": (s.headings[0], dict(align=left, keep_next=True)),
        "Heading 2": (s.headings[1], dict(align=left, keep_next=True)),
        "Heading 3": (s.headings[2], dict(align=left, keep_next=True)),
        "Caption": (s.caption, dict(align=left, keep_next=True)),
        "Table Text": (s.cell, dict(align=left)),
        "Table Heading": (s.header_cell, dict(align=left)),
        "Quote": (s.quote, dict(align=justify, hyphenate=True, indent=s.quote_indent)),
        "Quote Attribution": (Text(s.attribution.font, s.attribution.size, s.attribution.colour,
                                   s.attribution.bold, s.attribution.italic, 0.0, s.quote_margin[1],
                                   s.attribution.line_height), dict(align=left, indent=s.quote_indent)),
        "Sources Differ": (s.accounts, dict(align=justify, hyphenate=True)),
        "TOC Heading": (s.toc_title, dict(align=left, keep_next=True)),
        "TOC 1": (s.toc, dict(align=left)),
        "TOC 2": (s.toc, dict(align=left, indent=(s.toc_indent, 0))),
        "Footnote Text": (s.footnote, dict(align=left)),
        "Header": (s.marking, dict(align=WD_ALIGN_PARAGRAPH.CENTER)),
        "Footer": (s.footer_title, dict(align=left)),
    }
    for level in ("", " 2", " 3"):
        for base in ("List Bullet", "List Number"):
            looks[base + level] = (Text(s.body.font, s.body.size, s.body.colour, after=s.list_item_after,
                                        line_height=s.body.line_height), dict(align=left))
    return looks


def _restyle_details(styles, s: StyleMap, restyle: set[str]) -> None:
    """What some of the restyled styles need besides their text: rules, superscript, link
    colour, tab stops."""
    if "Sources Differ" in restyle and s.accounts_rule:
        width, colour = s.accounts_rule
        paragraph = styles["Sources Differ"]
        ox.paragraph_border(paragraph.element.get_or_add_pPr(), "left", width, colour, s.accounts_padding)
        paragraph.paragraph_format.left_indent = Pt(round(width + s.accounts_padding, 1))
    if "Heading 1" in restyle and s.heading_rule:
        width, colour = s.heading_rule
        ox.paragraph_border(styles["Heading 1"].element.get_or_add_pPr(), "bottom", width, colour,
                            s.heading_rule_padding)
    if "Footnote Reference" in restyle:
        styles["Footnote Reference"].font.superscript = True
    if "Hyperlink" in restyle:
        link = styles["Hyperlink"].font
        link.color.rgb = RGBColor.from_string(s.link_colour) if s.link_colour else None
        link.underline = s.link_underline
    if "Stale Mark" in restyle:
        stale = styles["Stale Mark"].font
        stale.italic = True
        stale.color.rgb = RGBColor.from_string(s.stale_colour) if s.stale_colour else None
    if "Table Heading" in restyle:
        styles["Table Heading"].base_style = styles["Table Text"]
    for name in ("TOC 1", "TOC 2"):
        if name in restyle:
            styles[name].paragraph_format.tab_stops.add_tab_stop(
                Pt(round(s.text_width_pt, 1)), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)


class _Builder(BlockWalker):
    skipped = frozenset(SKIPPED)

    def __init__(self, document, template: str, warnings: list[Problem], roots: list[Path],
                 styles: StyleMap):
        self.document = document
        self.roots = roots
        self.styles = styles
        self.footnotes = ox.Footnotes(document)
        self.bookmarks = 0
        self.template = template
        self.warnings = warnings
        self._warned: set[str] = set()
        self._last: Paragraph | None = None   # the last body paragraph written
        self._after_table = False
        self._style_ids: dict[str, str | None] = {}
        # The contents' PAGEREF fields: the bookmark each points to, the run holding its value.
        self.contents: list[tuple[str, object]] = []

    def _character_style(self, style: str) -> str:
        if style not in self._style_ids:
            self._style_ids[style] = self.document.styles[style].style_id
        return self._style_ids[style]

    def _unsupported(self, tag: str) -> None:
        if tag not in self._warned:
            self._warned.add(tag)
            self.warnings.append(
                Problem(f"the DOCX writer has no mapping for <{tag}> (from this template or a"
                        " partial it includes); its text is kept as plain text",
                        Location(self.template), severity="warning")
            )

    def _paragraph(self, style: str) -> Paragraph:
        """A new body paragraph; the first after a table keeps the table's bottom margin."""
        # Appended in constant time: document.add_paragraph() searches the body for the
        # section properties on every call, which made a list of 10,000 items take minutes.
        body = self.document.element.body
        element = OxmlElement("w:p")
        last = body[-1] if len(body) else None
        if last is not None and last.tag == ox.qn("w:sectPr"):
            last.addprevious(element)
        else:
            body.append(element)
        paragraph = Paragraph(element, self.document._body)
        self._set_style(paragraph, style)
        if self._after_table:
            self._after_table = False
            if not style.startswith(("Heading", "Title", "Caption")):
                paragraph.paragraph_format.space_before = Pt(round(self.styles.table_after, 2))
        self._last = paragraph
        return paragraph

    def _set_style(self, paragraph: Paragraph, name: str) -> None:
        """paragraph.style = name, with the style's id looked up once (python-docx searches
        every style on each assignment)."""
        if name not in self._style_ids:
            self._style_ids[name] = self.document.styles.get_style_id(name, WD_STYLE_TYPE.PARAGRAPH)
        style_id = self._style_ids[name]
        if style_id is not None:
            paragraph._p.style = style_id

    def finish(self) -> None:
        """Once the body is written: the contents' stored page numbers, estimated (shown by
        Word until it updates the fields; LibreOffice computes its own on opening)."""
        if not self.contents:
            return
        pages = estimate_heading_pages(self.document, self.styles.text_font, self.styles.body.size)
        for bookmark, cached in self.contents:
            if bookmark in pages:
                cached.find(ox.qn("w:t")).text = str(pages[bookmark])

    # --- blocks ---------------------------------------------------------------------

    def visit(self, element, tag: str, classes: set[str]) -> None:
        # The marking, passed over by BlockWalker, is printed in the header and footer instead.
        if tag == "nav" and "toc" in classes:
            self.table_of_contents(element)
        elif tag == "header" and "title-block" in classes:
            first = len(self.document.paragraphs)
            self.blocks(element)
            self.title_block_rule(first)
        elif tag in CONTAINERS:
            self.blocks(element)
        elif tag in HEADING_STYLES:
            paragraph = self.paragraph(element, HEADING_STYLES[tag])
            # Direct formatting, so a reference document's headings keep with what follows too.
            paragraph.paragraph_format.keep_with_next = True
            paragraph.paragraph_format.keep_together = True
            if element.get("id"):
                self.bookmarks += 1
                ox.add_bookmark(paragraph, ox.bookmark_name(element.get("id")), self.bookmarks)
        elif tag == "img":
            paragraph = self._paragraph("Normal")
            self.image(paragraph, paragraph._p, element)
        elif tag in ("ul", "ol"):
            self.list(element, 0, _Format(size=self.styles.sources_size)
                      if element.xpath("ancestor::*[contains(concat(' ', @class, ' '), ' sources ')]")
                      else _Format())
        elif tag == "table":
            self.table(element)
        elif tag == "blockquote":
            self.quotation(element)
        elif tag == "p" and "subtitle" in classes:
            self.paragraph(element, "Subtitle")
        elif tag == "p" and classes & {"issue", "as-of"}:
            self.paragraph(element, "Brief Details")
        elif tag == "p" and "toc-title" in classes:
            self.paragraph(element, "TOC Heading").paragraph_format.keep_with_next = True
        elif tag == "p" and "accounts" in classes:
            self.paragraph(element, "Sources Differ")
        else:
            if tag not in BLOCKS:
                self._unsupported(tag)
            self.paragraph(element, "Normal")

    def paragraph(self, element, style: str, fmt: "_Format | None" = None) -> Paragraph:
        paragraph = self._paragraph(style)
        self.inline(paragraph, element, fmt or _Format())
        return paragraph

    def title_block_rule(self, first: int) -> None:
        """The rule under the title block (CSS .title-block border-bottom) and the space after."""
        written = self.document.paragraphs[first:]
        if not written:
            return
        last = written[-1]
        s = self.styles
        if s.title_rule:
            width, colour = s.title_rule
            ox.paragraph_border(last._p.get_or_add_pPr(), "bottom", width, colour, s.title_rule_padding)
        last.paragraph_format.space_after = Pt(round(s.title_block_after + s.title_rule_padding, 2))

    def quotation(self, element) -> None:
        """A blockquote kept on one page: its paragraphs keep together and with each other."""
        children = [child for child in element if isinstance(child.tag, str)]
        for index, child in enumerate(children):
            style = "Quote Attribution" if child.tag == "footer" else "Quote"
            paragraph = self.paragraph(child, style)
            fmt = paragraph.paragraph_format
            fmt.keep_together = True
            if index == 0:
                fmt.space_before = Pt(round(self.styles.quote_margin[0], 2))
            if index < len(children) - 1:
                fmt.keep_with_next = True
            elif child.tag != "footer":
                fmt.space_after = Pt(round(self.styles.quote_margin[1], 2))

    def list(self, element, level: int, fmt: "_Format" = None) -> None:
        fmt = fmt or _Format()
        ordered = element.tag == "ol"
        base = "List Number" if ordered else "List Bullet"
        style = base if level == 0 else f"{base} {min(level + 1, 3)}"
        num_id = ox.new_numbering(self.document, style) if ordered else None
        last = None
        for item in element:
            if item.tag != "li":
                continue
            paragraph = self._paragraph(style)
            last = paragraph
            if num_id is not None:
                ox.set_numbering(paragraph, num_id)
            self.inline(paragraph, item, fmt, skip={"ul", "ol"})
            for child in item:
                if child.tag in ("ul", "ol"):
                    self.list(child, level + 1, fmt)
        if level == 0 and self._last is not None and last is not None:
            # The list's bottom margin (CSS ul/ol margin-bottom) after its last item.
            self._last.paragraph_format.space_after = Pt(round(self.styles.list_after, 2))

    def table(self, element) -> None:
        rows = element.xpath("./thead/tr | ./tbody/tr | ./tr | ./tfoot/tr")
        if not rows:
            return
        width = max(len(row.xpath("./th | ./td")) for row in rows)
        introduction = self._last
        caption = element.find("caption")
        if caption is not None:
            self.paragraph(caption, "Caption").paragraph_format.keep_with_next = True
        elif introduction is not None and introduction.text.rstrip().endswith(":"):
            # A paragraph ending in a colon introduces the table: keep it with the first row.
            introduction.paragraph_format.keep_with_next = True
        self._after_table = False
        table = self.document.add_table(rows=len(rows), cols=width)
        table.style = self.document.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        shade = self.styles.header_shade
        # A table of a few rows is kept on one page, as the PDF keeps it (table.whole): every
        # row's paragraphs but the last row's keep with the next.
        whole = "whole" in html_classes(element)
        for row_index, row in enumerate(rows):
            header = row.getparent().tag == "thead"
            if header:
                ox.repeat_as_header(table.rows[row_index])
            ox.cant_split(table.rows[row_index])
            for col_index, cell in enumerate(row.xpath("./th | ./td")):
                target = table.cell(row_index, col_index)
                paragraph = target.paragraphs[0]
                heading = header or cell.tag == "th"
                self._set_style(paragraph, "Table Heading" if heading else "Table Text")
                self.inline(paragraph, cell, _Format(bold=heading))
                if whole and row_index + 1 < len(rows):
                    paragraph.paragraph_format.keep_with_next = True
                if header and shade:
                    ox.shade_cell(target, shade)
        self._size_columns(table)
        self._after_table = True
        self._last = None  # what comes next follows a table, not a paragraph

    def _size_columns(self, table) -> None:
        """Column widths from the content, like CSS's automatic table layout (docx_layout)."""
        s = self.styles
        columns = len(table.columns)
        extents = [Extent() for _ in range(columns)]
        for row in table.rows:
            for index, cell in enumerate(row.cells[:columns]):
                extent = cell_extent(_cell_lines(self.document, cell, s.text_font))
                extents[index].minimum = max(extents[index].minimum, extent.minimum)
                extents[index].maximum = max(extents[index].maximum, extent.maximum)
        section = self.document.sections[-1]
        available = (section.page_width - section.left_margin - section.right_margin) / 12700
        border = s.cell_border[0] if s.cell_border else 0.0
        # Padding and border, and a little room for the difference between these metrics
        # and the applications' own text layout (kerning, hinting, rounding).
        extra = s.cell_padding[1] + s.cell_padding[3] + border + 2.0
        for extent in extents:
            extent.minimum *= 1.03
            extent.maximum *= 1.03
        widths = column_widths(extents, available, extra)
        twips = [int(w * 20) for w in widths]
        padding = tuple(round(p * 20) for p in s.cell_padding)
        ox.fix_table_layout(table, twips, s.cell_border, padding)

    def table_of_contents(self, nav) -> None:
        """The contents list, as deep as the printed one (the sections): Word's own TOC field,
        whose stored result is one paragraph per entry, a link to the heading, a dot leader
        and the heading's page as a PAGEREF field.

        The stored page numbers are the writer's estimate of the layout (estimate_heading_pages,
        within a page of it): Word shows them without asking anything on opening (no
        w:updateFields, whose prompt every recipient would see) and updates the field, new
        headings included, when the reader asks (F9); LibreOffice shows the stored result."""
        for child in nav:
            if child.tag == "p":
                paragraph = self.paragraph(child, "TOC Heading")
                paragraph.paragraph_format.keep_with_next = True
        # As printed: the sections only (the PDF's stylesheet hides the sub-entries).
        entries = [link for link in nav.xpath(".//a[starts-with(@href, '#')]") if len(link.xpath("ancestor::ol")) == 1]
        levels = [1] * len(entries)
        s = self.styles
        # A nested list's bottom margin (CSS ol margin-bottom, in the contents' own size)
        # separates one group of sub-entries from the next entry.
        group_after = s.list_after / s.body.size * s.toc.size
        last = None
        for index, link in enumerate(entries):
            level = levels[index]
            paragraph = self._paragraph(f"TOC {min(max(level, 1), 2)}")
            paragraph.paragraph_format.tab_stops.add_tab_stop(
                Pt(round(s.text_width_pt, 1)), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
            bookmark = ox.bookmark_name(link.get("href")[1:])
            if index == 0:  # the entries are the stored result of Word's own TOC field
                ox.field_char(paragraph._p, "begin", ' TOC \\o "1-1" \\h \\z \\u ')
                ox.field_char(paragraph._p, "separate")
            hyperlink = ox.add_hyperlink(paragraph.part, paragraph._p, anchor=bookmark)
            self._run(paragraph, hyperlink, link.text_content().strip(), _Format())
            cached = ox.add_page_reference(hyperlink, bookmark, "")
            self.contents.append((bookmark, cached))
            if index + 1 < len(levels) and levels[index + 1] < level:
                paragraph.paragraph_format.space_after = Pt(round(group_after, 2))
            last = paragraph
        if last is not None:
            ox.field_char(last._p, "end")
            last.paragraph_format.space_after = Pt(round(s.toc_after, 2))

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
                classes = html_classes(child)
                if child.get("lang"):
                    fmt_child = replace(fmt, language=child.get("lang"))
                else:
                    fmt_child = fmt
                if tag not in INLINES:
                    self._unsupported(tag)
                if "footnote" in classes:
                    note_id = self.footnotes.add(_note_pieces(child), self._character_style("Hyperlink"))
                    ox.add_footnote_reference(container, note_id)
                elif "stale" in classes:
                    self._inline(paragraph, container, child, replace(fmt_child, stale=True), skip, runs)
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
                        link = ox.add_hyperlink(paragraph.part, container, anchor=ox.bookmark_name(href[1:]))
                    else:
                        link = ox.add_hyperlink(paragraph.part, container, url=href)
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
        if fmt.stale:
            # CSS .stale: the text's colour and a smaller size, italic from its <em>.
            run.style = self.document.styles["Stale Mark"]
            base = fmt.size or _style_size(paragraph.style) or self.styles.body.size
            run.font.size = Pt(round(base * self.styles.stale_scale * 2) / 2)
        elif fmt.size:
            run.font.size = Pt(fmt.size)
        if fmt.bold:
            run.bold = True
        if fmt.italic:
            run.italic = True
        if fmt.superscript:
            run.font.superscript = True
        if fmt.code:
            run.font.name = self.styles.mono_font
        if fmt.link:
            run._r.style = self._character_style("Hyperlink")
        ox.mark_script(run, fmt.language, self.styles.east_asian_font, self.styles.complex_font)
        return run


def _note_pieces(span) -> list[tuple[str, str | None]]:
    """A note's text in pieces, each with the address it links to (None for plain text),
    white space collapsed as in the other formats."""
    pieces = [(span.text or "", None)]
    for child in span:
        pieces.append((child.text_content(), child.get("href") if child.tag == "a" else None))
        pieces.append((child.tail or "", None))
    pieces = [(_SPACE.sub(" ", text), url) for text, url in pieces if text]
    if pieces:
        pieces[0] = (pieces[0][0].lstrip(), pieces[0][1])
        pieces[-1] = (pieces[-1][0].rstrip(), pieces[-1][1])
    return [(text, url) for text, url in pieces if text]


def _style_size(style) -> float | None:
    while style is not None:
        if style.font.size is not None:
            return style.font.size.pt
        style = style.base_style
    return None


def _style_value(document, style, attribute: str):
    """A font property as the style hierarchy resolves it (then the document defaults)."""
    while style is not None:
        value = getattr(style.font, attribute)
        if value is not None:
            return value
        style = style.base_style
    return None


def _cell_lines(document, cell, default_family: str) -> list[list[Piece]]:
    """A table cell's text as lines of pieces with the font, size and weight each is set in,
    read back from the cell's runs (footnote calls included, at superscript size)."""
    lines: list[list[Piece]] = []
    for paragraph in cell.paragraphs:
        style = paragraph.style
        family = _style_value(document, style, "name") or default_family
        size_value = _style_value(document, style, "size")
        size = size_value.pt if size_value is not None else 10.0
        bold = bool(_style_value(document, style, "bold"))
        italic = bool(_style_value(document, style, "italic"))
        line: list[Piece] = []
        for r in paragraph._p.iter(ox.qn("w:r")):
            rpr = r.rPr
            run_bold, run_italic, run_size, run_family = bold, italic, size, family
            superscript = False
            if rpr is not None:
                if rpr.find(ox.qn("w:b")) is not None:
                    run_bold = rpr.find(ox.qn("w:b")).get(ox.qn("w:val"), "true") not in ("0", "false")
                if rpr.find(ox.qn("w:i")) is not None:
                    run_italic = rpr.find(ox.qn("w:i")).get(ox.qn("w:val"), "true") not in ("0", "false")
                if rpr.sz is not None and rpr.sz.val is not None:
                    run_size = rpr.sz.val.pt
                if rpr.rFonts is not None and rpr.rFonts.get(ox.qn("w:ascii")):
                    run_family = rpr.rFonts.get(ox.qn("w:ascii"))
                vert = rpr.find(ox.qn("w:vertAlign"))
                superscript = vert is not None and vert.get(ox.qn("w:val")) in ("superscript", "subscript")
                style_ref = rpr.find(ox.qn("w:rStyle"))
                if style_ref is not None and style_ref.get(ox.qn("w:val")) == "FootnoteReference":
                    superscript = True
            if superscript:
                run_size *= _SUPERSCRIPT_SCALE
            for child in r:
                if child.tag == ox.qn("w:t"):
                    line.append(Piece(child.text or "", run_family, run_size, run_bold, run_italic))
                elif child.tag == ox.qn("w:footnoteReference"):
                    line.append(Piece(child.get(ox.qn("w:id")), run_family, run_size, run_bold, run_italic))
                elif child.tag == ox.qn("w:tab"):
                    line.append(Piece(" ", run_family, run_size))
                elif child.tag == ox.qn("w:br"):
                    lines.append(line)
                    line = []
        lines.append(line)
    return lines


def _page_setup(document, s: StyleMap) -> None:
    top, right, bottom, left = s.page_margins_mm
    for section in document.sections:
        section.page_width, section.page_height = Mm(s.page_size_mm[0]), Mm(s.page_size_mm[1])
        section.top_margin, section.right_margin = Mm(top), Mm(right)
        section.bottom_margin, section.left_margin = Mm(bottom), Mm(left)
        # The PDF centres its margin boxes in the margins; so do the header and footer here.
        line = s.marking.size * 1.2 * 25.4 / 72
        section.header_distance = Mm(round(max(top - line, 2) / 2, 1))
        section.footer_distance = Mm(round(max(bottom - line, 2) / 2, 1))


def _header_and_footer(document, info: BriefMeta, s: StyleMap) -> None:
    """As the PDF's page margins: the marking centred at the top; the brief's title, the
    marking and "Page X of Y" along the bottom (a borderless table of three cells, so a long
    title wraps in its own cell instead of running into the marking)."""
    from .docx_layout import text_width

    for section in document.sections:
        header = section.header.paragraphs[0]
        header.text = ""
        header.style = document.styles["Header"]
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _margin_run(header, info.marking, s.marking)
        for text in info.notices:
            notice = section.header.add_paragraph(style=document.styles["Header"])
            notice.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _margin_run(notice, text, s.marking)
        footer = section.footer
        footer.paragraphs[0].text = ""
        width = (section.page_width - section.left_margin - section.right_margin) / 12700
        # Like the margin boxes: the marking centred as wide as it is, the sides sharing the
        # rest; the title may take some of the page number's side before it wraps.
        middle = min(text_width(info.marking, s.marking.font, s.marking.size, s.marking.bold)
                     + s.marking.letter_spacing * len(info.marking) + 4, width / 2)
        side = (width - middle) / 2
        title = text_width(info.title, s.footer_title.font, s.footer_title.size) + 4
        page = text_width("Page 99 of 99", s.page_number.font, s.page_number.size) + 4
        left = max(side, min(title, width - middle - page))
        twips = [int(left * 20), int(middle * 20)]
        twips.append(int(width * 20) - sum(twips))
        table = footer.add_table(rows=1, cols=3, width=Pt(width))
        ox.fix_table_layout(table, twips, None, (0, 0, 0, 0))
        left, centre, right = table.rows[0].cells
        for cell, align in ((left, WD_ALIGN_PARAGRAPH.LEFT), (centre, WD_ALIGN_PARAGRAPH.CENTER),
                            (right, WD_ALIGN_PARAGRAPH.RIGHT)):
            cell.paragraphs[0].style = document.styles["Footer"]
            cell.paragraphs[0].alignment = align
        _margin_run(left.paragraphs[0], info.title, s.footer_title)
        _margin_run(centre.paragraphs[0], info.marking, s.marking)
        page = right.paragraphs[0]
        _margin_run(page, "Page ", s.page_number)
        ox.add_simple_field(page, "PAGE", "1")
        _margin_run(page, " of ", s.page_number)
        ox.add_simple_field(page, "NUMPAGES", "1")
        for run in page._p.iter(ox.qn("w:r")):
            _margin_format(Run(run, page), s.page_number)
        # A story ends with a paragraph: the empty one python-docx made goes after the table,
        # as small as a paragraph can be.
        trailing = footer.paragraphs[0]
        table._tbl.addnext(trailing._p)
        trailing.style = document.styles["Footer"]
        trailing.paragraph_format.space_before = trailing.paragraph_format.space_after = Pt(0)
        trailing.paragraph_format.line_spacing = Pt(1)
        ox.set_child(trailing._p.get_or_add_pPr(), "w:rPr", ("w:sectPr", "w:pPrChange"))
        trailing._p.pPr.find(ox.qn("w:rPr")).append(_half_point_size(1))


def _half_point_size(points: float):
    size = OxmlElement("w:sz")
    size.set(ox.qn("w:val"), str(round(points * 2)))
    return size


def _margin_run(paragraph, text: str, look: Text) -> Run:
    run = paragraph.add_run(text)
    _margin_format(run, look)
    return run


def _margin_format(run: Run, look: Text) -> None:
    ox.set_fonts(run._r.get_or_add_rPr(), look.font)
    run.font.size = Pt(look.size)
    run.font.bold = look.bold or None
    if look.colour:
        run.font.color.rgb = RGBColor.from_string(look.colour)
    if look.letter_spacing:
        ox.set_child(run._r.get_or_add_rPr(), "w:spacing", ("w:w", "w:kern", "w:position", "w:sz",
                                                            "w:szCs", "w:highlight", "w:u", "w:effect",
                                                            "w:bdr", "w:shd", "w:fitText",
                                                            "w:vertAlign", "w:rtl", "w:cs", "w:em",
                                                            "w:lang", "w:eastAsianLayout",
                                                            "w:specVanish", "w:oMath"),
                     val=round(look.letter_spacing * 20))


def _settings(document) -> None:
    # No w:updateFields: Word would ask every recipient to update fields on opening. The
    # contents' stored page numbers are the writer's estimate of the layout; Word updates
    # its TOC field when the reader asks (F9), LibreOffice computes the PAGEREFs on opening.
    ox.set_setting(document, "w:autoHyphenation", val="true")
    ox.remove_setting(document, "w:savePreviewPicture")
    ox.set_compatibility_mode(document, 15)
    ox.drop_stale_parts(document)


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
    ox.set_app_properties(document, "briefs", info.author, _statistics(document))


def _statistics(document) -> dict[str, int]:
    """Word's counts of the text (body and notes), as app.xml states them."""
    texts = ["".join(t.text or "" for t in p.iter(ox.qn("w:t")))
             for p in document.element.body.iter(ox.qn("w:p"))]
    notes = document.part.part_related_by(ox.RT.FOOTNOTES).element
    texts += ["".join(t.text or "" for t in p.iter(ox.qn("w:t"))) for p in notes.iter(ox.qn("w:p"))]
    texts = [t for t in texts if t.strip()]
    joined = " ".join(texts)
    return {
        "Words": len(joined.split()),
        "Characters": sum(len(t.replace(" ", "")) for t in texts),
        "CharactersWithSpaces": sum(len(t) for t in texts),
        "Paragraphs": len(texts),
    }
