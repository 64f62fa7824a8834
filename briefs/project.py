"""Where things are in a project: relationship folders, fact files and brief kinds.

Kept free of heavy imports: planning a build and checking it is up to date need
only folder listings.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import FactError, Location, Problem, display_path

FACT_SUFFIXES = (".yaml", ".yml")
BRIEF_SUFFIX = ".html.j2"


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


def reference_docx(template_dirs, explicit: Path | None = None) -> Path | None:
    """The Word document whose styles DOCX files use: the one asked for, else the first
    templates/reference.docx on the search path, else none (python-docx's default)."""
    if explicit is not None:
        return explicit
    return next((Path(d) / "reference.docx" for d in template_dirs
                 if (Path(d) / "reference.docx").is_file()), None)


def brief_kinds(template_dirs) -> list[str]:
    """Brief kinds are the top-level ``*.html.j2`` templates not starting with ``_``."""
    kinds: set[str] = set()
    for folder in template_dirs:
        folder = Path(folder)
        if folder.is_dir():
            kinds.update(
                p.name[: -len(BRIEF_SUFFIX)]
                for p in folder.iterdir()
                if p.name.endswith(BRIEF_SUFFIX) and not p.name.startswith(("_", "."))
            )
    return sorted(kinds)
