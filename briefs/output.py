"""Writing into the output folder: every file through a temporary file renamed into place,
one build at a time per folder, and deleting only what briefs wrote.

The output folder carries briefs' marker file, written when briefs creates the folder
(or adopts an empty one, or one holding briefs' build record from before the marker
existed). Only a marked folder is ever swept or cleaned, and only of names briefs
writes there: its recorded outputs, its index, manifest, record, snapshots, audit
pages and bundles, and its own temporary-file pattern. A folder without the marker is
never emptied, and briefs does not write into one that holds files of someone else.

The lock is ``flock`` on a lock file in the folder, opened close-on-exec and closed in
every forked child, so that only the build's own process holds it: when that process
ends, however it ends, the kernel releases it. The lock file names the holder while it
runs and is removed when it finishes, so a lock file found naming a dead process means the
last run was killed, and the next one says so.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .errors import BuildError, Location, Problem, display_path

MARKER = ".briefs-output"
LOCK_FILE = ".briefs-lock"
_MARKER_TEXT = (b"This folder is written by briefs (its marker file). `briefs clean` deletes what briefs\n"
                b"wrote here and nothing else; delete this file and briefs will neither write here nor\n"
                b"clean this folder.\n")
# The build record of briefs from before the marker existed: a folder holding it is briefs' own.
_LEGACY_RECORD = ".briefs-state.json"
# atomic_write's temporary names: ".<name>.briefs-<8 random characters>.tmp" (tempfile.mkstemp).
_TEMPORARY_INFIX = ".briefs-"
_TEMPORARY = re.compile(r"^\..+\.briefs-[a-z0-9_]{8}\.tmp$")

# Why a write failed, in words that say what to do.
_WRITE_FAULTS = {
    errno.ENOSPC: "the disk is full (no space left on the device); free some space, then run again",
    errno.EDQUOT: "the disk quota is used up; free some space, then run again",
    errno.EROFS: "the file system is read-only; choose another output folder (--out, or `out:` in"
                 " briefs.yaml)",
    errno.EACCES: "permission denied; make the folder writable (chmod u+w) or choose another output"
                  " folder (--out, or `out:` in briefs.yaml)",
    errno.EPERM: "the operation is not permitted here; make the folder writable or choose another"
                 " output folder (--out, or `out:` in briefs.yaml)",
}
_UNDER_A_FILE = (errno.ENOTDIR, errno.EEXIST)


def write_fault(exc: OSError, path: Path) -> BuildError:
    """An error writing ``path`` as a located message saying what to do (no traceback)."""
    blocking = _file_on_the_way(path) if exc.errno in _UNDER_A_FILE else None
    if blocking is not None:
        reason = (f"{display_path(blocking)} is a file where a folder is needed; move it away or"
                  " choose another output folder")
    else:
        reason = _WRITE_FAULTS.get(exc.errno) or (exc.strerror or str(exc)).lower()
    error = BuildError(Problem(f"cannot write here: {reason} (outputs already in place are complete)",
                               Location(display_path(path))))
    error.nothing_written = False
    return error


def _file_on_the_way(path: Path) -> Path | None:
    """The nearest of ``path``'s folders that exists as something other than a folder."""
    for folder in [path, *path.parents]:
        if folder.exists() or folder.is_symlink():
            return None if folder.is_dir() or folder == path else folder
    return None


