"""Every value from the fact base in its own bidirectional isolate.

A value may carry right-to-left text, or a right-to-left override (U+202E) it never
closes; set as it is beside the brief's own words, it would reorder them ("Issued by …
Date of issue" read backwards, a portion mark pulled into the fact's text). Isolated, it
is laid out as one unit and whatever it opens ends with it (Unicode's bidi algorithm,
UAX #9: an isolate closes every embedding and override begun inside it).

How: the fact base reaches templates as :class:`FactText` (see :mod:`briefs.tracking`).
Printed with ``{{ … }}``, a FactText is set between two markers, Unicode noncharacters
that no fact may contain (the loader refuses them), because at that point it is not
known whether the value lands in text or in an attribute. Once the brief is rendered,
:func:`isolate_values` turns each marked value in the text into ``<bdi>`` (an isolate in
HTML, and so in the PDF; the DOCX writer sets it between FSI and PDI) and drops the
markers from attributes and from what is not text (a ``<title>``, a ``<style>``).
:func:`plain` drops them from what leaves the render as data (titles, notes).
"""

from __future__ import annotations

import unicodedata

import lxml.html

START, END = "\ufdd0", "\ufdd1"
# What Word and plain text use for an isolate: FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE.
FSI, PDI = "\u2068", "\u2069"
# Bidi classes that can reorder what surrounds them: right-to-left letters, Arabic digits and
# the explicit embeddings, overrides and isolates.
_REORDERING = {"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
_NOT_TEXT = {"title", "style", "script", "textarea", "option", "template"}


class FactText(str):
    """A text value read from the fact base (for printing, it is isolated)."""

    __slots__ = ()


def marked(value: str) -> str:
    """``value`` between the markers that make it an isolate in the rendered brief."""
    return f"{START}{value}{END}"


def plain(text: str) -> str:
    """``text`` without isolate markers (for metadata, notes, messages)."""
    return text.replace(START, "").replace(END, "")


def isolate_values(document: lxml.html.HtmlElement) -> bool:
    """Turn each marked value in the document's text into a ``<bdi>``; drop markers where
    there is no text to isolate. True if the document changed."""
    changed = False
    for element in list(document.iter()):
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            if START in value or END in value:
                element.set(name, plain(value))
                changed = True
        if element.text and (START in element.text or END in element.text):
            if element.tag in _NOT_TEXT:
                element.text = plain(element.text)
            else:
                element.text, pieces = _split(element.text)
                for index, piece in enumerate(pieces):
                    element.insert(index, piece)
            changed = True
        if element.tail and (START in element.tail or END in element.tail):
            element.tail, pieces = _split(element.tail)
            for piece in reversed(pieces):
                element.addnext(piece)
            changed = True
    return changed


def _split(text: str) -> tuple[str, list[lxml.html.HtmlElement]]:
    """The text before the first marked value, and one ``<bdi>`` per value (each holding
    the text after it as its tail). A marker without its pair (a template cut a value
    short) is dropped."""
    head, *rest = text.split(START)
    head = head.replace(END, "")
    pieces = []
    for chunk in rest:
        value, ended, after = chunk.partition(END)
        bdi = lxml.html.Element("bdi")
        bdi.text = value
        bdi.tail = after.replace(END, "") if ended else ""
        pieces.append(bdi)
    return head, pieces


def needs_isolate(text: str) -> bool:
    """Whether a value could reorder the words around it: it holds right-to-left letters or
    an explicit bidi control. Word and plain text have no isolate element, so FSI ... PDI
    are set only around such values (LibreOffice's PDF export draws FSI and PDI with the
    space's glyph, and then reads every space of that font back as one)."""
    return any(unicodedata.bidirectional(char) in _REORDERING for char in text)


def isolate_chars(text: str) -> str:
    """A value's text for Word or plain text: between FSI and PDI if it needs them."""
    return f"{FSI}{text}{PDI}" if needs_isolate(text) else text


def isolated_text(element: lxml.html.HtmlElement) -> str:
    """An element's text, each ``<bdi>`` within it that needs it set between FSI and PDI."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            inner = isolated_text(child)
            parts.append(isolate_chars(inner) if child.tag == "bdi" else inner)
        parts.append(child.tail or "")
    return "".join(parts)


def copy_text(source: lxml.html.HtmlElement, target: lxml.html.HtmlElement) -> None:
    """Give ``target`` the text of ``source``, keeping each ``<bdi>`` in it (a heading's
    text copied into the table of contents)."""
    target.text = ""
    last = None
    for is_value, text in _segments(source):
        if is_value:
            last = lxml.html.Element("bdi")
            last.text = text
            last.tail = ""
            target.append(last)
        elif last is None:
            target.text += text
        else:
            last.tail += text


def _segments(element) -> list[tuple[bool, str]]:
    """(is a value, text) pieces of an element's text, in order."""
    pieces = [(False, element.text or "")]
    for child in element:
        if isinstance(child.tag, str):
            pieces += [(True, child.text_content())] if child.tag == "bdi" else _segments(child)
        pieces.append((False, child.tail or ""))
    return pieces
