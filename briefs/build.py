"""Build: plan the outputs, skip those up to date, produce the rest in parallel, write atomically.

1. **Plan** (cheap): relationships x brief kinds x formats, from folder listings.
2. **Check** each output against the build record (:mod:`briefs.state`): content
   hashes of its fact files, the fact values it read, its templates, its options
   and the output file itself. Nothing to do means no parsing and no rendering.
3. **Validate** every relationship that has work: any invalid fact stops the
   build before anything is written.
4. **Produce** the stale outputs in a process pool (WeasyPrint imported once
   per worker); each result is written as it arrives, through a temporary file
   renamed into place, so an interrupted build leaves old or new files, never
   half files. A template or writer failure affects only its own outputs.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import __version__
from .errors import BriefsError, FactError, Location, Problem, TemplateError, UsageError, display_path
from .project import brief_kinds, reference_docx, relationship_folders
from .state import BuildState, Inputs, atomic_write

DEFAULT_FORMATS = ("pdf", "docx", "html")
SUFFIXES = {"pdf": ".pdf", "docx": ".docx", "html": ".html"}
PDF_VARIANTS = ("pdf/ua-1", "pdf/a-3u")


@dataclass(frozen=True)
class BuildOptions:
    facts_dir: Path = Path("facts")
    template_dirs: tuple[Path, ...] = (Path("templates"),)
    out_dir: Path = Path("build")
    # Each entry is a relationship ("pakistan-japan") or one brief ("pakistan-japan/overview").
    only: tuple[str, ...] = ()
    formats: tuple[str, ...] = DEFAULT_FORMATS
    strict: bool = False
    reference_docx: Path | None = None
    pdf_variant: str | None = None
    jobs: int | None = None
    force: bool = False
    # Whose side ("pakistan", "japan", "neutral" or "all"; None: each fact base's default),
    # and the highest marking an edition may show (None: everything).
    perspective: str | None = None
    release: str | None = None


@dataclass(frozen=True)
class PlannedBrief:
    relationship: str
    kind: str
    folder: Path
    perspective: str | None = None  # None: the fact base's default, in the usual place
    release: str | None = None

    @property
    def variant(self) -> str:
        """The sub-folder of a perspective or release edition: "japan", "public", "japan/public"."""
        parts = [self.perspective] if self.perspective else []
        if self.release:
            parts.append(self.release.lower())
        return "/".join(parts)

    def output(self, out_dir: Path, fmt: str) -> Path:
        folder = out_dir / self.relationship
        if self.variant:
            folder = folder / self.variant
        return folder / f"{self.kind}{SUFFIXES.get(fmt, '.' + fmt)}"


@dataclass
class BuildResult:
    built: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failures: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0


class Reporter:
    """What a build tells its user; the CLI supplies a progress bar or plain lines."""

    def waiting(self, out_dir: Path) -> None:
        import sys

        print(f"waiting for another build of {display_path(out_dir)}/ to finish...", file=sys.stderr, flush=True)

    def start(self, total: int) -> None: ...

    def done(self, brief: PlannedBrief, paths: list[Path], problems: list[Problem]) -> None: ...

    def finish(self) -> None: ...


# --- planning -------------------------------------------------------------------------


def plan(options: BuildOptions) -> list[PlannedBrief]:
    """Which briefs to build, from folder listings alone; raise on a wrong request."""
    unknown_formats = [f for f in options.formats if f not in SUFFIXES]
    if unknown_formats:
        raise UsageError(
            Problem(f"unknown format {', '.join(unknown_formats)}; formats are: {', '.join(SUFFIXES)}")
        )
    wanted: dict[str, set[str] | None] = {}
    for entry in options.only:
        relationship, _, kind = entry.strip("/").partition("/")
        if kind:
            previous = wanted.get(relationship, set())
            wanted[relationship] = None if previous is None else previous | {kind}
        else:
            wanted[relationship] = None
    folders = {folder.name: folder for folder in relationship_folders(options.facts_dir)}
    unknown = [name for name in wanted if name not in folders]
    if unknown:
        raise UsageError(
            Problem(f"no relationship named {', '.join(unknown)} in {display_path(options.facts_dir)}"
                    f" (have: {', '.join(folders) or 'none'})")
        )
    kinds = brief_kinds(options.template_dirs)
    if not kinds:
        raise TemplateError(
            Problem("no brief templates (*.html.j2) found",
                    Location(", ".join(display_path(d) for d in options.template_dirs)))
        )
    unknown_kinds = sorted({k for ks in wanted.values() if ks for k in ks} - set(kinds))
    if unknown_kinds:
        raise UsageError(
            Problem(f"no brief kind {', '.join(unknown_kinds)}; kinds are: {', '.join(kinds)}")
        )
    chosen = {slug: folder for slug, folder in folders.items() if not wanted or slug in wanted}
    variants = _variants(options, chosen)
    return [
        PlannedBrief(slug, kind, folder, perspective, options.release)
        for slug, folder in chosen.items()
        for perspective in variants[slug]
        for kind in kinds
        if not wanted.get(slug) or kind in wanted[slug]  # type: ignore[operator]
    ]


def _variants(options: BuildOptions, folders: dict[str, Path]) -> dict[str, list[str | None]]:
    """The perspectives to build for each relationship; checks --perspective and --release."""
    if options.perspective is None and options.release is None:
        return {slug: [None] for slug in folders}  # no need to read any facts to know
    from .load import load_relationship

    result, valid, levels = {}, set(), None
    for slug, folder in folders.items():
        try:
            meta = load_relationship(folder).facts.metadata
        except FactError:
            result[slug] = [options.perspective] if options.perspective not in (None, "all") else [None]
            continue  # the build reports the fact errors
        names = [c.perspective for c in meta.countries] + ["neutral"]
        valid |= set(names)
        levels = meta.markings if levels is None else [m for m in levels if m in meta.markings]
        if options.perspective == "all":
            result[slug] = names
        else:
            result[slug] = [options.perspective]
            if options.perspective is not None and options.perspective not in names:
                raise UsageError(Problem(
                    f"unknown perspective {options.perspective!r} for {slug}; choose one of"
                    f" {', '.join(names)} or all"))
    if options.release is not None and levels is not None and options.release not in levels:
        raise UsageError(Problem(
            f"unknown release level {options.release!r}; the markings are: {', '.join(levels)}"))
    return result


def _fatal(warnings: list[Problem]) -> list[Problem]:
    return [Problem(w.message + " (fatal with --strict)", w.location) for w in warnings]


def load_planned(options: BuildOptions, briefs: list[PlannedBrief]):
    """Load and validate each relationship once; raise once with every fact problem."""
    from .load import load_relationship

    relationships, problems, warnings = {}, [], []
    for brief in briefs:
        if brief.relationship in relationships:
            continue
        try:
            relationship = load_relationship(brief.folder)
        except FactError as exc:
            problems.extend(exc.problems)
            relationships[brief.relationship] = None
            continue
        relationships[brief.relationship] = relationship
        warnings.extend(relationship.warnings)
    if problems:
        raise FactError(problems)
    if options.strict and warnings:
        raise FactError(_fatal(warnings))
    return relationships, warnings


def render_all(options: BuildOptions):
    """Load and render every planned brief in memory (``briefs check``); write nothing."""
    from .render import Renderer

    briefs = plan(options)
    relationships, warnings = load_planned(options, briefs)
    renderer = Renderer(list(options.template_dirs))
    rendered, problems = [], []
    for brief in briefs:
        relationship = relationships[brief.relationship]
        changes = changes_for(relationship, brief.kind, options, brief.release)
        try:
            rendered.append(renderer.render(relationship, brief.kind, changes, brief.perspective,
                                            brief.release))
        except TemplateError as exc:
            problems.extend(p for p in exc.problems if p not in problems)
    if problems:
        raise TemplateError(problems)
    return rendered, warnings, _unused_facts(relationships, rendered)


def _unused_facts(relationships, rendered) -> list[Problem]:
    """Facts that no brief of their relationship reads: notes for ``briefs check``."""
    from .model import walk

    notes = []
    for slug, relationship in relationships.items():
        read = set().union(*(b.fact_paths for b in rendered if b.relationship == slug))
        for path, model in walk(relationship.facts):
            if not path or path[0] in ("sources", "metadata") or "sources" not in type(model).model_fields:
                continue
            used = any(p[: len(path)] == path or path[: len(p)] == p for p in read if p)
            if not used:
                dotted = ".".join(str(p) for p in path).replace(".", "[", 0)
                notes.append(Problem(f"note: {dotted} is not used by any brief",
                                     relationship.location(path), severity="note"))
    return notes


# --- building -------------------------------------------------------------------------


def _format_options(options: BuildOptions, inputs: Inputs, fmt: str) -> dict[str, Any]:
    """Everything besides facts and templates that shapes one format's bytes."""
    key: dict[str, Any] = {"version": __version__, "format": fmt}
    if fmt == "pdf":
        key["pdf_variant"] = options.pdf_variant
        key["fonts"] = inputs.folder("fonts")
    elif fmt == "docx":
        reference = reference_docx(options.template_dirs, options.reference_docx)
        key["reference"] = inputs.file(reference) if reference else None
    return key


