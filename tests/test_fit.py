"""Issue 17, "fit to send": what a ministry's reviewer checks, measured on the real outputs.

Outgoing briefs carry no desk apparatus, keep fact text as written in every format, fit the
genre's length, keep each note on the page of its call and carry an extractable marking."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pypdf
import pytest

from conftest import ROOT, copy_project, edition_date, run_briefs, copy_build
from readback import docx_text, html_footnotes, html_root, html_text, normalize, pdf_lines

from briefs.load import load_relationship
from briefs.model import fact_label, walk

OUT = Path("build/pakistan-japan")
KINDS = ["country-brief", "economic-ties", "institutional-mechanisms", "overview"]
# The longest each kind may run, in A4 pages (GENRE.md: an overview two at most, a country
# brief rarely over six).
MOST_PAGES = {"overview": 2, "country-brief": 6, "economic-ties": 3, "institutional-mechanisms": 3}
INTERNAL_WORDS = ["stale", "freshness", "fact base", "Kind:", "the title is ours", "disclaims",
                  "Untitled", "unsigned", "limit is"]


def _squash(text: str) -> str:
    """Letters and digits only: fact text compared across formats regardless of white space,
    line-end hyphenation and where a line or note broke it."""
    return re.sub(r"[\s\u2010\u00ad-]+", "", text)


def _plain(text: str) -> str:
    """A fact's text as a reader sees it: its light markup (*emphasis*, [link](url)) undone."""
    text = re.sub(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)", r"\1", text)
    return re.sub(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])", r"\1", text)


def _fact_texts() -> list[tuple[str, str]]:
    """(path, text) of every fact's text and of every other string a brief prints from a
    fact (names, titles, purposes), as written in the fact base."""
    relationship = load_relationship(ROOT / "facts/pakistan-japan")
    texts = []
    for path, model in walk(relationship.facts):
        if path[:1] in (("metadata",), ("sources",), ("freshness",)):
            continue
        for name in ("text", "purpose"):
            value = getattr(model, name, None)
            if isinstance(value, str) and len(value) > 12:
                texts.append((".".join(map(str, path + (name,))), " ".join(_plain(value).split())))
    return texts


def _pdf_body(path: Path, notes: list[str]) -> str:
    """The PDF's running text: each page without its marking, footer and notes."""
    body, number = [], 1
    for page in pypdf.PdfReader(path).pages:
        lines = (page.extract_text() or "").splitlines()
        lines = [line for line in lines if line.strip() not in ("RESTRICTED", "OFFICIAL", "PUBLIC")
                 and not re.search(r"Page \d+ of \d+", line)]
        cut = len(lines)
        for index, line in enumerate(lines):
            match = re.match(r"(\d+)\.\s", line)
            if match and int(match.group(1)) == number and number <= len(notes) \
                    and _squash(line[match.end():])[:12] == _squash(notes[number - 1])[:12]:
                cut = index
                break
        body.extend(lines[:cut])
        # The notes of this page are those numbered before the next page's first.
        page_notes = re.findall(r"(?:^|\s)(\d+)\.\u00a0|(?:^|\s)(\d+)\. ", "\n".join(lines[cut:]))
        numbers = [int(a or b) for a, b in page_notes]
        if numbers:
            number = max(n for n in numbers if n <= len(notes)) + 1
    return "\n".join(body)


def test_fact_text_appears_unchanged_in_every_format(built):
    """No filter may alter fact text: wherever a brief prints a fact's text (found whatever
    its case), it prints it as written, whitespace aside, in HTML, DOCX and PDF alike."""
    texts = _fact_texts()
    assert len(texts) > 40
    shown = set()
    for kind in KINDS:
        html_path = built / OUT / f"{kind}.html"
        html = _squash(html_text(html_path))
        docx = _squash(docx_text(built / OUT / f"{kind}.docx"))
        pdf = _squash(_pdf_body(built / OUT / f"{kind}.pdf", html_footnotes(html_path)))
        for path, text in texts:
            if _squash(text).casefold() not in html.casefold():
                continue  # this brief does not print it
            shown.add(path)
            assert _squash(text) in html, f"{kind}.html alters {path}: {text!r}"
            assert _squash(text) in docx, f"{kind}.docx alters {path}: {text!r}"
            assert _squash(text) in pdf, f"{kind}.pdf alters {path}: {text!r}"
    assert len(shown) > 0.8 * len(texts)


@pytest.mark.parametrize("kind", KINDS)
def test_briefs_fit_the_genre_length(built, kind):
    pages = len(pypdf.PdfReader(built / OUT / f"{kind}.pdf").pages)
    assert pages <= MOST_PAGES[kind], f"{kind} runs to {pages} pages"


