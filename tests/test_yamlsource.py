"""The position-keeping YAML reader."""

from __future__ import annotations

from briefs.yamlsource import MAX_NODES, read_yaml


def read(tmp_path, text: str | bytes):
    path = tmp_path / "f.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return read_yaml(path, "f.yaml")


def test_lines_of_keys_and_items(tmp_path):
    doc, problems = read(tmp_path, "a:\n  b: 1\n  c:\n    - x\n    - y: 2\n")
    assert problems == []
    assert doc.data == {"a": {"b": 1, "c": ["x", {"y": 2}]}}
    assert doc.location(("a", "b")).line == 2
    assert doc.location(("a", "c", 1, "y")).line == 5
    # A path that goes past the data falls back to its longest existing prefix.
    assert doc.location(("a", "c", 1, "missing")).line == 5


def test_duplicate_keys_are_errors_with_both_lines(tmp_path):
    _, problems = read(tmp_path, "a: 1\nb: 2\na: 3\n")
    assert [str(p) for p in problems] == ["f.yaml:3: duplicate key 'a' (first defined on line 1)"]


def test_python_tags_are_refused(tmp_path):
    _, problems = read(tmp_path, "a: !!python/object/apply:os.system ['true']\n")
    assert problems and problems[0].location.line == 1


def test_alias_bombs_stop_early(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]")
    _, problems = read(tmp_path, "\n".join(lines) + "\n")
    assert any(f"more than {MAX_NODES:,} values" in p.message for p in problems)


def test_non_utf8_names_the_line(tmp_path):
    _, problems = read(tmp_path, b"a: 1\nb: caf\xe9\n")
    assert problems[0].location.line == 2 and "UTF-8" in problems[0].message


def test_only_true_and_false_are_booleans(tmp_path):
    doc, problems = read(tmp_path, "code: NO\nanswer: yes\nflag: true\nother: False\n")
    assert problems == []
    assert doc.data == {"code": "NO", "answer": "yes", "flag": True, "other": False}


# --- hostile structure, line endings, plain-words syntax errors --------------------------

import pytest

from briefs.yamlsource import MAX_DEPTH, parse_yaml


def parse(text: str | bytes):
    return parse_yaml(text if isinstance(text, bytes) else text.encode("utf-8"), "f.yaml")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_lines_are_exact_for_lf_crlf_and_cr(newline):
    text = newline.join(["# comment", "a:", "  b: 1", "", "  c:", "    - x", "    - y: 2", "d: 3", "d: 4", ""])
    doc, problems = parse(text)
    assert doc.location(("a", "b")).line == 3
    assert doc.location(("a", "c", 1, "y")).line == 7
    assert [str(p) for p in problems] == ["f.yaml:9: duplicate key 'd' (first defined on line 8)"]
    _, problems = parse(text.replace("y: 2", "y: [2"))
    assert problems[0].location.line == 7 and "'[' opened on this line" in problems[0].message
    _, problems = parse(text.encode().replace(b"y: 2", b"y: \xff"))
    assert problems[0].location.line == 7 and "UTF-8" in problems[0].message
    _, problems = parse(text.replace("y: 2", "y: \x07"))
    assert problems[0].location.line == 7 and "U+0007" in problems[0].message


def test_yaml_line_breaks_that_editors_do_not_show_are_refused():
    # NEL, LS and PS would silently become spaces and shift every line number after them.
    for char in ("\x85", "\u2028", "\u2029"):
        _, problems = parse(f"a: 1\nb: x{char}y\nc: 3\n")
        assert problems and problems[0].location.line == 2, char
    doc, problems = parse('a: "x\\Ly"\n')  # as an escape it is kept
    assert problems == [] and doc.data == {"a": "x\u2028y"}


@pytest.mark.parametrize("text", [
    "a: " + "[" * 100_000 + "]" * 100_000,
    "a: " + "{b: " * 100_000 + "1" + "}" * 100_000,
    "a:\n" + "- " * 100_000 + "x",
    "".join(" " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 5)) + " " * (MAX_DEPTH + 5) + "x",
])
def test_deep_nesting_is_a_located_error(text):
    doc, problems = parse(text + "\n")
    assert doc is None and len(problems) == 1
    assert f"nested more than {MAX_DEPTH} levels deep" in problems[0].message
    assert problems[0].location.line is not None


def test_nesting_up_to_the_limit_reads():
    doc, problems = parse("a: " + "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1) + "\n")
    assert problems == [] and doc is not None


@pytest.mark.parametrize("text, line", [
    ("a: &x [1, *x]\n", 1), ("a: &x\n  b: *x\n", 2), ("a: &x\n  - &y\n    - *x\n", 3),
])
def test_alias_cycles_are_located_errors(text, line):
    doc, problems = parse(text)
    assert doc is None and problems[0].location.line == line
    assert "would contain itself" in problems[0].message


def test_aliases_share_and_count_their_values():
    doc, problems = parse("a: &x [1, 2]\nb: *x\n")
    assert problems == [] and doc.data == {"a": [1, 2], "b": [1, 2]}
    assert doc.location(("b", 1)).line == 2  # inside an alias: located at the alias
    _, problems = parse("a: [*nowhere]\n")
    assert "'*nowhere' refers to no anchor" in problems[0].message


@pytest.mark.parametrize("text, line, says", [
    ("a:\n  b: 1\n c: 2\n", 3, "indentation: this key is not aligned with the keys above it"),
    ("a:\n  b: 1\n   c: 2\n", 3, "indentation: this key is not aligned with the keys above it"),
    ("a:\n  - id: x\n     t: 1\n", 3, "indentation: this key is not aligned"),
    ("a: b: c\n", 1, "a second ': ' on this line"),
    ("a:\n  - x\n - y\n", 3, "a list item ('- ...') where a key was expected"),
    ("a: 1\nb\nc: 2\n", 2, "this line has no ':' after its key"),
    ("a:\n\tb: 1\n", 2, "a tab character"),
    ("a: [1, 2\nb: 3\n", 1, "'[' opened on this line is not closed by ']'"),
    ("a: {x: 1\nb: 3\n", 1, "'{' opened on this line is not closed by '}'"),
    ('a: "abc\nb: 3\n', 1, "the quotation mark opened on this line is never closed"),
    ('a: "x" y\n', 1, "text after the end of the value"),
    ('a: "x\\qy"\n', 1, "an unknown escape"),
    ("a: @x\n", 1, "a value cannot start with '@'"),
    ("a: 1\n---\nb: 2\n", 2, "a second YAML document"),
])
def test_syntax_errors_in_plain_words(text, line, says):
    _, problems = parse(text)
    assert len(problems) == 1 and problems[0].location.line == line, problems
    assert says in problems[0].message, problems[0].message
    assert "did not find expected" not in problems[0].message
    assert "mapping values are not allowed" not in problems[0].message
