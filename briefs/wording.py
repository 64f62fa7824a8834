"""Validation errors in a desk officer's words, for the fact files and briefs.yaml alike.

Pydantic says what its validators saw ("string should match pattern '^[A-Z]{2}$'", "unable
to parse string as an integer"); a desk officer needs what to write instead. Kept free of
the fact model, so that reading briefs.yaml does not import it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

# What each pattern of the models asks for: the rule, an example, and how a value is put
# into that form.
_PATTERNS = {
    r"^[A-Z]{2}$": ("a country is its two-letter ISO 3166 code, in capitals", "PK or JP", str.upper),
    r"^[A-Z]{3}$": ("a currency is its three-letter ISO 4217 code, in capitals", "USD or JPY", str.upper),
    r"^[A-Z][A-Z-]*$": ("a marking is written in capitals", "RESTRICTED",
                        lambda value: re.sub(r"[^A-Z]+", "-", value.upper()).strip("-")),
    r"^[a-z0-9][a-z0-9-]*$": ("ids and names of this kind are lower-case letters, digits and hyphens", "visit-2019",
                              lambda value: re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize(
                                  "NFKD", value).encode("ascii", "ignore").decode().lower()).strip("-")),
}
# Languages (metadata.language, a country's native_language): a BCP 47 code.
_LANGUAGE = re.compile(r"^\^\[a-z\]\{2,3\}\(-")


def _language_code(name: str) -> str | None:
    """"English" as en, "Urdu" as ur: the ISO 639 code of a language's English name."""
    import pycountry

    try:
        language = pycountry.languages.lookup(name.strip())
    except LookupError:
        return None
    return getattr(language, "alpha_2", None) or language.alpha_3


_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}


def did_you_mean(word: Any, choices: Any) -> str:
    """"; did you mean 'visits'?" when one of ``choices`` is close to ``word``, else ""."""
    if not isinstance(word, str):
        return ""
    choices = [c for c in choices if isinstance(c, str)]
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f"; did you mean {lowered[close[0]]!r}?" if close else ""


def _short(value: Any, limit: int = 60) -> str:
    """A value as a message quotes it, cut short if long."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + "…" + text[-4:]


def _number(text: str, whole: bool) -> str | None:
    """"19,000" as 19000, "3.62 million" as 3_620_000, "4th" as 4: the number ``text`` means,
    as a fact file takes it; None when it is no number."""
    match = re.fullmatch(r"(?:about\s+|approx\.?\s+|~\s*)?[$€£¥]?\s*([\d,. ]*\d)(?:st|nd|rd|th)?"
                         r"\s*(thousand|million|billion|trillion)?", text.strip(), re.I)
    if not match:
        return None
    digits, scale = match.group(1).replace(",", "").replace(" ", ""), match.group(2)
    try:
        value = Decimal(digits) * _SCALES.get((scale or "").lower(), 1)
    except InvalidOperation:
        return None
    if whole and value != value.to_integral_value():
        return None
    value = value.normalize()
    if value != value.to_integral_value():
        return format(value, "f")
    return f"{int(value):_}" if value >= 10**6 else str(int(value))


def plain_message(error: dict[str, Any]) -> str | None:
    """The fix for one pydantic error, in plain words; None to keep pydantic's own."""
    kind, value, context = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "string_pattern_mismatch" and context.get("pattern") in _PATTERNS and isinstance(value, str):
        rule, example, fix = _PATTERNS[context["pattern"]]
        fixed = fix(value)
        if fixed and fixed != value and re.fullmatch(context["pattern"], fixed):
            return f"write {fixed!r}, not {_short(value)} ({rule})"
        return f"{rule}, e.g. {example} (got {_short(value)})"
    if kind == "string_pattern_mismatch" and _LANGUAGE.match(str(context.get("pattern"))) \
            and isinstance(value, str):
        code = _language_code(value)
        rule = "a language is its ISO 639 code, in lower case, e.g. en, ur or ja"
        return f"write {code!r}, not {_short(value)} ({rule})" if code else f"{rule} (got {_short(value)})"
    if kind in ("int_parsing", "int_from_float", "decimal_parsing", "float_parsing") and isinstance(value, str):
        whole = kind.startswith("int")
        what = "a whole number" if whole else "a number"
        number = _number(value, whole)
        if number:
            return f"write {what} in digits, without commas or words: {number}, not {_short(value)}"
        return (f"not {what}: {_short(value)}; write it in digits, without commas or words"
                f" (e.g. 19000, or 19_000 to group the digits)")
    if kind == "literal_error" and isinstance(value, str):
        choices = re.findall(r"'([^']*)'", str(context.get("expected", "")))
        return f"{_short(value)} is not one of {', '.join(choices)}{did_you_mean(value, choices)}"
    return None
