"""Authoring and distribution: template overrides, manifest and bundle (`briefs new`: test_new.py)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import edition_date, planned, run_briefs
from readback import html_root, html_text, pdf_text


def test_override_extends_the_shipped_template_and_only_its_briefs_rebuild(project):
    office = project / "office"
    office.mkdir()
    (office / "country-brief.html.j2").write_text(
        '{% extends "!default/country-brief.html.j2" %}\n{% block before_content %}\n'
        '<p class="letterhead"><strong>Embassy of Pakistan, Tokyo</strong></p>\n{{ super() }}\n{% endblock %}\n')
    result = run_briefs(project, "build", "--templates", "office", "--format", "html")
    assert result.code == 0, result.stderr
    assert "built 1," in result.stdout or "built 2," in result.stdout  # country brief (+ index)
    page = html_root(project / "build/pakistan-japan/country-brief.html")
    assert page.xpath("//p[@class='letterhead']") and page.xpath("//nav[@class='toc']//a")
    (office / "css").mkdir()
    (office / "css/local.css").write_text(":root { --accent: #004d40; }\n")
    again = run_briefs(project, "build", "--templates", "office", "--format", "html")
    assert "built 4" in again.stdout or "built 5" in again.stdout
    assert "#004d40" in (project / "build/pakistan-japan/overview.html").read_text()


def test_first_template_folder_wins(project):
    office = project / "office"
    (office / "partials").mkdir(parents=True)
    shipped = (project / "templates/partials/_title_block.html.j2").read_text()
    (office / "partials/_title_block.html.j2").write_text(shipped.replace("Issued by", "Prepared by"))
    assert run_briefs(project, "build", "--templates", "office", "--format", "html").code == 0
    for kind in ("overview", "country-brief"):
        text = html_text(project / f"build/pakistan-japan/{kind}.html")
        assert "Prepared by Asia-Pacific Division" in text and "Issued by" not in text


def test_index_and_manifest_describe_every_output(built):
    rows = html_root(built / "build/index.html").xpath("//tbody/tr")
    outputs = planned(built)
    assert len(rows) == len({Path(o).stem for o in outputs})
    cells = [c.text_content() for c in rows[0].xpath("td")]
    # Human labels (issue 17): "Pakistan–Japan", "Outgoing", no internal words.
    assert cells[0] == "Pakistan–Japan" and cells[1] == "Outgoing"
    assert cells[3] == edition_date().isoformat() and cells[4] == "RESTRICTED"
    manifest = json.loads((built / "build/manifest.json").read_text())
    assert sorted(manifest["outputs"]) == sorted(str(Path(o).relative_to("build")) for o in outputs)
    for name, entry in manifest["outputs"].items():
        data = (built / "build" / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["size"] == len(data)
        assert entry["edition_date"] == edition_date().isoformat()
    assert "fact_base_revision" in manifest


@pytest.mark.skipif(not shutil.which("sha256sum"), reason="sha256sum is not installed")
def test_dist_bundle_verifies_with_sha256sum(project, tmp_path):
    result = run_briefs(project, "dist")
    assert result.code == 0, result.stderr
    bundle = next((project / "build/dist").glob("briefs-*.zip"))
    assert re.fullmatch(r"briefs-\d{4}-\d{2}-\d{2}-full\.zip", bundle.name)
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "unpacked")
    assert "manifest.json" in names and "SHA256SUMS" in names
    assert sorted(n for n in names if n.endswith(".pdf")) == [
        f"pakistan-japan/{k}.pdf" for k in ("country-brief", "economic-ties", "institutional-mechanisms", "overview")]
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path / "unpacked",
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    manifest = json.loads((tmp_path / "unpacked/manifest.json").read_text())
    assert sorted(manifest["outputs"]) == sorted(n for n in names if n.endswith(".pdf"))


def test_dist_bundles_exactly_one_edition(project, tmp_path):
    assert run_briefs(project, "build", "--release", "PUBLIC", "--format", "pdf,html", "-q").code == 0
    result = run_briefs(project, "dist", "--release", "PUBLIC")
    assert result.code == 0, result.stderr
    bundle = next((project / "build/dist").glob("briefs-*-public.zip"))
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
    pdfs = sorted(n for n in names if n.endswith(".pdf"))
    assert pdfs and all(n.startswith("pakistan-japan/public/") for n in pdfs)
    assert sorted(manifest["outputs"]) == pdfs and manifest["edition"]["release"] == "PUBLIC"
    # An edition not built yet is built, then bundled; a level that does not exist is wrong usage.
    official = run_briefs(project, "dist", "--release", "OFFICIAL", "--quiet")
    assert official.code == 0, official.stderr
    assert (project / "build/pakistan-japan/official/overview.pdf").is_file()
    assert run_briefs(project, "dist", "--release", "SECRETEST").code == 2


def test_dist_never_bundles_a_release_the_facts_have_outgrown(project, tmp_path):
    """A fact raised to RESTRICTED after the PUBLIC edition was built: `dist --release PUBLIC`
    rebuilds that edition first, so the bundle cannot state it."""
    assert run_briefs(project, "build", "--release", "PUBLIC", "--format", "pdf", "-q").code == 0
    assert any("19,000" in pdf_text(p) for p in (project / "build/pakistan-japan/public").glob("*.pdf"))
    people = project / "facts/pakistan-japan/people.yaml"
    people.write_text(people.read_text().replace("    size: 19000\n", "    size: 19000\n    marking: RESTRICTED\n"))
    result = run_briefs(project, "dist", "--release", "PUBLIC", "--quiet")
    assert result.code == 0, result.stderr
    bundle = next((project / "build/dist").glob("briefs-*-public.zip"))
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path / "unpacked")
        manifest = json.loads(archive.read("manifest.json"))
    pdfs = sorted((tmp_path / "unpacked").rglob("*.pdf"))
    assert pdfs and not any("19,000" in pdf_text(p) for p in pdfs)
    for pdf in pdfs:  # the bundle's manifest is true of the bytes it holds
        key = pdf.relative_to(tmp_path / "unpacked").as_posix()
        assert manifest["outputs"][key]["sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
