"""Writers: one per output format, registered by name.

A writer takes a :class:`~briefs.render.RenderedBrief` (the HTML document model)
and returns the bytes of one file; it never touches the build folder. Add a
format by writing a class with ``name``, ``suffix`` and ``write()`` and
decorating it with :func:`register`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

import lxml.html

from ..errors import BriefsError, Problem, WriteError
from ..render import RenderedBrief


@dataclass(frozen=True)
class WriteOptions:
    """Settings every writer may consult."""

    template_dirs: tuple[Path, ...] = ()
    # A Word document whose styles the DOCX writer uses (Pandoc's reference.docx).
    reference_docx: Path | None = None
    # Overrides the fact base's choice: "pdf/ua-1" or "pdf/a-3u".
    pdf_variant: str | None = None


class Writer(Protocol):
    name: str
    suffix: str

    def write(self, brief: RenderedBrief, options: WriteOptions) -> bytes: ...


class BaseWriter:
    """Shared by the built-in writers: the warnings of the last ``write`` call."""

    name = ""
    suffix = ""

    def __init__(self) -> None:
        self.warnings: list[Problem] = []


_REGISTRY: dict[str, Callable[[], Writer]] = {}


def register(cls: type) -> type:
    _REGISTRY[cls.name] = cls
    return cls


def writer_names() -> list[str]:
    _load_builtin()
    return list(_REGISTRY)


def get_writer(name: str) -> Writer:
    _load_builtin()
    try:
        return _REGISTRY[name]()
    except KeyError:
        raise BriefsError(
            Problem(f"unknown format {name!r}; formats are: {', '.join(_REGISTRY)}")
        ) from None


def _load_builtin() -> None:
    # Imported here so `briefs list` need not import WeasyPrint.
    from . import docx, html, pdf  # noqa: F401


@dataclass(frozen=True)
class DocumentInfo:
    """The metadata a brief's HTML head declares; every writer stamps the same values."""

    title: str
    author: str
    subject: str
    keywords: list[str]
    created: dt.date
    marking: str
    language: str
    extra: dict[str, str] = field(default_factory=dict)


def parse_html(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def document_info(root: lxml.html.HtmlElement) -> DocumentInfo:
    metas = {m.get("name"): m.get("content", "") for m in root.iter("meta") if m.get("name")}
    title = root.findtext(".//title") or ""
    try:
        created = dt.date.fromisoformat(metas.get("dcterms.created", ""))
    except ValueError:
        raise WriteError(
            Problem("the template must set <meta name=\"dcterms.created\"> to an ISO date")
        ) from None
    keywords = [k.strip() for k in metas.get("keywords", "").split(",") if k.strip()]
    return DocumentInfo(
        title=title.strip(),
        author=metas.get("author", ""),
        subject=metas.get("description", ""),
        keywords=keywords,
        created=created,
        marking=metas.get("marking", ""),
        language=root.get("lang", "en"),
        extra=metas,
    )


def template_of(brief: RenderedBrief) -> str:
    """The brief kind's own template, as the user would type its path."""
    from ..errors import display_path

    own = next((t for t in brief.templates if t.endswith(f"{brief.kind}.html.j2")), f"{brief.kind}.html.j2")
    return display_path(own)


def source_date_epoch(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())
