"""Start-up of a build: writer processes started before the heavy imports, briefs sent to
them as plain data, and what happens when one of them fails."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

import lxml.html
import pytest

from briefs import workers, writers as registry
from briefs.build import build
from briefs.layout import Layout
from briefs.load import load_relationship
from briefs.plan import BuildOptions
from briefs.render import Renderer
from briefs.workers import WriterCrash
from briefs.writers import Writer
from briefs.writers.pdf_import import _find_in
from conftest import ROOT, copy_project, tree_digest

HEAVY = ("briefs.model", "briefs.load", "briefs.render", "jinja2", "weasyprint")


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def test_the_command_imports_no_fact_model_jinja_or_weasyprint():
    loaded = _python(f"import sys, briefs.cli; print([m for m in {HEAVY!r} if m in sys.modules])", ROOT)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "[]"


def test_writers_start_before_the_heavy_imports_and_write_the_pdf(tmp_path):
    """A one-brief PDF build: the writer process starts while the fact model, Jinja and
    WeasyPrint are not imported, and WeasyPrint never is in the build's own process."""
    project = copy_project(tmp_path / "project")
    code = f"""
import sys
import briefs.workers as workers
seen = []
start = workers.Writers.start
def recording(self, count):
    if count:
        seen.append([m for m in {HEAVY!r} if m in sys.modules])
    start(self, count)
workers.Writers.start = recording
from briefs.cli import cli
try:
    cli(["build", "--only", "pakistan-japan/overview", "--format", "pdf", "-j", "2", "-q"])
except SystemExit as exit:
    assert not exit.code, exit.code
print(seen[0], "weasyprint" in sys.modules)
"""
    result = _python(code, project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[] False"
    assert (project / "build/pakistan-japan/overview.pdf").read_bytes().startswith(b"%PDF")


def test_a_build_with_nothing_to_do_imports_no_fact_model_jinja_or_weasyprint(tmp_path):
    """Up to date is decided from hashes alone: no YAML model, no templates, no writers' work."""
    project = copy_project(tmp_path / "project")
    code = f"""
import sys
from briefs.cli import cli
for _ in range(2):
    try:
        cli(["build", "--only", "pakistan-japan/overview", "--format", "html", "-q"])
    except SystemExit as exit:
        assert not exit.code, exit.code
    loaded = [m for m in {HEAVY!r} if m in sys.modules]
    for name in [m for m in sys.modules if m.startswith(("briefs.", "jinja2", "weasyprint", "pydantic"))]:
        del sys.modules[name]  # the second build starts as a fresh process would
print(loaded)
"""
    result = _python(code, project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"


def test_a_build_with_nothing_to_do_in_every_format_imports_no_writer(tmp_path):
    """Output names come from the registry's declared suffixes: checking the default formats
    imports no writer module (python-docx alone takes a tenth of a second), no process
    machinery and no fontconfig binding."""
    project = copy_project(tmp_path / "project")
    assert subprocess.run([sys.executable, "-m", "briefs", "build", "--only", "pakistan-japan/overview", "-q"],
                          cwd=project, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True,
                          timeout=600).returncode == 0
    code = """
import sys
from briefs.cli import cli
try:
    cli(["build", "--only", "pakistan-japan/overview", "-q"])
except SystemExit as exit:
    assert not exit.code, exit.code
print(sorted(m for m in sys.modules if m.startswith(("briefs.writers.docx", "briefs.writers.html",
                                                         "briefs.writers.txt", "docx", "multiprocessing",
                                                         "ctypes", "cffi", "lxml"))))
"""
    result = _python(code, project)
    assert result.returncode == 0, result.stderr
    assert "skipped 3 up to date" in result.stdout
    assert result.stdout.splitlines()[-1] == "[]", result.stdout


def test_the_declared_suffixes_are_the_writers_own():
    for name, (suffix, default) in registry.BUILTIN.items():
        writer = registry.writer_class(name)
        assert (writer.suffix, writer.default) == (suffix, default)


def test_a_rendered_brief_travels_as_its_html():
    layout = Layout.of(ROOT)
    rendered = Renderer(layout).render(load_relationship(ROOT / "facts/pakistan-japan"), "overview")
    copy = pickle.loads(pickle.dumps(rendered))
    assert (copy.html, copy.meta, copy.templates, copy.attachments) == \
        (rendered.html, rendered.meta, rendered.templates, rendered.attachments)
    assert lxml.html.tostring(copy.document) == lxml.html.tostring(rendered.document)
    assert rendered.fact_paths and not copy.fact_paths  # the build keeps those


class _Dying(Writer):
    """Ends its process while writing one brief kind, as a crash in a library would."""

    name, suffix, default = "dying", ".dying", False

    def write(self, brief, options) -> bytes:
        if brief.kind == "overview":
            os._exit(3)
        return brief.kind.encode()


class _Buggy(Writer):
    name, suffix, default = "buggy", ".buggy", False

    def write(self, brief, options) -> bytes:
        raise ZeroDivisionError("a bug in a writer")


@pytest.fixture
def extra_writers(monkeypatch):
    for cls in (_Dying, _Buggy):
        monkeypatch.setitem(registry._REGISTRY, cls.name, cls)


def test_a_writer_process_that_dies_fails_only_its_brief(tmp_path, extra_writers):
    project = copy_project(tmp_path / "project")
    options = BuildOptions(Layout.of(project), only=("pakistan-japan",), formats=("dying",), jobs=2)
    result = build(options)
    assert [p.message for p in result.failures] == [
        "the process writing pakistan-japan/overview stopped with exit code 3; nothing was written for it"]
    assert sorted(p.name for p in result.built if p.suffix == ".dying") == [
        "country-brief.dying", "economic-ties.dying", "institutional-mechanisms.dying"]
    assert (project / "build/pakistan-japan/economic-ties.dying").read_bytes() == b"economic-ties"


def test_a_bug_in_a_writer_process_stops_the_build_with_its_traceback(tmp_path, extra_writers):
    project = copy_project(tmp_path / "project")
    options = BuildOptions(Layout.of(project), only=("pakistan-japan/overview",), formats=("buggy",), jobs=2)
    with pytest.raises(WriterCrash, match="ZeroDivisionError: a bug in a writer") as caught:
        build(options)
    assert "raise ZeroDivisionError" in str(caught.value.__cause__)


def test_with_other_threads_running_writers_are_fresh_processes_giving_the_same_files(tmp_path, monkeypatch):
    methods = []
    choose = workers._start_method
    monkeypatch.setattr(workers, "_start_method", lambda: methods.append(choose()) or methods[-1])
    project = copy_project(tmp_path / "project")
    layout = Layout.of(project)
    serial = BuildOptions(layout, only=("pakistan-japan",), formats=("html", "txt"), jobs=1)
    assert not build(serial).failures
    expected = tree_digest(project / "build/pakistan-japan")
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        result = build(BuildOptions(Layout.of(project, out="threaded"), only=("pakistan-japan",),
                                    formats=("html", "txt"), jobs=2))
    finally:
        stop.set()
        thread.join()
    assert methods == ["spawn", "spawn"]
    assert not result.failures and len(result.built) == 8
    assert tree_digest(project / "threaded/pakistan-japan") == expected


_LDCONFIG = b"""1234 libs found in cache `/etc/ld.so.cache'
\tlibpolkit-gobject-1.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libpolkit-gobject-1.so.0
\tlibpangoft2-1.0.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libpangoft2-1.0.so.0
\tlibpango-1.0.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libpango-1.0.so.0
\tlibgobject-2.0.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libgobject-2.0.so.0
\tlibfontconfig.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libfontconfig.so.1
"""


def test_weasyprint_libraries_are_found_in_the_loader_cache_as_find_library_would():
    assert _find_in(_LDCONFIG, "gobject-2.0") == "libgobject-2.0.so.0"
    assert _find_in(_LDCONFIG, "pango-1.0") == "libpango-1.0.so.0"
    assert _find_in(_LDCONFIG, "fontconfig") == "libfontconfig.so.1"
    # Other platforms' names for the same libraries are not there, without running a compiler.
    assert _find_in(_LDCONFIG, "libgobject-2.0-0") is None
    assert _find_in(_LDCONFIG, "gobject-2.0-0") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the loader cache is Linux's")
def test_weasyprint_imports_without_running_a_compiler_and_leaves_find_library_as_it_was(tmp_path):
    result = _python("""
import ctypes.util, os, subprocess
ran = []
popen = subprocess.Popen.__init__
def recording(self, args, *rest, **options):
    ran.append(os.path.basename(args[0]))
    popen(self, args, *rest, **options)
subprocess.Popen.__init__ = recording
before = ctypes.util.find_library
from briefs.writers.pdf_import import import_weasyprint
weasyprint = import_weasyprint()
assert ctypes.util.find_library is before
assert weasyprint.HTML(string="<p>x</p>").write_pdf().startswith(b"%PDF")
print(sorted(set(ran)))
""", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] in ("[]", "['ldconfig']")
