"""The repository's own fact base: complete, sourced, typed, and honest about disagreements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from briefs.load import load_all
from briefs.model import Fact, Quotation, walk

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "facts" / "pakistan-japan" / "seeds"


def relationship():
    [pakistan_japan] = load_all(ROOT / "facts")
    return pakistan_japan


def test_loads_without_warnings():
    # The shipped example is dated as of its newest sources (autumn 2023): nothing is stale.
    assert relationship().warnings == []


def test_every_fact_names_a_listed_source():
    facts = relationship().facts
    listed = {source.id for source in facts.sources}
    count = 0
    for _path, model in walk(facts):
        if isinstance(model, (Fact, Quotation)):
            count += 1
            assert model.sources and set(model.sources) <= listed
    assert count >= 60


def test_sources_describe_each_seed_document():
    sources = relationship().facts.sources
    assert {s.kind for s in sources} == {"official", "press", "analysis"}
    assert len({s.file for s in sources}) == len(sources) == 5
    official = [s for s in sources if s.kind == "official"]
    assert official[0].title == "Brief on Pakistan-Japan Relations"


def test_typed_figures():
    facts = relationship().facts
    assert facts.history.establishment.date == dt.date(1952, 4, 28)
    value = facts.development.cumulative.value
    assert (value.amount, value.currency, str(value.as_of)) == (Decimal("1350000000000"), "JPY", "2022-01")
    equivalent = facts.development.cumulative.equivalent
    assert (equivalent.amount, equivalent.currency) == (Decimal("11700000000"), "USD")
    assert facts.development.donor_rank.rank == 2
    assert facts.people.diaspora.size == 19000
    assert [m.name for m in facts.mechanisms if m.in_official_list][:3] == [
        "Bilateral Political Consultations", "High-level Economic Policy Dialogue",
        "Joint Government-Business Dialogue"]
    assert len([m for m in facts.mechanisms if m.in_official_list]) == 6


def test_disagreeing_sources_are_both_kept():
    visit = next(v for v in relationship().facts.visits if v.id == "fm-2023")
    cited = [set(account.sources) for account in visit.accounts]
    assert {"tdi-visit-analysis"} in cited and {"fo-brief"} in cited


def _sentences(text: str) -> list[str]:
    import re

    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if len(s.split()) >= 8]


def test_facts_are_in_our_own_words():
    """No run of eight or more words copied from a seed, except inside a marked quotation."""
    import re

    def words(text):
        return re.findall(r"[a-z0-9]+", text.lower())

    seed_grams = set()
    assert len(list(SEEDS.glob("*.txt"))) == 5
    for seed in SEEDS.glob("*.txt"):
        w = words(seed.read_text(encoding="utf-8"))
        seed_grams.update(tuple(w[i:i + 8]) for i in range(len(w) - 7))
    copied = []
    for path, model in walk(relationship().facts):
        if isinstance(model, Quotation) or path[:1] == ("sources",):
            continue
        for name in ("text",):
            text = getattr(model, name, None)
            if isinstance(text, str):
                w = words(text)
                if any(tuple(w[i:i + 8]) in seed_grams for i in range(len(w) - 7)):
                    copied.append((path, text))
    assert not copied, copied
