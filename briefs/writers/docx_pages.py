"""An estimate of the page each heading of a Word file falls on.

The contents list's page numbers are PAGEREF fields, which LibreOffice computes from
its own layout when it opens the file and Word computes when it updates the fields
(it offers to on opening). Until then a reader sees the value stored in the field:
this module supplies it, by laying the body out roughly as the applications do:
lines wrapped with the fonts' real widths, line heights from the fonts' metrics and
the styles' spacing, footnotes at the foot of the page of their call, table rows
kept whole, headings kept with what follows, widow and orphan control. It is an
estimate (the applications' line breaking and footnote placement differ in detail),
used only for the stored value.
"""

from __future__ import annotations

from dataclasses import dataclass

from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from .docx_layout import line_ratio, text_width

_SUPERSCRIPT = 0.67
_FOOTNOTE_SEPARATOR = 6.0  # points: the rule and the space around it above the notes


@dataclass
class _Look:
    font: str
    size: float
    bold: bool
    italic: bool
    line: float          # multiple of the font's own line height
    before: float
    after: float
    left: float
    right: float
    keep_next: bool
    keep_lines: bool
    line_exact: float | None = None   # points, for exact or at-least line spacing


def _style_chain(style):
    while style is not None:
        yield style
        style = style.base_style


def _first(values, default):
    for value in values:
        if value is not None:
            return value
    return default


class _Styles:
    """Paragraph styles by id with what they resolve to, looked up once per document."""

    def __init__(self, document, default_font: str, default_size: float):
        from docx.enum.style import WD_STYLE_TYPE

        self.by_id = {s.style_id: s for s in document.styles if s.type == WD_STYLE_TYPE.PARAGRAPH}
        self.default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
        self.default_font, self.default_size = default_font, default_size
        self._cache: dict[str | None, _Look] = {}

    def look(self, element) -> _Look:
        ppr = element.pPr
        style_id = ppr.style if ppr is not None else None
        if style_id not in self._cache:
            style = self.by_id.get(style_id, self.default) if style_id else self.default
            self._cache[style_id] = self._resolve(style)
        base = self._cache[style_id]
        if ppr is None:
            return base
        direct = Paragraph(element, None).paragraph_format
        look = _Look(**base.__dict__)
        if direct.space_before is not None:
            look.before = direct.space_before.pt
        if direct.space_after is not None:
            look.after = direct.space_after.pt
        if direct.left_indent is not None:
            look.left = direct.left_indent.pt
        if direct.right_indent is not None:
            look.right = direct.right_indent.pt
        if direct.keep_with_next is not None:
            look.keep_next = direct.keep_with_next
        if direct.keep_together is not None:
            look.keep_lines = direct.keep_together
        return look

    def _resolve(self, style) -> _Look:
        chain = list(_style_chain(style))
        formats = [s.paragraph_format for s in chain]
        fonts = [s.font for s in chain]
        size = _first((f.size.pt if f.size is not None else None for f in fonts), self.default_size)
        line = _first((f.line_spacing for f in formats), 1.0)
        level_indent = 0.0
        name = style.name or ""
        if name.startswith(("List Bullet", "List Number")):
            level = int(name[-1]) if name[-1].isdigit() else 1
            level_indent = 18.0 * level
        return _Look(
            font=_first((f.name for f in fonts), self.default_font),
            size=size,
            bold=bool(_first((f.bold for f in fonts), False)),
            italic=bool(_first((f.italic for f in fonts), False)),
            line=line if isinstance(line, float) else 1.0,
            before=_first((f.space_before.pt if f.space_before is not None else None for f in formats), 0.0),
            after=_first((f.space_after.pt if f.space_after is not None else None for f in formats), 0.0),
            left=_first((f.left_indent.pt if f.left_indent is not None else None for f in formats), 0.0)
            + level_indent,
            right=_first((f.right_indent.pt if f.right_indent is not None else None for f in formats), 0.0),
            keep_next=bool(_first((f.keep_with_next for f in formats), False)),
            keep_lines=bool(_first((f.keep_together for f in formats), False)),
            line_exact=None if isinstance(line, float) else line.pt,
        )


