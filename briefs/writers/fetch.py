"""What a writer may read: data: URIs and files inside the project's asset roots
(the template folders and ``assets/``, see :meth:`briefs.layout.Layout.asset_roots`), nothing else.

Templates are shared between offices and fact text is typed by many hands, so a
brief must never fetch from the network or read a file elsewhere on the machine
(``file:///etc/passwd``, ``../../secrets``). Every refusal becomes a warning that
names the URL (fatal with ``--strict``).
"""

from __future__ import annotations

import base64
import urllib.parse
from pathlib import Path

from ..errors import Location, Problem


def resolve(url: str, roots: list[Path], base: Path | None = None) -> tuple[str, object]:
    """("data", bytes) or ("file", Path) when allowed, else ("refused", reason)."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "data":
        header, _, payload = url.partition(",")
        try:
            data = (base64.b64decode(payload) if header.endswith(";base64")
                    else urllib.parse.unquote_to_bytes(payload))
        except ValueError:
            return "refused", "a data: URI that cannot be decoded"
        return "data", data
    if scheme == "file":
        path = Path(urllib.parse.unquote(urllib.parse.urlsplit(url).path))
    elif scheme == "" and base is not None:
        path = base / urllib.parse.unquote(url.split("#", 1)[0].split("?", 1)[0])
    else:
        return "refused", "only data: URIs and files inside the template folders may be used (no network)"
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "refused", "no such file"
    if not any(real == root or root in real.parents for root in roots):
        return "refused", "the file is outside the template folders"
    if not real.is_file():  # a folder, or a pipe that would block the build forever
        return "refused", "not a plain file"
    return "file", real


def refusal(url: str, reason: str, where: str) -> Problem:
    """A warning located at the brief's template (the URL came from it or a partial)."""
    shown = url if len(url) <= 100 else url[:97] + "..."
    return Problem(f"refused to load {shown!r}: {reason}", Location(where), severity="warning")


def weasyprint_fetcher(roots: list[Path], warnings: list[Problem], where: str):
    """A WeasyPrint URLFetcher applying the rule above (WeasyPrint 70 needs a subclass)."""
    from weasyprint.urls import URLFetcher

    class ProjectFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            kind, value = resolve(url, roots)
            if kind == "refused":
                problem = refusal(url, value, where)
                if problem not in warnings:
                    warnings.append(problem)
                raise ValueError(f"refused: {url}")
            return super().fetch(url if kind == "data" else Path(value).as_uri(), headers)

    return ProjectFetcher(allowed_protocols=("data", "file"), allow_redirects=False)
