"""Property-based: generated fact bases, valid and broken, never crash the build.

Each example mutates the real fact base (a value replaced by generated or hostile
text, a line dropped, duplicated or mis-indented, a stray character) and builds
it in-process. The build must either succeed, with the new text in the brief, or
fail with exit 1 and only located messages; never a traceback, never a hang,
never a changed byte in the existing good build/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefs.cli import cli
from conftest import ROOT, tree_digest
from readback import html_text

EXAMPLES = int(os.environ.get("BRIEFS_FUZZ_EXAMPLES", "500"))
HOSTILE = ["{{ 7*7 }}", "{% include 'x' %}", "<script>alert(1)</script>", "</p><h1>x</h1>",
           "<img src=file:///etc/passwd>", "&amp;", "\u202e", "日本語", "پاکستان", "'", '"', "\\", "*", "---",
           "- - -", "{", "[", "&anchor", "*alias", "!!str", "%YAML", "@", "`", "|", ">", "#"]
LOCATED = re.compile(r"^(facts|templates)/[^:]+(:\d+)?: ")

text_values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.text(st.sampled_from("abc XYZ 019-_.,"), min_size=1, max_size=20),
)


@st.composite
def mutations(draw):
    files = sorted(p.name for p in (ROOT / "facts/pakistan-japan").glob("*.yaml"))
    name = draw(st.sampled_from(files))
    lines = (ROOT / "facts/pakistan-japan" / name).read_text(encoding="utf-8").splitlines()
    index = draw(st.integers(0, len(lines) - 1))
    kind = draw(st.sampled_from(["value", "value", "value", "drop", "duplicate", "indent", "insert"]))
    value = draw(text_values)
    return name, index, kind, value


def apply(lines: list[str], index: int, kind: str, value: str) -> tuple[list[str], str | None]:
    """Mutate; return the new lines and the plain text put into a `text:` field, if any."""
    line = lines[index]
    placed = None
    if kind == "value" and ":" in line and not line.lstrip().startswith("#"):
        key = line.split(":", 1)[0]
        lines[index] = f"{key}: {json.dumps(value)}"
        if key.strip() == "text" and re.fullmatch(r"[A-Za-z0-9 ]*[A-Za-z0-9][A-Za-z0-9 ]*", value):
            placed = " ".join(value.split())
    elif kind == "drop":
        del lines[index]
    elif kind == "duplicate":
        lines.insert(index, line)
    elif kind == "indent":
        lines[index] = " " + line
    elif kind == "insert":
        lines.insert(index, value)
    return lines, placed


@pytest.fixture(scope="module")
def good_build(tmp_path_factory):
    project = tmp_path_factory.mktemp("fuzz-base")
    shutil.copytree(ROOT / "facts", project / "facts")
    shutil.copytree(ROOT / "templates", project / "templates")
    runner = CliRunner()
    cwd = os.getcwd()
    os.chdir(project)
    try:
        result = runner.invoke(cli, ["build", "-q", "-j", "1", "--format", "html",
                                     "--only", "pakistan-japan/country-brief"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return project


class _Timeout(Exception):
    pass


def _alarm(_signum, _frame):
    raise _Timeout()


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(mutation=mutations())
def test_generated_fact_bases_never_crash(good_build, mutation):
    name, index, kind, value = mutation
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch)
        shutil.copytree(good_build, project, dirs_exist_ok=True)
        path = project / "facts/pakistan-japan" / name
        lines, placed = apply(path.read_text(encoding="utf-8").splitlines(), index, kind, value)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        before = tree_digest(project / "build")
        cwd = os.getcwd()
        os.chdir(project)
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(30)
        try:
            result = CliRunner().invoke(cli, ["build", "-q", "-j", "1", "--format", "html",
                                              "--only", "pakistan-japan/country-brief"])
        except _Timeout:
            pytest.fail(f"build hung on {mutation}")
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
            os.chdir(cwd)
        output = result.output + (result.stderr if result.stderr_bytes is not None else "")
        assert result.exception is None or isinstance(result.exception, SystemExit), (mutation, result.exception)
        assert "Traceback" not in output
        assert result.exit_code in (0, 1), (mutation, output)
        if result.exit_code == 1:
            for line in result.stderr.splitlines():
                if line.startswith("briefs: ") or ": warning: " in line or ": note: " in line:
                    continue
                assert LOCATED.match(line), (mutation, line)
            assert tree_digest(project / "build") == before, mutation
        elif placed:
            assert placed in html_text(project / "build/pakistan-japan/country-brief.html"), mutation
