"""Read the real outputs back: text, headings, notes and metadata of PDF, DOCX and HTML."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import lxml.html
import pypdf
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn

HEADING_STYLES = ("Title", "Heading 1", "Heading 2", "Heading 3")


def normalize(text: str) -> str:
    """Undo line-end hyphenation and fold white space (PDF text extraction splits lines)."""
    text = text.replace("\u00a0", " ").replace("\u00ad", "")
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    return re.sub(r"\s+", " ", text)


def pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in pypdf.PdfReader(path).pages]


def pdf_text(path: Path) -> str:
    return normalize("\n".join(pdf_pages(path)))


def pdf_headings(path: Path) -> list[str]:
    def flatten(items):
        for item in items:
            if isinstance(item, list):
                yield from flatten(item)
            else:
                yield item.title

    return [normalize(t).strip() for t in flatten(pypdf.PdfReader(path).outline)]


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    return normalize(" ".join(t.text or "" for t in document.element.body.iter(qn("w:t"))))


def docx_headings(path: Path) -> list[str]:
    document = docx.Document(str(path))
    return [normalize(p.text).strip() for p in document.paragraphs if p.style.name in HEADING_STYLES]


def docx_footnotes(path: Path) -> list[str]:
    """Texts of the real Word footnotes (the footnotes part), separators left out."""
    document = docx.Document(str(path))
    part = document.part.part_related_by(RT.FOOTNOTES)
    root = lxml.etree.fromstring(part.blob)
    notes = []
    for note in root.iter(qn("w:footnote")):
        if int(note.get(qn("w:id"))) > 0:
            notes.append(normalize("".join(t.text or "" for t in note.iter(qn("w:t")))).strip())
    return notes


def html_root(path: Path):
    return lxml.html.document_fromstring(path.read_text(encoding="utf-8"))


def html_text(path: Path) -> str:
    root = html_root(path)
    for element in root.xpath("//style | //script"):
        element.getparent().remove(element)
    return normalize(root.find("body").text_content())


def html_headings(path: Path) -> list[str]:
    return [normalize(h.text_content()).strip() for h in html_root(path).xpath("//h1|//h2|//h3|//h4")]


def html_footnotes(path: Path) -> list[str]:
    return [normalize(li.text_content()).replace("↩", "").strip()
            for li in html_root(path).xpath('//section[@class="footnotes"]/ol/li')]
