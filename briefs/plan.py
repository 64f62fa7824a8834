"""Plan: which briefs a build makes (relationships x editions x brief kinds x formats),
from folder listings alone, and loading the relationships a plan needs.

An edition is a perspective (whose side the brief takes), a release level (the
highest marking it may show) and an audience (the outgoing brief, or the desk's
working edition with its review apparatus); the default edition goes to
``OUT/<relationship>/``, others to a sub-folder named after them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import FactError, Problem, TemplateError, UsageError, Location, display_path, fatal
from .layout import Layout
from .project import relationship_folders
from .writers import default_formats, known_format, suffix

# Planning needs folder listings only. Loading facts needs the fact model (pydantic), which
# is imported where facts are loaded: a build checks what is up to date, and starts its
# writer processes, before that.
if TYPE_CHECKING:
    from .evidence import EvidenceCache
    from .load import Relationship


@dataclass(frozen=True)
class BuildOptions:
    layout: Layout
    # Layouts of relationships with template folders of their own (briefs.yaml).
    scoped_layouts: dict[str, Layout] = field(default_factory=dict)
    # Each entry is a relationship ("pakistan-japan") or one brief ("pakistan-japan/overview").
    only: tuple[str, ...] = ()
    # None: every format whose writer is built by default.
    formats: tuple[str, ...] | None = None
    strict: bool = False
    pdf_variant: str | None = None
    jobs: int | None = None
    force: bool = False
    # Whose side ("pakistan", "japan", "neutral" or "all"; empty: each fact base's default),
    # and the release editions by the highest marking each may show (None: everything).
    perspectives: tuple[str, ...] = ()
    releases: tuple[str | None, ...] = (None,)
    # Also build the desk's working edition (stale marks, freshness wording, source notes)
    # beside the outgoing one, in OUT/<relationship>/[...]/working/ (briefs.yaml: working).
    working: bool = False
    # Build only the working edition (the --working flag), not the outgoing ones.
    working_only: bool = False
    # The whole plan of the project file, not narrowed by --only, --format, --perspective,
    # --release or --working: outputs briefs wrote that it no longer plans are removed.
    complete: bool = False

    @property
    def audiences(self) -> tuple[bool, ...]:
        """False: the outgoing edition a ministry sends; True: the desk's working edition."""
        if self.working_only:
            return (True,)
        return (False, True) if self.working else (False,)

    @property
    def out_dir(self) -> Path:
        return self.layout.out_dir

    def layout_for(self, relationship: str) -> Layout:
        return self.scoped_layouts.get(relationship, self.layout)

    @property
    def chosen_formats(self) -> tuple[str, ...]:
        return self.formats if self.formats is not None else default_formats()


@dataclass(frozen=True)
class PlannedBrief:
    relationship: str
    kind: str
    folder: Path
    perspective: str | None = None  # None: the fact base's default, in the usual place
    release: str | None = None
    # The desk's working edition (review apparatus), not the outgoing one.
    working: bool = False

    @property
    def variant(self) -> str:
        """The sub-folder of a perspective, release or working edition: "japan", "public",
        "japan/public", "working", "public/working"."""
        parts = [self.perspective] if self.perspective else []
        if self.release:
            parts.append(self.release.lower())
        if self.working:
            parts.append("working")
        return "/".join(parts)

    @property
    def key(self) -> str:
        """"pakistan-japan/japan/overview": how the build record and the index name it."""
        return "/".join(p for p in (self.relationship, self.variant, self.kind) if p)

    def output(self, out_dir: Path, fmt: str) -> Path:
        variant = self.variant
        # One join: a portfolio's no-op build asks for thousands of these.
        return out_dir / f"{self.relationship}/{variant + '/' if variant else ''}{self.kind}{suffix(fmt)}"


