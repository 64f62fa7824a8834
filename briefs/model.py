"""The typed fact model: what a relationship's fact base may contain.

Every fact states something in our own words (``text``), names the ids of the
sources it rests on (``sources``) and may say the date it is valid for
(``as_of``). Figures are typed: money is amount + currency + as-of date, dates are
dates (a year or a month is allowed where the sources are no more precise).
Where two sources disagree, a fact keeps both accounts (``accounts``) instead of
silently picking one.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import unicodedata
import re
import typing
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Iterator, Literal

from pydantic import (BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema,
                      field_serializer, field_validator, model_validator)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import core_schema

from .writers.pdf import PDF_VARIANTS
from .yamlsource import describe_character, forbidden

def _no_control_characters(value: str) -> str:
    """Control characters, lone surrogates and noncharacters cannot be stored in a document
    (the YAML reader refuses them first; this guards data from anywhere else)."""
    match = None if value.isascii() and value.isprintable() else next(forbidden(value), None)
    if match:
        raise ValueError(f"contains {describe_character(match.group())}, which documents cannot hold")
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the year, the month or the day (``1951``, ``2023-09``, ``1952-04-28``)."""

    year: int
    month: int | None = None
    day: int | None = None

    _PATTERN = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")

    @classmethod
    def parse(cls, value: Any) -> "PartialDate":
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return cls(value.year, value.month, value.day)
        if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
            return cls(value)
        if isinstance(value, str):
            match = cls._PATTERN.match(value.strip())
            if match:
                year, month, day = (int(g) if g else None for g in match.groups())
                try:
                    dt.date(year, month or 1, day or 1)
                except ValueError as exc:
                    raise ValueError(f"{value!r} is not a real date: {exc}") from None
                return cls(year, month, day)
        raise ValueError(
            f"expected a date such as 1952-04-28, 2023-09 or 1951, got {value!r}"
        )

    @property
    def earliest(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def latest(self) -> dt.date:
        """The last day of the period the date names (itself when the day is known)."""
        if self.day:
            return dt.date(self.year, self.month, self.day)
        month = self.month or 12
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    def __str__(self) -> str:
        if self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.parse, serialization=core_schema.plain_serializer_function_ser_schema(str)
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, _schema: Any, _handler: Any) -> dict[str, Any]:
        return {
            "type": ["string", "integer"],
            "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$",
            "description": "A date: 1952-04-28, 2023-09 or 1951",
        }


def slug(name: str) -> str:
    """Lower-case ASCII letters, digits and hyphens: "Türkiye" -> "turkiye", "South Korea" ->
    "south-korea"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


class Strict(BaseModel):
    """Base of every model: unknown fields are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _reject_control_characters(cls, value: Any) -> Any:
        if isinstance(value, str):
            return _no_control_characters(value)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, str):
                    _no_control_characters(item)
        if isinstance(value, dict):
            for key, item in value.items():
                for text in (key, item):
                    if isinstance(text, str):
                        _no_control_characters(text)
        return value


class Money(Strict):
    """An amount of money in one currency, valid as of a date."""

    # Bounded so that formatting (and converting at an exchange rate) stays exact.
    amount: Decimal = Field(gt=0, lt=10**18)
    currency: CurrencyCode
    as_of: PartialDate
    approximate: bool = False


# The longest passage a fact may quote from a source: an excerpt, not the document.
MAX_PASSAGE = 600

Passage = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_PASSAGE)]

