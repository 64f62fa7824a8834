"""Load and validate: fact folders -> typed, cross-checked fact bases.

A relationship is a folder under ``facts/`` holding YAML files; each file holds
one or more top-level sections (``metadata``, ``sources``, ``economy`` ...). The
sections are merged, validated against :class:`briefs.model.FactBase`, and
cross-checked (every cited source exists, ids are unique, country codes are the
relationship's own). Every problem in every file is collected and raised once as
a :class:`FactError`, each with its ``file:line``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import hashlib
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import FactError, Location, Problem, UsageError, display_path
from .confine import inside, shown_name, why_not_plain
from .evidence import EvidenceCache, check_passages, check_values
from .model import TOP_LEVEL_KEYS, FactBase, PartialDate, field_names_at, kinds_of_fact, walk
from .model import dotted as _dotted
from .project import FACT_SUFFIXES, fact_files, relationship_folders
from .tracking import Release
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
    # The SHA-256 of each fact file's bytes as parsed, by file name: what a build record keeps.
    parsed: dict[str, str] = field(default_factory=dict)
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

    def withheld(self, release: str) -> list[tuple[tuple[Any, ...], Location]]:
        """The facts an edition released at ``release`` leaves out, each with its ``file:line``
        (a fact inside one already listed is not listed again)."""
        meta = self.facts.metadata
        rule = Release(meta.markings, meta.marking, release)
        found: list[tuple[Any, ...]] = []
        for path, model in walk(self.facts):
            if not path or path[0] in ("sources", "metadata") or rule.withheld(model) is None:
                continue
            if not any(path[: len(outer)] == outer for outer in found):
                found.append(path)
        return [(path, self.location(path)) for path in found]

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


def load_relationship(folder: Path, verify: bool = True, evidence_cache: EvidenceCache | None = None
                      ) -> Relationship:
    """Read, merge, validate and cross-check one relationship folder.

    With ``verify`` (the default) every fact's passages are checked against its sources'
    documents and its dates, figures and names against its passages (briefs.evidence);
    earlier editions read for comparison are loaded without. ``evidence_cache`` (a build's)
    knows what earlier builds found in documents of the same content."""
    if not folder.name.isprintable():
        # Its name would break every message and output path that shows it.
        raise FactError(Problem(
            f"the folder name {shown_name(folder.name)} holds characters that cannot be shown"
            " (bytes that are not UTF-8, or control characters); rename the folder",
            Location(display_path(folder.parent))))
    files = fact_files(folder)
    problems, outside = _odd_entries(folder)
    parsed: dict[str, str] = {}
    sections, merged, found, unreadable_file = _read_sections(folder, [p for p in files if p not in outside],
                                                              parsed)
    unreadable = bool(problems) or unreadable_file
    problems.extend(found)

    # Validate even when some files had problems, so every mistake is reported in one run;
    # but a section missing because its file could not be read is not a mistake of its own.
    relationship_location = Location(display_path(folder))
    placeholders = _placeholders(merged, sections)
    problems.extend(problem for _, problem in placeholders)
    problems.extend(_size_problems(merged, sections))
    citation_problems, cited = _check_citations(merged, sections)
    problems.extend(citation_problems)
    passages = check_passages(folder, merged, sections, evidence_cache) if verify else None
    if passages is not None:
        problems.extend(passages.problems)
    # A value the reader refused (an impossible date, a forbidden character) is not
    # reported a second time by validation.
    reported = {p.location for p in problems}
    try:
        facts = FactBase.model_validate(merged)
    except ValidationError as exc:
        problems.extend(_validation_problems(exc, placeholders, sections, relationship_location, unreadable,
                                             reported))
        if passages is not None:
            problems.extend(_verify_valid_sections(folder, merged, sections, passages))
        raise FactError(_capped(_sorted(problems), folder)) from None
    if problems:
        raise FactError(_capped(_sorted(problems), folder))

    relationship = Relationship(folder.name, folder, facts, files, sections, parsed=parsed)
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
        raise FactError(_capped(_sorted(problems), folder))
    relationship.warnings = _sorted(warnings)
    return relationship


def _read_sections(folder: Path, files: list[Path], parsed: dict[str, str]) -> tuple[
        dict[str, YamlDocument], dict[str, Any], list[Problem], bool]:
    """Read the fact files and merge their sections: each section with the file it came
    from, the merged data, the problems found, and whether some file could not be read
    (``parsed`` receives the hash of each file's bytes as read)."""
    problems: list[Problem] = []
    sections: dict[str, YamlDocument] = {}
    merged: dict[str, Any] = {}
    unreadable = False
    shown_folder = display_path(folder)
    for path in files:
        # Named as listed, not as resolved: a symlinked file keeps its own name in messages.
        document, found = read_yaml(path, f"{shown_folder}/{path.name}")
        problems.extend(found)
        if document is None:
            unreadable = True
            continue
        parsed[path.name] = document.digest or ""
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
                        f"unknown section {_short(key)}{did_you_mean(key, TOP_LEVEL_KEYS)};"
                        f" sections are: {', '.join(TOP_LEVEL_KEYS)}",
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
    return sections, merged, problems, unreadable


def _validation_problems(exc: ValidationError, placeholders, sections: dict[str, YamlDocument],
                         relationship_location: Location, unreadable: bool, reported: set[Location]) -> list[Problem]:
    """The validation errors worth reporting: not those already reported another way."""
    problems = []
    for error in exc.errors():
        if any(_data_loc(error)[: len(path)] == path for path, _ in placeholders):
            continue  # "TODO" in a date or number field: reported once, as a placeholder
        problem = _validation_problem(error, sections, relationship_location)
        if unreadable and problem.message.startswith("missing section"):
            continue
        if problem.location in reported and problem.location.line:
            continue
        problems.append(problem)
    return problems


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


# What one relationship may hold. A brief is laid out by WeasyPrint, which takes about a
# half a minute for a thousand footnoted facts (each source note is a footnote, and footnote layout
# grows faster than linearly) and minutes for ten thousand, using over a gigabyte; these
# limits keep every build within about 30 seconds and well under 1 GB, with room to spare
# for any real fact base (the shipped one holds about 100 facts and 40,000 characters).
MAX_ITEMS = 500  # items in one list
MAX_FACTS = 800  # facts (anything citing sources) in one relationship
MAX_TEXT = 100_000  # characters in one value
MAX_TOTAL_TEXT = 500_000  # characters in all values of a relationship, aliases expanded


def _size_problems(merged: dict[str, Any], sections: dict[str, YamlDocument]) -> list[Problem]:
    """Lists, values and fact bases too large to lay out in reasonable time: each a problem
    at the line that crosses the limit. Over-long lists are cut to their limit (they are
    reported), so that validating them does not take long either."""
    problems: list[Problem] = []
    totals = {"facts": 0, "text": 0}

    def visit(value: Any, path: tuple[Any, ...], document: YamlDocument) -> None:
        if isinstance(value, str):
            if len(value) > MAX_TEXT:
                problems.append(Problem(
                    f"{_dotted(path)}: {len(value):,} characters; a value may hold at most"
                    f" {MAX_TEXT:,} (split the text into several facts)", document.location(path)))
            before = totals["text"]
            totals["text"] += len(value)
            if before <= MAX_TOTAL_TEXT < totals["text"]:
                problems.append(Problem(
                    f"{_dotted(path)}: the fact base passes {MAX_TOTAL_TEXT:,} characters of text here;"
                    " a relationship may hold at most that (a brief could not be laid out in"
                    " reasonable time)", document.location(path)))
        elif isinstance(value, list):
            if len(value) > MAX_ITEMS:
                problems.append(Problem(
                    f"{_dotted(path)}: {len(value):,} items; a list may hold at most {MAX_ITEMS:,}"
                    " (a brief could not be laid out in reasonable time)", document.location(path)))
                del value[MAX_ITEMS:]
            for index, item in enumerate(value):
                visit(item, path + (index,), document)
        elif isinstance(value, dict):
            if "sources" in value and "text" in value or "quote" in value:
                totals["facts"] += 1
                if totals["facts"] == MAX_FACTS + 1:
                    problems.append(Problem(
                        f"{_dotted(path)}: fact number {MAX_FACTS + 1:,}; a relationship may hold at"
                        f" most {MAX_FACTS:,} facts (each one's source note is a footnote, and a"
                        " brief could not be laid out in reasonable time)", document.location(path)))
            for key, item in value.items():
                visit(item, path + (key,), document)

    for key, value in merged.items():
        visit(value, (key,), sections[key])
    return problems


def _odd_entries(folder: Path) -> tuple[list[Problem], set[Path]]:
    """Entries with a fact suffix that cannot be read as fact files (a symbolic link that
    loops or leads out of the fact folder, a folder, a pipe, a name that cannot be shown),
    each a problem; and the plain files among them not to read."""
    problems: list[Problem] = []
    outside: set[Path] = set()
    facts_root = folder.parent
    with os.scandir(folder) as entries:
        odd = sorted((e.name, e.path) for e in entries if e.name.endswith(FACT_SUFFIXES))
    for name, path in odd:
        # The entry's own name, not its target's (display_path would resolve a symlink).
        where = Location(display_path(folder) + ("" if not name.isprintable() else f"/{name}"))
        if not name.isprintable():
            problems.append(Problem(
                f"the file name {shown_name(name)} holds characters that cannot be shown (bytes that"
                " are not UTF-8, or control characters); rename the file", where))
            continue
        why = why_not_plain(path)
        if why is not None:
            problems.append(Problem(f"cannot read this fact file: it is {why}", where))
        elif inside(facts_root, Path(folder.name) / name) is None:
            problems.append(Problem(
                f"this fact file is a symbolic link to {os.path.realpath(path)!r}, outside"
                f" {display_path(facts_root)}/; copy the file in instead", where))
            outside.add(folder / name)
    return problems, outside


def did_you_mean(word: Any, choices: Any) -> str:
    """"; did you mean 'visits'?" when one of ``choices`` is close to ``word``, else ""."""
    if not isinstance(word, str):
        return ""
    choices = [c for c in choices if isinstance(c, str)]
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f"; did you mean {lowered[close[0]]!r}?" if close else ""


def _short(value: Any, limit: int = 60) -> str:
    """A value as a message quotes it, cut short if long."""
    text = str(value) if isinstance(value, (dt.date, Decimal)) else repr(value)
    return text if len(text) <= limit else text[: limit - 5] + "…" + text[-4:]


MAX_PROBLEMS = 100  # reported per relationship; a pasted list of garbage is not 10,000 lines


def _capped(problems: list[Problem], folder: Path) -> list[Problem]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    more = len(problems) - MAX_PROBLEMS
    return problems[:MAX_PROBLEMS] + [Problem(
        f"and {more:,} more problem{'s' if more > 1 else ''} in this relationship, not shown;"
        " fix the ones above first", Location(display_path(folder)))]


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
        hint = did_you_mean(loc[-1], field_names_at(loc[:-1]))
        return Problem(f"{_dotted(loc[:-1])}: unknown field {_short(loc[-1])}{hint}", location)
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    value = error.get("input")
    if kind not in ("value_error",) and not isinstance(value, (dict, list)):
        message += f" (got {_short(value)})"
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
                            f"{_dotted(path + ('sources',))}: unknown source {_short(source_id)}"
                            f"{did_you_mean(source_id, known)}"
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
        return dt.date(value.year, value.month, calendar.monthrange(value.year, value.month)[1])
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
    problems, source_ids = _duplicate_source_ids(relationship)
    country_codes = [country.code for country in facts.metadata.countries]
    if len(set(country_codes)) != len(country_codes):
        problems.append(
            Problem("metadata.countries: the two countries need different codes",
                    relationship.location(("metadata", "countries")))
        )
    problems += _id_and_country_problems(relationship, country_codes)
    file_problems, warnings = _source_file_problems(relationship)
    problems += file_problems
    problems += _perspective_and_marking_problems(relationship)
    problems += _markings_below_sources(relationship)
    problems += _rate_problems(relationship)

    for source_id, path in source_ids.items():
        if source_id not in cited:
            warnings.append(
                Problem(f"source {source_id!r} is not cited by any fact",
                        relationship.location(path), severity="warning")
            )
    return problems, warnings


def _rate_problems(relationship: Relationship) -> list[Problem]:
    """Rates money() cannot choose between: a currency against itself, and two rates for one
    pair of currencies (either way round) whose dates overlap (the same day, or a day inside
    the month or year the other names)."""
    problems = []
    pairs: dict[frozenset[str], list[int]] = {}
    rates = relationship.facts.exchange_rates
    for index, rate in enumerate(rates):
        if rate.base == rate.quote:
            problems.append(Problem("exchange_rates: base and quote must be different currencies",
                                    relationship.location(("exchange_rates", index))))
        else:
            pairs.setdefault(frozenset((rate.base, rate.quote)), []).append(index)
    for indexes in pairs.values():
        # Sorted by start, each rate overlaps an earlier one exactly when it starts before
        # the latest end seen so far: one pass, however long the list.
        indexes.sort(key=lambda i: (rates[i].as_of.earliest, rates[i].as_of.latest, i))
        reaching = None
        for index in indexes:
            rate = rates[index]
            if reaching is not None and rate.as_of.earliest <= rates[reaching].as_of.latest:
                other = rates[reaching]
                problems.append(Problem(
                    f"exchange_rates[{index}]: this {rate.base}/{rate.quote} rate as of {rate.as_of} overlaps"
                    f" the {other.base}/{other.quote} rate as of {other.as_of}"
                    f" ({relationship.location(('exchange_rates', reaching, 'as_of'))}); money() could take either:"
                    " keep one rate per date", relationship.location(("exchange_rates", index, "as_of"))))
            if reaching is None or rate.as_of.latest > rates[reaching].as_of.latest:
                reaching = index
    return problems


def _duplicate_source_ids(relationship: Relationship) -> tuple[list[Problem], dict[str, tuple[Any, ...]]]:
    """Problems for source ids used twice, and where each id is first defined."""
    problems: list[Problem] = []
    source_ids: dict[str, tuple[Any, ...]] = {}
    for index, source in enumerate(relationship.facts.sources):
        path = ("sources", index, "id")
        if source.id in source_ids:
            first = relationship.location(source_ids[source.id])
            problems.append(
                Problem(f"duplicate source id {source.id!r} (first at {first})",
                        relationship.location(path))
            )
        else:
            source_ids[source.id] = path
    return problems, source_ids


def _id_and_country_problems(relationship: Relationship, country_codes: list[str]) -> list[Problem]:
    """Fact ids used twice, and country fields naming neither of the relationship's countries."""
    problems: list[Problem] = []
    ids: dict[str, tuple[Any, ...]] = {}
    for path, model in walk(relationship.facts):
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
    return problems


def _source_file_problems(relationship: Relationship) -> tuple[list[Problem], list[Problem]]:
    """Source documents that are outside the folder or not plain files (problems), or missing
    (warnings)."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    folder = display_path(relationship.folder)
    for index, source in enumerate(relationship.facts.sources):
        if not source.file:
            continue
        where = relationship.location(("sources", index, "file"))
        real = inside(relationship.folder, source.file)
        why = why_not_plain(relationship.folder / source.file)
        if why == "a symbolic link that loops":
            problems.append(Problem(f"sources[{index}].file: {_short(source.file)} is {why}", where))
        elif real is None:
            problems.append(Problem(
                f"sources[{index}].file: {_short(source.file)} is outside {folder}/ (an absolute path,"
                " '..' or a symbolic link leading out); keep source documents inside the"
                " relationship's folder", where))
        elif why in ("missing", "a symbolic link to a file that does not exist"):
            warnings.append(Problem(f"source {source.id!r}: file {_short(source.file)} not found in"
                                    f" {folder}/", where, severity="warning"))
        elif why is not None:
            problems.append(Problem(f"sources[{index}].file: {_short(source.file)} is {why}", where))
    return problems, warnings


def _perspective_and_marking_problems(relationship: Relationship) -> list[Problem]:
    """Perspectives and markings that name nothing metadata defines."""
    problems: list[Problem] = []
    meta = relationship.facts.metadata
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
    for path, model in walk(relationship.facts):
        marking = getattr(model, "marking", None) if path[:1] != ("metadata",) else None
        if marking is not None and marking not in meta.markings:
            problems.append(Problem(
                f"{_dotted(path + ('marking',))}: {marking!r} is not one of the markings defined in"
                f" metadata.markings ({', '.join(meta.markings)})",
                relationship.location(path + ("marking",))))
    return problems


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
