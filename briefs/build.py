"""Build: plan the outputs, produce all of them in memory, then write them atomically.

Nothing is written until every relationship has loaded, every brief has rendered
and every writer has returned its bytes: a failed build leaves ``build/`` exactly
as it was. Each file is written to a temporary file in the same folder and
renamed into place, so an interrupted build never leaves half a PDF behind.
"""

from __future__ import annotations

import html as html_lib
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .errors import (
    BriefsError,
    BuildError,
    FactError,
    Location,
    Problem,
    TemplateError,
    UsageError,
    display_path,
)
from .load import Relationship, load_all
from .render import Renderer, RenderedBrief
from .writers import WriteOptions, get_writer, writer_names

DEFAULT_FORMATS = ("pdf", "docx", "html")


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


@dataclass(frozen=True)
class PlannedBrief:
    relationship: str
    kind: str

    def output(self, out_dir: Path, fmt_suffix: str) -> Path:
        return out_dir / self.relationship / f"{self.kind}{fmt_suffix}"


@dataclass
class BuildResult:
    outputs: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0


Log = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def plan(options: BuildOptions) -> tuple[list[Relationship], list[PlannedBrief], list[Problem]]:
    """Load the facts and work out which briefs to build; raise on invalid input."""
    unknown_formats = [f for f in options.formats if f not in writer_names()]
    if unknown_formats:
        raise UsageError(
            Problem(f"unknown format {', '.join(unknown_formats)}; formats are: {', '.join(writer_names())}")
        )
    wanted: dict[str, set[str] | None] = {}
    for entry in options.only:
        relationship, _, kind = entry.strip("/").partition("/")
        if kind:
            previous = wanted.get(relationship, set())
            wanted[relationship] = None if previous is None else previous | {kind}
        else:
            wanted[relationship] = None
    relationships = load_all(options.facts_dir, list(wanted) or None)
    warnings = [w for r in relationships for w in r.warnings]
    if options.strict and warnings:
        raise FactError(_fatal(warnings))
    kinds = Renderer(list(options.template_dirs)).kinds()
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
    briefs = [
        PlannedBrief(r.slug, kind)
        for r in relationships
        for kind in kinds
        if wanted.get(r.slug) is None or kind in wanted[r.slug]  # type: ignore[operator]
    ]
    return relationships, briefs, warnings


def _fatal(warnings: list[Problem]) -> list[Problem]:
    return [Problem(w.message + " (fatal with --strict)", w.location) for w in warnings]


def render_all(options: BuildOptions, log: Log = _quiet) -> tuple[list[RenderedBrief], list[Problem]]:
    """Load and render every planned brief; raise once with every template problem."""
    relationships, briefs, warnings = plan(options)
    by_slug = {r.slug: r for r in relationships}
    renderer = Renderer(list(options.template_dirs))
    rendered: list[RenderedBrief] = []
    problems: list[Problem] = []
    for brief in briefs:
        try:
            rendered.append(renderer.render(by_slug[brief.relationship], brief.kind))
        except TemplateError as exc:
            problems.extend(p for p in exc.problems if p not in problems)
    if problems:
        raise TemplateError(problems)
    return rendered, warnings


def build(options: BuildOptions, log: Log = _quiet) -> BuildResult:
    """Build every planned output; on any error raise and leave the build folder untouched."""
    started = time.perf_counter()
    rendered, warnings = render_all(options, log)
    write_options = WriteOptions(
        template_dirs=tuple(options.template_dirs), reference_docx=options.reference_docx,
        pdf_variant=options.pdf_variant,
    )
    contents: dict[Path, bytes] = {}
    problems: list[Problem] = []
    writers = [get_writer(name) for name in options.formats]
    for brief in rendered:
        planned = PlannedBrief(brief.relationship, brief.kind)
        for writer in writers:
            path = planned.output(options.out_dir, writer.suffix)
            try:
                contents[path] = writer.write(brief, write_options)
            except BriefsError as exc:
                problems.extend(p for p in exc.problems if p not in problems)
                continue
            for warning in getattr(writer, "warnings", []):
                if warning not in warnings:
                    warnings.append(warning)
            log(f"rendered {display_path(path)}")
    if options.strict and warnings:
        problems.extend(_fatal(warnings))
    if problems:
        raise BuildError(problems)
    contents[options.out_dir / "index.html"] = _index(options, rendered, contents)

    result = BuildResult(warnings=warnings)
    for path, data in contents.items():
        if _write_atomically(path, data):
            result.outputs.append(path)
        else:
            result.unchanged.append(path)
    result.seconds = time.perf_counter() - started
    return result


def _index(options: BuildOptions, rendered: list[RenderedBrief], contents: dict[Path, bytes]) -> bytes:
    """build/index.html: every brief in the build folder (this build's and earlier ones')."""
    suffixes = {get_writer(name).suffix: name for name in writer_names()}
    titles = {(b.relationship, b.kind): b.title for b in rendered}
    files: dict[tuple[str, str], dict[str, str]] = {}
    out = options.out_dir
    existing = [p for p in out.glob("*/*") if p.is_file()] if out.is_dir() else []
    for path in sorted(set(existing) | set(contents)):
        if path.parent.parent != out or path.name.startswith("."):
            continue
        for suffix, name in suffixes.items():
            if path.name.endswith(suffix):
                key = (path.parent.name, path.name[: -len(suffix)])
                files.setdefault(key, {})[name] = f"{key[0]}/{path.name}"
    rows = []
    for (relationship, kind), links in sorted(files.items()):
        title = titles.get((relationship, kind)) or _title_of(out / relationship / f"{kind}.html") or kind
        ordered = [(name.upper(), links[name]) for name in DEFAULT_FORMATS if name in links]
        ordered += [(name.upper(), href) for name, href in links.items() if name not in DEFAULT_FORMATS]
        rows.append({"relationship": relationship, "kind": kind, "title": title, "links": ordered})
    renderer = Renderer(list(options.template_dirs))
    return renderer.render_page("_index.html.j2", {"briefs": rows}, "the build index").encode("utf-8")


def _title_of(html_file: Path) -> str | None:
    try:
        text = html_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    match = re.search(r"<title>(.*?)</title>", text, flags=re.S)
    return html_lib.unescape(match.group(1)).strip() if match else None


def _write_atomically(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` via a temporary file and rename; False if already equal."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True