_IDENTIFIER_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
_SOURCES_SCHEMA = {
    "description": (
        "The sources this rests on: a list of source ids, or, with evidence, a mapping of each"
        " source id to the passage (or list of passages) of that source that supports it,"
        " quoted exactly."
    ),
    "anyOf": [
        {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": _IDENTIFIER_PATTERN}},
        {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": _IDENTIFIER_PATTERN},
            "additionalProperties": {
                "anyOf": [
                    {"type": "string", "minLength": 1, "maxLength": MAX_PASSAGE},
                    {"type": "array", "minItems": 1,
                     "items": {"type": "string", "minLength": 1, "maxLength": MAX_PASSAGE}},
                ]
            },
        },
    ],
}

# `sources:` as written: a list of ids, or a mapping of id -> passage(s). The model keeps
# the ids in `sources` and the passages in `evidence`.
SourceIds = Annotated[list[Identifier], Field(min_length=1), WithJsonSchema(_SOURCES_SCHEMA)]
Evidence = SkipJsonSchema[dict[Identifier, Annotated[list[Passage], Field(min_length=1)]]]


class Inference(Strict):
    """A value the desk concluded although no cited passage states it, and why."""

    value: Text
    reason: Text


class Cited(Strict):
    """Anything that cites sources: ``sources`` may map each source id to its passages.

    ``sources: [fo-brief]`` cites without evidence; ``sources: {fo-brief: "passage"}`` or
    ``{fo-brief: ["passage", "passage"]}`` cites with the exact passages that support it.
    Either way ``sources`` is the list of ids; the passages are in ``evidence``."""

    @model_validator(mode="before")
    @classmethod
    def _passages_from_sources(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if "evidence" in data:
            raise ValueError(
                "unknown field 'evidence': give passages under `sources`, e.g."
                " sources: {source-id: \"passage\"}"
            )
        cited = data.get("sources")
        if isinstance(cited, dict):
            data = dict(data)
            data["sources"] = list(cited)
            data["evidence"] = {
                key: [value] if isinstance(value, str) else ([] if value is None else value)
                for key, value in cited.items()
            }
        return data

    @field_validator("evidence", mode="after", check_fields=False)
    @classmethod
    def _passages_are_text(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for passages in value.values():
            for passage in passages:
                _no_control_characters(passage)
        return value

    @field_serializer("sources", check_fields=False)
    def _sources_with_passages(self, sources: list[str]) -> Any:
        evidence = getattr(self, "evidence", None)
        if not evidence:
            return list(sources)
        return {source_id: list(evidence.get(source_id, [])) for source_id in sources}


class Account(Cited):
    """One source's version of a fact that the sources tell differently."""

    text: Text
    sources: SourceIds
    evidence: Evidence = Field(default_factory=dict, exclude=True)
    inferred: list[Inference] = []


Marking = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z-]*$")]


class Fact(Cited):
    """A statement in our own words, with the sources it rests on."""

    text: Text
    sources: SourceIds
    # Passages of each cited source that support the fact (from `sources:` as a mapping).
    evidence: Evidence = Field(default_factory=dict, exclude=True)
    # Values the desk concluded that no passage states, each with the reason.
    inferred: list[Inference] = []
    as_of: PartialDate | None = None
    # Handling marking of this fact; unmarked facts take metadata.marking.
    marking: Marking | None = None
    # Differing versions from different sources, kept side by side.
    accounts: list[Account] = []


class Quotation(Cited):
    """Words someone said, reproduced verbatim and attributed."""

    quote: Text
    speaker: Text
    occasion: Text
    date: PartialDate
    sources: SourceIds
    evidence: Evidence = Field(default_factory=dict, exclude=True)
    inferred: list[Inference] = []
    marking: Marking | None = None


# --- metadata ------------------------------------------------------------------------


class Country(Strict):
    code: CountryCode
    name: Text
    # The currency figures are shown in when the brief is written from this country's side.
    currency: CurrencyCode = "USD"
    official_name: Text
    adjective: Text
    capital: Text
    native_name: Text | None = None
    # BCP 47 language of native_name, e.g. "ur" or "ja".
    native_language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$",
                                                      max_length=35)] | None = None
    # Other names the sources use for the country or the pairing ("Pak", "Pak-Japan").
    also_called: list[Text] = []

    @property
    def perspective(self) -> str:
        """The name of this country's point of view, e.g. "pakistan" ("turkiye" for Türkiye)."""
        return slug(self.name)


