"""Where a fact base's files are: relationship folders and their fact files.

Kept free of heavy imports: planning a build and checking it is up to date need
only folder listings.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from .errors import FactError, Location, Problem, display_path

FACT_SUFFIXES = (".yaml", ".yml")


def is_fact_file(entry: os.DirEntry) -> bool:
    """A plain file with a fact suffix and a printable name. Anything else with a fact suffix
    (a symlink loop, a folder, a pipe, an undecodable name) the loader reports instead."""
    if not entry.name.endswith(FACT_SUFFIXES) or not entry.name.isprintable():
        return False
    try:
        return entry.is_file()
    except OSError:  # a symbolic link that loops
        return False


def fact_files(folder: Path) -> list[Path]:
    """The YAML files of one relationship, sorted by name."""
    return [folder / name for name in fact_file_names(folder)]


def fact_file_names(folder: Path | str) -> list[str]:
    """The names of :func:`fact_files`, sorted."""
    # os.scandir: planning a portfolio of hundreds of relationships lists thousands of files.
    with os.scandir(folder) as entries:
        return sorted(e.name for e in entries if is_fact_file(e))


def _has_fact_files(folder: str) -> bool:
    with os.scandir(folder) as entries:
        return any(e.name.endswith(FACT_SUFFIXES) for e in entries)


def _why_unreadable(exc: OSError) -> str:
    """Why a folder cannot be listed, and what to do, in words."""
    if exc.errno == errno.ELOOP:
        return "it is a symbolic link that loops; point it at a real folder or remove it"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied; make it readable (chmod u+rx) or move it out of the fact folder"
    if exc.errno == errno.ENOENT:
        return "it is a symbolic link to a folder that does not exist; fix or remove it"
    return f"{(exc.strerror or str(exc)).lower()}; fix it or move it out of the fact folder"


def relationship_folders(facts_dir: Path) -> list[Path]:
    """Every folder directly under ``facts_dir`` that holds fact files, sorted by name."""
    if not facts_dir.is_dir():
        raise FactError(Problem("no such fact folder", Location(display_path(facts_dir))))
    names, unreadable = [], []
    with os.scandir(facts_dir) as entries:
        for entry in entries:
            if entry.name.startswith((".", "_")):
                continue
            try:
                if entry.is_dir() and _has_fact_files(entry.path):
                    names.append(entry.name)
            except OSError as exc:
                unreadable.append(Problem(f"cannot read this relationship folder: {_why_unreadable(exc)}",
                                          Location(f"{display_path(facts_dir)}/{entry.name}")))
    if unreadable:
        raise FactError(unreadable)
    return [facts_dir / name for name in sorted(names)]
