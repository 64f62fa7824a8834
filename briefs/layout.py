"""Where a project's files are: the one answer to "which file does this name mean?".

A project is a folder holding ``facts/``, ``templates/`` (the shipped templates)
and, once built, the output folder. Template folders are searched in order, the
desk's own first and the shipped ``templates/`` last; templates, partials,
stylesheets, fonts, the reference document and assets are all looked up here,
so the loader, the build record, the fonts and the fetch sandbox agree. Every
path is resolved against the project root, never the working folder.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .confine import inside, why_not_plain
from .errors import Problem, UsageError, display_path

BRIEF_SUFFIX = ".html.j2"
# The folder of the cable templates: each summarises a brief kind as a telegram (--format txt).
CABLE_FOLDER = "cable"
FONT_SUFFIXES = (".ttf", ".otf", ".woff", ".woff2")
# A template name with this prefix names the shipped template, so an override can extend it.
DEFAULT_PREFIX = "!default/"


@dataclass(frozen=True)
class Layout:
    """The folders of one project, absolute, in search-path order."""

    root: Path
    facts_dir: Path
    # The desk's template folders first; the shipped templates/ always last.
    template_dirs: tuple[Path, ...]
    out_dir: Path
    # A reference document chosen for this build instead of the one on the search path.
    reference_override: Path | None = None

    @classmethod
    def of(cls, root: Path | str = ".", facts: Path | str = "facts", templates=(),
           out: Path | str = "build", reference_docx: Path | str | None = None) -> "Layout":
        """The layout of the project at ``root``; relative paths are taken from the root."""
        root = Path(root).resolve()
        shipped = root / "templates"
        own = [_under(root, t) for t in templates]
        missing = [str(t) for t, path in zip(templates, own) if not path.is_dir()]
        if missing:
            raise UsageError(Problem(f"no template folder {', '.join(map(repr, missing))} in"
                                     f" {display_path(root)}"))
        dirs = tuple(dict.fromkeys([d for d in own if d != shipped] + [shipped]))
        return cls(root, _under(root, facts), dirs, _under(root, out),
                   _under(root, reference_docx) if reference_docx else None)

    def scoped(self, templates) -> "Layout":
        """This layout with more template folders searched first (overrides for one relationship)."""
        own = [_under(self.root, t) for t in templates]
        missing = [str(t) for t, path in zip(templates, own) if not path.is_dir()]
        if missing:
            raise UsageError(Problem(f"no template folder {', '.join(map(repr, missing))} in"
                                     f" {display_path(self.root)}"))
        dirs = tuple(dict.fromkeys([*own, *self.template_dirs]))
        return Layout(self.root, self.facts_dir, dirs, self.out_dir, self.reference_override)

    @property
    def state_dir(self) -> Path:
        """The desk's own state (build records, edition snapshots): ``.briefs/`` at the project
        root, outside every folder that is served or bundled, since it holds every fact of
        every marking."""
        return self.root / ".briefs"

    @property
    def snapshots_dir(self) -> Path:
        """Each edition's facts, for comparing editions where there is no git."""
        return self.state_dir / "editions"

    @property
    def evidence_dir(self) -> Path:
        """What reading the source documents found, by content (briefs.evidence.EvidenceCache)."""
        return self.state_dir / "evidence"

    @property
    def record_file(self) -> Path:
        """The build record of this output folder: what each output was built from."""
        out = self.out_dir.resolve()
        try:
            name = out.relative_to(self.root).as_posix().replace("/", "--")
        except ValueError:  # an output folder outside the project: named by its path's hash
            name = "outside-" + hashlib.sha256(str(out).encode()).hexdigest()[:16]
        return self.state_dir / "builds" / f"{name}.json"

    @property
    def shipped(self) -> Path:
        return self.template_dirs[-1]

    def template_file(self, name: str) -> Path | None:
        """The file a template name resolves to: the first folder holding it wins;
        ``!default/NAME`` is the shipped one."""
        folders = self.template_dirs
        if name.startswith(DEFAULT_PREFIX):
            name, folders = name[len(DEFAULT_PREFIX):], (self.shipped,)
        # Only a plain file inside its folder: a symbolic link out of a template folder (to
        # /etc/passwd, a colleague's home) is not a template.
        return next((folder / name for folder in folders
                     if inside(folder, name) is not None and why_not_plain(folder / name) is None), None)

    def brief_kinds(self) -> list[str]:
        """Brief kinds are the top-level ``*.html.j2`` templates not starting with ``_``."""
        kinds: set[str] = set()
        for folder in self.template_dirs:
            if folder.is_dir():
                with os.scandir(folder) as entries:
                    kinds.update(e.name[: -len(BRIEF_SUFFIX)] for e in entries
                                 if e.name.endswith(BRIEF_SUFFIX) and not e.name.startswith(("_", ".")))
        return sorted(kinds)

    def font_files(self) -> list[Path]:
        """Every font in a ``fonts/`` folder of the search path, in search-path order."""
        files = []
        for folder in self.template_dirs:
            fonts = folder / "fonts"
            if fonts.is_dir():
                files.extend(sorted(p for p in fonts.iterdir() if p.suffix.lower() in FONT_SUFFIXES))
        return files

    def reference_docx(self) -> Path | None:
        """The Word document whose styles DOCX files use: the one chosen for this build,
        else the first ``reference.docx`` on the search path, else none (python-docx's own)."""
        if self.reference_override is not None:
            return self.reference_override
        # Found even when it is a link leading out of its folder: the DOCX writer then refuses
        # it with a located error, rather than quietly using python-docx's own styles.
        return next((folder / "reference.docx" for folder in self.template_dirs
                     if (folder / "reference.docx").exists() or (folder / "reference.docx").is_symlink()),
                    None)

    def out_dir_problem(self) -> str | None:
        """Why the output folder may not be used, or None. briefs writes into it and `clean`
        deletes from it, so it may not be, hold or sit inside anything else of value: the file
        system root, the home folder, the project, `.git`, briefs' own package or an input."""
        shown = display_path(self.out_dir)
        out = _resolved(self.out_dir)
        blocking = next((folder for folder in [out, *out.parents] if folder.exists() and not folder.is_dir()),
                        None)
        if blocking == out:
            return f"the output folder {shown} is a file; name a folder, such as build"
        if blocking is not None:
            return (f"the output folder {shown} would lie below {display_path(blocking)}, which is a file;"
                    " name a folder of its own, such as build")
        protected = [(self.root.resolve(), "the project folder"), (Path(out.anchor), "the file system root"),
                     (_resolved(Path.home()), "your home folder")]
        protected += [(folder / ".git", "the .git folder") for folder in [self.root, *self.root.parents]
                      if (folder / ".git").exists()]
        for verb, inside in (("is", lambda folder: out == folder), ("holds", lambda folder: out in folder.parents)):
            what = next((what for folder, what in protected if inside(folder)), None)
            if what:
                return f"the output folder {shown} {verb} {what}; choose a folder of its own, such as build"
        if ".git" in out.parts:
            return f"the output folder {shown} is inside a .git folder; choose a folder of its own, such as build"
        inputs = [(_PACKAGE, "briefs' own program files"), (self.state_dir, "the desk's state (.briefs/)"),
                  (self.facts_dir, None), (self.root / "assets", None),
                  *((folder, None) for folder in self.template_dirs)]
        if self.reference_override is not None:
            inputs.append((self.reference_override, None))
        for folder, what in inputs:
            try:
                folder = folder.resolve()
            except (OSError, RuntimeError):
                continue  # an input folder whose links loop is reported when it is read
            if out == folder or folder in out.parents or out in folder.parents:
                return (f"the output folder {shown} would mix with {what or 'the input ' + display_path(folder)};"
                        " choose a folder of its own, such as build")
        return None

    def asset_roots(self) -> list[Path]:
        """The folders a writer may read files from: the template folders and ``assets/``."""
        roots = [d.resolve() for d in self.template_dirs]
        assets = self.root / "assets"
        if assets.is_dir():
            roots.append(assets.resolve())
        return roots


def _under(root: Path, path: Path | str) -> Path:
    path = Path(path).expanduser()
    return path if path.is_absolute() else root / path


_PACKAGE = Path(__file__).resolve().parent


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        raise UsageError(Problem(f"{display_path(path)} is a symbolic link that loops")) from None
