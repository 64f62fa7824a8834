"""Nothing above a release level leaves: every byte of every edition is searched.

For each release level, in both PDF variants and every format, the page text (pypdf and
pdftotext), every PDF object decoded, the PDF's metadata and attachments, every part of
the DOCX package (its XML as written and as text), the HTML source and the cable are
searched for the words of every fact marked above that level (its text and its passages)
and for its distinctive names and figures (those that no fact the edition may show, and
no document it may carry, contains); and for everything about a RESTRICTED source that a
PUBLIC fact cites beside a PUBLIC one (its title, publisher, address, id and document).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pypdf
import pytest
from pydantic import BaseModel

from briefs.load import load_relationship
from briefs.model import walk
from conftest import ROOT, copy_project, run_briefs

# Every release level, both PDF variants, every format and every bundle: in `make test-all`
# (the everyday suite keeps test_perspective's search of the PUBLIC edition).
pytestmark = pytest.mark.exhaustive

REL = "pakistan-japan"
FORMATS = "pdf,docx,html,txt"


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[‘’`´]", "'", re.sub(r"[“”]", '"', text))
    text = re.sub(r"[‐-―−]", "-", text)
    return re.sub(r"\s+", " ", text)


def _facts():
    return load_relationship(ROOT / "facts" / REL).facts


def _marked_facts(facts):
    """(marking, model) of every fact."""
    for path, model in walk(facts):
        if path and path[0] not in ("sources", "metadata") and "sources" in type(model).model_fields:
            yield getattr(model, "marking", None) or facts.metadata.marking, model


def _words_of(model: BaseModel) -> list[str]:
    texts = [getattr(model, "text", None) or getattr(model, "quote", None) or ""]
    for passages in (getattr(model, "evidence", None) or {}).values():
        texts.extend(passages)
    return [t for t in texts if t]


def _secrets(level: str) -> tuple[list[str], set[str]]:
    """The phrases and the distinctive tokens an edition at ``level`` must not contain."""
    facts = _facts()
    rank = {m: i for i, m in enumerate(facts.metadata.markings)}
    above = [m for marking, m in _marked_facts(facts) if rank[marking] > rank[level]]
    shown = [m for marking, m in _marked_facts(facts) if rank[marking] <= rank[level]]
    phrases = []
    for model in above:
        for text in _words_of(model):
            plain = _plain(text)
            # Whole sentences, long enough to be this fact's own words.
            phrases.extend(s.strip() for s in re.split(r"(?<=[.;:])\s", plain) if len(s.strip()) > 30)
    cited_by_above = {s for m in above for s in m.sources}
    allowed_text = " ".join(_plain(t) for m in shown for t in _words_of(m))
    allowed_text += " " + " ".join(
        _plain((ROOT / "facts" / REL / s.file).read_text(encoding="utf-8"))
        for s in facts.sources if s.file and s.id not in cited_by_above)
    tokens = set()
    for model in above:
        for text in _words_of(model):
            for token in re.findall(r"\b(?:[A-Z][a-z]{3,}|\d[\d,.]*\d)\b", text):
                if _plain(token) not in allowed_text:
                    tokens.add(_plain(token))
    return phrases, tokens


def _pdf_objects_text(reader: pypdf.PdfReader) -> list[str]:
    """Every object of the file, decoded: strings and names as written, streams inflated."""
    parts = []
    for number in range(1, int(reader.trailer["/Size"])):
        try:
            found = reader.get_object(number)
        except Exception:  # a free entry in the cross-reference table
            continue
        if found is None:
            continue
        parts.append(repr(found))
        if isinstance(found, pypdf.generic.StreamObject):
            parts.append(found.get_data().decode("latin-1"))
    return parts


def _pdftotext(path: Path) -> str:
    if not shutil.which("pdftotext"):
        return ""  # pypdf's text extraction (always run) still reads every page
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          check=True).stdout.decode("utf-8", "replace")


def _pdf_bytes_text(path: Path) -> str:
    reader = pypdf.PdfReader(path)
    parts = [page.extract_text() or "" for page in reader.pages]
    parts.append(_pdftotext(path))
    parts.extend(_pdf_objects_text(reader))
    parts.extend(str(v) for v in (reader.metadata or {}).values())
    xmp = reader.trailer["/Root"].get("/Metadata")
    if xmp is not None:
        parts.append(xmp.get_object().get_data().decode("utf-8", "replace"))
    for name, contents in reader.attachments.items():
        parts.append(name)
        parts.extend(c.decode("utf-8", "replace") for c in contents)
    return "\n".join(parts)


def _docx_parts_text(path: Path) -> str:
    """Every part, as written (attributes hold link targets) and as text (runs joined)."""
    parts = []
    with zipfile.ZipFile(path) as package:
        for name in package.namelist():
            xml = package.read(name).decode("utf-8", "replace")
            parts += [name, xml, re.sub(r"<[^>]+>", "", xml), re.sub(r"<[^>]+>", " ", xml)]
    return "\n".join(parts)


def _everything(path: Path) -> str:
    if path.suffix == ".pdf":
        return _pdf_bytes_text(path)
    if path.suffix == ".docx":
        return _docx_parts_text(path)
    return path.read_text(encoding="utf-8")


# A RESTRICTED source (an internal memorandum, kept on the intranet) that a PUBLIC fact
# cites beside the PUBLIC commentary it rests on: a PUBLIC edition may print the fact, but
# nothing about this source.
MEMO = {"id": "kestrel-memo", "title": "Kestrel Desk Memorandum on Trading Partners",
        "publisher": "Ministry Kestrel Cell", "url": "https://intra.mofa.example/m/4711",
        "document": "Quillfeather annex of the Kestrel desk"}
MEMO_FACT = "economy.trade.partner_rank"


def _add_restricted_source(project: Path) -> None:
    folder = project / "facts" / REL
    (folder / "seeds" / "kestrel-memo.txt").write_text(
        f"{MEMO['title']}\n\n{MEMO['document']}. Japan is Pakistan's fourth-largest commercial"
        " partner, by the desk's reckoning.\n", encoding="utf-8")
    with (folder / "sources.yaml").open("a", encoding="utf-8") as sources:
        sources.write(f"""
  - id: {MEMO['id']}
    title: {MEMO['title']}
    kind: official
    publisher: {MEMO['publisher']}
    url: {MEMO['url']}
    date: 2023-06
    file: seeds/kestrel-memo.txt
    marking: RESTRICTED
