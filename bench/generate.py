"""Write a synthetic portfolio: N relationships shaped like the Pakistan-Japan fact base.

Each copy gets a different partner country (name, adjective, code) and varied
figures, in its facts and its seed documents alike, so that briefs differ like a real
portfolio's and still pass the evidence checks.

    python bench/generate.py OUT_DIR N
"""

from __future__ import annotations

import random
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "facts" / "pakistan-japan"
PARTNERS = [
    ("Japan", "Japanese", "JP"), ("Germany", "German", "DE"), ("France", "French", "FR"),
    ("Italy", "Italian", "IT"), ("Canada", "Canadian", "CA"), ("Brazil", "Brazilian", "BR"),
    ("Kenya", "Kenyan", "KE"), ("Norway", "Norwegian", "NO"), ("Chile", "Chilean", "CL"),
    ("Ghana", "Ghanaian", "GH"), ("Austria", "Austrian", "AT"), ("Mexico", "Mexican", "MX"),
    ("Sweden", "Swedish", "SE"), ("Spain", "Spanish", "ES"), ("Egypt", "Egyptian", "EG"),
    ("Poland", "Polish", "PL"), ("Peru", "Peruvian", "PE"), ("Greece", "Greek", "GR"),
    ("Jordan", "Jordanian", "JO"), ("Nepal", "Nepalese", "NP"),
]


def generate(out_dir: Path, count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    slugs = []
    for index in range(count):
        name, adjective, code = PARTNERS[index % len(PARTNERS)]
        slug = f"pakistan-{name.lower()}-{index:03d}"
        target = out_dir / slug
        shutil.copytree(TEMPLATE, target)
        diaspora, schools = rng.randrange(2_000, 90_000), rng.randrange(20, 900)
        # The seed documents change with the facts, so that every passage the facts quote
        # is still in its document and the evidence checks pass as they would for a desk.
        figures = [(r"size: 19000", f"size: {diaspora}"), (r"\b19,000\b", f"{diaspora:,}"),
                   (r"built: 300\b", f"built: {schools}"), (r"\b300 schools", f"{schools} schools")]
        for path in [*target.glob("*.yaml"), *(target / "seeds").glob("*.txt")]:
            text = path.read_text(encoding="utf-8")
            text = text.replace("Japanese", adjective).replace("Japan", name)
            text = re.sub(r"\bjapan\b", name.lower(), text)
            text = re.sub(r"\bJP\b", code, text)
            text = re.sub(r"native_name: 日本", "native_name: " + name, text)
            text = re.sub(r"\n      native_language: ja", "", text)
            for pattern, replacement in figures:
                text = re.sub(pattern, replacement, text)
            path.write_text(text, encoding="utf-8")
        slugs.append(slug)
    return slugs


if __name__ == "__main__":
    print("\n".join(generate(Path(sys.argv[1]), int(sys.argv[2]))))
