"""PDF writer: the rendered HTML laid out by WeasyPrint with the print stylesheet.

Every PDF is tagged for accessibility (PDF/UA-1) unless archival PDF/A-3u is
asked for, which also embeds a data file of the facts the brief shows and the source
documents at or below its marking. The marking is in the info dictionary and the XMP. Fonts
placed in a ``fonts/`` template folder are registered with ``@font-face``; a
character that no available font can draw is reported instead of printed as a box.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import threading
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from html import escape as xml_escape  # xml.sax.saxutils pulls in urllib and http

from ..errors import Problem, WriteError
from . import Writer, WriteOptions, html_classes, register, source_date_epoch, template_of
from .fetch import weasyprint_fetcher
from .pdf_fonts import confined_fonts, font_face_rules, undrawable_characters
from . import pdf_structure

if TYPE_CHECKING:
    from ..rendered import RenderedBrief

# pdf/ua-1: tagged and accessible (the default); pdf/a-3u: archival, with its evidence attached.
PDF_VARIANTS = ("pdf/ua-1", "pdf/a-3u")

# SOURCE_DATE_EPOCH is process-wide; renders in one process take turns setting it.
_EPOCH_LOCK = threading.Lock()

# Kept for the life of a worker: fonts are loaded once and images decoded once, not per document.
_FONT_CONFIGS: dict[tuple, tuple] = {}
_IMAGE_CACHE: dict = {}
# The <meta> names a PDF carries in its document properties, besides the standard ones.
_PROPERTIES = frozenset({"marking"})


# A word longer than a line is split by WeasyPrint at its hyphenation points: it tries each
# one in turn, laying out the rest of the paragraph again every time, so a 10,000-letter
# "word" took several minutes (and overflow-wrap: anywhere, over 7 s). A break opportunity
# (<wbr>, which adds no visible character) every CHUNK characters of a word longer than
# LONG_WORD keeps line breaking linear; the text itself is unchanged, and briefs whose
# words are all shorter are laid out from the rendered HTML as it is. Chinese, Japanese
# and Korean text breaks between characters anyway and is left alone.
LONG_WORD = 64
CHUNK = 64
_LONG_RUN = re.compile(r"[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]{%d,}" % (LONG_WORD + 1))


def _pieces(text: str) -> list[str]:
    """``text`` cut at a break opportunity every CHUNK characters of its long words."""
    cuts = [0]
    for match in _LONG_RUN.finditer(text):
        cuts.extend(range(match.start() + CHUNK, match.end(), CHUNK))
    cuts.append(len(text))
    return [text[a:b] for a, b in zip(cuts, cuts[1:])]


# A capitalised word long enough to be hyphenated (see the stylesheet's hyphenate-limit-chars).
_CAPITALISED = re.compile(r"(?<![\w-])[A-Z][^\W\d_]{5,}(?![\w-])")
_FLOWING = "p li td th blockquote span em strong i b a cite".split()


def _names_unhyphenated(document) -> None:
    """Wrap each capitalised word of the text in ``<span class="name">``, which the stylesheet
    never hyphenates: a proper name ("Islamabad") is not broken at a line's end. Done on the
    copy the PDF is laid out from: the text is unchanged, and the HTML and DOCX keep their
    runs whole."""
    for element in document.xpath("//main//*"):
        if element.tag not in _FLOWING or html_classes(element) & {"footnote", "name"}:
            continue
        if element.text and _CAPITALISED.search(element.text):
            pieces = _split_names(element.text, document.makeelement)
            element.text = pieces.pop(0)
            for index, span in enumerate(pieces):
                element.insert(index, span)
        for child in list(element):
            if child.tail and _CAPITALISED.search(child.tail) and "name" not in html_classes(child):
                pieces = _split_names(child.tail, document.makeelement)
                child.tail = pieces.pop(0)
                for span in reversed(pieces):
                    child.addnext(span)


def _split_names(text: str, make) -> list:
    """``text`` as [the text before the first name, then a span per name, each holding the
    text up to the next name as its tail]."""
    pieces: list = [""]
    position = 0
    for match in _CAPITALISED.finditer(text):
        if pieces[1:]:
            pieces[-1].tail = text[position:match.start()]
        else:
            pieces[0] = text[position:match.start()]
        span = make("span", {"class": "name"})
        span.text = match.group()
        pieces.append(span)
        position = match.end()
    pieces[-1].tail = text[position:]
    return pieces



def breakable(html: str, document) -> str:
    """The HTML to lay out: a copy of ``document`` whose names are never hyphenated, and
    whose words longer than LONG_WORD have break opportunities in them."""
    document = copy.deepcopy(document)
    _names_unhyphenated(document)
    body = document.find("body")
    if body is None or not any(_LONG_RUN.search(text) for text in body.itertext()):
        import lxml.html

        return "<!DOCTYPE html>\n" + lxml.html.tostring(document, encoding="unicode") + "\n"
    for element in list(body.iter()):
        if not isinstance(element.tag, str) or element.tag in ("style", "script"):
            continue
        if element.text and _LONG_RUN.search(element.text):
            first, *rest = _pieces(element.text)
            element.text = first
            for index, piece in enumerate(rest):
                wbr = element.makeelement("wbr", {})
                wbr.tail = piece
                element.insert(index, wbr)
        if element is not body and element.tail and _LONG_RUN.search(element.tail):
            first, *rest = _pieces(element.tail)
            element.tail = first
            anchor = element
            for piece in rest:
                wbr = element.makeelement("wbr", {})
                wbr.tail = piece
                anchor.addnext(wbr)
                anchor = wbr
    import lxml.html

    return "<!DOCTYPE html>\n" + lxml.html.tostring(document, encoding="unicode") + "\n"


@register
class PdfWriter(Writer):
    name = "pdf"
    suffix = ".pdf"
    options = {"variant": PDF_VARIANTS}

    @classmethod
    def prepare(cls) -> None:
        from .pdf_import import import_weasyprint  # ctypes and subprocess: not for planning a build

        import_weasyprint()  # most of a first PDF's time

    def write(self, brief: RenderedBrief, options: WriteOptions) -> bytes:
        from .pdf_import import import_weasyprint

        weasyprint = import_weasyprint()  # heavy: imported only when a PDF is wanted
        pdf_structure.install()  # notes, header scopes and languages in the structure tree

        self.warnings = []
        variant = options.option("pdf", "variant") or brief.pdf_variant or PDF_VARIANTS[0]
        if variant not in PDF_VARIANTS:
            raise WriteError(Problem(f"unknown PDF variant {variant!r}; use one of {', '.join(PDF_VARIANTS)}"))
        layout = options.layout
        base_url = str(layout.template_dirs[0].resolve()) + os.sep
        fonts = confined_fonts(layout.font_files())
        created = brief.meta.created
        edition = dt.datetime(created.year, created.month, created.day, tzinfo=dt.timezone.utc)
        with _EPOCH_LOCK:
            previous = os.environ.get("SOURCE_DATE_EPOCH")
            # Font subsetting stamps the current time unless this is set: the edition date
            # makes the bytes depend on the inputs alone.
            os.environ["SOURCE_DATE_EPOCH"] = str(source_date_epoch(created))
            try:
                font_config, stylesheets = self._fonts(fonts, base_url, options)
                attachments = [
                    weasyprint.Attachment(string=data, name=name, description=description,
                                          created=edition, modified=edition, relationship="Source")
                    for name, data, description in brief.attachments
                ] if variant.startswith("pdf/a") else []
                fetcher = weasyprint_fetcher(layout.asset_roots(), self.warnings, template_of(brief))
                document = weasyprint.HTML(string=breakable(brief.html, brief.document),
                                           base_url=base_url, url_fetcher=fetcher)
                pdf_options = dict(
                    stylesheets=stylesheets, pdf_variant=variant, pdf_tags=True, attachments=attachments,
                    cache=_IMAGE_CACHE, pdf_identifier=f"{brief.relationship}/{brief.kind}".encode(),
                    custom_metadata=True)  # the marking (<meta name="marking">) in the properties
                laid_out = document.render(font_config, **pdf_options)
                # Of the page's other <meta> names, none belongs in a PDF's properties (the
                # viewport is the browser's, the perspective the build's).
                laid_out.metadata.custom = {name: value for name, value in laid_out.metadata.custom.items()
                                            if name in _PROPERTIES}
                pdf = laid_out.write_pdf(
                    finisher=_Finish(brief.meta.marking, _relative_links(brief, base_url)),
                    **{k: v for k, v in pdf_options.items() if k in weasyprint.DEFAULT_OPTIONS})
            except WriteError:
                raise
            except Exception as exc:  # WeasyPrint raises many kinds; all mean this brief failed
                raise WriteError(
                    Problem(f"PDF rendering of {brief.relationship}/{brief.kind} failed: {exc}")
                ) from None
            finally:
                if previous is None:
                    os.environ.pop("SOURCE_DATE_EPOCH", None)
                else:
                    os.environ["SOURCE_DATE_EPOCH"] = previous
        self._warn_undrawable(brief, fonts)
        return pdf

    def _warn_undrawable(self, brief: RenderedBrief, fonts) -> None:
        for text, characters in undrawable_characters(brief.document, fonts):
            shown = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in characters)
            self.warnings.append(Problem(
                f"no installed font can draw {shown} in {text!r} ({brief.relationship}/{brief.kind});"
                " install a font that has it or put one in templates/fonts/",
                severity="warning"))

    def _fonts(self, fonts, base_url: str, options: WriteOptions):
        """The font configuration (with the project's fonts registered) shared by a worker's PDFs."""
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        font_css, _families = font_face_rules(fonts)
        stamps = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in fonts)
        key = (font_css, base_url, stamps)
        if key not in _FONT_CONFIGS:
            font_config = FontConfiguration()
            stylesheets = []
            if font_css:
                fetcher = weasyprint_fetcher(options.layout.asset_roots(), self.warnings, "templates/fonts")
                stylesheets.append(weasyprint.CSS(string=font_css, base_url=base_url,
                                                  font_config=font_config, url_fetcher=fetcher))
            _FONT_CONFIGS[key] = (font_config, stylesheets)
        return _FONT_CONFIGS[key]


def _relative_links(brief: RenderedBrief, base_url: str) -> dict[str, str]:
    """Each link to another file of the output folder (a working edition's notes link to the
    audit page), as WeasyPrint resolves it against the template folder -> as written."""
    from weasyprint.urls import ensure_url, url_join

    base = ensure_url(base_url)
    return {url_join(base, href, False, href): href
            for href in brief.document.xpath("//a/@href")
            if not href.startswith("#") and not urlsplit(href).scheme}


class _Finish:
    """What WeasyPrint's own writing leaves to do, run after it (a finisher):

    - the banner marking goes into the XMP packet as ``dc:rights``, where archives and
      document systems read a file's handling terms: inside WeasyPrint's own ``rdf:RDF``
      (readers take the first one only), a standard property, so PDF/A needs no
      extension schema;
    - links to files beside the PDF stay relative, so that they work wherever the output
      folder is copied (WeasyPrint made them absolute against the template folder)."""

    def __init__(self, marking: str, relative_links: dict[str, str]):
        escaped = xml_escape(marking).encode("utf-8")
        self._description = (
            b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            b'<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">' + escaped
            + b'</rdf:li></rdf:Alt></dc:rights></rdf:Description>')
        self._relative_links = relative_links

    def __call__(self, _document, pdf) -> None:
        pdf_structure.finish(pdf)
        self._mark_xmp(pdf)
        if self._relative_links:
            self._relink(pdf)

    def _mark_xmp(self, pdf) -> None:
        reference = pdf.catalog.get("Metadata")
        if reference is None:  # no XMP packet to mark (no PDF variant)
            return
        stream = pdf.objects[int(reference.split()[0])]
        packet = b"".join(part if isinstance(part, bytes) else str(part).encode() for part in stream.stream)
        stream.stream = [packet.replace(b"</rdf:RDF>", self._description + b"</rdf:RDF>", 1)]

    def _relink(self, pdf) -> None:
        for annotation in pdf.objects:
            action = annotation.get("A") if isinstance(annotation, dict) else None
            target = action.get("URI") if isinstance(action, dict) else None
            relative = self._relative_links.get(getattr(target, "string", None))
            if relative is not None:
                target.string = relative
                if "Contents" in annotation:
                    annotation["Contents"].string = relative
