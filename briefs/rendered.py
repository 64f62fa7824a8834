"""What rendering gives: one brief's HTML document and its metadata, as plain data.

Kept apart from :mod:`briefs.render` (Jinja, the fact model) so that a writer
process receiving a rendered brief imports only this.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import lxml.html

from . import __version__
from .errors import Problem


@dataclass(frozen=True)
class BriefMeta:
    """What a brief says about itself; every writer stamps the same values, and the index
    and manifest list them. The HTML head declares the same, from the same context."""

    title: str
    author: str
    subject: str
    keywords: tuple[str, ...]
    created: dt.date
    marking: str
    language: str
    perspective: str
    generator: str = f"briefs {__version__}"
    # The text of each source note, in the order the brief cites them.
    notes: tuple[str, ...] = ()
    # Facts shown that the evidence does not support, as (label, file, line): a draft.
    unverified: tuple[tuple[str, str, int | None], ...] = ()
    # What every page, header and cable says besides the marking (the template's page notices:
    # "WORKING COPY ...", "DRAFT: ...").
    notices: tuple[str, ...] = ()


@dataclass
class RenderedBrief:
    """One brief as HTML (text and parsed tree), its metadata, and what went into it."""

    relationship: str
    kind: str
    html: str
    document: lxml.html.HtmlElement
    meta: BriefMeta
    templates: list[str] = field(default_factory=list)
    # What an archival PDF carries: (name inside the PDF, bytes, description), made from
    # what the brief rendered (see briefs.attachments).
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)
    pdf_variant: str | None = None
    # Template name -> file it was loaded from, and the fact paths the brief read.
    template_names: dict[str, str] = field(default_factory=dict)
    fact_paths: set[tuple[Any, ...]] = field(default_factory=set)
    # Located warnings the render found (a figure with no exchange rate near its date).
    warnings: list[Problem] = field(default_factory=list)
    # The cable template's selection, as HTML, when the brief is also sent as a cable.
    cable_html: str | None = None

    # Sent to a writer process, a brief carries what writers read: its HTML text (the tree,
    # which cannot be pickled, is parsed again from it there), metadata, templates and
    # attachments. The fact paths it read stay with the build, which records them.
    def __getstate__(self) -> dict[str, Any]:
        return {**vars(self), "document": None, "fact_paths": set()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        self.document = lxml.html.document_fromstring(self.html)
