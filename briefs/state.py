"""The build record: what each output was built from, so unchanged outputs are skipped.

Kept in ``.briefs/builds/<output folder>.json`` at the project root (:attr:`Layout.record_file`),
outside the output folder, which is served and bundled. For every output it stores content hashes of
the fact files of its relationship, of the fact values the brief actually read
(see :mod:`briefs.tracking`), of every template it loaded (by name, resolved
through the search path), of the options that shape the format, and of the
output file itself. Checking it needs no YAML parsing, no Jinja and no
WeasyPrint, so a build with nothing to do finishes in a fraction of a second.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat as stat_mode
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Location, Problem, display_path
from .layout import Layout
from .project import FACT_SUFFIXES, fact_file_names

FORMAT_VERSION = 2
# A file whose modification (or status change) time is this close to the moment it was hashed
# may change again within the same clock tick without its times changing (file systems
# count time in steps of up to two seconds): its hash is not trusted on its times alone.
RACY_WINDOW_NS = 3_000_000_000


def file_hash(path: Path) -> str | None:
    try:
        if not path.is_file():  # a pipe would block forever; a loop or folder has no content
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _documents(folder: Path, facts: set[str]) -> list[tuple[str, str]]:
    """(name relative to the folder, path) of each file under a relationship's folder other
    than its fact files (``facts``, by name; hidden files and folders reached through
    symbolic links aside), sorted. Strings, not Paths: a portfolio has thousands."""
    top = os.fspath(folder)
    found = []
    for root, folders, names in os.walk(top):  # does not follow links to folders: no loops
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        prefix = "" if root == top else root[len(top) + 1:].replace(os.sep, "/") + "/"
        found += [(prefix + name, os.path.join(root, name)) for name in names
                  if not name.startswith(".") and (prefix or name not in facts)]
    return sorted(found)


@dataclass
class Inputs:
    """Hashes of the build's inputs, each computed at most once per build.

    ``signatures`` (the build record's, :attr:`BuildState.signatures`) holds, by path,
    the device, inode, size, modification and status-change times of files an earlier build
    hashed, with the hash: a file whose signature is unchanged is not read again. Any write
    changes the status-change time, which no program can set back, so a file edited and
    given its old size and modification time again is still read; a file hashed within
    :data:`RACY_WINDOW_NS` of its last change gets no signature, and is read next time."""

    layout: Layout
    signatures: dict[str, list[Any]] = field(default_factory=dict)
    _files: dict[str, str | None] = field(default_factory=dict)
    _templates: dict[str, str | None] = field(default_factory=dict)
    # Per brief record id: whether every template it loaded is as it was (see BuildState.check).
    templates_unchanged: dict[str, bool] = field(default_factory=dict)

    def file(self, path: Path | str) -> str | None:
        key = os.fspath(path)
        if not os.path.isabs(key):
            key = os.path.abspath(key)
        if key not in self._files:
            self._files[key] = self._hash(key)
        return self._files[key]

    def _hash(self, key: str) -> str | None:
        try:
            status = os.stat(key)
        except OSError:
            self.signatures.pop(key, None)
            return None
        if not stat_mode.S_ISREG(status.st_mode):  # a pipe would block forever; a folder has no content
            self.signatures.pop(key, None)
            return None
        signature = [status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns]
        known = self.signatures.get(key)
        if known is not None and known[:-1] == signature:
            return known[-1]
        hashed_at = time.time_ns()
        digest = file_hash(Path(key))
        if digest is not None and hashed_at - max(status.st_mtime_ns, status.st_ctime_ns) > RACY_WINDOW_NS:
            self.signatures[key] = [*signature, digest]
        else:
            self.signatures.pop(key, None)
        return digest

    def fact_files(self, folder: Path) -> dict[str, str]:
        """Hashes of a relationship's fact files and of the other files in its folder, the
        source documents among them: a changed document is checked against the passages
        the facts quote from it, and attached anew to archival PDFs."""
        top = os.fspath(folder)
        hashes = {name: self.file(os.path.join(top, name)) or "" for name in fact_file_names(top)}
        for name, path in _documents(folder, set(hashes)):
            hashes[name] = self.file(path) or ""
        return hashes

    def template(self, name: str) -> str | None:
        """Hash of the file a template name resolves to on the search path (None if none)."""
        if name not in self._templates:
            path = self.layout.template_file(name)
            self._templates[name] = self.file(path) if path else None
        return self._templates[name]

    def fonts(self) -> str:
        """One hash over the project's font files, by name and content."""
        sha = hashlib.sha256()
        for path in self.layout.font_files():
            sha.update(f"{path.name}\0{self.file(path)}\0".encode())
        return sha.hexdigest()


# Where briefs before 0.2 kept the desk's state: inside the output folder, served and bundled.
_LEGACY_RECORD = ".briefs-state.json"
_LEGACY_SNAPSHOTS = ".briefs-editions"


def move_legacy_state(layout: Layout) -> None:
    """Move a build record and edition snapshots an older briefs kept in the output folder to
    the desk's state (.briefs/), so that nothing served or bundled holds them; call while
    holding the output folder's lock."""
    record = layout.out_dir / _LEGACY_RECORD
    if record.is_file() and not record.is_symlink():
        if layout.record_file.exists():
            record.unlink()
        else:
            layout.record_file.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(record, layout.record_file)
    snapshots = layout.out_dir / _LEGACY_SNAPSHOTS
    if snapshots.is_dir() and not snapshots.is_symlink():
        for path in sorted(snapshots.glob("*/*.json")):
            target = layout.snapshots_dir / path.parent.name / path.name
            if not target.exists() and not path.is_symlink():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(path, target)
        shutil.rmtree(snapshots)


def as_parsed(listed: dict[str, str], parsed: dict[str, str]) -> dict[str, str]:
    """A relationship's file hashes as listed before loading, with the fact files' hashes
    replaced by those of the bytes the loader parsed: a fact file saved (or removed, or
    replaced by a rename) while the build ran is then never recorded as built."""
    documents = {name: digest for name, digest in listed.items()
                 if "/" in name or not name.endswith(FACT_SUFFIXES)}
    return {**documents, **parsed}


@dataclass
class BriefRecord:
    """What one rendering of a brief was made from, shared by the outputs written from it.
    Stored under a content id, so outputs built at different times keep their own."""

    fact_files: dict[str, str]
    pathset: str  # id of the list of fact paths it read (shared between briefs)
    digest: str  # hash of the values at those paths
    templates: dict[str, str | None]
    # Title, edition date, marking, the brief's identity (BriefId.to_json) and the countries
    # as it names them, for the index and the manifest.
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class OutputRecord:
    brief: str  # "relationship[/variant]/kind", for the index
    deps: str  # id of the BriefRecord it was written from
    options: dict[str, Any]
    output: dict[str, Any]
    # Warnings the writer gave, repeated whenever the output is skipped as up to date.
    warnings: list[list[Any]] = field(default_factory=list)


class BuildState:
    def __init__(self, out_dir: Path, record_file: Path | None = None):
        self.out_dir = out_dir
        self.record_file = record_file
        self._root = str(out_dir) + os.sep
        self.briefs: dict[str, BriefRecord] = {}
        self.outputs: dict[str, OutputRecord] = {}
        self.pathsets: dict[str, list[list[Any]]] = {}
        # Warnings about each relationship's facts (e.g. an uncited source), from its last load.
        self.fact_warnings: dict[str, list[list[Any]]] = {}
        # The outputs (key -> checksum) the index and manifest were last written from: a build
        # killed between saving this record and writing them rewrites them next time.
        self.published = ""
        # Input files' signatures and hashes (see Inputs), so that unchanged ones are not read.
        self.signatures: dict[str, list[Any]] = {}
        self._signatures_read: dict[str, list[Any]] = {}
        # Whether anything changed since it was read (else it need not be written again).
        self.dirty = False
        # Why the record read was set aside (damaged, or not written by briefs); None if it was not.
        self.damage: str | None = None
        self._warnings_cache: dict[str, list[Problem]] = {}

    @classmethod
    def read(cls, out_dir: Path, record_file: Path) -> "BuildState":
        """The record of ``out_dir``; an empty one when there is none, or when it is not one
        briefs wrote (then :attr:`damage` says why, and everything is rebuilt)."""
        state = cls(out_dir, record_file)
        path = record_file
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            return state
        except (OSError, ValueError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else "not valid JSON"
            state.damage = _damaged(path, why)
            return state
        if isinstance(data, dict) and isinstance(data.get("format"), int) and data["format"] != FORMAT_VERSION:
            return state  # written by another version of briefs: rebuilt without a word
        if not _fits(data, _RECORD):
            state.damage = _damaged(path, "its content does not have the record's shape")
            return state
        if not all(_safe_key(key) for key in data["outputs"]):
            state.damage = _damaged(path, "it names an output outside the output folder")
            return state
        state.pathsets = data["pathsets"]
        # A brief recorded before its identity was (info's "brief": briefs.edition.BriefId) is
        # rebuilt, so that the index and the bundles know which edition each output belongs to.
        state.briefs = {k: BriefRecord(**v) for k, v in data["briefs"].items() if "brief" in v.get("info", {})}
        state.outputs = {k: OutputRecord(**v) for k, v in data["outputs"].items()}
        state.fact_warnings = data.get("fact_warnings", {})
        state.published = data.get("published", "")
        signatures = data.get("signatures", {})
        state.signatures = {path: value for path, value in signatures.items() if len(value) == 6}
        state._signatures_read = dict(state.signatures)
        return state

    def to_bytes(self) -> bytes:
        briefs = {k: v for k, v in self.briefs.items() if k in {o.deps for o in self.outputs.values()}}
        used = {record.pathset for record in briefs.values()}
        data = {
            "format": FORMAT_VERSION,
            "pathsets": {k: v for k, v in self.pathsets.items() if k in used},
            "briefs": {k: vars(v) for k, v in briefs.items()},
            "outputs": {k: vars(v) for k, v in self.outputs.items()},
            "fact_warnings": self.fact_warnings,
            "published": self.published,
            "signatures": self.signatures,
        }
        return (json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")

    @property
    def changed(self) -> bool:
        """Whether the record must be written again (input signatures count too)."""
        return self.dirty or self.signatures != self._signatures_read

    def saved(self) -> None:
        self.dirty = False
        self._signatures_read = dict(self.signatures)

    def outputs_digest(self) -> str:
        """One hash of every recorded output and its checksum (what a manifest lists)."""
        sha = hashlib.sha256()
        for key, record in sorted(self.outputs.items()):
            sha.update(f"{key}\0{record.output.get('sha')}\0{record.deps}\n".encode())
        return sha.hexdigest()[:32]

    def key(self, path: Path) -> str:
        """The record's name of an output: its path inside the output folder."""
        text, root = str(path), self._root
        if text.startswith(root):  # as every output path is: no Path arithmetic per output
            return text[len(root):].replace(os.sep, "/")
        return path.relative_to(self.out_dir).as_posix()

    def output_intact(self, path: Path, record: OutputRecord) -> bool:
        """The output is the file we wrote: the same file (inode), size and times (a write
        changes the status-change time, which cannot be set back), or else the same content."""
        try:
            stat = path.stat()
        except OSError:
            return False
        signature = _output_signature(stat)
        if all(record.output.get(name) == value for name, value in signature.items()):
            return True
        if stat.st_size == record.output.get("size") and file_hash(path) == record.output.get("sha"):
            record.output.update(signature)
            self.dirty = True
            return True
        return False

    def check(self, key: str, path: Path, brief: str, fact_files: dict[str, str],
              options: dict[str, Any], inputs: Inputs) -> str:
        """'fresh', 'facts' (fact files changed: compare the values read) or 'stale'."""
        record = self.outputs.get(key)
        brief_record = self.briefs.get(record.deps) if record else None
        if record is None or brief_record is None or record.brief != brief or record.options != options:
            return "stale"
        if not self._templates_unchanged(record.deps, brief_record, inputs):
            return "stale"
        if not self.output_intact(path, record):
            return "stale"
        return "fresh" if brief_record.fact_files == fact_files else "facts"

    def _templates_unchanged(self, deps: str, brief_record: BriefRecord, inputs: Inputs) -> bool:
        """Whether every template the brief loaded is as it was (asked once per brief, not per format)."""
        # Kept with the inputs it was judged on (an id() could be reused by a later object).
        known = inputs.templates_unchanged.get(deps)
        if known is None:
            known = all(inputs.template(name) == digest for name, digest in brief_record.templates.items())
            inputs.templates_unchanged[deps] = known
        return known

    def deps_of(self, key: str) -> BriefRecord | None:
        """What the output at ``key`` was built from."""
        record = self.outputs.get(key)
        return self.briefs.get(record.deps) if record else None

    def paths(self, deps: BriefRecord) -> list[list[Any]]:
        return self.pathsets.get(deps.pathset, [])

    def remember_brief(self, fact_files: dict[str, str], paths: list[list[Any]], digest: str,
                       templates: dict[str, str | None], info: dict[str, Any]) -> str:
        """Record one rendering's dependencies; return the id outputs refer to it by."""
        pathset = hashlib.sha256(json.dumps(paths).encode()).hexdigest()[:16]
        self.pathsets.setdefault(pathset, paths)
        record = BriefRecord(fact_files, pathset, digest, templates, info)
        deps = hashlib.sha256(json.dumps(vars(record), sort_keys=True).encode()).hexdigest()[:20]
        self.briefs[deps] = record
        self.dirty = True
        return deps

    def remember_output(self, path: Path, brief: str, deps: str, options: dict[str, Any], data: bytes,
                        warnings: list[Problem]) -> None:
        output = {"sha": hashlib.sha256(data).hexdigest(), **_output_signature(path.stat())}
        self.outputs[self.key(path)] = OutputRecord(brief, deps, options, output, _dump(warnings))
        self.dirty = True

    def warnings_of(self, key: str, relationship: str) -> list[Problem]:
        record = self.outputs.get(key)
        if relationship not in self._warnings_cache:
            self._warnings_cache[relationship] = _load(self.fact_warnings.get(relationship, []))
        own = _load(record.warnings) if record and record.warnings else []
        return self._warnings_cache[relationship] + own

    def remember_fact_warnings(self, relationship: str, warnings: list[Problem]) -> None:
        dumped = _dump(warnings)
        if self.fact_warnings.get(relationship) != dumped:
            self.fact_warnings[relationship] = dumped
            self._warnings_cache.pop(relationship, None)
            self.dirty = True


def _output_signature(stat: os.stat_result) -> dict[str, int]:
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "ctime_ns": stat.st_ctime_ns,
            "ino": stat.st_ino}


def _dump(warnings: list[Problem]) -> list[list[Any]]:
    return [[w.message, w.location.file if w.location else None,
             w.location.line if w.location else None] for w in warnings]


def _load(recorded: list[list[Any]]) -> list[Problem]:
    return [Problem(message, Location(file, line) if file else None, severity="warning")
            for message, file, line in recorded]


def _damaged(path: Path, why: str) -> str:
    return (f"{display_path(path)}: the build record is not as briefs wrote it ({why}); it is set"
            " aside and every output is rebuilt")


# The shape of the record, for checking one read from disk before anything obeys it: a type,
# ("map", value shape) with string keys, ("list", item shape), ("one of", shapes...), or a dict
# of required fields (a field name ending in "?" is optional; "..." admits fields of any other
# name, which nothing reads as a record field).
_TEXT_OR_NONE = ("one of", str, type(None))
_WARNINGS = ("list", ("list", ("one of", str, int, type(None))))
# What a brief's record says of it: title, dates and marking (text), its identity
# (briefs.edition.BriefId.to_json) and the facts it shows unverified.
_BRIEF_ID = {"relationship": str, "kind": str, "perspective": _TEXT_OR_NONE, "release": _TEXT_OR_NONE,
             "audience": str}
_INFO = ("one of", str, _BRIEF_ID, ("list", ("map", object)))
_RECORD = {
    "format": int,
    "pathsets": ("map", ("list", ("list", ("one of", str, int)))),
    "briefs": ("map", {"fact_files": ("map", str), "pathset": str, "digest": str,
                       "templates": ("map", _TEXT_OR_NONE), "info?": ("map", _INFO)}),
    "outputs": ("map", {"brief": str, "deps": str, "options": ("map", object),
                        "output": {"sha": str, "size": int, "mtime_ns": int, "ctime_ns?": int, "ino?": int},
                        "warnings?": _WARNINGS}),
    "fact_warnings?": ("map", _WARNINGS),
    "published?": str,
    # Input file -> [device, inode, size, mtime, ctime, hash] (see Inputs.file).
    "signatures?": ("map", ("list", ("one of", int, str))),
    "...": object,
}


def _fits(value: Any, shape: Any) -> bool:
    if isinstance(shape, type):
        return isinstance(value, shape) and not (shape is int and isinstance(value, bool))
    if isinstance(shape, dict):
        required = {name for name in shape if not name.endswith("?") and name != "..."}
        fields = {name.rstrip("?"): kind for name, kind in shape.items()}
        return (isinstance(value, dict) and required <= value.keys()
                and ("..." in shape or value.keys() <= fields.keys())
                and all(_fits(value[name], fields.get(name, object)) for name in value))
    kind, *inner = shape
    if kind == "map":
        return isinstance(value, dict) and all(isinstance(k, str) and _fits(v, inner[0]) for k, v in value.items())
    if kind == "list":
        return isinstance(value, list) and all(_fits(item, inner[0]) for item in value)
    return any(_fits(value, option) for option in inner)


def _safe_key(key: str) -> bool:
    """An output's key names a file inside the output folder: relative, no `..`, no NUL."""
    parts = key.split("/")
    return "\\" not in key and "\0" not in key and all(part not in ("", ".", "..") for part in parts)
