"""Property-based: generated fact bases, valid and broken, never crash the build.

Each example changes the real fact base, either in its structure (a value nested
tens of levels deep, replaced by a value of another type, shared through an alias
or made to contain itself, a key renamed, dropped or duplicated, an alias bomb) or
in its text (a value replaced by generated or hostile text, a line dropped,
duplicated or mis-indented, a stray character), and builds it in a forked child
(see ``isolated.py``). The build must either succeed, with the new text in the
brief, or fail with exit 1 and only located messages; never a traceback, a signal
or a hang, never a changed byte in the existing good build/.

``BRIEFS_FUZZ_EXAMPLES`` sets the number of examples (default 100, about half a minute).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, tree_digest
from isolated import preload, run_isolated
from readback import html_text

# The whole corpus runs in `make test-all`; the everyday suite keeps test_bad_input and
# test_hostile, which cover each kind of problem once.
pytestmark = pytest.mark.exhaustive

EXAMPLES = int(os.environ.get("BRIEFS_FUZZ_EXAMPLES", "100"))
FACTS = ROOT / "facts/pakistan-japan"
FILES = sorted(p.name for p in FACTS.glob("*.yaml"))
HOSTILE = ["{{ 7*7 }}", "{% include 'x' %}", "<script>alert(1)</script>", "</p><h1>x</h1>",
           "<img src=file:///etc/passwd>", "&amp;", "\u202e", "日本語", "پاکستان", "'", '"', "\\", "*", "---",
           "- - -", "{", "[", "&anchor", "*alias", "!!str", "%YAML", "@", "`", "|", ">", "#",
           "\x07", "\ufdd0", "\U0001fffe", "\x85", "\u2028", "[a](https://x.org/*b*)", "*[a](https://x.org/)*"]
LOCATED = re.compile(r"^(facts|templates)(/[^:]*)?(:\d+)?: ")
ARGS = ("build", "-q", "-j", "1", "--format", "html", "--only", "pakistan-japan/country-brief")

text_values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.text(st.sampled_from("abc XYZ 019-_.,"), min_size=1, max_size=20),
)
# Values of every type YAML can carry, including ones at the edge of what a fact base may hold.
scalars = st.one_of(
    text_values,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -1, 10**100, 2**63]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.sampled_from(["yes", "NO", "on", "~", "1952-04-28", "2023-13", "0x1F", "1e999", ".nan"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["id", "text", "sources", "x", "date"]),
                                                 inner, max_size=3)), max_leaves=6)


# --- structure ---------------------------------------------------------------------------


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    """Every path to a value inside a file's data (the root excluded)."""
    found = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, path + (index,))
    return found