def _words(paragraph: Paragraph, look: _Look):
    """(width, space width after, footnote ids) for each word of a paragraph, in order."""
    words: list[list] = []
    pending_space = True
    for run in paragraph._p.iter(qn("w:r")):
        rpr = run.rPr
        size, bold, italic, font = look.size, look.bold, look.italic, look.font
        if rpr is not None:
            if rpr.sz is not None and rpr.sz.val is not None:
                size = rpr.sz.val.pt
            bold = bold or rpr.find(qn("w:b")) is not None
            italic = italic or rpr.find(qn("w:i")) is not None
            if rpr.rFonts is not None and rpr.rFonts.get(qn("w:ascii")):
                font = rpr.rFonts.get(qn("w:ascii"))
            vert = rpr.find(qn("w:vertAlign"))
            style = rpr.find(qn("w:rStyle"))
            if (vert is not None and vert.get(qn("w:val")) == "superscript") or (
                    style is not None and style.get(qn("w:val")) == "FootnoteReference"):
                size *= _SUPERSCRIPT
        for child in run:
            if child.tag == qn("w:footnoteReference"):
                note = int(child.get(qn("w:id")))
                width = text_width(str(note), font, size)
                if words and not pending_space:
                    words[-1][0] += width
                    words[-1][2].append(note)
                else:
                    words.append([width, 0.0, [note]])
                pending_space = False
            elif child.tag == qn("w:t"):
                text = child.text or ""
                space = text_width(" ", font, size, bold, italic)
                for index, piece in enumerate(text.split(" ")):
                    if index > 0:
                        if words:
                            words[-1][1] = space
                        pending_space = True
                    if not piece:
                        continue
                    width = text_width(piece, font, size, bold, italic)
                    if words and not pending_space:
                        words[-1][0] += width
                    else:
                        words.append([width, 0.0, []])
                    pending_space = False
            elif child.tag == qn("w:tab"):
                words.append([36.0, 0.0, []])
                pending_space = True
            elif child.tag == qn("w:br"):
                words.append([float("inf"), 0.0, []])
                pending_space = True
    return words


def _lines(words, width: float) -> list[list[int]]:
    """Greedy line breaking: the footnote ids called on each line."""
    lines: list[list[int]] = [[]]
    used = 0.0
    started = False
    for word, space, notes in words:
        if word == float("inf"):
            lines.append([])
            used, started = 0.0, False
            continue
        if started and used + word > width:
            lines.append([])
            used = 0.0
        lines[-1].extend(notes)
        used += word + space
        started = True
    return lines


class _Pages:
    """Fills pages top to bottom; ``page`` is the current page number."""

    def __init__(self, height: float):
        self.height = height
        self.page = 1
        self.used = 0.0
        self.notes = 0.0

    def room(self) -> float:
        return self.height - self.used - self.notes

    def new_page(self) -> None:
        self.page += 1
        self.used = 0.0
        self.notes = 0.0

    def note_height(self, heights: list[float]) -> float:
        if not heights:
            return 0.0
        return sum(heights) + (0.0 if self.notes else _FOOTNOTE_SEPARATOR)


def estimate_heading_pages(document, default_font: str, default_size: float,
                           trace: list | None = None) -> dict[str, int]:
    """{bookmark name: estimated page} for every bookmark in the body. ``trace``, if given,
    receives (page, points used, notes' points, text) for each block, to compare layouts."""
    section = document.sections[0]
    height = (section.page_height - section.top_margin - section.bottom_margin) / 12700
    width = (section.page_width - section.left_margin - section.right_margin) / 12700
    styles = _Styles(document, default_font, default_size)
    note_heights = _footnote_heights(document, width, styles)
    pages = _Pages(height)
    found: dict[str, int] = {}
    body = [child for child in document.element.body if child.tag in (qn("w:p"), qn("w:tbl"))]
    blocks = _blocks(document, body, styles, width)
    previous_after = 0.0
    for index, block in enumerate(blocks):
        if block[0] == "p":
            _, look, line_height, lines, names = block
            before = max(0.0, look.before - previous_after)
            need = before + line_height * (len(lines) if look.keep_lines else min(2, len(lines)))
            if look.keep_next and index + 1 < len(blocks):
                need = (before + line_height * len(lines) + look.after
                        + _lead(blocks[index + 1], styles))
            if pages.used and need > pages.room():
                pages.new_page()
            for name in names:
                found[name] = pages.page
            if trace is not None:
                trace.append((pages.page, round(pages.used), round(pages.notes),
                              "".join(t.text or "" for t in body[index].iter(qn("w:t")))[:50]))
            if pages.used:
                # The gap between paragraphs is the larger of the space after the one and
                # before the other (LibreOffice, like CSS); none at the top of a page.
                pages.used += max(0.0, look.before - previous_after)
            for number, notes in enumerate(lines):
                extra = pages.note_height([note_heights.get(n, 0.0) for n in notes])
                if pages.used and line_height + extra > pages.room():
                    pages.new_page()
                pages.used += line_height
                pages.notes += extra
            pages.used += look.after
            previous_after = look.after
        else:
            previous_after = 0.0
            _place_table(pages, block[1], styles, note_heights)
    return found


