"""`briefs new`: an honest scaffold. Codes and names from ISO/CLDR, every placeholder an
error with its file and line until replaced, nothing written on bad input."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import yaml

from conftest import copy_project, run_briefs, tree_digest
from readback import html_text, pdf_pages

PLACEHOLDER_LINE = re.compile(r"^(facts/india-japan/[\w-]+\.yaml):(\d+): ([\w.\[\]-]+): placeholder to replace: ")


def _new_india_japan(tmp_path) -> Path:
    project = copy_project(tmp_path / "p")
    result = run_briefs(project, "new", "india", "japan")
    assert result.code == 0, result.stderr
    assert "created facts/india-japan/" in result.stdout
    return project


def test_codes_names_and_currencies_come_from_iso_and_cldr(tmp_path):
    project = _new_india_japan(tmp_path)
    meta = yaml.safe_load((project / "facts/india-japan/metadata.yaml").read_text())["metadata"]
    india, japan = meta["countries"]
    assert (india["code"], india["name"], india["official_name"], india["currency"]) == \
        ("IN", "India", "Republic of India", "INR")
    assert (japan["code"], japan["name"], japan["currency"]) == ("JP", "Japan", "JPY")
    assert meta["title"] == "India–Japan Relations" and meta["perspective"] == "india"
    # No library knows adjectives or capitals: those are placeholders, not guesses.
    assert india["adjective"].startswith("TODO") and india["capital"].startswith("TODO")
    for first, second, codes, folder in (("Pakistan", "china", ("PK", "CN"), "pakistan-china"),
                                         ("south-korea", "united kingdom", ("KR", "GB"), "south-korea-united-kingdom"),
                                         ("türkiye", "JP", ("TR", "JP"), "turkiye-japan")):
        result = run_briefs(project, "new", first, second)
        assert result.code == 0, result.stderr
        meta = yaml.safe_load((project / "facts" / folder / "metadata.yaml").read_text())["metadata"]
        assert tuple(c["code"] for c in meta["countries"]) == codes


def test_every_placeholder_fails_check_with_its_file_and_line(tmp_path):
    project = _new_india_japan(tmp_path)
    folder = project / "facts/india-japan"
    written = sum(p.read_text().count('"TODO:') for p in folder.glob("*.yaml"))
    assert written >= 40
    before = tree_digest(project)
    for command in (("check",), ("check", "--only", "india-japan"), ("build", "--only", "india-japan")):
        result = run_briefs(project, *command)
        assert result.code == 1, (command, result.stderr)
        flagged = [l for l in result.stderr.splitlines() if "placeholder to replace" in l]
        assert len(flagged) == written, command  # all at once, each once
        for line in flagged:
            match = PLACEHOLDER_LINE.match(line)
            assert match, line
            text = (project / match.group(1)).read_text().splitlines()[int(match.group(2)) - 1]
            assert '"TODO:' in text, line
        # Dates and numbers too, reported as placeholders rather than as type errors.
        for path in ("history.establishment.date", "metadata.edition.date", "economy.trade.partner_rank.rank",
                     "people.diaspora.size", "development.cumulative.value.amount", "visits[0].date"):
            assert any(f": {path}: placeholder to replace" in l for l in flagged), path
        assert f"briefs: {written} errors" in result.stderr
    assert tree_digest(project) == before  # nothing written, the pakistan-japan briefs included


# What the filled-in scaffold's one document says: every value _fill writes is in it, so
# that each fact's passage (this text) supports its dates, figures and names.
DOCUMENT = ("Filled in on 1 June 2026: relations since 28 April 1952, assistance since 1958, the third"
            " trading partner, 40000 people, 1,000,000 JPY.")


def _fill(project: Path, stderr: str) -> None:
    """Replace every reported placeholder on its line, by what the field takes; the one source
    gets a document holding every passage."""
    values = {"rank": "3", "size": "40000", "amount": "1000000", "year": "1958", "currency": "JPY",
              "track": "political", "marking": "PUBLIC", "country": "IN", "to": "JP",
              "file": "seeds/source.txt", "source-1": json.dumps(DOCUMENT)}
    for line in stderr.splitlines():
        match = PLACEHOLDER_LINE.match(line)
        if not match:
            continue
        path, number, dotted = Path(project / match.group(1)), int(match.group(2)), match.group(3)
        field = re.sub(r"\[\d+\]$", "", dotted).rsplit(".", 1)[-1]
        if dotted == "metadata.edition.date":
            value = "2026-11-20"
        elif field in ("date", "as_of"):
            value = "1952-04-28" if dotted.startswith("history") else "2026-06-01"
        elif field == "kind":
            value = "official" if dotted.startswith("sources") else "agreement"
        elif field == "adjective":
            value = "Indian" if "countries[0]" in dotted else "Japanese"
        else:
            value = values.get(field, json.dumps("Filled in."))
        lines = path.read_text().splitlines(keepends=True)
        lines[number - 1] = re.sub(r'"TODO:[^"]*"', value, lines[number - 1], count=1)
        path.write_text("".join(lines))
    (project / "facts/india-japan/seeds").mkdir()
    (project / "facts/india-japan/seeds/source.txt").write_text(DOCUMENT + "\n")


def test_once_every_placeholder_is_replaced_the_relationship_builds(tmp_path):
    project = _new_india_japan(tmp_path)
    check = run_briefs(project, "check", "--only", "india-japan")
    _fill(project, check.stderr)
    assert '"TODO:' not in "".join(p.read_text() for p in (project / "facts/india-japan").glob("*.yaml"))
    # Every fact is cited with its passage, found in the source's document: nothing is left
    # to warn about, even with --strict.
    strict = run_briefs(project, "check", "--only", "india-japan", "--strict")
    assert strict.code == 0, strict.stderr
    build = run_briefs(project, "build", "--only", "india-japan", "--format", "html")
    assert build.code == 0, build.stderr
    text = html_text(project / "build/india-japan/country-brief.html")
    # The date stands in Key facts and as the history's lead-in (no "established:" label, issue 17).
    assert "India–Japan Relations" in text and "Diplomatic relations established" in text
    assert "28 April 1952" in text
    assert "TODO" not in text


def test_the_scaffold_teaches_passages_and_its_comments_are_yaml(tmp_path):
    """Every fact is cited with a passage to supply (no `sources: [id]`), the source with a
    document to name, and a worked example shows both; every YAML the comments show parses."""
    project = _new_india_japan(tmp_path)
    folder = project / "facts/india-japan"
    texts = {path.name: path.read_text() for path in folder.glob("*.yaml")}
    assert not any(re.search(r"sources: \[", text) for text in texts.values())
    assert "{{" not in "".join(texts.values())
    assert re.search(r'^    file: "TODO: ', texts["sources.yaml"], re.M)
    assert "  #   file: seeds/" in texts["sources.yaml"]  # the worked example's document ...
    assert "  #       fo-brief: >-" in texts["history.yaml"]  # ... and a fact quoting it
    for name, text in texts.items():
        body = text.split("\n", text.count("\n"))
        first_key = next(i for i, line in enumerate(body) if line and not line.startswith("#"))
        # Below the first key, a whole-line comment is YAML put aside: uncommented where it
        # stands, the file still parses (the comments above it are prose).
        uncommented = body[:first_key] + [re.sub(r"^(\s*)# ?", r"\1", line) for line in body[first_key:]]
        data = yaml.safe_load("\n".join(uncommented))
        assert isinstance(data, dict), name
    history = yaml.safe_load("\n".join(re.sub(r"^(\s*)# ?", r"\1", line) if line.startswith("  #") else line
                                       for line in texts["history.yaml"].splitlines()))["history"]
    example = history["milestones"][0]
    assert example["sources"]["fo-brief"].startswith("Pakistan and Japan established")


def test_names_desks_use_are_known(tmp_path):
    """Bharat, Nippon, Burma, Holland, the UK's long forms, Ivory Coast without accents: each a
    country, not a close match to another (bharat suggested Brazil, nippon Réunion)."""
    project = copy_project(tmp_path / "p")
    result = run_briefs(project, "new", "bharat", "nippon")
    assert result.code == 0, result.stderr
    assert "created facts/india-japan/" in result.stdout
    from briefs.new import find_country

    for name, code in (("Bharat", "IN"), ("Nihon", "JP"), ("burma", "MM"), ("turkey", "TR"),
                       ("Türkiye", "TR"), ("turkiye", "TR"), ("holland", "NL"), ("UK", "GB"),
                       ("united-kingdom", "GB"), ("great britain", "GB"), ("Britain", "GB"),
                       ("cote d'ivoire", "CI"), ("cote-divoire", "CI"), ("Côte d’Ivoire", "CI"),
                       ("ivory-coast", "CI")):
        assert find_country(name).code == code, name
    korea = run_briefs(project, "new", "korea", "japan")
    assert korea.code == 2
    assert korea.stderr.splitlines()[0] == ("'korea' could mean South Korea or North Korea; say which"
                                            " (south-korea or north-korea)")


def test_unknown_names_are_usage_errors_with_close_matches(tmp_path):
    project = copy_project(tmp_path / "p")
    before = tree_digest(project)
    for first, second, expected in (("inida", "japan", "unknown country 'inida'; did you mean India"),
                                    ("india", "japn", "unknown country 'japn'; did you mean Japan"),
                                    ("korea", "japan", "could mean South Korea or North Korea"),
                                    ("../etc", "japan", "unknown country '../etc'"),
                                    ("india", "india", "are the same country (India)"),
                                    ("japan", "JP", "are the same country (Japan)")):
        result = run_briefs(project, "new", first, second)
        assert result.code == 2, (first, second, result.stderr)
        first_line = result.stderr.splitlines()[0]
        assert expected in first_line, result.stderr
        assert len(result.stderr.splitlines()) == 2  # the problem, and the count
    assert tree_digest(project) == before


def test_an_existing_relationship_is_refused_in_either_order(tmp_path):
    project = _new_india_japan(tmp_path)
    before = tree_digest(project)
    again = run_briefs(project, "new", "japan", "india")
    assert again.code == 1
    assert again.stderr.startswith("facts/india-japan: already holds the relationship of India and Japan;")
    same = run_briefs(project, "new", "india", "japan")
    assert same.code == 1 and same.stderr.startswith("facts/india-japan: already exists;")
    pakistan = run_briefs(project, "new", "japan", "pakistan")
    assert pakistan.code == 1 and pakistan.stderr.startswith("facts/pakistan-japan: already holds")
    assert tree_digest(project) == before


def test_new_files_get_the_permissions_of_the_rest_of_the_tree(tmp_path):
    project = copy_project(tmp_path / "p")
    existing = project / "facts/pakistan-japan"
    existing.chmod(0o750)
    for path in existing.glob("*.yaml"):
        path.chmod(0o640)
    result = run_briefs(project, "new", "india", "japan")
    assert result.code == 0, result.stderr
    folder = project / "facts/india-japan"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o750
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o640}
    # With no relationship to copy from, the umask decides, as for any new file.
    empty = tmp_path / "empty"
    (empty / "facts").mkdir(parents=True)
    result = run_briefs(empty, "new", "india", "japan")
    assert result.code == 0, result.stderr
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((empty / "facts/india-japan").stat().st_mode) == 0o777 & ~umask
    assert {stat.S_IMODE(p.stat().st_mode) for p in (empty / "facts/india-japan").iterdir()} == {0o666 & ~umask}


def test_a_scaffold_built_before_its_evidence_is_checked_is_a_draft_dist_refuses(tmp_path):
    """Filled in, but its source names no document to check the passages in: every fact is
    unverified, so every page says DRAFT and `dist` refuses the bundle."""
    project = _new_india_japan(tmp_path)
    _fill(project, run_briefs(project, "check", "--only", "india-japan").stderr)
    sources = project / "facts/india-japan/sources.yaml"
    sources.write_text(re.sub(r"^    file: seeds/source.txt\n", "", sources.read_text(), flags=re.M))
    build = run_briefs(project, "build", "--only", "india-japan/overview", "--format", "pdf")
    assert build.code == 0, build.stderr
    assert "cannot be verified" in build.stderr
    pages = pdf_pages(project / "build/india-japan/overview.pdf")
    assert pages and all(re.search(r"DRAFT: \d+ unverified facts?; not for distribution", " ".join(p.split()))
                         for p in pages)
    refused = run_briefs(project, "dist", "--quiet")
    assert refused.code == 1 and "unverified" in refused.stderr, refused.stderr
    assert not (project / "build/dist").exists()
