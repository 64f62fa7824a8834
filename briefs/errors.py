"""One error root, one subclass per pipeline phase.

Every problem the user can fix carries a location (``file:line``) so the CLI can
print it as one line. A phase collects all its problems before raising, so the
user sees every mistake at once rather than one per run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Location:
    """Where a problem is: a file, and the 1-based line when known."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, in words a desk officer can act on."""

    message: str
    location: Location | None = None
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        prefix = f"{self.location}: " if self.location else ""
        label = "warning: " if self.severity == "warning" else ""
        return f"{prefix}{label}{self.message}"


class BriefsError(Exception):
    """Root of every error the package raises on bad input or a failed build."""

    phase = "briefs"
    exit_code = 1
    # False when the error struck while outputs were being written (a full disk).
    nothing_written = True

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(BriefsError):
    """The command asked for something that does not exist (a relationship, kind or format)."""

    phase = "usage"
    exit_code = 2


class FactError(BriefsError):
    """The fact base could not be loaded or failed validation."""

    phase = "facts"


class TemplateError(BriefsError):
    """A template could not be found, parsed or rendered."""

    phase = "templates"


class WriteError(BriefsError):
    """A writer failed to turn a rendered brief into its format."""

    phase = "write"


class EditionError(BriefsError):
    """An earlier edition of the facts could not be found or read (``briefs diff``)."""

    phase = "editions"


class BuildError(BriefsError):
    """Planning or writing outputs into the build folder failed."""

    phase = "build"


def fatal(warnings: list[Problem]) -> list[Problem]:
    """Warnings as the errors ``--strict`` makes them."""
    return [Problem(w.message + " (fatal with --strict)", w.location) for w in warnings]


_DISPLAY_ROOT: Path | None = None


def set_display_root(folder: Path | None) -> None:
    """Show paths relative to this folder (the project given with -C) rather than the working one."""
    global _DISPLAY_ROOT
    _DISPLAY_ROOT = folder


def display_path(path: Path | str, root: Path | None = None) -> str:
    """A path as the user typed it: relative to the project folder (-C), else the working
    folder, when inside it."""
    path = Path(path)
    for base in (root, _DISPLAY_ROOT, Path.cwd()):
        if base is None:
            continue
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
        except (OSError, RuntimeError):  # a symbolic link that loops: shown unresolved
            relative = os.path.relpath(os.path.abspath(path), os.path.abspath(base))
            if not relative.startswith(".."):
                return relative
    return str(path)
