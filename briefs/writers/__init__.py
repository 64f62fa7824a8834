"""Writers: one per output format, registered by name; the registry is the one list of formats.

A writer takes a :class:`~briefs.rendered.RenderedBrief` (the HTML document model
and the brief's metadata) and returns the bytes of one file; it never touches
the build folder. A format named ``X`` is the module ``briefs/writers/X.py``
holding a :class:`Writer` subclass decorated with :func:`register`, listed in
:data:`BUILTIN`. Modules are imported only when their format is asked for, so a
PDF-only build never imports python-docx.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import BriefsError, Problem, UsageError, display_path
from ..layout import Layout

if TYPE_CHECKING:  # the writers are imported by render's callers, never by render itself
    from ..rendered import RenderedBrief

# The shipped formats, in the order the index links them, each with its file suffix and whether
# it is built by default: what planning a build needs, known without importing the writer
# (python-docx alone takes a tenth of a second, and a build with nothing to do needs none).
# Each writer declares the same; register() refuses a writer that disagrees.
BUILTIN = {"pdf": (".pdf", True), "docx": (".docx", True), "html": (".html", True), "txt": (".txt", False)}


@dataclass(frozen=True)
class WriteOptions:
    """Settings every writer may consult."""

    layout: Layout
    # Writer options chosen for this build, by format, e.g. {"pdf": {"variant": "pdf/a-3u"}};
    # an option not chosen is the writer's default (or what the fact base asks for).
    chosen: dict[str, dict[str, Any]] = field(default_factory=dict)

    def option(self, fmt: str, name: str) -> Any:
        return self.chosen.get(fmt, {}).get(name)


class Writer:
    """One output format. Subclasses set ``name``, ``suffix``, ``default`` (built unless
    ``--format`` says otherwise) and ``options`` (option name -> allowed values, the first
    being the default), and implement :meth:`write`."""

    name = ""
    suffix = ""
    default = True
    options: dict[str, tuple[str, ...]] = {}

    def __init__(self) -> None:
        # Problems worth telling the user that did not stop this write.
        self.warnings: list[Problem] = []

    def write(self, brief: "RenderedBrief", options: WriteOptions) -> bytes:
        raise NotImplementedError

    @classmethod
    def prepare(cls) -> None:
        """Import what writing needs (a writer process does this as it starts, while the
        build renders the briefs it will be given)."""


_REGISTRY: dict[str, type[Writer]] = {}


def register(cls: type[Writer]) -> type[Writer]:
    """Add a writer to the registry; a second writer under the same name is a mistake."""
    if not cls.name or not cls.suffix.startswith("."):
        raise ValueError(f"writer {cls.__name__} must declare a name and a suffix such as '.pdf'")
    if cls.name in BUILTIN and BUILTIN[cls.name] != (cls.suffix, cls.default):
        raise ValueError(f"writer {cls.__name__} declares {(cls.suffix, cls.default)} but BUILTIN says"
                         f" {BUILTIN[cls.name]} for {cls.name!r}")
    existing = _REGISTRY.get(cls.name)
    if existing is not None and existing.__qualname__ != cls.__qualname__:
        raise ValueError(f"two writers for the format {cls.name!r}: {existing.__name__} and {cls.__name__}")
    _REGISTRY[cls.name] = cls
    return cls


def writer_class(name: str) -> type[Writer]:
    """The writer of a format (raises UsageError naming the known formats)."""
    if name not in _REGISTRY and name in BUILTIN:
        importlib.import_module(f"{__name__}.{name}")
    if name not in _REGISTRY:
        raise UsageError(Problem(f"unknown format {name!r}; formats are: {', '.join(formats())}"))
    return _REGISTRY[name]


def formats() -> list[str]:
    """Every known format, the shipped ones first (imports no writer)."""
    return [*BUILTIN, *(name for name in _REGISTRY if name not in BUILTIN)]


def default_formats() -> tuple[str, ...]:
    return tuple(name for name in formats() if _declared(name)[1])


def known_format(name: str) -> None:
    """Raise UsageError, naming the known formats, unless ``name`` is one (imports no writer)."""
    if name not in BUILTIN and name not in _REGISTRY:
        writer_class(name)


def suffix(name: str) -> str:
    """The file suffix of a format's outputs, e.g. ".pdf" (imports no shipped writer)."""
    return _declared(name)[0]


def _declared(name: str) -> tuple[str, bool]:
    if name in BUILTIN:
        return BUILTIN[name]
    cls = writer_class(name)
    return cls.suffix, cls.default


def format_order(name: str) -> tuple[int, str]:
    """Sort key: the shipped formats in their order, then others by name (imports nothing)."""
    return (list(BUILTIN).index(name) if name in BUILTIN else len(BUILTIN), name)


@dataclass
class Written:
    """One brief written in some formats: the bytes by format, each writer's warnings,
    and the problems that stopped a format."""

    outputs: dict[str, bytes] = field(default_factory=dict)
    warnings: dict[str, list[Problem]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def write_formats(brief: "RenderedBrief", options: WriteOptions, names: list[str]) -> Written:
    """Write one rendered brief in each format named; a format that fails does not stop the others."""
    written = Written()
    for fmt in names:
        writer = writer_class(fmt)()
        try:
            written.outputs[fmt] = writer.write(brief, options)
        except BriefsError as exc:
            written.problems.extend(exc.problems)
            continue
        written.warnings[fmt] = list(writer.warnings)
    return written


def check_options(chosen: dict[str, dict[str, Any]]) -> None:
    """Refuse an option value its writer does not offer (a usage error)."""
    for fmt, values in chosen.items():
        offered = writer_class(fmt).options
        for name, value in values.items():
            if value is not None and value not in offered.get(name, ()):
                raise UsageError(Problem(f"unknown {fmt} {name} {value!r}; choose one of"
                                         f" {', '.join(offered.get(name, ()))}"))


def template_of(brief: "RenderedBrief") -> str:
    """The brief kind's own template, as the user would type its path."""
    own = next((t for t in brief.templates if t.endswith(f"{brief.kind}.html.j2")), f"{brief.kind}.html.j2")
    return display_path(own)


def source_date_epoch(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


def html_classes(element) -> set[str]:
    return set((element.get("class") or "").split())


class BlockWalker:
    """Walks the block elements of a rendered brief for a writer that lays out its own
    paragraphs (DOCX, the plain-text cable): the elements it never shows, the marking and the
    page notices (each format prints those in its own place) are passed over here, once for all."""

    skipped: frozenset[str] = frozenset()

    def blocks(self, element) -> None:
        for child in element:
            if isinstance(child.tag, str):
                self.block(child)

    def block(self, element) -> None:
        classes = html_classes(element)
        if element.tag in self.skipped or "marking" in classes or "page-notice" in classes:
            return
        self.visit(element, element.tag, classes)

    def visit(self, element, tag: str, classes: set[str]) -> None:
        raise NotImplementedError
