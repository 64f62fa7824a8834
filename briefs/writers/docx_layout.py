"""Layout for the DOCX writer: the PDF stylesheet's values, font metrics, column widths.

The Word file should look like the PDF. Everything the DOCX writer needs to know
about colours, fonts, sizes and spacing is read here, once, from the same CSS the
PDF is laid out with (the ``<style>`` of the rendered brief: ``css/brief.css``,
an office's ``css/local.css`` and the page rules of ``_base.html.j2``), print
rules included, custom properties resolved. :class:`StyleMap` holds the result;
its defaults are the shipped stylesheet's values, used for anything the CSS does
not say.

Table columns are sized like CSS's automatic table layout: each column gets at
least its widest unbreakable word, number or date, measured with the metrics of
the font that will draw it (found through fontconfig; a per-character estimate
when it is not installed), and the rest of the text width is shared by how much
longer each column's lines are.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

# --- the stylesheet ------------------------------------------------------------------

_UNITS_PT = {"pt": 1.0, "px": 0.75, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0, "pc": 12.0,
             "q": 72 / 101.6}
_VAR = re.compile(r"var\(\s*(--[\w-]+)\s*(?:,\s*([^()]*))?\)")
_PAGE_SIZES_MM = {"a4": (210, 297), "a5": (148, 210), "a3": (297, 420), "letter": (215.9, 279.4),
                  "legal": (215.9, 355.6)}
_NAMED = {"black": "000000", "white": "FFFFFF", "red": "FF0000", "navy": "000080", "gray": "808080",
          "grey": "808080", "maroon": "800000", "darkred": "8B0000"}


class _Cascade:
    """Declarations by selector, in source order (later wins), for the print medium.

    Only the selectors the writer asks about matter, and they are compared as written
    (``h2``, ``.title-block .issue``), so specificity plays no part: the shipped
    stylesheet and an office's ``local.css`` override by coming later.
    """

    def __init__(self, css: str):
        import tinycss2

        self.tinycss2 = tinycss2
        self.props: dict[str, dict[str, str]] = {}
        self.variables: dict[str, str] = {}
        self._rules(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))

    def _rules(self, rules) -> None:
        tinycss2 = self.tinycss2
        for rule in rules:
            if rule.type == "qualified-rule":
                selectors = [" ".join(s.split()) for s in tinycss2.serialize(rule.prelude).split(",")]
                self._declarations(selectors, tinycss2.parse_declaration_list(
                    rule.content, skip_comments=True, skip_whitespace=True))
            elif rule.type == "at-rule" and rule.lower_at_keyword == "media" and rule.content:
                media = tinycss2.serialize(rule.prelude).lower()
                if "print" in media or "all" in media:
                    self._rules(tinycss2.parse_rule_list(rule.content, skip_comments=True,
                                                         skip_whitespace=True))
            elif rule.type == "at-rule" and rule.lower_at_keyword == "page" and rule.content:
                items = tinycss2.parse_blocks_contents(rule.content, skip_comments=True,
                                                       skip_whitespace=True)
                self._declarations(["@page"], items)
                for item in items:
                    if item.type == "at-rule" and item.content:
                        self._declarations([f"@{item.lower_at_keyword}"], tinycss2.parse_declaration_list(
                            item.content, skip_comments=True, skip_whitespace=True))

    def _declarations(self, selectors: list[str], declarations) -> None:
        for declaration in declarations:
            if declaration.type != "declaration":
                continue
            value = self.tinycss2.serialize(declaration.value).strip()
            value = re.sub(r"\s*!\s*important$", "", value, flags=re.I)
            for selector in selectors:
                if declaration.name.startswith("--"):
                    if selector in (":root", "html"):
                        self.variables[declaration.name] = value
                else:
                    self.props.setdefault(selector, {})[declaration.lower_name] = value

    def get(self, selector: str, prop: str) -> str | None:
        value = self.props.get(selector, {}).get(prop)
        return None if value is None else self.resolve(value)

    def resolve(self, value: str, depth: int = 0) -> str:
        if depth > 10 or "var(" not in value:
            return value

        def substitute(match: re.Match) -> str:
            name, fallback = match.group(1), match.group(2)
            return self.variables.get(name, fallback or "")

        return self.resolve(_VAR.sub(substitute, value), depth + 1)


def _length(value: str | None, em: float) -> float | None:
    """A CSS length in points (``em`` and ``%`` relative to ``em`` points)."""
    if not value:
        return None
    match = re.match(r"^\s*(-?[\d.]+)\s*([a-zA-Z%]*)", value)
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2).lower()
    if unit in ("em", "rem"):
        return number * em
    if unit == "%":
        return number * em / 100
    if unit == "" and number == 0:
        return 0.0
    if unit in _UNITS_PT:
        return number * _UNITS_PT[unit]
    return None


def _box(value: str | None, em: float) -> tuple[float, float, float, float] | None:
    """margin / padding shorthand: top, right, bottom, left in points."""
    if not value:
        return None
    parts = [_length(part, em) for part in value.split()]
    if not parts or any(p is None for p in parts):
        return None
    top = parts[0]
    right = parts[1] if len(parts) > 1 else top
    bottom = parts[2] if len(parts) > 2 else top
    left = parts[3] if len(parts) > 3 else right
    return top, right, bottom, left


def _colour(value: str | None) -> str | None:
    """'RRGGBB' for a CSS colour, None for inherit, currentColor, transparent and the like."""
    if not value:
        return None
    value = value.strip()
    match = re.fullmatch(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})", value)
    if match:
        digits = match.group(1)
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        return digits.upper()
    if value.lower() in _NAMED:
        return _NAMED[value.lower()]
    try:
        from tinycss2.color3 import parse_color

        colour = parse_color(value)
    except Exception:  # tinycss2 versions differ; an unknown colour keeps the default
        colour = None
    if colour is None or not hasattr(colour, "red") or colour.alpha == 0:
        return None
    return "".join(f"{round(c * 255):02X}" for c in (colour.red, colour.green, colour.blue))


def _border(value: str | None, em: float) -> tuple[float, str | None] | None:
    """(width in points, colour) of a border shorthand; None for none."""
    if not value or value.strip().lower() in ("none", "0", "hidden"):
        return None
    width, colour = None, None
    for part in re.findall(r"#[0-9a-fA-F]+|\w+\([^)]*\)|[^\s]+", value):
        if width is None and _length(part, em) is not None:
            width = _length(part, em)
        elif _colour(part):
            colour = _colour(part)
    return (width if width is not None else 1.0), colour


def _families(value: str | None) -> list[str]:
    if not value:
        return []
    return [f.strip().strip("\"'") for f in value.split(",") if f.strip()]


_GENERIC = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui"}
_EAST_ASIAN_HINTS = ("CJK", "Mincho", "Gothic", "Meiryo", "Hiragino", "Yu ", "MS ", "Ming", "Song",
                     "Hei", "Kai")
_ARABIC_HINTS = ("Arabic", "Naskh", "Nastaliq", "Urdu", "Kufi", "Amiri", "Scheherazade")


_WIDESPREAD = ("Times New Roman", "Arial", "Georgia", "Cambria", "Calibri", "Verdana", "Tahoma",
               "Helvetica", "Times", "Courier New", "Segoe UI")


def _generic(families: list[str], default: str) -> str:
    return next((f.lower() for f in families if f.lower() in _GENERIC), default)


def _first(families: list[str], hints: tuple[str, ...] = (), avoid: tuple[str, ...] = ()) -> str | None:
    for family in families:
        if family.lower() in _GENERIC:
            continue
        if hints and not any(h in family for h in hints):
            continue
        if avoid and any(h in family for h in avoid):
            continue
        return family
    return None


@dataclass(frozen=True)
class Text:
    """How one kind of text looks: what Word needs of a CSS box."""

    font: str
    size: float                  # points
    colour: str | None = None    # RRGGBB; None: inherit
    bold: bool = False
    italic: bool = False
    before: float = 0.0          # space before, points
    after: float = 0.0           # space after, points
    line_height: float = 1.45    # CSS line-height, a multiple of the font size
    letter_spacing: float = 0.0  # points


@dataclass(frozen=True)
class StyleMap:
    """The PDF stylesheet's values for everything the Word file shows. Defaults are
    ``templates/css/brief.css`` and the page rules of ``_base.html.j2``."""

    text_font: str = "DejaVu Serif"
    heading_font: str = "DejaVu Sans"
    mono_font: str = "DejaVu Sans Mono"
    east_asian_font: str = "Noto Serif CJK JP"
    complex_font: str = "Noto Naskh Arabic"
    accent: str = "1F3B5C"
    rule: str = "8A9BB0"
    body: Text = Text("DejaVu Serif", 10.0, "111111", after=5.5)
    justify: bool = True
    title: Text = Text("DejaVu Sans", 20.0, "1F3B5C", bold=True, after=4.0, line_height=1.2)
    subtitle: Text = Text("DejaVu Sans", 13.0, "333333", after=7.8)
    issue: Text = Text("DejaVu Sans", 9.5, "333333")
    title_rule: tuple[float, str] | None = (2.0, "1F3B5C")
    title_rule_padding: float = 6.0
    title_block_after: float = 12.0
    headings: tuple[Text, ...] = (
        Text("DejaVu Sans", 13.5, "1F3B5C", bold=True, before=18.9, after=5.4),
        Text("DejaVu Sans", 11.5, "1F3B5C", bold=True, before=12.65, after=3.45),
        Text("DejaVu Sans", 10.5, "1F3B5C", bold=True, before=9.45, after=2.1),
    )
    heading_rule: tuple[float, str] | None = (0.75, "8A9BB0")
    heading_rule_padding: float = 1.35
    caption: Text = Text("DejaVu Sans", 9.5, "1F3B5C", bold=True, before=3.8, after=2.85)
    cell: Text = Text("DejaVu Serif", 9.5, "111111")
    header_cell: Text = Text("DejaVu Sans", 9.5, "1F3B5C", bold=True)
    header_shade: str | None = "E8EDF3"
    cell_border: tuple[float, str] | None = (0.5, "8A9BB0")
    cell_padding: tuple[float, float, float, float] = (2.375, 4.275, 2.375, 4.275)
    table_after: float = 8.55
    quote: Text = Text("DejaVu Serif", 10.0, "111111", italic=True, after=2.0)
    quote_indent: tuple[float, float] = (15.0, 15.0)
    quote_margin: tuple[float, float] = (6.0, 6.0)
    attribution: Text = Text("DejaVu Serif", 9.5, "333333")
    list_item_after: float = 2.5
    list_after: float = 6.0
    list_indent: float = 16.0
    toc_title: Text = Text("DejaVu Sans", 12.0, "1F3B5C", bold=True, before=6.0, after=6.6)
    toc: Text = Text("DejaVu Serif", 9.0, "111111", after=0.45, line_height=1.3)
    toc_indent: float = 12.6
    toc_after: float = 13.5
    footnote: Text = Text("DejaVu Serif", 8.0, "111111")
    stale_colour: str | None = "8B0000"
    stale_scale: float = 0.9
    accounts: Text = Text("DejaVu Serif", 9.5, "111111", after=5.225)
    accounts_rule: tuple[float, str] | None = (2.0, "8A9BB0")
    accounts_padding: float = 5.7
    sources_size: float = 9.5
    link_colour: str | None = None
    link_underline: bool = False
    marking: Text = Text("DejaVu Sans", 9.0, "8B0000", bold=True, letter_spacing=0.9)
    footer_title: Text = Text("DejaVu Sans", 8.0, "444444")
    page_number: Text = Text("DejaVu Sans", 8.0, None)
    page_size_mm: tuple[float, float] = (210.0, 297.0)
    page_margins_mm: tuple[float, float, float, float] = (22.0, 20.0, 22.0, 20.0)
    # For Word's font table, so a reader without the fonts gets a like one:
    # (font, a widely installed font from the same stack, its generic family).
    font_hints: tuple[tuple[str, str | None, str], ...] = (
        ("DejaVu Serif", "Times New Roman", "serif"), ("DejaVu Sans", "Arial", "sans-serif"))

    @property
    def text_width_pt(self) -> float:
        return (self.page_size_mm[0] - self.page_margins_mm[1] - self.page_margins_mm[3]) * 72 / 25.4


def style_map(root) -> StyleMap:
    """The StyleMap of a rendered brief, from the CSS in its ``<head>`` (the PDF's own)."""
    css = "\n".join(style.text or "" for style in root.iter("style"))
    return style_map_from_css(css)


@functools.lru_cache(maxsize=16)
def style_map_from_css(css: str) -> StyleMap:
    if not css.strip():
        return StyleMap()
    try:
        cascade = _Cascade(css)
    except Exception:  # a stylesheet tinycss2 cannot read: the PDF would not use it either
        return StyleMap()
    return _derive(cascade, StyleMap())


def _derive(c: _Cascade, d: StyleMap) -> StyleMap:
    # Long: one reading of the stylesheet into every field of the StyleMap, in the order the
    # values build on each other (the body's size and colour before headings, tables before
    # captions); the helpers inside share the cascade and the body's text.
    text_stack = _families(c.variables.get("--text-font")) or _families(c.get("html", "font-family"))
    heading_stack = _families(c.variables.get("--heading-font")) or text_stack
    text_font = _first(text_stack, avoid=_EAST_ASIAN_HINTS + _ARABIC_HINTS) or d.text_font
    heading_font = _first(heading_stack, avoid=_EAST_ASIAN_HINTS + _ARABIC_HINTS) or d.heading_font
    east_asian = _first(text_stack, _EAST_ASIAN_HINTS) or d.east_asian_font
    complex_font = _first(text_stack, _ARABIC_HINTS) or d.complex_font

    def font_of(selectors: list[str], default: str) -> str:
        for selector in reversed(selectors):
            families = _families(c.get(selector, "font-family"))
            if families:
                return _first(families, avoid=_EAST_ASIAN_HINTS + _ARABIC_HINTS) or default
        return default

    def value(selectors: list[str], prop: str) -> str | None:
        found = None
        for selector in selectors:
            got = c.get(selector, prop)
            if got is not None:
                found = got
        return found

    body_size = _length(c.get("html", "font-size"), 10.0) or d.body.size
    body_colour = _colour(c.get("html", "color")) or d.body.colour
    body_line = _line_height(c.get("html", "line-height"), d.body.line_height)
    accent = _colour(c.variables.get("--accent")) or d.accent
    rule = _colour(c.variables.get("--rule")) or d.rule

    def text(selectors: list[str], base: Text, default: Text, font_default: str,
             bold_default: bool | None = None) -> Text:
        size = _length(value(selectors, "font-size"), base.size) or default.size
        colour = _colour(value(selectors, "color")) or (default.colour if value(selectors, "color") is None
                                                         else base.colour)
        weight = value(selectors, "font-weight")
        bold = (weight.strip() in ("bold", "bolder", "600", "700", "800", "900") if weight
                else (default.bold if bold_default is None else bold_default))
        style = value(selectors, "font-style")
        italic = style.strip() in ("italic", "oblique") if style else default.italic
        margins = _box(value(selectors, "margin"), size)
        before = margins[0] if margins else default.before
        after = margins[2] if margins else default.after
        top = _length(value(selectors, "margin-top"), size)
        bottom = _length(value(selectors, "margin-bottom"), size)
        before = top if top is not None else before
        after = bottom if bottom is not None else after
        line = _line_height(value(selectors, "line-height"), default.line_height)
        spacing = _length(value(selectors, "letter-spacing"), size)
        return Text(font_of(selectors, font_default), size, colour, bold, italic, before, after, line,
                    spacing if spacing is not None else default.letter_spacing)

    body = Text(text_font, body_size, body_colour, after=_length(c.get("p", "margin-bottom"), body_size)
                or (_box(c.get("p", "margin"), body_size) or (0, 0, d.body.after, 0))[2],
                line_height=body_line)
    def heading(tag: str, default: Text) -> Text:
        got = text([tag], body, default, heading_font, bold_default=True)
        colour = _colour(c.get(tag, "color")) or accent
        return Text(got.font, got.size, colour, got.bold, got.italic, got.before, got.after,
                    got.line_height)

    title = heading("h1", d.title)
    headings = (heading("h2", d.headings[0]), heading("h3", d.headings[1]), heading("h4", d.headings[2]))
    title_block_font = font_of([".title-block"], heading_font)
    subtitle = text([".title-block .subtitle"], body, d.subtitle, title_block_font)
    issue = text([".title-block .issue"], body, d.issue, title_block_font)
    caption = text(["caption"], body, d.caption, heading_font)
    caption_pad = _box(c.get("caption", "padding"), caption.size)
    table_size = _length(c.get("table", "font-size"), body_size) or d.cell.size
    table_margin = _box(c.get("table", "margin"), table_size)
    caption = Text(caption.font, caption.size, _colour(c.get("caption", "color")) or accent, caption.bold,
                   caption.italic, table_margin[0] if table_margin else d.caption.before,
                   caption_pad[2] if caption_pad else d.caption.after, caption.line_height)
    cell = Text(text_font, table_size, body_colour, line_height=body_line)
    header_cell = Text(font_of(["th"], heading_font), table_size, _colour(c.get("th", "color")) or accent,
                       bold=True, line_height=body_line)
    padding = _box(value(["th, td", "td"], "padding"), table_size) or d.cell_padding
    border = _border(value(["th, td", "td"], "border"), table_size)
    border = (border[0], border[1] or rule) if border else None
    shade = _colour(c.get("thead th", "background") or c.get("thead th", "background-color"))
    quote_margin = _box(c.get("blockquote", "margin"), body_size)
    quote_p = text(["blockquote p"], body, d.quote, text_font)
    quote = Text(text_font, body_size, body_colour,
                 italic=(c.get("blockquote", "font-style") or "italic").strip() == "italic",
                 after=quote_p.after, line_height=body_line)
    attribution = text(["blockquote footer"], body, d.attribution, text_font)
    li_after = _length(c.get("li", "margin-bottom"), body_size)
    list_margin = _box(c.get("ul, ol", "margin"), body_size)
    list_pad = _length(c.get("ul, ol", "padding-left"), body_size)
    toc_size = _length(c.get("nav.toc", "font-size"), body_size) or d.toc.size
    toc_line = _line_height(c.get("nav.toc", "line-height"), d.toc.line_height)
    toc_margin = _length(c.get("nav.toc", "margin-bottom"), toc_size)
    toc_li = _length(c.get("nav.toc li", "margin-bottom"), toc_size)
    toc_indent = _length(c.get("nav.toc ol ol", "padding-left"), toc_size)
    toc_title = text([".toc-title"], body, d.toc_title, heading_font)
    toc_title = Text(toc_title.font, toc_title.size, _colour(c.get(".toc-title", "color")) or accent,
                     toc_title.bold, toc_title.italic, toc_title.before,
                     body.after / body.size * toc_title.size, toc_title.line_height)
    footnote_size = _length(c.get(".footnote", "font-size"), body_size) or d.footnote.size
    stale_colour = _colour(c.get(".stale", "color")) or d.stale_colour
    stale_size = _length(c.get(".stale", "font-size"), 1.0)
    accounts_size = _length(c.get(".accounts", "font-size"), body_size) or d.accounts.size
    accounts_rule = _border(c.get(".accounts", "border-left"), accounts_size)
    accounts_pad = _length(c.get(".accounts", "padding-left"), accounts_size)
    sources_size = _length(c.get(".sources li", "font-size"), body_size) or d.sources_size
    link_colour = c.get("a", "color")
    link_decoration = (c.get("a", "text-decoration") or "underline").strip()
    title_border = _border(c.get(".title-block", "border-bottom"), body_size)
    title_pad = _length(c.get(".title-block", "padding-bottom"), body_size)
    title_after = _length(c.get(".title-block", "margin-bottom"), body_size)
    h2_border = _border(c.get("h2", "border-bottom"), headings[0].size)
    h2_pad = _length(c.get("h2", "padding-bottom"), headings[0].size)
    marking = _margin_box(c, "@top-center", d.marking, heading_font)
    footer_title = _margin_box(c, "@bottom-left", d.footer_title, heading_font)
    page_number = _margin_box(c, "@bottom-right", d.page_number, heading_font)
    page_size, margins = _page(c, d)
    align = (c.get("p", "text-align") or "justify").strip()
    hints = tuple((font, _first(stack, _WIDESPREAD), _generic(stack, default))
                  for font, stack, default in ((text_font, text_stack, "serif"),
                                               (heading_font, heading_stack, "sans-serif")))
    return StyleMap(
        text_font=text_font, heading_font=heading_font, mono_font=d.mono_font,
        east_asian_font=east_asian, complex_font=complex_font, accent=accent, rule=rule,
        body=body, justify=align == "justify", title=title, subtitle=subtitle, issue=issue,
        title_rule=((title_border[0], title_border[1] or accent) if title_border else None),
        title_rule_padding=title_pad if title_pad is not None else d.title_rule_padding,
        title_block_after=title_after if title_after is not None else d.title_block_after,
        headings=headings,
        heading_rule=((h2_border[0], h2_border[1] or rule) if h2_border else None),
        heading_rule_padding=h2_pad if h2_pad is not None else d.heading_rule_padding,
        caption=caption, cell=cell, header_cell=header_cell, header_shade=shade,
        cell_border=border, cell_padding=padding,
        table_after=table_margin[2] if table_margin else d.table_after,
        quote=quote,
        quote_indent=(quote_margin[3], quote_margin[1]) if quote_margin else d.quote_indent,
        quote_margin=(quote_margin[0], quote_margin[2]) if quote_margin else d.quote_margin,
        attribution=Text(attribution.font, attribution.size, attribution.colour, False,
                         (c.get("blockquote footer", "font-style") or "normal").strip() == "italic",
                         0.0, 0.0, body_line),
        list_item_after=li_after if li_after is not None else d.list_item_after,
        list_after=list_margin[2] if list_margin else d.list_after,
        list_indent=list_pad if list_pad is not None else d.list_indent,
        toc_title=toc_title,
        toc=Text(text_font, toc_size, body_colour, after=toc_li if toc_li is not None else d.toc.after,
                 line_height=toc_line),
        toc_indent=toc_indent if toc_indent is not None else d.toc_indent,
        toc_after=toc_margin if toc_margin is not None else d.toc_after,
        footnote=Text(text_font, footnote_size, body_colour, line_height=body_line),
        stale_colour=stale_colour, stale_scale=stale_size if stale_size is not None else d.stale_scale,
        accounts=Text(text_font, accounts_size, body_colour, after=body.after / body.size * accounts_size,
                      line_height=body_line),
        accounts_rule=((accounts_rule[0], accounts_rule[1] or rule) if accounts_rule else None),
        accounts_padding=accounts_pad if accounts_pad is not None else d.accounts_padding,
        sources_size=sources_size,
        link_colour=None if link_colour is None else _colour(link_colour),
        link_underline=link_decoration.startswith("underline"),
        marking=marking, footer_title=footer_title, page_number=page_number,
        page_size_mm=page_size, page_margins_mm=margins, font_hints=hints,
    )


def _line_height(value: str | None, default: float) -> float:
    if not value:
        return default
    value = value.strip()
    if value == "normal":
        return 1.164
    try:
        return float(value)
    except ValueError:
        pass
    if value.endswith("%"):
        try:
            return float(value[:-1]) / 100
        except ValueError:
            return default
    return default


def _margin_box(c: _Cascade, box: str, default: Text, heading_font: str) -> Text:
    size = _length(c.get(box, "font-size"), 10.0) or default.size
    families = _families(c.get(box, "font-family"))
    font = _first(families, avoid=_EAST_ASIAN_HINTS + _ARABIC_HINTS) if families else None
    weight = (c.get(box, "font-weight") or "").strip()
    spacing = _length(c.get(box, "letter-spacing"), size)
    declared = box in c.props
    return Text(
        font or (heading_font if declared else default.font),
        size,
        _colour(c.get(box, "color")) or (None if declared else default.colour),
        weight in ("bold", "bolder", "600", "700", "800", "900") if weight else default.bold,
        False, 0.0, 0.0, 1.2,
        spacing if spacing is not None else (0.0 if declared else default.letter_spacing),
    )


def _page(c: _Cascade, d: StyleMap):
    size = d.page_size_mm
    declared = (c.get("@page", "size") or "").strip().lower().split()
    if declared:
        if declared[0] in _PAGE_SIZES_MM:
            size = _PAGE_SIZES_MM[declared[0]]
            if "landscape" in declared:
                size = (size[1], size[0])
        else:
            lengths = [_length(part, 10.0) for part in declared]
            if lengths and all(x is not None for x in lengths):
                width = lengths[0] * 25.4 / 72
                height = (lengths[1] if len(lengths) > 1 else lengths[0]) * 25.4 / 72
                size = (width, height)
    box = _box(c.get("@page", "margin"), 10.0)
    margins = tuple(x * 25.4 / 72 for x in box) if box else d.page_margins_mm
    return size, margins


# --- fonts ---------------------------------------------------------------------------


@dataclass
class _Face:
    """Advance widths of one font file (em units) and its line height (ascent + descent)."""

    widths: dict[int, float]
    line: float
    average: float


@functools.lru_cache(maxsize=64)
def _face(family: str, bold: bool, italic: bool) -> _Face | None:
    """The face fontconfig would draw ``family`` with, or None when it cannot say."""
    path = _font_file(family, bold, italic)
    if path is None:
        return None
    try:
        from fontTools.ttLib import TTFont

        with TTFont(str(path), lazy=True, fontNumber=0) as font:
            units = font["head"].unitsPerEm
            metrics = font["hmtx"].metrics
            cmap = font.getBestCmap() or {}
            widths = {code: metrics[glyph][0] / units for code, glyph in cmap.items() if glyph in metrics}
            os2 = font["OS/2"] if "OS/2" in font else None
            if os2 is not None and os2.usWinAscent:
                line = (os2.usWinAscent + os2.usWinDescent) / units
            else:
                line = (font["hhea"].ascent - font["hhea"].descent) / units
    except Exception:  # any unreadable font: fall back to the estimate
        return None
    letters = [widths[ord(c)] for c in "etaoinshrdlucmfwyp" if ord(c) in widths]
    return _Face(widths, line, sum(letters) / len(letters) if letters else 0.55)


def _font_file(family: str, bold: bool, italic: bool) -> Path | None:
    fc_match = shutil.which("fc-match")
    if not fc_match:
        return None
    pattern = f"{family}:weight={'bold' if bold else 'regular'}:slant={'italic' if italic else 'roman'}"
    try:
        output = subprocess.run([fc_match, "-f", "%{file}", pattern], capture_output=True, text=True,
                                timeout=20, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(output)
    return path if output and path.is_file() and path.suffix.lower() in (".ttf", ".otf", ".ttc") else None


# Estimates in em for text in a font that is not installed, from DejaVu Serif (wide, so a
# column sized with them does not break words in narrower faces either).
_NARROW = set("iljtfr.,;:'!|()[]{}\u2019\u2018 ")
_WIDE = set("mwMW@%")


def _estimate(char: str) -> float:
    if char in _NARROW:
        return 0.36
    if char in _WIDE:
        return 0.92
    if char.isupper() or char.isdigit():
        return 0.70 if char.isupper() else 0.64
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.0
    return 0.58


def line_ratio(family: str) -> float:
    """A font's natural line height as a multiple of its size (what Word's 'single' is)."""
    face = _face(family, False, False)
    return face.line if face else 1.164


def text_width(text: str, family: str, size: float, bold: bool = False, italic: bool = False) -> float:
    """Width in points of ``text`` set in ``family`` at ``size`` points."""
    face = _face(family, bold, italic)
    total = 0.0
    for char in text:
        if face is not None:
            width = face.widths.get(ord(char))
            if width is None:
                width = 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else face.average
        else:
            width = _estimate(char) * (1.05 if bold else 1.0)
        total += width
    return total * size


# --- tables --------------------------------------------------------------------------


@dataclass
class Piece:
    """A run of text in a cell with what decides its width."""

    text: str
    font: str
    size: float
    bold: bool = False
    italic: bool = False


@dataclass
class Extent:
    """A cell's or a column's widths in points: the widest unbreakable piece, the widest line."""

    minimum: float = 0.0
    maximum: float = 0.0
    lines: list = field(default_factory=list)


# A line may break at a space, after a hyphen or dash between letters, or after a slash;
# never inside a word, a number or a date.
_BREAK_AFTER = re.compile(r"(?<=[\w\u00ad][-\u2010\u2013\u2014/])(?=\w)")


def cell_extent(lines: list[list[Piece]]) -> Extent:
    """Widths of a cell whose content is ``lines`` (hard line breaks), each a list of pieces."""
    minimum = maximum = 0.0
    for pieces in lines:
        line_width = 0.0
        word_width = 0.0
        for piece in pieces:
            for index, chunk in enumerate(re.split(r"(\s+)", piece.text)):
                if not chunk:
                    continue
                width = text_width(chunk, piece.font, piece.size, piece.bold, piece.italic)
                line_width += width
                if chunk.isspace():
                    minimum = max(minimum, word_width)
                    word_width = 0.0
                    continue
                parts = _BREAK_AFTER.split(chunk)
                for number, part in enumerate(parts):
                    part_width = text_width(part, piece.font, piece.size, piece.bold, piece.italic)
                    if number > 0:
                        minimum = max(minimum, word_width)
                        word_width = 0.0
                    word_width += part_width
        minimum = max(minimum, word_width)
        maximum = max(maximum, line_width)
    return Extent(minimum, maximum)


def column_widths(extents: list[Extent], available: float, extra: float) -> list[float]:
    """Share ``available`` points among columns like CSS's automatic table layout for a table
    of width 100%: every column gets its minimum (widest unbreakable piece) and the rest is
    shared in proportion to how much wider each column's content would like to be.
    ``extra`` (padding and borders) is added to every column's content widths."""
    if not extents:
        return []
    minimum = [e.minimum + extra for e in extents]
    maximum = [max(e.maximum, e.minimum) + extra for e in extents]
    low, high = sum(minimum), sum(maximum)
    if high <= available:
        # Everything fits on one line per cell: the spare width goes by each column's content.
        return [m + (available - high) * m / high for m in maximum]
    if low >= available:
        # Not even the longest words fit: shrink in proportion (the unavoidable case).
        return [m * available / low for m in minimum]
    share = (available - low) / (high - low)
    return [lo + (hi - lo) * share for lo, hi in zip(minimum, maximum)]
