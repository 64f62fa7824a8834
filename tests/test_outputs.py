"""The built briefs, read back from the real PDF, DOCX and HTML files."""

from __future__ import annotations

import re

import docx
import pypdf
import pytest

from conftest import edition_date
from readback import (
    docx_footnotes,
    docx_headings,
    docx_text,
    html_footnotes,
    html_headings,
    html_root,
    html_text,
    pdf_headings,
    normalize,
    pdf_pages,
    pdf_text,
)

KINDS = ["country-brief", "economic-ties", "institutional-mechanisms", "overview"]
FORMATS = ["pdf", "docx", "html"]
MECHANISMS = [
    "Bilateral Political Consultations",
    "High-level Economic Policy Dialogue",
    "Joint Government-Business Dialogue",
    "Pakistan-Japan Security Dialogue",
    "Disarmament and Non-Proliferation Talks",
    "Consultations on Counter Terrorism",
]
INVESTORS = ["Marubeni", "Mitsui", "Sojitz", "Morinaga", "Toyota", "Honda", "Suzuki"]
EXPECTED = {
    "country-brief": ["28 April 1952", "San Francisco", "JPY 1.35 trillion", "USD 11.7 billion",
                      "19,000", "September 2023", "1957", *MECHANISMS, *INVESTORS],
    "overview": ["28 April 1952", "JPY 1.35 trillion", "USD 11.7 billion", "19,000"],
    "institutional-mechanisms": [*MECHANISMS, "The ninth round, in September 2023", "Cultural Agreement"],
    "economic-ties": ["JPY 1.35 trillion", "USD 11.7 billion", "since 1954", *INVESTORS],
}
READERS = {"pdf": pdf_text, "docx": docx_text, "html": html_text}


def output(built, kind, fmt):
    return built / "build" / "pakistan-japan" / f"{kind}.{fmt}"


def test_every_brief_in_every_format_and_an_index(built):
    for kind in KINDS:
        for fmt in FORMATS:
            assert output(built, kind, fmt).stat().st_size > 1000
    index = html_root(built / "build" / "index.html")
    links = set(index.xpath("//a/@href"))
    assert {f"pakistan-japan/{k}.{f}" for k in KINDS for f in FORMATS} <= links


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_key_facts_appear_in_every_format(built, kind, fmt):
    text = READERS[fmt](output(built, kind, fmt))
    missing = [fact for fact in EXPECTED[kind] if fact not in text]
    assert not missing, f"{kind}.{fmt} lacks {missing}"


@pytest.mark.parametrize("kind", KINDS)
def test_headings_are_the_same_in_the_same_order(built, kind):
    from_html = html_headings(output(built, kind, "html"))
    assert len(from_html) >= 4
    assert from_html[0] == {"country-brief": "Country Brief", "overview": "Overview",
                            "economic-ties": "Economic Ties",
                            "institutional-mechanisms": "Institutional Mechanisms"}[kind]
    assert docx_headings(output(built, kind, "docx")) == from_html
    assert pdf_headings(output(built, kind, "pdf")) == from_html


@pytest.mark.parametrize("kind", KINDS)
def test_source_notes_are_numbered_alike_in_every_format(built, kind):
    html_notes = html_footnotes(output(built, kind, "html"))
    docx_notes = docx_footnotes(output(built, kind, "docx"))
    assert len(html_notes) >= 5
    assert docx_notes == html_notes
    # The PDF prints each note at the foot of its page as "N. Label.", run on in one
    # paragraph (issue 17: compact notes), in order.
    pdf = " ".join(" ".join(pdf_pages(output(built, kind, "pdf"))).split())
    position = 0
    for number, note in enumerate(html_notes, start=1):
        found = pdf.find(f"{number}. {' '.join(note.split())}", position)
        assert found >= 0, f"note {number} ({note!r}) not at the foot of a page, in order"
        position = found


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_pages_carry_marking_and_page_numbers(built, kind):
    banner = html_root(output(built, kind, "html")).xpath('//meta[@name="marking"]/@content')[0]
    assert banner in ("OFFICIAL", "RESTRICTED")
    pages = pdf_pages(output(built, kind, "pdf"))
    assert len(pages) >= 1
    for number, text in enumerate(pages, start=1):
        assert text.count(banner) >= 2, f"page {number} lacks top and bottom marking"
        assert f"Page {number} of {len(pages)}" in text


