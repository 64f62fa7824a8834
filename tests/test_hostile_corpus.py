"""A corpus of bad and hostile inputs, as a careless or hostile colleague would try them.

Every case changes a copy of the shipped project and runs `briefs check` (or a build
where only a writer can show the problem) in a forked child (see ``isolated.py``).
Each must end in a located error (exit 1, ``file:line`` in the message) or a good
result (exit 0), within 30 s and 1 GB, with no traceback, no "internal error" and no
signal, and a failed run must leave ``build/`` as it was.

Categories: confinement (paths that leave their folder), deep nesting, aliases (cycles
and expansions), control and noncharacters in any field, values over a format's limits,
calendar edges, symlink loops and odd entries, odd file names, line endings (LF, CRLF
and CR: line numbers exact), pathological text, YAML slips said in plain words,
misspellings, and YAML features a fact file must not use.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from conftest import ROOT, tree_digest
from isolated import preload, run_isolated, run_subprocess

# The whole corpus runs in `make test-all`; the everyday suite keeps test_bad_input and
# test_hostile, which cover each kind of problem once.
pytestmark = pytest.mark.exhaustive

FACTS = "facts/pakistan-japan"
TIME_LIMIT = 30
MEMORY_LIMIT = 2**30
PROBE = """{% extends "_base.html.j2" %}
{% set brief_title = "Probe" %}
{% set brief_summary = "The people section alone, for tests." %}
{% block content %}
{% include "partials/_sec_people.html.j2" %}
{% endblock %}
"""
# `check` validates everything but renders only the probe brief: quick.
CHECK = ("check", "--only", "pakistan-japan/probe")
PROBE_PDF = ("build", "-j", "1", "--only", "pakistan-japan/probe", "--format", "pdf")
PROBE_DOCX = ("build", "-j", "1", "--only", "pakistan-japan/probe", "--format", "docx")
PROBE_ALL = ("build", "-j", "1", "--only", "pakistan-japan/probe")
OVERVIEW_DOCX = ("build", "-j", "1", "--only", "pakistan-japan/overview", "--format", "docx")


@dataclass
class Case:
    id: str
    change: Callable[[Path], None]
    # Each must occur in stderr; ⟦file|needle⟧ stands for the line of needle in that fact file.
    expect: list[str] = field(default_factory=list)
    code: int = 1
    args: tuple[str, ...] = CHECK
    # A writer failed for one brief and format; the others may have been written.
    partial: bool = False
    subprocess: bool = False
    # Must not appear in stdout or stderr.
    absent: list[str] = field(default_factory=list)


# --- building blocks of changes --------------------------------------------------------


def fact(name: str) -> str:
    return f"{FACTS}/{name}"


def edit(name: str, old: str, new: str, count: int = 1, path: str | None = None):
    def change(project: Path) -> None:
        target = project / (path or fact(name))
        text = target.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        target.write_text(text.replace(old, new, count), encoding="utf-8")
    return change


def write(name: str, content: str | bytes, path: str | None = None):
    def change(project: Path) -> None:
        target = project / (path or fact(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return change


def endings(name: str, newline: str):
    """Rewrite a fact file with other line endings (after the other changes)."""
    def change(project: Path) -> None:
        target = project / fact(name)
        text = target.read_bytes().decode("utf-8").replace("\r\n", "\n")
        target.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return change


def chain(*changes):
    def change(project: Path) -> None:
        for one in changes:
            one(project)
    return change


def symlink(path: str, target: str):
    def change(project: Path) -> None:
        link = project / path
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            if link.is_dir() and not link.is_symlink():
                shutil.rmtree(link)
            else:
                link.unlink()
        link.symlink_to(target)
    return change


def fifo(path: str):
    return lambda project: os.mkfifo(project / path)


def mkdir(path: str):
    return lambda project: (project / path).mkdir(parents=True, exist_ok=True)


def rename(old: str, new: str | bytes):
    def change(project: Path) -> None:
        target = os.fsencode(str(project)) + b"/" + (new if isinstance(new, bytes) else new.encode())
        os.rename(project / old, target)
    return change


def text_of(name: str, old: str, value: str):
    """Put ``value`` (a YAML scalar as written) in place of a one-line ``text:``."""
    return edit(name, old, old.split("text:")[0] + "text: " + value + "\n")


PJFF = "      text: Launched in 2018 to build ties between the two publics.\n"
TITLE = "title: Pakistan–Japan Relations"
SOURCE_FILE = "file: seeds/004_233f6a6413e8fd6e.txt"
EDITION = "date: 2026-11-20"


def title(value: str):
    return edit("metadata.yaml", TITLE, "title: " + value)


def nested_bodies(n: int, text: str = "Body number {i}.") -> Callable[[Path], None]:
    items = "".join(f"    - id: body-{i}\n      name: Body {i}\n      text: {text.format(i=i)}\n"
                    f"      sources: [ties-review]\n" for i in range(n))
    return edit("people.yaml", "  bodies:\n", "  bodies:\n" + items)


def alias_bomb(levels: int, width: int = 10, mapping: bool = False) -> str:
    lines = ["visits:", "  - &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        if mapping:
            lines.append(f"  - &a{i} {{" + ", ".join(f"k{j}: *a{i - 1}" for j in range(width)) + "}")
        else:
            lines.append(f"  - &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


LOC = "facts/pakistan-japan/"
CASES: list[Case] = []


def case(id: str, change, *expect: str, **options) -> None:
    CASES.append(Case(id, change, list(expect), **options))


# --- 1. confinement: paths from input stay inside their folder -------------------------

OUTSIDE = "is outside facts/pakistan-japan/"
case("source-dotdot", edit("sources.yaml", SOURCE_FILE, "file: ../../../../../../../etc/passwd"),
     f"{LOC}sources.yaml:⟦sources.yaml|etc/passwd⟧: sources[0].file:", OUTSIDE)
case("source-dotdot-inside-first", edit("sources.yaml", SOURCE_FILE, "file: seeds/../../pakistan-japan/../../README"),
     f"{LOC}sources.yaml:⟦sources.yaml|README⟧: sources[0].file:", OUTSIDE)
case("source-symlink-out", chain(symlink(f"{FACTS}/seeds/leak.txt", "/etc/passwd"),
                                 edit("sources.yaml", SOURCE_FILE, "file: seeds/leak.txt")),
     f"{LOC}sources.yaml:⟦sources.yaml|seeds/leak.txt⟧: sources[0].file: 'seeds/leak.txt' {OUTSIDE}")
case("source-folder-symlink-out", chain(symlink(f"{FACTS}/docs", "/etc"),
                                        edit("sources.yaml", SOURCE_FILE, "file: docs/passwd")),
     f"{LOC}sources.yaml:⟦sources.yaml|docs/passwd⟧: sources[0].file:", OUTSIDE)
case("source-home", edit("sources.yaml", SOURCE_FILE, "file: ~/.ssh/id_rsa"),
     f"{LOC}sources.yaml:⟦sources.yaml|id_rsa⟧: warning: source 'fo-brief': file '~/.ssh/id_rsa' not found",
     code=0)
case("source-file-url", edit("sources.yaml", SOURCE_FILE, "file: file:///etc/passwd"),
     f"{LOC}sources.yaml:⟦sources.yaml|file:///etc/passwd⟧: warning: source 'fo-brief': file", code=0)
case("source-is-pipe", chain(fifo(f"{FACTS}/seeds/pipe.txt"),
                             edit("sources.yaml", SOURCE_FILE, "file: seeds/pipe.txt")),
     f"{LOC}sources.yaml:⟦sources.yaml|pipe.txt⟧: sources[0].file: 'seeds/pipe.txt' is not a plain file")
case("source-loop", chain(symlink(f"{FACTS}/seeds/loop.txt", "loop.txt"),
                          edit("sources.yaml", SOURCE_FILE, "file: seeds/loop.txt")),
     f"{LOC}sources.yaml:⟦sources.yaml|loop.txt⟧: sources[0].file: 'seeds/loop.txt' is a symbolic link that loops")
case("source-long-path", edit("sources.yaml", SOURCE_FILE, "file: " + "a/" * 3000 + "x.txt"),
     f"{LOC}sources.yaml:⟦sources.yaml|a/a/a/⟧: sources[0].file: 'a/a/a/", "is unreadable (File name too long)")
case("fact-file-symlink-out", chain(write("x", "visits: []\n", path="elsewhere/visits.yaml"),
                                    symlink(f"{FACTS}/extra.yaml", "../../elsewhere/visits.yaml")),
     f"{LOC}extra.yaml: this fact file is a symbolic link to", "outside facts/")
case("font-symlink-out", symlink("templates/fonts/leak.ttf", "/etc/passwd"),
     "templates/fonts/leak.ttf: this font file is a symbolic link leading out of its fonts/ folder",
     args=PROBE_PDF, partial=True)
case("font-pipe", chain(mkdir("templates/fonts"), fifo("templates/fonts/pipe.ttf")),
     "templates/fonts/pipe.ttf: cannot use this font file: it is not a plain file", args=PROBE_PDF,
     partial=True)
case("font-loop", symlink("templates/fonts/loop.ttf", "loop.ttf"),
     "templates/fonts/loop.ttf: cannot use this font file: it is a symbolic link that loops",
     args=PROBE_PDF, partial=True)
case("reference-docx-symlink-out", chain(write("x", b"not a docx", path="elsewhere/ref.docx"),
                                         symlink("templates/reference.docx", "../elsewhere/ref.docx")),
     "templates/reference.docx: the reference document is a symbolic link leading out of its folder",
     args=PROBE_DOCX, partial=True)
case("image-pipe", chain(fifo("templates/pipe.png"),
                         edit("x", "{% block content %}", '{% block content %}<img src="pipe.png" alt="p">',
                              path="templates/probe.html.j2")),
     "templates/probe.html.j2: warning: refused to load 'pipe.png': not a plain file", code=0,
     args=PROBE_DOCX)
case("image-symlink-out", chain(symlink("templates/leak.png", "/etc/passwd"),
                                edit("x", "{% block content %}", '{% block content %}<img src="leak.png" alt="p">',
                                     path="templates/probe.html.j2")),
     "templates/probe.html.j2: warning: refused to load", "leak.png': the file is outside the template folders",
     code=0, args=PROBE_PDF, absent=["root:x:0"])

# --- 2. deep nesting (libyaml's composer recursed: RecursionError, then a segfault) -----

DEEP = "nested more than 50 levels deep"
case("flow-seq-100000", write("visits.yaml", "visits: " + "[" * 100_000 + "]" * 100_000 + "\n"),
     f"{LOC}visits.yaml:1: {DEEP}", subprocess=True)
case("flow-map-100000", write("visits.yaml", "visits: " + "{a: " * 100_000 + "1" + "}" * 100_000 + "\n"),
     f"{LOC}visits.yaml:1: {DEEP}", subprocess=True)
case("block-map-60", write("visits.yaml", "visits:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(60))
                           + " " * 61 + "x\n"),
     f"{LOC}visits.yaml:51: {DEEP}")
case("block-map-1400", write("visits.yaml", "visits:\n" + "".join(" " * (i + 1) + "k:\n" for i in range(1400))
                             + " " * 1401 + "x\n"),
     f"{LOC}visits.yaml:51: {DEEP}")
case("nesting-49-is-only-wrong-type", write("visits.yaml", "visits: " + "[" * 48 + "]" * 48 + "\n"),
     f"{LOC}visits.yaml:1: visits[0]: input should be a valid dictionary", absent=[DEEP])
case("aliases-nest-deeper", write("visits.yaml", "visits:\n  - &a0 " + "[" * 40 + "x" + "]" * 40 + "\n"
                                  + "".join(f"  - &a{i} " + "[" * 40 + f"*a{i - 1}" + "]" * 40 + "\n"
                                            for i in range(1, 5))),
     f"{LOC}visits.yaml:3: aliases nest values more than 50 levels deep")

# --- 3. aliases: cycles and expansions --------------------------------------------------

CYCLE = "the value would contain itself"
case("alias-cycle-map", write("visits.yaml", "visits: &a\n  x: *a\n"), f"{LOC}visits.yaml:2: '*a' is inside", CYCLE)
case("alias-cycle-flow", write("visits.yaml", "visits: &a [1, [2, *a]]\n"), f"{LOC}visits.yaml:1:", CYCLE)
case("alias-cycle-indirect", write("visits.yaml", "visits: &a\n  - &b\n    - *a\n"), f"{LOC}visits.yaml:3:", CYCLE)
case("alias-cycle-in-metadata", edit("metadata.yaml", "  keywords: [Pakistan,", "  keywords: &k [*k, Pakistan,"),
     f"{LOC}metadata.yaml:⟦metadata.yaml|keywords: &k⟧:", CYCLE)
case("billion-laughs", write("visits.yaml", alias_bomb(9)),
     f"{LOC}visits.yaml:", "more than 200,000 values (runaway aliases?); refusing to expand")
case("billion-laughs-maps", write("visits.yaml", alias_bomb(9, mapping=True)),
     f"{LOC}visits.yaml:", "refusing to expand")
case("billion-laughs-wide", write("visits.yaml", alias_bomb(4, width=200)),
     f"{LOC}visits.yaml:", "refusing to expand")
case("alias-text-expansion-total", chain(nested_bodies(40, "*big"),
                                         edit("people.yaml", "    - id: body-0\n      name: Body 0\n      text: *big",
                                              "    - id: body-0\n      name: Body 0\n      text: &big " + "word " * 19_000)),
     f"{LOC}people.yaml:", "the fact base passes 500,000 characters of text here")
case("aliases-reused-fine", edit("people.yaml", "sources: [ties-review, prospects-article]",
                                 "sources: &both [ties-review, prospects-article]"), code=0)

# --- 4. control characters and noncharacters, in every kind of field -------------------

CANNOT = "which documents cannot hold"
for label, escape, name in [
    ("nul", "\\0", "the control character U+0000"), ("bell", "\\a", "the control character U+0007"),
    ("escape", "\\e", "the control character U+001B"), ("del", "\\x7F", "the control character U+007F"),
    ("c1-nel", "\\N", "the line separator U+0085"), ("c1-csi", "\\x9B", "the control character U+009B"),
    ("fdd0", "\\uFDD0", "the Unicode noncharacter U+FDD0"), ("fdef", "\\uFDEF", "the Unicode noncharacter U+FDEF"),
    ("fffe", "\\uFFFE", "the Unicode noncharacter U+FFFE"), ("ffff", "\\uFFFF", "the Unicode noncharacter U+FFFF"),
    ("1fffe", "\\U0001FFFE", "the Unicode noncharacter U+1FFFE"),
    ("10ffff", "\\U0010FFFF", "the Unicode noncharacter U+10FFFF"),
]:
    case(f"escaped-{label}-in-title", title(f'"Pakistan{escape}Japan"'),
         f"{LOC}metadata.yaml:⟦metadata.yaml|title: \"Pakistan⟧: metadata.title: contains {name}, {CANNOT}")
for label, old, new, needle, where in [
    ("issuing-office", "issuing_office: Asia-Pacific Division, Ministry of Foreign Affairs, Islamabad",
     'issuing_office: "\\x01Asia-Pacific Division"', "issuing_office:", "metadata.issuing_office"),
    ("issuing-offices-value", "    neutral: Research and analysis desk", '    neutral: "Research\\x02desk"',
     "neutral: \"", "metadata.issuing_offices.neutral"),
    ("keyword", "keywords: [Pakistan,", 'keywords: ["Paki\\x03stan",', "keywords:", "metadata.keywords[0]"),
    ("marking", "  marking: PUBLIC", '  marking: "PUB\\x04LIC"', "marking: \"", "metadata.marking"),
    ("country-name", "      name: Pakistan\n", '      name: "Paki\\x05stan"\n', "name: \"Paki", "metadata.countries[0].name"),
    ("native-name", "      native_name: 日本", '      native_name: "日\\uFDD1本"', "native_name: \"", "metadata.countries[1].native_name"),
    ("language", "  language: en", '  language: "e\\x06n"', "language: \"", "metadata.language"),
]:
    case(f"control-in-{label}", edit("metadata.yaml", old, new),
         f"{LOC}metadata.yaml:⟦metadata.yaml|{needle}⟧: {where}: contains")
for label, raw, name in [("nul", "\x00", "U+0000"), ("bell", "\x07", "U+0007"), ("del", "\x7f", "U+007F"),
                         ("c1", "\x90", "U+0090"), ("nel", "\x85", "U+0085"), ("ls", "\u2028", "U+2028"),
                         ("ps", "\u2029", "U+2029"), ("fdd0", "\ufdd0", "U+FDD0"), ("fffe", "\ufffe", "U+FFFE"),
                         ("10fffe", "\U0010fffe", "U+10FFFE")]:
    case(f"raw-{label}-in-fact-text", text_of("people.yaml", PJFF, f"Launched in{raw} 2018."),
         f"{LOC}people.yaml:⟦people.yaml|Launched in⟧: contains", name)
case("lone-surrogate-escape", title('"A \\uD800 B"'),
     f"{LOC}metadata.yaml:⟦metadata.yaml|\\uD800⟧: YAML syntax error: an escape that names no character")
case("surrogate-pair-escape", title('"A \\uD83D\\uDE00 B"'),
     f"{LOC}metadata.yaml:⟦metadata.yaml|\\uD83D⟧: YAML syntax error: an escape that names no character")
case("rtl-override-is-text", text_of("people.yaml", PJFF, "Launched \u202e in 2018 \u202c."), code=0)
case("zero-width-is-text", text_of("people.yaml", PJFF, "Laun\u200bched\u200d in 2018."), code=0)
case("bom-inside-is-text", text_of("people.yaml", PJFF, "Launched \ufeff in 2018."), code=0)
case("escaped-line-separator-is-text", text_of("people.yaml", PJFF, '"Launched\\L in 2018"'), code=0)
case("tab-in-quoted-text", text_of("people.yaml", PJFF, '"Launched\\tin 2018"'), code=0)
case("bom-at-start", write("visits.yaml", "\ufeffvisits: []\n"), code=0)

# --- 5. values over a format's limits --------------------------------------------------

case("title-300-characters-docx", title("P" * 300), code=0, args=OVERVIEW_DOCX)
case("keyword-300-characters-docx", edit("metadata.yaml", "keywords: [Pakistan,", "keywords: [" + "k" * 300 + ","),
     code=0, args=OVERVIEW_DOCX)
case("issuing-office-300-characters-docx",
     edit("metadata.yaml", "issuing_office: Asia", "issuing_office: " + "office " * 45 + "Asia"), code=0,
     args=OVERVIEW_DOCX)
case("marking-300-characters-docx", chain(
    edit("metadata.yaml", "markings: [PUBLIC,", "markings: [" + "P" * 300 + ", PUBLIC,"),
    edit("metadata.yaml", "  marking: PUBLIC", "  marking: " + "P" * 300)), code=0, args=OVERVIEW_DOCX)
case("integer-5000-digits", edit("people.yaml", "size: 19000", "size: " + "9" * 5000),
     f"{LOC}people.yaml:⟦people.yaml|size: 999⟧: invalid value '9999", "(5,000 characters)")

# --- 6. calendar edges -----------------------------------------------------------------

case("edition-9999-12-31", edit("metadata.yaml", EDITION, "date: 9999-12-31"), code=0, args=PROBE_ALL)
case("edition-and-as-of-9999", chain(edit("metadata.yaml", EDITION, "date: 9999-12-31"),
                                     edit("people.yaml", "as_of: 2022", "as_of: 9999-12")), code=0)
case("edition-0001-01-01", edit("metadata.yaml", EDITION, "date: 0001-01-01"),
     f"{LOC}people.yaml:⟦people.yaml|as_of: 2022⟧: people.diaspora.as_of: 2022 is after the edition date 0001-01-01")
case("edition-1969-12-31", edit("metadata.yaml", EDITION, "date: 1969-12-31"),
     f"{LOC}people.yaml:⟦people.yaml|as_of: 2022⟧: people.diaspora.as_of: 2022 is after the edition date 1969-12-31")
case("edition-feb-29-leap", edit("metadata.yaml", EDITION, "date: 2028-02-29"), code=0)
case("edition-with-time-and-zone", edit("metadata.yaml", EDITION, "date: 2026-11-20 23:59:59+14:00"),
     f"{LOC}metadata.yaml:⟦metadata.yaml|23:59:59⟧: metadata.edition.date:", "got 2026-11-20 23:59:59+14:00")
case("as-of-equals-edition", edit("people.yaml", "as_of: 2022", "as_of: 2026-11-20"), code=0)

# --- 7. symlink loops and odd entries in the fact folder ------------------------------

case("fact-file-loop", symlink(f"{FACTS}/loop.yaml", "loop.yaml"),
     f"{LOC}loop.yaml: cannot read this fact file: it is a symbolic link that loops")
case("fact-file-loop-pair", chain(symlink(f"{FACTS}/a.yaml", "b.yaml"), symlink(f"{FACTS}/b.yaml", "a.yaml")),
     f"{LOC}a.yaml: cannot read this fact file: it is a symbolic link that loops",
     f"{LOC}b.yaml: cannot read this fact file: it is a symbolic link that loops")
case("fact-file-loop-build", symlink(f"{FACTS}/loop.yaml", "loop.yaml"),
     f"{LOC}loop.yaml: cannot read this fact file: it is a symbolic link that loops", args=PROBE_ALL)
case("fact-file-dangling", symlink(f"{FACTS}/gone.yaml", "nowhere.yaml"),
     f"{LOC}gone.yaml: cannot read this fact file: it is a symbolic link to a file that does not exist")
case("fact-file-is-folder", mkdir(f"{FACTS}/folder.yaml"),
     f"{LOC}folder.yaml: cannot read this fact file: it is a folder, not a file")
case("fact-file-is-pipe", fifo(f"{FACTS}/pipe.yaml"),
     f"{LOC}pipe.yaml: cannot read this fact file: it is not a plain file")
case("fact-file-is-pipe-build", fifo(f"{FACTS}/pipe.yaml"),
     f"{LOC}pipe.yaml: cannot read this fact file: it is not a plain file", args=PROBE_ALL)
case("seeds-folder-loop", symlink(f"{FACTS}/seeds", "seeds"),
     f"{LOC}sources.yaml:⟦sources.yaml|{SOURCE_FILE}⟧: sources[0].file: 'seeds/004_233f6a6413e8fd6e.txt' is a symbolic link that loops")
case("fact-folder-loop", symlink(FACTS, "pakistan-japan"),
     "facts/pakistan-japan: cannot read this relationship folder: it is a symbolic link that loops",
     args=("check",))
case("other-relationship-loop", symlink("facts/loop", "loop"),
     "facts/loop: cannot read this relationship folder: it is a symbolic link that loops", args=("check",))
case("facts-folder-loop", symlink("facts", "facts"), "facts: no such fact folder", args=("check",))
case("fact-file-symlink-inside", chain(rename(f"{FACTS}/visits.yaml", "facts/shared-visits.yaml"),
                                       symlink(f"{FACTS}/visits.yaml", "../shared-visits.yaml")), code=0)

# --- 8. odd file names -----------------------------------------------------------------

case("file-name-newline", write("odd\nname.yaml", "visits: []\n"),
     "facts/pakistan-japan: the file name 'odd\\nname.yaml' holds characters that cannot be shown")
case("file-name-not-utf8", rename(f"{FACTS}/outlook.yaml", f"{FACTS}/out\xff".encode("latin-1") + b".yaml"),
     "facts/pakistan-japan: the file name 'out\\udcff.yaml' holds characters that cannot be shown")
case("file-name-not-utf8-build", rename(f"{FACTS}/outlook.yaml", f"{FACTS}/out\xff".encode("latin-1") + b".yaml"),
     "the file name 'out\\udcff.yaml'", args=PROBE_ALL)
case("file-name-escape-sequence", write("\x1b[31mred.yaml", "visits: []\n"),
     "facts/pakistan-japan: the file name '\\x1b[31mred.yaml' holds characters")
case("folder-name-newline", rename(FACTS, "facts/pak\njap"),
     "facts: the folder name 'pak\\njap' holds characters that cannot be shown", args=("check",))
case("folder-name-not-utf8", rename(FACTS, b"facts/pak\xffjap"),
     "facts: the folder name 'pak\\udcffjap' holds characters that cannot be shown", args=("check",))
case("folder-name-not-utf8-build", rename(FACTS, b"facts/pak\xffjap"),
     "facts: the folder name 'pak\\udcffjap'", args=("build", "-j", "1", "--format", "html"))
case("file-name-dash", chain(rename(f"{FACTS}/visits.yaml", f"{FACTS}/-rf.yaml")), code=0)
case("file-name-spaces-and-unicode", rename(f"{FACTS}/visits.yaml", f"{FACTS}/ビザ と visits.yaml"), code=0)
case("file-name-long", rename(f"{FACTS}/visits.yaml", f"{FACTS}/{'v' * 240}.yaml"), code=0)
case("file-name-only-suffix", rename(f"{FACTS}/visits.yaml", f"{FACTS}/.yaml"), code=0)
case("file-name-yml", rename(f"{FACTS}/visits.yaml", f"{FACTS}/visits.yml"), code=0)
case("file-name-upper-suffix-ignored", rename(f"{FACTS}/outlook.yaml", f"{FACTS}/outlook.YAML"),
     code=0)  # not a fact file; and the outlook section is optional
case("second-file-same-section", write("copy.yaml", "visits: []\n"),
     f"{LOC}visits.yaml:⟦visits.yaml|visits:⟧: section 'visits' is already defined in {LOC}copy.yaml:1")

# --- 9. line endings: LF, CRLF and CR give the same, exact lines --------------------------

for newline, label in (("\n", "lf"), ("\r\n", "crlf"), ("\r", "cr")):
    case(f"{label}-validation", chain(edit("people.yaml", "size: 19000", "size: lots"), endings("people.yaml", newline)),
         f"{LOC}people.yaml:6: people.diaspora.size: not a whole number: 'lots'")
    case(f"{label}-duplicate-key", chain(edit("economy.yaml", "      rank: 4\n", "      rank: 4\n      rank: 5\n"),
                                          endings("economy.yaml", newline)),
         f"{LOC}economy.yaml:13: duplicate key 'rank' (first defined on line 12)")
    case(f"{label}-syntax", chain(edit("visits.yaml", "    to: JP\n", "    to: [JP\n"), endings("visits.yaml", newline)),
         f"{LOC}visits.yaml:7: YAML syntax error: '[' opened on this line is not closed by ']'")
    case(f"{label}-raw-control", chain(edit("people.yaml", "halal food]", "halal\x01 food]"), endings("people.yaml", newline)),
         f"{LOC}people.yaml:8: contains the control character U+0001")
    case(f"{label}-not-utf8", chain(endings("people.yaml", newline),
                                    lambda p, n=newline: (p / fact("people.yaml")).write_bytes(
                                        (p / fact("people.yaml")).read_bytes().replace(b"halal food", b"halal f\xf6od"))),
         f"{LOC}people.yaml:8: not valid UTF-8")
    case(f"{label}-unknown-source", chain(edit("agreements.yaml", "sources: [ties-review]", "sources: [ties-reveiw]"),
                                          endings("agreements.yaml", newline)),
         f"{LOC}agreements.yaml:⟦agreements.yaml|ties-reveiw⟧: agreements[0].sources: unknown source 'ties-reveiw';"
         " did you mean 'ties-review'?")
    case(f"{label}-builds", endings("people.yaml", newline), code=0)
case("mixed-endings", chain(edit("people.yaml", "size: 19000", "size: lots"),
                            lambda p: (p / fact("people.yaml")).write_bytes(
                                (p / fact("people.yaml")).read_bytes().replace(b"\n", b"\r", 3))),
     f"{LOC}people.yaml:6: people.diaspora.size: not a whole number: 'lots'")

# --- 10. pathological text -------------------------------------------------------------

WORD = "".join("abcdefghijklmnopqrstuvwxyz"[(i * 7 + i // 26) % 26] for i in range(100_000))
case("word-10000-pdf", text_of("people.yaml", PJFF, "Launched " + WORD[:10_000] + " in 2018."), code=0,
     args=PROBE_PDF)
case("paragraph-100000-characters-pdf", text_of("people.yaml", PJFF, " ".join(["word"] * 19_999) + " end"), code=0,
     args=PROBE_PDF)
case("list-10000-facts", nested_bodies(10_000),
     f"{LOC}people.yaml:⟦people.yaml|bodies:⟧: people.bodies: 10,004 items; a list may hold at most 500")
case("list-500-items-fine", edit("people.yaml", "trades: [export of used cars,",
                                 "trades: [" + ", ".join(f"trade {i}" for i in range(497)) + ", export of used cars,"),
     code=0)
case("facts-over-800", chain(nested_bodies(450), edit("people.yaml", "  education:\n", "  education:\n" + "".join(
    f"    - text: Education fact {i}.\n      sources: [ties-review]\n" for i in range(450)))),
     f"{LOC}people.yaml:", "fact number 801; a relationship may hold at most 800 facts")
case("brackets-100000", text_of("people.yaml", PJFF, "'" + "[" * 99_000 + "'"), code=0,
     args=("build", "-j", "1", "--only", "pakistan-japan/probe", "--format", "html"))
case("asterisks-99000", text_of("people.yaml", PJFF, "'" + "*" * 99_000 + "'"), code=0,
     args=("build", "-j", "1", "--only", "pakistan-japan/probe", "--format", "html,docx"))
case("link-openers-100000", text_of("people.yaml", PJFF, "'" + "[a](http://" * 9_000 + "'"), code=0,
     args=("build", "-j", "1", "--only", "pakistan-japan/probe", "--format", "html"))
case("combining-marks-10000", text_of("people.yaml", PJFF, '"L' + "\\u0301" * 10_000 + 'aunched"'), code=0,
     args=PROBE_PDF)
case("cjk-10000", text_of("people.yaml", PJFF, "日本語の文章" * 1_700), code=0, args=PROBE_PDF)
case("links-1000", text_of("people.yaml", PJFF, "'" + " ".join(f"[l{i}](https://e.org/{i})" for i in range(1000)) + "'"),
     code=0, args=PROBE_DOCX)
case("url-10000", text_of("people.yaml", PJFF, "'[a link](https://example.org/" + WORD[:10_000] + ")'"), code=0,
     args=PROBE_PDF)
case("problems-capped", write("visits.yaml", "visits:\n" + "".join(f"  - {{id: v{i}}}\n" for i in range(400))),
     "and ", "more problems in this relationship, not shown")

# --- 11. YAML slips, said in plain words (the line to fix) --------------------------------

SYNTAX = "YAML syntax error: "  # each slip is one edit: its cases are in EDITS and TEXTS below

# --- 12. misspellings: did you mean? ---------------------------------------------------

case("unknown-field-in-list", edit("visits.yaml", "    to: JP\n", "    too: JP\n", 1),
     f"{LOC}visits.yaml:7: visits[0]: unknown field 'too'; did you mean 'to'?",
     f"{LOC}visits.yaml:3: visits[0]: missing required field 'to'")
case("unknown-field-no-guess", edit("people.yaml", "    size: 19000\n", "    size: 19000\n    colour: green\n"),
     f"{LOC}people.yaml:7: people.diaspora: unknown field 'colour'", absent=["did you mean"])
case("unknown-source-guess", edit("agreements.yaml", "sources: [ties-review]", "sources: [fo-brif]"),
     "unknown source 'fo-brif'; did you mean 'fo-brief'?")

# --- 13. YAML features a fact file must not use, and shapes it must not take -----------

case("python-tag", write("visits.yaml", "visits: !!python/object/apply:os.system ['echo pwned']\n"),
     f"{LOC}visits.yaml:1: unsupported YAML tag", absent=["pwned\n"])
case("non-text-keys", write("visits.yaml", "visits: []\n1: x\n2023-01-01: y\n"),
     f"{LOC}visits.yaml:2: unknown section 1", f"{LOC}visits.yaml:3: unknown section 2023-01-01")
case("empty-file", write("visits.yaml", ""), code=0)
case("only-document-marker", write("visits.yaml", "---\n...\n"), code=0)
case("file-over-2-mib", write("visits.yaml", "visits: []\n# " + "x" * 2_200_000 + "\n"),
     f"{LOC}visits.yaml: file is 2,200,014 bytes; the limit is 2,097,152")


# --- the cases of one change and one located problem, by category ---------------------

# One fact file edited (old text, new text), and the problem on one of its lines, given by
# its number or by a text on it (looked up after the change).
EDITS = [
    # 1. confinement: paths from input stay inside their folder
    ("source-absolute", "sources.yaml", SOURCE_FILE, "file: /etc/passwd",
     "/etc/passwd", f"sources[0].file: '/etc/passwd' {OUTSIDE}"),
    ("source-is-folder", "sources.yaml", SOURCE_FILE, "file: seeds",
     "file: seeds", "sources[0].file: 'seeds' is a folder, not a file"),
    # 2. deep nesting (libyaml's composer recursed: RecursionError, then a segfault)
    ("deep-in-metadata", "metadata.yaml", TITLE, "title: " + "[" * 200 + "]" * 200, "title: [[[", f"{DEEP}"),
    # 4. control characters and noncharacters, in every kind of field
    ("control-in-source-title", "sources.yaml", "    title: Brief on Pakistan-Japan Relations",
     '    title: "Brief\\x1F on Pakistan-Japan Relations"',
     "Brief\\x1F", "sources[0].title: contains the control character U+001F"),
    ("control-in-freshness-key", "freshness.yaml", "    economy: 24", '    "eco\\x0Enomy": 24',
     "eco", "freshness.limits: a key contains the control character U+000E"),
    ("noncharacter-in-key", "metadata.yaml", "  " + TITLE, '  "ti\\uFDD0tle": x',
     "ti\\uFDD0tle", "metadata: a key contains the Unicode noncharacter U+FDD0"),
    ("control-in-list-item", "people.yaml", "trades: [export of used cars,", 'trades: ["export of\\u0007 used cars",',
     "trades:", "people.diaspora.trades[0]: contains the control character U+0007"),
    ("raw-control-in-comment", "visits.yaml", "# High-level visits", "# High-level\x0b visits",
     1, "contains the control character U+000B"),
    # 5. values over a format's limits
    ("language-300-characters", "metadata.yaml", "  language: en", "  language: en-" + "a" * 300,
     "language: en-", "metadata.language: 'en-aaaa"),
    ("language-unknown", "metadata.yaml", "  language: en", "  language: xx",
     "language: xx", "metadata.language: 'xx' is not a language"),
    ("amount-huge", "development.yaml", "amount: 3_620_000", "amount: " + "9" * 40,
     "99999999", "development.grants[0].value.amount: input should be less than"),
    ("amount-float-huge", "development.yaml", "amount: 3_620_000", "amount: 1.5e300",
     "1.5e300", "development.grants[0].value.amount:"),
    ("amount-infinite", "development.yaml", "amount: 3_620_000", "amount: .inf",
     ".inf", "development.grants[0].value.amount: input should be a finite number"),
    ("amount-nan", "development.yaml", "amount: 3_620_000", "amount: .nan",
     ".nan", "development.grants[0].value.amount: input should be a finite number"),
    ("amount-negative", "development.yaml", "amount: 3_620_000", "amount: -5",
     "amount: -5", "development.grants[0].value.amount: input should be greater than 0"),
    ("size-huge", "people.yaml", "size: 19000", "size: " + "9" * 30,
     "size: 999", "people.diaspora.size: input should be less than or equal to"),
    ("rank-huge", "economy.yaml", "      rank: 4\n", "      rank: " + "9" * 25 + "\n",
     "rank: 999", "economy.trade.partner_rank.rank: input should be less than"),
    ("edition-number-huge", "metadata.yaml", "    number: 1", "    number: " + "9" * 25,
     "number: 999", "metadata.edition.number: input should be less than"),
    ("exchange-rate-huge", "exchange-rates.yaml", "rate: 115.38", "rate: 1e40", "rate:", "exchange_rates[0].rate:"),
    ("freshness-limit-huge", "freshness.yaml", "    economy: 24", "    economy: 99999999999",
     "99999999999", "freshness.limits.economy"),
    # 6. calendar edges
    ("edition-0000-01-01", "metadata.yaml", EDITION, "date: 0000-01-01", "0000-01-01", "'0000-01-01' is not a real date"),
    ("edition-feb-29-not-leap", "metadata.yaml", EDITION, "date: 2100-02-29",
     "2100-02-29", "'2100-02-29' is not a real date: day is out of range for month"),
    ("edition-five-digit-year", "metadata.yaml", EDITION, "date: 10000-01-01",
     "10000-01-01", "metadata.edition.date:"),
    ("edition-negative-year", "metadata.yaml", EDITION, "date: -2026-11-20", "-2026-11-20", "metadata.edition.date:"),
    ("as-of-month-13", "people.yaml", "as_of: 2022", "as_of: 2022-13",
     "2022-13", "people.diaspora.as_of: '2022-13' is not a real date"),
    ("as-of-day-32", "people.yaml", "as_of: 2022", "as_of: '2022-01-32'",
     "2022-01-32", "people.diaspora.as_of: '2022-01-32' is not a real date"),
    ("as-of-year-0", "people.yaml", "as_of: 2022", "as_of: 0000",
     "as_of: 0000", "people.diaspora.as_of: expected a date"),
    ("as-of-three-digits", "people.yaml", "as_of: 2022", "as_of: 999",
     "as_of: 999", "people.diaspora.as_of: expected a date"),
    ("as-of-after-edition", "people.yaml", "as_of: 2022", "as_of: 2026-11-21",
     "2026-11-21", "people.diaspora.as_of: 2026-11-21 is after the edition date"),
    # 10. pathological text
    ("list-10000-items", "people.yaml", "trades: [export of used cars,",
     "trades: [" + ", ".join(f"trade {i}" for i in range(10_000)) + ", export of used cars,",
     "trades:", "people.diaspora.trades: 10,003 items; a list may hold at most 500"),
    # 11. YAML slips, said in plain words (the line to fix)
    ("slip-key-under-indented", "people.yaml", "    host: JP\n", "   host: JP\n",
     5, f"{SYNTAX}indentation: this key is not aligned with the keys above it"),
    ("slip-key-over-indented", "people.yaml", "    host: JP\n", "     host: JP\n",
     5, f"{SYNTAX}indentation: this key is not aligned with the keys above it"),
    ("slip-key-in-list-item", "visits.yaml", "    to: JP\n", "     to: JP\n",
     7, f"{SYNTAX}indentation: this key is not aligned"),
    ("slip-list-item-misaligned", "people.yaml", "    - id: pjff\n", "   - id: pjff\n", "- id: pjff", SYNTAX),
    ("slip-second-colon", "people.yaml", PJFF, "      text: Launched in 2018: to build ties.\n",
     "2018: to", f"{SYNTAX}a second ': ' on this line"),
    ("slip-no-colon", "people.yaml", "    host: JP\n", "    host JP\n", 5, SYNTAX),
    ("slip-tab", "people.yaml", "    host: JP\n", "\thost: JP\n", 5, f"{SYNTAX}a tab character; indent with spaces"),
    ("slip-unclosed-bracket", "people.yaml", "halal food]", "halal food",
     8, f"{SYNTAX}'[' opened on this line is not closed by ']'"),
    ("slip-unclosed-brace", "development.yaml", "as_of: 2023}", "as_of: 2023",
     "amount: 3_620_000", f"{SYNTAX}'{{' opened on this line is not closed by '}}'"),
    ("slip-percent", "visits.yaml", "# High-level visits", "%visits",
     1, f"{SYNTAX}'%' at the start of a line starts a YAML directive"),
    ("slip-block-scalar", "people.yaml", "    text: >-\n      About", "    text: >-x\n      About",
     ">-x", f"{SYNTAX}after '|' or '>' only a comment"),
    ("slip-list-item-in-mapping", "people.yaml", "    host: JP\n", "    host: JP\n    - extra\n",
     6, f"{SYNTAX}a list item ('- ...') where a key was expected"),
    ("slip-two-documents", "visits.yaml", "visits:\n", "---\nvisits:\n---\n",
     4, "a second YAML document ('---') in one file"),
    # 12. misspellings: did you mean?
    ("unknown-section", "visits.yaml", "visits:\n", "vists:\n", 2, "unknown section 'vists'; did you mean 'visits'?"),
    ("unknown-section-dash", "exchange-rates.yaml", "exchange_rates:", "exchange-rates:",
     2, "unknown section 'exchange-rates'; did you mean 'exchange_rates'?"),
    ("unknown-field", "people.yaml", "    size: 19000\n", "    sise: 19000\n",
     6, "people.diaspora: unknown field 'sise'; did you mean 'size'?"),
    ("unknown-field-metadata", "metadata.yaml", "  " + TITLE, "  titel: Pakistan–Japan Relations",
     5, "metadata: unknown field 'titel'; did you mean 'title'?"),
]
for id, name, old, new, where, message in EDITS:
    line = where if isinstance(where, int) else f"⟦{name}|{where}⟧"
    case(id, edit(name, old, new), f"{LOC}{name}:{line}: {message}")


# A value put in place of the text of one fact (PJFF), and the problem on its line:
# a text on that line, and what is said of it.
TEXTS = [
    ("control-in-fact-text", '"Launched \\x08 in 2018"', "Launched \\x08",
     "people.bodies[1].text: contains the control character U+0008"),
    ("value-over-100000-characters", "w" * 100_001, "wwwww",
     "people.bodies[1].text: 100,001 characters; a value may hold at most 100,000"),
    ("slip-unclosed-quote", '"Launched in 2018', "Launched in 2018",
     f"{SYNTAX}the quotation mark opened on this line is never closed"),
    ("slip-text-after-quote", '"Launched" in 2018', "Launched", f"{SYNTAX}text after the end of the value"),
    ("slip-bad-escape", '"C:\\new\\path"', "C:", f"{SYNTAX}an unknown escape after"),
    ("slip-at-sign", "@embassy launched it", "@embassy", f"{SYNTAX}a value cannot start with '@'"),
    ("slip-backtick", "`code` launched it", "`code`", f"{SYNTAX}a value cannot start with '`'"),
    ("slip-ampersand", "& friends", "& friends", f"{SYNTAX}'&' and '*' start YAML anchors"),
    ("slip-tag", "!important launched", "!important", "unsupported YAML tag !important"),
]
for id, value, needle, message in TEXTS:
    case(id, text_of("people.yaml", PJFF, value), f"{LOC}people.yaml:⟦people.yaml|{needle}⟧: {message}")


# The whole of visits.yaml, and the problem on one of its lines.
WRITES = [
    # 2. deep nesting (libyaml's composer recursed: RecursionError, then a segfault)
    ("flow-seq-60", "visits: " + "[" * 60 + "]" * 60 + "\n", 1, DEEP),
    ("flow-seq-1000", "visits: " + "[" * 1000 + "]" * 1000 + "\n", 1, DEEP),
    ("flow-seq-unclosed-100000", "visits: " + "[" * 100_000 + "\n", 1, DEEP),
    ("flow-map-1000", "visits: " + "{a: " * 1000 + "1" + "}" * 1000 + "\n", 1, DEEP),
    ("flow-mixed-5000", "visits: " + "[{a: " * 5000 + "1" + "}]" * 5000 + "\n", 1, DEEP),
    ("block-seq-compact-100000", "visits:\n" + "- " * 100_000 + "x\n", 2, DEEP),
    ("complex-keys-10000", "visits:\n" + "? " * 10_000 + "x\n", 2, DEEP),
    # 3. aliases: cycles and expansions
    ("alias-cycle-seq", "visits: &a\n  - *a\n", 2, "'*a' is inside"),
    ("alias-undefined", "visits: *nowhere\n", 1, "'*nowhere' refers to no anchor '&nowhere' defined above it"),
    ("alias-used-before-anchor", "visits: [*later]\nx: &later 1\n", 1, "'*later' refers to no anchor"),
    ("alias-as-key", "visits: []\nother: &k visits\n*k : []\n",
     3, "duplicate key 'visits' (first defined on line 1)"),
    ("merge-key", "visits:\n  - &v {id: a}\n  - <<: *v\n    id: b\n", 3, "merge keys (<<) are not supported"),
    # 4. control characters and noncharacters, in every kind of field
    ("not-utf8", b"visits: []\n# caf\xe9\n", 2, "not valid UTF-8 (byte offset 16)"),
    ("utf16", "visits: []\n".encode("utf-16"), 1, "not valid UTF-8"),
    # 13. YAML features a fact file must not use, and shapes it must not take
    ("set-tag", "visits: !!set {a, b}\n", 1, "unsupported YAML tag"),
    ("binary-tag", "visits: !!binary aGVsbG8=\n", 1, "visits: input should be a valid list"),
    ("top-level-list", "- a\n- b\n", 1, "a fact file must be a mapping of sections"),
    ("top-level-text", "just some words\n", 1, "a fact file must be a mapping of sections"),
    ("collection-key", "visits: []\n? [a, b]\n: c\n", 2, "a key must be a plain name"),
    ("null-section", "visits:\n", 1, "visits: input should be a valid list"),
]
for id, content, line, message in WRITES:
    case(id, write("visits.yaml", content), f"{LOC}visits.yaml:{line}: {message}")


# --- running a case ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A project with a one-section brief kind for quick PDF and DOCX runs. Its facts are
    a frozen copy of the Pakistan-Japan fact base (tests/fixtures/hostile-base/), so that
    the cases' lines and values do not move when the shipped facts are edited."""
    preload()
    project = tmp_path_factory.mktemp("corpus-base")
    shutil.copytree(ROOT / "tests/fixtures/hostile-base/facts", project / "facts")
    shutil.copytree(ROOT / "templates", project / "templates")
    (project / "templates/probe.html.j2").write_text(PROBE, encoding="utf-8")
    (project / "build").mkdir()
    (project / "build/.briefs-output").write_text("briefs' own folder (its marker)\n")
    (project / "build/earlier-output.txt").write_text("a previous good build\n")
    return project


