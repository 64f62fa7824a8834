"""Fact text is data: template syntax and markup in a fact come out literally in every format."""

from __future__ import annotations

import json

from conftest import run_briefs, without_passages
from readback import docx_text, html_root, html_text, pdf_text

HOSTILE = "{{ 7*7 }} {% include 'x' %} <script>alert(1)</script> </p><h1>Injected</h1> & co"


def test_hostile_fact_text_is_rendered_literally(project):
    path = project / "facts/pakistan-japan/people.yaml"
    text = path.read_text(encoding="utf-8")
    old = "      text: Launched in 2018 to build ties between the two publics.\n"
    assert old in text
    path.write_text(text.replace(old, f"      text: {json.dumps(HOSTILE)}\n"), encoding="utf-8")
    without_passages(path, "7*7")  # its figures and names are in no passage: unverified
    result = run_briefs(project, "build", "--only", "pakistan-japan/country-brief")
    assert result.code == 0, result.stderr
    out = project / "build/pakistan-japan"
    root = html_root(out / "country-brief.html")
    assert not root.xpath("//script"), "fact text became a script element"
    assert "Injected" not in [h.text_content() for h in root.xpath("//h1")]
    for text in (html_text(out / "country-brief.html"), docx_text(out / "country-brief.docx")):
        assert "{{ 7*7 }}" in text and "<script>alert(1)</script>" in text and "</p><h1>Injected</h1>" in text
    assert "{{ 7*7 }}" in pdf_text(out / "country-brief.pdf")
