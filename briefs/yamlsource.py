"""Read a YAML file into plain Python data while keeping the line of every key.

PyYAML's constructors forget positions and silently keep the last of two
duplicate keys. We parse with libyaml (safe: no Python object tags), compose the
node tree ourselves without recursion, and build the data, recording for every
path (a tuple of keys and list indexes) the line it starts on, and reporting
duplicate keys.

Hostile files are refused with their line: nesting deeper than ``MAX_DEPTH``
(libyaml's own composer recurses and crashes the interpreter at a few thousand
levels), aliases that contain themselves, more than ``MAX_NODES`` values after
alias expansion ("billion laughs"), control characters, Unicode noncharacters and
raw characters that YAML would silently turn into line breaks. Lines are counted
the way editors count them: LF, CRLF and CR each end a line.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from pathlib import Path
from typing import Any, Iterator

import yaml

from .errors import Location, Problem

MAX_FILE_BYTES = 2 * 1024 * 1024
# Bounds alias expansion: a "billion laughs" file trips this instead of eating memory.
MAX_NODES = 200_000
# A fact base is a few levels deep; anything far deeper is a mistake or an attack.
MAX_DEPTH = 50

Path_ = tuple[Any, ...]

# libyaml's parser is over ten times faster and keeps the same marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_BOOL_TAG = "tag:yaml.org,2002:bool"

# Characters no brief can hold: C0 and C1 controls (tab and line ends aside), DEL, lone
# surrogates and the Unicode noncharacters (U+FDD0..U+FDEF and the last two of every plane;
# astral characters are matched broadly and filtered in ``forbidden``, which is much faster).
_BMP_FORBIDDEN = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
_CANDIDATES = re.compile(f"[{_BMP_FORBIDDEN}]|[\U0001fffe-\U0010ffff]")
# In a file, NEL, LS and PS are refused as well: YAML 1.1 reads them as line breaks and folds
# them into spaces. Written as escapes ("\u2028") inside double quotes they are kept.
_RAW_CANDIDATES = re.compile(f"[{_BMP_FORBIDDEN}\u2028\u2029]|[\U0001fffe-\U0010ffff]")


def forbidden(text: str, raw: bool = False) -> Iterator[re.Match]:
    """Each character of ``text`` that a brief cannot hold (``raw``: as typed in a YAML file)."""
    for match in (_RAW_CANDIDATES if raw else _CANDIDATES).finditer(text):
        if ord(match.group()) < 0x10000 or ord(match.group()) & 0xFFFE == 0xFFFE:
            yield match


_LINE_BREAK = re.compile(r"\r\n?|\n")

_TOO_DEEP = (f"nested more than {MAX_DEPTH} levels deep; a fact base needs only a few"
             " (an unclosed '[' or '{', or runaway indentation?)")


def describe_character(char: str) -> str:
    """Why a character cannot be stored, in words: "the control character U+0007"."""
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        kind = "the lone surrogate"
    elif code in (0x85, 0x2028, 0x2029):
        kind = "the line separator"
    elif code < 0x20 or 0x7F <= code <= 0x9F:
        kind = "the control character"
    else:
        kind = "the Unicode noncharacter"
    return f"{kind} U+{code:04X}"


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
        # SHA-256 of the bytes parsed (set by read_yaml): what a build record says was read.
        self.digest: str | None = None

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


def dotted(path: Path_) -> str:
    """A path as messages print it: ``economy.exports[0].items`` (as briefs.model.dotted)."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else ("." if text else "") + str(part)
    return text


class _Lines:
    """Character offset -> 1-based line, counting LF, CRLF and CR as one line end each."""

    def __init__(self, text: str):
        self.text = text
        self.starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]

    def line(self, index: int) -> int:
        return bisect.bisect_right(self.starts, index)

    def of(self, mark: Any) -> int:
        return self.line(mark.index)

    def content(self, line: int) -> str:
        """The text of a line, without its line end."""
        start = self.starts[line - 1] if 0 < line <= len(self.starts) else len(self.text)
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")


class _Stop(Exception):
    """Composition cannot go on; the problem has been recorded."""