def _blocks(document, body: list, styles: _Styles, width: float) -> list[tuple]:
    """Each paragraph measured into lines (with its look and bookmarks), or a table."""
    blocks = []
    for element in body:
        if element.tag == qn("w:p"):
            paragraph = Paragraph(element, document._body)
            look = styles.look(element)
            line_height = _line_height(look)
            lines = _lines(_words(paragraph, look), width - look.left - look.right)
            names = [b.get(qn("w:name")) for b in element.iter(qn("w:bookmarkStart"))]
            blocks.append(("p", look, line_height, lines, names))
        else:
            blocks.append(("t", Table(element, document._body), None, None, []))
    return blocks


def _place_table(pages: _Pages, table: Table, styles: _Styles, note_heights: dict) -> None:
    """A table's rows, row by row onto the pages, its header row repeated on each new page."""
    header = None
    for row_number, row in enumerate(table.rows):
        row_height, notes = _row(row, styles)
        if row_number == 0 and row._tr.trPr is not None and row._tr.trPr.find(qn("w:tblHeader")) is not None:
            header = row_height
        extra = pages.note_height([note_heights.get(n, 0.0) for n in notes])
        if pages.used and row_height + extra > pages.room():
            pages.new_page()
            if header is not None and row_number > 0:
                pages.used += header
        pages.used += row_height
        pages.notes += extra


def _lead(block, styles: _Styles) -> float:
    """The height that must stay with the block before: two lines, or a table's first rows."""
    if block[0] == "p":
        _, look, line_height, lines, _ = block
        return look.before + line_height * min(2, len(lines))
    rows = block[1].rows
    return sum(_row(row, styles)[0] for row in rows[:2])


def _row(row, styles: _Styles) -> tuple[float, list[int]]:
    """A table row's height (its tallest cell and the cell padding) and the notes it calls."""
    tbl = row._tr.getparent()
    margins = tbl.tblPr.find(qn("w:tblCellMar"))
    pad = {"top": 0.0, "bottom": 0.0, "left": 0.0, "right": 0.0}
    if margins is not None:
        for side in margins:
            pad[side.tag.rpartition("}")[2]] = int(side.get(qn("w:w"))) / 20
    tallest, notes = 0.0, []
    for tc in row._tr.findall(qn("w:tc")):
        width_element = tc.tcPr.find(qn("w:tcW")) if tc.tcPr is not None else None
        cell_width = (int(width_element.get(qn("w:w"))) / 20 if width_element is not None else 100.0)
        cell_width -= pad["left"] + pad["right"]
        height = 0.0
        for element in tc.findall(qn("w:p")):
            paragraph = Paragraph(element, None)
            look = styles.look(element)
            lines = _lines(_words(paragraph, look), cell_width)
            height += look.before + look.after + _line_height(look) * len(lines)
            notes += [int(n.get(qn("w:id"))) for n in element.iter(qn("w:footnoteReference"))]
        tallest = max(tallest, height)
    return tallest + pad["top"] + pad["bottom"] + 1.0, notes


def _line_height(look: _Look) -> float:
    if look.line_exact is not None:
        return look.line_exact
    return look.size * line_ratio(look.font) * look.line


def _footnote_heights(document, width: float, styles: _Styles) -> dict[int, float]:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    try:
        part = document.part.part_related_by(RT.FOOTNOTES)
    except KeyError:
        return {}
    from docx.oxml import parse_xml

    root = part.element if hasattr(part, "element") else parse_xml(part.blob)
    heights: dict[int, float] = {}
    for note in root.iter(qn("w:footnote")):
        note_id = int(note.get(qn("w:id")))
        if note_id <= 0:
            continue
        total = 0.0
        for element in note.iter(qn("w:p")):
            paragraph = Paragraph(element, None)
            look = styles.look(element)
            lines = _lines(_words(paragraph, look), width - look.left - look.right)
            total += look.before + look.after + _line_height(look) * len(lines)
        heights[note_id] = total
    return heights
