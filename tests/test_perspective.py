"""Whose brief, for whose eyes: perspective, markings per fact, release-controlled editions."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from briefs.load import load_relationship
from briefs.model import Fact, Quotation, walk
from conftest import run_briefs, tree_digest
from readback import html_root, html_text, normalize, pdf_text

FACTS = Path("facts/pakistan-japan")
KINDS = ["country-brief", "economic-ties", "institutional-mechanisms", "overview"]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_japanese_perspective(project):
    result = run_briefs(project, "build", "--perspective", "japan", "--format", "html,pdf",
                        "--only", "pakistan-japan/overview", "--only", "pakistan-japan/economic-ties")
    assert result.code == 0, result.stderr
    out = project / "build/pakistan-japan/japan"
    overview = html_text(out / "overview.html")
    assert "Overview Japan–Pakistan Relations" in overview
    assert "Issued by Southwest Asia Division, Ministry of Foreign Affairs of Japan, Tokyo" in overview
    assert "Our rank among Pakistan's trading partners" in overview
    assert "The Pakistani community in Japan" in overview
    ties = html_text(out / "economic-ties.html")
    # The 2023 grants: no sourced rate within 12 months before them (the one rate is of
    # January 2022), so they stay in dollars (issue 17); tests/test_fit.py converts with one.
    assert "USD 3.62 million" in ties and "≈ JPY" not in ties
    assert "USD 3.62 million" in pdf_text(out / "economic-ties.pdf")
    # The default perspective's files were left where they were.
    assert "Our community in Japan" in html_text(project / "build/pakistan-japan/overview.html")


def test_pakistani_and_neutral_perspectives(project):
    result = run_briefs(project, "build", "--perspective", "all", "--format", "html",
                        "--only", "pakistan-japan/overview")
    assert result.code == 0, result.stderr
    out = project / "build/pakistan-japan"
    pakistan = html_text(out / "pakistan/overview.html")
    assert "Pakistan–Japan Relations" in pakistan and "Japan's rank among our trading partners" in pakistan
    assert "Our community in Japan" in pakistan
    neutral = html_text(out / "neutral/overview.html")
    assert "Japan–Pakistan Relations" in neutral and "Issued by Research and analysis desk" in neutral
    assert "Japan's rank among Pakistan's trading partners" in neutral
    assert "The Pakistani community in Japan" in neutral and "Our community" not in neutral
    assert (out / "japan/overview.html").exists()


@pytest.mark.parametrize("args, says", [
    (["--perspective", "china"], "choose one of pakistan, japan, neutral or all"),
    (["--release", "SECRET"], "the markings are: PUBLIC, OFFICIAL, RESTRICTED, CONFIDENTIAL"),
])
def test_unknown_perspective_or_release_is_a_usage_error(project, args, says):
    before = tree_digest(project / "build")
    result = run_briefs(project, "build", *args)
    assert result.code == 2 and says in result.stderr
    assert tree_digest(project / "build") == before


def test_default_perspective_must_name_a_country(project):
    edit(project / FACTS / "metadata.yaml", "  perspective: pakistan", "  perspective: china")
    result = run_briefs(project, "check")
    assert result.code == 1
    assert re.search(r"facts/pakistan-japan/metadata\.yaml:\d+: metadata\.perspective: 'china' names neither"
                     r" country; use one of pakistan, japan, neutral", result.stderr)


def test_a_marking_outside_the_defined_list_is_located(project):
    edit(project / FACTS / "relations.yaml", "      marking: RESTRICTED", "      marking: SECRETISH")
    line = next(n for n, t in enumerate((project / FACTS / "relations.yaml").read_text().splitlines(), 1)
                if "SECRETISH" in t)
    result = run_briefs(project, "check")
    assert result.code == 1
    assert (f"facts/pakistan-japan/relations.yaml:{line}: relations.multilateral[0].marking: 'SECRETISH'"
            " is not one of the markings defined in metadata.markings") in result.stderr


def test_banner_is_the_highest_marking_shown(built):
    banners = {kind: html_root(built / f"build/pakistan-japan/{kind}.html").xpath('//meta[@name="marking"]/@content')[0]
               for kind in KINDS}
    assert banners == {"country-brief": "RESTRICTED", "economic-ties": "OFFICIAL",
                       "institutional-mechanisms": "RESTRICTED", "overview": "RESTRICTED"}


def _withheld_texts(project: Path, level: str) -> list[str]:
    relationship = load_relationship(project / FACTS)
    order = relationship.facts.metadata.markings
    texts = []
    for _, model in walk(relationship.facts):
        if isinstance(model, (Fact, Quotation)):
            marking = model.marking or relationship.facts.metadata.marking
            if order.index(marking) > order.index(level):
                texts.append(normalize(getattr(model, "text", None) or model.quote))
    return texts


def test_public_edition_leaks_no_restricted_or_official_text(project):
    result = run_briefs(project, "build", "--release", "PUBLIC")
    assert result.code == 0, result.stderr
    out = project / "build/pakistan-japan/public"
    withheld = _withheld_texts(project, "PUBLIC")
    assert len(withheld) >= 3
    for kind in KINDS:
        html = (out / f"{kind}.html").read_text(encoding="utf-8")
        pdf = pdf_text(out / f"{kind}.pdf")
        with zipfile.ZipFile(out / f"{kind}.docx") as package:
            docx_xml = " ".join(package.read(n).decode("utf-8") for n in package.namelist() if n.endswith(".xml"))
        for text in withheld:
            probe = " ".join(text.split()[:8])  # eight words in a row
            for name, body in (("html", normalize(html)), ("pdf", pdf), ("docx", normalize(docx_xml))):
                assert probe not in body, (kind, name, probe)
        assert html_root(out / f"{kind}.html").xpath('//meta[@name="marking"]/@content') == ["PUBLIC"]
    # The full edition does carry them (so the probes are meaningful).
    full = html_text(project / "build/pakistan-japan/institutional-mechanisms.html")
    assert any(" ".join(t.split()[:8]) in full for t in withheld)


def test_a_withheld_fact_is_left_out_and_a_template_that_needs_it_fails_naming_it(project):
    history = project / FACTS / "history.yaml"
    edit(history, "    date: 1952-04-28\n", "    date: 1952-04-28\n    marking: RESTRICTED\n")
    line = next(n for n, t in enumerate(history.read_text().splitlines(), 1) if t.startswith("  establishment:"))
    # Every section is optional, so the shipped briefs leave the withheld fact out.
    result = run_briefs(project, "build", "--release", "PUBLIC", "--format", "html")
    assert result.code == 0, result.stderr
    public = project / "build/pakistan-japan/public"
    for kind in ("overview", "country-brief"):
        assert "Diplomatic relations established" not in html_text(public / f"{kind}.html")
    assert "Diplomatic relations established" in html_text(project / "build/pakistan-japan/overview.html")
    # A template that prints it regardless cannot be built for that edition, and says why.
    office = project / "office"
    office.mkdir()
    (office / "overview.html.j2").write_text(
        '{% extends "!default/overview.html.j2" %}\n{% block before_content %}\n'
        "<p>Relations since {{ date(facts.history.establishment.date) }}.</p>\n{% endblock %}\n")
    result = run_briefs(project, "build", "--release", "PUBLIC", "--format", "html", "--templates", "office")
    assert result.code == 1
    assert re.search(rf"facts/pakistan-japan/history\.yaml:{line}: history\.establishment is marked RESTRICTED,"
                     r" above the PUBLIC edition being built, but the overview brief cannot be written without it"
                     r" \(needed by office/overview\.html\.j2:\d+\)", result.stderr), result.stderr


def test_portion_markings_on_request(project):
    edit(project / FACTS / "metadata.yaml", "  marking: PUBLIC", "  marking: PUBLIC\n  portion_markings_in: [overview]")
    assert run_briefs(project, "build", "--only", "pakistan-japan/overview", "--format", "html").code == 0
    root = html_root(project / "build/pakistan-japan/overview.html")
    marks = root.xpath('//span[@class="portion-marking"]/text()')
    assert "(R)" in marks and "(P)" in marks
    # The mark stays with its note's call (render.py keeps both on one line): its paragraph.
    restricted = root.xpath('//span[@class="portion-marking" and text()="(R)"]'
                            '/ancestor::*[self::p or self::li or self::td][1]')[0].text_content()
    assert "candidatures" in restricted


def test_a_release_says_what_it_leaves_out(project):
    result = run_briefs(project, "build", "--release", "PUBLIC", "--format", "html")
    assert result.code == 0, result.stderr
    line = next(l for l in result.stdout.splitlines() if l.startswith("the PUBLIC edition of pakistan-japan"))
    visits = (project / "facts/pakistan-japan/visits.yaml").read_text(encoding="utf-8").splitlines()
    restricted_visit = max(n for n, text in enumerate(visits, 1) if n < next(
        i for i, t in enumerate(visits, 1) if "marking: RESTRICTED" in t) and text.lstrip().startswith("- id:"))
    assert f"facts/pakistan-japan/visits.yaml:{restricted_visit}" in line
    assert "relations.multilateral" in line
