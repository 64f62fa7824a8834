"""Provenance: staleness, information dates, what changed between editions, the editor schema."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, copy_project, edition_date, run_briefs, tree_digest, without_passages
from readback import docx_text, html_text, pdf_text

OUT = Path("build/pakistan-japan")
FACTS = Path("facts/pakistan-japan")


def later_edition(project, date="2026-11-20"):
    """Date the edition years after the shipped facts, so that some of them are stale."""
    path = project / FACTS / "metadata.yaml"
    day = edition_date().isoformat()
    path.write_text(path.read_text().replace(f"date: {day}", f"date: {date}"))


def test_stale_facts_are_warned_with_location_age_and_limit(project):
    later_edition(project)
    result = run_briefs(project, "check")
    assert result.code == 0
    line = next(n for n, text in enumerate((project / FACTS / "economy.yaml").read_text().splitlines(), 1)
                if "as_of: 2023-07" in text)
    assert (f"facts/pakistan-japan/economy.yaml:{line}: warning: economy.trade.partner_rank: stale: as of"
            " 2023-07, 39 months before the edition date; the limit for economy.trade is 12 months") in result.stderr
    strict = run_briefs(project, "check", "--strict")
    assert strict.code == 1 and "fatal with --strict" in strict.stderr


@pytest.mark.parametrize("reader", [pdf_text, docx_text, html_text])
def test_outgoing_briefs_date_figures_plainly(built, reader):
    # Outgoing (issue 17): the date of each figure, plainly; no stale marks or policy wording.
    text = reader(built / OUT / f"overview.{reader.__name__[:-5]}")
    assert "Information as of July 2023." in text
    assert "2nd (January 2022)" in text
    assert "stale" not in text and "freshness" not in text and "limit is" not in text


@pytest.fixture(scope="module")
def working_overview(tmp_path_factory):
    """The desk's working edition of an edition dated years after its facts."""
    project = copy_project(tmp_path_factory.mktemp("working"))
    later_edition(project)
    result = run_briefs(project, "build", "--working", "--only", "pakistan-japan/overview", "--quiet")
    assert result.code == 0, result.stderr
    return project / OUT / "working"


@pytest.mark.parametrize("reader", [pdf_text, docx_text, html_text])
def test_the_working_edition_marks_stale_figures_and_says_how_current_they_are(working_overview, reader):
    text = reader(working_overview / f"overview.{reader.__name__[:-5]}")
    assert "Information as of July 2023; the oldest dated figure is as of January 2022" in text
    assert "[stale: as of January 2022; the limit is 24 months]" in text
    assert "freshness policy" in text


def test_unknown_kind_in_freshness_policy_is_a_located_error(project):
    path = project / FACTS / "freshness.yaml"
    path.write_text(path.read_text().replace("    economy.trade: 12", "    economy.tarde: 12"))
    line = next(n for n, t in enumerate(path.read_text().splitlines(), 1) if "tarde" in t)
    result = run_briefs(project, "check")
    assert result.code == 1
    assert f"facts/pakistan-japan/freshness.yaml:{line}: freshness.limits: unknown kind of fact 'economy.tarde'" in result.stderr


def test_as_of_in_the_future_is_a_located_error(project):
    path = project / FACTS / "people.yaml"
    path.write_text(path.read_text().replace("    as_of: 2022\n", "    as_of: 2027-03\n", 1))
    result = run_briefs(project, "check")
    assert result.code == 1
    assert re.search(r"people\.yaml:\d+: people\.diaspora\.as_of: 2027-03 is after the edition date "
                     + edition_date().isoformat(), result.stderr)
    assert "Traceback" not in result.stderr


def test_schema_is_current_and_validates_the_fact_base(tmp_path):
    import jsonschema

    written = tmp_path / "schema.json"
    result = run_briefs(tmp_path, "schema", "-o", str(written))
    assert result.code == 0
    assert written.read_text() == (ROOT / "facts/briefs.schema.json").read_text(), \
        "facts/briefs.schema.json is out of date: run `briefs schema -o facts/briefs.schema.json`"
    schema = json.loads(written.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((ROOT / FACTS).glob("*.yaml")):
        data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
        errors = [e.message for e in validator.iter_errors(data)]
        assert not errors, (path.name, errors)
    # ...and it catches what check catches.
    bad = {"economy": {"summary": {"text": "x", "sources": []}, "colour": 1}}
    assert list(validator.iter_errors(bad))


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
                               "HOME": str(cwd), "PATH": "/usr/bin:/bin"}).stdout


def _unverified_change(path: Path, old: str, new: str) -> None:
    """Change what a fact says; the passages quoted for the old words no longer support it."""
    path.write_text(path.read_text().replace(old, new))
    without_passages(path, new)


def _second_edition(repository: Path) -> None:
    """Edition 2 of the committed facts, in which the trade rank has moved from 4 to 3."""
    metadata = repository / FACTS / "metadata.yaml"
    metadata.write_text(metadata.read_text().replace("    number: 1", "    number: 2"))
    _unverified_change(repository / FACTS / "economy.yaml", "      rank: 4", "      rank: 3")


