"""Editions: who a brief is for, and what it may therefore show. Every rule here is decided
nowhere else; the renderer, the template proxies, the attachments, the changes section,
validation, the plan, the index and the bundle all ask this module.

- **The marking order** (:class:`Markings`): ``metadata.markings``, lowest first; a fact
  without a marking of its own takes ``metadata.marking``, and so does a source.
- **The release rule** (:class:`Release`): an edition released at a level shows a fact
  only if the fact is marked at or below the level *and* at least one of its sources is;
  it prints a source (its title, publisher, address, note, document) only if the source
  is marked at or below the level. So a PUBLIC edition leaves out a RESTRICTED fact, and
  never names a RESTRICTED source, even one a PUBLIC fact cites beside a PUBLIC one.
- **The desk-only fields** (:func:`desk_only`): what only the desk's *working* edition
  shows (a source's note, the freshness policy, a fact's passages and inferences);
  an *outgoing* edition may not read them, and nothing attached to a brief carries them.
- **A brief's identity** (:class:`BriefId`, :class:`Edition`): relationship, kind,
  perspective, release, audience, as a value: it gives the brief's output path, its key in
  the build record and the index, and its label. Nothing splits a path to recover it.

Planning imports this module before the fact model is loaded, so it imports no pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

Path_ = tuple[Any, ...]

# --- the desk's own fields ----------------------------------------------------------------

# Fields of any fact or source that record the desk's working rather than what the fact
# says: the passages a fact rests on, what the desk inferred, the desk's note on a source.
_DESK_FIELDS = frozenset({"evidence", "inferred", "note"})
# Whole sections of the fact base for the desk's eyes only: the freshness policy.
_DESK_SECTIONS = frozenset({"freshness"})


def desk_only(path: Path_) -> bool:
    """Whether the value at ``path`` (e.g. ``("sources", 2, "note")``) is for the desk's
    working edition only: an outgoing edition may not print it, nor may any attachment."""
    return bool(path) and (path[0] in _DESK_SECTIONS or any(
        isinstance(part, str) and part in _DESK_FIELDS for part in path[1:]))


# --- the marking order and the release rule -------------------------------------------------


def is_fact(model: Any) -> bool:
    """A fact is anything that cites sources (and so may carry a marking of its own)."""
    return isinstance(model, _model_classes()[0])


def _is_source(model: Any) -> bool:
    return isinstance(model, _model_classes()[1])


_MODEL_CLASSES: tuple[type, type] | None = None


def _model_classes() -> tuple[type, type]:
    """(Cited, Source), imported when first asked: only ever about facts already loaded."""
    global _MODEL_CLASSES
    if _MODEL_CLASSES is None:
        from .model import Cited, Source

        _MODEL_CLASSES = (Cited, Source)
    return _MODEL_CLASSES


class Markings:
    """The one marking order of a fact base: ``metadata.markings``, lowest first."""

    def __init__(self, order: Iterable[str], default: str):
        self.order = list(order)
        self.default = default
        self._rank = {name: index for index, name in enumerate(self.order)}

    @classmethod
    def of(cls, facts: Any) -> "Markings":
        return cls(facts.metadata.markings, facts.metadata.marking)

    def rank(self, marking: str | None) -> int:
        """Where a marking stands; an unknown one (validation reports it) ranks highest."""
        return self._rank.get(marking or self.default, len(self.order))

    def above(self, marking: str | None, level: str) -> bool:
        return self.rank(marking) > self.rank(level)

    def highest(self, markings: Iterable[str]) -> str:
        return max(markings, key=self.rank)

    def own(self, model: Any) -> str | None:
        """A fact's or a source's own marking (the default when it carries none); None for
        anything else (a section, a plain value)."""
        if not (is_fact(model) or _is_source(model)) or "marking" not in type(model).model_fields:
            return None
        return getattr(model, "marking", None) or self.default


class Release:
    """What an edition released at ``level`` may show, for one fact base."""

    def __init__(self, facts: Any, level: str | None = None):
        self.markings = Markings.of(facts)
        # None: the full edition, which shows everything.
        self.level = level if level is not None else self.markings.order[-1]
        self._sources = {str(source.id): self.markings.own(source) for source in facts.sources}

    def shows_source(self, source_id: str) -> bool:
        """Whether the edition may name the source anywhere (notes, Sources list, metadata,
        attachments). A source the fact base does not define is never shown."""
        return source_id in self._sources and not self.markings.above(self._sources[source_id], self.level)

    def lowest_source(self, model: Any) -> str | None:
        """The lowest marking among the sources a fact cites (None if it cites none the fact
        base defines): the fact can reach no edition below it with a source to name."""
        if not is_fact(model):
            return None
        cited = [self._sources[s] for s in model.sources if s in self._sources]
        return min(cited, key=self.markings.rank) if cited else None

    def marking_of(self, model: Any) -> str | None:
        """The marking that decides whether the edition shows ``model``: a fact's own or,
        when higher, the lowest among its sources; a source's own; None for anything else
        (and for a fact's accounts, which carry no marking of their own)."""
        own = self.markings.own(model)
        lowest = self.lowest_source(model) if own is not None else None
        return lowest if lowest is not None and self.markings.rank(lowest) > self.markings.rank(own) else own

    def withheld(self, model: Any) -> str | None:
        """The marking that keeps ``model`` out of the edition, or None if it may show it. A
        fact none of whose sources the edition may name is left out like one marked above it."""
        for marking in (self.marking_of(model), self.lowest_source(model)):
            if marking is not None and self.markings.above(marking, self.level):
                return marking
        return None

    def shows(self, item: Any, in_list: Path_ = ()) -> bool:
        """Whether the edition may show one item of the list at ``in_list``: a fact or a
        source by its marking, a source id in a fact's ``sources`` by the source's."""
        if isinstance(item, str):
            return not (in_list and in_list[-1] == "sources" and len(in_list) > 1) or self.shows_source(item)
        return self.withheld(item) is None


def releases_below_top(facts: Any) -> list[str]:
    """The release levels that can leave something out: every marking but the highest."""
    return list(facts.metadata.markings[:-1])


# --- a brief's identity -----------------------------------------------------------------------

WORKING_FOLDER = "working"


@dataclass(frozen=True)
class Edition:
    """Whose voice (``perspective``; None: the fact base's own), the highest marking it may
    show (``release``; None: the full edition) and its audience (``working``: the desk's
    working edition with its review apparatus; else the outgoing edition a ministry sends)."""

    perspective: str | None = None
    release: str | None = None
    working: bool = False

    @property
    def folder(self) -> str:
        """The sub-folder of a brief's relationship its files go to: "" for the default
        edition, else "japan", "public", "japan/public", "working", "public/working"."""
        parts = [self.perspective] if self.perspective else []
        if self.release:
            parts.append(self.release.lower())
        if self.working:
            parts.append(WORKING_FOLDER)
        return "/".join(parts)

    @property
    def label(self) -> str:
        """"Outgoing", "Japan", "Public", "Japan · Public", "Working (desk only)"."""
        words = [self.perspective.title()] if self.perspective else []
        if self.release:
            words.append(self.release.title())
        if self.working:
            words.append("Working (desk only)")
        return " · ".join(words) or "Outgoing"

    @property
    def outgoing(self) -> bool:
        return not self.working

    @property
    def slug(self) -> str:
        """The folder as one word for file names: "japan-public" ("" for the default)."""
        return self.folder.replace("/", "-")


@dataclass(frozen=True)
class BriefId:
    """One brief: a relationship's brief ``kind`` in one :class:`Edition`."""

    relationship: str
    kind: str
    edition: Edition = Edition()

    @property
    def key(self) -> str:
        """"pakistan-japan/japan/overview": how the build record and the index name it."""
        return "/".join(p for p in (self.relationship, self.edition.folder, self.kind) if p)

    @property
    def depth(self) -> int:
        """How many folders below the output folder its files are."""
        return self.key.count("/")

    def output(self, out_dir: Path, suffix: str) -> Path:
        folder = out_dir / self.relationship
        if self.edition.folder:
            folder = folder / self.edition.folder
        return folder / f"{self.kind}{suffix}"

    def to_json(self) -> dict[str, Any]:
        return {"relationship": self.relationship, "kind": self.kind,
                "perspective": self.edition.perspective, "release": self.edition.release,
                "audience": "working" if self.edition.working else "outgoing"}

    @classmethod
    def from_json(cls, data: Any) -> "BriefId | None":
        """The identity a build record or manifest stored; None when it holds none."""
        try:
            return cls(str(data["relationship"]), str(data["kind"]),
                       Edition(data.get("perspective"), data.get("release"), data.get("audience") == "working"))
        except (KeyError, TypeError, AttributeError):
            return None