""")
    economy = folder / "economy.yaml"
    cited = "        tdi-visit-analysis: Japan is Pakistan's fourth-largest commercial partner\n"
    text = economy.read_text(encoding="utf-8")
    assert cited in text
    economy.write_text(text.replace(cited, cited + f"        {MEMO['id']}: Japan is Pakistan's fourth-largest"
                                    " commercial partner\n", 1), encoding="utf-8")


def _memo_words() -> list[str]:
    return [_plain(MEMO[key]) for key in ("id", "title", "publisher", "url", "document")]


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("leaks"))
    _add_restricted_source(project)
    markings = _facts().metadata.markings
    for variant in ("pdf/a-3u", "pdf/ua-1"):
        out = f"out-{variant.replace('/', '-')}"
        args = ["build", "--only", REL, "--format", FORMATS, "--pdf-variant", variant, "--out", out, "-q"]
        for level in markings:
            result = run_briefs(project, *args, "--release", level)
            assert result.code == 0, result.stderr
    # The full edition, which may show the memorandum: the search below must find it there.
    result = run_briefs(project, "build", "--only", REL, "--format", FORMATS, "--pdf-variant", "pdf/a-3u",
                        "--out", "full", "-q")
    assert result.code == 0, result.stderr
    return project, markings


@pytest.mark.parametrize("variant", ["pdf/a-3u", "pdf/ua-1"])
def test_no_byte_of_a_release_holds_anything_above_it(editions, variant):
    project, markings = editions
    checked = 0
    for level in markings:
        phrases, tokens = _secrets(level)
        folder = project / f"out-{variant.replace('/', '-')}" / REL / level.lower()
        files = sorted(folder.glob("*.*"))
        assert len(files) == 16, [f.name for f in files]
        for path in files:
            raw = _everything(path)
            text = _plain(raw)
            # The file is marked no higher than its level, anywhere (banners, properties).
            for marking in markings[markings.index(level) + 1:]:
                assert not re.search(rf"\b{marking}\b", raw), (path, marking)
            for phrase in phrases:
                assert phrase not in text, (path, phrase)
            for token in tokens:
                assert not re.search(rf"\b{re.escape(token)}\b", text), (path, token)
            checked += 1
    assert checked == 16 * len(markings)


def test_the_withheld_facts_are_really_searched_for(editions):
    """The search above is not empty: below RESTRICTED there are phrases and names to find,
    and the full edition (which may show them) does contain them."""
    project, _ = editions
    phrases, tokens = _secrets("PUBLIC")
    assert phrases and tokens
    assert run_briefs(project, "build", "--only", REL, "--format", "html", "--out", "full", "-q").code == 0
    full = " ".join(_plain(p.read_text(encoding="utf-8")) for p in (project / "full" / REL).glob("*.html"))
    assert any(token in full for token in tokens)
    assert any(phrase[:40] in full for phrase in phrases)


@pytest.mark.parametrize("variant", ["pdf/a-3u", "pdf/ua-1"])
def test_no_release_below_a_source_names_it_though_a_fact_it_shows_cites_it(editions, variant):
    """The PUBLIC fact stays (resting on its PUBLIC source); the RESTRICTED memorandum's
    title, publisher, address, id and document are in no byte of a PUBLIC or OFFICIAL file."""
    project, markings = editions
    fact = _plain("Japan ranks as Pakistan's fourth-largest trading partner")
    for level in markings[: markings.index("RESTRICTED")]:
        folder = project / f"out-{variant.replace('/', '-')}" / REL / level.lower()
        texts = {path.name: _plain(_everything(path)) for path in sorted(folder.glob("*.*"))}
        assert len(texts) == 16, sorted(texts)
        assert any(fact in text for text in texts.values()), (level, "the fact itself is shown")
        for name, text in texts.items():
            for word in _memo_words():
                assert word not in text, (level, name, word)


def test_the_memorandum_is_found_in_every_format_of_the_full_edition(editions):
    """The search above is not empty: in the full edition each format prints the memorandum's
    title, publisher and address, and the archival PDF attaches its document."""
    project, _ = editions
    files = sorted((project / "full" / REL).glob("*.*"))
    everything = {path: _plain(_everything(path)) for path in files}
    # (The cable names no sources: a telegram carries no notes and no source list.)
    for suffix in (".pdf", ".docx", ".html"):
        texts = [text for path, text in everything.items() if path.suffix == suffix]
        for key in ("title", "publisher", "url") + (("document",) if suffix == ".pdf" else ()):
            assert any(_plain(MEMO[key]) in text for text in texts), (suffix, key)
    assert any(MEMO["id"] in text for text in everything.values())  # the HTML's anchors


def test_check_warns_at_the_fact_which_releases_print_it_without_a_source(tmp_path):
    project = copy_project(tmp_path)
    _add_restricted_source(project)
    result = run_briefs(project, "check", "--only", REL)
    assert result.code == 0, result.stderr
    lines = [line for line in (result.stdout + result.stderr).splitlines() if MEMO_FACT + ":" in line]
    assert len(lines) == 1, result.stdout + result.stderr
    line = f"facts/{REL}/economy.yaml:{_line_of(project, MEMO_FACT)}"
    assert lines[0].startswith(line), lines
    assert "the PUBLIC and OFFICIAL editions print it without its source 'kestrel-memo'" in lines[0]
    assert "RESTRICTED edition" not in lines[0] and "warning" in lines[0]
    assert run_briefs(project, "check", "--only", REL, "--strict").code == 1


def _line_of(project: Path, fact: str) -> int:
    """The line of the fact's `sources:` key."""
    lines = (project / "facts" / REL / "economy.yaml").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "partner_rank:")
    return next(i for i, line in enumerate(lines) if i > start and line.strip() == "sources:") + 1


