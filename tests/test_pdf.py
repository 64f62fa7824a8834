"""PDFs fit for the archive and for every reader: tagged, archival on request, reproducible."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest

from conftest import edition_date, run_briefs, tree_digest
from readback import html_footnotes, html_root, normalize, pdf_structure

OUT = Path("build/pakistan-japan")
KINDS = ["country-brief", "economic-ties", "institutional-mechanisms", "overview"]
QPDF = shutil.which("qpdf")


@pytest.mark.parametrize("kind", KINDS)
def test_every_pdf_is_tagged_with_language(built, kind):
    reader = pypdf.PdfReader(built / OUT / f"{kind}.pdf")
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog, "PDF is not tagged"
    assert catalog["/Lang"] == "en"
    assert catalog["/MarkInfo"]["/Marked"]
    xmp = reader.xmp_metadata.stream.get_data().decode("utf-8")
    assert "pdfuaid:part" in xmp and re.search(r"pdfuaid:part[^>]*>\s*1|pdfuaid:part=\"1\"", xmp)


def test_structure_has_headings_and_table_headers(built):
    reader = pypdf.PdfReader(built / OUT / "country-brief.pdf")
    kinds = set()

    def visit(node, depth=0):
        if depth > 60:
            return
        node = node.get_object()
        if isinstance(node, pypdf.generic.DictionaryObject):
            if "/S" in node:
                kinds.add(node["/S"])
            kids = node.get("/K")
            if kids is not None:
                kids = kids.get_object()
                for kid in kids if isinstance(kids, pypdf.generic.ArrayObject) else [kids]:
                    if isinstance(kid.get_object(), pypdf.generic.DictionaryObject):
                        visit(kid, depth + 1)

    visit(reader.trailer["/Root"]["/StructTreeRoot"])
    assert {"/H1", "/H2", "/H3", "/Table", "/TH", "/TD", "/L", "/LI", "/P"} <= kinds


@pytest.mark.parametrize("kind", KINDS)
def test_structure_tree_tags_notes_header_scopes_and_languages(built, kind):
    """Read back as assistive technology reads it: each source note is one Note (with a
    unique ID) holding its number and its text, as the HTML lists them; every table header
    cell is a TH with a Scope; text in another language carries it."""
    structure = pdf_structure(built / OUT / f"{kind}.pdf")
    notes = [element for element in structure if element.kind == "/Note"]
    expected = [f"{number}. {text}" for number, text in enumerate(html_footnotes(built / OUT / f"{kind}.html"), 1)]
    assert [normalize(note.text).strip() for note in notes] == expected
    assert len({note.id for note in notes}) == len(notes) and None not in {note.id for note in notes}
    root = html_root(built / OUT / f"{kind}.html")
    headers = [element for element in structure if element.kind == "/TH"]
    # A table broken over pages repeats its header row: each repetition is tagged too.
    assert {h.text.strip() for h in headers} == {normalize(th.text_content()) for th in root.xpath("//main//th")}
    assert all(h.attributes.get("/Scope") in ("/Column", "/Row") for h in headers), \
        [(h.text, h.attributes) for h in headers]
    languages = {(element.lang, element.text.strip()) for element in structure if element.lang}
    assert languages == {(span.get("lang"), span.text_content()) for span in root.xpath("//body//*[@lang]")}
    if kind == "country-brief":
        assert {lang for lang, _ in languages} == {"ur", "ja"}


@pytest.mark.skipif(not QPDF, reason="qpdf is not installed (apt-get install qpdf); .ci/run installs it")
@pytest.mark.parametrize("kind", KINDS)
def test_qpdf_finds_no_errors(built, kind):
    completed = subprocess.run([QPDF, "--check", str(built / OUT / f"{kind}.pdf")],
                               capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.skipif(not QPDF, reason="qpdf is not installed; needed to look inside compressed streams")
def test_no_build_time_or_machine_paths_inside(built, tmp_path):
    expanded = tmp_path / "expanded.pdf"
    subprocess.run([QPDF, "--qdf", "--object-streams=disable", str(built / OUT / "overview.pdf"),
                    str(expanded)], check=True)
    data = expanded.read_bytes()
    assert str(built).encode() not in data
    assert str(Path.cwd()).encode() not in data and b"/tmp/" not in data
    day = edition_date()
    assert day.isoformat().encode() in data or day.strftime("%Y%m%d").encode() in data


def test_same_inputs_give_identical_bytes_in_separate_processes(project, tmp_path):
    again = tmp_path / "again"
    result = run_briefs(project, "build", "--out", str(again), "--format", "pdf",
                        "--only", "pakistan-japan/overview")
    assert result.code == 0, result.stderr
    assert (again / "pakistan-japan/overview.pdf").read_bytes() == (project / OUT / "overview.pdf").read_bytes()


def test_archival_variant_carries_the_facts(project, tmp_path):
    out = tmp_path / "archive"
    result = run_briefs(project, "build", "--pdf-variant", "pdf/a-3u", "--format", "pdf",
                        "--only", "pakistan-japan/economic-ties", "--out", str(out))
    assert result.code == 0, result.stderr
    reader = pypdf.PdfReader(out / "pakistan-japan/economic-ties.pdf")
    xmp = reader.xmp_metadata.stream.get_data().decode("utf-8")
    assert re.search(r"pdfaid:part[^>]*>\s*3|pdfaid:part=\"3\"", xmp)
    assert re.search(r"pdfaid:conformance[^>]*>\s*U|pdfaid:conformance=\"U\"", xmp)
    attachments = reader.attachments
    # The facts the brief shows, as data (no raw fact file, with its comments), and its sources.
    assert not any(name.endswith((".yaml", ".yml")) for name in attachments)
    data = json.loads(attachments["pakistan-japan/economic-ties-facts.json"][0])
    assert data["brief"] == "economic-ties" and data["marking"] == "OFFICIAL"
    assert any(key.startswith("economy.") for key in data["facts"])
    assert "evidence" not in json.dumps(data) and "inferred" not in json.dumps(data)
    # Nor the desk's freshness policy, which the brief reads to mark stale figures.
    assert not [key for key in data["facts"] if key.split(".")[0] == "freshness"]
    seeds = [name for name in attachments if name.startswith("pakistan-japan/seeds/")]
    assert seeds
    for name in seeds:
        assert attachments[name][0] == (project / "facts" / name).read_bytes()
    assert "/StructTreeRoot" in reader.trailer["/Root"], "the archival PDF should stay tagged"


def _edited_pdf_build(project: Path, name: str, old: str, new: str, brief: str = "overview"):
    """Replace ``old`` by ``new`` in one project file, then build one brief's PDF, which must succeed."""
    path = project / name
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    result = run_briefs(project, "build", "--format", "pdf", "--only", f"pakistan-japan/{brief}")
    assert result.code == 0, result.stderr
    return result


