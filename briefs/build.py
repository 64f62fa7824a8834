"""Build: bring every planned output up to date.

1. **Plan** (:mod:`briefs.plan`): relationships x editions x brief kinds x formats.
2. **Skip** what is up to date, by the build record (:mod:`briefs.state`): content
   hashes of the fact files, of the fact values each brief read, of its templates,
   its options and the output file itself. Nothing to do means no parsing and no
   rendering.
3. **Start the writer processes** (:mod:`briefs.workers`), before anything heavy is
   imported: they import WeasyPrint while this process does the next two steps.
4. **Load** every relationship that has work: a relationship with an invalid fact is
   reported and built no further (its previous outputs stay as they were), while the
   others are built; under ``--strict`` any problem stops the build before anything is
   written.
5. **Dispatch**: render each stale brief here (:mod:`briefs.produce`) and hand it to
   a writer process; each result is written as it arrives, through a temporary file
   renamed into place (:mod:`briefs.output`), so an interrupted build leaves old or
   new files, never half files. A template or writer failure affects only its own
   outputs.
6. **Publish** (:mod:`briefs.publish`) the index and manifest, and **report**.

Up to step 3 only light modules are imported; the fact model, Jinja and the
publishing code are imported where they are first used, once there is work.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import BriefsError, BuildError, FactError, Location, Problem, display_path, fatal
from .layout import Layout
from .output import atomic_write, exclusive, sweep_temporaries
from .plan import BuildOptions, PlannedBrief, load_sound, plan
from .project import relationship_folders
from .state import BuildState, Inputs, as_parsed, move_legacy_state

if TYPE_CHECKING:
    from .evidence import EvidenceCache
    from .load import Relationship
    from .produce import Produced
    from .workers import Writers
    from .writers import Written


@dataclass
class BuildResult:
    built: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failures: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    # Per release edition built ("pakistan-japan PUBLIC"), the facts it leaves out, located.
    withheld: dict[str, list[str]] = field(default_factory=dict)
    # Relationships whose facts are broken: nothing of theirs was built or changed.
    broken: list[str] = field(default_factory=list)
    # Outputs removed because they can no longer be built (see _Build._prune).
    pruned: list[Path] = field(default_factory=list)
    _seen: set[Problem] = field(default_factory=set, repr=False)

    def warn(self, warnings: list[Problem]) -> None:
        for warning in warnings:
            if warning not in self._seen:
                self._seen.add(warning)
                self.warnings.append(warning)


class Reporter:
    """What a build tells its user; the CLI supplies a progress bar or plain lines."""

    def waiting(self, out_dir: Path) -> None:
        print(f"waiting for another build of {display_path(out_dir)}/ to finish...", file=sys.stderr, flush=True)

    def notice(self, message: str) -> None:
        """Something the user should know that is not a problem with the input."""
        print(f"briefs: {message}", file=sys.stderr, flush=True)

    def start(self, total: int) -> None: ...

    def done(self, brief: PlannedBrief, paths: list[Path], problems: list[Problem]) -> None: ...

    def finish(self) -> None: ...


def build(options: BuildOptions, reporter: Reporter | None = None) -> BuildResult:
    """Bring every planned output up to date. Fact errors raise before anything is written;
    a failing brief is reported in the result while the others are built."""
    started = time.perf_counter()
    reporter = reporter or Reporter()
    briefs = plan(options)
    with exclusive(options.out_dir, reporter.waiting, reporter.notice, record_file=options.layout.record_file):
        sweep_temporaries(options.out_dir)
        move_legacy_state(options.layout)
        result = _Build(options, reporter).run(briefs)
    result.seconds = time.perf_counter() - started
    return result


def dist(options: BuildOptions, perspective: str | None = None, release: str | None = None,
         reporter: Reporter | None = None) -> tuple[BuildResult, Path]:
    """Bundle one edition's PDFs (the full edition from each fact base's own side by default):
    build what is stale of that edition first, then, holding the build lock so that no build
    changes a file meanwhile, bundle only outputs whose record says they are current."""
    import dataclasses

    options = dataclasses.replace(options, formats=("pdf",), perspectives=(perspective,) if perspective else (),
                                  releases=(release,), working=False, working_only=False, strict=False)
    result = build(options, reporter)
    if result.failures:
        raise BuildError(result.failures + [Problem(
            "the edition could not be built, so nothing was bundled", Location(display_path(options.out_dir)))])
    reporter = reporter or Reporter()
    with exclusive(options.out_dir, reporter.waiting, reporter.notice):
        briefs = plan(options)
        current = _Build(options, reporter)
        stale = [path for brief, formats in current._stale(briefs).items()
                 for path in (brief.output(options.out_dir, fmt) for fmt in formats)]
        if stale:  # another build changed the facts, templates or files since ours
            raise BuildError([Problem("not up to date (changed since it was built); run briefs dist again",
                                      Location(display_path(path))) for path in stale])
        from .publish import bundle

        edition = {"perspective": perspective or "default", "release": release or "full"}
        label = "-".join(p for p in (perspective, release.lower() if release else None) if p) or "full"
        keys = [current.state.key(brief.output(options.out_dir, "pdf")) for brief in briefs]
        return result, bundle(options.layout, current.state, keys, edition, label)


class _Build:
    """One build, holding the record it reads and updates."""

    def __init__(self, options: BuildOptions, reporter: Reporter):
        self.options, self.reporter = options, reporter
        self._inputs: dict[Layout, Inputs] = {}
        self._inputs_of: dict[str, Inputs] = {}
        self.state = BuildState.read(options.out_dir, options.layout.record_file)
        if self.state.damage:
            reporter.notice(self.state.damage)
        self.result = BuildResult()
        self.fact_files: dict[str, dict[str, str]] = {}
        self._format_keys: dict[tuple[str, int], dict[str, Any]] = {}
        # Under --strict, outputs wait here until the whole build is known to be clean.
        self._held: list[tuple[PlannedBrief, Produced]] = []
        # The briefs being produced, and those finished but not yet reported (plan order).
        self._work: list[tuple[PlannedBrief, list[str]]] = []
        self._finished: dict[int, tuple[PlannedBrief, list[Path], list[Problem]]] = {}
        self._reported = 0
        # Relationships whose working edition was written: its notes link to their audit page.
        self._audited: set[str] = set()
        # Relationships a brief of which failed: their edition snapshot waits for a clean build.
        self._failed: set[str] = set()
        # What earlier builds found in the source documents (by content); kept with the record.
        self._evidence: EvidenceCache | None = None

    def run(self, briefs: list[PlannedBrief]) -> BuildResult:
        self._prune(briefs)
        pending = self._stale(briefs)
        relationships = self._produce(pending) if pending else {}
        if self.options.strict:
            self._write_held_if_clean()
        if self.result.failures and not self.result.built and not self.result.pruned:
            return self.result  # a failed build changes nothing in the output folder
        self._note_withheld(relationships)
        self._write_audits(relationships)
        for relationship in relationships.values():
            self.state.remember_fact_warnings(relationship.slug, relationship.warnings)
            if relationship.slug not in self._failed:
                self._snapshot(relationship)
        self._publish()
        return self.result

    def _produce(self, pending: dict[PlannedBrief, dict[str, str]]) -> dict[str, Relationship]:
        """Load the relationships of the pending briefs; produce those still stale."""
        from .workers import Writers  # multiprocessing: only once there is work

        with Writers(self.options.chosen_formats) as writers:
            # Started before loading imports the fact model: they import WeasyPrint meanwhile.
            writers.start(self._writers(sum("stale" in verdicts.values() for verdicts in pending.values())))
            from .evidence import EvidenceCache  # the fact model: only once there is work (see above)

            self._evidence = EvidenceCache(self.options.layout.evidence_dir)
            relationships = self._load(list(pending))
            for slug, relationship in relationships.items():  # what was parsed, not what is there now
                self.fact_files[slug] = as_parsed(self.fact_files[slug], relationship.parsed)
            self._work = [(brief, formats) for brief, formats in
                          ((b, self._still_stale(b, f, relationships[b.relationship]))
                           for b, f in pending.items() if b.relationship in relationships)
                          if formats]
            writers.start(self._writers(len(self._work)))
            self._dispatch(relationships, writers)
        return relationships

    def _load(self, briefs: list[PlannedBrief]) -> dict[str, Relationship]:
        """The sound relationships of ``briefs``; a broken one is reported and left alone
        (under --strict any problem or warning stops the whole build)."""
        loaded = load_sound(self.options, briefs, self._evidence)
        if self.options.strict and (loaded.broken or loaded.warnings):
            raise FactError(loaded.problems + fatal(loaded.warnings))
        self.result.warn(loaded.warnings)
        self.result.failures.extend(loaded.problems)
        self.result.broken = sorted(loaded.broken)
        return loaded.relationships

    def _note_withheld(self, relationships: dict[str, Relationship]) -> None:
        """Tell the editor what each release edition left out, so that nothing goes missing silently."""
        if not relationships:
            return
        from .model import dotted  # the fact model: loaded by now, but not before (see above)

        for slug, relationship in relationships.items():
            for release in self.options.releases:
                if release is not None:
                    self.result.withheld[f"{slug} {release}"] = [
                        f"{dotted(path)} ({location})" for path, location in relationship.withheld(release)]

    def _write_audits(self, relationships: dict[str, Relationship]) -> None:
        """The audit page of each relationship whose working edition was written, so that the
        links of its source notes lead to their passages."""
        if not self._audited:
            return
        from .audit import audit_page, audit_path, briefs_citing  # renders: loaded by now (see above)

        for slug in sorted(self._audited):
            relationship = relationships[slug]
            page = audit_page(relationship, briefs_citing(relationship, self.options.layout_for(slug)))
            atomic_write(audit_path(self.options.out_dir, slug), page.encode("utf-8"))

    def _write_held_if_clean(self) -> None:
        """Under --strict a warning is an error, and a build with an error writes nothing."""
        if self.result.warnings:
            self.result.failures.extend(fatal(self.result.warnings))
            self.result.warnings = []
        held, self._held = self._held, []
        if not self.result.failures:
            for brief, produced in held:
                self._write(brief, produced)

    # --- prune --------------------------------------------------------------------------

    def _prune(self, briefs: list[PlannedBrief]) -> None:
        """Remove the outputs briefs wrote (those in its record, nothing else) that can no
        longer be built: of a relationship deleted from the facts, or a brief kind whose
        template is gone; and, in a build of the project's whole plan, any it no longer plans
        (an edition or format dropped from briefs.yaml). Their index rows and manifest
        entries go with them, so nothing stale is left to be served or bundled."""
        out_dir = self.options.out_dir
        planned = {self.state.key(brief.output(out_dir, fmt)) for brief in briefs
                   for fmt in self.options.chosen_formats}
        relationships = {folder.name for folder in relationship_folders(self.options.layout.facts_dir)}
        kinds: dict[str, set[str]] = {}
        for key, record in list(self.state.outputs.items()):
            if key in planned:
                continue
            relationship, kind = record.brief.split("/")[0], record.brief.split("/")[-1]
            if relationship not in kinds:
                kinds[relationship] = set(self.options.layout_for(relationship).brief_kinds())
            if self.options.complete or relationship not in relationships or kind not in kinds[relationship]:
                path = out_dir / key
                path.unlink(missing_ok=True)
                del self.state.outputs[key]
                self.state.dirty = True
                self.result.pruned.append(path)
                for folder in path.parents:
                    if folder == out_dir or not folder.is_relative_to(out_dir) or any(folder.iterdir()):
                        break
                    folder.rmdir()

    # --- skip ---------------------------------------------------------------------------

    def _inputs_for(self, brief: PlannedBrief) -> Inputs:
        """Hashes of the inputs of a brief's layout (one per layout, each file hashed once)."""
        if brief.relationship not in self._inputs_of:  # a layout's hash is not free: once per relationship
            layout = self.options.layout_for(brief.relationship)
            if layout not in self._inputs:
                self._inputs[layout] = Inputs(layout, self.state.signatures)
            self._inputs_of[brief.relationship] = self._inputs[layout]
        return self._inputs_of[brief.relationship]

    def _format_key(self, fmt: str, brief: PlannedBrief) -> dict[str, Any]:
        """Everything besides facts and templates that shapes one format's bytes."""
        inputs = self._inputs_for(brief)
        if (fmt, id(inputs)) not in self._format_keys:  # one Inputs per layout (hashing a Layout is not free)
            key: dict[str, Any] = {"version": __version__, "format": fmt}
            if fmt == "pdf":
                key["pdf_variant"] = self.options.pdf_variant
                key["fonts"] = inputs.fonts()
            elif fmt == "docx":
                reference = inputs.layout.reference_docx()
                key["reference"] = inputs.file(reference) if reference else None
            self._format_keys[(fmt, id(inputs))] = key
        return self._format_keys[(fmt, id(inputs))]

    def _skip(self, path: Path, brief: PlannedBrief) -> None:
        self.result.skipped.append(path)
        self.result.warn(self.state.warnings_of(self.state.key(path), brief.relationship))

    def _stale(self, briefs: list[PlannedBrief]) -> dict[PlannedBrief, dict[str, str]]:
        """Per brief, the formats to rebuild; "facts" means a fact file changed and the values
        this brief read must be compared once the relationship is loaded."""
        pending: dict[PlannedBrief, dict[str, str]] = {}
        for brief in briefs:
            if brief.relationship not in self.fact_files:
                self.fact_files[brief.relationship] = self._inputs_for(brief).fact_files(brief.folder)
            for fmt in self.options.chosen_formats:
                path = brief.output(self.options.out_dir, fmt)
                verdict = "stale" if self.options.force else self.state.check(
                    self.state.key(path), path, brief.key, self.fact_files[brief.relationship],
                    self._format_key(fmt, brief), self._inputs_for(brief))
                if verdict == "fresh":
                    self._skip(path, brief)
                else:
                    pending.setdefault(brief, {})[fmt] = verdict
        return pending

    def _still_stale(self, brief: PlannedBrief, verdicts: dict[str, str], relationship: Relationship) -> list[str]:
        """The formats whose brief read facts that changed (the fact files changed, but perhaps
        not what this brief read: then the record notes the new files and the output stays)."""
        from .produce import archival, read_digest  # the fact model is loaded by now

        stale = []
        for fmt, verdict in verdicts.items():
            path = brief.output(self.options.out_dir, fmt)
            deps = self.state.deps_of(self.state.key(path))
            if verdict == "facts" and deps is not None and read_digest(
                    relationship, brief, self.state.paths(deps), self.options.layout.snapshots_dir,
                    archival(self.options, relationship)) == deps.digest:
                deps.fact_files = self.fact_files[brief.relationship]
                self.state.dirty = True
                self._skip(path, brief)
            else:
                stale.append(fmt)
        return stale

    def _snapshot(self, relationship: Relationship) -> None:
        """Record this edition's facts with the desk's state, for comparisons where there is no git."""
        from .editions import snapshot_bytes, snapshot_path

        number = relationship.facts.metadata.edition.number
        atomic_write(snapshot_path(self.options.layout.snapshots_dir, relationship.slug, number),
                     snapshot_bytes(relationship.facts))

    # --- dispatch -----------------------------------------------------------------------

    def _writers(self, briefs: int) -> int:
        """Writer processes for this many briefs: one per core (-j N: N), none for -j 1."""
        jobs = self.options.jobs or os.cpu_count() or 1
        return 0 if jobs == 1 else min(jobs, briefs)

    def _dispatch(self, relationships: dict[str, Relationship], writers: Writers) -> None:
        """Render each stale brief here and hand it to the writers, rendering the next while
        they write; write each result as it arrives and report them in plan order."""
        from .produce import Producer, write_options

        producer = Producer(self.options, relationships)
        waiting: dict[int, Produced] = {}  # rendered, being written
        self.reporter.start(len(self._work))
        try:
            for index, (brief, formats) in enumerate(self._work):
                produced, rendered = producer.render(brief)
                if rendered is None:
                    self._accept(index, produced)
                    continue
                while not writers.ready:
                    self._collect(writers.finished(), waiting)
                waiting[index] = produced
                writers.submit(index, rendered, write_options(self.options, brief.relationship), formats)
                self._collect(writers.finished(block=False), waiting)
            while writers.busy:
                self._collect(writers.finished(), waiting)
        finally:
            # Whatever was written is recorded, so an interrupted build resumes where it stopped.
            if self.result.built:
                self._save_state()
            self.reporter.finish()

    def _collect(self, finished: list[tuple[int, Written]], waiting: dict[int, Produced]) -> None:
        """Accept the briefs the writers finished, with what rendering recorded of them."""
        for index, written in finished:
            produced = waiting.pop(index)
            produced.add(written)
            self._accept(index, produced)

    def _accept(self, index: int, produced: Produced) -> None:
        """Write (or under --strict, hold) a produced brief; report finished briefs in plan order."""
        brief, _formats = self._work[index]
        if produced.problems:
            self._failed.add(brief.relationship)
        if self.options.strict:
            self._held.append((brief, produced))
            self._account(produced)
            written = []
        else:
            written = self._write(brief, produced)
        self._finished[index] = (brief, written, produced.problems)
        while self._reported in self._finished:
            self.reporter.done(*self._finished.pop(self._reported))
            self._reported += 1

    def _account(self, produced: Produced) -> None:
        """Count a produced brief's warnings and problems (written or not)."""
        for warnings in produced.warnings.values():
            self.result.warn(warnings)
        self.result.failures.extend(p for p in produced.problems if p not in self.result.failures)

    def _write(self, brief: PlannedBrief, produced: Produced) -> list[Path]:
        written = []
        if produced.outputs:
            record = produced.record
            deps_id = self.state.remember_brief(self.fact_files[brief.relationship], record["paths"],
                                                record["digest"], record["templates"], record["info"])
        for fmt, data in produced.outputs.items():
            path = brief.output(self.options.out_dir, fmt)
            atomic_write(path, data)
            warnings = produced.warnings.get(fmt, [])
            self.state.remember_output(path, brief.key, deps_id, self._format_key(fmt, brief), data, warnings)
            written.append(path)
        if written and brief.working:
            self._audited.add(brief.relationship)
        self._account(produced)
        self.result.built.extend(written)
        return written

    # --- publish ------------------------------------------------------------------------

    def _publish(self) -> None:
        """The index and manifest, from the record of what is in the folder, written before
        the record says they are (so a build killed in between rewrites them next time)."""
        out_dir, layout = self.options.out_dir, self.options.layout
        published = self.state.outputs_digest()
        if self.result.built or self.state.published != published or not (out_dir / "index.html").exists() \
                or not (out_dir / "manifest.json").exists():
            from .publish import index_page, manifest  # renders: not needed by a build with nothing to do

            try:
                atomic_write(out_dir / "index.html", index_page(layout, self.state))
            except BriefsError as exc:
                self.result.failures.extend(exc.problems)
            atomic_write(out_dir / "manifest.json", manifest(layout, self.state))
            if self.state.published != published:
                self.state.published = published
                self.state.dirty = True
        self._save_state()

    def _save_state(self) -> None:
        if self._evidence is not None:
            self._evidence.save()
        if self.state.changed:
            atomic_write(self.options.layout.record_file, self.state.to_bytes())
            self.state.saved()