def atomic_write(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` via a temporary file and rename; False if already equal."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:
        pass
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}{_TEMPORARY_INFIX}", suffix=".tmp",
                                             dir=path.parent)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException as exc:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        if isinstance(exc, OSError):
            raise write_fault(exc, path) from None
        raise
    return True


# --- whose folder -------------------------------------------------------------------------


def is_ours(out_dir: Path, record_file: Path | None = None) -> bool:
    """Whether briefs made this folder (its marker), or built it before markers existed: it
    holds briefs' old build record, or the desk's state holds its record (``record_file``)."""
    return ((out_dir / MARKER).is_file() or (out_dir / _LEGACY_RECORD).is_file()
            or (record_file is not None and record_file.is_file()))


def claim(out_dir: Path, record_file: Path | None = None) -> None:
    """Make ``out_dir`` briefs' own folder: create it with the marker, or mark an existing one
    that is empty or that briefs built before markers (see :func:`is_ours`). Any other folder
    is refused: briefs would mix its files with someone else's, and could later be asked to
    clean them."""
    try:
        if not out_dir.is_dir():
            out_dir.mkdir(parents=True, exist_ok=True)
        elif (out_dir / MARKER).is_file():
            return
        elif not is_ours(out_dir, record_file) and any(out_dir.iterdir()):
            raise BuildError(Problem(
                f"this folder holds files briefs did not write (it has no {MARKER} marker), so briefs"
                " will not write into it; choose a new or empty output folder (--out, or `out:` in"
                " briefs.yaml)", Location(display_path(out_dir))))
        with contextlib.suppress(FileExistsError):
            handle = os.open(out_dir / MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
            with os.fdopen(handle, "wb") as stream:
                stream.write(_MARKER_TEXT)
    except OSError as exc:
        raise write_fault(exc, out_dir / MARKER) from None


# --- one build at a time ------------------------------------------------------------------

# Lock descriptors held by this process: a forked child closes its copies at once, so that
# the lock is never held by a writer process that outlives the build.
_held: set[int] = set()


def _close_held_in_child() -> None:
    for handle in _held:
        with contextlib.suppress(OSError):
            os.close(handle)
    _held.clear()


os.register_at_fork(after_in_child=_close_held_in_child)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True


def _acquire(out_dir: Path, waiting: Callable[[Path], None], create: bool,
             record_file: Path | None) -> int | None:
    """The descriptor of the lock file, locked (None: the folder is gone and not to be made).
    A clean may remove the file, or the folder, while another process waits for it: then the
    lock is taken again on what is now in its place."""
    path = out_dir / LOCK_FILE
    told = False
    while True:
        try:
            handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except FileNotFoundError:
            if not create:
                return None
            claim(out_dir, record_file)
            continue
        except OSError as exc:
            raise write_fault(exc, path) from None
        _held.add(handle)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not told:
                waiting(out_dir)
                told = True
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            if os.stat(path).st_ino == os.fstat(handle).st_ino:
                return handle
        except FileNotFoundError:
            pass
        _release(handle)


def _release(handle: int, path: Path | None = None) -> None:
    """Unlock; with ``path`` (the lock file this descriptor holds), remove it first, so that a
    lock file is left only by a run that was killed (the next one then says so)."""
    if path is not None:
        with contextlib.suppress(OSError):
            os.unlink(path)
    _held.discard(handle)
    os.close(handle)  # closing releases the lock; a waiter then finds the file gone and retries


@contextlib.contextmanager
def exclusive(out_dir: Path, waiting: Callable[[Path], None], notice: Callable[[str], None] = print,
              create: bool = True, record_file: Path | None = None) -> Iterator[None]:
    """One build, dist or clean at a time per output folder: a second one waits, after calling
    ``waiting``. With ``create`` the folder is made (and marked; see :func:`claim`) if need be;
    without, a missing folder has nothing to guard. A lock whose holder died is taken over,
    told to ``notice``. A folder made here and left holding nothing but the marker (a build
    that failed on its input) is removed again: a failed build leaves no trace."""
    made = create and not out_dir.exists()
    if create:
        claim(out_dir, record_file)
    handle = _acquire(out_dir, waiting, create, record_file)
    if handle is None:
        yield
        return
    try:
        holder = os.pread(handle, 32, 0).decode("ascii", "replace").strip()
        if holder.isdigit() and int(holder) != os.getpid() and not _alive(int(holder)):
            notice(f"the last run on {display_path(out_dir)}/ (process {holder}) was stopped before it"
                   " finished; its lock is taken over and this run finishes the job")
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"{os.getpid()}\n".encode("ascii"), 0)
    except OSError:
        pass  # a read-only lock file: the lock itself holds, only the holder's name is lost
    try:
        yield
    finally:
        _release(handle, out_dir / LOCK_FILE)
        if made:
            _remove_if_unused(out_dir)


def _remove_if_unused(out_dir: Path) -> None:
    with contextlib.suppress(OSError):
        if os.listdir(out_dir) == [MARKER]:
            os.unlink(out_dir / MARKER)
            out_dir.rmdir()



# --- deleting only what briefs wrote -------------------------------------------------------


def sweep_temporaries(out_dir: Path) -> None:
    """Remove the temporary files a killed build left: only briefs' own temporary names, only
    in a folder briefs marked; call only while holding the lock."""
    if not is_ours(out_dir):
        return
    for root, folders, names in os.walk(out_dir):
        for name in names:
            if _TEMPORARY.match(name):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(root, name))


# Besides the recorded outputs, the names briefs writes (or wrote, before its state moved to
# .briefs/ at the project root), relative to the output folder.
_OWN_NAMES = ("index.html", "manifest.json", _LEGACY_RECORD, LOCK_FILE)
_OWN_PATTERNS = (re.compile(r"^\.briefs-editions/[^/]+/\d+\.json$"), re.compile(r"^audit/[^/]+\.html$"),
                 re.compile(r"^dist/briefs-[^/]+\.zip$"))


@dataclass
class Cleaned:
    removed: int = 0
    # Files left because briefs did not write them (relative to the output folder).
    kept: list[str] = field(default_factory=list)
    folder_removed: bool = False


def clean(out_dir: Path, record_file: Path, recorded: Callable[[], list[str]], waiting: Callable[[Path], None],
          notice: Callable[[str], None] = print) -> Cleaned:
    """Delete what briefs wrote in ``out_dir`` (its ``recorded`` outputs, its own names and
    temporaries), then the folders left empty, and the folder itself if nothing else is in it.
    A folder without briefs' marker is refused, never emptied."""
    cleaned = Cleaned()
    if not out_dir.exists() and not out_dir.is_symlink():
        return cleaned
    if not out_dir.is_dir() or not is_ours(out_dir, record_file):
        raise BuildError(Problem(
            f"not cleaned: this folder has no {MARKER} marker, so briefs did not make it and will not"
            " empty it; delete it yourself if you mean to", Location(display_path(out_dir))))
    with exclusive(out_dir, waiting, notice, create=False):
        own = set(recorded()) | set(_OWN_NAMES)
        for root, _folders, names in os.walk(out_dir):
            for name in names:
                path = Path(root) / name
                relative = path.relative_to(out_dir).as_posix()
                if name == MARKER and root == str(out_dir):
                    continue  # last: the folder stays briefs' own until it is empty
                if relative in own or _TEMPORARY.match(name) or any(p.match(relative) for p in _OWN_PATTERNS):
                    try:
                        path.unlink()
                    except OSError as exc:
                        raise write_fault(exc, path) from None
                    cleaned.removed += 1
                else:
                    cleaned.kept.append(relative)
        for root, folders, _names in sorted(os.walk(out_dir), key=lambda entry: -len(entry[0])):
            for name in folders:
                with contextlib.suppress(OSError):  # not empty: it holds a file kept
                    (Path(root) / name).rmdir()
        if not cleaned.kept:
            with contextlib.suppress(FileNotFoundError):
                (out_dir / MARKER).unlink()
    if not cleaned.kept:
        with contextlib.suppress(OSError):
            out_dir.rmdir()
            cleaned.folder_removed = True
    return cleaned
