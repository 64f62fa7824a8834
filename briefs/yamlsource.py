"""Read a YAML file into plain Python data while keeping the line of every key.

PyYAML's constructors forget positions and silently keep the last of two
duplicate keys. We compose the node tree with the safe loader (no Python object
tags) and build the data ourselves, recording for every path (a tuple of keys and
list indexes) the line it starts on, and reporting duplicate keys.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .errors import Location, Problem

MAX_FILE_BYTES = 2 * 1024 * 1024
# Bounds alias expansion: a "billion laughs" file trips this instead of eating memory.
MAX_NODES = 200_000

Path_ = tuple[Any, ...]

# libyaml's parser is over ten times faster and keeps the same marks (line numbers).
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_BOOL_TAG = "tag:yaml.org,2002:bool"


class YamlDocument:
    """The data of one YAML file plus the line each path starts on."""

    def __init__(self, file: str, data: Any, lines: dict[Path_, int],
                 ends: dict[Path_, int] | None = None, source: str = ""):
        self.file = file
        self.data = data
        self.lines = lines
        # The last line of each value, and the file's text: to find a word inside a value.
        self.ends = ends or {}
        self.source = source

    def location(self, path: Path_) -> Location:
        """The location of the longest prefix of ``path`` that exists in the file."""
        best: Path_ = ()
        for element in path:
            candidate = best + (element,)
            if candidate in self.lines:
                best = candidate
            # Elements not in the file (pydantic's union tags, a missing key) are skipped.
        return Location(self.file, self.lines.get(best, 1))

    def location_of_text(self, path: Path_, needle: str) -> Location:
        """The line inside the value at ``path`` (e.g. a folded ``text: >-`` block) where
        ``needle`` is written; the value's own line when it cannot be found there."""
        location = self.location(path)
        if path not in self.lines or not needle or not self.source:
            return location
        lines = self.source.splitlines()
        first = self.lines[path]
        last = max(self.ends.get(path, first), first)
        folded = needle.casefold()
        for number in range(first, min(last, len(lines)) + 1):
            if folded in lines[number - 1].casefold():
                return Location(self.file, number)
        # A needle folded across two lines: look for its words, those with digits first.
        words = sorted(folded.split(), key=lambda word: not any(c.isdigit() for c in word))
        for word in words:
            for number in range(first, min(last, len(lines)) + 1):
                if word in lines[number - 1].casefold():
                    return Location(self.file, number)
        return location

    def location_of_word(self, path: Path_, index: int) -> Location:
        """The line of the ``index``-th word (0-based, letters and digits) of the text value
        at ``path``: where a passage spread over several lines goes wrong."""
        location = self.location(path)
        if path not in self.lines or not self.source:
            return location
        lines = self.source.splitlines()
        first = self.lines[path]
        last = min(max(self.ends.get(path, first), first), len(lines))
        count = 0
        for number in range(first, last + 1):
            line = lines[number - 1]
            if number == first:
                # Skip the key ("fo-brief:") or the list dash, and a block indicator (">-").
                if isinstance(path[-1], str):
                    line = re.sub(r"^\s*(?:-\s+)?[^:]*?:(?=\s|$)", "", line, count=1)
                else:
                    line = re.sub(r"^\s*-(?=\s|$)", "", line, count=1)
                line = re.sub(r"^\s*[>|][-+0-9]*\s*$", "", line)
            if line.lstrip().startswith("#"):
                continue
            words = len(_VALUE_WORD.findall(line))
            if count + words > index:
                return Location(self.file, number)
            count += words
        return location


_VALUE_WORD = re.compile(r"[^\W_]+")


def read_yaml(path: Path, display: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse ``path``; return the document (None on failure) and the problems found."""
    problems: list[Problem] = []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(f"cannot read file: {exc.strerror}", Location(display))]
    if len(raw) > MAX_FILE_BYTES:
        return None, [
            Problem(
                f"file is {len(raw):,} bytes; the limit is {MAX_FILE_BYTES:,}",
                Location(display),
            )
        ]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            Problem(
                f"not valid UTF-8 (byte offset {exc.start}); save the file as UTF-8",
                Location(display, line),
            )
        ]
    try:
        node = yaml.compose(text, Loader=_COMPOSER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or "invalid YAML"
        if exc.context:
            what = f"{exc.context}: {what}"
        return None, [Problem(f"YAML syntax error: {what}", Location(display, line))]
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        character = exc.character if isinstance(exc.character, str) else chr(exc.character)
        return None, [Problem(
            f"the character U+{ord(character):04X} is not allowed in a YAML file (control characters"
            " cannot be stored)", Location(display, line))]
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML marks nearly everything
        return None, [Problem(f"YAML error: {' '.join(str(exc).split())}", Location(display))]
    if node is None:
        return YamlDocument(display, {}, {(): 1}), []
    builder = _Builder(display, problems)
    data = builder.build(node, ())
    return YamlDocument(display, data, builder.lines, builder.ends, text), problems


class _Builder:
    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = problems
        self.lines: dict[Path_, int] = {}
        self.ends: dict[Path_, int] = {}
        self.nodes = 0
        self.constructor = yaml.SafeLoader("")

    def _problem(self, message: str, node: yaml.Node) -> None:
        self.problems.append(Problem(message, Location(self.file, node.start_mark.line + 1)))

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            if self.nodes == MAX_NODES + 1:
                self._problem(
                    f"more than {MAX_NODES:,} values (runaway aliases?); refusing to expand",
                    node,
                )
            return None
        self.lines.setdefault(path, node.start_mark.line + 1)
        # end_mark sits just past the value: on the next line (column 0) after a block.
        end = node.end_mark.line + (1 if node.end_mark.column else 0)
        self.ends[path] = max(end, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                self._problem(f"unsupported YAML tag {node.tag}", node)
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                self._problem(f"unsupported YAML tag {node.tag}", node)
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        if node.tag == _BOOL_TAG and node.value.lower() not in ("true", "false"):
            # YAML 1.1 reads yes/no/on/off as booleans: Norway's code NO would become False.
            return node.value
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            self._problem(f"cannot read value: {exc.problem}", node)
            return None
        except ValueError as exc:  # e.g. 2023-02-30 matches the date pattern but is no date
            self._problem(f"invalid value {node.value!r}: {exc}", node)
            return None

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._problem("merge keys (<<) are not supported; write the fields out", key_node)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem("a key must be a plain name", key_node)
                continue
            key = self.build(key_node, path + ("<key>",))
            try:
                hash(key)
            except TypeError:
                self._problem("a key must be a plain name", key_node)
                continue
            line = key_node.start_mark.line + 1
            if key in first_line:
                self._problem(
                    f"duplicate key {key!r} (first defined on line {first_line[key]})", key_node
                )
                continue
            first_line[key] = line
            self.lines[path + (key,)] = line
            result[key] = self.build(value_node, path + (key,))
            # The key's own line is more useful than the value's when the value is a block.
            self.lines[path + (key,)] = line
        self.lines.pop(path + ("<key>",), None)
        return result
