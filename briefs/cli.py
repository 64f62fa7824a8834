"""The `briefs` command: each command parses its options, makes one library call, prints.

One handler (:class:`_Briefs`) turns every error into one line per problem and an
exit code: 0 success, 1 invalid input or a failed build, 2 wrong usage. A bug in
briefs itself prints one line naming a file that holds the traceback (``--debug``
prints the traceback instead).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
import tempfile
import traceback
from pathlib import Path

import click

from . import __version__
from .build import Reporter, build
from .errors import BriefsError, Problem, display_path, set_display_root
from .layout import Layout
from .output import atomic_write, clean
from .plan import BuildOptions, PlannedBrief, plan
from .settings import (Settings, build_options, check_out_dir, project_layout, read_settings,
                       settings_schema_text)
from .writers import default_formats, formats as known_formats, writer_class
from .writers.pdf import PDF_VARIANTS

# What only some commands need (the fact model, Jinja) is imported in those commands, so
# that `briefs build` starts its writer processes before importing it (see briefs.build).
_DIR = click.Path(file_okay=False, path_type=Path)


class _Briefs(click.Group):
    """The one place errors become messages and exit codes."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BriefsError as exc:
            errors = [p for p in exc.problems if p.severity == "error"] or exc.problems
            _report(exc.problems)
            noun = "error" if len(errors) == 1 else "errors"
            # Bad input stops a build (or check) before it writes anything.
            tail = "; nothing was written" if ctx.invoked_subcommand in ("build", "check") \
                and exc.nothing_written else ""
            click.echo(f"briefs: {len(errors)} {noun}{tail}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # the reader went away (`briefs list | head`): nothing to say
            sys.stdout = open(os.devnull, "w")
            ctx.exit(1)
        except Exception as exc:  # a bug in briefs: one line for the user, the traceback kept
            if ctx.params.get("debug"):
                traceback.print_exc()
            else:
                click.echo(f"briefs: internal error: {type(exc).__name__}: {exc} (this is a bug in"
                           f" briefs; the traceback is in {_keep_traceback()})", err=True)
            ctx.exit(1)


def _keep_traceback() -> str:
    """Write the current exception's traceback to a file outside the output folder; its path."""
    handle, path = tempfile.mkstemp(prefix="briefs-traceback-", suffix=".txt")
    with open(handle, "w", encoding="utf-8") as stream:
        stream.write(f"briefs {__version__}, {dt.datetime.now().isoformat(timespec='seconds')}\n")
        stream.write(" ".join(sys.argv) + "\n\n")
        traceback.print_exc(file=stream)
    return path


def _report(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def _project(function):
    """Where the project's files are (every command that reads the fact base)."""
    options = [
        click.option("--facts", "facts_dir", type=_DIR, default=None,
                     help="Folder with one sub-folder of YAML fact files per relationship."
                          "  [default: briefs.yaml's facts, else facts]"),
        click.option("--templates", "template_dirs", type=click.Path(file_okay=False, path_type=Path),
                     multiple=True,
                     help="A folder of template overrides; may be repeated. The first folder holding"
                          " a template wins; the shipped templates/ always come last, and"
                          " {% extends \"!default/NAME\" %} extends the shipped NAME."),
        click.option("--only", multiple=True, metavar="REL[/BRIEF]", callback=_not_empty,
                     help="Build only this relationship or brief; may be repeated."),
        click.option("--strict", is_flag=True, help="Treat warnings as errors."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


class _FormatOption(click.Option):
    """--format, whose help lists the registered formats when asked (listing them imports
    every writer, which a build of one format should not pay for)."""

    def get_help_record(self, ctx):
        self.help = (f"Comma-separated formats to write, of: {', '.join(known_formats())}."
                     f"  [default: {','.join(default_formats())}]")
        return super().get_help_record(ctx)


def _outputs(function):
    """Where outputs go and in which formats (build, list, serve)."""
    function = click.option("--format", "formats", cls=_FormatOption, default=None, metavar="FORMATS",
                            callback=_formats)(function)
    return click.option("--out", "out_dir", type=_DIR, default=None, callback=_not_empty_path,
                        help="Folder the outputs are written to.  [default: briefs.yaml's out,"
                             " else build]")(function)


def _editions(function):
    """Which editions: whose side, the highest marking shown, and for whom (build, check, list,
    serve)."""
    function = click.option(
        "--working", is_flag=True, default=False,
        help="Build the desk's working edition instead of the outgoing one: stale marks, the"
             " freshness policy and the desk's source notes, in OUT/<relationship>/working/."
             "  [default: briefs.yaml's working builds it beside the outgoing one]")(function)
    function = click.option(
        "--release", metavar="MARKING",
        help="Build an edition that shows only facts marked at or below MARKING (e.g. PUBLIC),"
             " in OUT/<relationship>/<marking>/; a brief that needs a fact above it fails."
             "  [default: the full edition, and briefs.yaml's releases]")(function)
    return click.option(
        "--perspective", metavar="NAME",
        help="Write from this side: a country (e.g. pakistan, japan), neutral, or all (each in"
             " OUT/<relationship>/<perspective>/).  [default: briefs.yaml's perspectives, else each"
             " fact base's metadata.perspective]")(function)


def _not_empty(_ctx, param, values):
    if any(not value.strip().strip("/") for value in values):
        raise click.BadParameter("may not be empty", param=param)
    return values


def _not_empty_path(_ctx, param, value: Path | None) -> Path | None:
    if value is not None and (not str(value).strip() or str(value) == "."):
        raise click.BadParameter("name a folder of its own, such as build", param=param)
    return value


def _formats(_ctx, param, value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    if not chosen:
        raise click.BadParameter("name at least one format", param=param)
    for name in chosen:
        try:
            writer_class(name)
        except BriefsError as exc:
            raise click.BadParameter(exc.problems[0].message, param=param) from None
    return chosen


def _root() -> Path:
    """The project folder: -C/--project, else the working folder."""
    return click.get_current_context().find_root().params.get("project") or Path.cwd()


def _settings() -> Settings:
    context = click.get_current_context().find_root()
    if "settings" not in context.meta:
        context.meta["settings"] = read_settings(_root())
    return context.meta["settings"]


def _layout(facts_dir=None, out_dir=None, template_dirs=(), reference_docx=None) -> Layout:
    """The project's layout: command-line flags first, then briefs.yaml, then the defaults."""
    return project_layout(_root(), _settings(), facts_dir, out_dir, template_dirs, reference_docx)


def _options(facts_dir, template_dirs, only, strict, out_dir=None, **overrides) -> BuildOptions:
    """The build options of this command line: briefs.yaml with the flags given."""
    return build_options(_root(), _settings(), facts=facts_dir, templates=template_dirs, out=out_dir,
                         only=only, strict=strict, **overrides)


@click.group(cls=_Briefs, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="briefs")
@click.option("-C", "--project", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Run in this project folder instead of the working folder (paths in messages"
                   " are then relative to it).")
@click.option("--debug", is_flag=True, help="On an internal error, print the traceback.")
def cli(project: Path | None, debug: bool) -> None:
    """Briefing documents for diplomats, from a YAML fact base.

    Example:

        briefs build --only pakistan-japan/overview --format pdf
    """
    if project is not None:
        set_display_root(project)


@cli.command("build")
@_project
@_outputs
@_editions
@click.option("--reference-docx", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Word document whose styles the DOCX files use (default: templates/reference.docx if present).")
@click.option("--pdf-variant", type=click.Choice(PDF_VARIANTS),
              help="pdf/ua-1: tagged and accessible; pdf/a-3u: archival, with the fact files and"
                   " sources attached.  [default: the fact base's metadata.pdf_variant, else pdf/ua-1]")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Outputs rendered in parallel.  [default: the number of cores]")
@click.option("--force", is_flag=True, help="Rebuild every output, even those up to date.")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems and the summary line.")
def build_command(quiet, **params):
    """Build every brief of every relationship in every format.

    Outputs go to OUT/<relationship>/<brief>.<format>, plus OUT/index.html.
    Only outputs whose facts, templates or options changed are rebuilt.
    A relationship with invalid facts is reported and left as it was while the
    others are built (with --strict, any problem stops the build before anything
    is written); a brief that fails to render is reported while the others are built.

    Example:

        briefs build --only pakistan-japan --format pdf,docx -j 2
    """
    narrowed = any(params.get(flag) for flag in ("only", "formats", "perspective", "release", "working"))
    options = _options(**params, complete=not narrowed)
    result = build(options, _reporter(quiet))
    for path in result.pruned:
        click.echo(f"removed {display_path(path)} (no longer planned)")
    for edition, facts in result.withheld.items():
        relationship, release = edition.split(" ")
        if facts:
            click.echo(f"the {release} edition of {relationship} leaves out {len(facts)} fact(s) marked"
                       f" above {release}: " + "; ".join(facts))
    _report(result.warnings)
    _report(result.failures)
    summary = (f"built {len(result.built)}, skipped {len(result.skipped)} up to date,"
               f" failed {len(result.failures)}, {len(result.warnings)} warning(s)"
               f" in {result.seconds:.1f}s -> {display_path(options.out_dir)}/")
    for relationship in result.broken if result.built or result.skipped else ():
        click.echo(f"briefs: {relationship} was not built: its facts have errors (above);"
                   f" its previous outputs are as they were", err=True)
    if result.failures:
        noun = "error" if len(result.failures) == 1 else "errors"
        tail = "nothing was written" if not result.built else summary
        click.echo(f"briefs: {len(result.failures)} {noun}; {tail}", err=True)
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
        # rich only where there is a terminal to draw on.
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


def _reporter(quiet: bool) -> Reporter:
    if not quiet and sys.stderr.isatty():
        return _Bar()
    return _Lines(quiet)


@cli.command("check")
@_project
@_editions
def check_command(**params):
    """Validate the fact base and render every brief in memory; write nothing.

    Example:

        briefs check --strict
    """
    from .check import check

    result = check(_options(**params))
    _report(result.notes)
    _report(result.warnings)
    click.echo(f"ok: {result.relationships} relationship(s), {len(result.rendered)} brief(s),"
               f" {len(result.warnings)} warning(s)")


@cli.command("list")
@_project
@_outputs
@_editions
def list_command(**params):
    """List the files a build would write, one per line.

    Example:

        briefs list --only pakistan-japan --format pdf
    """
    options = _options(**params)
    for brief in plan(options):
        for name in options.chosen_formats:
            click.echo(display_path(brief.output(options.out_dir, name)))
    click.echo(display_path(options.out_dir / "index.html"))


@cli.command("diff")
@click.argument("revision", required=False)
@click.option("--facts", "facts_dir", type=_DIR, default=None,
              help="Folder with one sub-folder of YAML fact files per relationship.")
@click.option("--out", "out_dir", type=_DIR, default=None,
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
    from .editions import describe, diff

    layout = _layout(facts_dir, out_dir)
    results = diff(layout.facts_dir, layout.snapshots_dir, revision)
    if as_json:
        data = {slug: (c.to_json() if hasattr(c, "to_json") else c) for slug, c in results.items()}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for slug, changes in results.items():
        click.echo("\n".join(describe(slug, changes)))


@cli.command("new")
@click.argument("first")
@click.argument("second")
@click.option("--facts", "facts_dir", type=_DIR, default=None,
              help="Folder the new relationship's folder is created in.  [default: briefs.yaml's facts, else facts]")
def new_command(first, second, facts_dir):
    """Start a new relationship: FACTS/FIRST-SECOND/ with every file and field to fill in.

    FIRST and SECOND are countries' English names (india, south-korea); codes
    and names come from ISO 3166 and CLDR. Every value to supply reads
    "TODO: ..." and is an error until replaced: `briefs check` lists each one
    with its file and line. Delete the sections you have nothing for.

    Example:

        briefs new india japan
    """
    from .new import create, placeholder_count

    target = create(_layout(facts_dir).facts_dir, first, second)
    click.echo(f"created {display_path(target)}/ with {len(list(target.iterdir()))} files and"
               f" {placeholder_count(target)} placeholders; replace each (or delete its section),"
               f" then run `briefs check --only {target.name}`")


@cli.command("serve")
@_project
@_outputs
@_editions
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 to serve the build folder on.")
def serve_command(port, **params):
    """Preview the briefs in a browser; rebuild and reload the page on every save.

    Serves OUT on 127.0.0.1 only. A broken edit shows its errors, with file and
    line, on the page itself until it is fixed.

    Example:

        briefs serve --port 8000
    """
    from .serve import serve  # the preview's server and watcher load only for this command

    try:
        serve(_options(**params), port, echo=lambda line: click.echo(line, err=True))
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


@cli.command("dist")
@click.option("--out", "out_dir", type=_DIR, default=None,
              help="Build folder whose PDFs are bundled.  [default: briefs.yaml's out, else build]")
@click.option("--perspective", metavar="NAME", help="Bundle the edition written from this side.")
@click.option("--release", metavar="MARKING", help="Bundle the release edition at this marking (e.g. PUBLIC).")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems and the bundle's name.")
def dist_command(out_dir, perspective, release, quiet):
    """Bundle the PDFs of one edition with manifest.json and SHA256SUMS into OUT/dist/.

    The PDFs of that edition that are not up to date with the facts and templates
    are built first; then the zip, named briefs-<date>-<edition>.zip (e.g.
    briefs-2026-11-22-public.zip), takes exactly that edition's PDFs, listed in its
    manifest; without options, the full edition from each fact base's own side. A
    draft (a PDF showing unverified facts) is refused. `sha256sum -c SHA256SUMS`
    verifies its contents once unpacked.

    Example:

        briefs dist --release PUBLIC
    """
    from .build import dist

    options = _options(facts_dir=None, template_dirs=(), only=(), strict=False, out_dir=out_dir)
    result, target = dist(options, perspective, release, _reporter(quiet))
    _report(result.warnings)
    click.echo(f"wrote {display_path(target)}")


@cli.command("clean")
@click.option("--out", "out_dir", type=_DIR, default=None, callback=_not_empty_path,
              help="The output folder to delete.  [default: briefs.yaml's out, else build]")
def clean_command(out_dir):
    """Delete what briefs wrote in the output folder, then the folder if nothing else is in it.

    Only a folder carrying briefs' marker (.briefs-output) is cleaned; files briefs did not
    write there are kept and listed.

    Example:

        briefs clean
    """
    from .state import BuildState, move_legacy_state

    layout = _layout(out_dir=out_dir)
    check_out_dir(layout, "--out" if out_dir else None)
    reporter = Reporter()

    def recorded() -> list[str]:  # called holding the folder's lock
        move_legacy_state(layout)
        return list(BuildState.read(layout.out_dir, layout.record_file).outputs)

    cleaned = clean(layout.out_dir, layout.record_file, recorded, reporter.waiting, reporter.notice)
    if cleaned.kept:
        shown = ", ".join(cleaned.kept[:5]) + (f" and {len(cleaned.kept) - 5} more" if len(cleaned.kept) > 5 else "")
        click.echo(f"removed {cleaned.removed} file(s) briefs wrote in {display_path(layout.out_dir)}/; kept"
                   f" {len(cleaned.kept)} it did not write: {shown}")
    else:
        click.echo(f"removed {display_path(layout.out_dir)}/")


@cli.command("schema")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the schema to this file instead of printing it.")
@click.option("--settings", "of_settings", is_flag=True,
              help="The schema of the project settings (briefs.yaml) instead of a fact file.")
def schema_command(output, of_settings):
    """Print (or write) the JSON Schema of a fact file or of briefs.yaml, for editors.

    Example:

        briefs schema -o facts/briefs.schema.json
    """
    from .schema import schema_text

    text = settings_schema_text() if of_settings else schema_text()
    if output is None:
        click.echo(text, nl=False)
        return
    atomic_write(output, text.encode("utf-8"))
    click.echo(f"wrote {display_path(output)}")


@cli.command("audit")
@click.option("--facts", "facts_dir", type=_DIR, default=None,
              help="Folder with one sub-folder of YAML fact files per relationship.")
@click.option("--templates", "template_dirs", type=click.Path(file_okay=False, path_type=Path),
              multiple=True, help="Template overrides, as for build (to name the briefs each fact feeds).")
@click.option("--only", multiple=True, metavar="REL", callback=_not_empty,
              help="Audit only this relationship; may be repeated.")
@click.option("--out", "out_dir", type=_DIR, default=None, callback=_not_empty_path,
              help="Folder the audit pages are written to, in OUT/audit/.  [default: briefs.yaml's out,"
                   " else build]")
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

    layout = _layout(facts_dir, out_dir, template_dirs)
    check_out_dir(layout, "--out" if out_dir else None)
    paths, warnings = write_audits(layout, [name.strip("/") for name in only])
    _report(warnings)
    for path in paths:
        click.echo(f"wrote {display_path(path)}")


def _terminated(_signal, _frame) -> None:
    raise KeyboardInterrupt  # `kill PID`: the same orderly stop as Ctrl-C (writers ended, lock freed)


def main() -> None:
    signal.signal(signal.SIGTERM, _terminated)
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("briefs: interrupted; outputs already in place are complete", err=True)
        sys.exit(130)
