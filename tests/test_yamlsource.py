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
