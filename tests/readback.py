"""Read the real outputs back: text, headings, notes and metadata of PDF, DOCX and HTML."""

from __future__ import annotations

import re
from dataclasses import dataclass
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


@dataclass
class StructElement:
    """One element of a tagged PDF's structure tree, read back: its type ("/Note"), its
    attributes (/A, as a plain dict), its /ID and /Lang, and the text of the marked
    content beneath it, in reading order."""

    kind: str
    attributes: dict
    id: str | None
    lang: str | None
    text: str


def _marked_text(reader: pypdf.PdfReader) -> dict[tuple[int, int], str]:
    """The text of each piece of marked content, by (page object number, MCID)."""
    texts: dict[tuple[int, int], str] = {}
    for page in reader.pages:
        number = page.indirect_reference.idnum
        open_ids: list[int | None] = []

        def before(operator, operands, _cm, _tm):
            if operator == b"BDC":
                properties = operands[1] if len(operands) > 1 else None
                open_ids.append(properties.get("/MCID") if isinstance(properties, dict) else None)
            elif operator == b"BMC":
                open_ids.append(None)
            elif operator == b"EMC" and open_ids:
                open_ids.pop()

        def text(value, *_args):
            mcid = next((m for m in reversed(open_ids) if m is not None), None)
            if mcid is not None:
                texts[(number, mcid)] = texts.get((number, mcid), "") + value

        page.extract_text(visitor_operand_before=before, visitor_text=text)
    return texts


def pdf_structure(path: Path) -> list[StructElement]:
    """Every element of the structure tree, in document order."""
    reader = pypdf.PdfReader(path)
    marked = _marked_text(reader)
    found: list[StructElement] = []

    def text_of(node, page) -> str:
        node = node.get_object()
        if isinstance(node, int):
            return marked.get((page, int(node)), "") if page is not None else ""
        if not isinstance(node, pypdf.generic.DictionaryObject):
            return ""
        if "/Pg" in node:
            page = node.raw_get("/Pg").idnum
        kids = node.get("/K")
        if kids is None:
            return ""
        kids = kids.get_object()
        if isinstance(node.get("/MCID"), int):
            return marked.get((page, int(node["/MCID"])), "")
        return "".join(text_of(kid, page) for kid in (kids if isinstance(kids, pypdf.generic.ArrayObject) else [kids]))

    def visit(node, depth: int = 0) -> None:
        node = node.get_object()
        if depth > 80 or not isinstance(node, pypdf.generic.DictionaryObject):
            return
        if "/S" in node:
            attributes = node.get("/A")
            found.append(StructElement(
                str(node["/S"]), dict(attributes.get_object()) if attributes is not None else {},
                str(node["/ID"]) if "/ID" in node else None, str(node["/Lang"]) if "/Lang" in node else None,
                normalize(text_of(node, None))))
        kids = node.get("/K")
        if kids is not None:
            kids = kids.get_object()
            for kid in kids if isinstance(kids, pypdf.generic.ArrayObject) else [kids]:
                visit(kid, depth + 1)

    visit(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


@dataclass
class PdfLine:
    """One line of a PDF page as pdftotext lays it out: its words and its box, in points
    from the top left."""

    text: str
    left: float
    top: float
    right: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top


def pdf_lines(path: Path) -> list[tuple[float, list[PdfLine]]]:
    """Per page: its height and its lines, read back by poppler's pdftotext -bbox-layout."""
    import subprocess

    import lxml.etree

    xhtml = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, check=True).stdout
    root = lxml.etree.fromstring(xhtml)
    pages = []
    for page in root.iter("{*}page"):
        lines = []
        for line in page.iter("{*}line"):
            words = [word.text or "" for word in line.iter("{*}word")]
            lines.append(PdfLine(" ".join(words), float(line.get("xMin")), float(line.get("yMin")),
                                 float(line.get("xMax")), float(line.get("yMax"))))
        pages.append((float(page.get("height")), lines))
    return pages
