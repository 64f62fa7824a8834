"""The Word file laid out like the PDF: read back from the DOCX, and from LibreOffice's own
layout of it (each DOCX converted to PDF and its text read with pdftotext)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from conftest import ROOT, run_briefs
from readback import normalize

OUT = Path("build/pakistan-japan")
KINDS = ["country-brief", "economic-ties", "institutional-mechanisms", "overview"]
LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")
PDFTOTEXT = shutil.which("pdftotext")
HEADINGS = ("Heading 1", "Heading 2", "Heading 3")


def _css_variable(name: str) -> str:
    css = (ROOT / "templates/css/brief.css").read_text(encoding="utf-8")
    return re.search(rf"{name}:\s*#([0-9a-fA-F]{{6}})", css).group(1).upper()


def _effective(paragraph, attribute: str):
    """A paragraph-format property as Word resolves it: direct, then the style chain."""
    value = getattr(paragraph.paragraph_format, attribute)
    style = paragraph.style
    while value is None and style is not None:
        value = getattr(style.paragraph_format, attribute)
        style = style.base_style
    return value


def _cell_tokens(cell) -> list[str]:
    """A cell's words as printed: footnote calls are printed right after the text they follow."""
    text = []
    for run in cell._tc.iter(qn("w:r")):
        for child in run:
            if child.tag == qn("w:t"):
                text.append(child.text or "")
            elif child.tag == qn("w:footnoteReference"):
                text.append(child.get(qn("w:id")))
            elif child.tag in (qn("w:br"), qn("w:tab")):
                text.append(" ")
        text.append("")
    return normalize("".join(text)).split()


# --- read back from the DOCX ------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_headings_and_captions_keep_with_next_and_rows_stay_whole(built, kind):
    document = docx.Document(str(built / OUT / f"{kind}.docx"))
    kept = [p for p in document.paragraphs if p.style.name in HEADINGS + ("Caption", "Title", "TOC Heading")]
    assert kept
    for paragraph in kept:
        assert _effective(paragraph, "keep_with_next"), paragraph.text
    assert document.tables
    for table in document.tables:
        tbl_pr = table._tbl.tblPr
        assert tbl_pr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        # The columns fill the A4 text width like CSS's width: 100%.
        section = document.sections[0]
        text_width = round((section.page_width - section.left_margin - section.right_margin) / 635)
        assert abs(sum(grid) - text_width) <= len(grid)
        for row_index, row in enumerate(table.rows):
            tr_pr = row._tr.trPr
            assert tr_pr is not None and tr_pr.find(qn("w:cantSplit")) is not None
            if row_index == 0:
                assert tr_pr.find(qn("w:tblHeader")) is not None
            widths = [int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for tc in row._tr.findall(qn("w:tc"))]
            assert widths == grid
    # A paragraph ending in a colon right before a table introduces it and stays with it.
    body = list(document.element.body)
    for index, element in enumerate(body[1:], 1):
        previous = body[index - 1]
        if element.tag == qn("w:tbl") and previous.tag == qn("w:p"):
            paragraph = docx.text.paragraph.Paragraph(previous, document)
            if paragraph.text.rstrip().endswith(":") or paragraph.style.name == "Caption":
                assert _effective(paragraph, "keep_with_next")