def read_yaml(path: Path, display: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse ``path``; return the document (None on failure) and the problems found."""
    # Refused by its size before it is read, and never read past the limit (a file may grow,
    # or say nothing true of its size): a 1 GB file costs no more memory than a small one.
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [_too_large(size, display)]
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, [Problem(f"cannot read file: {exc.strerror or exc}", Location(display))]
    document, problems = parse_yaml(raw, display)
    if document is not None:
        document.digest = hashlib.sha256(raw).hexdigest()
    return document, problems


def _too_large(size: int, display: str, more: bool = False) -> Problem:
    return Problem(f"file is {'more than ' if more else ''}{size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
                   Location(display))


def parse_yaml(raw: bytes, display: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse the bytes of a YAML file named ``display`` in messages."""
    if len(raw) > MAX_FILE_BYTES:
        return None, [_too_large(MAX_FILE_BYTES if len(raw) == MAX_FILE_BYTES + 1 else len(raw), display,
                                 more=len(raw) == MAX_FILE_BYTES + 1)]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = len(_LINE_BREAK.findall(raw[: exc.start].decode("latin-1"))) + 1
        return None, [Problem(f"not valid UTF-8 (byte offset {exc.start}); save the file as UTF-8",
                              Location(display, line))]
    if text.startswith("\ufeff"):
        text = text[1:]  # a byte-order mark, as some Windows editors write
    lines = _Lines(text)
    problems = [
        Problem(f"contains {describe_character(m.group())}, which documents cannot hold; remove it"
                + (" (or write it as an escape, \"\\u2028\", inside double quotes)"
                   if m.group() in "\u2028\u2029" else ""),
                Location(display, lines.line(m.start())))
        for m in forbidden(text, raw=True)
    ]
    if problems:
        return None, problems[:20]
    reader = _Reader(text, display, lines)
    try:
        data = reader.read()
    except _Stop:
        return None, reader.problems
    except yaml.MarkedYAMLError as exc:
        return None, [syntax_problem(exc, lines, display)]
    except yaml.reader.ReaderError as exc:  # pragma: no cover - characters are checked above
        character = chr(exc.character) if isinstance(exc.character, int) else exc.character
        return None, [Problem(f"contains {describe_character(character)}, which documents cannot hold",
                              Location(display, lines.line(exc.position)))]
    except yaml.YAMLError as exc:  # pragma: no cover - libyaml marks nearly everything
        return None, [Problem(f"YAML error: {' '.join(str(exc).split())}", Location(display))]
    return YamlDocument(display, data, reader.lines, reader.ends, text), reader.problems


_SCALAR_TAGS = {"tag:yaml.org,2002:" + name for name in
                ("null", "bool", "int", "float", "binary", "timestamp", "str")}
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_SKIP = object()  # a value read but not kept (under a duplicate or refused key)


class _Frame:
    """A mapping or list being read."""

    __slots__ = ("value", "path", "depth", "size", "anchor", "mapping", "key", "has_key",
                 "key_line", "first_line", "skip_value", "is_key", "line", "height")

    def __init__(self, value, path, depth, anchor, mapping, is_key, line):
        self.value, self.path, self.depth, self.anchor = value, path, depth, anchor
        self.mapping, self.is_key, self.line = mapping, is_key, line
        self.size = 1
        # Levels of lists and mappings from this one down to the deepest inside it.
        self.height = 1
        self.key, self.has_key, self.key_line, self.skip_value = None, False, 0, False
        self.first_line: dict[Any, int] = {}


def _end_line(event, first: int) -> int:
    # end_mark sits just past the value: on the next line (column 0) after a block.
    return max(event.end_mark.line + (1 if event.end_mark.column else 0), first)


class _Reader:
    """libyaml events -> plain data and the line of every path, in one pass and without
    recursion (libyaml's own composer recurses: deep nesting crashes the interpreter).

    An alias shares the value of its anchor (it is not copied); the values it adds are
    counted, so a "billion laughs" file stops at ``MAX_NODES``. Paths inside an alias are
    located at the alias."""

    def __init__(self, text: str, display: str, lines: _Lines):
        self.text, self.display, self.text_lines = text, display, lines
        self.problems: list[Problem] = []
        self.lines: dict[Path_, int] = {}
        self.ends: dict[Path_, int] = {}
        self.nodes = 0
        self.constructor = yaml.SafeLoader("")
        # anchor -> (value, number of values in it, levels of lists and mappings in it)
        self.anchors: dict[str, tuple[Any, int, int]] = {}
        self.open_anchors: set[str] = set()

    def _problem(self, message: str, line: int) -> None:
        self.problems.append(Problem(message, Location(self.display, line)))

    def _stop(self, message: str, line: int) -> None:
        self._problem(message, line)
        raise _Stop()

    def read(self) -> Any:
        loader = _LOADER(self.text)
        try:
            return self._read(loader)
        finally:
            loader.dispose()

    def _count(self, added: int, line: int) -> None:
        self.nodes += added
        if self.nodes > MAX_NODES:
            self._stop(f"more than {MAX_NODES:,} values (runaway aliases?); refusing to expand", line)

    def _read(self, loader) -> Any:
        # Long on purpose: one loop over every event of every fact file, with the event
        # classes in locals and no call per event, since it runs for each value of the
        # fact base (and of an alias bomb, up to the limit).
        stack: list[_Frame] = []
        root: Any = None
        documents = 0
        ScalarEvent, AliasEvent = yaml.ScalarEvent, yaml.AliasEvent
        SequenceStartEvent, MappingStartEvent = yaml.SequenceStartEvent, yaml.MappingStartEvent
        SequenceEndEvent, MappingEndEvent = yaml.SequenceEndEvent, yaml.MappingEndEvent
        resolve = loader.resolve
        lines = self.lines

        while loader.check_event():
            event = loader.get_event()
            kind = type(event)
            if kind is ScalarEvent or kind is AliasEvent:
                line = event.start_mark.line + 1
                if kind is ScalarEvent:
                    tag = event.tag
                    if tag is None or tag == "!":
                        tag = resolve(yaml.ScalarNode, event.value, event.implicit)
                    value = self._scalar(tag, event, line, stack[-1] if stack else None)
                    size, depth = 1, 0
                    if event.anchor is not None:
                        self.anchors[event.anchor] = (value, 1, 0)
                else:
                    name = event.anchor
                    if name in self.open_anchors:
                        self._stop(f"'*{name}' is inside the value anchored as '&{name}' it refers"
                                   " to: the value would contain itself", line)
                    if name not in self.anchors:
                        self._stop(f"'*{name}' refers to no anchor '&{name}' defined above it", line)
                    value, size, depth = self.anchors[name]
                self._count(size, line)
                if not stack:
                    root = value
                    lines.setdefault((), line)
                    continue
                frame = stack[-1]
                if depth:
                    if frame.depth + depth >= MAX_DEPTH:
                        self._stop(f"aliases nest values more than {MAX_DEPTH} levels deep;"
                                   " refusing to expand", line)
                    frame.height = max(frame.height, depth + 1)
                frame.size += size
                end = _end_line(event, line)
                if not frame.mapping:
                    path = frame.path + (len(frame.value),)
                    lines[path] = line
                    self.ends[path] = end
                    frame.value.append(value)
                elif frame.has_key:
                    self.ends[frame.path + (frame.key,)] = end
                    self._set(frame, value, line)
                else:
                    self._key(frame, value, tag if kind is ScalarEvent else None, line)
            elif kind is SequenceStartEvent or kind is MappingStartEvent:
                line = event.start_mark.line + 1
                mapping = kind is MappingStartEvent
                if len(stack) >= MAX_DEPTH:
                    self._stop(_TOO_DEEP, line)
                tag = event.tag
                if tag is None or tag == "!":
                    tag = resolve(yaml.MappingNode if mapping else yaml.SequenceNode, None, event.implicit)
                if tag != (_MAP_TAG if mapping else _SEQ_TAG):
                    self._problem(f"unsupported YAML tag {tag}", line)
                self._count(1, line)
                if stack:
                    parent = stack[-1]
                    is_key = parent.mapping and not parent.has_key
                    if parent.mapping and parent.has_key:
                        path = parent.path + (parent.key,)
                    elif not parent.mapping:
                        path = parent.path + (len(parent.value),)
                    else:
                        path = parent.path + ("<key>",)
                    depth = parent.depth + 1
                else:
                    is_key, path, depth = False, (), 0
                if not is_key and path not in lines:
                    lines[path] = line
                frame = _Frame({} if mapping else [], path, depth, event.anchor, mapping, is_key, line)
                if event.anchor is not None:
                    self.open_anchors.add(event.anchor)
                stack.append(frame)
            elif kind is SequenceEndEvent or kind is MappingEndEvent:
                frame = stack.pop()
                if not frame.is_key:
                    self.ends[frame.path] = _end_line(event, frame.line)
                if frame.anchor is not None:
                    self.open_anchors.discard(frame.anchor)
                    self.anchors[frame.anchor] = (frame.value, frame.size, frame.height)
                if not stack:
                    root = frame.value
                    continue
                parent = stack[-1]
                parent.size += frame.size
                parent.height = max(parent.height, frame.height + 1)
                if frame.is_key:
                    self._problem("a key must be a plain name", frame.line)
                    parent.key, parent.has_key, parent.skip_value = None, True, True
                elif not parent.mapping:
                    parent.value.append(frame.value)
                else:
                    self._set(parent, frame.value, frame.line)
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    self._stop("a second YAML document ('---') in one file; a fact file holds one"
                               " document (remove the '---' line or split the file)",
                               event.start_mark.line + 1)
        lines.setdefault((), 1)
        return {} if root is None else root

    def _key(self, frame: _Frame, key: Any, tag: str | None, line: int) -> None:
        frame.has_key, frame.key_line, frame.skip_value = True, line, False
        frame.key = key
        if tag == _MERGE_TAG:
            self._problem("merge keys (<<) are not supported; write the fields out", line)
            frame.skip_value = True
            return
        try:
            hash(key)
        except TypeError:
            self._problem("a key must be a plain name", line)
            frame.skip_value = True
            return
        first = frame.first_line.get(key)
        if first is not None:
            self._problem(f"duplicate key {key!r} (first defined on line {first})", line)
            frame.skip_value = True
            return
        frame.first_line[key] = line
        # The key's own line is more useful than the value's when the value is a block.
        self.lines[frame.path + (key,)] = line

    def _set(self, frame: _Frame, value: Any, line: int) -> None:
        if not frame.skip_value:
            frame.value[frame.key] = value
        frame.key, frame.has_key, frame.skip_value = None, False, False

    def _scalar(self, tag: str, event: Any, line: int, frame: _Frame | None) -> Any:
        value = event.value
        bad = None if value.isascii() and value.isprintable() else next(forbidden(value), None)
        if bad:  # written as an escape ("\u0007"): raw ones were refused before parsing
            if frame is None:
                where = ""
            elif not frame.mapping:
                where = dotted(frame.path + (len(frame.value),)) + ": "
            elif frame.has_key:
                where = dotted(frame.path + (frame.key,)) + ": "
            else:
                where = (dotted(frame.path) + ": a key " if frame.path else "a key ")
            self._problem(f"{where}contains {describe_character(bad.group())}, which documents"
                          " cannot hold", line)
            # Kept readable (and never printed: the build stops) so that validation goes on.
            return "".join("\ufffd" if next(forbidden(c), None) else c for c in value)
        if tag == _STR_TAG:
            return value
        if tag == _BOOL_TAG and value.lower() not in ("true", "false"):
            # YAML 1.1 reads yes/no/on/off as booleans: Norway's code NO would become False.
            return value
        if tag == _MERGE_TAG:
            return value
        if tag not in _SCALAR_TAGS:
            self._problem(f"unsupported YAML tag {tag}", line)
            return None
        node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark, style=event.style)
        try:
            return self.constructor.yaml_constructors[tag](self.constructor, node)
        except yaml.constructor.ConstructorError as exc:
            self._problem(f"cannot read value: {exc.problem}", line)
            return None
        except (ValueError, OverflowError) as exc:  # e.g. 2023-02-30 looks like a date but is none
            shown = repr(value) if len(value) <= 40 else repr(value[:30]) + f"... ({len(value):,} characters)"
            reason = str(exc).split(":")[0] if "integer string conversion" in str(exc) else exc
            if tag.endswith(":timestamp"):
                self._problem(f"{shown} is not a real date: {reason}", line)
            else:
                self._problem(f"invalid value {shown}: {reason}", line)
            return None