@pytest.mark.parametrize("kind", KINDS)
def test_marking_is_extractable_as_a_word_on_every_page_and_in_the_properties(built, kind):
    path = built / OUT / f"{kind}.pdf"
    marking = html_root(built / OUT / f"{kind}.html").xpath('//meta[@name="marking"]/@content')[0]
    reader = pypdf.PdfReader(path)
    for number, page in enumerate(reader.pages, start=1):
        assert (page.extract_text() or "").count(marking) >= 2, f"pypdf, page {number}"
    if shutil.which("pdftotext"):
        for number in range(1, len(reader.pages) + 1):
            text = subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), str(path), "-"],
                                  capture_output=True, text=True, check=True).stdout
            assert text.count(marking) >= 2, f"pdftotext, page {number}"
    assert reader.metadata.get("/marking") == marking


@pytest.mark.parametrize("kind", KINDS)
def test_outgoing_briefs_carry_no_desk_apparatus(built, kind):
    for text in (html_text(built / OUT / f"{kind}.html"), docx_text(built / OUT / f"{kind}.docx")):
        for word in INTERNAL_WORDS:
            assert word not in text, f"{kind} says {word!r}"


def test_every_note_is_on_the_page_of_its_call():
    """Laid out by WeasyPrint from the same document: each page holds the notes it calls."""
    import weasyprint

    from briefs.layout import Layout
    from briefs.render import Renderer

    layout = Layout.of(ROOT, "facts", [], "build", None)
    relationship = load_relationship(ROOT / "facts/pakistan-japan")
    rendered = Renderer(layout).render(relationship, "country-brief")
    document = weasyprint.HTML(string=rendered.html, base_url=str(ROOT / "templates") + "/").render()
    seen = 0
    for number, page in enumerate(document.pages, start=1):
        calls, notes = set(), set()
        for box in page._page_box.descendants():
            tag = getattr(box, "element_tag", "") or ""
            text = "".join(getattr(child, "text", "") or "" for child in box.descendants())
            if tag.endswith("::footnote-call"):
                calls.add(text.strip())
            elif tag.endswith("::footnote-marker"):
                notes.add(text.strip().rstrip(".\u00a0 "))
        assert calls == notes, f"page {number}: calls {sorted(calls)} but notes {sorted(notes)}"
        seen += len(calls)
    assert seen == len(rendered.meta.notes)


PDFTOTEXT = pytest.mark.skipif(not shutil.which("pdftotext"),
                               reason="pdftotext (poppler-utils) is not installed; .ci/run installs it")
# Body text is 10 pt, tables 9 pt (lines about 11 pt high as pdftotext measures them);
# notes, footers and the raised number of a note's call are smaller.
BODY_LINE = 10.0


@PDFTOTEXT
@pytest.mark.parametrize("kind", KINDS)
def test_no_note_number_stands_alone_on_a_line(built, kind):
    """Neither a note's call in the text nor its number at the foot of the page is a line of
    its own, or the end of a line whose note text begins on the next."""
    for number, (_height, lines) in enumerate(pdf_lines(built / OUT / f"{kind}.pdf"), start=1):
        for line in lines:
            # A raised call set right after its word, which pdftotext may count as a line of its
            # own (by where it sits on the page), is attached, not alone.
            attached = any(abs(other.right - line.left) < 0.5 and other.top < line.bottom
                           and line.top < other.bottom for other in lines if other is not line)
            assert attached or not re.fullmatch(r"\d{1,3}\.?", line.text), \
                f"page {number}: {line.text!r} alone on a line"
            if line.height < BODY_LINE:
                assert not re.search(r"(^|\s)\d{1,3}\.$", line.text), f"page {number}: note number ends {line.text!r}"


@PDFTOTEXT
@pytest.mark.parametrize("kind", KINDS)
def test_the_last_page_is_not_only_notes_or_a_few_lines(built, kind):
    pages = pdf_lines(built / OUT / f"{kind}.pdf")
    marking = html_root(built / OUT / f"{kind}.html").xpath('//meta[@name="marking"]/@content')[0]
    _height, lines = pages[-1]
    body = [line for line in lines if line.height >= BODY_LINE and line.text != marking]
    assert len(pages) == 1 or len(body) >= 6, f"the last of {len(pages)} pages has {len(body)} body lines"


