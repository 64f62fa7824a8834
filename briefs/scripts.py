"""Scripts: text in the facts that no font of the project or the machine can draw.

Checked when facts are loaded for a build or a check, so that the warning names the
fact's file and line (and ``--strict`` stops before anything is written), rather than
a PDF quietly printing empty boxes.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from .errors import BriefsError, Problem
from .load import Relationship
from .model import dotted, walk
from .writers.pdf_fonts import SYSTEM_FONTS, confined_fonts, describe


def undrawable_in_facts(relationship: Relationship, fonts: list[Path]) -> list[Problem]:
    """A warning at the fact's file:line for each text holding characters that neither the
    project's fonts nor any installed font can draw (they would print as empty boxes)."""
    if not SYSTEM_FONTS.available():
        return []
    extra: set[int] = set()
    for path in confined_fonts(fonts):
        try:
            extra |= describe(path)[3]
        except BriefsError:
            continue  # a broken font file is reported by the PDF writer, at the font's path
    problems = []
    for path, model in walk(relationship.facts):
        for name in type(model).model_fields:
            value = getattr(model, name)
            for index, text in enumerate(value if isinstance(value, list) else [value]):
                if not isinstance(text, str):
                    continue
                missing = [c for c in dict.fromkeys(text)
                           if ord(c) > 0x7E and ord(c) not in extra and unicodedata.category(c)[0] not in "ZC"
                           and not SYSTEM_FONTS.covers(ord(c))]
                if missing:
                    where = path + (name,) + ((index,) if isinstance(value, list) else ())
                    shown = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in missing)
                    problems.append(Problem(
                        f"{dotted(where)}: no installed font can draw {shown}; install a font that has"
                        " it (README, \"Fonts and scripts\") or put one in templates/fonts/",
                        relationship.location(where), severity="warning"))
    return problems
