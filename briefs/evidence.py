"""Evidence: every fact anchored to the passages of its sources that support it.

A fact may cite its sources with passages (``sources: {fo-brief: "exact words"}``).
When a relationship is loaded, this module

1. resolves each source's document inside the relationship folder and extracts its
   text (``.txt``, ``.html``, ``.pdf`` via pypdf, ``.docx`` via python-docx), once per
   file version;
2. checks that every passage occurs in its source's document, compared after
   normalising whitespace, quotes, dashes and case; a passage that does not is an
   error naming the fact, the source and the closest text the document holds;
3. checks that every date, figure and proper name the fact states, in its text and in
   its typed fields (dates, amounts, ranks, counts, people, places, names), appears in
   one of its passages, in any common form ("28 April 1952", "April 28, 1952",
   "1952-04-28"; "19,000", "19000"; "1.35 trillion", "1,350 billion"; "fourth", "4th");
   what the desk concluded by itself is declared under ``inferred:`` with a reason.

A fact without passages, or a source without a document, is a warning (an error
with ``--strict``), so a desk can adopt evidence fact by fact. The results are kept on
the relationship (``relationship.evidence``) for the audit page and the working
edition: per fact, its passages with their place in the document and an anchor id,
its inferences and the values checked.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import io
import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable

import lxml.html

from .errors import Location, Problem, display_path
from .confine import why_not_plain
from .model import dotted, fact_label

DOCUMENT_SUFFIXES = (".txt", ".html", ".htm", ".pdf", ".docx")
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024

Path_ = tuple[Any, ...]


# --- where a source's document is -------------------------------------------------------


def source_path(folder: Path, file: str) -> tuple[Path | None, str | None]:
    """The document ``file`` of a source, resolved inside the relationship ``folder``.

    Returns (path, None), or (None, why) when the name is absolute, climbs out with
    ``..``, or leads outside the folder through a symbolic link. Whether the file
    exists is the caller's question."""
    if not file or "\0" in file:
        return None, f"file {file!r} is not a file name"
    relative = Path(file)
    if relative.is_absolute() or file.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", file):
        return None, (f"file {file!r} is an absolute path; name the document relative to the"
                      " relationship folder, e.g. seeds/brief.txt")
    if ".." in re.split(r"[\\/]", file):
        return None, f"file {file!r} climbs out of the relationship folder with '..'"
    try:
        base = folder.resolve()
        target = (folder / relative).resolve()
    except (OSError, RuntimeError):
        return None, f"file {file!r} is a symbolic link that loops"
    if target != base and base not in target.parents:
        return None, f"file {file!r} leads outside the relationship folder (through a symbolic link)"
    return target, None


# --- normalised text --------------------------------------------------------------------