def test_column_widths_follow_the_content(built):
    """The date column of the agreements is narrow but wide enough for 'July' and '2023';
    the note column, with the longest text, is the widest."""
    document = docx.Document(str(built / OUT / "country-brief.docx"))
    table = next(t for t in document.tables if t.cell(0, 0).text == "Date")
    grid = [int(c.get(qn("w:w"))) / 20 for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert grid[0] == min(grid) and grid[3] == max(grid)
    from briefs.writers.docx_layout import text_width

    padding = 2 * 0.45 * 9.5
    assert grid[0] >= text_width("2023", "DejaVu Serif", 9.5) + padding
    assert grid[0] < 0.15 * sum(grid)


def test_app_properties_describe_this_document_and_there_is_no_thumbnail(built):
    for kind in KINDS:
        path = built / OUT / f"{kind}.docx"
        with zipfile.ZipFile(path) as package:
            names = package.namelist()
            app = package.read("docProps/app.xml").decode("utf-8")
            rels = package.read("_rels/.rels").decode("utf-8")
            types = package.read("[Content_Types].xml").decode("utf-8")
        assert not [n for n in names if "thumbnail" in n.lower()]
        assert "thumbnail" not in rels and "thumbnail" not in types
        assert "stylesWithEffects" not in " ".join(names)
        assert "Microsoft" not in app and "<Application>briefs</Application>" in app
        # Only counts the writer can know: no page count, and the words are this brief's.
        assert "<Pages>" not in app and "<TotalTime>" not in app
        words = int(re.search(r"<Words>(\d+)</Words>", app).group(1))
        document = docx.Document(str(path))
        body_words = sum(len(p.text.split()) for p in document.paragraphs)
        assert body_words < words < body_words * 2


def test_colours_fonts_and_sizes_follow_the_pdf_stylesheet(built):
    accent = _css_variable("--accent")
    document = docx.Document(str(built / OUT / "country-brief.docx"))
    styles = document.styles
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "Caption", "TOC Heading", "Table Heading"):
        assert str(styles[name].font.color.rgb) == accent, name
        assert styles[name].font.name == "DejaVu Sans", name
        rfonts = styles[name].element.rPr.rFonts
        # No theme font left to override the named one (Word would show Calibri).
        assert rfonts.get(qn("w:asciiTheme")) is None and rfonts.get(qn("w:hAnsiTheme")) is None
        assert styles[name].font.color.theme_color is None
    assert styles["Normal"].font.name == "DejaVu Serif"
    assert styles["Normal"].font.size == Pt(10)  # html { font-size: 10pt } in print
    assert styles["Normal"].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    # The print stylesheet's sizes (@media print: h1 18pt, h2 12.5pt).
    assert styles["Title"].font.size == Pt(18) and styles["Heading 1"].font.size == Pt(12.5)
    assert styles["Table Text"].font.size == Pt(9.5) and styles["Footnote Text"].font.size == Pt(8)
    # The title has no border in python-docx's light blue; Heading 1 has the PDF's rule.
    assert styles["Title"].element.pPr.find(qn("w:pBdr")) is None
    rule = styles["Heading 1"].element.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:color")) == _css_variable("--rule")
    # Footer as the PDF's margin boxes: title 8 pt, marking 9 pt bold dark red, page 8 pt.
    footer = document.sections[0].footer
    cells = footer.tables[0].rows[0].cells
    title_run, marking_run = cells[0].paragraphs[0].runs[0], cells[1].paragraphs[0].runs[0]
    assert title_run.text == "Country Brief: Pakistan–Japan Relations" and title_run.font.size == Pt(8)
    assert marking_run.text == "RESTRICTED" and marking_run.font.size == Pt(9) and marking_run.font.bold
    assert str(marking_run.font.color.rgb) == "8B0000"
    assert {r.font.size for r in cells[2].paragraphs[0].runs} == {Pt(8)}
    header = document.sections[0].header.paragraphs[0]
    assert header.text == "RESTRICTED" and header.alignment == WD_ALIGN_PARAGRAPH.CENTER


def test_an_office_stylesheet_recolours_the_word_file(project):
    (project / "templates/css/local.css").write_text(
        ':root { --accent: #004d40; --heading-font: "Liberation Sans", sans-serif; }\n', encoding="utf-8")
    assert run_briefs(project, "build", "--only", "pakistan-japan/overview", "--format", "docx").code == 0
    document = docx.Document(str(project / OUT / "overview.docx"))
    for name in ("Title", "Heading 1", "Caption"):
        assert str(document.styles[name].font.color.rgb) == "004D40"
        assert document.styles[name].font.name == "Liberation Sans"
    assert document.styles["Normal"].font.name == "DejaVu Serif"


def test_contents_are_a_toc_field_word_updates_without_asking(built):
    document = docx.Document(str(built / OUT / "country-brief.docx"))
    entries = [p for p in document.paragraphs if p.style.name in ("TOC 1", "TOC 2")]
    # As deep as the printed contents list: the sections (Heading 1) only.
    headings = [p for p in document.paragraphs if p.style.name == "Heading 1"]
    assert entries and all(p.style.name == "TOC 1" for p in entries)
    # Each entry: the heading's text, a tab (dot leader), the page: a PAGEREF field whose stored
    # value is the writer's estimate (shown by Word until the reader updates the field).
    titles, pages = zip(*(e.text.rsplit("\t", 1) for e in entries))
    assert [normalize(t).strip() for t in titles] == [normalize(h.text).strip() for h in headings]
    assert all(page.isdigit() for page in pages) and list(pages) == sorted(pages, key=int)
    bookmarks = {b.get(qn("w:name")) for b in document.element.body.iter(qn("w:bookmarkStart"))}
    instructions = [[i.text.split() for i in entry._p.iter(qn("w:instrText"))] for entry in entries]
    # The entries are the stored result of one TOC field: it begins in the first, ends in the last.
    assert instructions[0][0][:3] == ["TOC", "\\o", '"1-1"']
    kinds = [c.get(qn("w:fldCharType")) for e in entries for c in e._p.iter(qn("w:fldChar"))]
    assert kinds[:2] == ["begin", "separate"] and kinds[-1] == "end"
    assert kinds.count("begin") == kinds.count("end") == len(entries) + 1
    for found in [instructions[0][1:], *instructions[1:]]:
        assert len(found) == 1 and found[0][0] == "PAGEREF" and found[0][1] in bookmarks
    # Word does not ask the recipient to update fields on opening.
    assert document.settings.element.find(qn("w:updateFields")) is None


# --- LibreOffice's layout of each DOCX -------------------------------------------------