class Edition(Strict):
    date: dt.date
    number: int = Field(default=1, ge=1, le=1_000_000)


class Cable(Strict):
    """How the briefs go out as telegrams (``--format txt``): the header a registry files them by."""

    precedence: Literal["ROUTINE", "PRIORITY", "IMMEDIATE", "FLASH"] = "ROUTINE"
    # The sending post or office as the message system names it; issuing_office otherwise.
    sender: Text | None = None
    to: list[Text] = []
    info: list[Text] = []
    # Prefix of the reference number; the brief kind and edition number follow it.
    reference: Text | None = None
    tags: list[Text] = []
    # Who signs: a name or a post ("HUSSAIN" or "MOFA ISLAMABAD").
    signature: Text | None = None


class Metadata(Strict):
    title: Text | None = None
    countries: Annotated[list[Country], Field(min_length=2, max_length=2)]
    issuing_office: Text
    # Issuing office by perspective ("pakistan", "japan", "neutral"); issuing_office otherwise.
    issuing_offices: dict[str, Text] = {}
    # Whose side briefs are written from by default: a country's perspective name or "neutral".
    perspective: Identifier | None = None
    # Handling markings from lowest to highest, and the marking of unmarked facts.
    markings: list[Marking] = ["PUBLIC", "OFFICIAL", "RESTRICTED", "CONFIDENTIAL"]
    marking: Marking
    # Brief kinds whose paragraphs carry portion markings such as "(R)".
    portion_markings_in: list[Identifier] = []
    neutral_currency: CurrencyCode = "USD"
    edition: Edition
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")] = "en"
    keywords: list[Text] = []
    # pdf/ua-1: tagged and accessible (default); pdf/a-3u: archival, with the facts attached.
    pdf_variant: Literal[PDF_VARIANTS] = PDF_VARIANTS[0]
    # Brief kinds that carry a "Changes since the last edition" section.
    changes_in: list[Identifier] = ["country-brief"]
    cable: Cable = Cable()

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        """Dates and numbers are written out in this language: one the formatter knows."""
        from babel import Locale, UnknownLocaleError

        try:
            Locale.parse(value)
        except (ValueError, TypeError, UnknownLocaleError):
            raise ValueError(f"{value!r} is not a language dates and numbers can be written in;"
                             " use a code such as en, ur, ja or fr") from None
        return value


class Source(Strict):
    id: Identifier
    title: Text
    # How source notes name it; the full title is in the brief's list of sources.
    short: Text | None = None
    kind: Literal["official", "press", "analysis"]
    publisher: Text | None = None
    date: PartialDate | None = None
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    # True when the document carries no title and `title` is ours (shown in [brackets]).
    title_supplied: bool = False
    # Why `date` is ours when the document does not print it (e.g. "written during the visit").
    date_inferred: Text | None = None
    # Where the document is kept, inside the relationship folder: .txt, .html, .pdf or .docx.
    # Passages citing this source are checked against it.
    file: Text | None = None
    # Sources this one restates: a fact resting on a source and its restatement is not
    # corroborated by the second.
    derived_from: list[Identifier] = []
    # Handling marking of the document itself (default: metadata.marking). It is attached to
    # an archival PDF only in editions allowed to show it, and no fact may be marked lower.
    marking: Marking | None = None
    note: Text | None = None


# --- subjects --------------------------------------------------------------------------


class Establishment(Fact):
    date: dt.date


class Event(Fact):
    id: Identifier
    date: PartialDate
    title: Text


class History(Strict):
    establishment: Establishment | None = None
    background: list[Event] = []
    milestones: list[Event] = []


class Person(Strict):
    office: Text
    name: Text | None = None
    country: CountryCode


class Visit(Fact):
    id: Identifier
    date: PartialDate
    end_date: PartialDate | None = None
    visitor: Person
    host: Person | None = None
    to: CountryCode
    place: Text | None = None
    purpose: Text
    met: list[Person] = []
    outcomes: list[Text] = []


