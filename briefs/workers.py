"""Writer processes: the build renders each brief in its own process and hands it to a
process that writes it in each format.

A build starts them as soon as it knows it has work, before it imports the fact
model and Jinja: while the build loads facts and renders, each process imports
what its writers need (WeasyPrint takes most of a one-brief build's time), so
the two costs overlap instead of adding up. A rendered brief travels as plain
data (:class:`~briefs.rendered.RenderedBrief` pickles its HTML, not its tree).

Processes are forked where that is safe (the platform offers fork, it is not
macOS, and no other thread is running); otherwise they are started afresh.
With no process (``-j 1``, one core, or none could start) briefs are written in
the build's own process. Only the build writes into the output folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING

from .errors import Problem
from .writers import Written, WriteOptions, write_formats, writer_class

if TYPE_CHECKING:
    from .rendered import RenderedBrief


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


class WriterCrash(Exception):
    """A bug met in a writer process (its traceback is this exception's cause)."""


class _RemoteTraceback(Exception):
    def __str__(self) -> str:
        return self.args[0]


class Writers:
    """The writer processes of one build; a context manager that ends them on exit."""

    def __init__(self, formats: tuple[str, ...]):
        self.formats = formats
        self._processes: list[tuple[BaseProcess, Connection]] = []
        self._idle: list[Connection] = []
        # Connection -> (index the build gave the brief, "relationship/kind").
        self._busy: dict[Connection, tuple[int, str]] = {}
        self._done: list[tuple[int, Written]] = []  # written in this process

    def __enter__(self) -> "Writers":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def start(self, count: int) -> None:
        """Have ``count`` processes, starting those missing (fewer if they cannot start)."""
        while len(self._processes) < count:
            try:
                self._start_one()
            except (OSError, ValueError, ImportError):  # no processes here: write in this one
                return

    def _start_one(self) -> None:
        context = multiprocessing.get_context(_start_method())
        ours, theirs = context.Pipe()
        process = context.Process(target=_serve, args=(theirs, self.formats, os.getpid()), daemon=True,
                                  name="briefs-writer")
        process.start()
        theirs.close()
        self._processes.append((process, ours))
        self._idle.append(ours)

    @property
    def ready(self) -> bool:
        """Whether a brief submitted now starts being written at once."""
        return not self._processes or bool(self._idle)

    @property
    def busy(self) -> bool:
        return bool(self._busy or self._done)

    def submit(self, index: int, brief: RenderedBrief, options: WriteOptions, formats: list[str]) -> None:
        """Write a brief in an idle process (see :attr:`ready`), or here if there are none."""
        if not self._processes:
            self._done.append((index, write_formats(brief, options, formats)))
            return
        connection = self._idle.pop()
        self._busy[connection] = (index, f"{brief.relationship}/{brief.kind}")
        try:
            connection.send((brief, options, formats))
        except OSError:
            pass  # the process is gone: finished() reports it

    def finished(self, block: bool = True) -> list[tuple[int, Written]]:
        """The briefs written since last asked, by index; if none is and ``block``, waits for one."""
        done, self._done = self._done, []
        if self._busy:
            timeout = None if block and not done else 0
            for connection in wait(list(self._busy), timeout):
                index, name = self._busy.pop(connection)
                done.append((index, self._receive(connection, name)))
        return done

    def _receive(self, connection: Connection, name: str) -> Written:
        try:
            result = connection.recv()
        except (EOFError, OSError):
            return self._lost(connection, name)
        self._idle.append(connection)
        if isinstance(result, WriterCrash):
            summary, remote_traceback = result.args
            raise WriterCrash(summary) from _RemoteTraceback(remote_traceback)
        return result

    def _lost(self, connection: Connection, name: str) -> Written:
        """A process died writing ``name`` (killed, out of memory, a crash in a library):
        that brief fails, a new process takes the place of the old."""
        process = next(p for p, c in self._processes if c is connection)
        process.join()
        self._processes.remove((process, connection))
        connection.close()
        self.start(len(self._processes) + 1)
        code = process.exitcode or 0
        how = f"was killed by signal {-code}" if code < 0 else f"stopped with exit code {code}"
        return Written(problems=[Problem(f"the process writing {name} {how}; nothing was written for it")])

    def close(self) -> None:
        """End the processes: they hold nothing to save, whatever they were doing."""
        for process, connection in self._processes:
            connection.close()
            process.terminate()
        for process, _connection in self._processes:
            process.join()
        self._processes, self._idle, self._busy = [], [], {}


def _start_method() -> str:
    """Fork (quick, and the process shares what is already imported) where that is safe: the
    platform offers it, it is not macOS (whose system libraries do not survive a fork), and
    no other thread is running (a fork copies locks other threads may hold). Else a fresh
    interpreter."""
    safe = "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"
    return "fork" if safe and threading.active_count() == 1 else "spawn"


def _serve(connection: Connection, formats: tuple[str, ...], build: int) -> None:
    """A writer process: import what the formats need, then write each brief the build
    sends, until it closes the pipe."""
    _end_with(build)
    try:
        try:
            for name in formats:
                writer_class(name).prepare()
        except Exception:  # noqa: BLE001 - the first write meets it again, and reports it
            pass
        documents = 0
        while True:
            try:
                brief, options, names = connection.recv()
            except EOFError:
                return
            try:
                written = write_formats(brief, options, names)
            except Exception as exc:  # a bug: the build stops and shows this traceback
                connection.send(WriterCrash(f"{type(exc).__name__}: {exc}", traceback.format_exc()))
                continue
            connection.send(written)
            documents += len(written.outputs)
            _log_memory(documents)
    except KeyboardInterrupt:  # Ctrl-C reaches every process of the build; the build reports it
        return


def _end_with(build: int) -> None:
    """End this writer as soon as the build process ``build`` ends, however it ends (`kill -9`
    included): a writer has nothing to save, and one left running would hold the build's
    resources for ever. Linux tells the process at once (PR_SET_PDEATHSIG); elsewhere a thread
    notices the parent is gone (the pipe alone does not tell: sibling writers hold its ends)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the build's own handler is for the build
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != build:  # it ended before the request above was made
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(build,), daemon=True, name="briefs-parent-watch").start()


def _watch_parent(build: int) -> None:
    while os.getppid() == build:
        time.sleep(0.5)
    os._exit(1)


def _log_memory(documents: int) -> None:
    """For the benchmark: a writer process's resident memory after each brief (BRIEFS_MEMORY_LOG)."""
    log = os.environ.get("BRIEFS_MEMORY_LOG")
    if not log:
        return
    try:
        with open("/proc/self/statm", encoding="ascii") as stream:
            resident_kb = int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        return
    with open(log, "a", encoding="ascii") as stream:
        stream.write(f"{os.getpid()} {documents} {resident_kb}\n")
