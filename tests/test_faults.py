"""Faults of the machine and of the output folder, in plain words: briefs writes and deletes
only in a folder of its own and only what it wrote there; a full disk, a read-only folder,
a path below a file, an unreadable folder or a damaged build record is a located message
saying what to do, with the outputs left as they were and no traceback.

Faults a test cannot cause for real (a full disk; permissions, which root ignores) are
injected into a real `briefs` process by a wrapper that makes one system call fail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, copy_project, edition_date, planned, run_briefs, tree_digest

OUT = Path("build/pakistan-japan")

# Run briefs with one system call failing with an errno for paths containing a fragment:
#   python faulty.py CALL ERRNO FRAGMENT briefs ARGS...
_FAULTY = """
import errno, os, runpy, sys
call, code, fragment = sys.argv.pop(1), getattr(errno, sys.argv.pop(1)), sys.argv.pop(1)
original = getattr(os, call)
def failing(*args, **kwargs):
    target = args[0]
    name = os.readlink(f"/proc/self/fd/{target}") if isinstance(target, int) else os.fspath(target)
    wants_create = call != "open" or (len(args) > 1 and args[1] & os.O_CREAT)
    if fragment in str(name) and wants_create:
        raise OSError(code, os.strerror(code), str(name))
    return original(*args, **kwargs)
setattr(os, call, failing)
sys.argv[0] = "briefs"
runpy.run_module("briefs", run_name="__main__")
"""


def run_faulty(project: Path, call: str, code: str, fragment: str, *args: str):
    script = project.parent / "faulty.py"
    script.write_text(_FAULTY, encoding="utf-8")
    completed = subprocess.run([sys.executable, str(script), call, code, fragment, *args], cwd=project,
                               env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True,
                               timeout=300)
    return completed.returncode, completed.stderr


def plain(stderr: str) -> bool:
    return "Traceback" not in stderr and "internal error" not in stderr


# --- where outputs may go ------------------------------------------------------------------


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A home folder of the test's own, holding a file to lose."""
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work")
    monkeypatch.setenv("HOME", str(folder))
    return folder


REFUSED_OUT = [
    ("~", "is your home folder"),
    ("/", "is the file system root"),
    (".", "is the project folder"),
    ("..", "holds the project folder"),
    (".git", "is the .git folder"),
    (".git/build", "is inside a .git folder"),
    (".briefs", "would mix with the desk's state (.briefs/)"),
    ("facts", "would mix with the input facts"),
    ("facts/pakistan-japan/build", "would mix with the input facts"),
    ("templates/build", "would mix with the input templates"),
    (str(ROOT / "briefs"), "would mix with briefs' own program files"),
    (str(ROOT / "briefs/build"), "would mix with briefs' own program files"),
    ("notes.txt", "is a file"),
    ("notes.txt/build", "would lie below notes.txt, which is a file"),
]


@pytest.mark.parametrize("out, says", REFUSED_OUT)
def test_an_output_folder_that_is_or_holds_something_of_value_is_refused(tmp_path, home, monkeypatch, out, says):
    from briefs.errors import BriefsError
    from briefs.layout import Layout
    from briefs.settings import check_out_dir

    project = copy_project(tmp_path / "p")
    (project / ".git").mkdir()
    (project / "notes.txt").write_text("keep")
    (project / "briefs.yaml").write_text(f"formats: [html]\nout: '{out}'\n")
    monkeypatch.chdir(project)
    layout = Layout.of(project, out=out)
    for flag, code, where in ((None, 1, "briefs.yaml:2: "), ("--out", 2, "--out: ")):
        with pytest.raises(BriefsError) as refused:
            check_out_dir(layout, flag)
        assert refused.value.exit_code == code
        assert str(refused.value).startswith(f"{where}the output folder ") and f" {says}; " in str(refused.value)


