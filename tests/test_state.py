"""The build record: an output is fresh only while everything it was made from is unchanged."""

from __future__ import annotations

from pathlib import Path

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
    state = BuildState(layout.out_dir, layout.record_file)
    inputs = Inputs(layout)
    deps = state.remember_brief(inputs.fact_files(layout.facts_dir / "a-b"), [["x"]], "digest",
                                {"overview.html.j2": inputs.template("overview.html.j2")}, {"title": "T"})
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
    assert state.deps_of("a-b/overview.pdf").info == {"title": "T"}


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
