"""Produce one brief: render it once, have it written in each format asked for, and
record what it read. Rendering happens in the build's process, which holds the loaded
facts; writing, in a writer process (:mod:`briefs.workers`) or in the build's. Nothing
here touches the output folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import BriefsError, Problem
from .audit import audit_href
from .editions import changes_for
from .layout import Layout
from .load import Relationship
from .plan import BuildOptions, PlannedBrief
from .render import RenderedBrief, Renderer
from .state import Inputs
from .tracking import digest, fingerprint, prune
from .writers import WriteOptions, Written


@dataclass
class Produced:
    """What producing one brief gave: the files by format, and what they were made from."""

    outputs: dict[str, bytes] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: dict[str, list[Problem]] = field(default_factory=dict)
    # The fact paths read, their digest, the templates loaded and the brief's metadata.
    record: dict[str, Any] = field(default_factory=dict)

    def add(self, written: Written) -> None:
        """The files a writer made of the rendered brief."""
        self.outputs.update(written.outputs)
        self.warnings.update(written.warnings)
        self.problems.extend(written.problems)


def write_options(options: BuildOptions, relationship: str) -> WriteOptions:
    return WriteOptions(options.layout_for(relationship), {"pdf": {"variant": options.pdf_variant}})


def render_planned(renderer: Renderer, relationship: Relationship, brief: PlannedBrief,
                   snapshots_dir: Path, cable: bool = False) -> RenderedBrief:
    """Render one planned brief, with its changes section where its kind carries one (since
    the edition in git, or in ``snapshots_dir`` outside git)."""
    changes = changes_for(relationship, brief.kind, snapshots_dir, brief.release)
    passage_href = None
    if brief.working:
        # The build writes the audit page beside the working edition: OUT/audit/<relationship>.html.
        depth = 1 + len(brief.variant.split("/"))

        def passage_href(record, source_id: str) -> str:
            return audit_href(relationship.slug, record, source_id, depth)

    return renderer.render(relationship, brief.kind, changes, brief.perspective, brief.release,
                           working=brief.working, passage_href=passage_href, cable=cable)


def read_digest(relationship: Relationship, brief: PlannedBrief, paths: list, snapshots_dir: Path,
                archival: bool = False) -> str:
    """The values of the facts a brief read, for briefs with a changes section those changes,
    and where its PDF is ``archival`` (and so attaches them) the source documents. (Any
    change to a document is checked against the passages when the facts are loaded.)"""
    value = digest(relationship.facts, paths)
    unverified = _unverified_among(relationship, paths)
    if unverified:  # verifying a fact turns a draft into a brief fit to send: a rebuild
        value += ":unverified:" + fingerprint(unverified)
    if archival and relationship.documents:
        value += ":" + fingerprint(sorted((source, document.digest)
                                          for source, document in relationship.documents.items()))
    changes = changes_for(relationship, brief.kind, snapshots_dir, brief.release)
    return value if changes is None else f"{value}:{fingerprint(changes)}"


def _unverified_among(relationship: Relationship, paths: list) -> list[str]:
    """The facts among those read (whole, or their sources cited) that the evidence does not support."""
    read = {tuple(path) for path in paths}
    return sorted(str(path) for path, record in relationship.evidence.items() if not record.verified
                  and (path + ("sources",) in read or any(path[:i] in read for i in range(1, len(path) + 1))))


def archival(options: BuildOptions, relationship: Relationship) -> bool:
    """Whether the brief's PDF is archival (PDF/A), which attaches its source documents."""
    return "pdf" in options.chosen_formats and (
        options.pdf_variant or relationship.facts.metadata.pdf_variant or "").startswith("pdf/a")


class Producer:
    """Renders the briefs of one build, one renderer per template search path, and records
    what each brief read."""

    def __init__(self, options: BuildOptions, relationships: dict[str, Relationship]):
        self.options, self.relationships = options, relationships
        self._renderers: dict[Layout, Renderer] = {}
        self._inputs: dict[Layout, Inputs] = {}

    def render(self, brief: PlannedBrief) -> tuple[Produced, RenderedBrief | None]:
        """The brief rendered (None if it failed) and its :class:`Produced`, holding the
        record of what it read (or the problems that stopped it), awaiting its files."""
        relationship = self.relationships[brief.relationship]
        layout = self.options.layout_for(brief.relationship)
        if layout not in self._renderers:
            self._renderers[layout], self._inputs[layout] = Renderer(layout), Inputs(layout)
        try:
            rendered = render_planned(self._renderers[layout], relationship, brief, layout.snapshots_dir,
                                      cable="txt" in self.options.chosen_formats)
        except BriefsError as exc:
            return Produced(problems=exc.problems), None
        paths = [list(path) for path in prune(rendered.fact_paths)]
        meta = rendered.meta
        return Produced(record={
            "paths": paths,
            "digest": read_digest(relationship, brief, paths, layout.snapshots_dir,
                                  archival(self.options, relationship)),
            "templates": {name: self._inputs[layout].template(name) for name in rendered.template_names},
            "info": {"title": meta.title, "edition": meta.created.isoformat(), "marking": meta.marking,
                     **({"unverified": [{"fact": label, "file": file, "line": line}
                                        for label, file, line in meta.unverified]}
                        if meta.unverified else {})},
        }), rendered
