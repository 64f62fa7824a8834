"""Where a fact base's files are: relationship folders and their fact files.

Kept free of heavy imports: planning a build and checking it is up to date need
only folder listings.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import FactError, Location, Problem, display_path

FACT_SUFFIXES = (".yaml", ".yml")


def fact_files(folder: Path) -> list[Path]:
    """The YAML files of one relationship, sorted by name."""
    # os.scandir: planning a portfolio of hundreds of relationships lists thousands of files.
    with os.scandir(folder) as entries:
        names = sorted(e.name for e in entries if e.name.endswith(FACT_SUFFIXES) and e.is_file())
    return [folder / name for name in names]


def _has_fact_files(folder: str) -> bool:
    with os.scandir(folder) as entries:
        return any(e.name.endswith(FACT_SUFFIXES) and e.is_file() for e in entries)


def relationship_folders(facts_dir: Path) -> list[Path]:
    """Every folder directly under ``facts_dir`` that holds fact files, sorted by name."""
    if not facts_dir.is_dir():
        raise FactError(Problem("no such fact folder", Location(display_path(facts_dir))))
    with os.scandir(facts_dir) as entries:
        names = sorted(e.name for e in entries
                       if e.is_dir() and not e.name.startswith((".", "_")) and _has_fact_files(e.path))
    return [facts_dir / name for name in names]
