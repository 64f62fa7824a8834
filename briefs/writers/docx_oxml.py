"""Small OXML helpers for what python-docx has no API for.

Footnotes, fields (PAGE, NUMPAGES, TOC), bookmarks, hyperlinks, numbering that
restarts per list, repeating table header rows and reproducible zip bytes. Each
helper builds the raw WordprocessingML that Word and LibreOffice expect.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from docx.document import Document as DocumentObject
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.table import _Row
from docx.text.paragraph import Paragraph

FOOTNOTES_CONTENT_TYPE = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
)


class Footnotes:
    """The document's footnotes part; ``add`` appends one note and returns its id."""

    def __init__(self, document: DocumentObject):
        xml = (
            f"<w:footnotes {nsdecls('w')}>"
            '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0"'
            ' w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>'
            '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing'
            ' w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/>'
            "</w:r></w:p></w:footnote></w:footnotes>"
        )
        self._element = parse_xml(xml)
        part = XmlPart(
            PackURI("/word/footnotes.xml"), FOOTNOTES_CONTENT_TYPE, self._element,
            document.part.package,
        )
        document.part.relate_to(part, RT.FOOTNOTES)
        self.count = 0

    def add(self, text: str) -> int:
        self.count += 1
        note_id = self.count
        footnote = OxmlElement("w:footnote")
        footnote.set(qn("w:id"), str(note_id))
        paragraph = OxmlElement("w:p")
        ppr = OxmlElement("w:pPr")
        style = OxmlElement("w:pStyle")
        style.set(qn("w:val"), "FootnoteText")
        ppr.append(style)
        paragraph.append(ppr)
        paragraph.append(_styled_run("FootnoteReference", OxmlElement("w:footnoteRef")))
        paragraph.append(_text_run(" " + text))
        footnote.append(paragraph)
        self._element.append(footnote)
        return note_id


def add_footnote_reference(container, note_id: int) -> None:
    """Append the superscript call of footnote ``note_id`` to a paragraph or hyperlink."""
    reference = OxmlElement("w:footnoteReference")
    reference.set(qn("w:id"), str(note_id))
    container.append(_styled_run("FootnoteReference", reference))


def _styled_run(style_id: str, child) -> OxmlElement:
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), style_id)
    rpr.append(style)
    run.append(rpr)
    run.append(child)
    return run


def _text_run(text: str) -> OxmlElement:
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    run.append(t)
    return run