def build(options: BuildOptions, reporter: Reporter | None = None) -> BuildResult:
    """Bring every planned output up to date. Fact errors raise before anything is written;
    a failing brief is reported in the result while the others are built."""
    started = time.perf_counter()
    reporter = reporter or Reporter()
    briefs = plan(options)
    with _exclusive(options.out_dir, reporter):
        result = _build_locked(options, reporter, briefs)
    result.seconds = time.perf_counter() - started
    return result


@contextlib.contextmanager
def _exclusive(out_dir: Path, reporter: Reporter):
    """One build at a time per build folder: a second one waits, saying so."""
    out_dir.mkdir(parents=True, exist_ok=True)
    handle = os.open(out_dir, os.O_RDONLY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            reporter.waiting(out_dir)
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def _build_locked(options: BuildOptions, reporter: Reporter, briefs: list[PlannedBrief]) -> BuildResult:
    inputs = Inputs(tuple(options.template_dirs))
    state = BuildState.read(options.out_dir)
    result = BuildResult()

    # Decide, per brief, which formats are stale; "facts" means a fact file changed and the
    # values this brief read must be compared once the relationship is loaded.
    pending: dict[PlannedBrief, dict[str, str]] = {}
    folders = {b.relationship: b.folder for b in briefs}
    fact_files = {slug: inputs.fact_files(folder) for slug, folder in folders.items()}
    format_options = {fmt: _format_options(options, inputs, fmt) for fmt in options.formats}
    for brief in briefs:
        for fmt in options.formats:
            path = brief.output(options.out_dir, fmt)
            key = state.key(path)
            verdict = "stale" if options.force else state.check(
                key, path, _brief_key(brief), fact_files[brief.relationship], format_options[fmt], inputs)
            if verdict == "fresh":
                result.skipped.append(path)
                _add_warnings(result, state.warnings_of(key, brief.relationship))
            else:
                pending.setdefault(brief, {})[fmt] = verdict

    if pending:
        relationships, fact_warnings = load_planned(options, list(pending))
        for slug, relationship in relationships.items():
            state.remember_fact_warnings(slug, relationship.warnings)
            _snapshot(options, relationship)
        _add_warnings(result, fact_warnings)
        work: list[tuple[PlannedBrief, list[str]]] = []
        for brief, formats in pending.items():
            stale = []
            for fmt, verdict in formats.items():
                key = state.key(brief.output(options.out_dir, fmt))
                if verdict == "facts" and _facts_unchanged(
                        state, key, brief, relationships[brief.relationship], fact_files, options):
                    result.skipped.append(brief.output(options.out_dir, fmt))
                    _add_warnings(result, state.warnings_of(key, brief.relationship))
                else:
                    stale.append(fmt)
            if stale:
                work.append((brief, stale))
        _produce_all(options, inputs, state, work, fact_files, reporter, result)

    if result.built or not (options.out_dir / "index.html").exists() \
            or not (options.out_dir / "manifest.json").exists():
        try:
            if atomic_write(options.out_dir / "index.html", _index(options, state)):
                result.built.append(options.out_dir / "index.html")
        except BriefsError as exc:
            result.failures.extend(exc.problems)
        atomic_write(options.out_dir / "manifest.json", _manifest(options, state))
    if state.dirty:
        atomic_write(options.out_dir / ".briefs-state.json", state.to_bytes())
    if options.strict and result.warnings:
        result.failures.extend(_fatal(result.warnings))
        result.warnings = []
    return result


def _snapshot(options: BuildOptions, relationship) -> None:
    """Record this edition's facts in build/, for comparisons where there is no git."""
    from .editions import snapshot_bytes, snapshot_path

    atomic_write(snapshot_path(options.out_dir, relationship.slug, relationship.facts.metadata.edition.number),
                 snapshot_bytes(relationship.facts))


def _brief_key(brief: PlannedBrief) -> str:
    return "/".join(p for p in (brief.relationship, brief.variant, brief.kind) if p)


def _digest(relationship, kind: str, paths: list, options: BuildOptions, release: str | None = None) -> str:
    """The facts a brief read, and for briefs with a changes section, those changes."""
    from .tracking import digest, fingerprint

    value = digest(relationship.facts, paths)
    changes = changes_for(relationship, kind, options, release)
    return value if changes is None else f"{value}:{fingerprint(changes)}"


def _facts_unchanged(state: BuildState, key: str, brief: PlannedBrief, relationship, fact_files,
                     options) -> bool:
    """The fact files changed, but not the facts this output's brief read: note the new files."""
    deps = state.deps_of(key)
    if deps is None or _digest(relationship, brief.kind, state.paths(deps), options,
                               brief.release) != deps.digest:
        return False
    deps.fact_files = fact_files[brief.relationship]
    state.dirty = True
    return True


def _produce_all(options, inputs, state, work, fact_files, reporter, result) -> None:
    jobs = options.jobs or os.cpu_count() or 1
    jobs = max(1, min(jobs, len(work)))
    reporter.start(len(work))
    ordered: dict[int, tuple] = {}
    next_to_report = 0

    def accept(index: int, outcome: tuple) -> None:
        nonlocal next_to_report
        brief, formats = work[index]
        produced, problems, warnings, deps = outcome
        written = []
        if produced:
            deps_id = state.remember_brief(fact_files[brief.relationship], deps["paths"], deps["digest"],
                                           deps["templates"], deps["info"])
        for fmt, data in produced.items():
            path = brief.output(options.out_dir, fmt)
            atomic_write(path, data)
            state.remember_output(path, _brief_key(brief), deps_id, _format_options(options, inputs, fmt),
                                  data, warnings.get(fmt, []))
            written.append(path)
            _add_warnings(result, warnings.get(fmt, []))
        result.built.extend(written)
        result.failures.extend(p for p in problems if p not in result.failures)
        # Report in plan order whatever order the workers finish in.
        ordered[index] = (brief, written, problems)
        while next_to_report in ordered:
            reporter.done(*ordered.pop(next_to_report))
            next_to_report += 1

    tasks = [(options, brief, formats) for brief, formats in work]
    try:
        if jobs == 1:
            for index, task in enumerate(tasks):
                accept(index, produce(*task))
        else:
            with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker) as pool:
                futures = {pool.submit(produce, *task): index for index, task in enumerate(tasks)}
                remaining = set(futures)
                while remaining:
                    done, remaining = wait(remaining, return_when=FIRST_COMPLETED)
                    for future in sorted(done, key=futures.__getitem__):
                        accept(futures[future], future.result())
    finally:
        # Whatever was written is recorded, so an interrupted build resumes where it stopped.
        if state.dirty:
            atomic_write(options.out_dir / ".briefs-state.json", state.to_bytes())
        reporter.finish()