# --- syntax errors in plain words -------------------------------------------------------


def syntax_problem(exc: yaml.MarkedYAMLError, lines: _Lines, display: str) -> Problem:
    """libyaml's complaint, said the way a desk officer can act on, at the line to fix."""
    # Long: one branch per libyaml complaint, tested in order; most look at the text
    # around the error (its line, column, indentation), which the helpers below share.
    problem = exc.problem or ""
    context = exc.context or ""
    at = exc.problem_mark or exc.context_mark
    line = lines.of(at) if at is not None else None
    context_line = lines.of(exc.context_mark) if exc.context_mark is not None else line
    text = lines.content(line) if line else ""
    column = (at.index - lines.starts[line - 1]) if line else 0
    char = lines.text[at.index] if at is not None and at.index < len(lines.text) else ""
    message = None

    def indent(n: int) -> int:
        """Where the line's content starts, after its indentation and any '- ' of a list item."""
        content = lines.content(n)
        return len(content) - len(re.sub(r"^[ ]*(-[ ]+)*", "", content))

    def previous(n: int) -> int | None:
        for m in range(n - 1, 0, -1):
            stripped = lines.content(m).strip()
            if stripped and not stripped.startswith("#"):
                return m
        return None

    def misaligned(what: str = "") -> str:
        what = what or ("key" if re.match(r"\s*[^\s#\-][^:]*:(\s|$)", text) else "line")
        before = previous(line)
        detail = f"it starts in column {indent(line) + 1}"
        if before is not None:
            detail += f"; line {before} starts in column {indent(before) + 1}"
        return (f"indentation: this {what} is not aligned with the keys above it ({detail});"
                " the keys of one mapping start in the same column")

    if "maximum nesting depth" in problem:
        # PyYAML 6.0.3 and later bundle a libyaml whose scanner stops at 1,000 levels, before
        # our own limit sees the events: the message is ours whichever PyYAML is installed.
        return Problem(_TOO_DEEP, Location(display, line))
    if "mapping values are not allowed" in problem:
        head = text[:column]
        if re.search(r":(\s|$)", head.split("#", 1)[0]):
            message = ("a second ': ' on this line; if the value contains ': ', put it in quotes"
                       " (key: \"a: b\")")
        else:
            message = misaligned()
    elif "did not find expected key" in problem:
        if context_line == line or column > indent(line):
            message = "text after the end of the value; put the whole value in quotes"
        elif char == "-":
            message = ("a list item ('- ...') where a key was expected: indent it under its key,"
                       " or align it with the items above")
        else:
            message = misaligned()
    elif "did not find expected '-' indicator" in problem:
        message = misaligned()
    elif "could not find expected ':'" in problem:
        line = context_line
        message = ("this line has no ':' after its key; a mapping line reads 'key: value'"
                   " (or indent it further to continue the text above)")
    elif "tab character" in problem:
        message = "a tab character; indent with spaces, not tabs"
    elif "cannot start any token" in problem:
        if char == "\t":
            message = "a tab character; indent with spaces, not tabs"
        else:
            message = f"a value cannot start with '{char}'; put the value in quotes"
    elif "did not find expected ',' or" in problem:
        closing = "]" if "sequence" in context else "}"
        opening = "[" if closing == "]" else "{"
        if context_line == line:
            message = (f"inside '{opening} {closing}', separate items with ', ' and quote an item that"
                       " contains ':', '#', ',' or brackets")
        else:
            line = context_line
            message = f"'{opening}' opened on this line is not closed by '{closing}' (or a ',' is missing)"
    elif "found unexpected end of stream" in problem and "quoted scalar" in context:
        line = context_line
        message = "the quotation mark opened on this line is never closed"
    elif "unknown escape character" in problem:
        message = ("an unknown escape after '\\' in double quotes; write '\\\\' for a backslash,"
                   " or use single quotes")
    elif "invalid Unicode character escape" in problem:
        message = ("an escape that names no character: \\uD800 to \\uDFFF are halves of a UTF-16 pair;"
                   " write the character itself, or its code with eight digits (\\U0001F600)")
    elif "while scanning an anchor" in context or "while scanning an alias" in context:
        message = ("'&' and '*' start YAML anchors and aliases; put a value starting with them in"
                   " quotes")
    elif "while scanning a tag" in context:
        message = "'!' starts a YAML tag; put a value starting with '!' in quotes"
    elif "while scanning a block scalar" in context:
        message = "after '|' or '>' only a comment or the end of the line may follow"
    elif "directive" in context:
        message = "'%' at the start of a line starts a YAML directive; put the value in quotes"
    elif "found unexpected end of stream" in problem:
        message = "the file ends in the middle of a value"
    if message is None:
        message = f"{context}: {problem}" if context else (problem or "invalid YAML")
    return Problem(f"YAML syntax error: {message}", Location(display, line))
