"""briefs.yaml: the project file every command obeys, flags overriding it for one run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import yaml

from conftest import ROOT, copy_project, run_briefs, tree_digest
from readback import html_text


def write_settings(project: Path, text: str) -> None:
    (project / "briefs.yaml").write_text(text, encoding="utf-8")


def listed(project: Path, *args: str) -> list[str]:
    result = run_briefs(project, "list", *args)
    assert result.code == 0, result.stderr
    return result.stdout.split()


def test_the_shipped_settings_are_valid_and_are_the_defaults(tmp_path):
    project = copy_project(tmp_path / "p")
    before = listed(project)
    shutil.copy(ROOT / "briefs.yaml", project / "briefs.yaml")
    assert listed(project) == before
    schema = json.loads(run_briefs(project, "schema", "--settings").stdout)
    jsonschema.validate(yaml.safe_load((ROOT / "briefs.yaml").read_text()), schema)
    assert (ROOT / "briefs.schema.json").read_text() == run_briefs(project, "schema", "--settings").stdout


def test_settings_choose_folder_formats_and_editions_and_flags_override(tmp_path):
    project = copy_project(tmp_path / "p")
    write_settings(project, "out: published\nformats: [html]\nreleases: [PUBLIC]\n")
    files = listed(project)
    assert "published/pakistan-japan/overview.html" in files
    assert "published/pakistan-japan/public/overview.html" in files
    assert not [f for f in files if f.endswith((".pdf", ".docx"))]
    overridden = listed(project, "--format", "pdf", "--release", "OFFICIAL", "--out", "other")
    assert "other/pakistan-japan/official/overview.pdf" in overridden
    assert not [f for f in overridden if f.endswith(".html") and "index" not in f]
    result = run_briefs(project, "build", "--only", "pakistan-japan/overview", "-q")
    assert result.code == 0, result.stderr
    assert (project / "published/pakistan-japan/public/overview.html").is_file()
    assert not (project / "build").exists()


def test_an_unknown_setting_or_bad_value_is_located_and_nothing_is_written(project):
    before = tree_digest(project / "build")
    write_settings(project, "out: build\noutt: elsewhere\nformats: [html, pdff]\n")
    result = run_briefs(project, "build")
    assert result.code == 1
    assert "briefs.yaml:2: unknown setting 'outt'; did you mean 'out'?" in result.stderr
    assert "briefs.yaml:3: formats: unknown format 'pdff'" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(project / "build") == before
    write_settings(project, "templates: [nowhere]\n")
    result = run_briefs(project, "check")
    assert result.code == 1 and "briefs.yaml:1: templates: no template folder 'nowhere'" in result.stderr
    write_settings(project, "relationships:\n  pakistan-japn:\n    templates: []\n")
    result = run_briefs(project, "list")
    assert result.code == 1
    assert "briefs.yaml:2: relationships: no relationship named 'pakistan-japn'; did you mean 'pakistan-japan'?" \
        in result.stderr


def test_template_folders_scoped_to_one_relationship(tmp_path):
    project = copy_project(tmp_path / "p")
    shutil.copytree(project / "facts/pakistan-japan", project / "facts/pakistan-japan-copy")
    office = project / "embassy/partials"
    office.mkdir(parents=True)
    shipped = (project / "templates/partials/_title_block.html.j2").read_text(encoding="utf-8")
    assert "Issued by" in shipped
    (office / "_title_block.html.j2").write_text(shipped.replace("Issued by", "Prepared by the embassy for"))
    write_settings(project, "relationships:\n  pakistan-japan:\n    templates: [embassy]\n")
    result = run_briefs(project, "build", "--format", "html", "-q")
    assert result.code == 0, result.stderr
    assert "Prepared by the embassy for" in html_text(project / "build/pakistan-japan/overview.html")
    assert "Prepared by the embassy for" not in html_text(project / "build/pakistan-japan-copy/overview.html")
    # Changing the scoped override rebuilds that relationship's briefs only.
    (office / "_title_block.html.j2").write_text(shipped.replace("Issued by", "Sent by"))
    again = run_briefs(project, "build", "--format", "html")
    assert again.code == 0
    rebuilt = [line for line in again.stdout.splitlines() if line.startswith("built build/")]
    assert rebuilt and all("/pakistan-japan/" in line for line in rebuilt)


def test_clean_removes_the_configured_output_folder_and_never_an_input(tmp_path):
    project = copy_project(tmp_path / "p")
    write_settings(project, "out: published\n")
    assert run_briefs(project, "build", "--format", "html", "-q").code == 0
    assert (project / "published/index.html").is_file()
    assert run_briefs(project, "clean").code == 0
    assert not (project / "published").exists() and (project / "facts").is_dir()
    refused = run_briefs(project, "clean", "--out", "templates")
    assert refused.code == 2 and (project / "templates").is_dir()


def test_folders_the_settings_name_are_checked_at_their_line(tmp_path):
    """A folder briefs.yaml names that is missing, or that would mix outputs with inputs, is
    refused at briefs.yaml's line, with the folder meant where one is close."""
    project = copy_project(tmp_path / "p")
    (project / "office").mkdir()
    (project / "a-file").write_text("not a folder\n")
    for text, expected in (
            ("formats: [html]\ntemplates: [ofice]\n",
             "briefs.yaml:2: templates: no template folder 'ofice' in the project folder; did you mean 'office'?"),
            ("# ours\nout: facts\n",
             "briefs.yaml:2: the output folder facts would mix with the input facts;"),
            ("templates:\n  - office\n  - /\n",
             "briefs.yaml:3: templates: the template folder '/' holds the whole project"),
            ("out: a-file/briefs\n",
             "briefs.yaml:1: the output folder a-file/briefs would lie below a-file, which is a file"),
            ("facts: fact\n", "briefs.yaml:1: facts: no fact folder 'fact' in the project folder"),
            ("reference_docx: office/reference.docx\n",
             "briefs.yaml:1: reference_docx: no file 'office/reference.docx'"),
            ("relationships:\n  pakistan-japan:\n    templates: [offices]\n",
             "briefs.yaml:3: relationships.pakistan-japan.templates: no template folder 'offices' in the"
             " project folder; did you mean 'office'?")):
        write_settings(project, text)
        result = run_briefs(project, "list")
        assert result.code == 1, (text, result.stderr)
        assert result.stderr.startswith(expected), (text, result.stderr)
        assert "Traceback" not in result.stderr
    assert not (project / "build").exists() and not (project / "a-file/briefs").exists()