@pytest.fixture(scope="session")
def laid_out(built, tmp_path_factory):
    """{kind: (pages as pdftotext -layout text, the whole document as pdftotext -raw tokens)}."""
    if not LIBREOFFICE:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer); .ci/run installs it")
    if not PDFTOTEXT:
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    out = tmp_path_factory.mktemp("layout")
    profile = tmp_path_factory.mktemp("lo-profile")
    files = [str(built / OUT / f"{kind}.docx") for kind in KINDS]
    completed = subprocess.run(
        [LIBREOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out), *files], capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr
    result = {}
    for kind in KINDS:
        pdf = out / f"{kind}.pdf"
        layout = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True,
                                check=True).stdout
        raw = subprocess.run([PDFTOTEXT, "-raw", str(pdf), "-"], capture_output=True, text=True,
                             check=True).stdout
        pages = layout.split("\f")
        if pages and not pages[-1].strip():
            pages.pop()
        result[kind] = (pages, normalize(raw).split())
    return result


@pytest.mark.parametrize("kind", KINDS)
def test_no_word_or_number_is_broken_inside_a_table_cell(built, laid_out, kind):
    """Every table row comes out of LibreOffice's layout with each cell's words whole and in
    order. LibreOffice draws a row cell by cell, and rows do not split across pages, so a
    row's words are consecutive in the PDF's text; a column too narrow for a word would print
    it in pieces ('D', 'at', 'e' for 'Date', '19', '57' for '1957')."""
    _, tokens = laid_out[kind]
    stream = " " + " ".join(tokens) + " "
    document = docx.Document(str(built / OUT / f"{kind}.docx"))
    checked = 0
    for table in document.tables:
        for row in table.rows:
            words = [word for cell in row.cells for word in _cell_tokens(cell)]
            assert " " + " ".join(words) + " " in stream, f"row {' '.join(words)!r} is broken"
            checked += 1
    assert checked


def _page_of_heading(pages: list[str], heading: str, start: int, skip_lines: int = 0) -> int | None:
    for number in range(start, len(pages) + 1):
        lines = pages[number - 1].splitlines()
        if number == start:
            lines = lines[skip_lines:]
        if any(normalize(line).strip() == heading for line in lines):
            return number
    return None


_ENTRY = re.compile(r"^\s*(\S.*?)\s*\.{2,}\s*(\d+)\s*$")


def test_contents_pages_are_within_one_of_libreoffice_layout(built, laid_out):
    pages, _ = laid_out["country-brief"]
    document = docx.Document(str(built / OUT / "country-brief.docx"))
    headings = [normalize(p.text).strip() for p in document.paragraphs if p.style.name == "Heading 1"]
    entries, last_line, toc_page = [], 0, 1
    for number, page in enumerate(pages[:3], 1):
        for index, line in enumerate(page.splitlines()):
            match = _ENTRY.match(line)
            if match:
                entries.append((normalize(match.group(1)).strip(), int(match.group(2))))
                last_line, toc_page = index + 1, number
    assert [title for title, _ in entries] == headings
    # LibreOffice shows the TOC field's stored result (what Word shows until the reader updates
    # it): the writer's estimate of this layout, within a page of it.
    stored = [int(p.text.rsplit("\t", 1)[1]) for p in document.paragraphs if p.style.name in ("TOC 1", "TOC 2")]
    assert [shown for _, shown in entries] == stored
    start, skip = toc_page, last_line
    for (title, shown), estimate in zip(entries, stored):
        page = _page_of_heading(pages, title, start, skip)
        assert page is not None, f"heading {title!r} not found after page {start}"
        assert abs(estimate - page) <= 1, f"estimated page {estimate} for {title!r}, laid out on {page}"
        if page != start:
            skip = 0
        start = page


@pytest.mark.parametrize("kind", KINDS)
def test_a_heading_is_never_left_at_the_foot_of_a_page(built, laid_out, kind):
    """The first words after each heading (or the caption or header row of a table after it)
    are on the heading's page."""
    pages, _ = laid_out[kind]
    document = docx.Document(str(built / OUT / f"{kind}.docx"))
    body = list(document.element.body)
    start = 1
    for index, element in enumerate(body):
        if element.tag != qn("w:p"):
            continue
        paragraph = docx.text.paragraph.Paragraph(element, document)
        if paragraph.style.name not in HEADINGS + ("Caption",) or index + 1 >= len(body):
            continue
        following = body[index + 1]
        text = normalize(" ".join("".join(t.text or "" for t in p.iter(qn("w:t")))
                                  for p in following.iter(qn("w:p")))).split()[:2]
        if not text:
            continue
        heading = normalize(paragraph.text).strip()
        page = _page_of_heading(pages, heading, start) or start
        start = page
        assert " ".join(text) in normalize(pages[page - 1]), (
            f"{heading!r} is on page {page} but what follows it ({' '.join(text)!r}) is not")
