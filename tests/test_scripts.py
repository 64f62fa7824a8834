"""Scripts: Devanagari, Arabic, Cyrillic and CJK text drawn in the PDF where a font has it,
and a located warning (an error under --strict, with nothing written) where none does."""

from __future__ import annotations

import pytest

from briefs.writers.pdf_fonts import SYSTEM_FONTS
from conftest import run_briefs, tree_digest
from readback import pdf_text

FACTS = "facts/pakistan-japan"
SAMPLES = {
    "Devanagari": "भारत",
    "Arabic": "پاکستان",
    "Cyrillic": "дружба",  # lower case: a capitalised word would be checked as a name against the passages
    "CJK": "日本国",
}


def _drawable(text: str) -> bool:
    return SYSTEM_FONTS.available() and all(SYSTEM_FONTS.covers(ord(c)) for c in text)


def _put(project, text: str) -> int:
    people = project / FACTS / "people.yaml"
    source = people.read_text(encoding="utf-8")
    assert "Launched in 2018 to build ties" in source
    people.write_text(source.replace("Launched in 2018 to build ties", f"Launched in 2018 ({text}) to build ties"),
                      encoding="utf-8")
    return next(n for n, line in enumerate(people.read_text(encoding="utf-8").splitlines(), 1) if text in line)


@pytest.mark.parametrize("script", SAMPLES)
def test_text_in_a_script_is_drawn_or_located(project, script):
    text = SAMPLES[script]
    line = _put(project, text)
    result = run_briefs(project, "build", "--only", "pakistan-japan/country-brief", "--format", "pdf")
    assert result.code == 0, result.stderr
    located = f"facts/pakistan-japan/people.yaml:{line}: warning: people.bodies[1].text: no installed font can draw"
    if _drawable(text):
        assert located not in result.stderr and "no installed font" not in result.stderr
        assert text in pdf_text(project / "build/pakistan-japan/country-brief.pdf").replace(" ", "")
    else:  # README names the font packages; without them the desk is told where, not shown boxes
        assert located in result.stderr


def test_text_no_font_can_draw_is_fatal_under_strict_and_nothing_is_written(project):
    line = _put(project, "\U0001E290")  # Toto (Unicode 14): no common font has it
    assert not _drawable("\U0001E290")
    before = tree_digest(project / "build")
    for command in ("check", "build"):
        result = run_briefs(project, command, "--strict")
        assert result.code == 1
        assert f"facts/pakistan-japan/people.yaml:{line}: people.bodies[1].text: no installed font can draw" \
               " '\U0001E290' (U+1E290)" in result.stderr
        assert "nothing was written" in result.stderr
    assert tree_digest(project / "build") == before
