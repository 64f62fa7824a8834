"""A build killed mid-way (`kill -9`, or `kill` = SIGTERM, to the build's own process, not its
group: a CI timeout, `kill PID`) leaves no process behind and no lock held: the next build
finishes at once. Writer processes never hold the lock. (Real processes; slow, so in
`make test-all`.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import PAUSED_WRITER, ROOT, edition_date, planned, run_briefs

pytestmark = [pytest.mark.exhaustive,
              pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")]


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting for a parent to collect it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _holds(pid: int, path: Path) -> bool:
    folder = Path(f"/proc/{pid}/fd")
    try:
        return any(os.readlink(folder / fd) == str(path) for fd in os.listdir(folder))
    except OSError:
        return False


def _paused_build(project: Path, tmp_path: Path) -> tuple[subprocess.Popen, list[int]]:
    """A build with two writer processes, held in the middle of writing its first output."""
    marker, script = tmp_path / "writing", tmp_path / "paused.py"
    script.write_text(PAUSED_WRITER, encoding="utf-8")
    process = subprocess.Popen([sys.executable, str(script), str(marker), "build", "--force", "-j", "2",
                                "--format", "pdf"], cwd=project, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if not marker.exists():
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail(f"the build never reached a write: {process.communicate()}")
    writers = _children(process.pid)
    assert len(writers) == 2, writers
    return process, writers


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_build_leaves_no_process_and_no_lock(project, tmp_path, how):
    day = edition_date()  # a new edition date: every output is written anew
    metadata = project / "facts/pakistan-japan/metadata.yaml"
    metadata.write_text(metadata.read_text().replace(f"date: {day}", f"date: {day.replace(day=day.day % 28 + 1)}"))
    lock = (project / "build/.briefs-lock").resolve()
    process, writers = _paused_build(project, tmp_path)
    try:
        assert _holds(process.pid, lock), "the build does not hold its lock"
        assert not any(_holds(pid, lock) for pid in writers), "a writer process holds the build's lock"
        os.kill(process.pid, how)  # the build's own process only, as `kill PID` does
        process.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(_running(pid) for pid in writers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_running(pid) for pid in writers), "writer processes outlived the build"
    finally:
        for pid in [process.pid, *writers]:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)
    stderr = process.stderr.read()
    assert "Traceback" not in stderr, stderr
    result = run_briefs(project, "build", "--format", "pdf", timeout=120)
    assert result.code == 0, result.stderr
    assert "waiting for another build" not in result.stderr
    assert f"built 0, skipped {len(planned(project, '--format', 'pdf'))}" in \
        run_briefs(project, "build", "--format", "pdf").stdout
    taken_over = "was stopped before it finished; its lock is taken over" in result.stderr
    # SIGTERM stops the build in order (its lock released); kill -9 cannot, and the next build says so.
    assert taken_over == (how == signal.SIGKILL), result.stderr
    assert not list((project / "build").rglob(".*.briefs-*.tmp"))
