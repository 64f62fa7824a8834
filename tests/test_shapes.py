"""Relationships shaped unlike the shipped one: optional sections, topics of the desk's own,
blocks in partials. Built end to end and read back in all three formats."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import docx
import jsonschema
import pytest
import yaml
from docx.oxml.ns import qn

from conftest import ROOT, copy_project, drop_passages, run_briefs, tree_digest
from readback import (docx_headings, docx_text, html_headings, html_root, html_text, normalize, pdf_headings,
                      pdf_text)

FIXTURES = Path(__file__).parent / "fixtures"
KINDS = ("overview", "country-brief", "economic-ties", "institutional-mechanisms")
SHAPES = ("india-japan", "australia-japan")


def _project_with_fixtures(target: Path) -> Path:
    project = copy_project(target)
    for name in SHAPES:
        shutil.copytree(FIXTURES / name, project / "facts" / name)
    return project


@pytest.fixture(scope="module")
def shaped(tmp_path_factory) -> Path:
    """The two fixture relationships built once in every kind and format."""
    project = _project_with_fixtures(tmp_path_factory.mktemp("shapes"))
    result = run_briefs(project, "build", "--quiet", "--only", "india-japan", "--only", "australia-japan")
    assert result.code == 0, result.stderr
    return project


def _html_problems(path: Path) -> list[str]:
    """Headings with nothing under them, empty tables and lists, "None" in the text."""
    root = html_root(path)
    problems = []
    main = root.find(".//main")
    flow = [el for el in main.iter() if el.tag in ("h2", "h3", "h4", "p", "li", "td", "blockquote")]
    for index, element in enumerate(flow):
        if element.tag not in ("h2", "h3", "h4"):
            continue
        following = flow[index + 1] if index + 1 < len(flow) else None
        deeper = following is not None and following.tag in ("h2", "h3", "h4") and following.tag > element.tag
        if following is None or (following.tag in ("h2", "h3", "h4") and not deeper):
            problems.append(f"empty heading {element.text_content()!r}")
    for table in root.iter("table"):
        if not table.xpath(".//tbody/tr"):
            problems.append("empty table")
    for lst in root.xpath("//ul | //ol"):
        if not lst.xpath("./li"):
            problems.append("empty list")
    text = html_text(path)
    for word in ("None", "TODO", "Undefined"):
        if re.search(rf"\b{word}\b", text):
            problems.append(f"{word!r} in the text")
    return problems


def _docx_problems(path: Path) -> list[str]:
    document = docx.Document(str(path))
    styles = {s.style_id: s.name for s in document.styles}
    blocks = []  # (heading level or 0, text) in body order; tables count as content
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:tbl"):
            blocks.append((0, "<table>"))
        elif child.tag == qn("w:p"):
            style = child.find(qn("w:pPr") + "/" + qn("w:pStyle"))
            name = styles.get(style.get(qn("w:val")), "") if style is not None else ""
            text = "".join(t.text or "" for t in child.iter(qn("w:t"))).strip()
            match = re.fullmatch(r"Heading (\d)", name)
            blocks.append((int(match.group(1)) if match else 0, text))
    problems = []
    for index, (level, text) in enumerate(blocks):
        if not level:
            continue
        rest = [b for b in blocks[index + 1:] if b[0] or b[1]]
        if not rest or (rest[0][0] and rest[0][0] <= level):
            problems.append(f"empty heading {text!r}")
    if re.search(r"\bNone\b", docx_text(path)):
        problems.append("'None' in the text")
    return problems


@pytest.mark.parametrize("relationship", SHAPES)
def test_every_brief_of_a_differently_shaped_relationship_reads_well(shaped, relationship):
    out = shaped / "build" / relationship
    for kind in KINDS:
        html, pdf, word = (out / f"{kind}.{suffix}" for suffix in ("html", "pdf", "docx"))
        assert _html_problems(html) == [], (kind, "html")
        assert _docx_problems(word) == [], (kind, "docx")
        assert not re.search(r"\bNone\b", pdf_text(pdf)), (kind, "pdf")
        # The three formats carry the same headings.
        headings = [h for h in html_headings(html)[1:] if h != "Contents"]
        assert [h for h in docx_headings(word)[1:] if h != "Contents"] == headings, kind
        assert pdf_headings(pdf)[1:] == headings, kind


def test_absent_sections_leave_no_heading(shaped):
    out = shaped / "build/india-japan"
    assert html_headings(out / "country-brief.html") == [
        # An outgoing first edition has no "Changes since the last edition" (issue 17).
        "Country Brief", "Key facts", "Character of the relationship",
        "Establishment of relations", "High-level visits", "Prime Minister of Japan, March 2023", "Sources"]
    assert html_headings(out / "overview.html") == [
        "Overview", "Key facts", "Character of the relationship", "Establishment of relations", "Sources"]
    rows = html_root(out / "overview.html").xpath("//section[@id='key-facts']//tbody/tr")
    assert [r.xpath("td")[0].text_content() for r in rows] == ["Diplomatic relations established"]
    text = html_text(out / "country-brief.html")
    for absent in ("Trade", "Development", "Schools", "Diaspora", "community in", "Challenges", "Sources differ"):
        assert absent not in text, absent


def test_a_brief_with_nothing_to_show_says_so_in_one_line(shaped):
    out = shaped / "build/india-japan"
    line = "This edition records no trade, investment or development assistance yet."
    assert html_headings(out / "economic-ties.html") == ["Economic Ties"]  # no empty "Sources" either
    assert line in html_text(out / "economic-ties.html")
    assert line in docx_text(out / "economic-ties.docx")
    assert line in pdf_text(out / "economic-ties.pdf")


def test_topics_render_in_the_country_brief_with_notes_markings_and_staleness(shaped):
    page = shaped / "build/australia-japan/country-brief.html"
    headings = html_headings(page)
    # After the standard sections, before the outlook; from two files, in file-name order.
    assert headings.index("Trade and investment") < headings.index("Defence and security") \
        < headings.index("Energy") < headings.index("Prospects")
    root = html_root(page)
    defence = root.xpath("//section[@id='topic-defence']")[0]
    assert defence.xpath("./p/strong")[0].text_content() == "Reciprocal access."
    assert len(defence.xpath(".//a[@class='footnote-ref']")) == 2  # each fact cites its source
    # Outgoing: compact notes, no stale marks (those are in the working edition, issue 17).
    assert "Reciprocal Access Agreement, 2022." in html_text(page)
    assert "[stale" not in html_text(page)
    # A RESTRICTED topic fact raises the brief's banner; the overview, without topics, stays PUBLIC.
    assert root.xpath('//meta[@name="marking"]/@content') == ["RESTRICTED"]
    overview = html_root(shaped / "build/australia-japan/overview.html")
    assert overview.xpath('//meta[@name="marking"]/@content') == ["PUBLIC"]
    assert "Energy" not in html_headings(shaped / "build/australia-japan/overview.html")
    for fmt_text in (docx_text(page.with_suffix(".docx")), pdf_text(page.with_suffix(".pdf"))):
        assert "Defence and security" in fmt_text and "logistics commands" in fmt_text


def test_check_warns_of_a_stale_topic_fact_and_notes_no_topic_unused(shaped):
    result = run_briefs(shaped, "check", "--only", "australia-japan")
    assert result.code == 0, result.stderr
    assert ("facts/australia-japan/energy.yaml:8: warning: topics[1].facts[0]: stale: as of 2024, 22 months"
            " before the edition date; the limit for topics.energy is 12 months") in result.stderr
    assert "topics" not in "".join(l for l in result.stderr.splitlines() if "not used by any brief" in l)


def test_a_release_edition_leaves_out_a_withheld_topic_fact(tmp_path):
    project = _project_with_fixtures(tmp_path / "p")
    result = run_briefs(project, "build", "--only", "australia-japan", "--release", "PUBLIC", "--format", "html,docx")
    assert result.code == 0, result.stderr
    out = project / "build/australia-japan/public"
    text = html_text(out / "country-brief.html")
    assert "Reciprocal Access Agreement" in text and "logistics commands" not in text
    assert "logistics commands" not in docx_text(out / "country-brief.docx")
    assert html_root(out / "country-brief.html").xpath('//meta[@name="marking"]/@content') == ["PUBLIC"]


def test_any_brief_can_show_one_topic_by_id(tmp_path):
    project = _project_with_fixtures(tmp_path / "p")
    office = project / "office"
    office.mkdir()
    (office / "overview.html.j2").write_text(
        '{% extends "!default/overview.html.j2" %}\n'
        '{% import "partials/_sec_topics.html.j2" as topics with context %}\n'
        "{% block content %}\n{{ super() }}\n{{ topics.show('energy') }}\n{{ topics.show('no-such-topic') }}\n"
        "{% endblock %}\n")
    result = run_briefs(project, "build", "--templates", "office", "--format", "html",
                        "--only", "australia-japan/overview", "--only", "india-japan/overview")
    assert result.code == 0, result.stderr
    headings = html_headings(project / "build/australia-japan/overview.html")
    assert "Energy" in headings and "Defence and security" not in headings
    assert "Energy" not in html_headings(project / "build/india-japan/overview.html")  # no topics: nothing


def test_editing_a_topic_rebuilds_only_the_briefs_that_show_it_and_diff_lists_it(tmp_path):
    project = _project_with_fixtures(tmp_path / "p")
    assert run_briefs(project, "build", "--only", "australia-japan", "--format", "html").code == 0
    energy = project / "facts/australia-japan/energy.yaml"
    energy.write_text(energy.read_text().replace("largest supplier", "largest single supplier")
                      + "      - text: Both fund research on carbon capture.\n        sources: [dfat-brief]\n")
    # Outside git, `briefs diff` compares with the snapshot of the last build.
    diff = run_briefs(project, "diff", "--json")
    assert diff.code == 0, diff.stderr
    changes = json.loads(diff.stdout)["australia-japan"]
    assert [c["fact"] for c in changes["changed"]] == ["topics[energy].facts[lng]"]
    assert [c["fact"] for c in changes["added"]] == ["topics[energy].facts[1]"]
    text = run_briefs(project, "diff").stdout
    assert "topics[energy].facts[lng]" in text and "largest single supplier" in text
    result = run_briefs(project, "build", "--only", "australia-japan", "--format", "html")
    assert result.code == 0, result.stderr
    assert "built build/australia-japan/country-brief.html" in result.stdout
    assert "overview.html" not in result.stdout and "economic-ties.html" not in result.stdout


def test_the_schema_knows_topics_and_optional_sections():
    schema = json.loads((ROOT / "facts/briefs.schema.json").read_text())
    for name in SHAPES:
        for path in (FIXTURES / name).glob("*.yaml"):
            jsonschema.validate(json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str)), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"topics": [{"id": "defence", "facts": []}]}, schema)


def _fails_cleanly(project: Path, *args: str) -> list[str]:
    before = tree_digest(project)
    result = run_briefs(project, "check", *args)
    assert result.code == 1, result.stderr
    assert run_briefs(project, "build", *args).code == 1
    assert tree_digest(project) == before
    lines = result.stderr.splitlines()
    assert re.fullmatch(r"briefs: \d+ errors?; nothing was written", lines[-1])
    return lines[:-1]


def test_a_topic_without_a_title_or_with_a_duplicate_id_is_a_located_error(tmp_path):
    project = _project_with_fixtures(tmp_path / "p")
    energy = project / "facts/australia-japan/energy.yaml"
    energy.write_text(energy.read_text().replace("  - id: energy\n    title: Energy\n", "  - id: defence\n"))
    problems = _fails_cleanly(project, "--only", "australia-japan")
    assert problems == ["facts/australia-japan/energy.yaml:2: topics[1]: missing required field 'title'"]
    energy.write_text(energy.read_text().replace("  - id: defence\n", "  - id: energy\n    title: Energy\n")
                      + "  - id: defence\n    title: More defence\n    facts:\n"
                        "      - text: A second topic with the same id.\n        sources: [dfat-brief]\n")
    problems = _fails_cleanly(project, "--only", "australia-japan")
    assert problems == ["facts/australia-japan/energy.yaml:9: duplicate id 'defence'"
                        " (first at facts/australia-japan/defence.yaml:3)"]


def test_a_placeholder_left_in_a_topic_is_a_located_error(tmp_path):
    project = _project_with_fixtures(tmp_path / "p")
    energy = project / "facts/australia-japan/energy.yaml"
    energy.write_text(energy.read_text().replace("as_of: 2024", 'as_of: "TODO: when"'))
    problems = _fails_cleanly(project, "--only", "australia-japan")
    assert problems == ["facts/australia-japan/energy.yaml:8: topics[1].facts[0].as_of: placeholder to replace:"
                        " 'TODO: when'"]


def test_an_override_changes_one_block_of_a_partial_and_leaves_the_rest(project):
    office = project / "office/partials"
    office.mkdir(parents=True)
    (office / "_sec_economy.html.j2").write_text(
        '{% extends "!default/partials/_sec_economy.html.j2" %}\n'
        "{% block investors_table %}<p class=\"office\">Investors: {{ e.investors.companies | length }}.</p>"
        "{% endblock %}\n")
    before = html_root(project / "build/pakistan-japan/economic-ties.html")
    result = run_briefs(project, "build", "--templates", "office", "--format", "html")
    assert result.code == 0, result.stderr
    after = html_root(project / "build/pakistan-japan/economic-ties.html")
    assert after.xpath("//p[@class='office']/text()") == ["Investors: 7."]
    # Nothing else changed: the pages differ by the table and the paragraph that replaced it.
    for root, changed in ((before, "//table[caption='Companies with significant investments']"),
                          (after, "//p[@class='office']")):
        element = root.xpath(changed)[0]
        element.getparent().remove(element)
    assert [normalize(root.find("body").text_content()) for root in (before, after)] == \
        [normalize(after.find("body").text_content())] * 2


def test_the_agency_is_named_from_the_facts(project):
    development = project / "facts/pakistan-japan/development.yaml"
    # The renamed agency is in no passage: its fact is left unverified (a warning).
    development.write_text(drop_passages(development.read_text().replace(
        "name: Japan International Cooperation Agency", "name: Example Development Agency"),
        "name: Example Development Agency"))
    assert run_briefs(project, "build", "--only", "pakistan-japan/economic-ties", "--format", "html").code == 0
    headings = html_headings(project / "build/pakistan-japan/economic-ties.html")
    assert "Projects of the Example Development Agency" in headings
    development.write_text(development.read_text().replace("    name: Example Development Agency\n", ""))
    assert run_briefs(project, "build", "--only", "pakistan-japan/economic-ties", "--format", "html").code == 0
    assert "Projects" in html_headings(project / "build/pakistan-japan/economic-ties.html")


def test_no_template_names_a_country_agency_or_city():
    import pycountry

    names = {c.name for c in pycountry.countries if len(c.name) > 4} | {
        "Japanese", "Pakistani", "JICA", "Tokyo", "Islamabad", "yen", "rupee", "Cooperation Agency"}
    for path in (ROOT / "templates").rglob("*.j2"):
        text = path.read_text(encoding="utf-8")
        found = [n for n in names if re.search(rf"\b{re.escape(n)}\b", text)]
        assert not found, (path.name, found)


def test_adding_an_absent_section_rebuilds_the_briefs_that_would_show_it(tmp_path):
    project = _project_with_fixtures(tmp_path / "p")
    assert run_briefs(project, "build", "--only", "india-japan", "--format", "html").code == 0
    (project / "facts/india-japan/economy.yaml").write_text(
        "economy:\n  summary:\n    text: Trade between the two has grown.\n    sources: [mea-brief]\n")
    result = run_briefs(project, "build", "--only", "india-japan", "--format", "html")
    assert result.code == 0, result.stderr
    # The briefs read the absent section (as nothing); those that did are rebuilt, the other is not.
    assert "built build/india-japan/economic-ties.html" in result.stdout
    assert "built build/india-japan/country-brief.html" in result.stdout
    assert "institutional-mechanisms" not in result.stdout
    assert html_headings(project / "build/india-japan/economic-ties.html") == [
        "Economic Ties", "Trade and investment", "Sources"]
