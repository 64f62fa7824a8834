"""The evidence cache: what a build found in the source documents is kept by content, and
anything edited (a document, a passage) is checked again."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from briefs.errors import FactError
from briefs.evidence import Document, EvidenceCache, fold
from briefs.load import load_relationship
from conftest import ROOT, copy_project, run_briefs

SEED = "004_*.txt"  # the fo-brief document, which people.yaml quotes


def _cache(project: Path) -> dict:
    """The project's evidence cache, kept with the desk's state (.briefs/evidence/)."""
    return json.loads((project / ".briefs/evidence/pakistan-japan.json").read_text(encoding="utf-8"))


def _seed(project: Path) -> Path:
    return next((project / "facts/pakistan-japan/seeds").glob(SEED))


def _edit_keeping_size_and_times(path: Path, old: str, new: str) -> None:
    """Change the file's content but not its size or modification time."""
    assert len(old) == len(new)
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def _spans_hold_their_passages(cache: dict) -> None:
    for entry in cache["documents"].values():
        for passage, span in entry["passages"].items():
            assert span is not None and fold(entry["text"][span[0]:span[1]]) == fold(passage), passage


@pytest.fixture
def quick_build(tmp_path):
    """A project whose overview was built as HTML (the evidence cache written), and a way
    to build it again."""
    project = copy_project(tmp_path / "project")

    def build() -> object:
        return run_briefs(project, "build", "--only", "pakistan-japan/overview", "--format", "html")

    result = build()
    assert result.code == 0, result.stderr
    return project, build


def test_a_build_keeps_what_it_found_in_each_document(quick_build):
    project, _build = quick_build
    cache = _cache(project)
    seed = _seed(project)
    import hashlib

    assert hashlib.sha256(seed.read_bytes()).hexdigest() in cache["documents"]
    _spans_hold_their_passages(cache)


def test_a_document_edited_without_changing_its_size_or_time_is_checked_again(quick_build):
    project, build = quick_build
    _edit_keeping_size_and_times(_seed(project), "around 19,000 strong", "around 18,000 strong")
    result = build()
    assert result.code == 1
    assert "people.yaml:" in result.stderr and "passage not in source 'fo-brief'" in result.stderr


def test_a_document_whose_passages_moved_is_read_again(quick_build):
    project, build = quick_build
    seed = _seed(project)
    old_digests = set(_cache(project)["documents"])
    seed.write_text("A new first paragraph, before everything the facts quote.\n" + seed.read_text(encoding="utf-8"),
                    encoding="utf-8")
    result = build()
    assert result.code == 0, result.stderr
    cache = _cache(project)
    gone = old_digests - set(cache["documents"])
    assert len(gone) == 1  # the old version of the edited document is no longer kept
    _spans_hold_their_passages(cache)
    assert any(entry["text"].startswith("A new first paragraph") for entry in cache["documents"].values())


def test_an_edited_passage_is_looked_for_again(quick_build):
    project, build = quick_build
    people = project / "facts/pakistan-japan/people.yaml"
    text = people.read_text(encoding="utf-8")
    assert "19,000 strong" in text
    people.write_text(text.replace("19,000 strong", "19,500 strong", 1), encoding="utf-8")
    result = build()
    assert result.code == 1
    assert "passage not in source 'fo-brief'" in result.stderr
    people.write_text(text, encoding="utf-8")
    assert build().code == 0


def test_the_cache_answers_for_unchanged_documents_and_not_for_edited_ones(tmp_path, monkeypatch):
    folder = tmp_path / "pakistan-japan"
    shutil.copytree(ROOT / "facts/pakistan-japan", folder)
    out = tmp_path / "build"
    first = EvidenceCache(out)
    load_relationship(folder, evidence_cache=first)
    first.save()

    def never(self, passage):
        raise AssertionError(f"looked for {passage!r} again")

    import briefs.evidence as evidence

    monkeypatch.setattr(Document, "find", never)
    evidence._DOCUMENTS.clear()
    load_relationship(folder, evidence_cache=EvidenceCache(out))  # every passage from the cache

    seed = next((folder / "seeds").glob(SEED))
    seed.write_text(seed.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="looked for"):
        load_relationship(folder, evidence_cache=EvidenceCache(out))


def test_a_failed_build_writes_no_cache(tmp_path):
    project = copy_project(tmp_path / "project")
    seed = _seed(project)
    seed.write_text(seed.read_text(encoding="utf-8").replace("around 19,000 strong", "around 18,000 strong"),
                    encoding="utf-8")
    result = run_briefs(project, "build", "--only", "pakistan-japan/overview", "--format", "html")
    assert result.code == 1
    assert not (project / ".briefs/evidence").exists()
