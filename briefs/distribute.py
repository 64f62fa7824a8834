"""`briefs dist`: the PDFs of a build, its manifest and checksums, in one zip."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path

from .errors import BuildError, Location, Problem, display_path
from .state import atomic_write


def bundle(out_dir: Path, today: dt.date | None = None) -> Path:
    manifest = out_dir / "manifest.json"
    pdfs = sorted(p for p in out_dir.glob("*/*.pdf") if not p.name.startswith("."))
    if not manifest.is_file() or not pdfs:
        raise BuildError(Problem("no built briefs to bundle; run `briefs build` (or make) first",
                                 Location(display_path(out_dir))))
    today = today or dt.date.today()
    stamp = (today.year, today.month, today.day, 0, 0, 0)
    members = [(p.relative_to(out_dir).as_posix(), p.read_bytes()) for p in pdfs]
    members.append(("manifest.json", manifest.read_bytes()))
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in members)
    members.append(("SHA256SUMS", sums.encode("ascii")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    target = out_dir / "dist" / f"briefs-{today.isoformat()}.zip"
    atomic_write(target, buffer.getvalue())
    return target
