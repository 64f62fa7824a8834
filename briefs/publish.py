"""Publish: what a build folder offers its readers — the index page, the manifest with
checksums, and the zip bundle `briefs dist` makes."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

from . import __version__
from .changes import fact_base_revision
from .edition import BriefId, Edition
from .errors import BuildError, Location, Problem, display_path
from .layout import Layout
from .output import atomic_write
from .render import Renderer
from .state import BuildState
from .writers import format_order


def index_page(layout: Layout, state: BuildState) -> bytes:
    """OUT/index.html: every brief in the build folder, linked in each format present."""
    briefs: dict[str, dict[str, str]] = {}
    for key, record in state.outputs.items():
        fmt = record.options.get("format")
        if fmt and (layout.out_dir / key).is_file():
            briefs.setdefault(record.brief, {})[fmt] = key
    rows = []
    for brief_key, links in sorted(briefs.items()):
        record = next((state.deps_of(k) for k in links.values() if state.deps_of(k)), None)
        info = record.info if record else {}
        brief = BriefId.from_json(info.get("brief"))
        if brief is None:
            continue  # not recorded by this version of briefs: the build rewrites it
        rows.append({
            "relationship": brief.relationship,
            "relationship_label": info.get("relationship") or brief.relationship,
            "variant": brief.edition.folder.replace("/", " / "),
            "edition_label": brief.edition.label,
            "kind": brief.kind,
            "title": info.get("title") or brief.kind,
            "edition": info.get("edition", ""),
            "marking": info.get("marking", ""),
            "links": [(fmt.upper(), links[fmt]) for fmt in sorted(links, key=format_order)],
        })
    page = Renderer(layout).render_page("_index.html.j2", {"briefs": rows}, "the build index")
    return page.encode("utf-8")


def manifest(layout: Layout, state: BuildState) -> bytes:
    """OUT/manifest.json: each output's SHA-256, size, edition date and fact base revision."""
    outputs = {}
    for key, record in sorted(state.outputs.items()):
        if not (layout.out_dir / key).is_file():
            continue
        deps = state.deps_of(key)
        info = deps.info if deps else {}
        outputs[key] = {"sha256": record.output["sha"], "size": record.output["size"],
                        "edition_date": info.get("edition"), "marking": info.get("marking"),
                        "title": info.get("title"), "brief": info.get("brief")}
    data = {"fact_base_revision": fact_base_revision(layout.facts_dir),
            "generator": f"briefs {__version__}", "outputs": outputs}
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def bundle(out_dir: Path, perspective: str | None = None, release: str | None = None,
           today: dt.date | None = None) -> Path:
    """OUT/dist/briefs-<date>-<edition>.zip: the PDFs of exactly one edition (the full
    edition from each fact base's own side by default), a manifest listing exactly those
    files, and SHA256SUMS."""
    edition = Edition(perspective, release).folder
    manifest_file = out_dir / "manifest.json"
    try:
        built = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        built = None
    outputs = {}
    for key, entry in sorted((built or {}).get("outputs", {}).items()):
        brief = BriefId.from_json(entry.get("brief"))
        if (brief is not None and brief.edition.folder == edition and key.endswith(".pdf")
                and (out_dir / key).is_file()):
            outputs[key] = entry
    if not outputs:
        what = f"the {edition} edition" if edition else "the full edition"
        raise BuildError(Problem(f"no built PDFs of {what} to bundle; run `briefs build`"
                                 + (f" with {' '.join(_edition_flags(perspective, release))}" if edition else "")
                                 + " (or make) first", Location(display_path(out_dir))))
    today = today or dt.date.today()
    stamp = (today.year, today.month, today.day, 0, 0, 0)
    members = [(key, (out_dir / key).read_bytes()) for key in outputs]
    own_manifest = {**built, "edition": {"perspective": perspective or "default", "release": release or "full"},
                    "outputs": outputs}
    members.append(("manifest.json", (json.dumps(own_manifest, indent=2, sort_keys=True, ensure_ascii=False)
                                      + "\n").encode("utf-8")))
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in members)
    members.append(("SHA256SUMS", sums.encode("ascii")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    label = edition.replace("/", "-") or "full"
    target = out_dir / "dist" / f"briefs-{today.isoformat()}-{label}.zip"
    atomic_write(target, buffer.getvalue())
    return target


def _edition_flags(perspective: str | None, release: str | None) -> list[str]:
    return ([f"--perspective {perspective}"] if perspective else []) + ([f"--release {release}"] if release else [])
