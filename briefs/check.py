"""`briefs check`: load every planned relationship and render every brief in memory,
writing nothing; also notes facts that no brief reads."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import Problem, TemplateError
from .evidence import EvidenceCache
from .load import Relationship
from .model import dotted, walk
from .plan import BuildOptions, load_planned, plan
from .produce import render_planned
from .render import RenderedBrief, Renderer


@dataclass
class CheckResult:
    rendered: list[RenderedBrief] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # Facts that no brief of their relationship reads.
    notes: list[Problem] = field(default_factory=list)

    @property
    def relationships(self) -> int:
        return len({brief.relationship for brief in self.rendered})


def check(options: BuildOptions) -> CheckResult:
    """Raise FactError or TemplateError with every problem; else what was rendered."""
    briefs = plan(options)
    # What the last build found in the documents (read, never written: check writes nothing).
    relationships, warnings = load_planned(options, briefs, EvidenceCache(options.layout.evidence_dir))
    renderers: dict = {}
    result, problems = CheckResult(warnings=warnings), []
    for brief in briefs:
        layout = options.layout_for(brief.relationship)
        if layout not in renderers:
            renderers[layout] = Renderer(layout)
        renderer = renderers[layout]
        try:
            rendered = render_planned(renderer, relationships[brief.relationship], brief,
                                      options.layout.snapshots_dir, cable="txt" in options.chosen_formats)
            result.rendered.append(rendered)
            result.warnings.extend(w for w in rendered.warnings if w not in result.warnings)
        except TemplateError as exc:
            problems.extend(p for p in exc.problems if p not in problems)
    if problems:
        raise TemplateError(problems)
    result.notes = _unused_facts(relationships, result.rendered)
    return result


def _unused_facts(relationships: dict[str, Relationship], rendered: list[RenderedBrief]) -> list[Problem]:
    notes = []
    for slug, relationship in relationships.items():
        read = set().union(*(b.fact_paths for b in rendered if b.relationship == slug))
        read.discard(())
        # A fact is used if a read path lies inside it or it lies inside a read path: set
        # look-ups, not a scan of every read path per fact (10,000 facts took minutes).
        within = {p[:i] for p in read for i in range(1, len(p) + 1)}
        for path, model in walk(relationship.facts):
            if not path or path[0] in ("sources", "metadata") or "sources" not in type(model).model_fields:
                continue
            used = path in within or any(path[:i] in read for i in range(1, len(path)))
            if not used:
                notes.append(Problem(f"note: {dotted(path)} is not used by any brief",
                                     relationship.location(path), severity="note"))
    return notes
