"""PDF writer: the rendered HTML laid out by WeasyPrint with the print stylesheet."""

from __future__ import annotations

import os
import threading

from ..errors import Problem, WriteError
from ..render import RenderedBrief
from . import WriteOptions, document_info, parse_html, register, source_date_epoch

# SOURCE_DATE_EPOCH is process-wide; renders in one process take turns setting it.
_EPOCH_LOCK = threading.Lock()


@register
class PdfWriter:
    name = "pdf"
    suffix = ".pdf"

    def write(self, brief: RenderedBrief, options: WriteOptions) -> bytes:
        import weasyprint  # heavy: imported only when a PDF is wanted

        info = document_info(parse_html(brief.html))
        base_url = str(options.template_dirs[0].resolve()) + os.sep if options.template_dirs else None
        with _EPOCH_LOCK:
            previous = os.environ.get("SOURCE_DATE_EPOCH")
            # Font subsetting stamps the current time unless this is set: the edition date
            # makes the bytes depend on the inputs alone.
            os.environ["SOURCE_DATE_EPOCH"] = str(source_date_epoch(info.created))
            try:
                document = weasyprint.HTML(string=brief.html, base_url=base_url)
                return document.write_pdf()
            except Exception as exc:  # WeasyPrint raises many kinds; all mean this brief failed
                raise WriteError(
                    Problem(f"PDF rendering of {brief.relationship}/{brief.kind} failed: {exc}")
                ) from None
            finally:
                if previous is None:
                    os.environ.pop("SOURCE_DATE_EPOCH", None)
                else:
                    os.environ["SOURCE_DATE_EPOCH"] = previous
