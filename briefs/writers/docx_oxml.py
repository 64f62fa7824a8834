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
            f"<w:footnotes {nsdecls('w', 'r')}>"
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
        self._part = part
        self.count = 0

    def add(self, pieces: list[tuple[str, str | None]], link_style: str | None = None) -> int:
        """One note from its pieces of text, each with the address it links to, if any (a
        working edition's note links each source to its passage)."""
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
        for index, (text, url) in enumerate(pieces):
            text = " " + text if index == 0 else text
            if url is None:
                paragraph.append(_text_run(text))
            else:
                add_hyperlink(self._part, paragraph, url=url).append(_text_run(text, link_style))
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


def _text_run(text: str, style_id: str | None = None) -> OxmlElement:
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    if style_id:
        return _styled_run(style_id, t)
    run = OxmlElement("w:r")
    run.append(t)
    return run


def add_simple_field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    """A field such as PAGE or NUMPAGES, showing ``placeholder`` until Word updates it."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    field.append(_text_run(placeholder))
    paragraph._p.append(field)


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


def add_hyperlink(part, container, url: str | None = None, anchor: str | None = None) -> OxmlElement:
    """An empty hyperlink in ``container``, an external ``url`` related from ``part`` (the
    document's, or the footnotes'); the caller appends its runs."""
    link = OxmlElement("w:hyperlink")
    if url:
        rel_id = part.relate_to(url, RT.HYPERLINK, is_external=True)
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


def _default_run_properties(document: DocumentObject):
    """The run properties every style starts from (docDefaults), or None where the
    document has none to change."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        return None
    return defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))


def set_language(document: DocumentObject, language: str) -> None:
    """Default proofing language of the document's text."""
    rpr = _default_run_properties(document)
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


def mark_script(run, language: str | None = None, east_asian_font: str = EAST_ASIAN_FONT,
                complex_font: str = COMPLEX_SCRIPT_FONT) -> None:
    """Give a run the fonts and language its characters need: an East Asian font for
    Japanese, and right-to-left with a complex-script font for Urdu or Arabic."""
    text = run.text
    east_asian, rtl = has_east_asian(text), has_right_to_left(text)
    if not (east_asian or rtl or language):
        return
    rpr = run._r.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    if east_asian:
        fonts.set(qn("w:eastAsia"), east_asian_font)
        fonts.set(qn("w:hint"), "eastAsia")
    if rtl:
        fonts.set(qn("w:cs"), complex_font)
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


# --- layout: fonts, borders, tables, fields, package parts -----------------------------

_THEME_FONT_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def set_child(parent, tag: str, successors: tuple[str, ...] = (), **attributes) -> OxmlElement:
    """Replace ``parent``'s child ``tag`` by a new one with ``attributes`` (w: names without
    prefix), placed before the first of ``successors`` present, as the schema orders them."""
    for old in parent.findall(qn(tag)):
        parent.remove(old)
    element = OxmlElement(tag)
    for name, value in attributes.items():
        element.set(qn(f"w:{name}"), str(value))
    for successor in successors:
        found = parent.find(qn(successor))
        if found is not None:
            found.addprevious(element)
            return element
    parent.append(element)
    return element


def set_fonts(rpr, family: str | None, east_asian: str | None = None, complex_script: str | None = None) -> None:
    """Name the fonts of a run or style property set, dropping theme fonts: in Word a theme font
    wins over a named one in the same element, so a style would otherwise show Calibri."""
    fonts = rpr.get_or_add_rFonts()
    for attribute in _THEME_FONT_ATTRIBUTES:
        fonts.attrib.pop(qn(attribute), None)
    if family:
        fonts.set(qn("w:ascii"), family)
        fonts.set(qn("w:hAnsi"), family)
    if east_asian:
        fonts.set(qn("w:eastAsia"), east_asian)
    if complex_script:
        fonts.set(qn("w:cs"), complex_script)