_QUOTES = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
}
_DASHES = set("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
_INVISIBLE = set("\u00ad\u200b\u200c\u200d\u2060\ufeff")


def _fold_char(char: str, lower: bool) -> str:
    if char in _INVISIBLE:
        return ""
    if char in _QUOTES:
        return _QUOTES[char]
    if char in _DASHES:
        return "-"
    if char.isspace():
        return " "
    return char.casefold() if lower else char


def _fold_with_index(text: str, lower: bool = True) -> tuple[str, list[int]]:
    """Normalised ``text`` (already NFKC) and, for each of its characters, the index it
    came from. Character by character, for documents; :func:`fold` gives the same text."""
    out: list[str] = []
    index: list[int] = []
    space = True  # drop leading whitespace
    for position, char in enumerate(text):
        folded = _fold_char(char, lower)
        for piece in folded:
            if piece == " ":
                if space:
                    continue
                space = True
            else:
                space = False
            out.append(piece)
            index.append(position)
    if out and out[-1] == " ":
        out.pop()
        index.pop()
    return "".join(out), index


_TRANSLATION = str.maketrans({**_QUOTES, **{d: "-" for d in _DASHES}, **{i: None for i in _INVISIBLE}})
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Text as passages are compared: whitespace, quotes and dashes unified, case folded."""
    return _tidy(text).casefold()


@functools.lru_cache(maxsize=8192)
def _tidy(text: str) -> str:
    """Like :func:`fold` but keeping case (names are found by their capitals)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub(" ", text.translate(_TRANSLATION)).strip()


_WORD = re.compile(r"[^\W_]+")


@functools.lru_cache(maxsize=8192)
def _word_string(text: str) -> str:
    """Lower-case words separated by single spaces, padded: for whole-word searches."""
    return " " + " ".join(_WORD.findall(fold(text))) + " "


# --- documents --------------------------------------------------------------------------


class DocumentError(Exception):
    """A source document that cannot be read."""


@dataclass
class Document:
    path: Path
    text: str  # extracted text, one paragraph per line
    digest: str  # SHA-256 of the file

    @functools.cached_property
    def _folded_with_index(self) -> tuple[str, list[int]]:
        # Computed only when a passage is looked for afresh: the evidence cache of a build
        # usually knows where each passage is.
        return _fold_with_index(self.text)

    @property
    def folded(self) -> str:
        return self._folded_with_index[0]

    @property
    def index(self) -> list[int]:
        """folded[i] comes from text[index[i]]."""
        return self._folded_with_index[1]

    def find(self, passage: str) -> tuple[int, int] | None:
        """The span of ``passage`` in :attr:`text`, or None when the document lacks it."""
        target = fold(passage)
        if not target:
            return None
        start = self.folded.find(target)
        if start < 0:
            return None
        end = start + len(target) - 1
        return self.index[start], self.index[end] + 1

    def first_missing_word(self, passage: str) -> int:
        """How many words of ``passage``, from its start, the document holds in a row:
        the index of the first word that departs from it."""
        target = fold(passage)
        ends = [m.end() for m in _WORD.finditer(target)]
        low, high = 0, len(ends)  # the first `low` words are found; more than `high` are not
        while low < high:
            middle = (low + high + 1) // 2
            if target[:ends[middle - 1]] in self.folded:
                low = middle
            else:
                high = middle - 1
        return low

    def closest(self, passage: str) -> str:
        """The stretch of the document most like ``passage`` (for an error message)."""
        target = fold(passage)
        if not target or not self.folded:
            return ""
        size = len(target)
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(target)
        best, best_start = 0.0, 0
        starts = [0] + [m.end() for m in re.finditer(r" ", self.folded)]
        for start in starts:
            matcher.set_seq1(self.folded[start:start + size])
            if matcher.real_quick_ratio() <= best or matcher.quick_ratio() <= best:
                continue
            ratio = matcher.ratio()
            if ratio > best:
                best, best_start = ratio, start
        end = min(best_start + size, len(self.folded))
        while end < len(self.folded) and self.folded[end] != " ":
            end += 1  # to the end of the word
        return self.text[self.index[best_start]:self.index[end - 1] + 1]

    def paragraph(self, span: tuple[int, int], limit: int = 900) -> tuple[str, str, str]:
        """(before, passage, after): the passage inside its paragraph, trimmed to about
        ``limit`` characters around it."""
        start, end = span
        para_start = self.text.rfind("\n", 0, start) + 1
        para_end = self.text.find("\n", end)
        para_end = len(self.text) if para_end < 0 else para_end
        before, after = self.text[para_start:start], self.text[end:para_end]
        room = max(limit - (end - start), 200) // 2
        if len(before) > room:
            cut = before.find(" ", len(before) - room)
            before = "…" + before[cut if cut >= 0 else len(before) - room:]
        if len(after) > room:
            cut = after.rfind(" ", 0, room)
            after = after[:cut if cut > 0 else room] + "…"
        return before, self.text[start:end], after


_DOCUMENTS: dict[tuple[str, str], Document] = {}


def read_document(path: Path, cache: "_RelationshipEvidence | None" = None) -> Document:
    """The text of a source document, extracted once per content of the file (in this
    process, and across builds through ``cache``)."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise DocumentError(f"cannot read {path.name}: {exc.strerror}") from None
    suffix = path.suffix.lower()
    if suffix not in DOCUMENT_SUFFIXES:
        raise DocumentError(f"cannot read {suffix or 'extension-less'} documents; use one of"
                            f" {', '.join(DOCUMENT_SUFFIXES)}")
    if stat.st_size > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"{path.name} is {stat.st_size:,} bytes; the limit is {MAX_DOCUMENT_BYTES:,}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot read {path.name}: {exc.strerror}") from None
    # Known by content, never by the file's times: an edit that keeps size and time is seen.
    digest = hashlib.sha256(data).hexdigest()
    document = _DOCUMENTS.get((str(path), digest))
    text = document.text if document is not None else cache.text(path, digest) if cache is not None else None
    if text is None:
        text = _extract(path, suffix, data)
        text = "\n".join(" ".join(line.split()) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
        text = re.sub(r"\n{2,}", "\n", text).strip("\n")
        text = unicodedata.normalize("NFKC", text)
    if cache is not None:
        cache.remember_text(path, digest, text)
    if document is None:
        document = Document(path, text, digest)
        if len(_DOCUMENTS) > 256:
            _DOCUMENTS.clear()
        _DOCUMENTS[(str(path), digest)] = document
    return document




class EvidenceCache:
    """What reading source documents and finding passages in them found, kept with the desk's
    state (``.briefs/evidence/<relationship>.json``, :attr:`Layout.evidence_dir`) so that a
    build need not do it again.

    Everything is keyed by content, never by a file's time: a document's extracted text by
    the SHA-256 of its bytes, a passage's place by that hash and the passage's own words,
    and the whole file by a hash of this module's code (another way of extracting or
    comparing text is another cache). An edited document has another hash and is read
    afresh; an edited passage is looked for afresh. Only what a relationship's last load
    used is kept. Entries are written by the build (:meth:`save`), only when it writes
    its record, so a build that fails on its input leaves them as they were."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._read: dict[str, dict[str, Any]] = {}  # relationship -> documents as stored
        self._used: dict[str, dict[str, Any]] = {}  # relationship -> documents used by this load
        self._changed: set[str] = set()

    def of(self, relationship: str) -> "_RelationshipEvidence":
        if relationship not in self._read:
            self._read[relationship] = self._stored(relationship)
            self._used[relationship] = {}
        return _RelationshipEvidence(self, relationship)

    def _stored(self, relationship: str) -> dict[str, Any]:
        try:
            data = json.loads((self.folder / f"{relationship}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("code") != _code_stamp():
            return {}
        documents = data.get("documents")
        return documents if isinstance(documents, dict) else {}

    def save(self) -> None:
        """Write what changed, keeping for each relationship only what its last load used."""
        from .output import atomic_write

        for relationship in sorted(self._changed):
            data = {"code": _code_stamp(), "documents": self._used[relationship]}
            atomic_write(self.folder / f"{relationship}.json",
                         json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        self._changed.clear()


class _RelationshipEvidence:
    """One relationship's part of an :class:`EvidenceCache`."""

    def __init__(self, cache: EvidenceCache, relationship: str):
        self._stored = cache._read[relationship]
        self._used = cache._used[relationship]
        self._changed = cache._changed
        self._name = relationship

    def _entry(self, key: str) -> dict[str, Any]:
        if key not in self._used:
            stored = self._stored.get(key)
            self._used[key] = {"text": None, "passages": {}}
            if isinstance(stored, dict) and isinstance(stored.get("text"), str):
                self._used[key]["text"] = stored["text"]
            if key not in self._stored:
                self._changed.add(self._name)
        return self._used[key]

    def text(self, path: Path, digest: str) -> str | None:
        return self._entry(_cache_key(path, digest))["text"]

    def remember_text(self, path: Path, digest: str, text: str) -> None:
        entry = self._entry(_cache_key(path, digest))
        if entry["text"] != text:
            entry["text"] = text
            self._changed.add(self._name)

    def find(self, document: Document, passage: str) -> tuple[int, int] | None:
        """Where ``passage`` is in ``document`` (None if it is not), as :meth:`Document.find`."""
        key = _cache_key(document.path, document.digest)
        passages = self._entry(key)["passages"]
        if passage not in passages:
            stored = self._stored.get(key)
            stored_passages = stored.get("passages") if isinstance(stored, dict) else None
            span = stored_passages.get(passage) if isinstance(stored_passages, dict) else None
            if not _holds(span, document.text, passage):
                span = document.find(passage)
                self._changed.add(self._name)
            passages[passage] = list(span) if span else None
        span = passages[passage]
        return (span[0], span[1]) if span else None


def _holds(span: Any, text: str, passage: str) -> bool:
    """Whether ``span`` is a place in ``text`` that holds ``passage`` (a damaged or stale
    entry is not believed, and the passage is looked for again)."""
    return (isinstance(span, list) and len(span) == 2 and all(type(n) is int for n in span)
            and 0 <= span[0] < span[1] <= len(text) and fold(text[span[0]:span[1]]) == fold(passage))


def _cache_key(path: Path, digest: str) -> str:
    """A document's content, and the version of the library that extracts its text."""
    return f"{digest}{_extractor_version(path.suffix.lower())}"


@functools.lru_cache(maxsize=8)
def _extractor_version(suffix: str) -> str:
    library = {".pdf": "pypdf", ".docx": "python-docx", ".html": "lxml", ".htm": "lxml"}.get(suffix)
    if library is None:
        return ""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f" {library} {version(library)}"
    except PackageNotFoundError:
        return f" {library}"


@functools.lru_cache(maxsize=1)
def _code_stamp() -> str:
    """A hash of the code that extracts text and finds passages (this module)."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def _extract(path: Path, suffix: str, data: bytes) -> str:
    if suffix == ".txt":
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DocumentError(f"{path.name} is not UTF-8 text (byte {exc.start})") from None
    try:
        if suffix in (".html", ".htm"):
            return _html_text(data)
        if suffix == ".pdf":
            return _pdf_text(data)
        return _docx_text(data)
    except DocumentError:
        raise
    except Exception as exc:  # a damaged file of any kind: say so, do not crash
        raise DocumentError(f"cannot extract the text of {path.name}: {type(exc).__name__}: {exc}") from None


_BLOCKS = {"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
           "section", "article", "header", "footer", "pre", "dd", "dt", "table", "ul", "ol", "title"}


def _html_text(data: bytes) -> str:
    root = lxml.html.document_fromstring(data)
    for element in root.xpath("//script | //style | //noscript | //template"):
        element.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
            if element.tag.lower() == "br":
                continue
            element.text = "\n" + (element.text or "")
    return root.text_content()


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader  # only for relationships whose sources include a PDF

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(io.BytesIO(data))
    pages = [page.extract_text() or "" for page in reader.pages]
    text = "\n\n".join(pages)
    # A word broken across lines ("develop-\nment") is one word.
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    # Lines inside a paragraph are joined; blank lines separate paragraphs.
    return re.sub(r"(?<!\n)\n(?!\n)", " ", text)


def _docx_text(data: bytes) -> str:
    import docx  # only for relationships whose sources include a Word document

    document = docx.Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
    return "\n".join(parts)


# --- the values a text states -------------------------------------------------------------

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_MON = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[0-9]\d\d|20\d\d)"
_ISO_MONTH = r"0[1-9]|1[0-2]"
_ISO_DAY = r"[0-2]\d|3[01]"


def _group(name: str, pattern: str) -> str:
    return f"(?P<{name}>{pattern})"


_DATE_PATTERNS = [
    # 20-24 October 2019, 20 to 24 October, 2019
    re.compile(rf"\b{_group('d1', _DAY)}\s*(?:-|to|and|&)\s*{_group('d2', _DAY)}\s+(?:of\s+)?"
               rf"{_group('m', _MON)},?\s+{_group('y', _YEAR)}\b", re.I),
    # October 20-24, 2019
    re.compile(rf"\b{_group('m', _MON)}\s+{_group('d1', _DAY)}\s*(?:-|to)\s*{_group('d2', _DAY)},?\s+"
               rf"{_group('y', _YEAR)}\b", re.I),
    # 28 April 1952, 28th of April, 1952
    re.compile(rf"\b{_group('d1', _DAY)}\s+(?:of\s+)?{_group('m', _MON)},?\s+{_group('y', _YEAR)}\b", re.I),
    # April 28, 1952
    re.compile(rf"\b{_group('m', _MON)}\s+{_group('d1', _DAY)},?\s+{_group('y', _YEAR)}\b", re.I),
    # 1952-04-28, 2023-09
    re.compile(rf"\b{_group('y', _YEAR)}-{_group('mn', _ISO_MONTH)}(?:-{_group('d1', _ISO_DAY)})?\b"),
    # April 1952, April, 1952
    re.compile(rf"\b{_group('m', _MON)},?\s+{_group('y', _YEAR)}\b", re.I),
]
# "1950s"; a year with an "s" that is no decade ("1951s") is kept as written, to be found.
_DECADE = re.compile(r"\b(\d{2,4})'?s\b")
_BARE_YEAR = re.compile(rf"(?<![\d.,$€£¥])(?<![A-Za-z]-)\b({_YEAR})\b(?![,.]\d|\d)")
_NUMBER = re.compile(
    r"(?<![\w.,])(?<![A-Za-z]-)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?"
    r"(?:\s*(thousand|million|billion|trillion|mn|bn)\b)?(st|nd|rd|th)?\b", re.I)
_SCALES = {"thousand": 10**3, "million": 10**6, "mn": 10**6, "billion": 10**9, "bn": 10**9,
           "trillion": 10**12}

_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
          "nineteen"]
_UNIT_ORDINALS = ["zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                  "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
                  "sixteenth", "seventeenth", "eighteenth", "nineteenth"]
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_TENS_ORDINALS = {word[:-1] + "ieth": value for word, value in _TENS.items()}
_NUMBER_WORDS = {word: n for n, word in enumerate(_UNITS)} | {w: n for n, w in enumerate(_UNIT_ORDINALS)}
_NUMBER_WORDS |= _TENS | _TENS_ORDINALS | {"hundred": 100, "hundredth": 100}
# "one" and "two" are more often grammar ("one of", "the two countries") than figures.
_NOT_FIGURES = {"zero", "one", "two", "zeroth"}
_WORD_TOKEN = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")

_CURRENCIES = {
    "USD": ("usd", "us$", "$", "dollar"), "JPY": ("jpy", "yen", "¥"), "PKR": ("pkr", "rupee", "rs."),
    "EUR": ("eur", "€", "euro"), "GBP": ("gbp", "£", "pound"), "CNY": ("cny", "yuan", "renminbi", "rmb"),
    "INR": ("inr", "₹", "rupee"), "CHF": ("chf", "franc"), "SAR": ("sar", "riyal"), "AED": ("aed", "dirham"),
    "KRW": ("krw", "won", "₩"), "AUD": ("aud", "a$", "australian dollar"),
}

_FIRST_WORDS = {"a", "an", "the", "in", "on", "at", "of", "for", "and", "but", "by", "with", "from", "to",
                "as", "its", "it", "this", "that", "these", "those", "both", "since", "after", "before",
                "during", "while", "when", "with", "there", "their", "they", "he", "she", "his", "her"}


@dataclass(frozen=True)
class Value:
    """One date, figure, name or currency a fact states, and where it is written."""

    kind: str  # "date", "as_of", "decade", "number", "name", "currency"
    key: Any  # comparable form: (y, m, d); Decimal; tuple of lower-case words; "USD"
    surface: str  # as written in the fact
    field: Path_  # the field (inside the fact) it is written in
    # For names: the run of capitalised words split into the parts passages must hold.
    parts: tuple[tuple[str, ...], ...] = ()
    optional_first: bool = False  # a sentence's first word: a name only if a passage has it

    def describe(self) -> str:
        what = {"date": "date", "as_of": "as-of date", "decade": "decade", "number": "figure",
                "name": "name", "currency": "currency"}[self.kind]
        return f"{what} {self.surface!r}"


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _norm_number(value: Decimal) -> Decimal:
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral() else value


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _date_values(text: str, field: Path_, kind: str = "date") -> tuple[list[Value], str]:
    """Dates in ``text``, and the text with them blanked out."""
    found: list[Value] = []
    # Dates with a month need a month name or an ISO "YYYY-MM"; most texts have neither.
    patterns = _DATE_PATTERNS if _MONTH_OR_ISO.search(text) else ()
    for pattern in patterns:
        for match in list(pattern.finditer(text)):
            groups = match.groupdict()
            year = int(groups["y"])
            month = _MONTHS[groups["m"].lower().rstrip(".")] if groups.get("m") else int(groups["mn"])
            days = [int(re.sub(r"\D", "", d)) for d in (groups.get("d1"), groups.get("d2")) if d]
            surface = match.group()
            for day in days or [None]:
                found.append(Value(kind, (year, month, day), surface, field))
            text = _blank(text, match.start(), match.end())
    for match in list(_DECADE.finditer(text)):
        found.append(Value("decade", int(match.group(1)), match.group(), field))
        text = _blank(text, match.start(), match.end())
    for match in list(_BARE_YEAR.finditer(text)):
        found.append(Value(kind, (int(match.group(1)), None, None), match.group(), field))
        text = _blank(text, match.start(), match.end())
    return found, text


_MONTH_OR_ISO = re.compile(rf"\b{_MON}|\d{{4}}-\d", re.I)
_UNIT_WORDS = "|".join(_UNITS[1:10] + _UNIT_ORDINALS[1:10])
_NUMBER_WORD = re.compile(
    rf"\b(?:(?P<tens>{'|'.join(_TENS)})-(?P<unit>{_UNIT_WORDS})|(?P<word>"
    + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r"))\b")
_FOLLOWING_SCALE = re.compile(r"\s+(thousand|million|billion|trillion)\b")
_NUMBER_WORD_SET = frozenset(_NUMBER_WORDS) | frozenset(_TENS)
_LOWER_WORD = re.compile(r"[a-z]+")


def _number_values(text: str, field: Path_) -> tuple[list[Value], str]:
    found: list[Value] = []
    if _HAS_DIGIT.search(text):
        for match in list(_NUMBER.finditer(text)):
            whole, fraction, scale, _ordinal = match.groups()
            value = _decimal(whole + (fraction or ""))
            if value is None:
                continue
            if scale:
                value *= _SCALES[scale.lower()]
            found.append(Value("number", _norm_number(value), match.group().strip(), field))
            text = _blank(text, match.start(), match.end())
    lower = text.lower()
    if not _NUMBER_WORD_SET.intersection(_LOWER_WORD.findall(lower)):
        return found, text
    for match in _NUMBER_WORD.finditer(lower):
        if match.group("tens"):
            number = _TENS[match.group("tens")] + _NUMBER_WORDS[match.group("unit")]
        else:
            word = match.group("word")
            number = _NUMBER_WORDS[word]
            scale = _FOLLOWING_SCALE.match(lower, match.end())
            if scale:
                number *= _SCALES[scale.group(1)]
            elif word in _NOT_FIGURES:
                continue
        found.append(Value("number", _norm_number(Decimal(number)), match.group(), field))
    return found, text


_NAME_TOKEN = re.compile(r"[^\W\d_][\w]*(?:[-.'][^\W_][\w]*)*")
_MARKUP_LINK = re.compile(r"\[([^\[\]\n]+)\]\((?:https?://[^\s)]+)\)")  # no "[" inside: linear on runs of brackets


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(text)))


def _name_values(text: str, field: Path_, ordinary: frozenset[str]) -> list[Value]:
    """Runs of capitalised words: proper names, which passages must hold.

    A run is split at punctuation; the relationship's own country names and adjectives
    (``ordinary``) are not names to check. A sentence's first word counts only as part of
    a longer run, and only if a passage holds it (it may just be a capital letter)."""
    found: list[Value] = []
    run: list[tuple[re.Match, str, bool]] = []  # (match, token without "'s", sentence-initial)

    def flush() -> None:
        if not run:
            return
        first_is_initial = run[0][2]
        if len(run) == 1 and first_is_initial:
            run.clear()
            return
        parts = tuple(_words(token) for _m, token, _i in run)
        surface = text[run[0][0].start():run[-1][0].start() + len(run[-1][1])]
        found.append(Value("name", tuple(w for p in parts for w in p), surface, field, parts,
                           optional_first=first_is_initial))
        run.clear()

    previous_end = 0
    for match in _NAME_TOKEN.finditer(text):
        token = match.group()
        if token.endswith(("'s", "'S")):
            token = token[:-2]
        gap = text[previous_end:match.start()]
        previous_end = match.end()
        if run and (gap.strip() or run[-1][0].group() != run[-1][1]):
            flush()  # punctuation, or a possessive, ends a name
        if not token[:1].isupper():
            flush()
            continue
        pieces = [p for p in re.split(r"[-.']", token) if p]
        if all(p.lower() in ordinary or p.lower() in _NUMBER_WORDS for p in pieces):
            flush()
            continue
        if token.upper() == token and token in _CURRENCIES:
            flush()
            found.append(Value("currency", token, token, field))
            continue
        position = match.start() - 1
        while position >= 0 and text[position] in " \t\"'([*":
            position -= 1
        initial = position < 0 or text[position] in ".!?"
        if initial and not run and token.lower() in _FIRST_WORDS:
            continue
        run.append((match, token, initial and not run))
    flush()
    return found


def text_values(text: str, field: Path_, ordinary: frozenset[str] = frozenset()) -> list[Value]:
    """Every date, figure and proper name stated in a piece of fact text."""
    return list(_text_values(text, field, ordinary))


@functools.lru_cache(maxsize=8192)
def _text_values(text: str, field: Path_, ordinary: frozenset[str]) -> tuple[Value, ...]:
    text = _tidy(_MARKUP_LINK.sub(r"\1", text)).replace("*", " ")
    dates, rest = _date_values(text, field) if _HAS_DIGIT.search(text) else ([], text)
    numbers, rest = _number_values(rest, field)
    return tuple(dates + numbers + _name_values(rest, field, ordinary))


_HAS_DIGIT = re.compile(r"\d")


def name_value(text: str, field: Path_) -> list[Value]:
    """A typed name (a person, place, company, body): each part between commas or brackets
    must appear whole in a passage."""
    parts = [p for p in (_words(piece) for piece in re.split(r"[,;()]", _tidy(text))) if p]
    if not parts:
        return []
    return [Value("name", tuple(w for p in parts for w in p), text.strip(), field, tuple(parts))]


# --- what passages support ------------------------------------------------------------------


@dataclass
class Support:
    """What a set of passages states: dates, figures, decades, words and currencies."""

    dates: set[tuple[int, int | None, int | None]] = field(default_factory=set)
    numbers: set[Decimal] = field(default_factory=set)
    decades: set[int] = field(default_factory=set)
    words: list[str] = field(default_factory=list)  # each passage as " word word ... "
    folded: list[str] = field(default_factory=list)

    def add(self, passage: str) -> None:
        dates, numbers, decades = _passage_values(passage)
        self.dates |= dates
        self.numbers |= numbers
        self.decades |= decades
        self.words.append(_word_string(passage))
        self.folded.append(fold(passage))

    def has_words(self, words: Iterable[str]) -> bool:
        needle = " " + " ".join(words) + " "
        return any(needle in text for text in self.words)

    def supports(self, value: Value) -> bool:
        if value.kind in ("date", "as_of"):
            year, month, day = value.key
            for y, m, d in self.dates:
                if y == year and (month is None or m == month) and (day is None or d == day):
                    return True
            return month is None and Decimal(year) in self.numbers
        if value.kind == "decade":
            return value.key in self.decades
        if value.kind == "number":
            return value.key in self.numbers
        if value.kind == "currency":
            forms = _CURRENCIES.get(value.key, (value.key.lower(),))
            return any(form in text for text in self.folded for form in forms)
        return not self.missing_names(value)

    def missing_names(self, value: Value) -> list[str]:
        """The parts of a name no passage holds (empty when it is supported)."""
        parts = list(value.parts)
        missing: list[str] = []
        index = 0
        while index < len(parts):
            # The longest run of parts, from here, that a passage holds as consecutive words.
            end = len(parts)
            while end > index and not self.has_words(w for p in parts[index:end] for w in p):
                end -= 1
            if end == index:
                if not (index == 0 and value.optional_first):
                    missing.append(" ".join(parts[index]))
                index += 1
            else:
                index = end
        return missing


@functools.lru_cache(maxsize=8192)
def _passage_values(passage: str) -> tuple[frozenset, frozenset, frozenset]:
    text = _tidy(passage)
    dates, rest = _date_values(text, ())
    numbers, _ = _number_values(rest, ())
    date_keys = {v.key for v in dates if v.kind == "date"}
    decades = {v.key for v in dates if v.kind == "decade"}
    figures = {v.key for v in numbers}
    # A year is also a number, and a day of a date ("28th April") is no figure of its own.
    figures |= {Decimal(y) for y, _m, _d in date_keys}
    return frozenset(date_keys), frozenset(figures), frozenset(decades)


# --- the values a fact states -----------------------------------------------------------------

# Fields that are bookkeeping, codes or choices from a fixed list: nothing to find in a passage.
_SKIP_FIELDS = {"sources", "evidence", "inferred", "accounts", "id", "marking", "kind", "track",
                "in_official_list", "approximate", "country", "to", "exporter", "origin", "subject",
                "among"}
_CODE_FIELDS = {"host"}  # a country code in some models, a person in others
_NAME_FIELDS = {"name", "place", "abbreviation"}
_YEAR_FIELDS = {"since", "year"}


def fact_values(fact: Any, ordinary: frozenset[str]) -> list[Value]:
    """Every date, figure and name a fact states, in its text and its typed fields."""
    from pydantic import BaseModel

    from .model import Quotation

    found: list[Value] = []

    def visit(model: BaseModel, prefix: Path_) -> None:
        for name in type(model).model_fields:
            if name in _SKIP_FIELDS or (name == "quote" and isinstance(model, Quotation)):
                continue  # a quotation's words are checked whole, against the passages
            value = getattr(model, name)
            here = prefix + (name,)
            if name in _CODE_FIELDS and isinstance(value, str):
                continue
            items = value if isinstance(value, list) else [value]
            for index, item in enumerate(items):
                where = here + ((index,) if isinstance(value, list) else ())
                add(name, item, where)

    def add(name: str, item: Any, where: Path_) -> None:
        import datetime as dt

        from .model import Money, PartialDate

        if item is None or isinstance(item, bool):
            return
        if isinstance(item, BaseModel):
            if "sources" in type(item).model_fields:
                return  # a nested fact is checked on its own
            if isinstance(item, Money):
                found.append(Value("number", _norm_number(item.amount), _money_surface(item), where + ("amount",)))
                found.append(Value("currency", item.currency, item.currency, where + ("currency",)))
                found.append(Value("as_of", _date_key(item.as_of), str(item.as_of), where + ("as_of",)))
                return
            visit(item, where)
            return
        if isinstance(item, (PartialDate, dt.date)):
            kind = "as_of" if name == "as_of" else "date"
            found.append(Value(kind, _date_key(item), str(item), where))
        elif isinstance(item, int):
            if name in _YEAR_FIELDS:
                found.append(Value("date", (item, None, None), str(item), where))
            else:
                found.append(Value("number", Decimal(item), str(item), where))
        elif isinstance(item, Decimal):
            found.append(Value("number", _norm_number(item), str(item), where))
        elif isinstance(item, str):
            if name in ("base", "quote") and item in _CURRENCIES:
                found.append(Value("currency", item, item, where))
            elif name in _NAME_FIELDS:
                found.extend(name_value(item, where))
            else:
                found.extend(text_values(item, where, ordinary))

    visit(fact, ())
    return found


def _date_key(value: Any) -> tuple[int, int | None, int | None]:
    import datetime as dt

    if isinstance(value, dt.date):
        return (value.year, value.month, value.day)
    return (value.year, value.month, value.day)


def _money_surface(money: Any) -> str:
    return f"{money.currency} {money.amount:,}"


def fact_strings(fact: Any) -> list[str]:
    """The fact's own words and typed values as text: where an inferred value must be."""
    from pydantic import BaseModel

    strings: list[str] = []

    def visit(model: BaseModel) -> None:
        for name in type(model).model_fields:
            if name in ("sources", "evidence", "inferred", "accounts"):
                continue
            value = getattr(model, name)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, BaseModel):
                    if "sources" not in type(item).model_fields:
                        visit(item)
                elif item is not None and not isinstance(item, bool):
                    strings.append(str(item))

    visit(fact)
    return strings


# --- checking a relationship ---------------------------------------------------------------


@dataclass
class PassageCheck:
    """One passage a fact quotes, and whether and where its document holds it."""

    source: str
    index: int
    text: str
    # True: found; False: not in the document; None: the source has no document to check.
    found: bool | None
    span: tuple[int, int] | None
    anchor: str


@dataclass
class FactEvidence:
    """What the audit and the working edition need to know about one fact's evidence."""

    path: Path_
    label: str  # e.g. visits[fm-2023].accounts[1]
    anchor: str  # HTML id of the fact on the audit page
    sources: list[str]
    passages: list[PassageCheck]
    inferred: list[Any]  # model.Inference
    values: list[Value]  # what was checked
    unsupported: list[Value]  # values neither a passage nor an inference supports
    independent: list[str]  # cited sources that restate none of the others

    @property
    def has_evidence(self) -> bool:
        return bool(self.passages)

    @property
    def verified(self) -> bool:
        """At least one passage was found in its source document: without that, nothing
        the evidence rules check supports the fact (a draft's fact, not a sent brief's)."""
        return any(passage.found for passage in self.passages)

    def passage_anchor(self, source_id: str) -> str | None:
        """The anchor of the first passage of ``source_id`` (a source note links there)."""
        return next((p.anchor for p in self.passages if p.source == source_id), None)


@dataclass
class EvidenceReport:
    problems: list[Problem]
    warnings: list[Problem]
    facts: dict[Path_, FactEvidence]
    documents: dict[str, Document]  # source id -> its document, when it has one


def anchor_for(label: str) -> str:
    """An HTML id for a fact label: ``visits[fm-2023].accounts[1]`` -> ``f-visits-fm-2023-accounts-1``."""
    return "f-" + re.sub(r"[^A-Za-z0-9_]+", "-", label).strip("-")


def ordinary_words(metadata: Any) -> frozenset[str]:
    """The relationship's own country names and adjectives: context, not names to check."""
    words: set[str] = set()
    for country in metadata.countries:
        for name in (country.name, country.adjective, *country.also_called):
            for word in _WORD.findall(fold(name)):
                words.add(word)
                words.add(word + "s")
    return frozenset(words)


def restated(source_id: str, cited: Iterable[str], sources: dict[str, Any]) -> list[str]:
    """The other cited sources that ``source_id`` restates (directly or through others)."""
    cited = set(cited) - {source_id}
    seen: set[str] = set()
    stack = list(getattr(sources.get(source_id), "derived_from", []) or [])
    found = []
    while stack:
        origin = stack.pop()
        if origin in seen:
            continue
        seen.add(origin)
        if origin in cited:
            found.append(origin)
        stack.extend(getattr(sources.get(origin), "derived_from", []) or [])
    return sorted(found)


def independent_sources(cited: list[str], sources: dict[str, Any]) -> list[str]:
    """The cited sources that restate none of the others: a fact resting on a source and
    its restatement has one independent source, not two."""
    return [s for s in cited if not restated(s, cited, sources)]


class _RawChecker:
    """Checks run on the fact files as read, before validation, so that a passage missing
    from its document is reported in the same run as any type error elsewhere."""

    def __init__(self, folder: Path, merged: dict[str, Any], sections: dict[str, Any],
                 cache: EvidenceCache | None = None):
        self.folder = folder
        self.cache = cache.of(folder.name) if cache is not None else None
        self.merged = merged
        self.sections = sections
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.documents: dict[str, Document] = {}
        self.sources: dict[str, dict[str, Any]] = {}
        # (source id, passage) -> span in the document, None when not found
        self.found: dict[tuple[str, str], tuple[int, int] | None] = {}

    def location(self, path: Path_) -> Location:
        document = self.sections.get(path[0]) if path else None
        return document.location(path) if document is not None else Location(display_path(self.folder))

    def run(self) -> None:
        listed = self.merged.get("sources")
        for index, source in enumerate(listed if isinstance(listed, list) else []):
            if isinstance(source, dict) and isinstance(source.get("id"), str):
                self.sources.setdefault(source["id"], source)
                self._source(index, source)
        for key, value in self.merged.items():
            if key != "sources":
                self._visit(value, (key,))

    def _source(self, index: int, source: dict[str, Any]) -> None:
        path = ("sources", index)
        file = source.get("file")
        if file is None:
            self.warnings.append(Problem(
                f"source {source['id']!r} has no document (`file:`), so passages citing it cannot be"
                " verified", self.location(path + ("id",)), severity="warning"))
        elif isinstance(file, str):
            resolved, why = source_path(self.folder, file)
            # A path that leaves the folder is reported (once) by the loader's cross-check;
            # here it is only not read.
            if not why and resolved is not None and why_not_plain(resolved) is None:
                try:
                    self.documents[source["id"]] = read_document(resolved, self.cache)
                except DocumentError as exc:
                    self.problems.append(Problem(f"sources[{index}].file: {exc}", self.location(path + ("file",))))
        derived = source.get("derived_from")
        if isinstance(derived, list):
            for position, origin in enumerate(derived):
                where = self.location(path + ("derived_from", position))
                if origin == source["id"]:
                    self.problems.append(Problem(
                        f"sources[{index}].derived_from: source {origin!r} cannot be derived from itself", where))
                elif isinstance(origin, str) and not any(
                        isinstance(s, dict) and s.get("id") == origin for s in self.merged.get("sources") or []):
                    self.problems.append(Problem(
                        f"sources[{index}].derived_from: unknown source {origin!r}", where))
        if source.get("date_inferred") is not None and source.get("date") is None:
            self.problems.append(Problem(
                f"sources[{index}].date_inferred: says why the date is inferred, but the source has no `date:`",
                self.location(path + ("date_inferred",))))

    def _visit(self, value: Any, path: Path_) -> None:
        if isinstance(value, dict):
            cited = value.get("sources")
            if isinstance(cited, dict):
                for source_id, passages in cited.items():
                    items = [passages] if isinstance(passages, str) else passages
                    if isinstance(items, list):
                        for index, passage in enumerate(items):
                            if isinstance(passage, str):
                                self._passage(path, source_id, index, passage, isinstance(passages, list))
            for key, item in value.items():
                if key != "sources":
                    self._visit(item, path + (key,))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self._visit(item, path + (index,))

    def _passage(self, path: Path_, source_id: str, index: int, passage: str, listed: bool) -> None:
        document = self.documents.get(source_id)
        if document is None or not passage.strip():
            return
        span = self.cache.find(document, passage) if self.cache is not None else document.find(passage)
        self.found[(source_id, passage.strip())] = span
        if span is None:
            where = path + ("sources", source_id) + ((index,) if listed else ())
            closest = document.closest(passage)
            yaml_document = self.sections.get(path[0])
            location = self.location(where)
            if yaml_document is not None and hasattr(yaml_document, "location_of_word"):
                location = yaml_document.location_of_word(where, document.first_missing_word(passage))
            self.problems.append(Problem(
                f"{dotted(path)}: passage not in source {source_id!r}"
                f" ({display_path(document.path)}): {_clip(passage)!r}; closest text there:"
                f" {_clip(closest)!r}", location))


def _clip(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def check_passages(folder: Path, merged: dict[str, Any], sections: dict[str, Any],
                   cache: EvidenceCache | None = None) -> _RawChecker:
    """Phase one, on the data as read: documents, passages, ``derived_from``."""
    checker = _RawChecker(folder, merged, sections, cache)
    checker.run()
    return checker


def check_values(relationship: Any, raw: _RawChecker) -> EvidenceReport:
    """Phase two, on the validated facts: each fact's values against its passages."""
    from .model import Quotation, walk

    facts = relationship.facts
    by_id = {source.id: source for source in facts.sources}
    ordinary = ordinary_words(facts.metadata)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    records: dict[Path_, FactEvidence] = {}
    cycles = _derivation_cycles(by_id)
    for source_id in cycles:
        index = next(i for i, s in enumerate(facts.sources) if s.id == source_id)
        problems.append(Problem(f"sources[{index}].derived_from: {source_id!r} is derived, through"
                                " others, from itself", relationship.location(("sources", index, "derived_from"))))

    for path, model in _walk_sections(facts, walk):
        fields = type(model).model_fields
        if not path or path[0] == "sources" or "sources" not in fields or "evidence" not in fields:
            continue
        label = fact_label(facts, path)
        anchor = anchor_for(label)
        evidence: dict[str, list[str]] = model.evidence
        passages: list[PassageCheck] = []
        support = Support()
        for source_id in model.sources:
            for index, passage in enumerate(evidence.get(source_id, [])):
                document = raw.documents.get(source_id)
                span = raw.found.get((source_id, passage)) if document else None
                found = None if document is None else span is not None
                passages.append(PassageCheck(source_id, index, passage, found, span,
                                             f"{anchor}--{source_id}-{index + 1}"))
                support.add(passage)
        values = fact_values(model, ordinary)
        unsupported: list[Value] = []
        record = FactEvidence(path, label, anchor, list(model.sources), passages, list(model.inferred),
                              values, unsupported, independent_sources(list(model.sources), by_id))
        records[path] = record
        if not evidence:
            warnings.append(Problem(
                f"{dotted(path)}: no passages: cite each source with the words that support the fact,"
                f" e.g. sources: {{{model.sources[0]}: \"...\"}}",
                relationship.location(path + ("sources",)), severity="warning"))
            continue

        if any(passage.found is False for passage in passages):
            continue  # a passage is not in its document: that error comes first, alone
        quote = model.quote if isinstance(model, Quotation) else None
        if quote is not None and not any(fold(quote) in text for text in support.folded):
            problems.append(Problem(
                f"{dotted(path)}.quote: the quotation is not in its passages; quote the words as the"
                " source prints them", relationship.location(path + ("quote",))))
        problems += _value_problems(relationship, path, model, record, support, by_id, ordinary)
    return EvidenceReport(problems, raw.warnings + warnings, records, raw.documents)


def _value_problems(relationship: Any, path: Path_, model: Any, record: FactEvidence, support: Support,
                    by_id: dict[str, Any], ordinary: frozenset[str]) -> list[Problem]:
    """A fact's values its passages do not support (collected in ``record.unsupported``), and
    inferences that name none of its values."""
    problems: list[Problem] = []
    source_dates = [by_id[s].date for s in model.sources if s in by_id and by_id[s].date is not None]
    inferred_values = [(inference, _inference_keys(inference.value, ordinary)) for inference in model.inferred]
    used: set[int] = set()
    for value in record.values:
        if support.supports(value):
            continue
        if value.kind == "as_of" and any(_covers(_date_key(d), value.key) for d in source_dates):
            continue
        excused = [n for n, (inference, keys) in enumerate(inferred_values)
                   if _excuses(inference.value, keys, value)]
        if excused:
            used.update(excused)
            continue
        record.unsupported.append(value)
        problems.append(_unsupported_problem(relationship, path, model, value, support))
    strings = [fold(s) for s in fact_strings(model)]
    for number, (inference, keys) in enumerate(inferred_values):
        if number in used:
            continue
        if fold(inference.value) and any(fold(inference.value) in s for s in strings):
            continue
        problems.append(Problem(
            f"{dotted(path)}.inferred[{number}]: {inference.value!r} is not among the fact's values;"
            " `value` names what the desk inferred, as the fact states it",
            relationship.location(path + ("inferred", number, "value"))))
    return problems


def _walk_sections(facts: Any, walk) -> Iterable[tuple[Path_, Any]]:
    """Every model in the fact base, or in those sections of it that are valid."""
    from pydantic import BaseModel

    if isinstance(facts, BaseModel):
        yield from walk(facts)
        return
    for key, value in vars(facts).items():
        yield from walk(value, (key,))


def _derivation_cycles(by_id: dict[str, Any]) -> list[str]:
    cyclic = []
    for source_id, source in by_id.items():
        seen: set[str] = set()
        stack = list(source.derived_from)
        while stack:
            origin = stack.pop()
            if origin == source_id:
                cyclic.append(source_id)
                break
            if origin in seen or origin not in by_id:
                continue
            seen.add(origin)
            stack.extend(by_id[origin].derived_from)
    return [s for s in cyclic if s not in by_id[s].derived_from]  # self-reference is reported already


def _covers(general: tuple, specific: tuple) -> bool:
    """A source dated ``general`` (e.g. 2023-07) vouches for an as-of date as precise or less."""
    return all(s is None or g == s for g, s in zip(general, specific)) and not (
        specific[1] is not None and general[1] is None) and not (specific[2] is not None and general[2] is None)


@functools.lru_cache(maxsize=2048)
def _inference_keys(value: str, ordinary: frozenset[str]) -> frozenset:
    keys = set()
    for found in text_values(value, (), ordinary) + name_value(value, ()):
        keys.add((found.kind if found.kind != "as_of" else "date", found.key))
    return frozenset(keys)


def _excuses(inferred: str, keys: frozenset, value: Value) -> bool:
    kind = "date" if value.kind == "as_of" else value.kind
    if (kind, value.key) in keys:
        return True
    if value.kind == "date" and any(k[0] == "date" and k[1][0] == value.key[0] and value.key[1] is None
                                    for k in keys):
        return True
    surface = fold(value.surface)
    return bool(surface) and (surface in fold(inferred) or fold(inferred) in surface)


def _unsupported_problem(relationship: Any, path: Path_, model: Any, value: Value, support: Support) -> Problem:
    where = path + value.field
    text_field = value.kind in ("date", "decade", "number", "name", "currency") and isinstance(
        _value_at(model, value.field), str)
    if text_field:
        needle = value.surface.split()[0] if value.kind == "name" else value.surface
        location = _location_of_text(relationship, where, needle)
    else:
        location = relationship.location(where)
    detail = ""
    if value.kind == "name":
        missing = support.missing_names(value)
        if missing and missing != [" ".join(w for p in value.parts for w in p)]:
            detail = f" (no passage has {', '.join(repr(m) for m in missing)})"
    cited = ", ".join(model.sources)
    return Problem(
        f"{dotted(where)}: the {value.describe()} is in none of the passages cited for this fact"
        f" ({cited}){detail}; quote the passage that gives it, or declare it under `inferred:` with a reason",
        location)


def _value_at(model: Any, field_path: Path_) -> Any:
    value = model
    for part in field_path:
        value = value[part] if isinstance(part, int) else getattr(value, part, None)
    return value


def _location_of_text(relationship: Any, path: Path_, needle: str) -> Location:
    document = relationship.sections.get(path[0]) if path else None
    if document is None or not hasattr(document, "location_of_text"):
        return relationship.location(path)
    return document.location_of_text(path, needle)
