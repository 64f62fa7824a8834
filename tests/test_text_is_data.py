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


# --- values never reorder the brief's own words ------------------------------------------------
# An unclosed right-to-left override (U+202E) in a value would reverse everything after it in
# its paragraph: each value is set in its own bidi isolate (<bdi> in HTML and the PDF, FSI ...
# PDI in Word), and whatever it opens ends with it.

RLO, FSI, PDI = "\u202e", "\u2068", "\u2069"
OFFICE = "Asia-Pacific Division, Ministry of Foreign Affairs, Islamabad"


def _edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _pdftotext(path) -> str:
    """The PDF's text in the order it reads on the page (left to right, as drawn)."""
    import subprocess

    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_an_override_in_the_issuing_office_stays_inside_it(project):
    office = f"Asia-Pacific Division {RLO}Ministry of Foreign Affairs"
    _edit(project / "facts/pakistan-japan/metadata.yaml", f"  issuing_office: {OFFICE}",
          f'  issuing_office: "{office.replace(RLO, chr(92) + "u202E")}"')
    result = run_briefs(project, "build", "--only", "pakistan-japan/overview")
    assert result.code == 0, result.stderr
    out = project / "build/pakistan-japan"
    issue = html_root(out / "overview.html").xpath('//p[@class="issue"]')[0]
    value = issue.xpath("bdi")[0]
    assert value.text == office and value.tail.startswith(". Date of issue: ")
    # As the reader sees the page: our words read forwards; only the office's own text turns.
    page = _pdftotext(out / "overview.pdf")
    assert "Date of issue: 2 October 2023" in page and "etaD" not in page, page[:600]
    assert "Issued by Asia-Pacific Division" in page
    import docx

    paragraph = next(p.text for p in docx.Document(out / "overview.docx").paragraphs if "Issued by" in p.text)
    assert paragraph.startswith(f"Issued by {FSI}{office}{PDI}. Date of issue: 2 October 2023.")


def test_an_override_in_a_fact_does_not_run_over_its_portion_mark(project):
    metadata = project / "facts/pakistan-japan/metadata.yaml"
    _edit(metadata, "  marking: PUBLIC", "  marking: PUBLIC\n  portion_markings_in: [overview]")
    _edit(project / "facts/pakistan-japan/relations.yaml",
          "    - text: >-\n        Both governments take a practical line on regional and international\n"
          "        problems and on how to settle them.\n",
          '    - text: "Both governments take a practical line on regional and international problems'
          ' and on how to settle them. \\u202Ereversed"\n')
    result = run_briefs(project, "build", "--only", "pakistan-japan/overview")
    assert result.code == 0, result.stderr
    out = project / "build/pakistan-japan"
    paragraph = next(p for p in html_root(out / "overview.html").xpath("//main//p")
                     if "practical line" in p.text_content())
    value = paragraph.xpath(".//bdi")[0]
    assert value.text_content().endswith(f"settle them. {RLO}reversed")
    mark = paragraph.xpath('.//span[@class="portion-marking"]')[0]
    assert not any(a.tag == "bdi" for a in mark.iterancestors()), "the mark is inside the value's isolate"
    import docx

    words = next(p.text for p in docx.Document(out / "overview.docx").paragraphs if "practical line" in p.text)
    assert words.endswith(f"{RLO}reversed{PDI} (P)") or words.endswith(f"{RLO}reversed{PDI} (R)"), words
    page = " ".join(_pdftotext(out / "overview.pdf").split())
    assert "desrever" in page and ")P(" not in page and ")R(" not in page


def test_values_without_right_to_left_text_carry_no_isolate_characters_in_word(built):
    import docx

    text = "\n".join(p.text for p in docx.Document(built / "build/pakistan-japan/overview.docx").paragraphs)
    others = text.replace(f"{FSI}پاکستان{PDI}", "")  # the one value in Urdu keeps its isolate
    assert FSI not in others and PDI not in others
    assert len(html_root(built / "build/pakistan-japan/overview.html").xpath("//main//bdi")) > 10
