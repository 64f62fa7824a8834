"""Evidence: every fact anchored to passages of its sources, checked against the documents.

Passages must be in their documents; every date, figure and name a fact states must be in
one of its passages or declared inferred; bad evidence is a located error, all reported at
once, with nothing written; the audit page shows it all; briefs never print it.
"""

from __future__ import annotations

import re
import shutil
import time
from decimal import Decimal
from pathlib import Path

import lxml.html
import pytest

from briefs.audit import audit_href, audit_page
from briefs.errors import FactError
from briefs.evidence import fold, read_document, source_path, text_values
from briefs.load import load_relationship
from briefs.model import FactBase, walk
from conftest import ROOT, copy_project, run_briefs, tree_digest
from readback import docx_text, html_text, pdf_text

FACTS = Path("facts/pakistan-japan")


@pytest.fixture
def folder(tmp_path) -> Path:
    """A scratch copy of the shipped relationship, loaded in-process (fast)."""
    target = tmp_path / "pakistan-japan"
    shutil.copytree(ROOT / FACTS, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(FactError) as caught:
        load_relationship(folder)
    return [str(p) for p in caught.value.problems if p.severity == "error"]


def located(problems: list[str], name: str, line: int) -> list[str]:
    return [p for p in problems if re.search(rf"{re.escape(name)}:{line}: ", p)]


# --- the shipped fact base ------------------------------------------------------------------


def test_every_shipped_fact_carries_evidence_that_checks_out():
    relationship = load_relationship(ROOT / FACTS)
    records = relationship.evidence
    assert len(records) >= 75
    assert all(record.passages for record in records.values()), [
        r.label for r in records.values() if not r.passages]
    assert all(p.found for record in records.values() for p in record.passages)
    assert not any(record.unsupported for record in records.values())
    # The only warnings left are stale figures (the edition is of November 2026).
    assert all(": stale: as of" in w.message for w in relationship.warnings), relationship.warnings


def test_check_strict_has_nothing_to_say_about_evidence(tmp_path):
    project = copy_project(tmp_path / "p")
    result = run_briefs(project, "check", "--strict")
    assert result.code == 0, result.stderr
    # Notes (a fact no brief uses) are not problems; there is no warning and no error.
    problems = [line for line in result.stderr.splitlines() if ": note: " not in line]
    assert problems == [], problems


def test_the_audit_findings_are_corrected():
    facts = load_relationship(ROOT / FACTS).facts
    texts = " ".join(m.text for _p, m in walk(facts) if isinstance(getattr(m, "text", None), str))
    for wrong in ("fresh impetus", "Foreign Office judged", "both sides want", "The two countries describe",
                  "arms control", "Staff talks", "Japanese manufacturers", "official visit"):
        assert wrong.lower() not in texts.lower(), wrong
    assert str(facts.history.background[0].date) == "1951"
    mil = next(m for m in facts.mechanisms if m.id == "mil-to-mil")
    assert mil.rounds[0].date is None  # the review dates the MoU, not the round
    assert facts.exchange_rates[0].rate == Decimal(115)
    assert [i.value for i in facts.exchange_rates[0].inferred] == ["115"]
    fm_2019 = next(v for v in facts.visits if v.id == "fm-2019")
    assert fm_2019.met == [] and fm_2019.host.name == "Taro Kono"
    sources = {s.id: s for s in facts.sources}
    assert sources["ties-review"].derived_from == ["tdi-visit-analysis"]
    assert all(s.title_supplied for s in facts.sources if s.id != "fo-brief")
    assert all(s.date_inferred for s in facts.sources if s.date)
    # What was missing is there.
    fm_2023 = next(v for v in facts.visits if v.id == "fm-2023")
    outcomes = " ".join(fm_2023.outcomes)
    assert "diaspora in Tokyo" in outcomes and "Afghanistan" in outcomes and "regional security" in outcomes
    assert "number of memoranda" in facts.agreements_overview.text
    assert any("agriculture" in f.text for f in facts.development.other)
    assert any("democratic values" in f.text for f in facts.relations.character)


def test_sources_that_differ_are_kept_apart():
    facts = load_relationship(ROOT / FACTS).facts
    jgbd = next(m for m in facts.mechanisms if m.id == "jgbd")
    assert [a.sources for a in jgbd.accounts] == [["fo-brief"], ["tdi-visit-analysis", "ties-review"]]
    core = next(f for f in facts.relations.character if f.accounts)
    assert [a.sources for a in core.accounts] == [["fo-brief"], ["ties-review"]]


# --- matching ---------------------------------------------------------------------------------


@pytest.mark.parametrize("forms", [
    ["28 April 1952", "April 28, 1952", "1952-04-28", "28th April 1952", "28th of April, 1952"],
    ["19,000", "19000"],
    ["1.35 trillion", "1,350 billion", "1350000000000"],
    ["fourth", "4th", "4"],
    ["seventy", "70", "seventieth"],
])
def test_common_forms_of_a_value_are_the_same_value(forms):
    keys = [{(v.kind, v.key) for v in text_values(form, ())} for form in forms]
    assert all(k == keys[0] and k for k in keys), keys


def test_a_less_precise_date_is_supported_by_a_more_precise_one(folder):
    # "October 2019" is supported by a passage giving 20-24 October, 2019.
    edit(folder / "visits.yaml", "President Arif Alvi was in Tokyo from 20 to 24 October 2019",
         "President Arif Alvi was in Tokyo in October 2019")
    load_relationship(folder)
    # ...but not the other way round.
    edit(folder / "visits.yaml", "the invitation of his counterpart, Taro Kono.",
         "the invitation of his counterpart, Taro Kono, on 3 April 2019.")
    problems = problems_of(folder)
    assert len(problems) == 1 and "the date '3 April 2019'" in problems[0]


def test_passages_are_compared_after_normalising_quotes_dashes_space_and_case():
    text = "Pakistan’s  “friend” – Japan\n"
    assert fold(text) == fold("PAKISTAN'S \"friend\" - japan") == "pakistan's \"friend\" - japan"


# --- one digit --------------------------------------------------------------------------------


@pytest.mark.parametrize("name, old, new", [
    ("people.yaml", "About 19,000 Pakistanis", "About 18,000 Pakistanis"),     # a figure in the text
    ("people.yaml", "    size: 19000", "    size: 19001"),                     # a typed count
    ("economy.yaml", "      rank: 4", "      rank: 3"),                         # a rank
    ("development.yaml", "amount: 3_620_000", "amount: 3_630_000"),             # money
    ("history.yaml", "    date: 1952-04-28", "    date: 1952-04-29"),           # a typed date
    ("mechanisms.yaml", "      - number: 9", "      - number: 8"),              # a round
    ("development.yaml", "more than 300,000 children", "more than 200,000 children"),
    ("visits.yaml", "from 20 to 24 October 2019", "from 20 to 25 October 2019"),
])
def test_one_digit_changed_in_a_fact_fails_at_that_line(folder, name, old, new):
    edit(folder / name, old, new)
    problems = problems_of(folder)
    line = line_of(folder / name, new.strip())
    assert located(problems, name, line), problems
    assert "in none of the passages cited for this fact" in " ".join(problems)


@pytest.mark.parametrize("name, old, new", [
    ("people.yaml", "        19,000 strong Pakistani diaspora", "        18,000 strong Pakistani diaspora"),
    ("development.yaml", "In 1954, Japan initiated", "In 1955, Japan initiated"),
    ("visits.yaml", "Foreign Minister of Japan in\n        April 2019.", "Foreign Minister of Japan in\n        April 2018."),
])
def test_one_digit_changed_in_a_passage_fails_at_that_line(folder, name, old, new):
    edit(folder / name, old, new)
    problems = problems_of(folder)
    line = line_of(folder / name, new.strip().splitlines()[-1])
    hits = located(problems, name, line)
    assert hits and "passage not in source" in hits[0], problems
    assert "closest text there:" in hits[0]


def test_a_changed_name_is_caught(folder):
    edit(folder / "visits.yaml", "holding talks with Foreign Minister Yoshimasa Hayashi",
         "holding talks with Foreign Minister Yoshimasa Kishida")
    problems = problems_of(folder)
    assert len(problems) == 1
    assert "the name 'Foreign Minister Yoshimasa Kishida'" in problems[0] and "'kishida'" in problems[0]


def test_a_name_no_passage_gives_is_caught(folder):
    # The audit's finding: no document names the issuing office.
    edit(folder / "visits.yaml", "the official brief rates the visit", "the Foreign Office rated the visit")
    problems = problems_of(folder)
    assert any("'Foreign Office'" in p and "'office'" in p for p in problems), problems


def test_a_quotation_must_be_the_words_of_its_passage(folder):
    edit(folder / "relations.yaml", "        We have agreed to further deepen",
         "        We have agreed to deepen")
    problems = problems_of(folder)
    assert any("relations.quotations[0].quote: the quotation is not in its passages" in p for p in problems)


def test_an_inference_excuses_only_its_value(folder):
    edit(folder / "exchange-rates.yaml", "      - value: \"115\"", "      - value: \"116\"")
    problems = problems_of(folder)
    assert any("exchange_rates[0].rate: the figure '115'" in p for p in problems), problems
    assert any("exchange_rates[0].inferred[0]: '116' is not among the fact's values" in p for p in problems)


# --- bad input: located, all at once, nothing written ----------------------------------------


def test_bad_evidence_is_reported_all_at_once_and_nothing_is_written(project):
    facts = project / FACTS
    edit(facts / "economy.yaml", "tdi-visit-analysis: Japan is Pakistan's fourth-largest commercial partner",
         "tdi-visit-analysis: Japan is Pakistan's third-largest commercial partner")
    edit(facts / "people.yaml", "About 19,000 Pakistanis", "About 21,000 Pakistanis")
    edit(facts / "exchange-rates.yaml", "        reason: >-\n          computed", "        why: >-\n          computed")
    edit(facts / "sources.yaml", "    derived_from: [tdi-visit-analysis]", "    derived_from: [tdi-analysis, ties-review]")
    before = tree_digest(project / "build")
    result = run_briefs(project, "build")
    assert result.code == 1, result.stderr
    assert tree_digest(project / "build") == before, "a failed build changed build/"
    lines = [line for line in result.stderr.splitlines() if ": warning: " not in line]
    assert lines[-1].startswith("briefs: 6 errors; nothing was written"), lines
    assert "Traceback" not in result.stderr
    expected = [
        ("economy.yaml", "third-largest", "passage not in source 'tdi-visit-analysis'"),
        ("exchange-rates.yaml", '- value: "115"', "exchange_rates[0].inferred[0]: missing required field 'reason'"),
        ("exchange-rates.yaml", "why: >-", "unknown field 'why'"),
        ("people.yaml", "About 21,000", "the figure '21,000' is in none of the passages"),
        ("sources.yaml", "derived_from: [tdi-analysis", "unknown source 'tdi-analysis'"),
        ("sources.yaml", "derived_from: [tdi-analysis", "cannot be derived from itself"),
    ]
    for name, needle, message in expected:
        line = line_of(facts / name, needle)
        prefix = f"facts/pakistan-japan/{name}:{line}: "
        assert any(l.startswith(prefix) and message in l for l in lines), (name, message, lines)
    # The same with check, which never writes.
    assert run_briefs(project, "check").code == 1


def test_closest_text_is_named_when_a_passage_is_not_in_its_document(folder):
    edit(folder / "economy.yaml", "Japan is Pakistan's fourth-largest commercial partner",
         "Japan is Pakistan's fifth-largest commercial partner")
    [problem] = problems_of(folder)
    assert "economy.trade.partner_rank: passage not in source 'tdi-visit-analysis'" in problem
    assert "closest text there: 'Japan is Pakistan’s fourth-largest commercial partner" in problem


def test_a_fact_without_passages_is_a_warning_fatal_with_strict(project):
    facts = project / FACTS
    edit(facts / "mechanisms.yaml", "    sources:\n      fo-brief: Disarmament and Non-Proliferation Talks\n",
         "    sources: [fo-brief]\n")
    result = run_briefs(project, "check")
    assert result.code == 0, result.stderr
    line = line_of(facts / "mechanisms.yaml", "sources: [fo-brief]")
    assert f"facts/pakistan-japan/mechanisms.yaml:{line}: warning: mechanisms[4]: no passages" in result.stderr
    strict = run_briefs(project, "check", "--strict")
    assert strict.code == 1
    assert re.search(rf"mechanisms\.yaml:{line}: mechanisms\[4\]: no passages.*fatal with --strict", strict.stderr)


def test_a_source_without_a_document_is_a_warning(folder):
    edit(folder / "sources.yaml", "    file: seeds/003_de99f12ee1bd257d.txt\n", "")
    relationship = load_relationship(folder)
    assert any("source 'prospects-article' has no document" in w.message for w in relationship.warnings)
    record = next(r for r in relationship.evidence.values() if "prospects-article" in r.sources)
    assert {p.found for p in record.passages if p.source == "prospects-article"} == {None}


@pytest.mark.parametrize("file, says", [
    # Reported once, by the loader's confinement check (briefs/confine.py).
    ("/etc/hostname", "is outside"),
    ("../../secret.txt", "is outside"),
    ("seeds/outside.txt", "is outside"),
    ("seeds/brief.rtf", "cannot read .rtf documents"),
])
def test_source_documents_stay_inside_the_relationship_folder(folder, tmp_path, file, says):
    (tmp_path / "secret.txt").write_text("Brief on Pakistan-Japan Relations\n", encoding="utf-8")
    (folder / "seeds" / "outside.txt").symlink_to(tmp_path / "secret.txt")
    (folder / "seeds" / "brief.rtf").write_text("{\\rtf1 x}", encoding="utf-8")
    edit(folder / "sources.yaml", "    file: seeds/004_233f6a6413e8fd6e.txt", f"    file: {file}")
    problems = problems_of(folder)
    line = line_of(folder / "sources.yaml", f"file: {file}")
    assert any(f"sources.yaml:{line}: sources[0].file: " in p and says in p for p in problems), problems


def test_source_path_resolves_inside_the_folder_only(tmp_path):
    assert source_path(tmp_path, "seeds/a.txt") == ((tmp_path / "seeds/a.txt").resolve(), None)
    for bad in ("/abs.txt", "a/../../b.txt", "..\\b.txt", "C:\\b.txt"):
        assert source_path(tmp_path, bad)[0] is None, bad


# --- documents in other formats --------------------------------------------------------------


def test_passages_are_found_in_html_docx_and_pdf_documents(tmp_path):
    import docx
    import weasyprint

    sentence = "Pakistan and Japan established diplomatic relations on 28th April 1952."
    html = tmp_path / "brief.html"
    html.write_text(f"<html><head><style>p{{}}</style><script>var x = 1;</script></head><body>"
                    f"<h1>Brief</h1><p>{sentence.replace('Japan', '<em>Japan</em>')}</p></body></html>",
                    encoding="utf-8")
    document = docx.Document()
    document.add_paragraph("Brief on Pakistan-Japan Relations")
    document.add_paragraph(sentence)
    document.save(tmp_path / "brief.docx")
    weasyprint.HTML(string=f"<p>{sentence}</p><p>Another paragraph.</p>").write_pdf(tmp_path / "brief.pdf")
    for name in ("brief.html", "brief.docx", "brief.pdf"):
        found = read_document(tmp_path / name)
        assert found.find("established diplomatic relations on 28th April 1952") is not None, (name, found.text)
        assert found.find("var x") is None
        start, end = found.find("on 28th April 1952")
        assert found.text[start:end] == "on 28th April 1952"


# --- the model keeps evidence as data ---------------------------------------------------------


def test_sources_stay_a_list_of_ids_and_passages_round_trip():
    facts = load_relationship(ROOT / FACTS).facts
    rank = facts.economy.trade.partner_rank
    assert rank.sources == ["tdi-visit-analysis"]
    assert rank.evidence == {"tdi-visit-analysis": ["Japan is Pakistan's fourth-largest commercial partner"]}
    again = FactBase.model_validate(facts.model_dump(mode="json"))
    assert again == facts


def test_evidence_cannot_be_written_beside_sources(folder):
    edit(folder / "mechanisms.yaml", "    text: Talks on disarmament and non-proliferation.\n",
         "    text: Talks on disarmament and non-proliferation.\n    evidence: {fo-brief: [x]}\n")
    problems = problems_of(folder)
    assert any("mechanisms.yaml" in p and "unknown field 'evidence'" in p for p in problems), problems


def test_verification_is_fast():
    load_relationship(ROOT / FACTS)  # documents read once
    started = time.perf_counter()
    load_relationship(ROOT / FACTS)
    with_evidence = time.perf_counter() - started
    started = time.perf_counter()
    load_relationship(ROOT / FACTS, verify=False)
    without = time.perf_counter() - started
    # Measured about 15 ms warm and 55 ms with cold caches; generous for a busy machine.
    assert with_evidence - without < 0.5, (with_evidence, without)


# --- what briefs show, and never show ----------------------------------------------------------


def test_briefs_never_print_the_evidence(built):
    out = built / "build/pakistan-japan"
    passages = ["manifestation of mutual desire", "Dr.Arif Alvi", "non-formal government",
                "the presence of around 19,000 strong"]
    inferences = ["the decade's first year", "significant digits"]
    for kind in ("overview", "country-brief", "economic-ties", "institutional-mechanisms"):
        for text in (html_text(out / f"{kind}.html"), docx_text(out / f"{kind}.docx"), pdf_text(out / f"{kind}.pdf")):
            for probe in passages + inferences:
                assert probe not in text, (kind, probe)


def test_briefs_show_differing_sources_and_restatements(built, tmp_path):
    text = html_text(built / "build/pakistan-japan/country-brief.html")
    assert "the sources differ on when it was set up." in text
    assert "social development as their main area of emphasis" in text
    # Supplied titles and inferred dates in [brackets], as a bibliography marks them.
    assert "[Commentary on Foreign Minister Bilawal Bhutto Zardari's visit to Japan]" in text
    assert "[July 2023]" in text
    # The desk's working edition says which source restates which.
    project = copy_project(tmp_path / "p")
    result = run_briefs(project, "build", "--working", "--only", "pakistan-japan/country-brief",
                        "--format", "html", "-q")
    assert result.code == 0, result.stderr
    working = html_text(project / "build/pakistan-japan/working/country-brief.html")
    assert "Review of ties since 1952 (analysis), restating The Diplomatic Insight, commentary" in working


# --- the audit --------------------------------------------------------------------------------


def test_audit_writes_a_self_contained_page_a_reviewer_can_sign(tmp_path):
    project = copy_project(tmp_path / "p")
    result = run_briefs(project, "audit")
    assert result.code == 0, result.stderr
    page = project / "build/audit/pakistan-japan.html"
    assert result.stdout.strip() == "wrote build/audit/pakistan-japan.html"
    root = lxml.html.parse(str(page)).getroot()
    # Self-contained: no scripts, stylesheets or images fetched from anywhere.
    assert not root.xpath("//script | //link | //img | //iframe")
    relationship = load_relationship(project / FACTS)
    for record in relationship.evidence.values():
        article = root.get_element_by_id(record.anchor)
        for passage in record.passages:
            quote = root.get_element_by_id(passage.anchor)
            assert quote.getparent() is article
            assert fold(quote.xpath("string(.//mark)")) == fold(passage.text)
            # The passage sits inside its paragraph of the document.
            assert len(quote.text_content()) >= len(passage.text)
    rank = root.get_element_by_id("f-economy-trade-partner_rank").text_content()
    assert "Japan ranks as Pakistan's fourth-largest trading partner." in rank
    assert "as of 2023-07" in rank and "Feeds: country-brief, economic-ties, overview." in rank
    visit = root.get_element_by_id("f-visits-fm-2023").text_content()
    assert "restates tdi-visit-analysis" in visit and "Sources: 2 independent of 3 cited." in visit
    inferences = root.get_element_by_id("inferences").text_content()
    assert "115" in inferences and "significant digits" in inferences
    rate = root.get_element_by_id("f-exchange_rates-0").text_content()
    assert "Feeds: " in rate
    signoff = root.get_element_by_id("sign-off").text_content()
    assert "Reviewer" in signoff and "Signature" in signoff
    assert root.xpath('//meta[@name="fingerprint"]/@content')[0] in signoff
    # Written again unchanged, the page is byte-identical (no build times in it).
    first = page.read_bytes()
    assert run_briefs(project, "audit").code == 0 and page.read_bytes() == first


def test_audit_refuses_bad_facts_and_writes_nothing(tmp_path):
    project = copy_project(tmp_path / "p")
    edit(project / FACTS / "people.yaml", "About 19,000 Pakistanis", "About 18,000 Pakistanis")
    result = run_briefs(project, "audit")
    assert result.code == 1
    assert "people.yaml" in result.stderr and not (project / "build").exists()


def test_the_working_edition_can_link_each_source_note_to_its_passage():
    relationship = load_relationship(ROOT / FACTS)
    html = audit_page(relationship)
    record = relationship.evidence[("economy", "trade", "partner_rank")]
    href = audit_href(relationship.slug, record, "tdi-visit-analysis")
    assert href == "../audit/pakistan-japan.html#f-economy-trade-partner_rank--tdi-visit-analysis-1"
    assert f'id="{href.split("#")[1]}"' in html
    assert audit_href(relationship.slug, record, depth=2) == "../../audit/pakistan-japan.html#f-economy-trade-partner_rank"


# --- documents that expand: bombs ------------------------------------------------------------
# Each is refused at its source's `file:` line, naming the document, having cost no more
# memory than a normal check (the forked runs share the test process's start; the margin
# allows for the bomb's own bytes on disk being read once).

BOMB_MARGIN = 120 * 2**20


def _point_fo_brief_at(project: Path, name: str) -> int:
    """Make the first source's document ``seeds/NAME``; the line of its `file:`."""
    sources = project / FACTS / "sources.yaml"
    edit(sources, "file: seeds/004_233f6a6413e8fd6e.txt", f"file: seeds/{name}")
    return line_of(sources, f"file: seeds/{name}")


def _run_check(project: Path):
    from isolated import preload, run_isolated

    preload()
    return run_isolated(project, "check", timeout=60)


def _word_document_with(path: Path, body_xml: bytes) -> None:
    """A real Word document whose body is replaced by ``body_xml`` (compressed as Word does)."""
    import docx
    import zipfile

    plain = path.with_suffix(".plain.docx")
    document = docx.Document()
    document.add_paragraph((ROOT / FACTS / "seeds/004_233f6a6413e8fd6e.txt").read_text(encoding="utf-8")[:2000])
    document.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + body_xml, 1)
            target.writestr(info.filename, data)
    plain.unlink()