class Round(Fact):
    number: int = Field(ge=1, le=1_000_000)
    # When the round was held, if the sources say.
    date: PartialDate | None = None


class Mechanism(Fact):
    id: Identifier
    name: Text
    abbreviation: Text | None = None
    track: Literal["political", "economic", "security", "multilateral"]
    # True for the mechanisms the official list names; others come from other sources.
    in_official_list: bool = False
    rounds: list[Round] = []


class Agreement(Fact):
    id: Identifier
    title: Text
    kind: Literal["agreement", "mou", "declaration"]
    date: PartialDate
    area: Text


class Ranked(Fact):
    """A fact that places something in an order ("second-largest donor")."""

    rank: int = Field(ge=1, le=1_000_000)
    # Who is ranked, and among whose partners (e.g. JP among PK's trading partners).
    subject: CountryCode | None = None
    among: CountryCode | None = None


class Goods(Fact):
    """What one country sells to the other."""

    exporter: CountryCode
    items: list[Text] = Field(min_length=1)


class Investor(Strict):
    name: Text
    # What the company does, where the sources say.
    sector: Text | None = None


class Investors(Fact):
    companies: list[Investor] = []


# Every part of a section is optional: a relationship records what it has, and a brief
# prints nothing (no heading, no empty table) for what it lacks.


class Trade(Strict):
    partner_rank: Ranked | None = None
    exports: list[Goods] = []
    balance: Fact | None = None


class Economy(Strict):
    summary: Fact | None = None
    trade: Trade | None = None
    investors: Investors | None = None
    investment_sectors: Fact | None = None
    opportunities: list[Fact] = []


class Figure(Fact):
    """A fact whose point is an amount of money (and what it is worth in another currency)."""

    value: Money
    equivalent: Money | None = None


class Since(Fact):
    year: int = Field(ge=1800, le=2200)


class Project(Fact):
    id: Identifier
    name: Text
    sector: Text


class Grant(Figure):
    id: Identifier
    purpose: Text


class Schools(Fact):
    built: int = Field(ge=0, le=10**12)
    children: int = Field(ge=0, le=10**12)
    since: int = Field(ge=1800, le=2200)


class Agency(Fact):
    """The body that delivers the assistance; briefs name it from here, never from a template."""

    name: Text | None = None
    # Short form used after the first mention, e.g. "JICA".
    abbreviation: Text | None = None


class DevelopmentAssistance(Strict):
    oda_start: Since | None = None
    cumulative: Figure | None = None
    donor_rank: Ranked | None = None
    agency: Agency | None = None
    projects: list[Project] = []
    schools: Schools | None = None
    grants: list[Grant] = []
    other: list[Fact] = []


class Diaspora(Fact):
    origin: CountryCode
    host: CountryCode
    size: int = Field(gt=0, le=10**12)
    approximate: bool = False
    trades: list[Text] = []


class Body(Fact):
    id: Identifier
    name: Text
    founded: PartialDate | None = None


class People(Strict):
    diaspora: Diaspora | None = None
    cultural_exchanges: Fact | None = None
    bodies: list[Body] = []
    education: list[Fact] = []
    labour: Fact | None = None


class Relations(Strict):
    character: list[Fact] = []
    multilateral: list[Fact] = []
    quotations: list[Quotation] = []


class Point(Fact):
    """A fact with a title of its own, e.g. one challenge or one prospect."""

    id: Identifier
    title: Text


class Outlook(Strict):
    challenges: list[Point] = []
    prospects: list[Point] = []


class TopicFact(Fact):
    """One fact of a desk's own topic. ``title``, where given, is printed as a bold lead-in
    label ("Exercises."); ``id`` names the fact in `briefs diff`."""

    id: Identifier | None = None
    title: Text | None = None


