"""Nothing above a release level leaves: every byte of every edition is searched.

For each release level, in both PDF variants and every format, the page text, the
PDF's metadata and attachments, every part of the DOCX package, the HTML source and
the cable are searched for the words of every fact marked above that level (its
text and its passages) and for its distinctive names and figures (those that no
fact the edition may show, and no document it may carry, contains).
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from pathlib import Path

import pypdf
import pytest
from pydantic import BaseModel

from briefs.load import load_relationship
from briefs.model import walk
from conftest import ROOT, copy_project, run_briefs

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


def _pdf_bytes_text(path: Path) -> str:
    reader = pypdf.PdfReader(path)
    parts = [page.extract_text() or "" for page in reader.pages]
    parts.extend(str(v) for v in (reader.metadata or {}).values())
    xmp = reader.trailer["/Root"].get("/Metadata")
    if xmp is not None:
        parts.append(xmp.get_object().get_data().decode("utf-8", "replace"))
    for name, contents in reader.attachments.items():
        parts.append(name)
        parts.extend(c.decode("utf-8", "replace") for c in contents)
    return "\n".join(parts)


def _docx_parts_text(path: Path) -> str:
    with zipfile.ZipFile(path) as package:
        return "\n".join(re.sub(r"<[^>]+>", " ", package.read(name).decode("utf-8", "replace"))
                         for name in package.namelist())


def _everything(path: Path) -> str:
    if path.suffix == ".pdf":
        return _pdf_bytes_text(path)
    if path.suffix == ".docx":
        return _docx_parts_text(path)
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("leaks"))
    markings = _facts().metadata.markings
    for variant in ("pdf/a-3u", "pdf/ua-1"):
        out = f"out-{variant.replace('/', '-')}"
        args = ["build", "--only", REL, "--format", FORMATS, "--pdf-variant", variant, "--out", out, "-q"]
        for level in markings:
            result = run_briefs(project, *args, "--release", level)
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
