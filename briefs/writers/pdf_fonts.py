"""Fonts for the PDF writer: register the project's font files, and find characters no font draws."""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from ..confine import inside, why_not_plain
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


def confined_fonts(fonts: list[Path]) -> list[Path]:
    """The font files, each checked to be a plain file inside its own ``fonts/`` folder;
    a symbolic link leading out, a loop, a folder or a pipe is a WriteError naming it."""
    problems = []
    for path in fonts:
        # The path as listed, not its target's (display_path would resolve a symbolic link).
        where = Location(f"{display_path(path.parent)}/{path.name}")
        why = why_not_plain(path)
        if why is not None:
            problems.append(Problem(f"cannot use this font file: it is {why}", where))
        elif inside(path.parent, path.name) is None:
            problems.append(Problem("this font file is a symbolic link leading out of its fonts/"
                                    " folder; copy the font in instead", where))
    if problems:
        raise WriteError(problems)
    return fonts


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


def _fontconfig_api() -> dict:
    """The fontconfig functions asked, by name: (result type, argument types)."""
    import ctypes  # only once a text is checked: a build with nothing to do needs none

    class FontSet(ctypes.Structure):
        _fields_ = [("nfont", ctypes.c_int), ("sfont", ctypes.c_int), ("fonts", ctypes.c_void_p)]

    opaque, font_set = ctypes.c_void_p, ctypes.POINTER(FontSet)  # FcPattern, FcCharSet...: opaque
    return {
        "FcInit": (ctypes.c_int, []),
        "FcCharSetCreate": (opaque, []),
        "FcCharSetAddChar": (ctypes.c_int, [opaque, ctypes.c_uint32]),
        "FcCharSetDestroy": (None, [opaque]),
        "FcPatternCreate": (opaque, []),
        "FcPatternDestroy": (None, [opaque]),
        "FcPatternAddCharSet": (ctypes.c_int, [opaque, ctypes.c_char_p, opaque]),
        "FcObjectSetCreate": (opaque, []),
        "FcObjectSetAdd": (ctypes.c_int, [opaque, ctypes.c_char_p]),
        "FcObjectSetDestroy": (None, [opaque]),
        "FcFontList": (font_set, [opaque, opaque, opaque]),
        "FcFontSetDestroy": (None, [font_set]),
    }


class _SystemFonts:
    """Asks fontconfig (the library WeasyPrint finds its fonts with) whether any installed
    font has a character. fontconfig has no maintained Python binding, so these few calls
    go through ctypes (declaring them for cffi meant parsing C declarations, some 25 ms at
    every start); asking in-process takes about a millisecond per character, where listing
    every font's coverage with fc-list took a noticeable part of a one-brief build."""

    def __init__(self) -> None:
        self._lib = None
        self._loaded = False

    def available(self) -> bool:
        if not self._loaded:
            self._loaded = True
            try:
                lib = _open_fontconfig()
                for name, (result, arguments) in _fontconfig_api().items():
                    function = getattr(lib, name)
                    function.restype, function.argtypes = result, arguments
                if lib.FcInit():
                    self._lib = lib
            except (OSError, AttributeError):
                pass
        return self._lib is not None

    @functools.lru_cache(maxsize=4096)
    def covers(self, codepoint: int) -> bool:
        lib = self._lib
        charset, pattern, objects = lib.FcCharSetCreate(), lib.FcPatternCreate(), lib.FcObjectSetCreate()
        try:
            lib.FcCharSetAddChar(charset, codepoint)
            lib.FcPatternAddCharSet(pattern, b"charset", charset)
            lib.FcObjectSetAdd(objects, b"family")
            fonts = lib.FcFontList(None, pattern, objects)
            found = bool(fonts) and fonts.contents.nfont > 0
            if fonts:
                lib.FcFontSetDestroy(fonts)
            return found
        finally:
            lib.FcObjectSetDestroy(objects)
            lib.FcPatternDestroy(pattern)
            lib.FcCharSetDestroy(charset)


def _open_fontconfig():
    import ctypes

    # The usual name first: searching for the library (ctypes.util) runs the linker.
    for name in ("libfontconfig.so.1", "libfontconfig.1.dylib"):
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    from ctypes.util import find_library

    return ctypes.CDLL(find_library("fontconfig") or "fontconfig")


SYSTEM_FONTS = _SystemFonts()


def undrawable_characters(root, fonts: list[Path]) -> list[tuple[str, list[str]]]:
    """(text, characters) for each piece of text holding characters no font can draw."""
    if not SYSTEM_FONTS.available():
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
                   if ord(c) > 0x7E and ord(c) not in extra and not SYSTEM_FONTS.covers(ord(c))
                   and unicodedata.category(c)[0] not in "ZC"]
        if missing:
            snippet = " ".join(text.split())
            found.setdefault(snippet[:80], []).extend(c for c in missing)
    return [(text, list(dict.fromkeys(chars))) for text, chars in found.items()]

