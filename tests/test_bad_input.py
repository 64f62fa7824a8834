"""Bad input: one located line per problem, exit 1, no traceback, build/ untouched."""

from __future__ import annotations

import re
from pathlib import Path


from conftest import run_briefs, tree_digest

FACTS = Path("facts/pakistan-japan")


def edit(project: Path, name: str, old: str, new: str, count: int = 1) -> None:
    path = project / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(project: Path, name: str, needle: str, occurrence: int = 1) -> int:
    lines = (project / name).read_text(encoding="utf-8").splitlines()
    hits = [n for n, line in enumerate(lines, start=1) if needle in line]
    return hits[occurrence - 1]


def assert_fails_cleanly(project: Path, *args: str) -> list[str]:
    """Run a build that must fail; return its problem lines."""
    before = tree_digest(project / "build")
    result = run_briefs(project, *(args or ("build",)))
    assert result.code == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    assert tree_digest(project / "build") == before, "a failed build changed build/"
    lines = result.stderr.strip().splitlines()
    assert re.match(r"briefs: \d+ errors?; (nothing was written|built 0, )", lines[-1]), lines[-1]
    return [line for line in lines[:-1] if ": warning: " not in line]


def test_yaml_syntax_error(project):
    edit(project, f"{FACTS}/visits.yaml", "    to: JP\n", "    to: [JP\n")
    problems = assert_fails_cleanly(project)
    assert len(problems) == 1
    assert re.match(r"facts/pakistan-japan/visits\.yaml:\d+: YAML syntax error", problems[0])


def test_duplicate_key(project):
    edit(project, f"{FACTS}/economy.yaml", "      rank: 4\n", "      rank: 4\n      rank: 5\n")
    line = line_of(project, f"{FACTS}/economy.yaml", "rank: 5")
    problems = assert_fails_cleanly(project)
    assert problems == [
        f"facts/pakistan-japan/economy.yaml:{line}: duplicate key 'rank' (first defined on line {line - 1})"
    ]


def test_unknown_field(project):
    edit(project, f"{FACTS}/people.yaml", "    size: 19000\n", "    size: 19000\n    colour: green\n")
    line = line_of(project, f"{FACTS}/people.yaml", "colour: green")
    problems = assert_fails_cleanly(project)
    assert problems == [f"facts/pakistan-japan/people.yaml:{line}: people.diaspora: unknown field 'colour'"]


def test_text_where_a_date_belongs(project):
    edit(project, f"{FACTS}/history.yaml", "    date: 1952-04-28", "    date: in the spring")
    line = line_of(project, f"{FACTS}/history.yaml", "in the spring")
    problems = assert_fails_cleanly(project)
    assert len(problems) == 1
    assert problems[0].startswith(f"facts/pakistan-japan/history.yaml:{line}: history.establishment.date: ")
    assert "'in the spring'" in problems[0]


def test_text_where_an_amount_belongs(project):
    edit(project, f"{FACTS}/development.yaml", "amount: 3_620_000", "amount: a few million")
    line = line_of(project, f"{FACTS}/development.yaml", "a few million")
    problems = assert_fails_cleanly(project)
    assert len(problems) == 1
    assert problems[0].startswith(
        f"facts/pakistan-japan/development.yaml:{line}: development.grants[0].value.amount: "
    )


def test_missing_required_field(project):
    edit(project, f"{FACTS}/mechanisms.yaml", "    track: political\n", "")
    line = line_of(project, f"{FACTS}/mechanisms.yaml", "- id: bpc")
    problems = assert_fails_cleanly(project)
    assert problems == [
        f"facts/pakistan-japan/mechanisms.yaml:{line}: mechanisms[0]: missing required field 'track'"
    ]


def test_unknown_source_id(project):
    edit(project, f"{FACTS}/agreements.yaml", "      ties-review: >-\n        The two nations",
         "      ties-reveiw: >-\n        The two nations")
    line = line_of(project, f"{FACTS}/agreements.yaml", "ties-reveiw")
    problems = assert_fails_cleanly(project)
    assert len(problems) == 1
    assert problems[0].startswith(
        f"facts/pakistan-japan/agreements.yaml:{line}: agreements[0].sources: unknown source 'ties-reveiw'"
    )


def test_fact_without_sources(project):
    path = project / FACTS / "people.yaml"
    text = path.read_text(encoding="utf-8")
    without = re.sub(r"    sources:\n      fo-brief: >-\n(?:        .*\n)+?(?=    as_of: 2022)", "    sources: []\n",
                     text, count=1)
    assert without != text
    path.write_text(without, encoding="utf-8")
    problems = assert_fails_cleanly(project)
    assert len(problems) == 1
    assert re.match(r"facts/pakistan-japan/people\.yaml:\d+: people\.diaspora\.sources: ", problems[0])


def test_undefined_value_in_a_template(project):
    edit(project, "templates/partials/_sec_people.html.j2", "{{ p.diaspora.text | markup }}",
         "{{ p.diaspora.headcount | markup }}")
    line = line_of(project, "templates/partials/_sec_people.html.j2", "headcount")
    problems = assert_fails_cleanly(project)
    assert problems == [
        f"templates/partials/_sec_people.html.j2:{line}: 'briefs.model.Diaspora object' has no "
        "attribute 'headcount' (rendering country-brief for pakistan-japan)"
    ]


def test_template_syntax_error(project):
    edit(project, "templates/overview.html.j2", "{% block content %}", "{% block content %}{% if %}")
    problems = assert_fails_cleanly(project)
    assert len(problems) == 1
    assert re.match(r"templates/overview\.html\.j2:\d+: template syntax error", problems[0])


def test_every_problem_in_every_file_is_reported_at_once(project):
    edit(project, f"{FACTS}/economy.yaml", "      rank: 4\n", "      rank: 4\n      rank: 5\n")
    edit(project, f"{FACTS}/history.yaml", "    date: 1952-04-28", "    date: soon")
    edit(project, f"{FACTS}/agreements.yaml", "      ties-review: >-\n        The two nations",
         "      nope: >-\n        The two nations")
    edit(project, f"{FACTS}/outlook.yaml", "      title: Distance\n", "      title: Distance\n      weight: 3\n")
    (project / FACTS / "visits.yaml").write_text("visits:\n  - id: x\n   date: [\n", encoding="utf-8")
    problems = assert_fails_cleanly(project)
    files = sorted(p.split(":")[0] for p in problems)
    assert files == [f"facts/pakistan-japan/{name}.yaml" for name in
                     ("agreements", "economy", "history", "outlook", "visits")]


def test_check_reports_the_same_and_writes_nothing(project):
    edit(project, f"{FACTS}/history.yaml", "    date: 1952-04-28", "    date: soon")
    problems = assert_fails_cleanly(project, "check")
    assert len(problems) == 1 and "history.yaml" in problems[0]


def test_unused_source_warns_and_is_fatal_with_strict(project):
    with (project / FACTS / "sources.yaml").open("a", encoding="utf-8") as stream:
        stream.write("\n  - id: spare\n    title: An uncited document\n    kind: press\n")
    result = run_briefs(project, "check")
    assert result.code == 0
    assert re.search(r"sources\.yaml:\d+: warning: source 'spare' is not cited", result.stderr)
    problems = assert_fails_cleanly(project, "check", "--strict")
    assert any("spare" in p and "fatal with --strict" in p for p in problems)