def test_no_bundle_or_file_name_of_a_release_holds_anything_above_it(editions, tmp_path):
    """`briefs dist --release LEVEL`: every member of the zip (the PDFs, every byte as above;
    the manifest; SHA256SUMS) and every member's and output's file name."""
    project, markings = editions
    out = "out-pdf-ua-1"  # the default variant: dist finds every PDF up to date
    for level in markings[:-1]:
        phrases, tokens = _secrets(level)
        result = run_briefs(project, "dist", "--release", level, "--out", out, "--quiet")
        assert result.code == 0, result.stderr
        bundle = next((project / out / "dist").glob(f"briefs-*-{level.lower()}.zip"))
        names = [p.relative_to(project / out).as_posix() for p in (project / out / REL / level.lower()).rglob("*")]
        unpacked = tmp_path / level
        with zipfile.ZipFile(bundle) as archive:
            names += archive.namelist()
            archive.extractall(unpacked)
        texts = [_everything(path) for path in sorted(unpacked.rglob("*")) if path.is_file()]
        assert any(name.endswith(".pdf") for name in names) and len(texts) >= 3
        for raw in [*texts, "\n".join(names)]:
            for marking in markings[markings.index(level) + 1:]:
                assert not re.search(rf"\b{marking}\b", raw), (level, marking)
            text = _plain(raw)
            for phrase in phrases:
                assert phrase not in text, (level, phrase)
            for token in tokens:
                assert not re.search(rf"\b{re.escape(token)}\b", text), (level, token)
            if markings.index(level) < markings.index("RESTRICTED"):  # the memorandum's marking
                for word in _memo_words():
                    assert word not in text, (level, word)