def _get(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


def _set(data: Any, path: tuple, value: Any) -> None:
    _get(data, path[:-1])[path[-1]] = value


def _misspell(key: str, draw) -> Any:
    kind = draw(st.sampled_from(["drop", "double", "swap", "case", "other", "number"]))
    if not key:
        return "x"
    i = draw(st.integers(0, len(key) - 1))
    if kind == "drop":
        return key[:i] + key[i + 1:] or "x"
    if kind == "double":
        return key[:i] + key[i] + key[i:]
    if kind == "swap" and len(key) > 1:
        i = min(i, len(key) - 2)
        return key[:i] + key[i + 1] + key[i] + key[i + 2:]
    if kind == "case":
        return key.upper()
    if kind == "number":
        return draw(st.integers(0, 3))
    return draw(st.sampled_from(["colour", "sourcse", "txt", "as-of", "<<", "ID", ""]))


def _bomb(levels: int) -> list:
    value: Any = ["lol"] * 10
    for _ in range(levels):
        value = [value] * 10  # the same list ten times: dumped as one anchor and nine aliases
    return value


@st.composite
def structural(draw):
    """(file name, new YAML text, None): the file's data changed in its structure."""
    name = draw(st.sampled_from(FILES))
    data = yaml.safe_load((FACTS / name).read_text(encoding="utf-8"))
    paths = _paths(data)
    path = draw(st.sampled_from(paths))
    kind = draw(st.sampled_from(["nest", "retype", "rename", "drop", "duplicate", "alias", "cycle", "bomb",
                                 "swap"]))
    target = _get(data, path)
    if kind == "nest":
        depth = draw(st.sampled_from([1, 2, 5, 20, 49, 50, 51, 80, 300]))
        wrapped = target
        for _ in range(depth):
            wrapped = [wrapped] if draw(st.booleans()) else {"k": wrapped}
        _set(data, path, wrapped)
    elif kind == "retype":
        _set(data, path, draw(values))
    elif kind == "rename" and isinstance(path[-1], str):
        parent = _get(data, path[:-1])
        parent[_misspell(path[-1], draw)] = parent.pop(path[-1])
    elif kind == "drop":
        parent = _get(data, path[:-1])
        del parent[path[-1]]
    elif kind == "duplicate" and isinstance(path[-1], int):
        _get(data, path[:-1]).insert(path[-1], copy.deepcopy(target))
    elif kind == "alias":
        # Another value becomes the very same object: dumped as an anchor and an alias.
        other = draw(st.sampled_from(paths))
        if other != path and other[: len(path)] != path and path[: len(other)] != other:
            _set(data, other, target)
    elif kind == "cycle" and isinstance(target, (list, dict)):
        if isinstance(target, list):
            target.append(target)
        else:
            target["self"] = target
    elif kind == "bomb":
        _set(data, path, _bomb(draw(st.integers(1, 8))))
    elif kind == "swap":
        other = draw(st.sampled_from(paths))
        if other[: len(path)] != path and path[: len(other)] != other:
            a, b = _get(data, path), _get(data, other)
            _set(data, path, b)
            _set(data, other, a)
    try:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**6)
    except (yaml.YAMLError, RecursionError, ValueError):
        text = (FACTS / name).read_text(encoding="utf-8")
    return name, text, None


# --- text --------------------------------------------------------------------------------


@st.composite
def textual(draw):
    """(file name, new YAML text, plain text placed in a `text:` field or None)."""
    name = draw(st.sampled_from(FILES))
    lines = (FACTS / name).read_text(encoding="utf-8").splitlines()
    index = draw(st.integers(0, len(lines) - 1))
    kind = draw(st.sampled_from(["value", "value", "value", "drop", "duplicate", "indent", "insert"]))
    value = draw(text_values)
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
    newline = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    return name, newline.join(lines) + newline, placed


@pytest.fixture(scope="module")
def good_build(tmp_path_factory):
    preload()
    project = tmp_path_factory.mktemp("fuzz-base")
    shutil.copytree(ROOT / "facts", project / "facts")
    shutil.copytree(ROOT / "templates", project / "templates")
    result = run_isolated(project, *ARGS, timeout=120)
    assert result.code == 0, result.describe()
    return project


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(mutation=st.one_of(structural(), textual()))
def test_generated_fact_bases_never_crash(good_build, mutation):
    name, text, placed = mutation
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch)
        shutil.copytree(good_build, project, dirs_exist_ok=True)
        (project / "facts/pakistan-japan" / name).write_bytes(text.encode("utf-8", "surrogatepass"))
        before = tree_digest(project / "build")
        result = run_isolated(project, *ARGS, timeout=30)
        report = f"{name}:\n{text[:2000]}\n{result.describe()}"
        assert not result.timed_out and result.signal is None, report
        assert "Traceback" not in result.output and "internal error" not in result.output, report
        assert result.code in (0, 1), report
        assert result.peak_bytes < 2**30, report
        if result.code == 1:
            for line in result.stderr.splitlines():
                if line.startswith("briefs: ") or ": warning: " in line or ": note: " in line:
                    continue
                assert LOCATED.match(line), f"not located: {line!r}\n{report}"
            assert tree_digest(project / "build") == before, report
        elif placed:
            assert placed in html_text(project / "build/pakistan-japan/country-brief.html"), report
