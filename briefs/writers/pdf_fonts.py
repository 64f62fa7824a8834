"""Fonts for the PDF writer: register the project's font files, and find characters no font draws."""

from __future__ import annotations

import bisect
import functools
import shutil
import subprocess
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


class _SystemCoverage:
    """Which characters the installed fonts cover, asked of fontconfig once per process.

    ``fc-list`` takes a noticeable time on a machine with many fonts, so it is started
    before WeasyPrint is imported and read when the answer is needed: the two run side by
    side. The answer is kept as sorted, merged ranges, searched by bisection."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._ranges: tuple[list[int], list[int]] | None = None
        self._asked = False

    def start(self) -> None:
        if self._asked:
            return
        self._asked = True
        fc_list = shutil.which("fc-list")
        if fc_list:
            try:
                self._process = subprocess.Popen([fc_list, "--format", "%{charset}\n"], text=True,
                                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            except OSError:
                self._process = None

    def ranges(self) -> tuple[list[int], list[int]] | None:
        """(starts, ends) of the covered ranges, or None when fontconfig cannot be asked."""
        self.start()
        if self._ranges is None and self._process is not None:
            try:
                output, _ = self._process.communicate(timeout=60)
            except subprocess.SubprocessError:
                self._process.kill()
                output = ""
            if self._process.returncode == 0:
                self._ranges = _merged(output.split())
            self._process = None
        return self._ranges

    def covers(self, codepoint: int) -> bool:
        starts, ends = self._ranges or ([], [])
        index = bisect.bisect_right(starts, codepoint) - 1
        return index >= 0 and codepoint <= ends[index]


def _merged(tokens: list[str]) -> tuple[list[int], list[int]]:
    pairs = []
    for token in set(tokens):
        low, _, high = token.partition("-")
        try:
            start = int(low, 16)
            pairs.append((start, int(high, 16) if high else start))
        except ValueError:
            continue
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted(pairs):
        if ends and start <= ends[-1] + 1:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


SYSTEM_FONTS = _SystemCoverage()


def undrawable_characters(root, fonts: list[Path]) -> list[tuple[str, list[str]]]:
    """(text, characters) for each piece of text holding characters no font can draw."""
    if SYSTEM_FONTS.ranges() is None:
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