def plan(options: BuildOptions) -> list[PlannedBrief]:
    """Which briefs to build; raise UsageError on a request for something that does not exist."""
    for fmt in options.chosen_formats:
        known_format(fmt)  # an unknown format is a usage error naming the known ones
    wanted: dict[str, set[str] | None] = {}
    for entry in options.only:
        relationship, _, kind = entry.strip("/").partition("/")
        if kind:
            previous = wanted.get(relationship, set())
            wanted[relationship] = None if previous is None else previous | {kind}
        else:
            wanted[relationship] = None
    layout = options.layout
    folders = {folder.name: folder for folder in relationship_folders(layout.facts_dir)}
    unknown = [name for name in wanted if name not in folders]
    if unknown:
        raise UsageError(
            Problem(f"no relationship named {', '.join(unknown)} in {display_path(layout.facts_dir)}"
                    f" (have: {', '.join(folders) or 'none'})")
        )
    kinds = layout.brief_kinds()
    if not kinds:
        raise TemplateError(
            Problem("no brief templates (*.html.j2) found",
                    Location(", ".join(display_path(d) for d in layout.template_dirs)))
        )
    unknown_kinds = sorted({k for ks in wanted.values() if ks for k in ks} - set(kinds))
    if unknown_kinds:
        raise UsageError(
            Problem(f"no brief kind {', '.join(unknown_kinds)}; kinds are: {', '.join(kinds)}")
        )
    chosen = {slug: folder for slug, folder in folders.items() if not wanted or slug in wanted}
    perspectives = _perspectives(options, chosen)
    return [
        PlannedBrief(slug, kind, folder, perspective, release, working)
        for slug, folder in chosen.items()
        for perspective in perspectives[slug]
        for release in options.releases
        for working in options.audiences
        for kind in kinds
        if not wanted.get(slug) or kind in wanted[slug]  # type: ignore[operator]
    ]


def _perspectives(options: BuildOptions, folders: dict[str, Path]) -> dict[str, list[str | None]]:
    """The perspectives to build for each relationship; checks them and the release levels."""
    asked = list(options.perspectives)
    if not asked and options.releases == (None,):
        return {slug: [None] for slug in folders}  # no need to read any facts to know
    from .load import load_relationship

    result, levels = {}, None
    for slug, folder in folders.items():
        try:
            meta = load_relationship(folder).facts.metadata
        except FactError:
            result[slug] = [p for p in asked if p != "all"] or [None]
            continue  # the build reports the fact errors
        names = [c.perspective for c in meta.countries] + ["neutral"]
        levels = meta.markings if levels is None else [m for m in levels if m in meta.markings]
        unknown = [p for p in asked if p != "all" and p not in names]
        if unknown:
            raise UsageError(Problem(
                f"unknown perspective {', '.join(map(repr, unknown))} for {slug}; choose one of"
                f" {', '.join(names)} or all"))
        result[slug] = names if "all" in asked else (asked or [None])
    unknown_levels = [r for r in options.releases if r is not None and levels is not None and r not in levels]
    if unknown_levels:
        raise UsageError(Problem(
            f"unknown release level {', '.join(map(repr, unknown_levels))}; the markings are:"
            f" {', '.join(levels)}"))
    return result


@dataclass
class Loaded:
    """The relationships of a plan that loaded soundly, and the problems of those that did not."""

    relationships: dict[str, Relationship] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    # Per relationship whose facts are broken: every problem found in it.
    broken: dict[str, list[Problem]] = field(default_factory=dict)

    @property
    def problems(self) -> list[Problem]:
        return [problem for problems in self.broken.values() for problem in problems]


def load_sound(options: BuildOptions, briefs: list[PlannedBrief],
               evidence_cache: EvidenceCache | None = None) -> Loaded:
    """Load and validate each relationship of ``briefs`` once; a broken one is set aside with
    its problems, so that it stops only itself."""
    from .load import load_relationship
    from .scripts import undrawable_in_facts

    loaded = Loaded()
    for folder in dict.fromkeys(brief.folder for brief in briefs):
        try:
            relationship = load_relationship(folder, evidence_cache=evidence_cache)
        except FactError as exc:
            loaded.broken[folder.name] = list(exc.problems)
            continue
        relationship.warnings = [*relationship.warnings, *undrawable_in_facts(
            relationship, options.layout_for(relationship.slug).font_files())]
        loaded.relationships[relationship.slug] = relationship
        loaded.warnings.extend(relationship.warnings)
    return loaded


def load_planned(options: BuildOptions, briefs: list[PlannedBrief], evidence_cache: EvidenceCache | None = None
                 ) -> tuple[dict[str, Relationship], list[Problem]]:
    """Load and validate each relationship once; raise once with every fact problem of every
    relationship (and, under --strict, every warning)."""
    loaded = load_sound(options, briefs, evidence_cache)
    if loaded.broken:
        raise FactError(loaded.problems)
    if options.strict and loaded.warnings:
        raise FactError(fatal(loaded.warnings))
    return loaded.relationships, loaded.warnings
