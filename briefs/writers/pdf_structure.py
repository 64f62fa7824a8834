"""What WeasyPrint's structure tree leaves out, added as it is built.

A tagged PDF is read aloud, reflowed and searched through its structure tree.
WeasyPrint (70) tags source notes as plain spans, table header cells without the
scope a screen reader needs to announce "Amount" before a figure, and no element
with its own language, so Urdu and Japanese names would be read with English rules.
PDF/UA asks for all three: notes as ``Note`` elements, each with a unique ``ID``;
``TH`` cells with a ``Scope``; ``Lang`` on an element in another language.

WeasyPrint offers no hook into the tree, so :func:`install` wraps its function that
builds one structure element per box (``weasyprint.pdf.tags._build_box_tree``),
which also calls itself through the module for every child: each element it yields
is completed from the HTML element of its box. If a later WeasyPrint renames the
function, nothing is wrapped and the structure tests say so.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Iterator

_INSTALLED = threading.Lock()

_SCOPES = {"row": "/Row", "col": "/Column", "column": "/Column", "rowgroup": "/Row", "colgroup": "/Column"}


def install() -> bool:
    """Wrap WeasyPrint's structure builder once per process; False when it cannot be."""
    import pydyf
    from weasyprint.pdf import tags

    with _INSTALLED:
        build = getattr(tags, "_build_box_tree", None)
        if build is None:
            return False
        if getattr(build, "briefs_completes", False):
            return True

        @functools.wraps(build)
        def completed(box, parent, pdf, page_number, nums, *args: Any) -> Iterator[Any]:
            for element in build(box, parent, pdf, page_number, nums, *args):
                _complete(element, box, pdf, nums, pydyf)
                yield element

        completed.briefs_completes = True  # type: ignore[attr-defined]
        tags._build_box_tree = completed
        return True


def finish(pdf: Any) -> None:
    """Take the emptied continuations of notes (see :func:`_note`) out of the tree."""
    for element in getattr(pdf, "briefs_note_continuations", ()):
        parent = pdf.objects[int(element["P"].split()[0])]
        parent["K"] = type(parent["K"])([kid for kid in parent["K"] if kid != element.reference])


def _complete(element: Any, box: Any, pdf: Any, nums: dict, pydyf: Any) -> None:
    html = getattr(box, "element", None)
    tag = getattr(box, "element_tag", None)
    if html is None or not isinstance(tag, str) or "::" in tag:  # pseudo-elements: the call, the marker
        return
    kind = element.get("S")
    if kind == "/Span" and "footnote" in (html.get("class") or "").split():
        _note(element, html, pdf, nums, pydyf)
    elif kind == "/TH":
        element.setdefault("A", pydyf.Dictionary({"O": "/Table"}))
        element["A"]["Scope"] = _SCOPES.get((html.get("scope") or "col").lower(), "/Column")
    language = html.get("lang")
    if language and tag != "html":
        element["Lang"] = pydyf.String(language)


def _note(element: Any, html: Any, pdf: Any, nums: dict, pydyf: Any) -> None:
    """One ``Note`` per source note. A note laid out over two lines comes as one element per
    line: the first becomes the Note, the others hand it their content and are emptied, to
    be taken out of the tree by :func:`finish` once their parent holds them."""
    notes = pdf.__dict__.setdefault("briefs_notes", {})
    first = notes.get(html)
    if first is None:
        notes[html] = element
        element["S"] = "/Note"
        element["ID"] = pydyf.String(f"note-{len(notes)}")
        return
    for kid in element["K"]:
        if isinstance(kid, bytes):  # a reference to a child element: it now belongs to the Note
            pdf.objects[int(kid.split()[0])]["P"] = first.reference
        elif isinstance(kid, int):  # marked content directly in the element
            nums[kid] = first.reference
        first["K"].append(kid)
    element["K"] = pydyf.Array([])
    element["S"] = "/NonStruct"
    pdf.__dict__.setdefault("briefs_note_continuations", []).append(element)
