"""Run the `briefs` command on hostile input in a forked child: fast (the package is
imported once, in the test process) yet isolated like a real run. A crash of the
interpreter (a segfault), a hang (killed at the time limit) or a runaway memory use
(the child's peak resident size is measured) is reported, never inherited by the tests.

``run_isolated(project, "check")`` returns the exit code (or the signal that ended the
child), its stdout and stderr, the seconds it took and its peak memory in bytes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Run:
    code: int | None  # the exit code; None when a signal ended the child
    signal: int | None
    stdout: str
    stderr: str
    seconds: float
    peak_bytes: int
    timed_out: bool = False

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def describe(self) -> str:
        return (f"exit={self.code} signal={self.signal} timed_out={self.timed_out}"
                f" {self.seconds:.1f}s {self.peak_bytes / 2**20:.0f} MiB\n"
                f"--- stdout\n{self.stdout[-3000:]}\n--- stderr\n{self.stderr[-3000:]}")


def preload() -> None:
    """Import what every run needs once, before forking (WeasyPrint alone takes a second)."""
    import briefs.cli  # noqa: F401
    import briefs.writers.docx  # noqa: F401
    import briefs.writers.pdf  # noqa: F401
    import weasyprint  # noqa: F401


def run_isolated(project: Path, *args: str, timeout: float = 30) -> Run:
    """``briefs ARGS`` in ``project``, in a forked child, killed after ``timeout`` seconds."""
    with tempfile.TemporaryDirectory() as scratch:
        out_path, err_path = Path(scratch) / "out", Path(scratch) / "err"
        started = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            _child(project, args, out_path, err_path)
        status, usage, timed_out = _wait(pid, timeout)
        seconds = time.perf_counter() - started
        stdout = out_path.read_text(encoding="utf-8", errors="replace") if out_path.exists() else ""
        stderr = err_path.read_text(encoding="utf-8", errors="replace") if err_path.exists() else ""
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    return Run(code, sig, stdout, stderr, seconds, usage.ru_maxrss * 1024, timed_out)


def run_subprocess(project: Path, *args: str, timeout: float = 30) -> Run:
    """The same, as a separate interpreter (``python -m briefs``), for the few cases where
    start-up matters or the test process's own state must not be shared."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    try:
        completed = subprocess.run([sys.executable, "-m", "briefs", *args], cwd=project, env=env,
                                   capture_output=True, text=True, timeout=timeout,
                                   errors="replace")
    except subprocess.TimeoutExpired as exc:
        return Run(None, None, str(exc.stdout or ""), str(exc.stderr or ""), timeout, 0, True)
    seconds = time.perf_counter() - started
    code = completed.returncode if completed.returncode >= 0 else None
    sig = -completed.returncode if completed.returncode < 0 else None
    return Run(code, sig, completed.stdout, completed.stderr, seconds, 0)


def _child(project: Path, args: tuple[str, ...], out_path: Path, err_path: Path) -> None:
    code = 70
    try:
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        os.chdir(project)
        out = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        err = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, 1)
        os.dup2(err, 2)
        # As CPython sets them up for a real run: strict stdout, backslash-escaping stderr.
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
        from briefs.cli import cli

        try:
            cli.main(args=list(args), prog_name="briefs")
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # the harness itself failed: say so on stderr
        import traceback

        traceback.print_exc()
        code = 71
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


class _Late(Exception):
    pass


def _late(_signum, _frame):
    raise _Late()


def _wait(pid: int, timeout: float):
    """Wait for the child (a blocking wait, woken by an alarm at the time limit)."""
    previous = signal.signal(signal.SIGALRM, _late)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        _, status, usage = os.wait4(pid, 0)
        return status, usage, False
    except _Late:
        os.kill(pid, signal.SIGKILL)
        _, status, usage = os.wait4(pid, 0)
        return status, usage, True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