def set_document_defaults(document: DocumentObject, family: str, size_pt: float, east_asian: str,
                          complex_script: str) -> None:
    """docDefaults: the text font (no theme fonts) and size every style starts from."""
    rpr = _default_run_properties(document)
    if rpr is None:
        return
    set_fonts(rpr, family, east_asian, complex_script)
    half_points = str(round(size_pt * 2))
    for tag in ("w:sz", "w:szCs"):
        element = rpr.find(qn(tag))
        if element is None:
            element = OxmlElement(tag)
            rpr.append(element)
        element.set(qn("w:val"), half_points)


_PPR_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
                   "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
                   "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
                   "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
                   "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
                   "w:rPr", "w:sectPr", "w:pPrChange")


def paragraph_border(ppr, side: str, width_pt: float, colour: str, space_pt: float) -> None:
    """A rule on one side of a paragraph (CSS border-bottom / border-left)."""
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = set_child(ppr, "w:pBdr", _PPR_AFTER_PBDR)
    order = ("w:top", "w:left", "w:bottom", "w:right", "w:between", "w:bar")
    set_child(borders, f"w:{side}", order[order.index(f"w:{side}") + 1:], val="single",
              sz=max(2, min(96, round(width_pt * 8))), space=max(0, min(31, round(space_pt))),
              color=colour)


def no_paragraph_border(ppr) -> None:
    for borders in ppr.findall(qn("w:pBdr")):
        ppr.remove(borders)


def suppress_hyphenation(ppr) -> None:
    set_child(ppr, "w:suppressAutoHyphens", _PPR_AFTER_PBDR[3:])


def cant_split(row: _Row) -> None:
    """Keep a table row on one page (CSS ``tr { break-inside: avoid }``)."""
    tr_pr = row._tr.get_or_add_trPr()
    set_child(tr_pr, "w:cantSplit", ("w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc",
                                     "w:hidden", "w:ins", "w:del", "w:trPrChange"))


def shade_cell(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    set_child(tc_pr, "w:shd", ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign",
                               "w:hideMark"), val="clear", color="auto", fill=fill)


_TBLPR_ORDER = ("w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
                "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd",
                "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook",
                "w:tblCaption", "w:tblDescription", "w:tblPrChange")


def _after(order: tuple[str, ...], tag: str) -> tuple[str, ...]:
    return order[order.index(tag) + 1:]


def fix_table_layout(table, widths: list[int], border: tuple[float, str] | None,
                     padding_twips: tuple[int, int, int, int]) -> None:
    """Fixed column widths (twips) in the grid and every cell, the table as wide as their sum,
    its borders and cell padding. Fixed layout: Word and LibreOffice use these widths as
    they are instead of re-fitting the columns to the text."""
    tbl = table._tbl
    tbl_pr = tbl.tblPr
    set_child(tbl_pr, "w:tblW", _after(_TBLPR_ORDER, "w:tblW"), w=sum(widths), type="dxa")
    set_child(tbl_pr, "w:tblInd", _after(_TBLPR_ORDER, "w:tblInd"), w=0, type="dxa")
    if border is not None:
        borders = set_child(tbl_pr, "w:tblBorders", _after(_TBLPR_ORDER, "w:tblBorders"))
        for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
            element = OxmlElement(f"w:{side}")
            element.set(qn("w:val"), "single")
            element.set(qn("w:sz"), str(max(2, min(96, round(border[0] * 8)))))
            element.set(qn("w:space"), "0")
            element.set(qn("w:color"), border[1])
            borders.append(element)
    set_child(tbl_pr, "w:tblLayout", _after(_TBLPR_ORDER, "w:tblLayout"), type="fixed")
    margins = set_child(tbl_pr, "w:tblCellMar", _after(_TBLPR_ORDER, "w:tblCellMar"))
    for side, value in zip(("top", "left", "bottom", "right"), padding_twips):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), str(value))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    grid = tbl.tblGrid
    for column, width in zip(grid.findall(qn("w:gridCol")), widths):
        column.set(qn("w:w"), str(width))
    for tr in tbl.findall(qn("w:tr")):
        for tc, width in zip(tr.findall(qn("w:tc")), widths):
            tc_pr = tc.get_or_add_tcPr()
            set_child(tc_pr, "w:tcW", ("w:gridSpan", "w:hMerge", "w:vMerge", "w:tcBorders", "w:shd",
                                       "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText",
                                       "w:vAlign", "w:hideMark"), w=width, type="dxa")


