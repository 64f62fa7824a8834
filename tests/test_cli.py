"""The command line: help with examples, listing, usage errors, writing nothing on check."""

from __future__ import annotations

import re

import pytest

from briefs.writers import default_formats
from conftest import run_briefs, tree_digest

COMMANDS = ["build", "check", "list", "audit", "diff", "schema", "new", "serve", "dist"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(tmp_path, command):
    result = run_briefs(tmp_path, command, "--help")
    assert result.code == 0
    assert "Example:" in result.stdout
    assert f"briefs {command}" in result.stdout


def test_list_names_every_output(project):
    result = run_briefs(project, "list")
    assert result.code == 0
    lines = result.stdout.split()
    assert "build/pakistan-japan/country-brief.pdf" in lines
    assert "build/index.html" in lines
    kinds = sorted(p.name[: -len(".html.j2")] for p in (project / "templates").glob("[!_]*.html.j2"))
    assert len(kinds) >= 4
    # Every kind in every format built by default, and the index.
    assert len(lines) == len(kinds) * len(default_formats()) + 1


def test_list_only_one_brief_in_one_format(project):
    result = run_briefs(project, "list", "--only", "pakistan-japan/overview", "--format", "pdf")
    assert result.stdout.split() == ["build/pakistan-japan/overview.pdf", "build/index.html"]


@pytest.mark.parametrize(
    "args, says",
    [
        (["build", "--only", "narnia-japan"], "no relationship named narnia-japan"),
        (["build", "--only", "pakistan-japan/memoir"], "no brief kind memoir"),
        (["build", "--only", "pakistan-japn"], "(have: pakistan-japan); did you mean 'pakistan-japan'?"),
        (["build", "--only", "pakistan-japan/overveiw"], "no brief kind overveiw (kinds are: country-brief,"
                                                         " economic-ties, institutional-mechanisms, overview);"
                                                         " did you mean 'overview'?"),
        (["build", "--release", "public"], "unknown release level 'public'; the markings are: PUBLIC, OFFICIAL,"
                                           " RESTRICTED, CONFIDENTIAL; did you mean 'PUBLIC'?"),
        (["build", "--format", "rtf"], "unknown format 'rtf'"),
        (["build", "--no-such-option"], "No such option"),
        (["frobnicate"], "No such command"),
    ],
)
def test_wrong_usage_exits_2_and_changes_nothing(project, args, says):
    before = tree_digest(project / "build")
    result = run_briefs(project, *args)
    assert result.code == 2, result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(project / "build") == before


def test_check_passes_on_the_fact_base_and_writes_nothing(project):
    before = tree_digest(project)
    result = run_briefs(project, "check")
    assert result.code == 0, result.stderr
    assert re.search(r"ok: 1 relationship\(s\), 4 brief\(s\), \d+ warning\(s\)", result.stdout)
    assert tree_digest(project) == before


def test_check_strict_is_clean_for_the_shipped_edition(project):
    """The shipped example is dated when its facts were current: no warnings, strict passes."""
    result = run_briefs(project, "check", "--strict")
    assert result.code == 0, result.stderr
    assert "0 warning(s)" in result.stdout


def test_build_of_one_brief_leaves_the_others_alone(project):
    overview = project / "build" / "pakistan-japan" / "overview.pdf"
    overview.unlink()
    economic = (project / "build" / "pakistan-japan" / "economic-ties.pdf").read_bytes()
    result = run_briefs(project, "build", "--only", "pakistan-japan/overview", "--format", "pdf")
    assert result.code == 0, result.stderr
    assert overview.read_bytes().startswith(b"%PDF")
    assert (project / "build" / "pakistan-japan" / "economic-ties.pdf").read_bytes() == economic


def test_index_keeps_listing_briefs_built_earlier(project):
    result = run_briefs(project, "build", "--only", "pakistan-japan/overview", "--format", "html")
    assert result.code == 0, result.stderr
    index = (project / "build" / "index.html").read_text(encoding="utf-8")
    assert "pakistan-japan/country-brief.pdf" in index
    assert "Country Brief: Pakistan–Japan Relations" in index
