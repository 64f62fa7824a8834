"""Plain-text writer: the brief as a diplomatic cable, for mail and messaging systems
that take no attachments.

The marking is the first and the last line; a header names the issuing office,
the date and the subject; every paragraph of the brief is numbered (list items,
table rows and quotations are lettered sub-paragraphs of the paragraph they
follow); section headings stand in capitals; source notes are marked ``[1]`` at
the point of citation and listed, numbered, at the end. Lines are at most 69
characters, the width of a cable form.
"""

from __future__ import annotations

import re
import string
import textwrap
from typing import TYPE_CHECKING

from . import BlockWalker, Writer, WriteOptions, register

if TYPE_CHECKING:
    from ..rendered import RenderedBrief

WIDTH = 69
_SPACE = re.compile(r"\s+")
_SKIPPED = frozenset({"head", "style", "script", "template", "nav", "header"})
_BLOCKS = {"p", "blockquote", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "footer",
           "section", "main", "div", "article", "aside", "figure", "li", "dl", "pre"}


@register
class CableWriter(Writer):
    name = "txt"
    suffix = ".txt"
    default = False  # on request (--format txt): not every desk sends cables

    def write(self, brief: RenderedBrief, options: WriteOptions) -> bytes:
        self.warnings = []
        meta = brief.meta
        cable = _Cable()
        body = brief.document.find("body")
        if body is not None:
            cable.blocks(body)
        lines = [meta.marking, *([meta.draft] if meta.draft else []), "", *_field("FROM", meta.author),
                 *_field("DATE", meta.created.strftime("%d %B %Y").lstrip("0")),
                 *_field("SUBJECT", meta.title.upper()), ""]
        lines += cable.lines
        if cable.notes:
            lines += ["", "NOTES", ""]
            for number, note in enumerate(cable.notes, start=1):
                lines += _wrap(note, f"{number}. ", " " * len(f"{number}. "))
        lines += ["", *([meta.draft] if meta.draft else []), meta.marking]
        text = "\n".join(line.rstrip() for line in lines)
        return (re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n").encode("utf-8")


def _field(label: str, value: str) -> list[str]:
    return _wrap(value, f"{label}: ", " " * (len(label) + 2))


def _wrap(text: str, first: str, rest: str) -> list[str]:
    # Long words (an address, a 10,000-character word) are broken rather than overflow the form.
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False) or [first.rstrip()]


class _Cable(BlockWalker):
    """Walks the document model, numbering paragraphs and collecting notes."""

    skipped = _SKIPPED

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.notes: list[str] = []
        self.paragraph = 0
        # Lists and tables right after a heading are paragraphs of their own, not sub-points.
        self.after_heading = True

    def visit(self, element, tag: str, classes: set[str]) -> None:
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            heading = self.inline(element)
            self.lines += ["", *(_wrap(heading.upper() if tag in ("h1", "h2") else heading, "", "")), ""]
            self.after_heading = True
            return
        elif tag in ("ul", "ol"):
            self.sub_paragraphs([self.inline(item) for item in element.iter("li")])
        elif tag == "table":
            self.sub_paragraphs([_row(self, row) for row in element.iter("tr")
                                 if row.getparent().tag != "thead"])
        elif tag == "blockquote":
            self.sub_paragraphs([self.inline(element)], quote=True)
        elif tag in ("section", "main", "div", "article", "aside", "figure"):
            self.blocks(element)
        else:
            self.numbered(self.inline(element))
        self.after_heading = False

    def numbered(self, text: str) -> None:
        if text:
            self.paragraph += 1
            label = f"{self.paragraph}. "
            self.lines += [*_wrap(text, label, " " * len(label)), ""]

    def sub_paragraphs(self, texts: list[str], quote: bool = False) -> None:
        """Items lettered A., B., ... under the paragraph before them; after a heading,
        numbered paragraphs of their own."""
        texts = [t for t in texts if t]
        if self.after_heading and not quote:
            for text in texts:
                self.numbered(text)
            return
        for letter, text in zip(_letters(), texts):
            label = "   " if quote else f"   {letter}. "
            self.lines += [*_wrap(text, label, " " * len(label)), ""]

    def inline(self, element) -> str:
        """The element's text, with [n] where a source note is cited."""
        parts: list[str] = []
        self._collect(element, parts)
        return _SPACE.sub(" ", "".join(parts)).strip()

    def _collect(self, element, parts: list[str]) -> None:
        if element.text:
            parts.append(element.text)
        for child in element:
            if not isinstance(child.tag, str):
                pass
            elif "footnote" in (child.get("class") or "").split():
                self.notes.append(_SPACE.sub(" ", child.text_content()).strip())
                parts.append(f" [{len(self.notes)}]")
            elif child.tag in _BLOCKS:
                parts.append(" ")
                self._collect(child, parts)
                parts.append(" ")
            else:
                self._collect(child, parts)
            if child.tail:
                parts.append(child.tail)


def _row(cable: _Cable, row) -> str:
    cells = [cable.inline(cell) for cell in row if cell.tag in ("td", "th")]
    cells = [c for c in cells if c and c not in ("–", "-")]
    return f"{cells[0]}: {'; '.join(cells[1:])}" if len(cells) > 1 else "".join(cells)


def _letters():
    for first in ["", *string.ascii_uppercase]:
        for letter in string.ascii_uppercase:
            yield first + letter