class Topic(Strict):
    """A section of the desk's own (defence, energy, science ...), written as data.

    The country brief prints every topic after the standard sections; any brief template
    can print one by id (see templates/partials/_sec_topics.html.j2)."""

    id: Identifier
    title: Text
    facts: list[TopicFact] = Field(min_length=1)


class ExchangeRate(Fact):
    """How many units of ``quote`` one unit of ``base`` bought on a date."""

    base: CurrencyCode
    quote: CurrencyCode
    rate: Decimal = Field(gt=0, lt=10**9)
    as_of: PartialDate


class Freshness(Strict):
    """How old each kind of fact may get before a brief marks it stale.

    Keys are kinds of fact named by their place in the fact base (``economy.trade``,
    ``development``, ``history``); the most specific key that contains a fact applies.
    Values are a number of months, or ``never``.
    """

    limits: dict[str, Annotated[int, Field(ge=1, le=12_000)] | Literal["never"]] = {}


class FactBase(Strict):
    """Everything known about one bilateral relationship, merged from its files.

    Only ``metadata`` and ``sources`` are required; every other section is there when the
    relationship has something to say under it. ``topics`` may be spread over several
    files (their lists are joined in file-name order); every other section is in one file."""

    metadata: Metadata
    sources: list[Source] = Field(min_length=1)
    relations: Relations | None = None
    history: History | None = None
    visits: list[Visit] = []
    mechanisms: list[Mechanism] = []
    agreements: list[Agreement] = []
    # What the sources say of the agreements as a whole (e.g. that there are more than listed).
    agreements_overview: Fact | None = None
    economy: Economy | None = None
    development: DevelopmentAssistance | None = None
    people: People | None = None
    outlook: Outlook | None = None
    topics: list[Topic] = []
    freshness: Freshness = Freshness()
    exchange_rates: list[ExchangeRate] = []


TOP_LEVEL_KEYS = tuple(FactBase.model_fields)


@functools.lru_cache(maxsize=None)
def kinds_of_fact(model: type[BaseModel] = None, prefix: str = "") -> frozenset[str]:
    """Every dotted path a freshness limit may name: ``economy``, ``economy.trade`` ..."""
    model = model or FactBase
    names: set[str] = set()
    for name, info in model.model_fields.items():
        if model is FactBase and name == "freshness":
            continue
        path = f"{prefix}{name}"
        names.add(path)
        for candidate in _model_types(info.annotation):
            names |= kinds_of_fact(candidate, path + ".")
    return frozenset(names)


def _model_types(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for argument in typing.get_args(annotation):
        found.extend(_model_types(argument))
    return found


def dotted(path: tuple[Any, ...]) -> str:
    """A path into the fact base as messages print it: ``economy.exports[0].items``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def fact_label(facts: Any, path: tuple[Any, ...]) -> str:
    """A stable, readable name of a fact: list items by their id where they have one
    (``visits[fm-2023].accounts[1]``), so that the name survives reordering."""
    text, node = "", facts
    for part in path:
        node = node[part] if isinstance(part, int) else getattr(node, part)
        if isinstance(part, int):
            text += f"[{getattr(node, 'id', None) or part}]"
        else:
            text += ("." if text else "") + part
    return text


def field_names_at(path: tuple[Any, ...]) -> list[str]:
    """The field names of the model(s) found at ``path`` in a fact base (list indexes and
    dict keys pass through), for "did you mean" hints; [] when the path names no model."""
    models: list[type[BaseModel]] = [FactBase]
    for part in path:
        if isinstance(part, int):
            continue
        found: list[type[BaseModel]] = []
        for model in models:
            info = model.model_fields.get(part)
            if info is not None:
                found.extend(_model_types(info.annotation))
        if not found:
            return []
        models = found
    return sorted({name for model in models for name in model.model_fields})


def walk(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Yield (path, model) for every model inside ``value``, paths as in the YAML."""
    if isinstance(value, BaseModel):
        yield path, value
        for name in type(value).model_fields:
            yield from walk(getattr(value, name), path + (name,))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from walk(item, path + (index,))
