"""Project settings: ``briefs.yaml`` at the project root, read by every command.

What a desk sets once lives here, as ``mkdocs.yml`` does for MkDocs: the fact
and template folders, the output folder, the formats, perspectives and release
editions to build, the PDF variant, and template folders for some relationships
only. A flag on the command line overrides a setting for one run. A file that is
absent means the defaults; an unknown key or a bad value is an error at its line.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from .errors import BriefsError, Location, Problem, UsageError, display_path
from .layout import Layout
from .writers import formats as known_formats
from .writers.pdf import PDF_VARIANTS
from .yamlsource import YamlDocument, read_yaml

if TYPE_CHECKING:
    from .plan import BuildOptions

SETTINGS_FILE = "briefs.yaml"
FolderName = Annotated[str, Field(min_length=1)]
# As in the fact model (not imported from it: reading the settings should not build every fact model).
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
Marking = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z-]*$")]


class SettingsError(BriefsError):
    """briefs.yaml could not be read or holds a bad value."""

    phase = "settings"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scoped(_Strict):
    """Settings for one relationship only."""

    # Template folders searched before the project's own, for this relationship's briefs.
    templates: list[FolderName] = []


class Settings(_Strict):
    """The project file; every key is optional."""

    facts: FolderName = "facts"
    # Template folders in order: the first folder holding a template wins; the shipped
    # templates/ always come last.
    templates: list[FolderName] = []
    out: FolderName = "build"
    # Formats to write (default: every format whose writer is built by default).
    formats: list[str] | None = None
    # Whose side to write from: country perspective names, "neutral" or "all"
    # (default: each fact base's metadata.perspective).
    perspectives: list[Identifier] = []
    # Release editions to build besides the full one, by the highest marking each may show.
    releases: list[Marking] = []
    pdf_variant: Literal[PDF_VARIANTS] | None = None
    # Also build the desk's working edition (stale marks, freshness wording, source notes,
    # what each release withheld) beside the outgoing one, in <out>/<relationship>/working/.
    working: bool = False
    # A Word document whose styles the DOCX files use.
    reference_docx: FolderName | None = None
    # Template folders (and other settings) for some relationships only, by folder name.
    relationships: dict[Identifier, Scoped] = {}

    @field_validator("formats")
    @classmethod
    def _registered(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            if not value:
                raise ValueError("name at least one format")
            unknown = [f for f in value if f not in known_formats()]
            if unknown:
                raise ValueError(f"unknown format {', '.join(map(repr, unknown))}; formats are:"
                                 f" {', '.join(known_formats())}")
        return value


def read_settings(root: Path) -> Settings:
    """The settings of the project at ``root`` (the defaults when it has no briefs.yaml)."""
    path = root / SETTINGS_FILE
    if not path.exists():
        return Settings()
    document, problems = read_yaml(path, display_path(path))
    if document is None:
        raise SettingsError(problems)
    data = document.data if document.data is not None else {}
    if not isinstance(data, dict):
        raise SettingsError(Problem("briefs.yaml must be a mapping of settings (e.g. `out: build`)",
                                    document.location(())))
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise SettingsError([_problem(error, document) for error in exc.errors()]) from None
    if problems:
        raise SettingsError(problems)
    return settings


def _problem(error: dict[str, Any], document: YamlDocument) -> Problem:
    loc = tuple(part for part in error["loc"] if isinstance(part, int) or "[" not in str(part))
    where = ".".join(str(p) for p in loc)
    location = document.location(loc)
    if error["type"] == "extra_forbidden":
        fields = Scoped.model_fields if "relationships" in loc[:-1] else Settings.model_fields
        close = difflib.get_close_matches(str(loc[-1]), list(fields), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; settings are: {', '.join(fields)}"
        return Problem(f"unknown setting {where!r}{hint}", location)
    message = error["msg"].removeprefix("Value error, ")
    return Problem(f"{where}: {message[0].lower()}{message[1:]} (got {error.get('input')!r})", location)


def settings_schema_text() -> str:
    """JSON Schema of briefs.yaml, for editors."""
    schema = Settings.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "briefs project settings (briefs.yaml)"
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def check_relationships(settings: Settings, known: list[str], root: Path) -> None:
    """A relationship named under ``relationships:`` must exist (a misspelling would be ignored)."""
    unknown = [name for name in settings.relationships if name not in known]
    if unknown:
        path = root / SETTINGS_FILE
        document, _ = read_yaml(path, display_path(path))
        problems = []
        for name in unknown:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (have: {', '.join(known) or 'none'})"
            where = document.location(("relationships", name)) if document else Location(display_path(path))
            problems.append(Problem(f"relationships: no relationship named {name!r}{hint}", where))
        raise SettingsError(problems)


def check_out_dir(layout: Layout, flag: str | None) -> None:
    """Refuse an output folder briefs may not write into or clean (see Layout.out_dir_problem):
    named by its flag (``--out``, wrong usage) when one gave it, else at its line in briefs.yaml."""
    problem = layout.out_dir_problem()
    if problem is None:
        return
    if flag is not None:
        raise UsageError(Problem(f"{flag}: {problem}"))
    path = layout.root / SETTINGS_FILE
    document, _ = read_yaml(path, display_path(path)) if path.is_file() else (None, [])
    data = document.data if document is not None and isinstance(document.data, dict) else {}
    key = next((key for key in ("out", "facts", "templates") if key in data), None)
    where = document.location((key,)) if document is not None and key else None
    raise SettingsError(Problem(problem, where))


def project_layout(root: Path, settings: Settings, facts: Path | None = None, out: Path | None = None,
                   templates=(), reference_docx: Path | None = None) -> Layout:
    """The project's layout: what the caller gives first (command-line flags), then briefs.yaml,
    then the defaults."""
    return Layout.of(root, facts or settings.facts, templates or settings.templates,
                     out or settings.out, reference_docx or settings.reference_docx)


def build_options(root: Path, settings: Settings | None = None, *, facts: Path | None = None,
                  templates=(), out: Path | None = None, reference_docx: Path | None = None,
                  only=(), formats: tuple[str, ...] | None = None, pdf_variant: str | None = None,
                  perspective: str | None = None, release: str | None = None, working: bool = False,
                  strict: bool = False, **extra) -> "BuildOptions":
    """briefs.yaml merged with overrides into the options of a build: the one place the
    project file is obeyed, by the CLI and by anything else that builds (the benchmark).
    An override given replaces its setting for this run; the output folder and the
    relationships named in briefs.yaml are checked here."""
    from .plan import BuildOptions
    from .project import relationship_folders

    settings = settings if settings is not None else read_settings(root)
    layout = project_layout(root, settings, facts, out, templates, reference_docx)
    check_out_dir(layout, "--out" if out else None)
    check_relationships(settings, [f.name for f in relationship_folders(layout.facts_dir)], layout.root)
    scoped = {name: layout.scoped(own.templates) for name, own in settings.relationships.items() if own.templates}
    return BuildOptions(
        layout=layout, scoped_layouts=scoped, only=tuple(only), strict=strict,
        formats=formats or (tuple(settings.formats) if settings.formats else None),
        pdf_variant=pdf_variant or settings.pdf_variant,
        perspectives=(perspective,) if perspective else tuple(settings.perspectives),
        releases=(release,) if release else (None, *settings.releases),
        working=settings.working, working_only=working, **extra)