def field_char(container, kind: str, instruction: str | None = None) -> None:
    """A complex field's mark: "begin" (then its ``instruction``), "separate" or "end"."""
    run = OxmlElement("w:r")
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    run.append(char)
    container.append(run)
    if instruction is not None:
        run = OxmlElement("w:r")
        instr = OxmlElement("w:instrText")
        instr.set(qn("xml:space"), "preserve")
        instr.text = instruction
        run.append(instr)
        container.append(run)


def add_page_reference(container, bookmark: str, cached: str) -> OxmlElement:
    """A tab, then a PAGEREF field giving the page of ``bookmark`` (the number at the end of a
    contents entry). ``cached`` is shown until the field is updated; the run holding it is
    returned, to change it later."""
    tab = OxmlElement("w:r")
    tab.append(OxmlElement("w:tab"))
    container.append(tab)
    field_char(container, "begin", f" PAGEREF {bookmark} \\h ")
    field_char(container, "separate")
    result = _text_run(cached)
    container.append(result)
    field_char(container, "end")
    return result


_SETTINGS_ORDER = (
    "w:writeProtection", "w:view", "w:zoom", "w:removePersonalInformation", "w:removeDateAndTime",
    "w:doNotDisplayPageBoundaries", "w:displayBackgroundShape", "w:printPostScriptOverText",
    "w:printFractionalCharacterWidth", "w:printFormsData", "w:embedTrueTypeFonts",
    "w:embedSystemFonts", "w:saveSubsetFonts", "w:saveFormsData", "w:mirrorMargins",
    "w:alignBordersAndEdges", "w:bordersDoNotSurroundHeader", "w:bordersDoNotSurroundFooter",
    "w:gutterAtTop", "w:hideSpellingErrors", "w:hideGrammaticalErrors", "w:activeWritingStyle",
    "w:proofState", "w:formsDesign", "w:attachedTemplate", "w:linkStyles",
    "w:stylePaneFormatFilter", "w:stylePaneSortMethod", "w:documentType", "w:mailMerge",
    "w:revisionView", "w:trackRevisions", "w:doNotTrackMoves", "w:doNotTrackFormatting",
    "w:documentProtection", "w:autoFormatOverride", "w:styleLockTheme", "w:styleLockQFSet",
    "w:defaultTabStop", "w:autoHyphenation", "w:consecutiveHyphenLimit", "w:hyphenationZone",
    "w:doNotHyphenateCaps", "w:showEnvelope", "w:summaryLength", "w:clickAndTypeStyle",
    "w:defaultTableStyle", "w:evenAndOddHeaders", "w:bookFoldRevPrinting", "w:bookFoldPrinting",
    "w:bookFoldPrintingSheets", "w:drawingGridHorizontalSpacing", "w:drawingGridVerticalSpacing",
    "w:displayHorizontalDrawingGridEvery", "w:displayVerticalDrawingGridEvery",
    "w:doNotUseMarginsForDrawingGridOrigin", "w:drawingGridHorizontalOrigin",
    "w:drawingGridVerticalOrigin", "w:doNotShadeFormData", "w:noPunctuationKerning",
    "w:characterSpacingControl", "w:printTwoOnOne", "w:strictFirstAndLastChars",
    "w:noLineBreaksAfter", "w:noLineBreaksBefore", "w:savePreviewPicture",
    "w:doNotValidateAgainstSchema", "w:saveInvalidXml", "w:ignoreMixedContent",
    "w:alwaysShowPlaceholderText", "w:doNotDemarcateInvalidXml", "w:saveXmlDataOnly",
    "w:useXSLTWhenSaving", "w:saveThroughXslt", "w:showXMLTags", "w:alwaysMergeEmptyNamespace",
    "w:updateFields", "w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr", "w:compat",
    "w:docVars", "w:rsids", "m:mathPr", "w:attachedSchema", "w:themeFontLang",
    "w:clrSchemeMapping", "w:doNotIncludeSubdocsInStats", "w:doNotAutoCompressPictures",
    "w:forceUpgrade", "w:captions", "w:readModeInkLockDown", "w:smartTagType",
    "sl:schemaLibrary", "w:shapeDefaults", "w:doNotEmbedSmartTags", "w:decimalSymbol",
    "w:listSeparator",
)