def _add_warnings(result: BuildResult, warnings: list[Problem]) -> None:
    seen = result.__dict__.get("_seen_warnings")
    if seen is None:
        seen = result.__dict__["_seen_warnings"] = set(result.warnings)
    for warning in warnings:
        if warning not in seen:
            seen.add(warning)
            result.warnings.append(warning)


# --- in a worker ------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker() -> None:
    import weasyprint  # noqa: F401  (imported once per worker, not once per document)


def produce(options: BuildOptions, brief: PlannedBrief, formats: list[str]):
    """Render one brief and write it in the given formats, in memory.

    Returns ({format: bytes}, problems, warnings, dependencies)."""
    from .render import Renderer
    from .tracking import prune
    from .writers import WriteOptions, get_writer

    relationship = _cached_relationship(brief.folder)
    renderer = _WORKER.get(("renderer", options.template_dirs))
    if renderer is None:
        renderer = _WORKER[("renderer", options.template_dirs)] = Renderer(list(options.template_dirs))
    try:
        changes = changes_for(relationship, brief.kind, options, brief.release)
        rendered = renderer.render(relationship, brief.kind, changes, brief.perspective, brief.release)
    except BriefsError as exc:
        return {}, exc.problems, {}, {}
    inputs = Inputs(tuple(options.template_dirs))
    paths = [list(path) for path in prune(rendered.fact_paths)]
    deps = {
        "paths": paths,
        "digest": _digest(relationship, brief.kind, paths, options, brief.release),
        "templates": {name: inputs.template(name) for name in rendered.template_names},
        "info": _brief_info(rendered),
    }
    write_options = WriteOptions(template_dirs=tuple(options.template_dirs),
                                 reference_docx=options.reference_docx, pdf_variant=options.pdf_variant)
    produced, problems, warnings = {}, [], {}
    for fmt in formats:
        writer = get_writer(fmt)
        try:
            produced[fmt] = writer.write(rendered, write_options)
        except BriefsError as exc:
            problems.extend(exc.problems)
            continue
        warnings[fmt] = list(getattr(writer, "warnings", []))
    _log_memory(len(produced))
    return produced, problems, warnings, deps