def test_pdf_metadata(built):
    reader = pypdf.PdfReader(output(built, "country-brief", "pdf"))
    meta = reader.metadata
    assert meta.title == "Country Brief: Pakistan–Japan Relations"
    assert meta.author == "Asia-Pacific Division, Ministry of Foreign Affairs, Islamabad"
    assert meta.creation_date.date() == edition_date()
    assert "Pakistan" in meta.get("/Keywords", "")


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_metadata_carries_the_banner_marking(built, kind):
    """Archives read handling terms from the XMP packet, viewers from the info dictionary:
    both say the banner marking, and nothing above it."""
    banner = html_root(output(built, kind, "html")).xpath('//meta[@name="marking"]/@content')[0]
    reader = pypdf.PdfReader(output(built, kind, "pdf"))
    assert reader.metadata["/marking"] == banner
    assert reader.xmp_metadata.dc_rights == {"x-default": banner}


def test_country_brief_has_a_table_of_contents_with_page_numbers(built):
    first_page = pdf_pages(output(built, "country-brief", "pdf"))[0]
    assert "Contents" in first_page
    assert re.search(r"Institutional mechanisms \.{5,} ?\d+", first_page)
    root = html_root(output(built, "country-brief", "html"))
    targets = root.xpath('//nav[@class="toc"]//a/@href')
    assert len(targets) >= 10
    for href in targets:
        assert root.xpath(f'//*[@id="{href[1:]}"]'), href


def test_docx_uses_words_own_styles(built):
    document = docx.Document(str(output(built, "country-brief", "docx")))
    styles = {p.style.name for p in document.paragraphs}
    assert {"Title", "Subtitle", "Heading 1", "Heading 2", "List Bullet", "List Number",
            "Quote", "TOC Heading", "TOC 1"} <= styles
    assert len(document.tables) >= 3
    header_row = document.tables[0].rows[0]._tr
    assert header_row.xpath("./w:trPr/w:tblHeader"), "table header row does not repeat"
    assert "RESTRICTED" in document.sections[0].header.paragraphs[0].text
    footer_xml = document.sections[0].footer._element.xml
    assert 'w:instr="PAGE"' in footer_xml and 'w:instr="NUMPAGES"' in footer_xml
    body = document.element.body.xml
    # The contents end in PAGEREF fields (see the DOCX writer: LibreOffice computes them on opening).
    assert " PAGEREF _" in body and "w:footnoteReference" in body


def test_docx_properties_come_from_the_fact_base(built):
    props = docx.Document(str(output(built, "overview", "docx"))).core_properties
    assert props.title == "Overview: Pakistan–Japan Relations"
    assert props.author == "Asia-Pacific Division, Ministry of Foreign Affairs, Islamabad"
    assert props.created.date() == edition_date()
    assert props.language == "en"


def test_html_is_self_contained(built):
    root = html_root(output(built, "overview", "html"))
    assert not root.xpath("//link[@rel='stylesheet'] | //script[@src] | //img[starts-with(@src,'http')]")
    assert root.xpath("//style")
    assert root.get("lang") == "en"


def test_no_internal_keys_or_developer_notes_reach_the_reader(built):
    """The PDF's properties hold the standard ones and the marking, not the page's viewport or
    the build's perspective; the HTML's inlined stylesheet carries no comments."""
    for path in (built / "build/pakistan-japan").glob("*.pdf"):
        info = pypdf.PdfReader(path).metadata
        assert set(info) - {"/Producer", "/Title", "/Author", "/Subject", "/Keywords", "/Creator",
                            "/CreationDate", "/ModDate"} == {"/marking"}, (path, set(info))
    for path in (built / "build/pakistan-japan").glob("*.html"):
        style = re.search(r"<style>(.*?)</style>", path.read_text(encoding="utf-8"), re.S).group(1)
        assert "/*" not in style and "@page" in style, path


