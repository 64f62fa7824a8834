"""`briefs new A B`: a new relationship's fact files, with every field to fill in.

Every value a desk officer must supply is a placeholder starting with ``TODO``;
the files are valid as written, so ``make`` builds the four briefs at once, and
``briefs check`` warns about each placeholder (with file and line) until it is
replaced.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from pathlib import Path

from .errors import BriefsError, Location, Problem, UsageError, display_path

SLUG = re.compile(r"^[a-z][a-z]*(?:-[a-z]+)*$")
PLACEHOLDER = "TODO"

FILES = {
    "metadata.yaml": """\
# Who issues the briefs on this relationship, and how they are marked.
metadata:
  title: {A}–{B} Relations
  issuing_office: "TODO: the office that issues these briefs"
  perspective: {a}         # whose side briefs take by default: {a}, {b} or neutral
  markings: [PUBLIC, OFFICIAL, RESTRICTED, CONFIDENTIAL]
  marking: RESTRICTED      # the marking of facts that carry none of their own
  language: en
  edition:
    date: {today}
    number: 1
  keywords: [{A}, {B}, bilateral relations]
  countries:
    - code: {CA}           # ISO 3166 two-letter code: check it
      name: {A}
      official_name: "TODO: official name of {A}"
      adjective: "TODO: adjective, e.g. Pakistani"
      capital: "TODO: capital of {A}"
    - code: {CB}           # ISO 3166 two-letter code: check it
      name: {B}
      official_name: "TODO: official name of {B}"
      adjective: "TODO: adjective, e.g. Japanese"
      capital: "TODO: capital of {B}"
""",
    "sources.yaml": """\
# Every document the facts rest on; facts cite these ids. kind: official, press or analysis.
# Give title, publisher, date and url where the document names them, and put the
# document itself beside these files (`file: seeds/brief.pdf`: .txt, .html, .pdf or
# .docx) so that `briefs check` can find each fact's passages in it.
sources:
  - id: source-1
    title: "TODO: title of the first source document"
    kind: official
    publisher: "TODO: who published it"
""",
    "freshness.yaml": """\
# How old each kind of fact may get, in months from the edition date, or never.
freshness:
  limits:
    economy: 24
    economy.trade: 12
    development: 24
    people: 36
    history: never
""",
    "relations.yaml": """\
# The character of the relationship. State facts in your own words; cite sources,
# each with the exact passage that supports the fact: sources: {{source-1: "..."}}.
relations:
  character:
    - text: "TODO: how the two countries describe their relations"
      sources: [source-1]
""",
    "history.yaml": """\
history:
  establishment:
    date: {today}          # TODO: the date diplomatic relations were established
    text: "TODO: when and how diplomatic relations were established"
    sources: [source-1]
""",
    "visits.yaml": """\
# High-level visits: who, when, where, whom they met.
visits:
  - id: visit-1
    date: {year}           # TODO: year, year-month or full date of the visit
    visitor: {{office: "TODO: office of the visitor", country: {CA}}}
    to: {CB}
    purpose: "TODO: purpose of the visit"
    text: "TODO: what happened during the visit"
    sources: [source-1]
""",
    "mechanisms.yaml": """\
# Standing dialogue mechanisms. track: political, economic, security or multilateral.
mechanisms:
  - id: mechanism-1
    name: "TODO: name of the mechanism"
    track: political
    in_official_list: true
    text: "TODO: what the mechanism does"
    sources: [source-1]
""",
    "agreements.yaml": """\
# Agreements and MoUs. kind: agreement, mou or declaration.
agreements:
  - id: agreement-1
    title: "TODO: title of the agreement"
    kind: agreement
    date: {year}           # TODO: when it was signed
    area: "TODO: field it covers"
    text: "TODO: what it provides"
    sources: [source-1]
""",
    "economy.yaml": """\
