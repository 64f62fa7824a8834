"""Incremental and parallel builds: only what changed is rebuilt, failures stay local."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pypdf
import pytest

from briefs.output import LOCK_FILE, MARKER
from conftest import PAUSED_WRITER, ROOT, edition_date, planned, run_briefs, tree_digest

OUT = Path("build/pakistan-japan")
KINDS = ["country-brief", "economic-ties", "institutional-mechanisms", "overview"]


def outputs(project: Path) -> dict[str, str]:
    return {k: v for k, v in tree_digest(project / "build").items() if "/" in k and not k.startswith(".")}


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {name for name in after if before.get(name) != after[name]}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_nothing_changed_means_nothing_rendered(project):
    result = run_briefs(project, "build")
    assert result.code == 0, result.stderr
    assert f"built 0, skipped {len(planned(project))} up to date, failed 0" in result.stdout


def test_only_the_briefs_that_read_a_changed_fact_are_rebuilt(project):
    before = outputs(project)
    # The table of investors appears in the economic-ties and country briefs only.
    edit(project / "facts/pakistan-japan/economy.yaml", "{name: Sojitz}", "{name: Sojitz, sector: general trading}")
    result = run_briefs(project, "build")
    assert result.code == 0, result.stderr
    assert changed(before, outputs(project)) == {
        f"pakistan-japan/{kind}.{fmt}" for kind in ("country-brief", "economic-ties")
        for fmt in ("pdf", "docx", "html")}
    assert "<td>general trading</td>" in (project / OUT / "economic-ties.html").read_text(encoding="utf-8")


def test_a_comment_or_an_unread_field_rebuilds_nothing(project):
    path = project / "facts/pakistan-japan/economy.yaml"
    path.write_text("# reviewed by the desk\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    result = run_briefs(project, "build")
    assert f"built 0, skipped {len(planned(project))}" in result.stdout


def test_a_changed_partial_rebuilds_only_the_briefs_that_include_it(project):
    before = outputs(project)
    edit(project / "templates/partials/_sec_agreements.html.j2", "<h2>Agreements", "<h2>Treaties, agreements")
    assert run_briefs(project, "build").code == 0
    assert changed(before, outputs(project)) == {
        f"pakistan-japan/{kind}.{fmt}" for kind in ("country-brief", "institutional-mechanisms")
        for fmt in ("pdf", "docx", "html")}


def test_deleted_or_hand_edited_outputs_are_rebuilt(project):
    (project / OUT / "overview.pdf").unlink()
    with (project / OUT / "economic-ties.html").open("a", encoding="utf-8") as stream:
        stream.write("<!-- edited by hand -->")
    before = outputs(project)
    result = run_briefs(project, "build")
    assert result.code == 0
    assert changed(before, outputs(project)) == {"pakistan-japan/overview.pdf", "pakistan-japan/economic-ties.html"}
    assert "edited by hand" not in (project / OUT / "economic-ties.html").read_text(encoding="utf-8")


def test_force_rebuilds_everything(project):
    result = run_briefs(project, "build", "--force", "--format", "html")
    assert "built 4" in result.stdout or "built 5" in result.stdout


def test_one_failing_brief_does_not_stop_the_others(project):
    before = outputs(project)
    edit(project / "facts/pakistan-japan/economy.yaml", "{name: Sojitz}", "{name: Sojitz, sector: general trading}")
    edit(project / "templates/partials/_sec_people.html.j2", "p.diaspora.text", "p.diaspora.headcount")
    result = run_briefs(project, "build")
    assert result.code == 1
    assert "templates/partials/_sec_people.html.j2:" in result.stderr and "headcount" in result.stderr
    assert "failed 1" in result.stderr
    # economic-ties was rebuilt; the country brief kept its previous good files.
    assert changed(before, outputs(project)) == {f"pakistan-japan/economic-ties.{f}" for f in ("pdf", "docx", "html")}
    # Once the template is fixed, the next build finishes the job.
    edit(project / "templates/partials/_sec_people.html.j2", "p.diaspora.headcount", "p.diaspora.text")
    again = run_briefs(project, "build")
    assert again.code == 0 and "built 3" in again.stdout


def test_parallel_and_serial_builds_give_identical_files(project, tmp_path):
    serial = run_briefs(project, "build", "-j", "1", "--out", str(tmp_path / "serial"))
    parallel = run_briefs(project, "build", "-j", "2", "--out", str(tmp_path / "parallel"))
    assert serial.code == parallel.code == 0, serial.stderr + parallel.stderr
    # Every output is the same (the build records, in .briefs/, differ only in file times).
    serial_files, parallel_files = tree_digest(tmp_path / "serial"), tree_digest(tmp_path / "parallel")
    assert serial_files == parallel_files and serial_files
    # The desk's state is in .briefs/: the folder holds outputs and briefs' own marker and lock.
    assert {name for name in serial_files if name.startswith(".")} <= {MARKER, LOCK_FILE}
    # The log lists outputs in plan order, whatever order the workers finished in.
    assert serial.stdout.splitlines()[:-1] == [
        line.replace("/parallel/", "/serial/") for line in parallel.stdout.splitlines()[:-1]]


def test_a_killed_build_leaves_complete_files_and_the_next_one_finishes(project, tmp_path):
    # A new edition date changes every output, so that every one of them is rewritten.
    day = edition_date()
    edit(project / "facts/pakistan-japan/metadata.yaml", f"date: {day}", f"date: {day.replace(day=day.day % 28 + 1)}")
    before = outputs(project)
    marker, script = tmp_path / "writing", tmp_path / "paused.py"
    script.write_text(PAUSED_WRITER, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.Popen([sys.executable, str(script), str(marker), "build", "--force", "-j", "2"],
                               cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    deadline = time.monotonic() + 120
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if not marker.exists() or process.poll() is not None:
        process.kill()
        pytest.fail(f"the build never reached a write: {process.communicate()}")
    temporaries = list((project / "build").rglob(".*.tmp"))
    assert temporaries, "no write was in progress when the build was killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    # The file being written still holds its previous complete content; every output is whole.
    assert {name: digest for name, digest in outputs(project).items() if not name.endswith(".tmp")} == before
    for kind in KINDS:
        pypdf.PdfReader(project / OUT / f"{kind}.pdf").pages[0].extract_text()
        with zipfile.ZipFile(project / OUT / f"{kind}.docx") as package:
            assert package.testzip() is None
        assert (project / OUT / f"{kind}.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    result = run_briefs(project, "build")
    assert result.code == 0, result.stderr
    assert not list((project / "build").rglob(".*.tmp")), "the next build left the half-written file"
    assert run_briefs(project, "build").stdout.startswith(f"built 0, skipped {len(planned(project))}")


def test_formats_built_at_different_times_each_track_their_own_inputs(project):
    """A template change seen by a PDF-only build must still rebuild the HTML later."""
    partial = project / "templates/partials/_sec_agreements.html.j2"
    edit(partial, "<h2>Agreements", "<h2>Treaties, agreements")
    assert run_briefs(project, "build", "--format", "pdf").code == 0
    result = run_briefs(project, "build", "--format", "html")
    assert result.code == 0
    assert "Treaties, agreements" in (project / OUT / "institutional-mechanisms.html").read_text()


def test_a_changed_source_document_is_checked_again(project):
    """The build record covers the source documents: a document edited so that a passage the
    facts quote is gone fails the next build at the fact, and nothing is written; an edit that
    leaves every passage in place passes and rewrites only what attaches the document, the
    archival PDFs."""
    before = tree_digest(project / "build")
    seed = next((project / "facts/pakistan-japan/seeds").glob("004_*.txt"))
    edit(seed, "around 19,000 strong", "around 18,000 strong")
    result = run_briefs(project, "build")
    assert result.code == 1
    assert "people.yaml:" in result.stderr and "passage not in source 'fo-brief'" in result.stderr
    assert tree_digest(project / "build") == before
    edit(seed, "around 18,000 strong", "around 19,000 strong")
    seed.write_text(seed.read_text(encoding="utf-8") + "\nA line no fact quotes.\n", encoding="utf-8")
    result = run_briefs(project, "build")
    assert result.code == 0, result.stderr
    assert f"built 0, skipped {len(planned(project))}" in result.stdout
    archive = ("--pdf-variant", "pdf/a-3u", "--format", "pdf", "--out", "archive")
    assert run_briefs(project, "build", *archive).code == 0
    seed.write_text(seed.read_text(encoding="utf-8") + "A second line no fact quotes.\n", encoding="utf-8")
    result = run_briefs(project, "build", *archive)
    assert result.code == 0, result.stderr
    assert f"built {len(planned(project, *archive[2:]))}, skipped 0" in result.stdout
    reader = pypdf.PdfReader(project / "archive/pakistan-japan/country-brief.pdf")
    attached = b"".join(data for files in reader.attachments.values() for data in files)
    assert b"A second line no fact quotes." in attached


def test_a_manifest_left_behind_by_a_killed_build_is_rewritten(project):
    """Killed after saving the build record but before writing manifest.json: the next
    build, with nothing to rebuild, still writes a manifest true of every file."""
    import hashlib
    import json

    manifest_file = project / "build/manifest.json"
    old_manifest = manifest_file.read_bytes()
    people = project / "facts/pakistan-japan/people.yaml"
    people.write_text(people.read_text().replace("About 19,000 Pakistanis", "About 19,000 Pakistani nationals"))
    assert run_briefs(project, "build", "--quiet").code == 0
    # What the kill leaves: the new outputs and record, the old manifest.
    state_file = project / ".briefs/builds/build.json"
    state = json.loads(state_file.read_text())
    state["published"] = "from the build before"
    state_file.write_text(json.dumps(state))
    manifest_file.write_bytes(old_manifest)

    assert run_briefs(project, "build", "--quiet").code == 0
    outputs = json.loads(manifest_file.read_text())["outputs"]
    assert outputs
    for key, entry in outputs.items():
        assert entry["sha256"] == hashlib.sha256((project / "build" / key).read_bytes()).hexdigest(), key
