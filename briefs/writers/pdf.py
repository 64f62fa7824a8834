"""PDF writer: the rendered HTML laid out by WeasyPrint with the print stylesheet.

Every PDF is tagged for accessibility (PDF/UA-1) unless archival PDF/A-3u is
asked for, which also embeds the brief's fact files and source documents. Fonts
placed in ``templates/fonts/`` are registered with ``@font-face``; a character
that no available font can draw is reported instead of printed as a box.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path

from ..errors import Location, Problem, WriteError, display_path
from ..render import RenderedBrief
from . import BaseWriter, WriteOptions, document_info, parse_html, register, source_date_epoch, template_of
from .fetch import allowed_roots, weasyprint_fetcher
from .pdf_fonts import font_face_rules, font_files, undrawable_characters

from ..build import PDF_VARIANTS

DEFAULT_VARIANT = PDF_VARIANTS[0]

# SOURCE_DATE_EPOCH is process-wide; renders in one process take turns setting it.
_EPOCH_LOCK = threading.Lock()


# Kept for the life of a worker: fonts are loaded once and images decoded once, not per document.
_FONT_CONFIGS: dict[tuple, tuple] = {}
_IMAGE_CACHE: dict = {}


def _fonts(font_css: str, base_url: str | None, template_dirs, warnings):
    """The font configuration (with templates/fonts registered) shared by a worker's PDFs."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    stamps = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in font_files(list(template_dirs)))
    key = (font_css, base_url, stamps)
    if key not in _FONT_CONFIGS:
        font_config = FontConfiguration()
        stylesheets = []
        if font_css:
            stylesheets.append(weasyprint.CSS(
                string=font_css, base_url=base_url, font_config=font_config,
                url_fetcher=weasyprint_fetcher(allowed_roots(template_dirs), warnings, "templates/fonts")))
        _FONT_CONFIGS[key] = (font_config, stylesheets)
    return _FONT_CONFIGS[key]


@register
class PdfWriter(BaseWriter):
    name = "pdf"
    suffix = ".pdf"

    def write(self, brief: RenderedBrief, options: WriteOptions) -> bytes:
        import weasyprint  # heavy: imported only when a PDF is wanted

        self.warnings = []
        root = parse_html(brief.html)
        info = document_info(root)
        variant = options.pdf_variant or brief.pdf_variant or DEFAULT_VARIANT
        if variant not in PDF_VARIANTS:
            raise WriteError(Problem(f"unknown PDF variant {variant!r}; use one of {', '.join(PDF_VARIANTS)}"))
        template_dirs = list(options.template_dirs)
        base_url = str(template_dirs[0].resolve()) + os.sep if template_dirs else None
        font_css, families = font_face_rules(template_dirs)
        for text, characters in undrawable_characters(root, template_dirs):
            shown = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in characters)
            self.warnings.append(Problem(
                f"no installed font can draw {shown} in {text!r} ({brief.relationship}/{brief.kind});"
                " install a font that has it or put one in templates/fonts/",
                severity="warning"))
        edition = dt.datetime(info.created.year, info.created.month, info.created.day,
                              tzinfo=dt.timezone.utc)
        with _EPOCH_LOCK:
            previous = os.environ.get("SOURCE_DATE_EPOCH")
            # Font subsetting stamps the current time unless this is set: the edition date
            # makes the bytes depend on the inputs alone.
            os.environ["SOURCE_DATE_EPOCH"] = str(source_date_epoch(info.created))
            try:
                font_config, stylesheets = _fonts(font_css, base_url, template_dirs, self.warnings)
                attachments = []
                if variant.startswith("pdf/a"):
                    attachments = [
                        weasyprint.Attachment(
                            string=path.read_bytes(), name=name,
                            description=("Fact file" if name.endswith((".yaml", ".yml"))
                                         else "Source document"),
                            created=edition, modified=edition, relationship="Source")
                        for name, path in brief.attachments
                    ]
                fetcher = weasyprint_fetcher(allowed_roots(template_dirs), self.warnings,
                                             template_of(brief))
                document = weasyprint.HTML(string=brief.html, base_url=base_url, url_fetcher=fetcher)
                return document.write_pdf(
                    stylesheets=stylesheets, font_config=font_config, pdf_variant=variant,
                    pdf_tags=True, attachments=attachments, cache=_IMAGE_CACHE,
                    pdf_identifier=f"{brief.relationship}/{brief.kind}".encode(),
                )
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
