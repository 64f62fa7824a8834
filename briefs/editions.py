"""Editions: what changed in a fact base between two versions of it.

The earlier version comes from git (the fact files at a revision) or, where the
facts are not in a git repository, from the snapshot each build records in
``.briefs/editions/<relationship>/<edition>.json`` at the project root. Facts are matched by
their place in the fact base, list items by their ``id`` where they have one.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .errors import EditionError, FactError, Problem, display_path
from .load import Relationship, load_all, load_relationship
from .model import FactBase, walk
from .model import fact_label



@dataclass
class Changes:
    since: str
    added: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def released(self, markings: list[str], level: str) -> "Changes":
        """Only the changes to facts an edition released at ``level`` may show."""
        limit = markings.index(level)

        def shown(entry) -> bool:
            return all(m is None or markings.index(m) <= limit for m in entry.get("markings", []))

        return Changes(self.since, [e for e in self.added if shown(e)],
                       [e for e in self.changed if shown(e)], [e for e in self.removed if shown(e)])

    def to_json(self) -> dict[str, Any]:
        return {"since": self.since, "added": self.added, "changed": self.changed, "removed": self.removed}


# --- comparing ------------------------------------------------------------------------


def _own_fields(model: BaseModel) -> dict[str, Any]:
    """The model's values, leaving out nested facts (they are compared on their own)."""
    values = {}
    for name in type(model).model_fields:
        if name in ("evidence", "inferred"):
            continue  # the review apparatus, not what the fact says
        value = getattr(model, name)
        items = value if isinstance(value, list) else [value]
        if any(isinstance(v, BaseModel) and "sources" in type(v).model_fields for v in items) and name != "accounts":
            continue
        values[name] = value.model_dump(mode="json") if isinstance(value, BaseModel) else (
            [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
            if isinstance(value, list) else (value if isinstance(value, (int, float, bool, type(None))) else str(value)))
    return values


def flatten(facts: FactBase) -> dict[str, dict[str, Any]]:
    """Every fact (anything that cites sources) and every source, by a stable label."""
    entries = {}
    for path, model in walk(facts):
        fields = type(model).model_fields
        is_source = len(path) == 2 and path[0] == "sources"
        if not path or not ("sources" in fields or is_source) or "accounts" in path:
            continue
        values = _own_fields(model)
        summary = values.get("text") or values.get("quote") or values.get("title") or ""
        marking = None if is_source else (getattr(model, "marking", None) or facts.metadata.marking)
        entries[fact_label(facts, path)] = {"text": summary, "sources": values.get("sources", []),
                                        "values": values, "marking": marking}
    return entries


def compare(old: FactBase | None, new: FactBase, since: str) -> Changes:
    changes = Changes(since)
    before = flatten(old) if old is not None else {}
    after = flatten(new)
    for label, entry in after.items():
        if label not in before:
            changes.added.append({"fact": label, "text": entry["text"], "sources": entry["sources"],
                                  "markings": [entry["marking"]]})
        elif before[label]["values"] != entry["values"]:
            old_values, new_values = before[label]["values"], entry["values"]
            fields = {
                name: [old_values.get(name), new_values.get(name)]
                for name in sorted(set(old_values) | set(new_values))
                if old_values.get(name) != new_values.get(name)
            }
            changes.changed.append({"fact": label, "text": entry["text"], "old_text": before[label]["text"],
                                    "fields": fields, "sources": entry["sources"],
                                    "markings": [before[label]["marking"], entry["marking"]],
                                    "summary": "; ".join(_field_change(n, o, v) for n, (o, v) in fields.items())})
    for label, entry in before.items():
        if label not in after:
            changes.removed.append({"fact": label, "text": entry["text"], "sources": entry["sources"],
                                    "markings": [entry["marking"]]})
    return changes


# --- earlier versions: git ----------------------------------------------------------------


def _git(folder: Path, *args: str) -> str | None:
    git = shutil.which("git")
    if not git:
        return None
    completed = subprocess.run([git, "-C", str(folder), *args], capture_output=True, text=True)
    return completed.stdout if completed.returncode == 0 else None


def git_root(folder: Path) -> Path | None:
    top = _git(folder, "rev-parse", "--show-toplevel")
    return Path(top.strip()) if top else None


def fact_base_revision(facts_dir: Path) -> str | None:
    """The git commit the fact files are at ("-modified" when edited since), or None."""
    commit = last_commit_touching(facts_dir) if git_root(facts_dir) else None
    if commit is None:
        return None
    dirty = _git(facts_dir, "status", "--porcelain", "--", ".")
    return commit + ("-modified" if dirty else "")


def last_commit_touching(folder: Path) -> str | None:
    found = _git(folder, "log", "-1", "--format=%H", "--", ".")
    return found.strip() or None if found is not None else None


def _extract(path: Path, commit: str, scratch: str) -> Path | None:
    """Write ``path`` (a folder in a git work tree) as it was at ``commit`` into ``scratch``."""
    root = git_root(path)
    if root is None:
        return None
    import tarfile  # only when reading an earlier edition from git: builds rarely need it

    relative = path.resolve().relative_to(root)
    archive = subprocess.run(["git", "-C", str(root), "archive", "--format=tar", commit, "--",
                              str(relative)], capture_output=True)
    if archive.returncode != 0:
        return None  # the folder did not exist at that revision
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(scratch, filter="data")
        else:  # pragma: no cover - Python before 3.11.4
            tar.extractall(scratch)
    return Path(scratch) / relative


def facts_at_revision(facts_dir: Path, revision: str) -> dict[str, FactBase]:
    """Each relationship's fact base as it was at a git revision."""
    if git_root(facts_dir) is None:
        raise EditionError(Problem(f"{display_path(facts_dir)} is not in a git repository"))
    commit = _git(facts_dir, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if not commit:
        raise EditionError(Problem(f"no such git revision: {revision!r}"))
    result: dict[str, FactBase] = {}
    with tempfile.TemporaryDirectory() as scratch:
        base = _extract(facts_dir, commit.strip(), scratch)
        for folder in sorted(p for p in base.iterdir() if p.is_dir()) if base and base.is_dir() else []:
            try:
                result[folder.name] = load_relationship(folder, verify=False).facts
            except FactError as exc:
                raise EditionError(Problem(
                    f"the fact base of {folder.name} at {revision} cannot be read with this version"
                    f" of briefs: {exc.problems[0].message}")) from None
    return result


# --- earlier versions: build snapshots ------------------------------------------------------


def snapshot_path(snapshots_dir: Path, slug: str, edition: int) -> Path:
    return snapshots_dir / slug / f"{edition}.json"


def snapshot_bytes(facts: FactBase) -> bytes:
    return (facts.model_dump_json(indent=1) + "\n").encode("utf-8")


def snapshots(snapshots_dir: Path, slug: str) -> dict[int, Path]:
    folder = snapshots_dir / slug
    found = {}
    for path in folder.glob("*.json") if folder.is_dir() else []:
        if path.stem.isdigit():
            found[int(path.stem)] = path
    return found


def read_snapshot(path: Path) -> FactBase:
    try:
        return FactBase.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise EditionError(Problem(f"cannot read the snapshot {display_path(path)}: {exc}")) from None


def previous_edition(relationship, snapshots_dir: Path) -> tuple[str, FactBase | None]:
    """The fact base of the newest earlier edition: from git where the facts are in a
    repository, else from a build snapshot. (label, None) when there is none."""
    facts = relationship.facts
    current = facts.metadata.edition.number
    if git_root(relationship.folder) is not None:
        log = _git(relationship.folder, "log", "--format=%H", "-n", "200", "--", ".") or ""
        for commit in log.split():
            older = _facts_of_folder_at(relationship.folder, commit)
            if older is not None and older.metadata.edition.number < current:
                return f"edition {older.metadata.edition.number} of {older.metadata.edition.date}", older
    earlier = {n: p for n, p in snapshots(snapshots_dir, relationship.slug).items() if n < current}
    if earlier:
        older = read_snapshot(earlier[max(earlier)])
        return f"edition {older.metadata.edition.number} of {older.metadata.edition.date}", older
    return "", None


def _facts_of_folder_at(folder: Path, commit: str) -> FactBase | None:
    with tempfile.TemporaryDirectory() as scratch:
        old = _extract(folder, commit, scratch)
        if old is None or not old.is_dir():
            return None
        try:
            return load_relationship(old, verify=False).facts
        except FactError:
            return None


# --- what briefs and `briefs diff` show -------------------------------------------------


def changes_for(relationship: Relationship, kind: str, snapshots_dir: Path, release: str | None = None):
    """What changed since the previous edition, for brief kinds that show it (else None);
    in a release edition, only changes to facts that edition may show."""
    meta = relationship.facts.metadata
    if kind not in meta.changes_in:
        return None
    # Kept on the loaded relationship, so it goes when the relationship does.
    cache = relationship.changes_cache
    if cache is None:
        since, older = previous_edition(relationship, snapshots_dir)
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


def diff(facts_dir: Path, snapshots_dir: Path, revision: str | None = None) -> dict[str, Any]:
    """``briefs diff``: per relationship, its Changes since ``revision`` (default: the last
    commit touching the facts), or since the last build's snapshot outside git; a
    relationship gone since then maps to {"removed_relationship": True, "since": ...}."""
    current = {r.slug: r.facts for r in load_all(facts_dir)}
    results: dict[str, Any] = {}
    if git_root(facts_dir) is not None:
        revision = revision or last_commit_touching(facts_dir)
        if revision is None:
            raise EditionError(Problem(f"no commit has touched {display_path(facts_dir)} yet"))
        older = facts_at_revision(facts_dir, revision)
        for slug in sorted(set(current) | set(older)):
            if slug not in current:
                results[slug] = {"removed_relationship": True, "since": revision}
            else:
                results[slug] = compare(older.get(slug), current[slug], revision[:12])
        return results
    if revision:
        raise EditionError(Problem(
            f"{display_path(facts_dir)} is not in a git repository, so there is no revision"
            f" {revision!r}; without a revision, the last build's snapshots are compared"))
    for slug, facts in current.items():
        found = snapshots(snapshots_dir, slug)
        if found:
            older_facts = read_snapshot(found[max(found)])
            results[slug] = compare(older_facts, facts, f"the last build (edition {max(found)})")
    if not results:
        raise EditionError(Problem(
            f"{display_path(facts_dir)} is not in a git repository and {display_path(snapshots_dir)}/"
            " holds no earlier edition to compare with; run `briefs build` first"))
    return results


def describe(slug: str, changes: "Changes | dict[str, Any]") -> list[str]:
    if isinstance(changes, dict):
        return [f"{slug}: relationship removed since {changes['since']}"]


    lines = [f"{slug} (compared with {changes.since}):"]
    if not changes:
        lines.append("  no changes")
    for entry in changes.added:
        lines.append(f"  added   {entry['fact']}: {entry['text']} (sources: {', '.join(entry['sources'])})")
    for entry in changes.changed:
        lines.append(f"  changed {entry['fact']}: {entry['summary']} (sources: {', '.join(entry['sources'])})")
    for entry in changes.removed:
        lines.append(f"  removed {entry['fact']}: {entry['text']} (sources: {', '.join(entry['sources'])})")
    return lines


def _item(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or value.get("title") or value.get("id") or value.get("text")
                   or json.dumps(value, ensure_ascii=False))
    return str(value)


def _field_change(name: str, old: Any, new: Any) -> str:
    """"rank: 4 -> 3", or for lists the items that went and came."""
    if isinstance(old, list) and isinstance(new, list):
        gone = [_item(v) for v in old if v not in new]
        came = [_item(v) for v in new if v not in old]
        parts = ([f"removed {', '.join(gone)}"] if gone else []) + ([f"added {', '.join(came)}"] if came else [])
        return f"{name}: " + ("; ".join(parts) or "reordered")
    return f"{name}: {_short(old if old is not None else '-')} -> {_short(new if new is not None else '-')}"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 120 else text[:117] + "..."