def test_a_project_letterhead_says_whom_it_covers_and_warns_where_an_issuer_differs(tmp_path):
    """A title block in briefs.yaml's template folders heads every relationship's briefs: the run
    says which, and warns at a relationship's issuing office when it is another office's."""
    project = copy_project(tmp_path / "p")
    shutil.copytree(project / "facts/pakistan-japan", project / "facts/pakistan-japan-copy")
    shipped = (project / "templates/partials/_title_block.html.j2").read_text(encoding="utf-8")
    for folder in ("office", "embassy"):
        (project / folder / "partials").mkdir(parents=True)
        (project / folder / "partials/_title_block.html.j2").write_text(shipped.replace("Issued by", f"{folder}:"))
    write_settings(project, "templates: [office]\n")
    check = run_briefs(project, "check")
    assert check.code == 0, check.stderr
    assert ("briefs.yaml:1: note: a letterhead, office/partials/_title_block.html.j2, heads the briefs of"
            " pakistan-japan, pakistan-japan-copy (every relationship without a title block of its own)"
            " (set issuing_office: in briefs.yaml") in check.stderr
    write_settings(project, "templates: [office]\nissuing_office: Embassy of Pakistan, Tokyo\n"
                            "relationships:\n  pakistan-japan-copy:\n    templates: [embassy]\n")
    check = run_briefs(project, "check")
    assert check.code == 0, check.stderr
    assert ("briefs.yaml:2: note: the letterhead of Embassy of Pakistan, Tokyo, office/partials/_title_block.html.j2,"
            " heads the briefs of pakistan-japan (every") in check.stderr
    line = next(n for n, text in enumerate((project / "facts/pakistan-japan/metadata.yaml").read_text().splitlines(), 1)
                if text.startswith("  issuing_office:"))
    assert (f"facts/pakistan-japan/metadata.yaml:{line}: warning: metadata.issuing_office: these briefs are issued"
            " by 'Asia-Pacific Division, Ministry of Foreign Affairs, Islamabad' but carry the letterhead of"
            " 'Embassy of Pakistan, Tokyo'") in check.stderr
    assert "pakistan-japan-copy/metadata.yaml" not in check.stderr  # it has a title block of its own
    strict = run_briefs(project, "build", "--strict", "--format", "html", "--only", "pakistan-japan")
    assert strict.code == 1 and "carry the letterhead of 'Embassy of Pakistan, Tokyo'" in strict.stderr
    # Without a title block of the project's own there is no letterhead to speak of.
    write_settings(project, "issuing_office: Embassy of Pakistan, Tokyo\n")
    assert "letterhead" not in run_briefs(project, "check").stderr