@pytest.fixture
def repository(tmp_path):
    if not shutil.which("git"):
        pytest.skip("git is not installed")
    project = copy_project(tmp_path / "repo")
    _git(project, "init", "-q")
    _git(project, "add", "facts", "templates")
    _git(project, "commit", "-q", "-m", "edition 1")
    return project


def test_diff_lists_added_changed_and_removed_facts(repository):
    _unverified_change(repository / FACTS / "economy.yaml", "      rank: 4", "      rank: 3")
    visits = repository / FACTS / "visits.yaml"
    text = visits.read_text()
    visits.write_text(text[: text.index("  - id: president-2019")])  # drops the last two visits
    result = run_briefs(repository, "diff")
    assert result.code == 0, result.stderr
    assert "changed economy.trade.partner_rank: rank: 4 -> 3 (sources: tdi-visit-analysis)" in result.stdout
    assert "removed visits[president-2019]" in result.stdout and "removed visits[fm-2023]" in result.stdout
    data = json.loads(run_briefs(repository, "diff", "--json").stdout)
    changed = data["pakistan-japan"]["changed"]
    assert changed[0]["fact"] == "economy.trade.partner_rank" and changed[0]["fields"]["rank"] == [4, 3]


def test_diff_with_a_revision_that_does_not_exist(repository):
    result = run_briefs(repository, "diff", "no-such-revision")
    assert result.code == 1
    assert result.stderr.splitlines()[0] == "no such git revision: 'no-such-revision'"


def test_diff_outside_git_compares_with_the_last_build(project):
    result = run_briefs(project, "diff")
    assert result.code == 0, result.stderr  # the built project's .briefs/ holds a snapshot
    assert "no changes" in result.stdout
    _unverified_change(project / FACTS / "people.yaml", "size: 19000", "size: 21000")
    assert "changed people.diaspora: size: 19000 -> 21000" in run_briefs(project, "diff").stdout


def test_diff_outside_git_without_a_build_says_so(tmp_path):
    project = copy_project(tmp_path / "fresh")
    before = tree_digest(project)
    result = run_briefs(project, "diff")
    assert result.code == 1
    assert "not in a git repository" in result.stderr and "no earlier edition" in result.stderr
    assert "Traceback" not in result.stderr and tree_digest(project) == before


def test_country_brief_shows_changes_since_the_previous_edition(repository):
    _second_edition(repository)
    result = run_briefs(repository, "build", "--only", "pakistan-japan/country-brief", "--format", "html,docx")
    assert result.code == 0, result.stderr
    for text in (html_text(repository / OUT / "country-brief.html"), docx_text(repository / OUT / "country-brief.docx")):
        assert "Changes since the last edition" in text
        assert f"Compared with edition 1 of {edition_date()}" in text
        assert "economy.trade.partner_rank): rank: 4 → 3" in text


def test_check_reports_facts_no_brief_uses(project):
    for name in ("overview.html.j2", "country-brief.html.j2"):
        path = project / "templates" / name
        path.write_text(path.read_text().replace('{% include "partials/_sec_outlook.html.j2" %}\n', ""))
    result = run_briefs(project, "check")
    assert result.code == 0, result.stderr
    assert re.search(r"facts/pakistan-japan/outlook\.yaml:\d+: note: outlook\.challenges\[0\] is not used by any brief",
                     result.stderr)


def test_template_needing_a_fact_the_relationship_lacks(project):
    people = project / FACTS / "people.yaml"
    text = people.read_text()
    people.write_text(text[: text.index("  labour:")])
    partial = project / "templates/partials/_sec_people.html.j2"
    partial.write_text(partial.read_text().replace("{{ m.para(p.labour) }}", "<p>{{ p.labour.text }}</p>")
                       .replace("{% if p.labour %}", "{% if true %}"))
    line = next(n for n, t in enumerate(partial.read_text().splitlines(), 1) if "p.labour.text" in t)
    result = run_briefs(project, "check")
    assert result.code == 1
    assert (f"templates/partials/_sec_people.html.j2:{line}: needs people.labour, which pakistan-japan"
            " does not have") in result.stderr


def test_release_edition_lists_only_changes_it_may_show(repository):
    _second_edition(repository)
    _unverified_change(repository / FACTS / "relations.yaml", "backed each other's candidatures there.",
                       "backed each other's candidatures, most recently in 2025.")
    args = ("build", "--only", "pakistan-japan/country-brief", "--format", "html")
    assert run_briefs(repository, *args).code == 0
    full = html_text(repository / OUT / "country-brief.html")
    assert "relations.multilateral[0]" in full and "economy.trade.partner_rank): rank: 4 → 3" in full
    assert run_briefs(repository, *args, "--release", "PUBLIC").code == 0
    public = html_text(repository / "build/pakistan-japan/public/country-brief.html")
    assert "economy.trade.partner_rank): rank: 4 → 3" in public
    assert "multilateral" not in public and "candidatures" not in public
