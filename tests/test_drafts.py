"""Nothing unverified goes out silently: a brief showing a fact that no passage found in a
source document supports is a draft, marked on every page of the PDF, in the DOCX header,
in the HTML and in the cable, with the count; `briefs dist` refuses to bundle it and names
each fact to verify, at its line. The shipped relationship has no such fact."""

from __future__ import annotations

import json
import shutil

import docx
import pytest

from conftest import ROOT, copy_project, run_briefs, without_passages
from readback import html_root, normalize, pdf_pages

BANNER = "DRAFT: 1 unverified fact; not for distribution"


def test_the_shipped_briefs_are_not_drafts(built):
    manifest = json.loads((built / "build/manifest.json").read_text(encoding="utf-8"))
    assert manifest["outputs"] and not any("unverified_facts" in e for e in manifest["outputs"].values())
    for path in (built / "build/pakistan-japan").glob("*.pdf"):
        assert not any("DRAFT" in page for page in pdf_pages(path)), path
    for path in (built / "build/pakistan-japan").glob("*.html"):
        assert not html_root(path).xpath('//*[@class="page-notice"]'), path


@pytest.fixture(scope="module")
def draft(tmp_path_factory):
    """economy.summary without its passages, then built in every format."""
    project = copy_project(tmp_path_factory.mktemp("draft"))
    without_passages(project / "facts/pakistan-japan/economy.yaml", "summary:")
    result = run_briefs(project, "build", "--quiet", "--format", "pdf,docx,html,txt",
                        "--only", "pakistan-japan/economic-ties", "--only", "pakistan-japan/overview")
    assert result.code == 0, result.stderr
    assert "economy.summary: no passages" in result.stderr
    return project


def test_every_page_and_format_of_a_draft_says_so(draft):
    out = draft / "build/pakistan-japan"
    pages = pdf_pages(out / "economic-ties.pdf")
    assert len(pages) > 1
    assert all(BANNER in normalize(page) for page in pages)
    document = docx.Document(str(out / "economic-ties.docx"))
    for section in document.sections:
        assert BANNER in [p.text for p in section.header.paragraphs]
    assert html_root(out / "economic-ties.html").xpath('//*[@class="page-notice"]')[0].text_content() == BANNER
    cable = (out / "economic-ties.txt").read_text(encoding="utf-8").splitlines()
    assert cable[1] == BANNER and cable[-2] == BANNER
    # The overview does not show the fact: it is not a draft.
    assert not any("DRAFT" in page for page in pdf_pages(out / "overview.pdf"))
    assert "DRAFT" not in (out / "overview.txt").read_text(encoding="utf-8")
    manifest = json.loads((draft / "build/manifest.json").read_text(encoding="utf-8"))["outputs"]
    assert manifest["pakistan-japan/economic-ties.pdf"]["unverified_facts"] == [
        {"fact": "economy.summary", "file": "facts/pakistan-japan/economy.yaml", "line": 3}]
    assert "unverified_facts" not in manifest["pakistan-japan/overview.pdf"]


def test_dist_refuses_drafts_and_names_the_facts(draft, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(draft, project)
    result = run_briefs(project, "dist")
    assert result.code == 1
    assert result.stderr.startswith("facts/pakistan-japan/economy.yaml:3: economy.summary: unverified")
    assert not (project / "build/dist").exists()
    # Verified again (the passages restored), the same briefs are rebuilt and bundled.
    shutil.copy(ROOT / "facts/pakistan-japan/economy.yaml", project / "facts/pakistan-japan/economy.yaml")
    rebuilt = run_briefs(project, "build", "--quiet", "--format", "pdf,docx,html,txt",
                         "--only", "pakistan-japan/economic-ties", "--only", "pakistan-japan/overview")
    assert rebuilt.code == 0, rebuilt.stderr
    assert not any("DRAFT" in page for page in pdf_pages(project / "build/pakistan-japan/economic-ties.pdf"))
    bundled = run_briefs(project, "dist")
    assert bundled.code == 0, bundled.stderr


def test_strict_refuses_the_draft(draft, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(draft, project)
    result = run_briefs(project, "build", "--strict", "--force", "--only", "pakistan-japan/economic-ties")
    assert result.code == 1 and "economy.summary: no passages" in result.stderr


def test_every_page_of_a_working_edition_says_it_is_a_working_copy(tmp_path):
    project = copy_project(tmp_path / "project")
    result = run_briefs(project, "build", "--quiet", "--working", "--format", "pdf,docx,txt",
                        "--only", "pakistan-japan/country-brief")
    assert result.code == 0, result.stderr
    out = project / "build/pakistan-japan/working"
    notice = "WORKING COPY \u2013 NOT FOR CIRCULATION"
    pages = pdf_pages(out / "country-brief.pdf")
    assert len(pages) > 2 and all(notice in normalize(page) for page in pages)
    document = docx.Document(str(out / "country-brief.docx"))
    assert all(notice in [p.text for p in section.header.paragraphs] for section in document.sections)
    assert (out / "country-brief.txt").read_text(encoding="ascii").splitlines()[1] == "WORKING COPY - NOT FOR CIRCULATION"
