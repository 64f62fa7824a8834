"""Build: bring every planned output up to date.

1. **Plan** (:mod:`briefs.plan`): relationships x editions x brief kinds x formats.
2. **Skip** what is up to date, by the build record (:mod:`briefs.state`): content
   hashes of the fact files, of the fact values each brief read, of its templates,
   its options and the output file itself. Nothing to do means no parsing and no
   rendering.
3. **Start the writer processes** (:mod:`briefs.workers`), before anything heavy is
   imported: they import WeasyPrint while this process does the next two steps.
4. **Load** every relationship that has work: any invalid fact stops the build
   before anything is written.
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
from .errors import BriefsError, Problem, display_path, fatal
from .layout import Layout
from .output import atomic_write, exclusive, sweep_temporaries
from .plan import BuildOptions, PlannedBrief, load_planned, plan
from .state import STATE_FILE, BuildState, Inputs
from .workers import Writers

if TYPE_CHECKING:
    from .load import Relationship
    from .produce import Produced
    from .writers import Written


@dataclass
class BuildResult:
    built: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failures: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    # Per release edition built, (relationship, release): the facts it leaves out, located.
    withheld: dict[tuple[str, str], list[str]] = field(default_factory=dict)
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

    def start(self, total: int) -> None: ...

    def done(self, brief: PlannedBrief, paths: list[Path], problems: list[Problem]) -> None: ...

    def finish(self) -> None: ...


def build(options: BuildOptions, reporter: Reporter | None = None) -> BuildResult:
    """Bring every planned output up to date. Fact errors raise before anything is written;
    a failing brief is reported in the result while the others are built."""
    started = time.perf_counter()
    reporter = reporter or Reporter()
    briefs = plan(options)
    with exclusive(options.out_dir, reporter.waiting):
        sweep_temporaries(options.out_dir)
        result = _Build(options, reporter).run(briefs)
    result.seconds = time.perf_counter() - started
    return result


class _Build:
    """One build, holding the record it reads and updates."""

    def __init__(self, options: BuildOptions, reporter: Reporter):
        self.options, self.reporter = options, reporter
        self._inputs: dict[Layout, Inputs] = {}
        self.state = BuildState.read(options.out_dir)
        self.result = BuildResult()
        self.fact_files: dict[str, dict[str, str]] = {}
        self._format_keys: dict[tuple[str, Layout], dict[str, Any]] = {}
        # Under --strict, outputs wait here until the whole build is known to be clean.
        self._held: list[tuple[PlannedBrief, Produced]] = []
        # The briefs being produced, and those finished but not yet reported (plan order).
        self._work: list[tuple[PlannedBrief, list[str]]] = []
        self._finished: dict[int, tuple[PlannedBrief, list[Path], list[Problem]]] = {}
        self._reported = 0
        # Relationships whose working edition was written: its notes link to their audit page.
        self._audited: set[str] = set()

    def run(self, briefs: list[PlannedBrief]) -> BuildResult:
        pending = self._stale(briefs)
        relationships = self._produce(pending) if pending else {}
        if self.options.strict:
            self._write_held_if_clean()
        if self.result.failures and not self.result.built:
            return self.result  # a failed build changes nothing in the output folder
        self._note_withheld(relationships)
        self._write_audits(relationships)
        for relationship in relationships.values():
            self.state.remember_fact_warnings(relationship.slug, relationship.warnings)
            if not self.result.failures:
                self._snapshot(relationship)
        self._publish()
        return self.result

    def _produce(self, pending: dict[PlannedBrief, dict[str, str]]) -> dict[str, Relationship]:
        """Load the relationships of the pending briefs; produce those still stale."""
        with Writers(self.options.chosen_formats) as writers:
            # Started before loading imports the fact model: they import WeasyPrint meanwhile.
            writers.start(self._writers(sum("stale" in verdicts.values() for verdicts in pending.values())))
            relationships, warnings = load_planned(self.options, list(pending))
            self.result.warn(warnings)
            self._work = [(brief, formats) for brief, formats in
                          ((b, self._still_stale(b, f, relationships[b.relationship])) for b, f in pending.items())
                          if formats]
            writers.start(self._writers(len(self._work)))
            self._dispatch(relationships, writers)
        return relationships

    def _note_withheld(self, relationships: dict[str, Relationship]) -> None:
        """Tell the editor what each release edition left out, so that nothing goes missing silently."""
        if not relationships:
            return
        from .model import dotted  # the fact model: loaded by now, but not before (see above)

        for slug, relationship in relationships.items():
            for release in self.options.releases:
                if release is not None:
                    self.result.withheld[(slug, release)] = [
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

    # --- skip ---------------------------------------------------------------------------

    def _inputs_for(self, brief: PlannedBrief) -> Inputs:
        """Hashes of the inputs of a brief's layout (one per layout, each file hashed once)."""
        layout = self.options.layout_for(brief.relationship)
        if layout not in self._inputs:
            self._inputs[layout] = Inputs(layout)
        return self._inputs[layout]

    def _format_key(self, fmt: str, brief: PlannedBrief) -> dict[str, Any]:
        """Everything besides facts and templates that shapes one format's bytes."""
        inputs = self._inputs_for(brief)
        if (fmt, inputs.layout) not in self._format_keys:
            key: dict[str, Any] = {"version": __version__, "format": fmt}
            if fmt == "pdf":
                key["pdf_variant"] = self.options.pdf_variant
                key["fonts"] = inputs.fonts()
            elif fmt == "docx":
                reference = inputs.layout.reference_docx()
                key["reference"] = inputs.file(reference) if reference else None
            self._format_keys[(fmt, inputs.layout)] = key
        return self._format_keys[(fmt, inputs.layout)]

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
                    relationship, brief, self.state.paths(deps), self.options.out_dir,
                    archival(self.options, relationship)) == deps.digest:
                deps.fact_files = self.fact_files[brief.relationship]
                self.state.dirty = True
                self._skip(path, brief)
            else:
                stale.append(fmt)
        return stale

    def _snapshot(self, relationship: Relationship) -> None:
        """Record this edition's facts in the output folder, for comparisons where there is no git."""
        from .changes import snapshot_bytes, snapshot_path

        number = relationship.facts.metadata.edition.number
        atomic_write(snapshot_path(self.options.out_dir, relationship.slug, number),
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
        out_dir, layout = self.options.out_dir, self.options.layout
        if self.result.built or not (out_dir / "index.html").exists() \
                or not (out_dir / "manifest.json").exists():
            from .publish import index_page, manifest  # renders: not needed by a build with nothing to do

            try:
                atomic_write(out_dir / "index.html", index_page(layout, self.state))
            except BriefsError as exc:
                self.result.failures.extend(exc.problems)
            atomic_write(out_dir / "manifest.json", manifest(layout, self.state))
        self._save_state()

    def _save_state(self) -> None:
        if self.state.dirty:
            atomic_write(self.options.out_dir / STATE_FILE, self.state.to_bytes())
            self.state.dirty = False