@pytest.mark.parametrize("given", ["settings", "flag"])
def test_clean_of_the_home_folder_is_refused_and_deletes_nothing(tmp_path, home, given):
    project = copy_project(tmp_path / "p")
    before = tree_digest(tmp_path)
    if given == "settings":
        (project / "briefs.yaml").write_text("out: '~'\n")
        result = run_briefs(project, "clean")
        assert result.code == 1 and "briefs.yaml:1: the output folder" in result.stderr
    else:
        result = run_briefs(project, "clean", "--out", str(home))
        assert result.code == 2 and "--out: the output folder" in result.stderr
    assert "is your home folder" in result.stderr and plain(result.stderr)
    (project / "briefs.yaml").unlink(missing_ok=True)
    assert tree_digest(tmp_path) == before


def test_build_inside_the_project_stays_the_default_and_audit_marks_it_too(tmp_path):
    project = copy_project(tmp_path / "p")
    assert run_briefs(project, "audit").code == 0  # the first to write into build/
    assert run_briefs(project, "build", "--format", "html", "-q").code == 0
    assert (project / "build/.briefs-output").is_file()


# --- deleting only what briefs wrote --------------------------------------------------------


def test_clean_and_build_keep_files_briefs_did_not_write(project):
    """An editor's swap file (hidden, ending in .tmp) and a note left in build/ survive both
    the build's sweep of temporaries and `briefs clean`; what briefs wrote is gone."""
    swap = project / OUT / ".overview.html.swp.tmp"
    note = project / "build/notes/reading.txt"
    note.parent.mkdir()
    for path in (swap, note):
        path.write_text("mine")
    leftover = project / OUT / ".overview.html.briefs-abcd1234.tmp"  # as a killed build leaves it
    leftover.write_text("half")
    assert run_briefs(project, "build", "--format", "html", "-q").code == 0
    assert swap.read_text() == "mine" and note.read_text() == "mine" and not leftover.exists()
    result = run_briefs(project, "clean")
    assert result.code == 0, result.stderr
    assert "kept 2 it did not write: notes/reading.txt, pakistan-japan/.overview.html.swp.tmp" in result.stdout
    left = sorted(p.relative_to(project / "build").as_posix() for p in (project / "build").rglob("*"))
    assert left == [".briefs-output", "notes", "notes/reading.txt", "pakistan-japan",
                    "pakistan-japan/.overview.html.swp.tmp"]


def test_a_folder_briefs_did_not_make_is_never_emptied_nor_written(tmp_path):
    project = copy_project(tmp_path / "p")
    mine = project / "published"
    mine.mkdir()
    (mine / "index.html").write_text("my own page")
    (mine / ".draft.tmp").write_text("my draft")
    before = tree_digest(mine)
    (project / "briefs.yaml").write_text("out: published\n")
    cleaned = run_briefs(project, "clean")
    assert cleaned.code == 1 and "published: not cleaned: this folder has no .briefs-output marker" \
        in cleaned.stderr, cleaned.stderr
    built = run_briefs(project, "build", "--format", "html")
    assert built.code == 1 and "published: this folder holds files briefs did not write" in built.stderr
    assert plain(cleaned.stderr + built.stderr)
    assert tree_digest(mine) == before


@pytest.mark.parametrize("record", ["in the desk's state", "in the folder"])
def test_a_build_folder_from_before_the_marker_counts_as_briefs_own(project, record):
    """A build/ without the marker whose build record briefs kept (built by an older briefs:
    the record in .briefs/, or earlier still in build/ itself) is adopted: built into, then
    cleaned away."""
    (project / "build/.briefs-output").unlink()
    if record == "in the folder":
        (project / ".briefs/builds/build.json").rename(project / "build/.briefs-state.json")
    assert run_briefs(project, "build", "--format", "html", "-q").code == 0
    assert (project / "build/.briefs-output").is_file()
    (project / "build/.briefs-output").unlink()
    result = run_briefs(project, "clean")
    assert result.code == 0 and not (project / "build").exists(), result.stdout + result.stderr


def test_clean_never_follows_a_record_out_of_the_folder(project, tmp_path):
    victim = project / "victim.txt"
    victim.write_text("keep")
    record_file = project / ".briefs/builds/build.json"
    record = json.loads(record_file.read_text())
    record["outputs"]["../victim.txt"] = next(iter(record["outputs"].values()))
    record_file.write_text(json.dumps(record))
    result = run_briefs(project, "clean")
    assert result.code == 0 and victim.read_text() == "keep"