_RECENT = 4  # relationships a worker keeps loaded (tasks arrive grouped by relationship)


def _cached_relationship(folder: Path):
    """The relationship, loaded once while its briefs are being built, then let go, so a
    worker's memory does not grow with the size of the portfolio."""
    from .load import load_relationship

    recent = _WORKER.setdefault("relationships", {})
    entry = recent.pop(folder, None)
    if entry is None or entry.digest() != entry.loaded_digest:
        entry = load_relationship(folder)
        entry.loaded_digest = entry.digest()
    recent[folder] = entry
    while len(recent) > _RECENT:
        recent.pop(next(iter(recent)))
    return entry


def changes_for(relationship, kind: str, options: BuildOptions, release: str | None = None):
    """What changed since the previous edition, for brief kinds that show it (else None);
    in a release edition, only changes to facts that edition may show."""
    from .editions import compare, previous_edition

    meta = relationship.facts.metadata
    if kind not in meta.changes_in:
        return None
    # Kept on the loaded relationship, so it goes when the relationship does.
    cache = relationship.changes_cache
    if cache is None:
        since, older = previous_edition(relationship, options.out_dir)
        cache = relationship.changes_cache = {
            "older": compare(older, relationship.facts, since) if older is not None else None}
    if release not in cache:
        changes = cache["older"]
        if changes is None:
            cache[release] = {"since": "", "first": True, "added": [], "changed": [], "removed": []}
        else:
            shown = changes.released(meta.markings, release) if release else changes
            cache[release] = {**shown.to_json(), "first": False}
    return cache[release]


