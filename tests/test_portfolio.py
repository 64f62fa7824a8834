"""A portfolio of relationships: one with broken facts stops only itself. The others are
built (with their index and manifest), the broken one's outputs stay byte for byte as they
were, its problems are reported with file and line, and the build exits 1."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from conftest import ROOT, copy_project, run_briefs, tree_digest
from readback import html_text, normalize

FIXTURES = Path(__file__).parent / "fixtures"


def _portfolio(tmp_path: Path) -> Path:
    project = copy_project(tmp_path / "project")
    shutil.copytree(FIXTURES / "india-japan", project / "facts/india-japan")
    return project


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_broken_relationship_stops_only_itself(tmp_path):
    project = _portfolio(tmp_path)
    assert run_briefs(project, "build", "--quiet", "--format", "html").code == 0
    broken_before = tree_digest(project / "build/pakistan-japan")
    manifest_before = (project / "build/manifest.json").read_bytes()

    # pakistan-japan gets a type error; india-japan a change that must be built.
    _edit(project / "facts/pakistan-japan/visits.yaml", "    to: JP\n", "    to: [JP, 3]\n")
    _edit(project / "facts/india-japan/facts.yaml", "for the annual summit.", "for the annual summit in March.")
    result = run_briefs(project, "build", "--format", "html")

    assert result.code == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "facts/pakistan-japan/visits.yaml:" in result.stderr
    assert "pakistan-japan was not built" in result.stderr
    assert "built build/india-japan/country-brief.html" in result.stdout
    assert tree_digest(project / "build/pakistan-japan") == broken_before
    assert "annual summit in March" in normalize(html_text(project / "build/india-japan/country-brief.html"))
    # The manifest is rewritten and true for both: the new india-japan file, the old ones.
    manifest = json.loads((project / "build/manifest.json").read_bytes())
    assert (project / "build/manifest.json").read_bytes() != manifest_before
    text = json.dumps(manifest)
    assert "india-japan/country-brief.html" in text and "pakistan-japan/overview.html" in text
    # The error is still reported on the next run, and the sound relationship is up to date.
    again = run_briefs(project, "build", "--format", "html")
    assert again.code == 1 and "facts/pakistan-japan/visits.yaml:" in again.stderr
    assert "built build/india-japan" not in again.stdout


def test_check_reports_every_relationship_at_once(tmp_path):
    project = _portfolio(tmp_path)
    _edit(project / "facts/pakistan-japan/visits.yaml", "    to: JP\n", "    to: [JP, 3]\n")
    _edit(project / "facts/india-japan/facts.yaml", "    date: 1952-04-28\n", "    date: 1952-13-45\n")
    result = run_briefs(project, "check")
    assert result.code == 1
    assert "facts/pakistan-japan/visits.yaml:" in result.stderr
    assert "facts/india-japan/facts.yaml:9:" in result.stderr


def test_strict_still_stops_everything(tmp_path):
    project = _portfolio(tmp_path)
    _edit(project / "facts/pakistan-japan/visits.yaml", "    to: JP\n", "    to: [JP, 3]\n")
    result = run_briefs(project, "build", "--strict", "--format", "html")
    assert result.code == 1
    assert result.stderr.strip().splitlines()[-1].endswith("nothing was written")
    assert not list((project / "build").rglob("*.html"))


def test_make_only_names_one_relationship():
    dry = subprocess.run(["make", "-n", "build", "ONLY=india-japan"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert "briefs build --only india-japan" in dry
    both = subprocess.run(["make", "-n", "check", "ONLY=india-japan pakistan-japan"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout
    assert "briefs check --only india-japan --only pakistan-japan" in both


def test_what_can_no_longer_be_built_is_removed_with_its_index_rows_and_manifest_entries(tmp_path):
    project = _portfolio(tmp_path)
    assert run_briefs(project, "build", "--quiet", "--format", "html").code == 0
    assert run_briefs(project, "build", "--quiet", "--format", "html", "--release", "PUBLIC",
                      "--only", "pakistan-japan").code == 0
    (project / "notes.txt").write_text("the desk's own file")
    shutil.copy(project / "notes.txt", project / "build/india-japan/notes.txt")  # not ours: stays

    # A narrowed build removes only what cannot be built at all: a deleted relationship.
    shutil.rmtree(project / "facts/india-japan")
    narrowed = run_briefs(project, "build", "--format", "html", "--only", "pakistan-japan")
    assert narrowed.code == 0, narrowed.stderr
    assert "removed build/india-japan/overview.html (no longer planned)" in narrowed.stdout
    assert sorted(p.name for p in (project / "build/india-japan").iterdir()) == ["notes.txt"]
    assert (project / "build/pakistan-japan/public/overview.html").is_file()
    manifest = json.loads((project / "build/manifest.json").read_text())["outputs"]
    assert not any(key.startswith("india-japan/") for key in manifest)
    index = (project / "build/index.html").read_text()
    assert "india-japan/" not in index and "pakistan-japan/public/overview.html" in index

    # The project's whole plan (briefs.yaml's, no release editions) drops the PUBLIC edition.
    complete = run_briefs(project, "build", "--quiet")
    assert complete.code == 0, complete.stderr
    assert not (project / "build/pakistan-japan/public").exists()
    manifest = json.loads((project / "build/manifest.json").read_text())["outputs"]
    assert manifest and not any("/public/" in key for key in manifest)
    assert (project / "build/india-japan/notes.txt").read_text() == "the desk's own file"