def _footer_problems(path: Path, marking: str) -> list[str]:
    """Where, page by page, the bottom marking is not whole on a line of its own, or the
    footer beside it (title, page number) comes within 3 mm of it."""
    gap = 3 / 25.4 * 72
    problems = []
    for number, (height, lines) in enumerate(pdf_lines(path), start=1):
        feet = [line for line in lines if line.text == marking and line.top > height / 2]
        if len(feet) != 1:
            problems.append(f"page {number}: the bottom marking is not a line of its own")
            continue
        foot = feet[0]
        beside = [line for line in lines if line is not foot and line.bottom > foot.top - 2 and line.top < foot.bottom + 2]
        if not beside:
            problems.append(f"page {number}: no footer beside the marking")
        problems += [f"page {number}: {line.text!r} touches the marking" for line in beside
                     if not (line.right + gap <= foot.left or foot.right + gap <= line.left)]
    return problems


@PDFTOTEXT
@pytest.mark.parametrize("kind", KINDS)
def test_footer_text_never_touches_the_marking(built, kind):
    """At the foot of every page the brief's title (left), the marking (centre) and the page
    number (right) stand apart, at least 3 mm from each other."""
    marking = html_root(built / OUT / f"{kind}.html").xpath('//meta[@name="marking"]/@content')[0]
    assert _footer_problems(built / OUT / f"{kind}.pdf", marking) == []


@PDFTOTEXT
def test_a_long_marking_stays_whole_and_clear_of_a_long_footer_title(tmp_path):
    """OFFICIAL-SENSITIVE (a marking some governments use) beside the longest brief title:
    the title's column leaves the marking room for one line."""
    project = copy_project(tmp_path / "project")
    for path in (project / "facts/pakistan-japan").glob("*.yaml"):
        path.write_text(path.read_text(encoding="utf-8").replace("RESTRICTED", "OFFICIAL-SENSITIVE"), encoding="utf-8")
    result = run_briefs(project, "build", "--format", "pdf", "--quiet", "--only", "pakistan-japan/institutional-mechanisms")
    assert result.code == 0, result.stderr
    pdf = project / OUT / "institutional-mechanisms.pdf"
    assert pypdf.PdfReader(pdf).metadata.get("/marking") == "OFFICIAL-SENSITIVE"
    assert _footer_problems(pdf, "OFFICIAL-SENSITIVE") == []


def test_notes_are_compact_and_match_the_bibliography(built):
    html = built / OUT / "country-brief.html"
    notes = html_footnotes(html)
    labels = [normalize(s.text_content()).strip()
              for s in html_root(html).xpath('//section[@class="sources"]//li/strong')]
    for note in notes:
        assert len(note) < 120, note
        for part in note.rstrip(".").split("; "):
            assert part in labels, f"note label {part!r} is not in the Sources list {labels}"
    entries = [normalize(li.text_content()) for li in
               html_root(html).xpath('//section[@class="sources"]//li')]
    for entry in entries:
        assert re.search(r"\b(19|20)\d\d\b|undated", entry), entry


def test_working_edition_keeps_the_apparatus_in_its_own_folder(built, tmp_path):
    project = copy_project(tmp_path / "project")
    copy_build(built, project)
    # Dated years after its facts, so that some are stale.
    metadata = project / "facts/pakistan-japan/metadata.yaml"
    day = edition_date().isoformat()
    metadata.write_text(metadata.read_text(encoding="utf-8").replace(f"date: {day}", "date: 2026-11-20"))
    result = run_briefs(project, "build", "--working", "--only", "pakistan-japan/country-brief",
                        "--format", "html", "--quiet")
    assert result.code == 0, result.stderr
    text = html_text(project / OUT / "working/country-brief.html")
    assert "[stale:" in text and "freshness policy" in text and "Kind: official" in text
    assert "WORKING COPY \u2013 NOT FOR CIRCULATION" in text
    # The outgoing files keep their paths, untouched by a working build.
    assert (project / OUT / "country-brief.html").read_bytes() == (built / OUT / "country-brief.html").read_bytes()


def test_an_outgoing_template_printing_a_desk_field_is_a_located_error(built, tmp_path):
    project = copy_project(tmp_path / "project")
    partial = project / "templates/partials/_sources.html.j2"
    source = partial.read_text(encoding="utf-8")
    partial.write_text(source.replace("{%- if working %} Kind:", "{{ source.note }}{%- if working %} Kind:"),
                       encoding="utf-8")
    line = next(n for n, t in enumerate(partial.read_text().splitlines(), 1) if "{{ source.note }}" in t)
    result = run_briefs(project, "check")
    assert result.code == 1
    assert f"templates/partials/_sources.html.j2:{line}: " in result.stderr
    assert "sources[0].note" in result.stderr and "working edition" in result.stderr
    # The working edition may print it.
    assert run_briefs(project, "check", "--working").code == 0