def _brief_info(rendered) -> dict[str, str]:
    from .writers import document_info, parse_html

    info = document_info(parse_html(rendered.html))
    return {"title": info.title, "edition": info.created.isoformat(), "marking": info.marking}


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


# --- the index --------------------------------------------------------------------------


def _index(options: BuildOptions, state: BuildState) -> bytes:
    """build/index.html: every brief in the build folder, linked in each format present."""
    from .render import Renderer

    briefs: dict[str, dict[str, str]] = {}
    for key, record in state.outputs.items():
        if (options.out_dir / key).is_file():
            fmt = next((f for f, suffix in SUFFIXES.items() if key.endswith(suffix)), None)
            if fmt:
                briefs.setdefault(record.brief, {})[fmt] = key
    rows = []
    for brief_key, links in sorted(briefs.items()):
        parts = brief_key.split("/")
        record = next((state.deps_of(k) for k in links.values() if state.deps_of(k)), None)
        info = record.info if record else {}
        rows.append({
            "relationship": parts[0],
            "variant": " / ".join(parts[1:-1]),
            "kind": parts[-1],
            "title": info.get("title") or parts[-1],
            "edition": info.get("edition", ""),
            "marking": info.get("marking", ""),
            "links": [(fmt.upper(), links[fmt]) for fmt in SUFFIXES if fmt in links],
        })
    renderer = Renderer(list(options.template_dirs))
    return renderer.render_page("_index.html.j2", {"briefs": rows}, "the build index").encode("utf-8")


def _manifest(options: BuildOptions, state: BuildState) -> bytes:
    """build/manifest.json: each output's SHA-256, size, edition date and fact base revision."""
    import json

    from .editions import fact_base_revision

    revision = fact_base_revision(options.facts_dir)
    outputs = {}
    for key, record in sorted(state.outputs.items()):
        if not (options.out_dir / key).is_file():
            continue
        deps = state.deps_of(key)
        info = deps.info if deps else {}
        outputs[key] = {"sha256": record.output["sha"], "size": record.output["size"],
                        "edition_date": info.get("edition"), "marking": info.get("marking"),
                        "title": info.get("title")}
    data = {"fact_base_revision": revision, "generator": f"briefs {__version__}", "outputs": outputs}
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
