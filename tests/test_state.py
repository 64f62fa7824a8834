"""The build record: an output is fresh only while everything it was made from is unchanged."""

from __future__ import annotations

import os
from pathlib import Path

import briefs.state as state_module
from briefs.edition import BriefId
from briefs.layout import Layout
from briefs.output import atomic_write
from briefs.state import BuildState, Inputs


def _project(tmp_path: Path) -> tuple[Layout, Path]:
    (tmp_path / "templates/partials").mkdir(parents=True)
    (tmp_path / "templates/overview.html.j2").write_text("overview")
    (tmp_path / "templates/partials/_a.html.j2").write_text("a")
    (tmp_path / "facts/a-b").mkdir(parents=True)
    (tmp_path / "facts/a-b/one.yaml").write_text("x: 1\n")
    layout = Layout.of(tmp_path)
    output = layout.out_dir / "a-b/overview.pdf"
    atomic_write(output, b"%PDF built")
    return layout, output


def _record(layout: Layout, output: Path) -> BuildState:
    """A record of one output, as a build writes it (with the signatures of inputs old enough)."""
    state = BuildState(layout.out_dir, layout.record_file)
    inputs = Inputs(layout, state.signatures)
    deps = state.remember_brief(inputs.fact_files(layout.facts_dir / "a-b"), [["x"]], "digest",
                                {"overview.html.j2": inputs.template("overview.html.j2")},
                                {"title": "T", "brief": BriefId("a-b", "overview").to_json()})
    state.remember_output(output, "a-b/overview", deps, {"format": "pdf"}, output.read_bytes(), [])
    atomic_write(layout.record_file, state.to_bytes())
    return BuildState.read(layout.out_dir, layout.record_file)


def _verdict(layout: Layout, state: BuildState, output: Path, options=None) -> str:
    inputs = Inputs(layout)
    return state.check(state.key(output), output, "a-b/overview", inputs.fact_files(layout.facts_dir / "a-b"),
                       options or {"format": "pdf"}, inputs)


def test_an_unchanged_output_is_fresh_after_a_round_trip(tmp_path):
    layout, output = _project(tmp_path)
    state = _record(layout, output)
    assert _verdict(layout, state, output) == "fresh"
    assert state.deps_of("a-b/overview.pdf").info["title"] == "T"


def test_each_input_makes_it_stale(tmp_path):
    layout, output = _project(tmp_path)
    state = _record(layout, output)
    assert _verdict(layout, state, output, {"format": "pdf", "pdf_variant": "pdf/a-3u"}) == "stale"
    (tmp_path / "facts/a-b/one.yaml").write_text("x: 2\n")
    assert _verdict(layout, state, output) == "facts"  # the values read must be compared
    (tmp_path / "templates/overview.html.j2").write_text("changed")
    assert _verdict(layout, state, output) == "stale"


def test_an_override_folder_shadows_the_shipped_template(tmp_path):
    layout, output = _project(tmp_path)
    state = _record(layout, output)
    (tmp_path / "office").mkdir()
    (tmp_path / "office/overview.html.j2").write_text("the office's own")
    with_office = Layout.of(tmp_path, templates=["office"])
    assert with_office.template_file("overview.html.j2") == tmp_path / "office/overview.html.j2"
    assert with_office.template_file("!default/overview.html.j2") == tmp_path / "templates/overview.html.j2"
    assert _verdict(with_office, state, output) == "stale"


def test_a_hand_edited_or_deleted_output_is_stale(tmp_path):
    layout, output = _project(tmp_path)
    state = _record(layout, output)
    output.write_bytes(b"%PDF edited by hand")
    assert _verdict(layout, state, output) == "stale"
    output.unlink()
    assert _verdict(layout, state, output) == "stale"


def test_an_unreadable_record_means_rebuild_everything(tmp_path):
    layout, output = _project(tmp_path)
    layout.record_file.parent.mkdir(parents=True, exist_ok=True)
    layout.record_file.write_text("{not json")
    assert BuildState.read(layout.out_dir, layout.record_file).outputs == {}


# --- input files known by their signatures ----------------------------------------------------


class _Later:
    """A clock some seconds ahead: files written by the test are then old enough to be known
    by their signatures (their status-change time cannot be set back)."""

    @staticmethod
    def time_ns() -> int:
        import time

        return time.time_ns() + 10 * state_module.RACY_WINDOW_NS


def _verdict_by_signatures(layout: Layout, state: BuildState, output: Path) -> str:
    inputs = Inputs(layout, state.signatures)
    return state.check(state.key(output), output, "a-b/overview", inputs.fact_files(layout.facts_dir / "a-b"),
                       {"format": "pdf"}, inputs)


def test_unchanged_inputs_are_known_by_their_signature_without_reading_them(tmp_path, monkeypatch):
    layout, output = _project(tmp_path)
    monkeypatch.setattr(state_module, "time", _Later)
    state = _record(layout, output)
    assert str(tmp_path / "facts/a-b/one.yaml") in state.signatures

    def unread(path):
        raise AssertionError(f"{path} was read")

    monkeypatch.setattr(state_module, "file_hash", unread)
    assert _verdict_by_signatures(layout, state, output) == "fresh"


def test_a_file_edited_back_to_its_size_and_time_is_read_again(tmp_path, monkeypatch):
    layout, output = _project(tmp_path)
    facts = tmp_path / "facts/a-b/one.yaml"
    monkeypatch.setattr(state_module, "time", _Later)
    state = _record(layout, output)
    assert str(facts) in state.signatures
    before = facts.stat()
    facts.write_text("x: 2\n")  # the same size
    os.utime(facts, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (facts.stat().st_size, facts.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert _verdict_by_signatures(layout, state, output) == "facts"


def test_a_file_changed_just_before_it_was_hashed_gets_no_signature(tmp_path, monkeypatch):
    """Within the file system's clock step it could change again with the same times."""
    layout, output = _project(tmp_path)
    state = _record(layout, output)  # every input was written just now
    assert str(tmp_path / "facts/a-b/one.yaml") not in state.signatures
    assert _verdict_by_signatures(layout, state, output) == "fresh"
    monkeypatch.setattr(state_module, "time", _Later)
    assert str(tmp_path / "facts/a-b/one.yaml") in _record(layout, output).signatures


def test_an_output_edited_back_to_its_size_and_time_is_stale(tmp_path):
    layout, output = _project(tmp_path)
    state = _record(layout, output)
    before = output.stat()
    output.write_bytes(b"%PDF XXXXX")  # the same size as "%PDF built"
    os.utime(output, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (output.stat().st_size, output.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert _verdict(layout, state, output) == "stale"
def test_a_brief_recorded_without_its_identity_is_rebuilt(tmp_path):
    """A record from before briefs kept a brief's identity: the index could not place the
    output in its edition, so the output is rebuilt (and recorded with it)."""
    layout, output = _project(tmp_path)
    state = _record(layout, output)
    assert _verdict(layout, state, output) == "fresh"
    for record in state.briefs.values():
        del record.info["brief"]
    atomic_write(layout.record_file, state.to_bytes())
    assert _verdict(layout, BuildState.read(layout.out_dir, layout.record_file), output) == "stale"
