"""Comparing editions of a fact base: what was added, changed and removed, and what a release shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefs.changes import compare, describe, read_snapshot, snapshot_bytes
from briefs.load import load_relationship

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def facts():
    return load_relationship(ROOT / "facts/pakistan-japan").facts


def test_the_same_facts_have_no_changes(facts):
    changes = compare(facts, facts, "edition 1")
    assert not changes
    assert describe("pakistan-japan", changes)[-1].strip() == "no changes"


def test_a_changed_figure_an_added_and_a_removed_fact(facts):
    rank = facts.economy.trade.partner_rank.model_copy(update={"rank": 3})
    trade = facts.economy.trade.model_copy(update={"partner_rank": rank})
    newer = facts.model_copy(update={
        "economy": facts.economy.model_copy(update={"trade": trade}),
        "agreements": facts.agreements[1:],
    })
    changes = compare(facts, newer, "edition 1")
    changed = {entry["fact"]: entry for entry in changes.changed}
    assert changed["economy.trade.partner_rank"]["fields"]["rank"] == [facts.economy.trade.partner_rank.rank, 3]
    removed = [entry["fact"] for entry in changes.removed]
    assert removed == [f"agreements[{facts.agreements[0].id}]"]
    assert compare(newer, facts, "x").added[0]["fact"] == f"agreements[{facts.agreements[0].id}]"


def test_a_release_lists_only_changes_it_may_show(facts):
    marked = [f for f in facts.relations.multilateral if f.marking == "RESTRICTED"][0]
    changed = marked.model_copy(update={"text": marked.text + " More."})
    items = [changed if f is marked else f for f in facts.relations.multilateral]
    newer = facts.model_copy(update={"relations": facts.relations.model_copy(update={"multilateral": items})})
    changes = compare(facts, newer, "edition 1")
    assert len(changes.changed) == 1
    assert not changes.released(facts.metadata.markings, "PUBLIC")
    assert changes.released(facts.metadata.markings, "RESTRICTED")


def test_a_snapshot_reads_back_as_the_same_facts(facts, tmp_path):
    path = tmp_path / "1.json"
    path.write_bytes(snapshot_bytes(facts))
    assert not compare(read_snapshot(path), facts, "snapshot")