def test_a_word_document_is_limited_by_its_unzipped_size(tmp_path):
    project = copy_project(tmp_path / "project")
    normal = _run_check(project)
    assert normal.code == 0, normal.describe()
    bomb = project / FACTS / "seeds/bomb.docx"
    _word_document_with(bomb, b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 2_000_000)  # 68 MB of XML
    assert bomb.stat().st_size < 1_000_000
    line = _point_fo_brief_at(project, "bomb.docx")
    result = _run_check(project)
    assert result.code == 1, result.describe()
    assert re.search(rf"facts/pakistan-japan/sources.yaml:{line}: sources\[0\]\.file: bomb\.docx: its XML comes"
                     r" to more than 16,777,216 bytes unzipped", result.stderr), result.describe()
    assert "Traceback" not in result.output
    assert result.seconds < 15 and result.peak_bytes < normal.peak_bytes + BOMB_MARGIN, result.describe()


def test_a_zip_of_too_many_parts_is_refused_before_it_is_opened(tmp_path):
    import zipfile

    bomb = tmp_path / "parts.docx"
    with zipfile.ZipFile(bomb, "w") as archive:
        for number in range(3000):
            archive.writestr(f"word/media/{number}.xml", b"")
    with pytest.raises(Exception, match=r"parts\.docx: it is a zip of 3,000 parts; a document has at most 2,000"):
        read_document(bomb)