def test_money_converts_at_the_sourced_rate_nearest_before_the_figure(built, tmp_path):
    project = copy_project(tmp_path / "project")
    rates = project / "facts/pakistan-japan/exchange-rates.yaml"
    rates.write_text(rates.read_text(encoding="utf-8") + """
  - base: USD
    quote: JPY
    rate: 136.9
    as_of: 2023-06
    text: About JPY 136.9 to the US dollar in June 2023.
    sources: [ties-review]
  - base: USD
    quote: JPY
    rate: 150
    as_of: 2023-09
    text: About JPY 150 to the US dollar in September 2023.
    sources: [ties-review]
""", encoding="utf-8")
    result = run_briefs(project, "build", "--perspective", "japan", "--format", "html",
                        "--only", "pakistan-japan/economic-ties", "--quiet")
    assert result.code == 0, result.stderr
    ties = html_text(project / OUT / "japan/economic-ties.html")
    # July 2023: June 2023 is the nearest rate before it (not the newest, September 2023).
    assert "USD 2.25 million (≈ JPY 308.02 million at JPY 136.9 per USD, June 2023)" in ties
    assert "115.38" not in ties


def test_a_figure_without_a_rate_near_its_date_stays_in_its_currency_and_check_warns(built):
    result = run_briefs(built, "check", "--perspective", "japan")
    assert result.code == 0
    assert re.search(r"facts/pakistan-japan/development\.yaml:\d+: warning: development\.grants\[1\]\.value:"
                     r" no USD/JPY rate within 12 months before 2023-07", result.stderr + result.stdout)


def test_working_edition_links_notes_to_passages_shows_inferences_and_lists_what_releases_withhold(tmp_path):
    """The desk's working edition: every source note links to its passage on the audit page
    (which the build writes beside it, in HTML and PDF alike), a fact's inferences are in its
    note, and what each release level would leave out of the brief is listed with file:line."""
    project = copy_project(tmp_path / "project")
    for edition in (["--working"], ["--working", "--release", "PUBLIC"], ["--only", "pakistan-japan/country-brief"]):
        result = run_briefs(project, "build", *edition, "--format", "html,pdf,docx", "--quiet")
        assert result.code == 0, result.stderr
    relationship = load_relationship(project / "facts/pakistan-japan")
    audit = project / "build/audit/pakistan-japan.html"
    anchors = set(html_root(audit).xpath("//@id"))
    for folder in ("working", "public/working"):
        for kind in ("overview", "country-brief", "economic-ties", "institutional-mechanisms"):
            html = project / OUT / folder / f"{kind}.html"
            root = html_root(html)
            notes = root.xpath('//section[@class="footnotes"]//li')
            assert notes
            hrefs = []
            for note in notes:
                links = note.xpath('.//a[@class="passage"]/@href')
                assert len(links) == note.text_content().count("(") - note.text_content().count("Inferred"), \
                    normalize(note.text_content())
                hrefs += links
            for href in hrefs:
                path, _, anchor = href.partition("#")
                assert (html.parent / path).resolve() == audit.resolve() and anchor in anchors, href
            pdf = pypdf.PdfReader(project / OUT / folder / f"{kind}.pdf")
            pdf_links = {annotation.get_object()["/A"]["/URI"] for page in pdf.pages
                         for annotation in page.get("/Annots", []) if "/A" in annotation.get_object()}
            assert set(hrefs) <= pdf_links, "the PDF's notes link where the HTML's do"
            with zipfile.ZipFile(project / OUT / folder / f"{kind}.docx") as docx:
                rels = docx.read("word/_rels/footnotes.xml.rels").decode("utf-8")
            assert set(hrefs) == set(re.findall(r'Target="([^"]+)" TargetMode="External"', rels)), \
                "the Word footnotes link where the HTML's do"
    country = html_root(project / OUT / "working/country-brief.html")
    inferred = [n for n in country.xpath('//section[@class="footnotes"]//li') if "Inferred: 1952" in n.text_content()]
    assert inferred and "gives no date" in inferred[0].text_content()
    listed = {h.text_content(): [normalize(li.text_content()) for li in h.xpath("following-sibling::ul[1]/li")]
              for h in country.xpath('//section[@class="withheld"]/h3')}
    expected = [f"{fact_label(relationship.facts, path)} (facts/pakistan-japan/{Path(location.file).name}:{location.line})"
                for path, location in relationship.withheld("PUBLIC")]
    assert expected and listed["PUBLIC edition"] == expected
    assert all(re.search(r"facts/pakistan-japan/\w[\w-]*\.yaml:\d+\)$", entry) for entry in expected)
    # The outgoing editions carry none of it.
    outgoing = html_text(project / OUT / "country-brief.html")
    assert "Withheld from release editions" not in outgoing and "Inferred:" not in outgoing
    assert not html_root(project / OUT / "country-brief.html").xpath('//a[@class="passage"]')
