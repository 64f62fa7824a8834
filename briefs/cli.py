"""The `briefs` command: parses options, calls the library, reports problems.

Exit codes: 0 success, 1 invalid input or a failed build, 2 wrong usage.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .build import (
    DEFAULT_FORMATS,
    PDF_VARIANTS,
    SUFFIXES,
    BuildOptions,
    PlannedBrief,
    Reporter,
    build,
    plan,
    render_all,
)
from .errors import BriefsError, EditionError, Problem, display_path

_DIR = click.Path(file_okay=False, path_type=Path)


def _common(function):
    """Options every command that reads the fact base shares."""
    options = [
        click.option("--facts", "facts_dir", type=_DIR, default=Path("facts"), show_default=True,
                     help="Folder with one sub-folder of YAML fact files per relationship."),
        click.option("--templates", "template_dirs", type=click.Path(file_okay=False, exists=True,
                                                                      path_type=Path), multiple=True,
                     help="A folder of template overrides; may be repeated. The first folder holding"
                          " a template wins; the shipped templates/ always come last, and"
                          " {% extends \"!default/NAME\" %} extends the shipped NAME."),
        click.option("--only", multiple=True, metavar="REL[/BRIEF]",
                     help="Build only this relationship or brief; may be repeated."),
        click.option("--strict", is_flag=True, help="Treat warnings as errors."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _outputs(function):
    """Where outputs go and in which formats (build and list)."""
    function = click.option(
        "--format", "formats", default=",".join(DEFAULT_FORMATS), show_default=True,
        callback=lambda _ctx, _param, value: _formats(value),
        help="Comma-separated formats to write.")(function)
    return click.option("--out", "out_dir", type=_DIR, default=Path("build"), show_default=True,
                        help="Folder the outputs are written to.")(function)


def _formats(value: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    for name in formats:
        if name not in SUFFIXES:
            raise click.BadParameter(f"unknown format {name!r}; formats are: {', '.join(SUFFIXES)}")
    return formats


def _options(facts_dir, template_dirs, only, strict, **extra) -> BuildOptions:
    shipped = Path("templates")
    dirs = [d for d in template_dirs if d.resolve() != shipped.resolve()]
    return BuildOptions(
        facts_dir=facts_dir,
        template_dirs=(*dirs, shipped),
        only=tuple(only),
        strict=strict,
        **extra,
    )


def _report(problems: list[Problem], stream=None) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def _fail(exc: BriefsError, written: bool = True) -> None:
    errors = [p for p in exc.problems if p.severity == "error"] or exc.problems
    _report(exc.problems)
    noun = "error" if len(errors) == 1 else "errors"
    tail = "; nothing was written" if written else ""
    click.echo(f"briefs: {len(errors)} {noun}{tail}", err=True)
    sys.exit(exc.exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="briefs")
def cli() -> None:
    """Briefing documents for diplomats, from a YAML fact base.

    Example:

        briefs build --only pakistan-japan/overview --format pdf
    """


@cli.command("build")
@_common
@_outputs
@click.option("--reference-docx", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Word document whose styles the DOCX files use (default: templates/reference.docx if present).")
@click.option("--pdf-variant", type=click.Choice(PDF_VARIANTS),
              help="pdf/ua-1: tagged and accessible; pdf/a-3u: archival, with the fact files and"
                   " sources attached.  [default: the fact base's metadata.pdf_variant, else pdf/ua-1]")
@click.option("--perspective", metavar="NAME",
              help="Write from this side: a country (e.g. pakistan, japan), neutral, or all (each in"
                   " OUT/<relationship>/<perspective>/).  [default: each fact base's metadata.perspective]")
@click.option("--release", metavar="MARKING",
              help="Build an edition that shows only facts marked at or below MARKING (e.g. PUBLIC),"
                   " in OUT/<relationship>/<marking>/; a brief that needs a fact above it fails.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Outputs rendered in parallel.  [default: the number of cores]")
@click.option("--force", is_flag=True, help="Rebuild every output, even those up to date.")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems and the summary line.")
def build_command(facts_dir, template_dirs, only, strict, out_dir, formats, reference_docx,
                  pdf_variant, perspective, release, jobs, force, quiet):
    """Build every brief of every relationship in every format.

    Outputs go to OUT/<relationship>/<brief>.<format>, plus OUT/index.html.
    Only outputs whose facts, templates or options changed are rebuilt.
    Invalid facts stop the build before anything is written; a brief that fails
    to render is reported while the others are built.

    Example:

        briefs build --only pakistan-japan --format pdf,docx -j 2
    """
    options = _options(facts_dir, template_dirs, only, strict, out_dir=out_dir, formats=formats,
                       reference_docx=reference_docx, pdf_variant=pdf_variant, jobs=jobs, force=force,
                       perspective=perspective, release=release)
    try:
        result = build(options, _reporter(quiet, out_dir))
    except BriefsError as exc:
        _fail(exc)
    _report(result.warnings)
    _report(result.failures)
    summary = (f"built {len(result.built)}, skipped {len(result.skipped)} up to date,"
               f" failed {len(result.failures)}, {len(result.warnings)} warning(s)"
               f" in {result.seconds:.1f}s -> {display_path(out_dir)}/")
    if result.failures:
        noun = "error" if len(result.failures) == 1 else "errors"
        click.echo(f"briefs: {len(result.failures)} {noun}; {summary}", err=True)
        sys.exit(1)
    click.echo(summary)


class _Lines(Reporter):
    """One line per finished brief (not a terminal, e.g. make or CI logs)."""

    def __init__(self, quiet: bool):
        self.quiet = quiet

    def done(self, brief: PlannedBrief, paths: list[Path], problems: list[Problem]) -> None:
        if not self.quiet:
            for path in paths:
                click.echo(f"built {display_path(path)}")


class _Bar(Reporter):
    """A progress bar on a terminal."""

    def __init__(self):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), transient=True, console=Console(stderr=True))
        self.task = None

    def start(self, total: int) -> None:
        self.progress.start()
        self.task = self.progress.add_task("building briefs", total=total)

    def done(self, brief: PlannedBrief, paths: list[Path], problems: list[Problem]) -> None:
        self.progress.update(self.task, advance=1, description=f"{brief.relationship}/{brief.kind}")

    def finish(self) -> None:
        self.progress.stop()


def _reporter(quiet: bool, out_dir: Path) -> Reporter:
    if not quiet and sys.stderr.isatty():
        return _Bar()
    return _Lines(quiet)


@cli.command("check")
@_common
def check_command(facts_dir, template_dirs, only, strict):
    """Validate the fact base and render every brief in memory; write nothing.

    Example:

        briefs check --strict
    """
    options = _options(facts_dir, template_dirs, only, strict)
    try:
        rendered, warnings, notes = render_all(options)
    except BriefsError as exc:
        _fail(exc)
    _report(notes)
    _report(warnings)
    relationships = len({b.relationship for b in rendered})
    click.echo(f"ok: {relationships} relationship(s), {len(rendered)} brief(s),"
               f" {len(warnings)} warning(s)")


@cli.command("list")
@_common
@_outputs
def list_command(facts_dir, template_dirs, only, strict, out_dir, formats):
    """List the files a build would write, one per line.

    Example:

        briefs list --only pakistan-japan --format pdf
    """
    options = _options(facts_dir, template_dirs, only, strict, out_dir=out_dir, formats=formats)
    try:
        briefs = plan(options)
    except BriefsError as exc:
        _fail(exc)
    for brief in briefs:
        for name in formats:
            click.echo(display_path(brief.output(out_dir, name)))
    click.echo(display_path(out_dir / "index.html"))


@cli.command("diff")
@click.argument("revision", required=False)
@click.option("--facts", "facts_dir", type=_DIR, default=Path("facts"), show_default=True,
              help="Folder with one sub-folder of YAML fact files per relationship.")
@click.option("--out", "out_dir", type=_DIR, default=Path("build"), show_default=True,
              help="Build folder whose fact snapshots are used when the facts are not in git.")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
def diff_command(revision, facts_dir, out_dir, as_json):
    """Show facts added, changed and removed since a git revision.

    REVISION defaults to the last commit that touched the fact folder, so the
    command shows uncommitted edits. Where the facts are not in a git
    repository, the working tree is compared with the last build's snapshot.

    Example:

        briefs diff HEAD~3 --json
    """
    import json

    from .editions import (compare, facts_at_revision, git_root, last_commit_touching,
                           read_snapshot, snapshots)
    from .load import load_all

    try:
        current = {r.slug: r.facts for r in load_all(facts_dir)}
        results = {}
        if git_root(facts_dir) is not None:
            revision = revision or last_commit_touching(facts_dir)
            if revision is None:
                raise EditionError(Problem(f"no commit has touched {display_path(facts_dir)} yet"))
            older = facts_at_revision(facts_dir, revision)
            for slug in sorted(set(current) | set(older)):
                if slug not in current:
                    results[slug] = {"removed_relationship": True, "since": revision}
                    continue
                results[slug] = compare(older.get(slug), current[slug], revision[:12])
        else:
            if revision:
                raise EditionError(Problem(
                    f"{display_path(facts_dir)} is not in a git repository, so there is no revision"
                    f" {revision!r}; without a revision, the last build's snapshots are compared"))
            for slug, facts in current.items():
                found = snapshots(out_dir, slug)
                if found:
                    older = read_snapshot(found[max(found)])
                    results[slug] = compare(older, facts, f"the last build (edition {max(found)})")
            if not results:
                raise EditionError(Problem(
                    f"{display_path(facts_dir)} is not in a git repository and {display_path(out_dir)}/"
                    " holds no earlier build to compare with; run `briefs build` first"))
    except BriefsError as exc:
        _fail(exc, written=False)
    if as_json:
        data = {slug: (c.to_json() if hasattr(c, "to_json") else c) for slug, c in results.items()}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    from .editions import describe

    for slug, changes in results.items():
        if isinstance(changes, dict):
            click.echo(f"{slug}: relationship removed since {changes['since']}")
        else:
            click.echo("\n".join(describe(slug, changes)))


@cli.command("new")
@click.argument("first")
@click.argument("second")
@click.option("--facts", "facts_dir", type=_DIR, default=Path("facts"), show_default=True,
              help="Folder the new relationship's folder is created in.")
def new_command(first, second, facts_dir):
    """Start a new relationship: FACTS/FIRST-SECOND/ with every file and field to fill in.

    Placeholders read "TODO: ..."; `briefs check` lists each one with its file
    and line until it is replaced, and `make` builds the four briefs meanwhile.

    Example:

        briefs new pakistan china
    """
    from .new import create

    try:
        target = create(facts_dir, first, second)
    except BriefsError as exc:
        _fail(exc, written=False)
    click.echo(f"created {display_path(target)}/ with {len(list(target.iterdir()))} files;"
               " replace every TODO, then run `briefs check`")


@cli.command("serve")
@_common
@_outputs
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 to serve the build folder on.")
def serve_command(facts_dir, template_dirs, only, strict, out_dir, formats, port):
    """Preview the briefs in a browser; rebuild and reload the page on every save.

    Serves OUT on 127.0.0.1 only. A broken edit shows its errors, with file and
    line, on the page itself until it is fixed.

    Example:

        briefs serve --port 8000
    """
    import errno

    from .serve import serve

    options = _options(facts_dir, template_dirs, only, strict, out_dir=out_dir, formats=formats)
    try:
        plan(options)
        serve(options, port, echo=lambda line: click.echo(line, err=True))
    except BriefsError as exc:
        _fail(exc, written=False)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            click.echo(f"briefs: port {port} on 127.0.0.1 is already in use; choose another with --port",
                       err=True)
            sys.exit(1)
        raise
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


@cli.command("dist")
@click.option("--out", "out_dir", type=_DIR, default=Path("build"), show_default=True,
              help="Build folder whose PDFs are bundled.")
def dist_command(out_dir):
    """Bundle the built PDFs with manifest.json and a SHA256SUMS file into OUT/dist/.

    The zip is named briefs-<date>.zip; `sha256sum -c SHA256SUMS` verifies its
    contents once unpacked.

    Example:

        briefs dist
    """
    from .distribute import bundle

    try:
        target = bundle(out_dir)
    except BriefsError as exc:
        _fail(exc, written=False)
    click.echo(f"wrote {display_path(target)}")


@cli.command("schema")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the schema to this file instead of printing it.")
def schema_command(output):
    """Print (or write) the JSON Schema of a fact file, for editors' YAML support.

    Example:

        briefs schema -o facts/briefs.schema.json
    """
    from .schema import schema_text

    text = schema_text()
    if output is None:
        click.echo(text, nl=False)
        return
    from .state import atomic_write

    atomic_write(output, text.encode("utf-8"))
    click.echo(f"wrote {display_path(output)}")


@cli.command("audit")
@click.option("--facts", "facts_dir", type=_DIR, default=Path("facts"), show_default=True,
              help="Folder with one sub-folder of YAML fact files per relationship.")
@click.option("--templates", "template_dirs", type=click.Path(file_okay=False, exists=True, path_type=Path),
              multiple=True, help="Template overrides, as for build (to name the briefs each fact feeds).")
@click.option("--only", multiple=True, metavar="REL", help="Audit only this relationship; may be repeated.")
@click.option("--out", "out_dir", type=_DIR, default=Path("build"), show_default=True,
              help="Folder the audit pages are written to, in OUT/audit/.")
def audit_command(facts_dir, template_dirs, only, out_dir):
    """Write the evidence audit of each relationship to OUT/audit/<relationship>.html.

    One self-contained page lists every fact with its text, marking and as-of
    date, each cited source with the passage highlighted in its paragraph, the
    desk's inferences, and the briefs the fact feeds; a reviewer reads it top to
    bottom and signs at the end. Invalid facts stop it before anything is written.

    Example:

        briefs audit --only pakistan-japan --out build
    """
    from .audit import write_audits

    options = _options(facts_dir, template_dirs, (), False)
    try:
        paths, warnings = write_audits(facts_dir, options.template_dirs, out_dir,
                                       [name.strip("/") for name in only])
    except BriefsError as exc:
        _fail(exc)
    _report(warnings)
    for path in paths:
        click.echo(f"wrote {display_path(path)}")


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("briefs: interrupted; outputs already in place are complete", err=True)
        sys.exit(130)
    except Exception as exc:  # no traceback for users; say what happened
        click.echo(f"briefs: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
