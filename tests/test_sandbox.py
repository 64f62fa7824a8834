"""Templates run in Jinja's immutable sandbox with a time limit and a text budget: a desk's
override template can neither run a command nor change the facts, and a runaway one ends
in an error at its own line, in seconds and without eating the machine's memory."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import briefs.sandbox
from conftest import copy_project, tree_digest
from isolated import preload, run_isolated

OVERRIDE = "office/overview.html.j2"
CHECK = ("check", "--templates", "office", "--only", "pakistan-japan/overview")
MEMORY_LIMIT = 600 * 2**20


ESCAPES = [
    '{{ lipsum.__globals__["os"].popen("touch PWNED").read() }}',
    '{{ cycler.__init__.__globals__.os.popen("touch PWNED").read() }}',
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    '{{ cite.__globals__["__builtins__"]["open"]("PWNED", "w") }}',
    '{{ facts.__class__ }}',
    '{{ "{0.__class__.__mro__}".format(facts) }}',
    "{{ countries.clear() }}",
    "{{ countries.update({}) }}",
]

RUNAWAYS = [
    ("{% for i in range(10**12) %}x{% endfor %}", "MAX_RANGE"),
    # One letter at a time: the time limit (lowered here) or the text budget, whichever comes first.
    ("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
     "took longer than 5 seconds|characters of text"),
    ('{{ "x" * 10**10 }}', "characters of text"),
    ('{% set ns = namespace(s="x") %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}',
     "characters of text"),
    ('{% macro twice(s, n) %}{% if n %}{{ twice(s ~ s, n - 1) }}{% endif %}{% endmacro %}{{ twice("x", 64) }}',
     "characters of text"),
    ('{% macro many() %}{% for i in range(100000) %}xxxxxxxxxx{% endfor %}{% endmacro %}'
     "{% for i in range(100000) %}{{ many()|length }}{% endfor %}", "took longer than 5 seconds|characters of text"),
    ('{% set a = ["x" * 100000] * 100 %}{% set b = [a, a, a, a, a, a, a, a, a, a] %}'
     "{% set c = [b, b, b, b, b, b, b, b, b, b] %}{{ c|string|length }}", "characters of text"),
    ('{{ ("x" * 1000)|replace("x", "y" * 100000) }}', "characters of text"),
    ('{{ "x".ljust(10**9) }}', "wider than"),
    ('{{ "%0999999999d" % 1 }}', "wider than"),
    ('{{ "{:>999999999}".format(1) }}', "wider than"),
    ('{{ "ab"|center(10**9) }}', "wider than"),
    ("{{ [1]|batch(10**9, 0)|list }}", "more than"),
    ("{{ 2 ** (2 ** 40) }}", "a number in the template would exceed"),
    ('{% set ns = namespace(n=10**4000) %}{% for i in range(40) %}{% set ns.n = ns.n * ns.n %}{% endfor %}',
     "a number in the template would exceed"),
    (r"{{ lipsum(10**7) }}", r"lipsum\(\) gives at most"),
    ("{% macro again() %}{{ again() }}{% endmacro %}{{ again() }}", "RecursionError"),
]


@pytest.fixture(scope="module", autouse=True)
def _preloaded():
    preload()


@pytest.fixture
def office(tmp_path) -> Path:
    """A copy of the project with an empty folder of the desk's own templates."""
    project = copy_project(tmp_path / "project")
    (project / "office").mkdir()
    return project


def _override(project: Path, body: str) -> None:
    """The shipped overview, extended by a desk whose template has ``body`` on line 3."""
    (project / OVERRIDE).write_text(
        '{% extends "!default/overview.html.j2" %}\n{% block before_content %}\n'
        f"{body}\n{{% endblock %}}\n", encoding="utf-8")


@pytest.mark.parametrize("body", ESCAPES[:2])
def test_a_template_cannot_reach_python(office, body):
    refused(office, body)


@pytest.mark.parametrize("body, says", RUNAWAYS[:4])
def test_a_runaway_template_is_stopped_at_its_line(office, body, says, monkeypatch):
    stopped(office, body, says, monkeypatch)


def refused(office: Path, body: str) -> None:
    """``body`` in a desk's template reaches nothing: an error at its line, nothing run or written."""
    _override(office, body)
    (office / "build").mkdir()
    (office / "build/keep.txt").write_text("kept")
    before = tree_digest(office / "build")
    result = run_isolated(office, *CHECK)
    assert result.code == 1, result.describe()
    assert f"{OVERRIDE}:3: " in result.stderr, result.describe()
    assert "Traceback" not in result.output
    assert not (office / "PWNED").exists()
    assert tree_digest(office / "build") == before


def stopped(office: Path, body: str, says: str, monkeypatch) -> None:
    """``body`` in a desk's template is stopped at its line, in seconds and in bounded memory."""
    monkeypatch.setattr(briefs.sandbox, "RENDER_SECONDS", 5.0)  # inherited by the forked run
    _override(office, body)
    result = run_isolated(office, *CHECK, timeout=60)
    assert result.code == 1, result.describe()
    assert f"{OVERRIDE}:3: " in result.stderr and re.search(says, result.stderr), result.describe()
    assert "Traceback" not in result.output
    assert result.seconds < 20 and result.peak_bytes < MEMORY_LIMIT, result.describe()


def test_the_time_limit_stops_a_loop_that_prints_nothing(office, monkeypatch):
    # 10^10 empty iterations: no text, no call, only time. The limit is lowered for the test
    # (the forked run inherits it); the real one is RENDER_SECONDS.
    monkeypatch.setattr(briefs.sandbox, "RENDER_SECONDS", 2.0)
    _override(office, "{% for i in range(100000) %}\n{% for j in range(100000) %}{% endfor %}{% endfor %}")
    result = run_isolated(office, *CHECK, timeout=60)
    assert result.code == 1, result.describe()
    assert "took longer than 2 seconds" in result.stderr, result.describe()
    assert f"{OVERRIDE}:4: " in result.stderr, result.describe()
    assert "Traceback" not in result.output
    assert result.seconds < 15, result.describe()


def test_documented_filters_and_jinja_features_still_work(office):
    _override(office, """<p id="probe">{{ "ab"|center(6) }}|{{ "a\\nb"|indent(2) }}|{{ "a-b"|replace("-", "+") }}|\
{{ ["x", "y"]|join(", ") }}|{{ "%05.1f"|format(2.5) }}|{{ [1, 2, 3]|batch(2)|list|length }}|\
{{ "{:>4}".format(7) }}|{{ "x" * 3 }}|{{ [1] * 2 }}|{{ 2 ** 10 }}|{{ "a" ~ "b" }}|\
{% set ns = namespace(n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}|\
{{ 1234567|number }}|{{ 3|ordinal }}|{{ 4|words }}|{{ "*x*"|markup }}|{{ ["a", "b", "c"]|join_and }}|\
{{ lipsum(1, false, 5, 6)|wordcount }}</p>""")
    result = run_isolated(office, "build", "--templates", "office", "--only", "pakistan-japan/overview",
                          "--format", "html", timeout=120)
    assert result.code == 0, result.describe()
    html = (office / "build/pakistan-japan/overview.html").read_text(encoding="utf-8")
    probe = html[html.index('<p id="probe">') + len('<p id="probe">'):]
    probe = probe[:probe.index("</p>")]
    assert probe == ("  ab  |a\n  b|a+b|x, y|002.5|2|   7|xxx|[1, 1]|1024|ab|3|1,234,567|3rd|four|"
                     "<em>x</em>|a, b and c|5")
