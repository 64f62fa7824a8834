"""Plain-text writer: the brief as a diplomatic telegram, for registries and message
systems that take no attachments.

The cable template (``templates/cable/<kind>.html.j2``) selects what the telegram says;
this writer lays it out as one: the marking first and last; a header with precedence,
FROM, TO and INFO, reference number, date-time group, SUBJECT and TAGS; a numbered
SUMMARY paragraph; numbered paragraphs under headings in capitals, with no note calls;
a COMMENT where the brief carries the desk's assessment; the signature and END. Every
character is plain ASCII, which survives every message system: accents are dropped,
quotes and dashes straightened, and a name with no Latin form is left out with a
located warning. Lines are at most 69 characters, the width of a cable form.
"""

from __future__ import annotations

import re
import string
import textwrap
import unicodedata
from typing import TYPE_CHECKING

import lxml.html

from ..errors import Location, Problem
from . import BlockWalker, Writer, WriteOptions, register

if TYPE_CHECKING:
    from ..rendered import RenderedBrief

WIDTH = 69
_SPACE = re.compile(r"\s+")
_SKIPPED = frozenset({"head", "style", "script", "template", "nav", "header"})
_BLOCKS = {"p", "blockquote", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "footer",
           "section", "main", "div", "article", "aside", "figure", "li", "dl", "pre"}
# Typographic characters and the ASCII a telegram writes instead.
_PLAIN = {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u201c": '"',
          "\u201d": '"', "\u201e": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"', "\u2010": "-",
          "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "--", "\u2015": "--", "\u2212": "-",
          "\u2026": "...", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ", "\u00d7": "x",
          "\u2022": "-", "\u00b7": "-", "\u00df": "ss", "\u00e6": "ae", "\u00c6": "AE", "\u0153": "oe",
          "\u0152": "OE", "\u00f8": "o", "\u00d8": "O", "\u0111": "d", "\u0110": "D", "\u0142": "l",
          "\u0141": "L", "\u0131": "i", "\u00fe": "th", "\u00de": "TH", "\u00f0": "d", "\u00d0": "D",
          "\u20ac": "EUR ", "\u00a3": "GBP ", "\u00a5": "JPY ", "\u2192": "->", "\u00b0": " deg"}
# Marks that only steer the direction of text (isolates, overrides): nothing to print.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def plain_ascii(text: str) -> tuple[str, list[str]]:
    """``text`` in ASCII, and the runs of letters that have no Latin form (left out)."""
    out: list[str] = []
    dropped: list[str] = []
    run = ""
    for char in _INVISIBLE.sub("", text):
        if ord(char) < 128 or char in _PLAIN:
            plain = char if ord(char) < 128 else _PLAIN[char]
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            plain = base if base and base.isascii() else None
        if plain is None:
            run += char
            continue
        if run:
            dropped.append(run)
            run = ""
        out.append(plain)
    if run:
        dropped.append(run)
    # A native name in brackets after its Latin one leaves empty brackets behind.
    result = re.sub(r"\s*\(\s*\)", "", "".join(out))
    return re.sub(r"(?<=\S)[ \t]{2,}", " ", result), [d for d in dropped if d.strip()]


def date_time_group(created) -> str:
    """"020000Z OCT 23": the day, hour and minute in UTC, month and year (the edition's date)."""
    return f"{created.day:02d}0000Z {_MONTHS[created.month - 1]} {created.year % 100:02d}"


@register
class CableWriter(Writer):
    name = "txt"
    suffix = ".txt"
    default = False  # on request (--format txt): not every desk sends cables

    def write(self, brief: RenderedBrief, options: WriteOptions) -> bytes:
        self.warnings = []
        meta = brief.meta
        document = lxml.html.document_fromstring(brief.cable_html or brief.html)
        header = {name: [m.get("content", "") for m in document.xpath(f'//head/meta[@name="{name}"]')]
                  for name in ("precedence", "from", "to", "info", "reference", "tags", "signature")}
        cable = _Cable()
        for section in document.xpath('//section[@class="cable-summary"]'):
            cable.summary(section)
        body = document.find(".//main")
        cable.blocks(body if body is not None else document.find("body"))
        for section in document.xpath('//section[@class="cable-comment"]'):
            cable.comment(section)

        lines = [meta.marking, *meta.notices, ""]
        lines += _field("PRECEDENCE", " ".join(header["precedence"]) or "ROUTINE")
        lines += _field("FROM", " ".join(header["from"]) or meta.author)
        lines += _field("TO", ", ".join(header["to"])) if header["to"] else []
        lines += _field("INFO", ", ".join(header["info"])) if header["info"] else []
        lines += _field("REF", "/".join(header["reference"]).upper()) if header["reference"] else []
        lines += _field("DTG", date_time_group(meta.created))
        lines += _field("SUBJECT", meta.title.upper())
        lines += _field("TAGS", " ".join(header["tags"]).upper()) if header["tags"] else []
        lines += ["", *cable.lines, "", *_wrap(" ".join(header["signature"]) or meta.author, "", ""),
                  "", "END", "", *meta.notices, meta.marking]
        text = "\n".join(line.rstrip() for line in lines)
        text = re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"
        text, dropped = plain_ascii(text)
        self._warn_dropped(dropped, cable.places)
        return text.encode("ascii")

    def _warn_dropped(self, dropped: list[str], places: dict[str, str]) -> None:
        for run in dict.fromkeys(dropped):
            where = next((place for text, place in places.items() if run in text), None)
            file, _, line = (where or "").rpartition(":")
            location = Location(file, int(line)) if file and line.isdigit() else None
            self.warnings.append(Problem(
                f"the cable leaves out {run!r}: it has no Latin form; add the name in Latin letters"
                " to the text", location, severity="warning"))


def _field(label: str, value: str) -> list[str]:
    return _wrap(value, f"{label}: ", " " * (len(label) + 2))


def _wrap(text: str, first: str, rest: str) -> list[str]:
    # Long words (an address, a 10,000-character word) are broken rather than overflow the form.
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False) or [first.rstrip()]


class _Cable(BlockWalker):
    """Walks the cable's selection, numbering paragraphs; notes are left out."""

    skipped = _SKIPPED

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.paragraph = 0
        # Lists and tables right after a heading are paragraphs of their own, not sub-points.
        self.after_heading = True
        # The text of each paragraph taken from a fact, and where that fact is written.
        self.places: dict[str, str] = {}

    def summary(self, section) -> None:
        text = " ".join(self.inline(p) for p in section.iter("p"))
        if text:
            self.numbered(f"SUMMARY: {text} END SUMMARY.")

    def comment(self, section) -> None:
        texts = [self.inline(element) for element in section if isinstance(element.tag, str)]
        texts = [t for t in texts if t]
        if texts:
            self.lines += ["", "COMMENT", ""]
            texts[0] = f"COMMENT: {texts[0]}"
            texts[-1] = f"{texts[-1]} END COMMENT."
            for text in texts:
                self.numbered(text)

    def visit(self, element, tag: str, classes: set[str]) -> None:
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            heading = self.inline(element)
            self.lines += ["", *(_wrap(heading.upper(), "", "")), ""]
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
        """The element's text, without its notes."""
        parts: list[str] = []
        self._collect(element, parts)
        text = _SPACE.sub(" ", "".join(parts)).strip()
        if element.get("data-at"):
            self.places[text] = element.get("data-at")
        return text

    def _collect(self, element, parts: list[str]) -> None:
        if element.text:
            parts.append(element.text)
        for child in element:
            if not isinstance(child.tag, str) or "footnote" in (child.get("class") or "").split():
                pass
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