# --- faults of the machine ------------------------------------------------------------------


@pytest.mark.parametrize("call, code, fragment, says", [
    ("fsync", "ENOSPC", "", "cannot write here: the disk is full (no space left on the device); free some"
                            " space, then run again"),
    ("open", "EROFS", "build", "cannot write here: the file system is read-only; choose another output folder"),
    ("open", "EACCES", "build", "cannot write here: permission denied; make the folder writable (chmod u+w)"),
])
def test_a_full_disk_or_a_read_only_folder_is_a_located_message(project, call, code, fragment, says):
    day = edition_date()
    metadata = project / "facts/pakistan-japan/metadata.yaml"
    metadata.write_text(metadata.read_text().replace(f"date: {day}", f"date: {day.replace(day=day.day % 28 + 1)}"))
    before = tree_digest(project / "build")
    returncode, stderr = run_faulty(project, call, code, fragment, "build", "--format", "html", "-j", "1")
    assert returncode == 1, stderr
    assert f"build/" in stderr and says in stderr, stderr
    assert plain(stderr) and "nothing was written" not in stderr
    assert tree_digest(project / "build") == before


def test_a_file_where_the_output_folder_needs_a_folder_is_a_located_message(project):
    relationship = project / OUT
    for path in relationship.iterdir():
        path.unlink()
    relationship.rmdir()
    relationship.write_text("a file in the way")
    result = run_briefs(project, "build", "--format", "html")
    assert result.code == 1 and plain(result.stderr)
    assert "build/pakistan-japan is a file where a folder is needed; move it away" in result.stderr
    assert relationship.read_text() == "a file in the way"


def test_an_unreadable_relationship_folder_says_so_not_that_it_loops(project):
    returncode, stderr = run_faulty(project, "scandir", "EACCES", "facts/pakistan-japan", "check")
    assert returncode == 1 and plain(stderr)
    assert "facts/pakistan-japan: cannot read this relationship folder: permission denied; make it" \
           " readable (chmod u+rx)" in stderr, stderr
    assert "loops" not in stderr


DAMAGED_RECORDS = [
    "[]", "null", "{}", '{"format": 2}', "not json at all", "\xff\xfe",
    '{"format": 2, "pathsets": {}, "briefs": {}, "outputs": {"x.pdf": []}}',
    '{"format": 2, "pathsets": {}, "briefs": [], "outputs": {}}',
    '{"format": 2, "pathsets": {}, "briefs": {}, "outputs": {"../x.pdf": {"brief": "a", "deps": "b",'
    ' "options": {}, "output": {"sha": "c", "size": 1, "mtime_ns": 1}}}}',
    '{"format": 2, "pathsets": {}, "briefs": {}, "outputs": {"x.pdf": {"brief": "a", "deps": "b",'
    ' "options": {}, "output": {"sha": "c", "size": "1", "mtime_ns": 1}}}}',
]


@pytest.mark.parametrize("record", DAMAGED_RECORDS)
def test_a_record_not_as_briefs_wrote_it_is_set_aside(tmp_path, record):
    from briefs.state import BuildState

    (tmp_path / "record.json").write_bytes(record.encode("utf-8", "surrogateescape"))
    state = BuildState.read(tmp_path, tmp_path / "record.json")
    assert state.damage and "the build record is not as briefs wrote it" in state.damage
    assert not state.outputs and not state.briefs


def test_a_damaged_build_record_is_rebuilt_not_obeyed(project):
    """A record holding `[]` once blocked every build until `make clean`."""
    (project / ".briefs/builds/build.json").write_text("[]")
    result = run_briefs(project, "build", "--format", "html")
    assert result.code == 0, result.stderr
    assert "briefs: .briefs/builds/build.json: the build record is not as briefs wrote it (its content" \
           " does not have the record's shape); it is set aside and every output is rebuilt" in result.stderr
    assert plain(result.stderr)
    outputs = planned(project, "--format", "html")
    assert f"built {len(outputs)}, skipped 0" in result.stdout
    again = run_briefs(project, "build", "--format", "html")
    assert f"built 0, skipped {len(outputs)}" in again.stdout and "build record" not in again.stderr