def test_a_date_range_writes_what_its_dates_share_once(built):
    from briefs.model import PartialDate
    from briefs.render import format_date_range

    assert format_date_range(PartialDate(2019, 10, 20), PartialDate(2019, 10, 24)) == "20\u201324 October 2019"
    assert format_date_range(PartialDate(2019, 4, 28), PartialDate(2019, 5, 2)) == "28 April \u2013 2 May 2019"
    assert format_date_range(PartialDate(2019, 12), PartialDate(2020, 1)) == "December 2019 \u2013 January 2020"
    assert format_date_range(PartialDate(2019, 10, 20), None) == "20 October 2019"
    headings = html_headings(built / "build/pakistan-japan/country-brief.html")
    assert "President of Pakistan, 20\u201324 October 2019" in headings
    assert not any(" to " in h and "2019" in h for h in headings)


@pytest.mark.parametrize("kind", ["country-brief", "economic-ties"])
def test_a_table_of_a_few_rows_is_never_split_across_pages(built, kind):
    root = html_root(output(built, kind, "html"))
    tables = root.xpath("//main//table")
    short = [t for t in tables if len(t.xpath("./tbody/tr | ./tr")) <= 6]
    assert short and all("whole" in t.get("class", "").split() for t in short)
    pages = [normalize(page) for page in pdf_pages(output(built, kind, "pdf"))]
    for table in short:
        first = normalize(table.xpath(".//th | .//td")[0].text_content()).strip()
        last = normalize(table.xpath("(.//tr)[last()]/td[1] | (.//tr)[last()]/th[1]")[0].text_content()).strip()
        assert any(first in page and last[:30] in page for page in pages), (first, last)
    document = docx.Document(str(output(built, kind, "docx")))
    for table in document.tables:
        if len(table.rows) <= 7:  # a header row and up to six rows
            for row in table.rows[:-1]:
                assert all(p.paragraph_format.keep_with_next for cell in row.cells for p in cell.paragraphs)


@pytest.mark.parametrize("kind", ["country-brief", "overview", "economic-ties", "institutional-mechanisms"])
def test_hyphenation_leaves_three_letters_each_side_and_no_name_broken(built, kind):
    lines = [line.strip() for page in pdf_pages(output(built, kind, "pdf")) for line in page.splitlines()]
    breaks = 0
    for line, following in zip(lines, lines[1:]):
        if not line.endswith("\u2010"):
            continue
        breaks += 1
        before = re.search(r"([^\W\d_]+)\u2010$", line).group(1)
        after = re.match(r"[^\W\d_]+", following).group()
        assert len(before) >= 3 and len(after) >= 3, (line, following)
        assert not before[0].isupper(), f"a capitalised word is hyphenated: {before}-{after}"
    if kind == "country-brief":
        assert breaks, "the justified text is hyphenated somewhere (else the test proves nothing)"


@pytest.mark.parametrize("kind", ["country-brief", "economic-ties"])
def test_a_fact_s_date_stands_inside_its_sentence(built, kind):
    """"…trading partner (July 2023)." and never "…trading partner. (July 2023)"."""
    hung = re.compile(r"\.\s*\((?:[A-Z][a-z]+ )?\d{4}\)")
    for text in (html_text(output(built, kind, "html")), " ".join(pdf_pages(output(built, kind, "pdf"))),
                 docx_text(output(built, kind, "docx"))):
        text = " ".join(text.split())
        assert not hung.search(text), hung.search(text).group()
        assert re.search(r"\w \((?:[A-Z][a-z]+ )?\d{4}\) ?\.", text)  # (DOCX runs are read space-joined)
