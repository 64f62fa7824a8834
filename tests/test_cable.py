"""The cable (`--format txt`) as a diplomatic telegram: header, numbered SUMMARY, numbered
paragraphs without notes, COMMENT, signature and END, in plain ASCII, about two pages,
made by a cable template that selects."""

from __future__ import annotations

import re

import pytest

from conftest import copy_project, run_briefs, without_passages

KINDS = ("overview", "country-brief", "economic-ties", "institutional-mechanisms")


@pytest.fixture(scope="module")
def cables(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("cable"))
    result = run_briefs(project, "build", "--quiet", "--format", "txt")
    assert result.code == 0, result.stderr
    return {kind: (project / f"build/pakistan-japan/{kind}.txt").read_bytes() for kind in KINDS}


@pytest.mark.parametrize("kind", KINDS)
def test_every_cable_is_a_telegram(cables, kind):
    data = cables[kind]
    data.decode("ascii")  # plain ASCII throughout
    lines = data.decode("ascii").splitlines()
    marking = lines[0]
    assert marking in ("PUBLIC", "OFFICIAL", "RESTRICTED", "CONFIDENTIAL") and lines[-1] == marking
    header = dict(line.split(": ", 1) for line in lines[1:lines.index("", 2)] if ": " in line)
    assert header["PRECEDENCE"] == "ROUTINE"
    assert header["FROM"] == "MOFA ISLAMABAD" and header["TO"] == "PAKISTAN EMBASSY TOKYO"
    assert header["REF"] == f"AP/JPN/{kind.upper()}/1"
    assert re.fullmatch(r"020000Z OCT 23", header["DTG"])
    assert header["SUBJECT"].endswith(": PAKISTAN-JAPAN RELATIONS")
    text = "\n".join(lines)
    numbers = [int(n) for n in re.findall(r"^(\d+)\. ", text, re.M)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 4
    assert re.search(r"^1\. SUMMARY: .+? END SUMMARY\.$", text, re.M | re.S)
    assert not re.search(r"\[\d+\]", text) and "NOTES" not in lines  # no note calls, no notes
    assert lines[-3:] == ["END", "", marking]
    assert lines[-5] == "DIRECTOR GENERAL (ASIA-PACIFIC)"
    assert all(len(line) <= 69 for line in lines)
    assert len(lines) <= 160
    if kind == "country-brief":
        assert "COMMENT" in lines and re.search(r"^\d+\. COMMENT: ", text, re.M) and "END COMMENT." in text
    if kind == "institutional-mechanisms":
        assert "COMMENT" not in lines


def test_a_name_with_no_latin_form_is_left_out_with_a_located_warning(tmp_path):
    project = copy_project(tmp_path / "project")
    visits = project / "facts/pakistan-japan/visits.yaml"
    without_passages(visits, "id: fm-2023")  # the new words need no passage: unverified, a warning
    text = visits.read_text(encoding="utf-8")
    line = next(n for n, l in enumerate(text.splitlines(), 1) if "id: fm-2023" in l)
    visits.write_text(text.replace("Foreign Minister Bilawal Bhutto Zardari",
                                   "Foreign Minister Bilawal Bhutto Zardari (ビラワル) of Côte “d’Ivoire”", 1),
                      encoding="utf-8")
    result = run_briefs(project, "build", "--format", "txt", "--only", "pakistan-japan/country-brief")
    assert result.code == 0, result.stderr
    assert "'ビラワル'" in result.stderr and "no Latin form" in result.stderr
    assert f"facts/pakistan-japan/visits.yaml:{line}: warning: the cable leaves out 'ビラワル'" in result.stderr
    cable = (project / "build/pakistan-japan/country-brief.txt").read_bytes().decode("ascii")
    assert "Bilawal Bhutto Zardari of Cote \"d'Ivoire\"" in " ".join(cable.split())


def test_a_cable_template_without_a_summary_is_a_located_error(tmp_path):
    project = copy_project(tmp_path / "project")
    (project / "office/cable").mkdir(parents=True)
    (project / "office/cable/overview.html.j2").write_text(
        '{% extends "cable/_cable.html.j2" %}\n{% block body %}<p>Only a body.</p>{% endblock %}\n')
    result = run_briefs(project, "build", "--templates", "office", "--format", "txt,html",
                        "--only", "pakistan-japan/overview")
    assert result.code == 1
    assert "office/cable/overview.html.j2: the cable gives no summary" in result.stderr
    assert not (project / "build/pakistan-japan/overview.html").exists()