def set_setting(document: DocumentObject, tag: str, **attributes) -> None:
    settings = document.settings.element
    set_child(settings, tag, _after(_SETTINGS_ORDER, tag), **attributes)


def remove_setting(document: DocumentObject, tag: str) -> None:
    settings = document.settings.element
    for element in settings.findall(qn(tag)):
        settings.remove(element)


def set_compatibility_mode(document: DocumentObject, mode: int) -> None:
    """Lay out as Word ``mode`` does (15: Word 2013 and later)."""
    settings = document.settings.element
    compat = settings.find(qn("w:compat"))
    if compat is None:
        compat = set_child(settings, "w:compat", _after(_SETTINGS_ORDER, "w:compat"))
    for setting in compat.findall(qn("w:compatSetting")):
        if setting.get(qn("w:name")) == "compatibilityMode":
            setting.set(qn("w:val"), str(mode))
            return
    setting = OxmlElement("w:compatSetting")
    setting.set(qn("w:name"), "compatibilityMode")
    setting.set(qn("w:uri"), "http://schemas.microsoft.com/office/word")
    setting.set(qn("w:val"), str(mode))
    compat.append(setting)


APP_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.extended-properties+xml"


def set_app_properties(document: DocumentObject, application: str, company: str,
                       statistics: dict[str, int]) -> None:
    """docProps/app.xml describing this document: the application that made it and the
    counts it can know (no page count: only a layout engine knows that)."""
    from xml.sax.saxutils import escape

    fields = [f"<Application>{escape(application)}</Application>", "<DocSecurity>0</DocSecurity>"]
    fields += [f"<{name}>{value}</{name}>" for name, value in statistics.items()]
    if company:
        fields.append(f"<Company>{escape(company)}</Company>")
    fields += ["<ScaleCrop>false</ScaleCrop>", "<LinksUpToDate>false</LinksUpToDate>",
               "<SharedDoc>false</SharedDoc>", "<HyperlinksChanged>false</HyperlinksChanged>"]
    xml = ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
           '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
           ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
           + "".join(fields) + "</Properties>").encode("utf-8")
    package = document.part.package
    for rel in package.rels.values():
        if rel.reltype == RT.EXTENDED_PROPERTIES and not rel.is_external:
            rel.target_part._blob = xml
            return
    from docx.opc.part import Part

    part = Part(PackURI("/docProps/app.xml"), APP_CONTENT_TYPE, xml, package)
    package.relate_to(part, RT.EXTENDED_PROPERTIES)


def drop_stale_parts(document: DocumentObject) -> None:
    """Parts a template carries that describe another document: its thumbnail, and Word 2010's
    copy of its styles (stylesWithEffects, which still has the template's colours)."""
    package = document.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            package.rels.pop(rel_id)
    for rel_id, rel in list(document.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            document.part.rels.pop(rel_id)


_WORD_FAMILY = {"serif": "roman", "sans-serif": "swiss", "monospace": "modern", "cursive": "script",
                "fantasy": "decorative"}


def describe_fonts(document: DocumentObject, hints) -> None:
    """Entries in the font table for the fonts the styles name, with a widely installed
    alternative and the kind of face, so Word substitutes a like font where one is missing."""
    from lxml import etree

    part = next((rel.target_part for rel in document.part.rels.values()
                 if not rel.is_external and rel.reltype == RT.FONT_TABLE), None)
    if part is None or not hasattr(part, "_blob"):
        return
    root = etree.fromstring(part.blob)
    for name, alternative, generic in hints:
        for old in root.findall(qn("w:font")):
            if old.get(qn("w:name")) == name:
                root.remove(old)
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        if alternative:
            etree.SubElement(font, qn("w:altName")).set(qn("w:val"), alternative)
        etree.SubElement(font, qn("w:family")).set(qn("w:val"), _WORD_FAMILY.get(generic, "auto"))
        etree.SubElement(font, qn("w:pitch")).set(qn("w:val"), "fixed" if generic == "monospace" else "variable")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