# --- a file changed during a build -----------------------------------------------------------

# Run briefs with a fact file rewritten after the build listed and hashed the fact files and
# before it parses them (a `git checkout` or an editor's save in the middle of a build).
_CHANGED_WHILE_BUILDING = """
import runpy, sys
from pathlib import Path
import briefs.build
path, old, new = Path(sys.argv.pop(1)), sys.argv.pop(1), sys.argv.pop(1)
original = briefs.build.load_sound
def load_sound(*args, **kwargs):
    path.write_text(path.read_text().replace(old, new))
    return original(*args, **kwargs)
briefs.build.load_sound = load_sound
sys.argv[0] = "briefs"
runpy.run_module("briefs", run_name="__main__")
"""


def test_a_fact_file_changed_during_a_build_is_not_marked_up_to_date(project, tmp_path):
    day = edition_date()
    old, new = f"date: {day}", f"date: {day.replace(day=day.day % 28 + 1)}"
    metadata = project / "facts/pakistan-japan/metadata.yaml"
    original = metadata.read_text()
    script = tmp_path / "changing.py"
    script.write_text(_CHANGED_WHILE_BUILDING)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    during = subprocess.run([sys.executable, str(script), str(metadata), old, new, "build", "--format", "html",
                             "--force", "-q"], cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert during.returncode == 0, during.stderr
    # The outputs now state the new date; put the file back as it was when the build listed it.
    metadata.write_text(original)
    after = run_briefs(project, "build", "--format", "html")
    assert after.code == 0, after.stderr
    assert f"built {len(planned(project, '--format', 'html'))}, skipped 0" in after.stdout


# --- one run at a time ---------------------------------------------------------------------


@pytest.mark.parametrize("command", [("clean",), ("dist",)])
def test_clean_and_dist_wait_for_a_running_build(project, command):
    """`dist` zipped a mix of old and new PDFs and `clean` failed while a build ran: both
    take the build's lock."""
    import fcntl
    import time

    holder = os.open(project / "build/.briefs-lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)  # as a running build does
    try:
        waiting = subprocess.Popen([sys.executable, "-m", "briefs", *command], cwd=project,
                                   env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        assert "waiting for another build of build/ to finish" in waiting.stderr.readline()
        time.sleep(0.5)
        assert waiting.poll() is None and (project / "build/pakistan-japan/overview.pdf").is_file()
    finally:
        os.close(holder)
    _out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err


_FAKE_INSTALL = """#!/bin/sh
echo "start $$" >> "$(dirname "$0")/installs.log"
sleep 1
echo "end $$" >> "$(dirname "$0")/installs.log"
"""


def test_two_makes_on_a_fresh_clone_set_up_the_environment_once(tmp_path):
    """Two `make` runs at once both created .venv and installed into it, and tripped over each
    other; the second now waits and finds it done. (pip is replaced by a script that logs.)"""
    import shutil

    clone = tmp_path / "clone"
    clone.mkdir()
    for name in ("Makefile", "pyproject.toml", "requirements.lock", "requirements-test.lock"):
        shutil.copy(ROOT / name, clone / name)
    (clone / ".venv/bin").mkdir(parents=True)
    (clone / ".venv/bin/python").symlink_to(sys.executable)  # a venv exists; installing is what races
    install = tmp_path / "install.sh"
    install.write_text(_FAKE_INSTALL)
    install.chmod(0o755)
    args = ["make", "-s", ".venv/.installed-stamp", f"PYTHON={sys.executable}", f"INSTALL_LOCK={install}",
            "INSTALL_SELF=true"]
    runs = [subprocess.Popen(args, cwd=clone, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _ in range(2)]
    for run in runs:
        output, _ = run.communicate(timeout=60)
        assert run.returncode == 0, output
    assert [line.split()[0] for line in (tmp_path / "installs.log").read_text().splitlines()] == ["start", "end"]
