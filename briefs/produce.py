"""Produce one brief: render it once, write it in each format asked for, and record
what it read. Runs in a build worker; returns bytes and never touches the output folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import BriefsError, Problem
from .editions import changes_for
from .layout import Layout
from .load import Relationship, load_relationship
from .plan import BuildOptions, PlannedBrief
from .render import RenderedBrief, Renderer
from .state import Inputs
from .tracking import digest, fingerprint, prune
from .writers import WriteOptions, writer_class


@dataclass
class Produced:
    """What producing one brief gave: the files by format, and what they were made from."""

    outputs: dict[str, bytes] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: dict[str, list[Problem]] = field(default_factory=dict)
    # The fact paths read, their digest, the templates loaded and the brief's metadata.
    record: dict[str, Any] = field(default_factory=dict)


def write_options(options: BuildOptions, relationship: str) -> WriteOptions:
    return WriteOptions(options.layout_for(relationship), {"pdf": {"variant": options.pdf_variant}})


def render_planned(renderer: Renderer, relationship: Relationship, brief: PlannedBrief,
                   out_dir: Path) -> RenderedBrief:
    """Render one planned brief, with its changes section where its kind carries one."""
    changes = changes_for(relationship, brief.kind, out_dir, brief.release)
    return renderer.render(relationship, brief.kind, changes, brief.perspective, brief.release,
                           working=brief.working)


def read_digest(relationship: Relationship, brief: PlannedBrief, paths: list, out_dir: Path) -> str:
    """The values of the facts a brief read, and for briefs with a changes section, those changes."""
    value = digest(relationship.facts, paths)
    changes = changes_for(relationship, brief.kind, out_dir, brief.release)
    return value if changes is None else f"{value}:{fingerprint(changes)}"


def produce(options: BuildOptions, brief: PlannedBrief, formats: list[str]) -> Produced:
    """Render one brief and write it in the given formats, in memory."""
    relationship = _cached_relationship(brief.folder)
    try:
        rendered = render_planned(_renderer(options.layout_for(brief.relationship)), relationship, brief,
                                  options.out_dir)
    except BriefsError as exc:
        return Produced(problems=exc.problems)
    inputs = Inputs(options.layout_for(brief.relationship))
    paths = [list(path) for path in prune(rendered.fact_paths)]
    meta = rendered.meta
    produced = Produced(record={
        "paths": paths,
        "digest": read_digest(relationship, brief, paths, options.out_dir),
        "templates": {name: inputs.template(name) for name in rendered.template_names},
        "info": {"title": meta.title, "edition": meta.created.isoformat(), "marking": meta.marking},
    })
    settings = write_options(options, brief.relationship)
    for fmt in formats:
        writer = writer_class(fmt)()
        try:
            produced.outputs[fmt] = writer.write(rendered, settings)
        except BriefsError as exc:
            produced.problems.extend(exc.problems)
            continue
        produced.warnings[fmt] = list(writer.warnings)
    _log_memory(len(produced.outputs))
    return produced


# --- what a worker keeps between briefs ---------------------------------------------------

_WORKER: dict[Any, Any] = {}
_RECENT = 4  # relationships a worker keeps loaded (tasks arrive grouped by relationship)


def init_worker() -> None:
    import weasyprint  # noqa: F401  (imported once per worker, not once per document)


def _renderer(layout: Layout) -> Renderer:
    key = ("renderer", layout)
    if key not in _WORKER:
        _WORKER[key] = Renderer(layout)
    return _WORKER[key]


def keep_loaded(relationship: Relationship) -> None:
    """Hand a relationship the build has already loaded to briefs produced in this process."""
    relationship.loaded_digest = relationship.digest()
    _WORKER.setdefault("relationships", {})[relationship.folder] = relationship


def _cached_relationship(folder: Path) -> Relationship:
    """The relationship, loaded once while its briefs are being built, then let go, so a
    worker's memory does not grow with the size of the portfolio."""
    recent = _WORKER.setdefault("relationships", {})
    entry = recent.pop(folder, None)
    if entry is None or entry.digest() != entry.loaded_digest:
        entry = load_relationship(folder)
        entry.loaded_digest = entry.digest()
    recent[folder] = entry
    while len(recent) > _RECENT:
        recent.pop(next(iter(recent)))
    return entry


def _log_memory(documents: int) -> None:
    """For the benchmark: each worker's resident memory after each brief (BRIEFS_MEMORY_LOG)."""
    log = os.environ.get("BRIEFS_MEMORY_LOG")
    if not log:
        return
    _WORKER["documents"] = _WORKER.get("documents", 0) + documents
    try:
        with open("/proc/self/statm", encoding="ascii") as stream:
            resident_kb = int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        return
    with open(log, "a", encoding="ascii") as stream:
        stream.write(f"{os.getpid()} {_WORKER['documents']} {resident_kb}\n")
