"""Paths taken from input stay inside their own folder.

A fact file names its source documents (``file: seeds/brief.txt``), a template folder
holds fonts and a reference document, and a writer reads images and stylesheets:
each such path must resolve, after ``..`` and symbolic links, inside the folder it
belongs to (the relationship folder, the template folder), and must name a plain
file. Otherwise ``file: /etc/passwd`` or a symlink to a colleague's home folder would
carry any readable file on the machine into a brief.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def inside(folder: Path | str, path: Path | str) -> Path | None:
    """The real path of ``path`` (taken relative to ``folder``) if it lies inside
    ``folder`` once ``..`` and symbolic links are resolved; None if it leaves it, is
    absolute, or its symbolic links loop. The file need not exist."""
    path = Path(path)
    if path.is_absolute() or path.drive:
        return None
    try:
        root = Path(folder).resolve()
        real = (Path(folder) / path).resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop; a NUL in the name
        return None
    return real if real == root or root in real.parents else None


def why_not_plain(path: Path | str) -> str | None:
    """None for a plain file; else why not, in words ("a folder", "a symbolic link that loops")."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            return "a symbolic link that loops"
        if os.path.islink(path):
            return "a symbolic link to a file that does not exist"
        return "missing" if exc.errno == 2 else f"unreadable ({exc.strerror})"
    except ValueError:
        return "a name that cannot be used"
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if not stat.S_ISREG(mode):
        return "not a plain file (a pipe, socket or device)"
    return None


def shown_name(name: str) -> str:
    """A file name as messages print it: quoted, with undecodable bytes and control
    characters escaped (so printing it can neither fail nor break the line)."""
    return ascii(name) if not name.isprintable() else repr(name)