def test_archival_variant_from_the_fact_base(project):
    _edited_pdf_build(project, "facts/pakistan-japan/metadata.yaml",
                      "  language: en\n", "  language: en\n  pdf_variant: pdf/a-3u\n")
    assert pypdf.PdfReader(project / OUT / "overview.pdf").attachments


def test_unknown_pdf_variant_is_a_usage_error(project):
    result = run_briefs(project, "build", "--pdf-variant", "pdf/x-4")
    assert result.code == 2
    assert "pdf/ua-1" in result.stderr and "pdf/a-3u" in result.stderr


def test_image_without_alt_text_is_refused(project):
    path = project / "templates/overview.html.j2"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("{% block content %}", '{% block content %}\n<img src="data:image/png;base64,iVBORw0KGgo=">'),
                    encoding="utf-8")
    line = next(n for n, l in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "<img" in l)
    before = tree_digest(project / "build")
    result = run_briefs(project, "build")
    assert result.code == 1
    assert f"templates/overview.html.j2:{line}: image without alt text" in result.stderr
    assert tree_digest(project / "build") == before


def _renamed_font(target: Path, family: str) -> Path:
    from fontTools.ttLib import TTFont

    source = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
    if not source.exists():
        pytest.skip("DejaVu fonts are not installed")
    font = TTFont(str(source))
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = family
        elif record.nameID == 6:
            record.string = family.replace(" ", "")
    target.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(target))
    return target


def test_fonts_in_templates_fonts_are_registered_and_embedded(project):
    _renamed_font(project / "templates/fonts/BriefsTestMono.ttf", "Briefs Test Mono")
    _edited_pdf_build(project, "templates/css/brief.css",
                      '--heading-font: "DejaVu Sans"', '--heading-font: "Briefs Test Mono"')
    reader = pypdf.PdfReader(project / OUT / "overview.pdf")
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("Briefs-Test-Mono" in f for f in fonts), fonts
    assert all(re.match(r"/[A-Z]{6}\+", f) for f in fonts), "fonts should be embedded as subsets"


def test_broken_font_file_is_a_located_error(project):
    (project / "templates/fonts").mkdir(exist_ok=True)
    (project / "templates/fonts/Broken.ttf").write_bytes(b"\x00\x01\x00\x00 this is not a font")
    before = tree_digest(project / "build")
    result = run_briefs(project, "build", "--format", "pdf")
    assert result.code == 1
    assert "templates/fonts/Broken.ttf: not a usable font file" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(project / "build") == before


def test_character_no_font_can_draw_is_reported(project):
    result = _edited_pdf_build(project, "facts/pakistan-japan/people.yaml", "Launched in 2018 to build ties",
                               "Launched in 2018 (\U0001E290) to build ties", brief="country-brief")
    assert "warning: no installed font can draw" in result.stderr and "U+1E290" in result.stderr
