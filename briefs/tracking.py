"""Record which facts a template reads, so a brief is rebuilt only when those change.

Templates receive the fact base wrapped in proxies. Reading a plain value (text,
a date, a number) records its path, e.g. ``("economy", "trade", "partner_rank",
"rank")``; iterating over or counting a list records the list's path as a
whole, since the brief then depends on every item and on their number. The
build stores a hash of the value at each recorded path with each output.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterator

from pydantic import BaseModel

from .edition import Release, desk_only
from .isolate import FactText

Path_ = tuple[Any, ...]
_PROXY_CLASSES: dict[type, type] = {}


class Withheld(Exception):
    """A template needed a fact whose marking is above the edition being built."""

    def __init__(self, path: Path_, marking: str, release: str):
        super().__init__(path)
        self.path, self.marking, self.release = path, marking, release


class Internal(Exception):
    """An outgoing edition's template read a field only the desk's working edition may show
    (a source's desk note, a freshness limit: :func:`briefs.edition.desk_only`)."""

    def __init__(self, path: Path_):
        super().__init__(path)
        self.path = path


class ReadLog(set):
    """The paths a render read; remembers the last one that held nothing (None)."""

    last_missing: Path_ | None = None
    release: Release | None = None
    # Set while an outgoing edition's templates run: reading an internal field is an error.
    outgoing: bool = False


def _hidden(log: set, value: Any, in_list: Path_ = ()) -> bool:
    release = getattr(log, "release", None)
    return release is not None and not release.shows(value, in_list)


def track(value: Any, log: set[Path_], path: Path_ = ()) -> Any:
    """Wrap ``value`` so that what a template reads of it is added to ``log``."""
    if value is None and isinstance(log, ReadLog):
        log.last_missing = path
    if isinstance(value, BaseModel):
        cls = type(value)
        proxy = _PROXY_CLASSES.get(cls)
        if proxy is None:
            # Named like the model so that Jinja's "X object has no attribute" messages
            # still name the fact's own type.
            proxy = type(cls.__name__, (_ModelProxy,), {"__module__": cls.__module__})
            _PROXY_CLASSES[cls] = proxy
        return proxy(value, path, log)
    if isinstance(value, (list, tuple)):
        return _ListProxy(value, path, log)
    log.add(path)
    # Text from the fact base is marked as such: printed, it is set in its own bidi isolate.
    return FactText(value) if type(value) is str else value


def unwrap(value: Any) -> Any:
    return value._value if isinstance(value, (_ModelProxy, _ListProxy)) else value


class _ModelProxy:
    __slots__ = ("_value", "_path", "_log")

    def __init__(self, value: BaseModel, path: Path_, log: set[Path_]):
        self._value, self._path, self._log = value, path, log

    def __getattr__(self, name: str) -> Any:
        release = getattr(self._log, "release", None)
        if release is not None:
            marking = release.withheld(self._value)
            if marking is not None:
                raise Withheld(self._path, marking, release.level)
        if getattr(self._log, "outgoing", False) and desk_only(self._path + (name,)):
            raise Internal(self._path + (name,))
        return track(getattr(self._value, name), self._log, self._path + (name,))

    def __bool__(self) -> bool:
        # A fact the edition may not show reads as absent, so {% if %} guards skip it. The
        # answer depends on the fact being there and on its marking: record both.
        if "marking" in type(self._value).model_fields:
            self._log.add(self._path + ("marking",))
        if "sources" in type(self._value).model_fields:
            self._log.add(self._path + ("sources",))  # a fact none of whose sources show is left out
        return not _hidden(self._log, self._value)

    def __eq__(self, other: Any) -> bool:
        self._log.add(self._path)
        return self._value == unwrap(other)

    def __hash__(self) -> int:
        return hash(self._value)

    def __str__(self) -> str:
        self._log.add(self._path)
        return str(self._value)


class _ListProxy:
    __slots__ = ("_value", "_path", "_log")

    def __init__(self, value: list | tuple, path: Path_, log: set[Path_]):
        self._value, self._path, self._log = value, path, log

    def _visible(self) -> list[tuple[int, Any]]:
        """(original index, item) for the items this edition may show."""
        return [(i, item) for i, item in enumerate(self._value) if not _hidden(self._log, item, self._path)]

    def __iter__(self) -> Iterator[Any]:
        self._log.add(self._path)
        for index, item in self._visible():
            yield track(item, self._log, self._path + (index,))

    def __len__(self) -> int:
        self._log.add(self._path)
        return len(self._visible())

    def __bool__(self) -> bool:
        self._log.add(self._path)
        return bool(self._visible())

    def __getitem__(self, index: Any) -> Any:
        visible = self._visible()
        if isinstance(index, slice):
            self._log.add(self._path)
            return [track(item, self._log, self._path + (i,)) for i, item in visible[index]]
        original, item = visible[index]
        return track(item, self._log, self._path + (original,))

    def __contains__(self, item: Any) -> bool:
        self._log.add(self._path)
        return unwrap(item) in [value for _, value in self._visible()]

    def __str__(self) -> str:
        self._log.add(self._path)
        return str(self._value)


def value_at(root: BaseModel, path: Path_) -> Any:
    value: Any = root
    for part in path:
        if isinstance(part, int):
            try:
                value = value[part]
            except (IndexError, TypeError):
                return "<missing>"
        else:
            value = getattr(value, part, "<missing>")
    return value


def fingerprint(value: Any) -> str:
    """A stable hash of a fact value (a model, a list or a plain value)."""
    if isinstance(value, BaseModel):
        data: Any = value.model_dump(mode="json")
    elif isinstance(value, (list, tuple)):
        data = [v.model_dump(mode="json") if isinstance(v, BaseModel) else str(v) for v in value]
    else:
        data = str(value) if not isinstance(value, (int, float, bool, type(None))) else value
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def prune(paths: set[Path_]) -> list[Path_]:
    """Drop paths inside another recorded path: a whole list already covers its items."""
    kept = []
    for path in sorted(paths, key=lambda p: (len(p), repr(p))):
        if not any(path[:n] in paths for n in range(len(path))):
            kept.append(path)
    return sorted(kept, key=repr)


def digest(root: BaseModel, paths: list[Path_]) -> str:
    """One hash over the values at ``paths``: equal digests mean the brief read the same facts."""
    sha = hashlib.sha256()
    for path in paths:
        sha.update(fingerprint(value_at(root, tuple(path))).encode() + b"\0")
    return sha.hexdigest()[:32]