def add_simple_field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    """A field such as PAGE or NUMPAGES, showing ``placeholder`` until Word updates it."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    field.append(_text_run(placeholder))
    paragraph._p.append(field)


def begin_complex_field(paragraph: Paragraph, instruction: str) -> None:
    """Open a field at the start of ``paragraph`` whose current result is the content that
    follows, possibly over several paragraphs (a TOC); close it with end_complex_field."""
    position = 1 if paragraph._p.pPr is not None else 0
    for kind, extra in (("begin", None), (None, instruction), ("separate", None)):
        run = OxmlElement("w:r")
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run.append(char)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {extra} "
            run.append(instr)
        paragraph._p.insert(position, run)
        position += 1


def end_complex_field(paragraph: Paragraph) -> None:
    run = OxmlElement("w:r")
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), "end")
    run.append(char)
    paragraph._p.append(run)


_BOOKMARK_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def bookmark_name(html_id: str) -> str:
    """Word bookmark names: letters, digits and _, at most 40 characters; _ hides them."""
    return ("_" + _BOOKMARK_UNSAFE.sub("_", html_id))[:40]


def add_bookmark(paragraph: Paragraph, name: str, bookmark_id: int) -> None:
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(bookmark_id))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(bookmark_id))
    ppr = paragraph._p.pPr
    index = 1 if ppr is not None else 0
    paragraph._p.insert(index, start)
    paragraph._p.append(end)


def add_hyperlink(paragraph: Paragraph, container, url: str | None = None,
                  anchor: str | None = None) -> OxmlElement:
    """An empty hyperlink in ``container``; the caller appends its runs."""
    link = OxmlElement("w:hyperlink")
    if url:
        rel_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
        link.set(qn("r:id"), rel_id)
    if anchor:
        link.set(qn("w:anchor"), anchor)
    link.set(qn("w:history"), "1")
    container.append(link)
    return link


def new_numbering(document: DocumentObject, style_name: str) -> int | None:
    """A fresh numbering instance for a list style, so each new list starts at 1."""
    style = document.styles[style_name]
    ppr = style.element.pPr
    num_pr = ppr.numPr if ppr is not None else None
    if num_pr is None or num_pr.numId is None:
        return None
    numbering = document.part.numbering_part.element
    num = numbering.num_having_numId(num_pr.numId.val)
    abstract_id = num.abstractNumId.val
    new_num = numbering.add_num(abstract_id)
    override = new_num.add_lvlOverride(ilvl=0)
    override.add_startOverride(1)
    return new_num.numId


def set_numbering(paragraph: Paragraph, num_id: int, level: int = 0) -> None:
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = level
    num_pr.get_or_add_numId().val = num_id


def repeat_as_header(row: _Row) -> None:
    """Mark a table row to repeat at the top of every page the table runs onto."""
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def keep_with_next(paragraph: Paragraph) -> None:
    paragraph.paragraph_format.keep_with_next = True


def set_language(document: DocumentObject, language: str) -> None:
    """Default proofing language of the document's text."""
    styles = document.styles.element
    rpr_default = styles.find(qn("w:docDefaults"))
    if rpr_default is None:
        return
    rpr = rpr_default.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if rpr is None:
        return
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), language)


def reproducible_zip(data: bytes, when: dt.date) -> bytes:
    """Rewrite a saved package with fixed timestamps so equal inputs give equal bytes."""
    # A ZIP (DOS) timestamp holds the years 1980 to 2107 only.
    stamp = (min(max(when.year, 1980), 2107), when.month, when.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(
        out, "w", compression=zipfile.ZIP_DEFLATED
    ) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(item.filename))
    return out.getvalue()


# --- scripts ---------------------------------------------------------------------------

EAST_ASIAN_FONT = "Noto Serif CJK JP"
COMPLEX_SCRIPT_FONT = "Noto Naskh Arabic"
_EAST_ASIAN = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


def has_east_asian(text: str) -> bool:
    return bool(_EAST_ASIAN.search(text))


def has_right_to_left(text: str) -> bool:
    return bool(_RTL.search(text))


def mostly_right_to_left(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(1 for c in letters if _RTL.match(c)) > len(letters) / 2


def mark_script(run, language: str | None = None) -> None:
    """Give a run the fonts and language its characters need: an East Asian font for
    Japanese, and right-to-left with a complex-script font for Urdu or Arabic."""
    text = run.text
    east_asian, rtl = has_east_asian(text), has_right_to_left(text)
    if not (east_asian or rtl or language):
        return
    rpr = run._r.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    if east_asian:
        fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
        fonts.set(qn("w:hint"), "eastAsia")
    if rtl:
        fonts.set(qn("w:cs"), COMPLEX_SCRIPT_FONT)
        rpr.get_or_add_rtl()
        rpr.get_or_add_cs()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")
    if east_asian:
        lang.set(qn("w:eastAsia"), language or "ja-JP")
    if rtl:
        lang.set(qn("w:bidi"), language or "ur-PK")
    if language and not (east_asian or rtl):
        lang.set(qn("w:val"), language)


def set_right_to_left(paragraph: Paragraph) -> None:
    """Mark a paragraph as right-to-left (python-docx has no API for w:bidi)."""
    ppr = paragraph._p.get_or_add_pPr()
    if ppr.find(qn("w:bidi")) is None:
        ppr.insert_element_before(
            OxmlElement("w:bidi"), "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
            "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
            "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
            "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
        )
