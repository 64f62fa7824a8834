"""Bad input: one located line per problem, exit 1, no traceback, build/ untouched."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

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


# Each problem is reported on the line it is on: the change, the text on that line, what
# the report says after "file:line: ", whole or (whole=False) as its beginning, and a
# text the report must quote besides.
LOCATED = [
    pytest.param(f"{FACTS}/economy.yaml", "      rank: 4\n", "      rank: 4\n      rank: 5\n", "rank: 5",
                 "duplicate key 'rank' (first defined on line {above})", True, "", id="duplicate-key"),
    pytest.param(f"{FACTS}/people.yaml", "    size: 19000\n", "    size: 19000\n    colour: green\n", "colour: green",
                 "people.diaspora: unknown field 'colour'", True, "", id="unknown-field"),
    pytest.param(f"{FACTS}/history.yaml", "    date: 1952-04-28", "    date: in the spring", "in the spring",
                 "history.establishment.date: ", False, "'in the spring'", id="text-where-a-date-belongs"),
    pytest.param(f"{FACTS}/development.yaml", "amount: 3_620_000", "amount: a few million", "a few million",
                 "development.grants[0].value.amount: ", False, "", id="text-where-an-amount-belongs"),
    pytest.param(f"{FACTS}/mechanisms.yaml", "    track: political\n", "", "- id: bpc",
                 "mechanisms[0]: missing required field 'track'", True, "", id="missing-required-field"),
    pytest.param(f"{FACTS}/agreements.yaml", "      ties-review: >-\n        The two nations",
                 "      ties-reveiw: >-\n        The two nations", "ties-reveiw",
                 "agreements[0].sources: unknown source 'ties-reveiw'", False, "", id="unknown-source-id"),
    pytest.param("templates/partials/_sec_people.html.j2", "{{ p.diaspora.text | markup }}", "{{ p.diaspora.headcount | markup }}", "headcount",
                 "'briefs.model.Diaspora object' has no attribute 'headcount' (rendering country-brief for"
                 " pakistan-japan)", True, "", id="undefined-value-in-a-template"),
]


@pytest.mark.parametrize("name, old, new, needle, message, whole, quoted", LOCATED)
def test_problem_is_reported_on_its_line(project, name, old, new, needle, message, whole, quoted):
    edit(project, name, old, new)
    line = line_of(project, name, needle)
    problems = assert_fails_cleanly(project)
    expected = f"{name}:{line}: " + message.format(above=line - 1)
    if whole:
        assert problems == [expected]
    else:
        assert len(problems) == 1
        assert problems[0].startswith(expected)
        assert quoted in problems[0]


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


def test_overlapping_or_undated_rates_are_located_errors(project):
    """money() takes the rate nearest before a figure: two rates for one pair of currencies
    whose dates overlap leave it two to choose from; a rate without a date, none."""
    rates = project / FACTS / "exchange-rates.yaml"
    shipped = rates.read_text(encoding="utf-8")
    rates.write_text(shipped + """
  - base: JPY
    quote: USD
    rate: 0.0087
    as_of: 2022-01-20
    text: About 0.0087 US dollars to the yen in late January 2022.
    sources: [ties-review]
  - base: USD
    quote: JPY
    rate: 131
    as_of: 2022
    text: About JPY 131 to the US dollar over 2022.
    sources: [ties-review]
  - base: USD
    quote: JPY
    rate: 140
    as_of: 2023-06
    text: About JPY 140 to the US dollar in June 2023.
    sources: [ties-review]
