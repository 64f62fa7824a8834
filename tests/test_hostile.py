"""Hostile and broken input: no network, no stray files, text as data, safe YAML, nothing lost."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import docx
import pypdf
import pytest

from conftest import ROOT, drop_passages, run_briefs, tree_digest
from readback import docx_text, html_root, html_text, pdf_text

OUT = Path("build/pakistan-japan")
FACTS = Path("facts/pakistan-japan")
DOT_PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
           "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def _add_to_overview(project: Path, html: str) -> None:
    path = project / "templates/overview.html.j2"
    path.write_text(path.read_text().replace("{% block content %}", "{% block content %}\n" + html), encoding="utf-8")


def test_no_network_and_no_files_outside_the_templates(project):
    secret = project.parent / "secret.txt"
    secret.write_text("TOP SECRET CONTENT")
    (project / "templates/escape.png").symlink_to(secret)
    _add_to_overview(project, """
<img src="http://example.org/logo.png" alt="logo">
<img src="https://example.org/a.png" alt="a">
<img src="ftp://example.org/b.png" alt="b">
<img src="file:///etc/passwd" alt="passwd">
<img src="../../secret.txt" alt="relative">
<img src="escape.png" alt="through a symlink">
<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/hostname"/></svg>
<link rel="attachment" href="file:///etc/passwd">
<style>@import url("http://example.org/x.css"); p { background: url("file:///etc/shadow"); }</style>
""")
    result = run_briefs(project, "build", "--only", "pakistan-japan/overview")
    assert result.code == 0, result.stderr
    refusals = [line for line in result.stderr.splitlines()
                 if line.startswith("templates/overview.html.j2: warning: refused to load")]
    for fragment in ("http://example.org/logo.png", "https://example.org/a.png", "ftp://example.org/b.png",
                     "file:///etc/passwd", "secret.txt", "escape.png", "http://example.org/x.css",
                     "file:///etc/shadow"):
        assert any(fragment in line for line in refusals), fragment
    pdf = (project / OUT / "overview.pdf").read_bytes()
    assert b"TOP SECRET" not in pdf and b"root:x:0" not in pdf
    assert "TOP SECRET" not in docx_text(project / OUT / "overview.docx")
    strict = run_briefs(project, "build", "--strict", "--force", "--only", "pakistan-japan/overview")
    assert strict.code == 1 and "fatal with --strict" in strict.stderr


def test_data_uris_and_files_inside_templates_are_allowed(project):
    images = project / "templates/img"
    images.mkdir()
    import base64

    (images / "dot.png").write_bytes(base64.b64decode(DOT_PNG.split(",", 1)[1]))
    _add_to_overview(project, f'<img src="{DOT_PNG}" alt="a dot"><p><img src="img/dot.png" alt="a file dot"></p>')
    result = run_briefs(project, "build", "--only", "pakistan-japan/overview")
    assert result.code == 0 and "refused" not in result.stderr, result.stderr
    document = docx.Document(str(project / OUT / "overview.docx"))
    assert len(document.inline_shapes) == 2
    reader = pypdf.PdfReader(project / OUT / "overview.pdf")
    assert sum(len(page.images) for page in reader.pages) >= 1


HOSTILE = [
    "{{ 7*7 }}",
    "{% include 'overview.html.j2' %}",
    "<script>alert(1)</script>",
    "<img src=file:///etc/passwd>",
    "</p><h1>Injected</h1>",
    "]]><!-- &amp; <w:p> -->",
]


def test_hostile_text_is_literal_in_every_format(project):
    path = project / FACTS / "people.yaml"
    text = path.read_text()
    old = "      text: Launched in 2018 to build ties between the two publics.\n"
    import json

    new = "      text: " + json.dumps(" | ".join(HOSTILE)) + "\n"
    # Its figures and names are in no passage: the fact is left unverified (a warning).
    path.write_text(drop_passages(text.replace(old, new), new))
    result = run_briefs(project, "build", "--only", "pakistan-japan/country-brief")
    assert result.code == 0, result.stderr
    root = html_root(project / OUT / "country-brief.html")
    assert not root.xpath("//script") and not root.xpath("//img")
    for reader, fmt in ((html_text, "html"), (docx_text, "docx"), (pdf_text, "pdf")):
        extracted = reader(project / OUT / f"country-brief.{fmt}")
        for hostile in HOSTILE:
            assert hostile in extracted, (fmt, hostile)


def test_control_characters_are_located_errors(project):
    path = project / FACTS / "people.yaml"
    text = path.read_text()
    path.write_text(text.replace("trades: [export of used cars,", 'trades: ["export of\\u0007 used cars",'))
    line = next(n for n, t in enumerate(path.read_text().splitlines(), 1) if "u0007" in t)
    before = tree_digest(project / "build")
    result = run_briefs(project, "build")
    assert result.code == 1
    assert f"facts/pakistan-japan/people.yaml:{line}: people.diaspora.trades[0]: contains the control character U+0007" in result.stderr
    assert tree_digest(project / "build") == before


def test_light_markup_is_the_one_interpreted_form(project):
    path = project / FACTS / "people.yaml"
    text = path.read_text()
    old = "      text: Launched in 2018 to build ties between the two publics.\n"
    new = "      text: Launched in *2018*; see [the forum](https://example.org/pjff) and javascript:[x](javascript:alert(1)).\n"
    path.write_text(drop_passages(text.replace(old, new), new))
    assert run_briefs(project, "build", "--only", "pakistan-japan/country-brief", "--format", "html,docx").code == 0
    root = html_root(project / OUT / "country-brief.html")
    assert root.xpath("//em[text()='2018']")
    assert root.xpath("//a[@href='https://example.org/pjff' and text()='the forum']")
    assert not root.xpath("//a[starts-with(@href, 'javascript')]")
    assert "[x](javascript:alert(1))" in html_text(project / OUT / "country-brief.html")
    body = docx.Document(str(project / OUT / "country-brief.docx")).element.body.xml
    assert "w:hyperlink" in body


@pytest.mark.parametrize("content, says", [
    ("visits: !!python/object/apply:os.system ['echo pwned']\n", "unsupported YAML tag"),
    ("visits:\n  - &a [1]\n  - <<: *a\n", "merge keys"),
])
def test_unsafe_yaml_is_refused_with_a_location(project, content, says):
    (project / FACTS / "visits.yaml").write_text(content)
    result = run_briefs(project, "check")
    assert result.code == 1 and says in result.stderr
    assert "facts/pakistan-japan/visits.yaml:" in result.stderr and "pwned" not in result.stdout


def test_a_one_megabyte_alias_bomb_fails_fast(project):
    lines = ["visits:", "  - &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        lines.append(f"  - &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    bomb = "\n".join(lines) + "\n"
    bomb += "# " + "x" * (1_000_000 - len(bomb)) + "\n"
    (project / FACTS / "visits.yaml").write_text(bomb)
    started = time.perf_counter()
    result = run_briefs(project, "check")
    elapsed = time.perf_counter() - started
    assert result.code == 1 and "refusing to expand" in result.stderr
    assert elapsed < 2 + 1.5, elapsed  # two seconds of work plus interpreter start-up


def test_size_limit_and_encoding(project):
    (project / FACTS / "huge.yaml").write_text("# " + "x" * 3_000_000 + "\n")
    (project / FACTS / "latin1.yaml").write_bytes("visits: []\n# caf\xe9\n".encode("latin-1"))
    result = run_briefs(project, "check")
    assert result.code == 1
    assert "facts/pakistan-japan/huge.yaml: file is 3,000,003 bytes; the limit is 2,097,152" in result.stderr
    assert "facts/pakistan-japan/latin1.yaml:2: not valid UTF-8 (byte offset 16)" in result.stderr


def test_two_builds_at_once_wait_for_each_other(project):
    """While one build holds build/, another says it is waiting, then finishes the job."""
    import fcntl

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    holder = os.open(project / "build/.briefs-lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)  # as a running build does
    try:
        second = subprocess.Popen(
            [sys.executable, "-m", "briefs", "build", "--force", "--only", "pakistan-japan/overview"],
            cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first_line = second.stderr.readline()
        assert "waiting for another build of build/ to finish" in first_line
        time.sleep(0.5)
        assert second.poll() is None, "the second build did not wait"
    finally:
        os.close(holder)  # the first build ends
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    pypdf.PdfReader(project / OUT / "overview.pdf").pages[0].extract_text()


def test_clean_removes_only_the_build_folder(project):
    keep = project / "notes.txt"
    keep.write_text("keep me")
    makefile = (ROOT / "Makefile").read_text()
    clean = makefile[makefile.index("clean:"):].splitlines()[1].strip()
    # make clean asks briefs (which knows briefs.yaml's `out`), or removes build/ before set-up.
    assert clean == "@if [ -x $(BRIEFS) ]; then $(BRIEFS) clean; else rm -rf -- build; fi"
    result = run_briefs(project, "clean")
    assert result.code == 0, result.stderr
    assert keep.read_text() == "keep me" and (project / "facts").is_dir() and not (project / "build").exists()


# --- light markup, long words, Word's property limit: unit checks -----------------------


@pytest.mark.parametrize("text, html", [
    ("see [the *forum*](https://x.org/*a*/b) and *this*",
     'see <a href="https://x.org/*a*/b">the <em>forum</em></a> and <em>this</em>'),
    ("*see [a* b](https://x.org/c)", '*see <a href="https://x.org/c">a* b</a>'),
    ("[x](https://x.org/?a=1&b=<2>)", '<a href="https://x.org/?a=1&amp;b=&lt;2&gt;">x</a>'),
    ("[x](javascript:alert(1))", "[x](javascript:alert(1))"),
])
def test_emphasis_never_enters_a_link_address_or_crosses_its_edge(text, html):
    from briefs.render import markup

    assert str(markup(text)) == html


@pytest.mark.parametrize("text", ["[" * 100_000, "[a](http://" * 9_000, "*a " * 30_000, "[" + "a" * 100_000])
def test_markup_is_linear(text):
    from briefs.render import markup

    started = time.perf_counter()
    markup(text)
    assert time.perf_counter() - started < 1


def test_long_words_get_break_opportunities_and_keep_their_text():
    import lxml.html

    from briefs.writers.pdf import LONG_WORD, breakable

    short = "<html><body><main><p>" + "a" * LONG_WORD + " word in Islamabad</p></main></body></html>"
    laid_out = lxml.html.document_fromstring(breakable(short, lxml.html.document_fromstring(short)))
    assert laid_out.text_content() == lxml.html.document_fromstring(short).text_content()
    assert not laid_out.xpath("//wbr")
    assert [s.text for s in laid_out.xpath('//span[@class="name"]')] == ["Islamabad"]  # never hyphenated
    html = ("<html><body><p>x <b>" + "b" * 300 + "</b>" + "t" * 200 + " 日本" * 50
            + "</p><style>" + "s" * 200 + "</style></body></html>")
    document = lxml.html.document_fromstring(html)
    out = lxml.html.document_fromstring(breakable(html, document))
    assert out.text_content() == document.text_content()
    assert len(out.xpath("//wbr")) == 300 // 64 + 200 // 64
    assert not out.xpath("//style/wbr")


def test_word_properties_fit_255_characters():
    from briefs.writers.docx import fit_property

    assert fit_property("short") == "short"
    cut = fit_property("word " * 100)
    assert len(cut) <= 255 and cut.endswith("word…")
    keywords = fit_property(", ".join(["keyword"] * 60), separator=", ")
    assert len(keywords) <= 255 and keywords.endswith("keyword…")
    assert len(fit_property("x" * 1000)) == 255
