"""Fonts for the PDF writer: register the project's font files, and find characters no font draws."""

from __future__ import annotations

import functools
import shutil
import subprocess
import unicodedata
from pathlib import Path

from ..errors import Location, Problem, WriteError, display_path

_FORMATS = {".ttf": "truetype", ".otf": "opentype", ".woff": "woff", ".woff2": "woff2"}


@functools.lru_cache(maxsize=256)
def _describe(path: Path, _stamp: tuple[int, int]) -> tuple[str, int, str, frozenset[int]]:
    """Family, weight, style and the characters a font file covers (raises WriteError)."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(str(path), lazy=True) as font:
            names = font["name"]
            family = (names.getDebugName(16) or names.getDebugName(1) or path.stem).strip()
            weight = font["OS/2"].usWeightClass if "OS/2" in font else 400
            italic = bool(font["OS/2"].fsSelection & 1) if "OS/2" in font else False
            covered = frozenset(font.getBestCmap() or {})
    except (TTLibError, KeyError, AssertionError, OSError, ValueError, ImportError) as exc:
        raise WriteError(Problem(f"not a usable font file: {exc}", Location(display_path(path)))) from None
    except Exception as exc:  # fontTools raises many things on garbage input
        raise WriteError(Problem(f"not a usable font file: {type(exc).__name__}: {exc}",
                                 Location(display_path(path)))) from None
    return family, weight, "italic" if italic else "normal", covered


def describe(path: Path) -> tuple[str, int, str, frozenset[int]]:
    stat = path.stat()
    return _describe(path.resolve(), (stat.st_mtime_ns, stat.st_size))


def font_face_rules(fonts: list[Path]) -> tuple[str, list[str]]:
    """@font-face rules for the project's font files, and their families."""
    rules, families = [], []
    for path in fonts:
        family, weight, style, _ = describe(path)
        families.append(family)
        family_css = family.replace("\\", "\\\\").replace('"', '\\"')
        rules.append(
            f'@font-face {{ font-family: "{family_css}"; src: url("{path.resolve().as_uri()}")'
            f' format("{_FORMATS[path.suffix.lower()]}"); font-weight: {weight}; font-style: {style}; }}'
        )
    return "\n".join(rules), families


@functools.lru_cache(maxsize=1)
def _system_coverage() -> frozenset[int] | None:
    """Every character some installed font covers, from fontconfig; None if unknown."""
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return None
    try:
        output = subprocess.run([fc_list, "--format", "%{charset}\n"], capture_output=True,
                                text=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    covered: set[int] = set()
    for token in output.split():
        low, _, high = token.partition("-")
        try:
            start = int(low, 16)
            covered.update(range(start, int(high, 16) + 1 if high else start + 1))
        except ValueError:
            continue
    return frozenset(covered)


def undrawable_characters(root, fonts: list[Path]) -> list[tuple[str, list[str]]]:
    """(text, characters) for each piece of text holding characters no font can draw."""
    system = _system_coverage()
    if system is None:
        return []
    extra: set[int] = set()
    for path in fonts:
        extra |= describe(path)[3]
    found: dict[str, list[str]] = {}
    body = root.find("body")
    if body is None:
        return []
    for text in body.itertext():
        missing = [c for c in dict.fromkeys(text)
                   if ord(c) > 0x7E and ord(c) not in system and ord(c) not in extra
                   and unicodedata.category(c)[0] not in "ZC"]
        if missing:
            snippet = " ".join(text.split())
            found.setdefault(snippet[:80], []).extend(c for c in missing)
    return [(text, list(dict.fromkeys(chars))) for text, chars in found.items()]