""", encoding="utf-8")
    lines = rates.read_text(encoding="utf-8").splitlines()
    first = next(n for n, line in enumerate(lines, 1) if "as_of: 2022-01" == line.strip())
    january = next(n for n, line in enumerate(lines, 1) if "as_of: 2022-01-20" in line)
    year = next(n for n, line in enumerate(lines, 1) if "as_of: 2022" == line.strip())
    problems = assert_fails_cleanly(project, "check")
    where = f"{FACTS}/exchange-rates.yaml"
    assert len(problems) == 2, problems  # the June 2023 rate overlaps nothing
    # Each problem is at one rate's date and names the other's: 2022-01-20 and 2022-01 both
    # fall in 2022.
    pairs = {frozenset((int(m.group(1)), int(m.group(2)))) for m in
             (re.match(rf"{where}:(\d+): exchange_rates\[\d\]: this \w+/\w+ rate as of [\d-]+ overlaps the"
                       rf" \w+/\w+ rate as of [\d-]+ \({where}:(\d+)\); money\(\) could take either", p)
              for p in problems) if m}
    assert pairs == {frozenset((january, year)), frozenset((first, year))}, problems
    rates.write_text(shipped.replace("    as_of: 2022-01\n", "", 1), encoding="utf-8")
    problems = assert_fails_cleanly(project, "check")
    rate_line = next(n for n, line in enumerate(shipped.splitlines(), 1) if line.strip() == "- base: USD")
    assert f"{where}:{rate_line}: exchange_rates[0]: missing required field 'as_of'" in problems, problems


# Slips a desk officer makes, each said in the user's words at its line (issue 26).
PLAIN = [
    pytest.param(f"{FACTS}/history.yaml", "    date: 1952-04-28", "    date: 28 April 1952", "date: 28 April 1952",
                 "history.establishment.date: write the date as 1952-04-28 (in numbers, the year first),"
                 " not '28 April 1952'", id="a-date-in-prose"),
    pytest.param(f"{FACTS}/visits.yaml", "    date: 2019-04\n", "    date: April 2019\n", "date: April 2019",
                 "visits[0].date: write the date as 2019-04 (in numbers, the year first), not 'April 2019'",
                 id="a-month-in-prose"),
    pytest.param(f"{FACTS}/people.yaml", "    as_of: 2022\n\n  cultural_exchanges", "      as_of: 2022\n\n"
                 "  cultural_exchanges", "      as_of: 2022",
                 "people.diaspora: is `as_of` indented too far? Here it is read as a source under `sources:`;"
                 " line it up with `sources:`", id="as-of-indented-among-the-passages"),
    pytest.param(f"{FACTS}/visits.yaml", "    host: {name: Taro Kono, office: Foreign Minister of Japan, country: JP}\n"
                 "    to: JP\n", "    host:\n      name: Taro Kono\n      office: Foreign Minister of Japan\n"
                 "      country: JP\n      to: JP\n", "      to: JP",
                 "visits[0].host: is `to` indented too far? Here it is read as part of `host`; line it up"
                 " with `host:`", id="a-field-indented-into-the-one-above"),
    pytest.param(f"{FACTS}/people.yaml", "    size: 19000", "    size: 19,000", "size: 19,000",
                 "people.diaspora.size: write a whole number in digits, without commas or words: 19000,"
                 " not '19,000'", id="a-number-with-commas"),
    pytest.param(f"{FACTS}/economy.yaml", "      rank: 4\n", "      rank: 4th\n", "rank: 4th",
                 "economy.trade.partner_rank.rank: write a whole number in digits, without commas or words: 4,"
                 " not '4th'", id="an-ordinal-for-a-rank"),
    pytest.param(f"{FACTS}/development.yaml", "amount: 3_620_000", "amount: 3.62 million", "3.62 million",
                 "development.grants[0].value.amount: write a number in digits, without commas or words:"
                 " 3_620_000, not '3.62 million'", id="an-amount-in-words"),
    pytest.param(f"{FACTS}/visits.yaml", "    to: JP\n", "    to: jp\n", "to: jp",
                 "visits[0].to: write 'JP', not 'jp' (a country is its two-letter ISO 3166 code, in capitals)",
                 id="a-country-code-in-lower-case"),
    pytest.param(f"{FACTS}/mechanisms.yaml", "  - id: bpc", "  - id: BPC 1", "id: BPC 1",
                 "mechanisms[0].id: write 'bpc-1', not 'BPC 1' (ids and names of this kind are lower-case"
                 " letters, digits and hyphens)",
                 id="an-id-with-capitals-and-a-space"),
    pytest.param(f"{FACTS}/relations.yaml", "      marking: RESTRICTED", "      marking: restricted", "restricted",
                 "relations.multilateral[0].marking: write 'RESTRICTED', not 'restricted' (a marking is written"
                 " in capitals)", id="a-marking-in-lower-case"),
    pytest.param(f"{FACTS}/sources.yaml", "    kind: official", "    kind: offical", "kind: offical",
                 "sources[0].kind: 'offical' is not one of official, press, analysis; did you mean 'official'?",
                 id="a-misspelt-choice"),
]


@pytest.mark.parametrize("name, old, new, needle, message", PLAIN)
def test_slips_are_said_in_plain_words_at_their_line(project, name, old, new, needle, message):
    edit(project, name, old, new)
    problems = assert_fails_cleanly(project, "check")
    assert problems == [f"{name}:{line_of(project, name, needle)}: {message}"]


def test_an_unknown_currency_and_a_visit_ending_before_it_begins_are_located(project):
    edit(project, f"{FACTS}/development.yaml", "currency: JPY, as_of: 2022-01}", "currency: XYZ, as_of: 2022-01}")
    edit(project, f"{FACTS}/visits.yaml", "    end_date: 2019-10-24\n", "    end_date: 2019-10-01\n")
    problems = assert_fails_cleanly(project, "check")
    currency = line_of(project, f"{FACTS}/development.yaml", "currency: XYZ")
    assert (f"{FACTS}/development.yaml:{currency}: development.cumulative.value.currency: 'XYZ' is not an"
            " ISO 4217 currency code; write the three-letter code, e.g. USD, EUR, JPY or PKR") in problems
    end = line_of(project, f"{FACTS}/visits.yaml", "end_date: 2019-10-01")
    assert (f"{FACTS}/visits.yaml:{end}: visits[1].end_date: 2019-10-01 is before the visit's date 2019-10-20;"
            " a visit ends on or after the day it begins (are the two dates the wrong way round?)") in problems


def test_a_type_error_in_one_file_does_not_hide_the_cross_file_checks_of_the_others(project):
    """Duplicate ids, undefined markings and dates after the edition are checked across files:
    a wrong type in another file no longer holds them back until it is fixed."""
    edit(project, f"{FACTS}/people.yaml", "    size: 19000", "    size: many")
    edit(project, f"{FACTS}/mechanisms.yaml", "  - id: hlepd", "  - id: bpc")
    edit(project, f"{FACTS}/relations.yaml", "      marking: RESTRICTED", "      marking: SECRET")
    edit(project, f"{FACTS}/exchange-rates.yaml", "as_of: 2022-01", "as_of: 2031-01")
    problems = assert_fails_cleanly(project, "check")
    messages = [p.split(": ", 1)[1] for p in problems]
    assert "people.diaspora.size: not a whole number: 'many'; write it in digits, without commas or words" \
        " (e.g. 19000, or 19_000 to group the digits)" in messages, problems
    first = line_of(project, f"{FACTS}/mechanisms.yaml", "- id: bpc")
    assert f"duplicate id 'bpc' (first at {FACTS}/mechanisms.yaml:{first})" in messages
    assert any("'SECRET' is not one of the markings defined in metadata.markings" in m for m in messages), problems
    assert any(m.endswith("2031-01 is after the edition date 2023-10-02") for m in messages), problems


def test_a_file_named_almost_like_a_fact_file_is_a_located_warning(project):
    shutil.copy(project / FACTS / "economy.yaml", project / FACTS / "economy.yaml.txt")
    (project / FACTS / "visits.yaml").rename(project / FACTS / "visits.YAML")
    result = run_briefs(project, "check")
    assert result.code == 0, result.stderr
    assert (f"{FACTS}/economy.yaml.txt: warning: 'economy.yaml.txt' is not read as a fact file (only names"
            " ending in .yaml or .yml are); rename it 'economy.yaml' if it holds facts") in result.stderr
    assert f"{FACTS}/visits.YAML: warning: 'visits.YAML' is not read as a fact file" in result.stderr
    assert "rename it 'visits.yaml'" in result.stderr
    strict = run_briefs(project, "check", "--strict")
    assert strict.code == 1 and "visits.YAML" in strict.stderr
