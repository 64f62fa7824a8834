"""Load and validate: fact folders -> typed, cross-checked fact bases.

A relationship is a folder under ``facts/`` holding YAML files; each file holds
one or more top-level sections (``metadata``, ``sources``, ``economy`` ...). The
sections are merged, validated against :class:`briefs.model.FactBase`, and
cross-checked (every cited source exists, ids are unique, country codes are the
relationship's own). Every problem in every file is collected and raised once as
a :class:`FactError`, each with its ``file:line``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import FactError, Location, Problem, UsageError, display_path
from .evidence import check_passages, check_values
from .model import TOP_LEVEL_KEYS, FactBase, PartialDate, kinds_of_fact, walk
from .model import dotted as _dotted
from .project import fact_files, relationship_folders
from .yamlsource import YamlDocument, read_yaml

# Top-level lists that may be spread over several files, joined in file-name order.
JOINED_SECTIONS = ("topics",)
# What `briefs new` writes for every value to supply; never valid in a brief.
PLACEHOLDER = re.compile(r"^\s*TODO\b")


class _JoinedList:
    """A top-level list spread over several files: each item is located in its own file."""

    def __init__(self) -> None:
        self.data: list[Any] = []
        self.parts: list[tuple[YamlDocument, int, int]] = []  # document, first index, count

    def add(self, document: YamlDocument, items: list[Any]) -> None:
        self.parts.append((document, len(self.data), len(items)))
        self.data.extend(items)

    def location(self, path: tuple[Any, ...]) -> Location:
        if len(path) > 1 and isinstance(path[1], int):
            for document, start, count in self.parts:
                if start <= path[1] < start + count:
                    return document.location((path[0], path[1] - start, *path[2:]))
        return self.parts[0][0].location(path[:1])



@dataclass(frozen=True)
class Staleness:
    """A fact older than its freshness limit allows."""

    as_of: Any
    age_months: int
    limit_months: int
    kind: str


@dataclass
class Relationship:
    """One validated fact base and where each of its parts came from."""

    slug: str
    folder: Path
    facts: FactBase
    files: list[Path]
    sections: dict[str, YamlDocument]
    warnings: list[Problem] = field(default_factory=list)
    # Stale facts by their path in the fact base.
    stale: dict[tuple[Any, ...], Staleness] = field(default_factory=dict)
    # Set by the build: the files' digest when loaded, and the comparison with the
    # previous edition (computed once per loaded relationship).
    loaded_digest: str | None = None
    changes_cache: dict[str, Any] | None = None
    # Per fact (by path): its passages, where the documents hold them, its inferences
    # (briefs.evidence.FactEvidence); and each source's document (briefs.evidence.Document).
    evidence: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    documents: dict[str, Any] = field(default_factory=dict)

    def location(self, path: tuple[Any, ...]) -> Location:
        """The ``file:line`` of a path into the fact base, e.g. ``("visits", 2, "date")``."""
        document = self.sections.get(path[0]) if path else None
        if document is None:
            return Location(display_path(self.folder))
        return document.location(path)

    def digest(self) -> str:
        """A content hash of the fact files, for caching and build records."""
        sha = hashlib.sha256()
        for path in self.files:
            sha.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        return sha.hexdigest()


def load_all(facts_dir: Path, only: list[str] | None = None) -> list[Relationship]:
    """Load every relationship (or those named in ``only``); raise once with all problems."""
    folders = relationship_folders(facts_dir)
    if only:
        known = {folder.name: folder for folder in folders}
        unknown = [name for name in only if name not in known]
        if unknown:
            raise UsageError(
                Problem(
                    f"no relationship named {', '.join(unknown)} in {display_path(facts_dir)}"
                    f" (have: {', '.join(known) or 'none'})"
                )
            )
        folders = [known[name] for name in dict.fromkeys(only)]
    relationships: list[Relationship] = []
    problems: list[Problem] = []
    for folder in folders:
        try:
            relationships.append(load_relationship(folder))
        except FactError as exc:
            problems.extend(exc.problems)
    if problems:
        raise FactError(problems)
    return relationships


def load_relationship(folder: Path, verify: bool = True) -> Relationship:
    """Read, merge, validate and cross-check one relationship folder.

    With ``verify`` (the default) every fact's passages are checked against its sources'
    documents and its dates, figures and names against its passages (briefs.evidence);
    earlier editions read for comparison are loaded without."""
    files = fact_files(folder)
    problems: list[Problem] = []
    sections: dict[str, YamlDocument] = {}
    merged: dict[str, Any] = {}
    unreadable = False
    for path in files:
        document, found = read_yaml(path, display_path(path))
        problems.extend(found)
        if document is None:
            unreadable = True
            continue
        if not isinstance(document.data, dict):
            problems.append(
                Problem(
                    "a fact file must be a mapping of sections (e.g. `economy:`)",
                    document.location(()),
                )
            )
            unreadable = True
            continue
        for key, value in document.data.items():
            if key not in TOP_LEVEL_KEYS:
                problems.append(
                    Problem(
                        f"unknown section {key!r}; sections are: {', '.join(TOP_LEVEL_KEYS)}",
                        document.location((key,)),
                    )
                )
            elif key in JOINED_SECTIONS and isinstance(value, list) and (
                    key not in sections or isinstance(sections[key], _JoinedList)):
                joined = sections.setdefault(key, _JoinedList())
                joined.add(document, value)
                merged[key] = joined.data
            elif key in sections:
                problems.append(
                    Problem(
                        f"section {key!r} is already defined in {sections[key].location((key,))}",
                        document.location((key,)),
                    )
                )
            else:
                sections[key] = document
                merged[key] = value

    # Validate even when some files had problems, so every mistake is reported in one run;
    # but a section missing because its file could not be read is not a mistake of its own.
    relationship_location = Location(display_path(folder))
    placeholders = _placeholders(merged, sections)
    problems.extend(problem for _, problem in placeholders)
    citation_problems, cited = _check_citations(merged, sections)
    problems.extend(citation_problems)
    passages = check_passages(folder, merged, sections) if verify else None
    if passages is not None:
        problems.extend(passages.problems)
    try:
        facts = FactBase.model_validate(merged)
    except ValidationError as exc:
        for error in exc.errors():
            if any(_data_loc(error)[: len(path)] == path for path, _ in placeholders):
                continue  # "TODO" in a date or number field: reported once, as a placeholder
            problem = _validation_problem(error, sections, relationship_location)
            if not (unreadable and problem.message.startswith("missing section")):
                problems.append(problem)
        if passages is not None:
            problems.extend(_verify_valid_sections(folder, merged, sections, passages))
        raise FactError(_sorted(problems)) from None
    if problems:
        raise FactError(_sorted(problems))

    relationship = Relationship(folder.name, folder, facts, files, sections)
    problems, warnings = _cross_check(relationship, cited)
    dated_problems, stale_warnings = _check_dates(relationship)
    problems += dated_problems
    warnings += stale_warnings
    if passages is not None:
        report = check_values(relationship, passages)
        problems += report.problems
        warnings += report.warnings
        relationship.evidence = report.facts
        relationship.documents = report.documents
    if problems:
        raise FactError(_sorted(problems))
    relationship.warnings = _sorted(warnings)
    return relationship


def _verify_valid_sections(folder: Path, merged: dict[str, Any], sections: dict[str, YamlDocument],
                           passages) -> list[Problem]:
    """When some section is invalid, still check the evidence of the sections that are valid,
    so that every problem is reported in one run."""
    from types import SimpleNamespace

    from pydantic import TypeAdapter

    valid: dict[str, Any] = {}
    for key, value in merged.items():
        if key not in FactBase.model_fields:
            continue
        try:
            valid[key] = TypeAdapter(FactBase.model_fields[key].annotation).validate_python(value)
        except ValidationError:
            continue
    if "metadata" not in valid or "sources" not in valid:
        return []
    partial = Relationship(folder.name, folder, SimpleNamespace(**valid), [], sections)
    return [p for p in check_values(partial, passages).problems if p.location and p.location.line]


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.location or Location(""), p.message))


def _data_loc(error: dict[str, Any]) -> tuple[Any, ...]:
    # Pydantic inserts union member names into loc; keep only the parts that name data.
    return tuple(part for part in error["loc"] if isinstance(part, int) or "[" not in str(part))


def _validation_problem(
    error: dict[str, Any], sections: dict[str, YamlDocument], fallback: Location
) -> Problem:
    # Passages are written under `sources:` and kept by the model as `evidence`.
    loc = tuple("sources" if part == "evidence" else part for part in _data_loc(error))
    document = sections.get(loc[0]) if loc else None
    kind = error["type"]
    if document is None:
        return Problem(f"missing section {loc[0]!r} (add it to one of the fact files)", fallback)
    location = document.location(loc)
    where = _dotted(loc)
    if kind == "missing":
        return Problem(f"{_dotted(loc[:-1])}: missing required field {loc[-1]!r}", location)
    if kind == "extra_forbidden":
        return Problem(f"{_dotted(loc[:-1])}: unknown field {loc[-1]!r}", location)
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    value = error.get("input")
    if kind not in ("value_error",) and not isinstance(value, (dict, list)):
        message += f" (got {value!r})"
    return Problem(f"{where}: {message[0].lower()}{message[1:]}", location)


def _check_citations(
    merged: dict[str, Any], sections: dict[str, YamlDocument]
) -> tuple[list[Problem], set[str]]:
    """Every cited source id must be listed in `sources`. Checked on the raw data, so that
    a wrong id is reported in the same run as type errors elsewhere."""
    listed = merged.get("sources")
    known = {s.get("id") for s in listed if isinstance(s, dict)} if isinstance(listed, list) else set()
    problems: list[Problem] = []
    cited: set[str] = set()

    def visit(value: Any, path: tuple[Any, ...]) -> None:
        if isinstance(value, dict):
            citations = value.get("sources")
            # A list of ids, or a mapping of id -> passage(s).
            entries = (list(enumerate(citations)) if isinstance(citations, list)
                       else [(key, key) for key in citations] if isinstance(citations, dict) else [])
            for index, source_id in entries:
                if not isinstance(source_id, str) or PLACEHOLDER.match(source_id):
                    continue
                cited.add(source_id)
                if source_id not in known:
                    problems.append(
                        Problem(
                            f"{_dotted(path + ('sources',))}: unknown source {source_id!r}"
                            f" (known: {', '.join(sorted(k for k in known if isinstance(k, str)))})",
                            sections[path[0]].location(path + ("sources", index)),
                        )
                    )
            for key, item in value.items():
                visit(item, path + (key,))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                visit(item, path + (index,))

    for key, value in merged.items():
        if key != "sources":
            visit(value, (key,))
    return problems, cited


def _placeholders(merged: dict[str, Any], sections: dict[str, Any]) -> list[tuple[tuple[Any, ...], Problem]]:
    """Every value still reading "TODO..." (as `briefs new` writes them, in text, date and number
    fields alike) is an error until replaced, so no brief goes out with one."""
    found: list[tuple[tuple[Any, ...], Problem]] = []

    def visit(value: Any, path: tuple[Any, ...]) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                visit(item, path + (key,))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                visit(item, path + (index,))
        elif isinstance(value, str) and PLACEHOLDER.match(value):
            found.append((path, Problem(f"{_dotted(path)}: placeholder to replace: {value.strip()!r}",
                                        sections[path[0]].location(path))))

    for key, value in merged.items():
        visit(value, (key,))
    return found


def _months_between(earlier: dt.date, later: dt.date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (1 if later.day < earlier.day else 0)


def _period_end(value: PartialDate) -> dt.date:
    if value.day:
        return value.earliest
    if value.month:
        following = dt.date(value.year + value.month // 12, value.month % 12 + 1, 1)
        return following - dt.timedelta(days=1)
    return dt.date(value.year, 12, 31)


def _check_dates(relationship: Relationship) -> tuple[list[Problem], list[Problem]]:
    """No as_of after the edition date; facts older than their freshness limit are stale."""
    facts = relationship.facts
    today = facts.metadata.edition.date
    limits = facts.freshness.limits
    problems: list[Problem] = []
    warnings: list[Problem] = []
    known = kinds_of_fact() | {f"topics.{topic.id}" for topic in facts.topics}
    for kind in limits:
        if kind not in known:
            problems.append(Problem(
                f"freshness.limits: unknown kind of fact {kind!r}; name a part of the fact base"
                " such as economy.trade, development or history",
                relationship.location(("freshness", "limits", kind))))
    for path, model in walk(facts):
        as_of = getattr(model, "as_of", None)
        if not isinstance(as_of, PartialDate):
            continue
        if as_of.earliest > today:
            problems.append(Problem(
                f"{_dotted(path + ('as_of',))}: {as_of} is after the edition date {today}",
                relationship.location(path + ("as_of",))))
            continue
        if "sources" not in type(model).model_fields:
            continue  # money inside a fact: the fact's own as_of is judged
        kind = ".".join(str(p) for p in path if not isinstance(p, int))
        if path[0] == "topics" and len(path) > 1:
            kind = f"topics.{facts.topics[path[1]].id}"  # freshness keys name topics by id
        matches = [k for k in limits if kind == k or kind.startswith(k + ".")]
        if not matches:
            continue
        rule = max(matches, key=len)
        limit = limits[rule]
        if limit == "never":
            continue
        age = _months_between(_period_end(as_of), today)
        if age > limit:
            relationship.stale[path] = Staleness(as_of, age, limit, rule)
            warnings.append(Problem(
                f"{_dotted(path)}: stale: as of {as_of}, {age} months before the edition date;"
                f" the limit for {rule} is {limit} months",
                relationship.location(path + ("as_of",)), severity="warning"))
    return problems, warnings


def _cross_check(relationship: Relationship, cited: set[str]) -> tuple[list[Problem], list[Problem]]:
    facts = relationship.facts
    problems: list[Problem] = []
    warnings: list[Problem] = []
    source_ids: dict[str, tuple[Any, ...]] = {}
    for index, source in enumerate(facts.sources):
        path = ("sources", index, "id")
        if source.id in source_ids:
            first = relationship.location(source_ids[source.id])
            problems.append(
                Problem(f"duplicate source id {source.id!r} (first at {first})",
                        relationship.location(path))
            )
        else:
            source_ids[source.id] = path

    country_codes = [country.code for country in facts.metadata.countries]
    if len(set(country_codes)) != len(country_codes):
        problems.append(
            Problem("metadata.countries: the two countries need different codes",
                    relationship.location(("metadata", "countries")))
        )

    ids: dict[str, tuple[Any, ...]] = {}
    for path, model in walk(facts):
        if not path or path[0] == "sources":
            continue
        fields = type(model).model_fields
        if "id" in fields:
            fact_id = model.id
            if fact_id is None:
                pass  # a topic's facts may go without ids
            elif fact_id in ids:
                problems.append(
                    Problem(
                        f"duplicate id {fact_id!r} (first at {relationship.location(ids[fact_id])})",
                        relationship.location(path + ("id",)),
                    )
                )
            else:
                ids[fact_id] = path + ("id",)
        for name in ("country", "to", "exporter", "origin", "host", "subject", "among"):
            if name in fields and isinstance(getattr(model, name), str) and getattr(model, name) not in country_codes:
                problems.append(
                    Problem(
                        f"{_dotted(path + (name,))}: {getattr(model, name)!r} is not one of this"
                        f" relationship's countries ({', '.join(country_codes)})",
                        relationship.location(path + (name,)),
                    )
                )

    for index, source in enumerate(facts.sources):
        if source.file and not (relationship.folder / source.file).is_file():
            warnings.append(
                Problem(f"source {source.id!r}: file {source.file!r} not found in"
                        f" {display_path(relationship.folder)}/",
                        relationship.location(("sources", index, "file")), severity="warning")
            )
    meta = facts.metadata
    perspectives = [c.perspective for c in meta.countries] + ["neutral"]
    if meta.perspective is not None and meta.perspective not in perspectives:
        problems.append(Problem(
            f"metadata.perspective: {meta.perspective!r} names neither country; use one of"
            f" {', '.join(perspectives)}", relationship.location(("metadata", "perspective"))))
    for name in meta.issuing_offices:
        if name not in perspectives:
            problems.append(Problem(
                f"metadata.issuing_offices: {name!r} is not a perspective; use one of {', '.join(perspectives)}",
                relationship.location(("metadata", "issuing_offices", name))))
    if meta.marking not in meta.markings:
        problems.append(Problem(
            f"metadata.marking: {meta.marking!r} is not in metadata.markings ({', '.join(meta.markings)})",
            relationship.location(("metadata", "marking"))))
    for path, model in walk(facts):
        marking = getattr(model, "marking", None) if path[:1] != ("metadata",) else None
        if marking is not None and marking not in meta.markings:
            problems.append(Problem(
                f"{_dotted(path + ('marking',))}: {marking!r} is not one of the markings defined in"
                f" metadata.markings ({', '.join(meta.markings)})",
                relationship.location(path + ("marking",))))
    problems += _markings_below_sources(relationship)
    for index, rate in enumerate(facts.exchange_rates):
        if rate.base == rate.quote:
            problems.append(Problem("exchange_rates: base and quote must be different currencies",
                                    relationship.location(("exchange_rates", index))))

    for source_id, path in source_ids.items():
        if source_id not in cited:
            warnings.append(
                Problem(f"source {source_id!r} is not cited by any fact",
                        relationship.location(path), severity="warning")
            )
    return problems, warnings


def _markings_below_sources(relationship: Relationship) -> list[Problem]:
    """A fact may not be marked lower than every source it rests on: it would carry the
    source's content into an edition the source itself may not reach."""
    facts, meta = relationship.facts, relationship.facts.metadata
    rank = {marking: index for index, marking in enumerate(meta.markings)}
    of_source = {source.id: source.marking or meta.marking for source in facts.sources}
    problems = []
    for path, model in walk(facts):
        if not path or path[:1] in (("sources",), ("metadata",)) or "sources" not in type(model).model_fields:
            continue
        own = getattr(model, "marking", None) or meta.marking
        cited = [of_source[s] for s in model.sources if of_source.get(s) in rank]
        if cited and own in rank and rank[own] < min(rank[m] for m in cited):
            lowest = min(cited, key=rank.__getitem__)
            problems.append(Problem(
                f"{_dotted(path)}: marked {own}, lower than every source it cites (the lowest is"
                f" {lowest}); mark it {lowest} or higher", relationship.location(path + ("marking",))))
    return problems
