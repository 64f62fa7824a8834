"""Fixtures: copies of the project (facts + templates) in a temp folder, and a way to run
the real `briefs` command in them."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def edition_date():
    """The shipped example's edition date, as its metadata gives it."""
    import datetime as dt
    import re

    text = (ROOT / "facts/pakistan-japan/metadata.yaml").read_text(encoding="utf-8")
    return dt.date.fromisoformat(re.search(r"edition:\s*\n\s*date: (\S+)", text).group(1))


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


# Run briefs with every output write held just before its rename, so that the test can
# kill the build in the middle of writing a file, not merely at some moment of the build.
PAUSED_WRITER = """
import os, runpy, sys, time
marker = sys.argv.pop(1)
fsync = os.fsync
def held(fd):
    fsync(fd)
    open(marker, "w").close()
    time.sleep(60)
os.fsync = held
sys.argv[0] = "briefs"
runpy.run_module("briefs", run_name="__main__")
"""


def run_briefs(cwd: Path, *args: str, timeout: float = 300) -> Result:
    """Run `python -m briefs ARGS` in ``cwd`` as a user would, capturing its output."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    completed = subprocess.run(
        [sys.executable, "-m", "briefs", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


def planned(project: Path, *args: str) -> list[str]:
    """The outputs `briefs list` says a build with these options writes (index.html aside):
    counts in tests come from the plan, not from numbers written into the test."""
    result = run_briefs(project, "list", *args)
    assert result.code == 0, result.stderr
    return [line for line in result.stdout.split() if not line.endswith("index.html")]


def copy_project(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "facts", target / "facts")
    shutil.copytree(ROOT / "templates", target / "templates")
    return target


def drop_passages(text: str, after: str) -> str:
    """The fact file ``text`` with the first `sources:` mapping at or after ``after`` cut down
    to a list of ids: that fact is then unverified (a warning), so a test may change what
    it says without quoting a document."""
    import re

    start = text.index(after)
    block = re.compile(r"^( *)sources:\n((?:\1  .*\n|\s*\n)+)", re.M)
    match = block.search(text, start)
    assert match, f"no sources mapping after {after!r}"
    indent = match.group(1)
    ids = re.findall(rf"^{indent}  ([a-z0-9][a-z0-9-]*):", match.group(2), re.M)
    return text[:match.start()] + f"{indent}sources: [{', '.join(ids)}]\n" + text[match.end():]


def without_passages(path: Path, after: str) -> None:
    """:func:`drop_passages` on a file."""
    path.write_text(drop_passages(path.read_text(encoding="utf-8"), after), encoding="utf-8")


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its SHA-256: compare before and after a failed build."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """A copy of the project with every brief built once (shared: building takes seconds)."""
    project = copy_project(tmp_path_factory.mktemp("built"))
    result = run_briefs(project, "build", "--quiet")
    assert result.code == 0, result.stderr
    return project


@pytest.fixture
def project(tmp_path, built) -> Path:
    """A fresh copy of the project whose build/ already holds good outputs."""
    copy = copy_project(tmp_path / "project")
    copy_build(built, copy)
    return copy


def copy_build(source: Path, target: Path) -> None:
    """The outputs of project ``source`` and the desk's record of them (.briefs/), into ``target``."""
    shutil.copytree(source / "build", target / "build")
    if (source / ".briefs").is_dir():
        shutil.copytree(source / ".briefs", target / ".briefs")
