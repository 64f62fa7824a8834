"""Where things are in a project: relationship folders, fact files and brief kinds.

Kept free of heavy imports: planning a build and checking it is up to date need
only folder listings.
"""

from __future__ import annotations

from pathlib import Path

from .errors import FactError, Location, Problem, display_path

FACT_SUFFIXES = (".yaml", ".yml")
BRIEF_SUFFIX = ".html.j2"


def fact_files(folder: Path) -> list[Path]:
    """The YAML files of one relationship, sorted by name."""
    return sorted(p for p in folder.iterdir() if p.suffix in FACT_SUFFIXES and p.is_file())


def relationship_folders(facts_dir: Path) -> list[Path]:
    """Every folder directly under ``facts_dir`` that holds fact files, sorted by name."""
    if not facts_dir.is_dir():
        raise FactError(Problem("no such fact folder", Location(display_path(facts_dir))))
    return sorted(
        folder
        for folder in facts_dir.iterdir()
        if folder.is_dir() and not folder.name.startswith((".", "_")) and fact_files(folder)
    )


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
