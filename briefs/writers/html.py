"""HTML writer: the rendered page itself, made self-contained and readable on screen.

Source notes, which the document model keeps at the point of citation
(``<span class="footnote">``), become numbered links to a list of notes at the
end of the page, numbered in the same order as the PDF's footnotes and the
DOCX's Word footnotes.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import lxml.html
from lxml.html import builder as E

from . import Writer, WriteOptions, register

if TYPE_CHECKING:
    from ..rendered import RenderedBrief


def footnote_spans(root: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The source notes of a document, in reading order (the order they are numbered in)."""
    return root.xpath('//span[contains(concat(" ", normalize-space(@class), " "), " footnote ")]')


@register
class HtmlWriter(Writer):
    name = "html"
    suffix = ".html"

    def write(self, brief: RenderedBrief, options: WriteOptions) -> bytes:
        root = copy.deepcopy(brief.document)  # the tree is shared with the other writers
        notes = E.OL()
        for number, span in enumerate(footnote_spans(root), start=1):
            call = E.A(str(number), href=f"#fn-{number}", id=f"fnref-{number}",
                       **{"class": "footnote-ref", "role": "doc-noteref"})
            sup = E.SUP(call)
            sup.tail = span.tail
            note = E.LI(id=f"fn-{number}")
            note.text = (span.text or "").lstrip()
            for child in span:  # a working edition's note links its sources to their passages
                note.append(child)
            if len(note):
                note[-1].tail = (note[-1].tail or "").rstrip() + " "
            else:
                note.text = note.text.rstrip() + " "
            back = E.A("↩", href=f"#fnref-{number}", **{"class": "footnote-back", "role": "doc-backlink"})
            note.append(back)
            notes.append(note)
            span.getparent().replace(span, sup)
        body = root.find("body")
        if len(notes):
            # A heading for assistive technology and the outline, without adding an h2 the
            # PDF and DOCX (whose notes are footnotes) do not have.
            section = E.SECTION(E.P(E.STRONG("Notes"), role="heading", **{"aria-level": "2",
                                "class": "notes-title"}), notes,
                                **{"class": "footnotes", "role": "doc-endnotes"})
            body.append(section)
        if brief.meta.marking:
            body.append(E.P(brief.meta.marking, **{"class": "marking marking-bottom"}))
        html = lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")
        return (html + "\n").encode("utf-8")
