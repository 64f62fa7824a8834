"""Dependency tracking: what a template reads of the fact base is what the build record keeps."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefs.load import load_relationship
from briefs.edition import Release
from briefs.tracking import ReadLog, Withheld, digest, prune, track, value_at

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def facts():
    return load_relationship(ROOT / "facts/pakistan-japan").facts


def test_reading_a_value_records_its_path(facts):
    log = ReadLog()
    tracked = track(facts, log)
    assert str(tracked.economy.trade.partner_rank.rank) == str(facts.economy.trade.partner_rank.rank)
    assert ("economy", "trade", "partner_rank", "rank") in log
    assert not any(path[:1] == ("history",) for path in log)


def test_iterating_a_list_records_the_list_and_counting_it_too(facts):
    log = ReadLog()
    names = [agreement.title for agreement in track(facts, log).agreements]
    assert len(names) == len(facts.agreements)
    assert ("agreements",) in log
    # Each item read is recorded under its index, and prune keeps the list as a whole.
    assert ("agreements", 0, "title") in log
    assert prune(set(log)) == [("agreements",)]


def test_a_missing_optional_value_is_remembered(facts):
    index = next(i for i, visit in enumerate(facts.visits) if visit.end_date is None)
    log = ReadLog()
    assert track(facts, log).visits[index].end_date is None
    assert log.last_missing == ("visits", index, "end_date")


def test_digest_changes_only_with_the_values_read(facts):
    paths = [("economy", "trade", "partner_rank", "rank")]
    other = facts.model_copy(update={"history": facts.history.model_copy(update={"background": []})})
    assert digest(facts, paths) == digest(other, paths)
    changed_rank = facts.economy.trade.partner_rank.model_copy(update={"rank": 99})
    trade = facts.economy.trade.model_copy(update={"partner_rank": changed_rank})
    changed = facts.model_copy(update={"economy": facts.economy.model_copy(update={"trade": trade})})
    assert digest(facts, paths) != digest(changed, paths)
    assert value_at(facts, ("nothing", "here")) == "<missing>"


def test_a_release_hides_facts_above_it_and_refuses_a_direct_read(facts):
    log = ReadLog()
    log.release = Release(facts, "PUBLIC")
    restricted = [i for i, f in enumerate(facts.relations.multilateral) if f.marking == "RESTRICTED"]
    assert restricted, "the shipped facts mark a multilateral fact RESTRICTED"
    shown = list(track(facts, log).relations.multilateral)
    assert len(shown) == len(facts.relations.multilateral) - len(restricted)
    hidden = track(facts.relations.multilateral[restricted[0]], log, ("relations", "multilateral", restricted[0]))
    assert not hidden
    with pytest.raises(Withheld) as caught:
        hidden.text
    assert caught.value.marking == "RESTRICTED" and caught.value.release == "PUBLIC"
