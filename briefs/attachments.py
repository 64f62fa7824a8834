"""What an archival PDF carries besides its pages: made from what the brief rendered.

A PDF/A-3 brief embeds its evidence: a data file of the facts the brief read (as
the model holds them, without desk comments, inferences or passages), and the
source documents it cites. Nothing above the brief's banner marking goes in: facts
marked higher are left out of the data file, and a source document is attached
only when it is marked no higher than the banner and no fact above the banner
rests on it (the document would carry that fact's words).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from .edition import Release, desk_only, is_fact
from .load import Relationship
from .model import dotted, walk
from .tracking import prune, value_at


def attachments_for(relationship: Relationship, kind: str, fact_paths, banner: str
                    ) -> list[tuple[str, bytes, str]]:
    """(name inside the PDF, bytes, description) for each attachment, the data file first."""
    meta = relationship.facts.metadata
    # Nothing above the banner: the edition's own rule, at the banner's level.
    release = Release(relationship.facts, banner)

    facts: dict[str, Any] = {}
    for path in prune(set(fact_paths)):
        if path and path[0] not in ("sources", "metadata") and not desk_only(tuple(path)):
            value = _clean(value_at(relationship.facts, tuple(path)), release, tuple(path))
            if value is not None:
                facts[dotted(tuple(path))] = value
    data = {"relationship": relationship.slug, "brief": kind, "marking": banner,
            "edition": meta.edition.date.isoformat(), "facts": facts}
    files = [(f"{relationship.slug}/{kind}-facts.json",
              (json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"),
              f"The facts this brief shows, marked {banner} or lower")]
    above = {source for _path, model in walk(relationship.facts)
             if _path and _path[0] != "sources" and is_fact(model) and release.withheld(model) is not None
             for source in getattr(model, "sources", [])}
    for source in relationship.facts.sources:
        path = relationship.folder / source.file if source.file else None
        if (path is not None and path.is_file() and source.id not in above
                and release.shows_source(source.id) and source.id in _cited(facts)):
            files.append((f"{relationship.slug}/{source.file}", path.read_bytes(), "Source document"))
    return files


def _clean(value: Any, release: Release, path: tuple) -> Any:
    """The value as plain data, without facts or sources above the release level or the
    desk's own fields."""
    if isinstance(value, BaseModel):
        if release.withheld(value) is not None:
            return None
        return {name: _clean(getattr(value, name), release, path + (name,)) for name in type(value).model_fields
                if not desk_only(path + (name,)) and getattr(value, name) not in (None, [], {})}
    if isinstance(value, (list, tuple)):
        items = [_clean(item, release, path + (index,)) for index, item in enumerate(value)
                 if release.shows(item, path)]
        return [item for item in items if item is not None]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _cited(facts: dict[str, Any]) -> set[str]:
    """The source ids the data file's facts cite: in a whole fact's ``sources``, or read on
    their own (the entry "economy.trade.partner_rank.sources")."""
    found: set[str] = set()

    def visit(value: Any, name: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                visit(item, key)
        elif isinstance(value, list):
            if name.rpartition(".")[2] == "sources":
                found.update(s for s in value if isinstance(s, str))
            for item in value:
                visit(item, name)

    visit(facts, "")
    return found