# Trade and investment; figures carry as_of.
economy:
  summary:
    text: "TODO: the economic relationship in one or two sentences"
    sources: [source-1]
  trade:
    partner_rank:
      rank: 1              # TODO: rank of {B} among {A}'s trading partners
      text: "TODO: the trade ranking, in words"
      sources: [source-1]
      as_of: {year}
    exports:
      - exporter: {CA}
        items: ["TODO: main exports of {A} to {B}"]
        text: "TODO: what {A} sells to {B}"
        sources: [source-1]
      - exporter: {CB}
        items: ["TODO: main exports of {B} to {A}"]
        text: "TODO: what {B} sells to {A}"
        sources: [source-1]
    balance:
      text: "TODO: the balance of trade"
      sources: [source-1]
      as_of: {year}
  investors:
    text: "TODO: who invests"
    sources: [source-1]
    companies:
      - {{name: "TODO: company", sector: "TODO: sector"}}
  investment_sectors:
    text: "TODO: where investment goes"
    sources: [source-1]
""",
    "development.yaml": """\
# Development assistance. Money: amount, ISO currency code, as_of.
development:
  oda_start:
    year: {year}           # TODO: first year of assistance
    text: "TODO: since when assistance has been given"
    sources: [source-1]
  cumulative:
    text: "TODO: total assistance to date"
    value: {{amount: 1, currency: USD, as_of: {year}}}   # TODO: the real total
    sources: [source-1]
    as_of: {year}
  donor_rank:
    rank: 1                # TODO
    text: "TODO: rank among donors"
    sources: [source-1]
    as_of: {year}
  agency:
    text: "TODO: the agency that delivers assistance"
    sources: [source-1]
  schools:
    built: 0
    children: 0
    since: {year}
    text: "TODO: schools or other outputs, or say there are none"
    sources: [source-1]
""",
    "people.yaml": """\
# People-to-people ties.
people:
  diaspora:
    origin: {CA}
    host: {CB}
    size: 1                # TODO: size of the {A} community in {B}
    approximate: true
    text: "TODO: the {A} community in {B}"
    sources: [source-1]
    as_of: {year}
  cultural_exchanges:
    text: "TODO: cultural, academic and youth exchanges"
    sources: [source-1]
""",
    "outlook.yaml": """\
outlook:
  challenges:
    - id: challenge-1
      title: "TODO: a challenge"
      text: "TODO: what it is and why it matters"
      sources: [source-1]
  prospects:
    - id: prospect-1
      title: "TODO: a prospect"
      text: "TODO: where the relationship could grow"
      sources: [source-1]
""",
}


def create(facts_dir: Path, first: str, second: str, today: dt.date | None = None) -> Path:
    """Write facts/<first>-<second>/; refuse bad names and never overwrite."""
    for name in (first, second):
        if not SLUG.match(name):
            raise UsageError(Problem(
                f"{name!r} is not a simple name: use lower-case letters and hyphens, e.g. pakistan"))
    if first == second:
        raise UsageError(Problem("a relationship needs two different countries"))
    target = facts_dir / f"{first}-{second}"
    if target.exists():
        raise BriefsError(Problem("already exists; nothing was changed (edit its files instead)",
                                  Location(display_path(target))))
    today = today or dt.date.today()
    values = {
        "A": first.replace("-", " ").title(), "B": second.replace("-", " ").title(),
        "a": first, "b": second,
        "CA": _code(first), "CB": _code(second) if _code(second) != _code(first) else _code(second, 1),
        "today": today.isoformat(), "year": today.year,
    }
    facts_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=facts_dir))
    try:
        for name, text in FILES.items():
            (scratch / name).write_text(text.format(**values), encoding="utf-8")
        os.rename(scratch, target)  # all files appear at once, or none
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return target


def _code(name: str, offset: int = 0) -> str:
    letters = re.sub(r"[^a-z]", "", name)
    return (letters[0] + letters[1 + offset]).upper() if len(letters) > 1 + offset else "XX"
