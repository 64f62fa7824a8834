"""The Word file a desk officer edits: styles, lists, scripts, reference documents, bytes."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from conftest import edition_date, run_briefs, tree_digest
from readback import docx_footnotes, docx_headings, normalize, pdf_pages

OUT = Path("build/pakistan-japan")


def test_numbered_lists_restart_and_nested_levels_use_level_styles(built):
    document = docx.Document(str(built / OUT / "country-brief.docx"))
    numbered = [p for p in document.paragraphs if p.style.name == "List Number"]
    num_ids = {p._p.pPr.numPr.numId.val for p in numbered}
    # Each <ol> gets its own numbering instance, starting again at 1.
    assert len(num_ids) >= 1
    numbering = document.part.numbering_part.element
    for num_id in num_ids:
        num = numbering.num_having_numId(num_id)
        assert num.xpath("./w:lvlOverride/w:startOverride[@w:val='1']")


def test_nested_list_uses_level_two_style(project):
    path = project / "templates/partials/_sec_outlook.html.j2"
    text = path.read_text(encoding="utf-8")
    anchor = "{{ m.item(topic, topic.title) }}\n{% endfor %}\n</ul>\n"
    assert anchor in text
    text = text.replace(anchor, anchor.replace("</ul>", "<li>Nested<ul><li>inner item</li></ul></li>\n</ul>"), 1)
    path.write_text(text, encoding="utf-8")
    assert run_briefs(project, "build", "--only", "pakistan-japan/overview", "--format", "docx").code == 0
    document = docx.Document(str(project / OUT / "overview.docx"))
    inner = [p for p in document.paragraphs if p.text == "inner item"]
    assert inner and inner[0].style.name == "List Bullet 2"


def test_same_inputs_give_identical_bytes(project, tmp_path):
    first = (project / OUT / "overview.docx").read_bytes()
    (project / OUT / "overview.docx").unlink()
    assert run_briefs(project, "build", "--only", "pakistan-japan/overview", "--format", "docx").code == 0
    assert (project / OUT / "overview.docx").read_bytes() == first
    with zipfile.ZipFile(io.BytesIO(first)) as package:
        stamps = {info.date_time for info in package.infolist()}
    day = edition_date()
    assert stamps == {(day.year, day.month, day.day, 0, 0, 0)}


def test_japanese_and_urdu_text(project):
    people = project / "facts/pakistan-japan/people.yaml"
    text = people.read_text(encoding="utf-8")
    text = text.replace("      text: Launched in 2018 to build ties between the two publics.\n",
                        "      text: پاکستان اور جاپان کے عوام کے درمیان دوستی کا فورم\n")
    people.write_text(text, encoding="utf-8")
    assert run_briefs(project, "build", "--only", "pakistan-japan/country-brief", "--format", "docx").code == 0
    document = docx.Document(str(project / OUT / "country-brief.docx"))
    japanese = [r for p in document.paragraphs for r in p.runs if "日本" in r.text]
    assert japanese[0]._r.rPr.rFonts.get(qn("w:eastAsia"))
    urdu_runs = [r for p in document.paragraphs for r in p.runs if "دوستی" in r.text]
    assert urdu_runs and urdu_runs[0]._r.rPr.find(qn("w:rtl")) is not None
    assert urdu_runs[0]._r.rPr.rFonts.get(qn("w:cs"))
    urdu_paragraph = next(p for p in document.paragraphs if "دوستی" in p.text)
    assert urdu_paragraph._p.pPr.find(qn("w:bidi")) is not None


def _reference_with_styles(path: Path, restyle=None) -> Path:
    document = docx.Document()
    document.add_paragraph("This text must not appear in briefs.")
    for level in (1, 2, 3):  # python-docx's template lacks none of these, but make sure
        document.styles[f"Heading {level}"]
    if restyle:
        restyle(document)
    document.save(str(path))
    return path


def test_reference_docx_restyles_every_brief(project):
    def red_headings(document):
        from docx.shared import RGBColor

        document.styles["Heading 1"].font.color.rgb = RGBColor(0xAA, 0, 0)
        document.styles["Heading 1"].font.name = "Liberation Sans"

    _reference_with_styles(project / "templates/reference.docx", red_headings)
    assert run_briefs(project, "build", "--format", "docx").code == 0
    for kind in ("overview", "country-brief"):
        document = docx.Document(str(project / OUT / f"{kind}.docx"))
        heading = document.styles["Heading 1"]
        assert str(heading.font.color.rgb) == "AA0000" and heading.font.name == "Liberation Sans"
        text = " ".join(p.text for p in document.paragraphs)
        assert "must not appear" not in text
        assert "Character of the relationship" in text


def test_broken_reference_docx_is_a_located_error(project):
    (project / "templates/reference.docx").write_bytes(b"not a zip")
    before = tree_digest(project / "build")
    result = run_briefs(project, "build", "--format", "docx")
    assert result.code == 1
    assert "\ntemplates/reference.docx: not a valid Word document" in "\n" + result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(project / "build") == before


def test_reference_docx_without_a_needed_style_names_it(project):
    reference = project / "templates/reference.docx"
    _reference_with_styles(reference)
    with zipfile.ZipFile(reference) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    styles = parts["word/styles.xml"].decode("utf-8")
    start = styles.index('<w:style w:type="paragraph" w:styleId="Quote">')
    parts["word/styles.xml"] = (styles[:start] + styles[styles.index("</w:style>", start) + 10:]).encode()
    with zipfile.ZipFile(reference, "w") as package:
        for name, data in parts.items():
            package.writestr(name, data)
    result = run_briefs(project, "build", "--format", "docx")
    assert result.code == 1
    assert "templates/reference.docx: reference document lacks the style 'Quote'" in result.stderr


def test_reference_docx_without_styles_or_with_damaged_parts_says_so_plainly(project):
    """python-docx reports a missing or damaged part in its own terms ("'lxml.etree._Element'
    object has no attribute 'overrides'"); the user is told which part, and what to do."""
    reference = project / "templates/reference.docx"
    _reference_with_styles(reference)
    with zipfile.ZipFile(reference) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    before = tree_digest(project / "build")
    for change, expected in (
            ({"word/styles.xml": None}, "the reference document has no styles part"),
            ({"[Content_Types].xml": b"<Nothing/>"}, "not a valid Word document (.docx): its list of parts,"
                                                     " [Content_Types].xml, is missing or damaged"),
            ({"word/styles.xml": b"<x/>"}, "the reference document's styles part (word/styles.xml) is damaged")):
        with zipfile.ZipFile(reference, "w") as package:
            for name, data in {**parts, **change}.items():
                if data is not None:
                    package.writestr(name, data)
        result = run_briefs(project, "build", "--only", "pakistan-japan/overview", "--format", "docx")
        assert result.code == 1, result.stderr
        assert f"templates/reference.docx: {expected}; open it in Word or LibreOffice and save it again" \
            in result.stderr, result.stderr
        assert "lxml" not in result.stderr and "Traceback" not in result.stderr
    assert tree_digest(project / "build") == before


def test_unknown_element_warns_keeps_text_and_is_fatal_with_strict(project):
    path = project / "templates/overview.html.j2"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("{% block content %}", "{% block content %}<marquee>Scrolling news</marquee>"),
                    encoding="utf-8")
    result = run_briefs(project, "build", "--only", "pakistan-japan/overview", "--format", "docx")
    assert result.code == 0
    assert "templates/overview.html.j2: warning: the DOCX writer has no mapping for <marquee>" in result.stderr
    document = docx.Document(str(project / OUT / "overview.docx"))
    assert any(p.text == "Scrolling news" for p in document.paragraphs)
    strict = run_briefs(project, "build", "--strict", "--only", "pakistan-japan/overview", "--format", "docx")
    assert strict.code == 1 and "fatal with --strict" in strict.stderr


LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")


@pytest.fixture(scope="session")
def libreoffice_pdfs(built, tmp_path_factory):
    if not LIBREOFFICE:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer); .ci/run installs it")
    out = tmp_path_factory.mktemp("libreoffice")
    profile = tmp_path_factory.mktemp("lo-profile")
    files = sorted((built / OUT).glob("*.docx"))
    completed = subprocess.run(
        [LIBREOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out), *map(str, files)],
        capture_output=True, text=True, timeout=600,
    )
    assert completed.returncode == 0, completed.stderr
    return out


@pytest.mark.parametrize("kind", ["country-brief", "economic-ties", "institutional-mechanisms", "overview"])
def test_libreoffice_opens_every_docx_intact(built, libreoffice_pdfs, kind):
    converted = libreoffice_pdfs / f"{kind}.pdf"
    assert converted.exists(), f"LibreOffice could not convert {kind}.docx"
    pages = pdf_pages(converted)
    weasy_pages = pdf_pages(built / OUT / f"{kind}.pdf")
    # Word sets each footnote on a line of its own where the PDF runs them on: with that
    # alone between them, the two are within a page of each other.
    assert abs(len(pages) - len(weasy_pages)) <= 1, (len(pages), len(weasy_pages))
    text = normalize("\n".join(pages))
    # Every heading survives, in order.
    headings = docx_headings(built / OUT / f"{kind}.docx")
    position = 0
    for heading in headings:
        found = text.find(heading, position)
        assert found >= 0, f"heading {heading!r} missing or out of order"
        position = found
    # Every footnote is laid out (LibreOffice prints each note's text at the foot of a page).
    notes = docx_footnotes(built / OUT / f"{kind}.docx")
    for note in notes:
        assert note[:40] in text
    assert "Page 1 of" in text and ("RESTRICTED" in text or "OFFICIAL" in text)