def test_an_html_page_is_read_without_building_its_tree_and_has_a_limit(tmp_path):
    project = copy_project(tmp_path / "project")
    normal = _run_check(project)
    text = (ROOT / FACTS / "seeds/004_233f6a6413e8fd6e.txt").read_text(encoding="utf-8")
    # Two million empty elements under the limit: as a tree, they would take gigabytes.
    page = project / FACTS / "seeds/elements.html"
    page.write_text(f"<html><head><meta charset=\"utf-8\"></head><body><p>{text}</p>" + "<b></b>" * 2_000_000 + "</body></html>", encoding="utf-8")
    _point_fo_brief_at(project, "elements.html")
    result = _run_check(project)
    assert result.code == 0, result.describe()  # the passages are found in the page
    assert result.peak_bytes < normal.peak_bytes + BOMB_MARGIN, result.describe()
    large = project / FACTS / "seeds/large.html"
    large.write_bytes(b"<p>" + b"x" * (17 * 2**20) + b"</p>")
    edit(project / FACTS / "sources.yaml", "file: seeds/elements.html", "file: seeds/large.html")
    refused = _run_check(project)
    assert refused.code == 1
    assert "sources[0].file: large.html is 17,825,799 bytes; the limit is 16,777,216" in refused.stderr


def test_html_text_keeps_blocks_apart_and_leaves_scripts_out(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>T</title><script>var x = '<p>no</p>';</script></head><body>"
                    "<p>One <em>two</em><br>three</p><style>p{}</style><template><p>not</p></template>"
                    "after<div>four</div>&amp; five<noscript>none</noscript></body></html>", encoding="utf-8")
    assert read_document(page).text == "T\nOne two\nthree\nafter\nfour\n& five"