_PLACEHOLDER = re.compile(r"⟦([^|⟧]+)\|([^⟧]+)⟧")


def _line(project: Path, name: str, needle: str) -> str:
    """The line of the first occurrence of needle, lines ending at LF, CRLF or CR."""
    raw = (project / fact(name)).read_bytes().decode("utf-8", "replace")
    for number, line in enumerate(re.split(r"\r\n|\r|\n", raw), start=1):
        if needle in line:
            return str(number)
    raise AssertionError(f"{needle!r} not in {name}")


def test_the_corpus_is_large():
    assert len(CASES) >= 150, len(CASES)
    assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(base, tmp_path, case: Case):
    project = tmp_path / "p"
    shutil.copytree(base, project, symlinks=True)
    case.change(project)
    # Lines are looked up after the change, in the file as the run will read it.
    expected = [_PLACEHOLDER.sub(lambda m: _line(project, m.group(1), m.group(2)), e) for e in case.expect]
    before = tree_digest(project / "build")
    runner = run_subprocess if case.subprocess else run_isolated
    result = runner(project, *case.args, timeout=TIME_LIMIT)
    report = result.describe()
    assert not result.timed_out, f"no result within {TIME_LIMIT} s\n{report}"
    assert result.signal is None, f"killed by signal {result.signal}\n{report}"
    assert "Traceback" not in result.output and "internal error" not in result.output, report
    assert result.code == case.code, report
    assert result.seconds < TIME_LIMIT and result.peak_bytes < MEMORY_LIMIT, report
    for text in expected:
        assert text in result.stderr, f"expected {text!r}\n{report}"
    for text in case.absent:
        assert text not in result.output, f"unexpected {text!r}\n{report}"
    if case.code == 1:
        problems = [line for line in result.stderr.splitlines()
                    if line and not line.startswith("briefs: ") and ": warning: " not in line
                    and ": note: " not in line and not line.startswith(("built ", "ok: "))]
        assert problems, report
        for line in problems:
            assert re.match(r"(facts|templates)(/[^:]*)?(:\d+)?: ", line), f"not located: {line!r}\n{report}"
        if not case.partial:
            assert tree_digest(project / "build") == before, f"a failed run changed build/\n{report}"
