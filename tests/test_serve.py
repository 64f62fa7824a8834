"""The live preview, in a real browser (headless Chromium driven by Playwright)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, drop_passages

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FACTS = Path("facts/pakistan-japan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(project):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "briefs", "serve", "--port", str(port), "--format", "html"],
        cwd=project, env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/__briefs__/status", timeout=1).read()
            break
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None:
                pytest.fail(process.stderr.read())
            time.sleep(0.1)
    yield project, base, port
    process.terminate()
    process.wait(timeout=10)


def status(base: str) -> int:
    try:
        return urllib.request.urlopen(base, timeout=5).status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_serves_only_the_build_folder(server):
    project, base, _ = server
    assert status(base + "/") == 200
    assert status(base + "/pakistan-japan/overview.html") == 200
    for path in ("/../facts/pakistan-japan/economy.yaml", "/%2e%2e/facts/pakistan-japan/economy.yaml",
                 "//etc/passwd", "/..%2f..%2fetc/passwd", "/pakistan-japan/../../facts/"):
        assert status(base + path) == 404, path


def test_port_in_use_is_a_clear_error(server):
    project, _, port = server
    completed = subprocess.run([sys.executable, "-m", "briefs", "serve", "--port", str(port)],
                               cwd=project, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in completed.stderr
    assert "Traceback" not in completed.stderr


@pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed (apt-get install chromium); .ci/run installs it")
def test_page_reloads_after_a_save_and_shows_errors_until_fixed(server):
    playwright = pytest.importorskip("playwright.sync_api")
    project, base, _ = server
    people = project / FACTS / "people.yaml"
    history = project / FACTS / "history.yaml"
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page()
        page.goto(base + "/pakistan-japan/overview.html")
        assert "about 19,000" in page.inner_text("body")

        # One save; the changed count has no passage yet (a warning, not an error).
        people.write_text(drop_passages(people.read_text().replace("size: 19000", "size: 23456"), "size: 23456"))
        page.wait_for_function("document.body.innerText.includes('about 23,456')", timeout=15000)

        history.write_text(history.read_text().replace("date: 1952-04-28", "date: soon"))
        page.wait_for_selector("#briefs-errors", timeout=15000)
        assert "facts/pakistan-japan/history.yaml:4: history.establishment.date" in page.inner_text("#briefs-errors")

        history.write_text(history.read_text().replace("date: soon", "date: 1952-04-28"))
        page.wait_for_function("!document.getElementById('briefs-errors')"
                               " && document.body.innerText.includes('28 April 1952')", timeout=15000)
        browser.close()


def _raw(port: int, request: bytes) -> bytes:
    """Send ``request`` as it is and read the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_desk_state_and_other_hosts_are_refused(server):
    """DNS rebinding (another site's name in Host), dot-files (the build record, edition
    snapshots), odd paths and methods: each a 4xx answer, nothing served, no traceback."""
    project, base, port = server
    assert (project / ".briefs/builds/build.json").is_file()  # the desk's state is not in build/
    assert not any(p.name.startswith(".briefs") for p in (project / "build").rglob("*")
                   if p.name not in (".briefs-output",))  # the marker holds no state
    (project / "build/.briefs-state.json").write_text('{"fact_files": "a file someone put here"}')
    ok = _raw(port, f"GET /pakistan-japan/overview.html HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    assert ok.startswith(b"HTTP/1.0 200")
    for host in ("evil.example:%d" % port, "127.0.0.1.evil.example:%d" % port, "127.0.0.1:1", ""):
        answer = _raw(port, f"GET /pakistan-japan/overview.html HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
        assert answer.startswith(b"HTTP/1.0 421"), (host, answer[:80])
    for path in ("/.briefs-state.json", "/%2ebriefs-state.json", "/.briefs-editions/", "/pakistan-japan/.x",
                 "/%00", "/%ff%fe", "/a%5c..%5c..%5cfacts", "/" + "a" * 5000):
        for method in ("GET", "HEAD"):
            answer = _raw(port, f"{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            assert answer[9:10] == b"4", (method, path, answer[:80])
            assert b"briefs_version" not in answer and b"fact_files" not in answer
    garbage = _raw(port, b"\x16\x03\x01garbage\r\n\r\n")  # TLS to a plain port: a 400 page
    assert b"400" in garbage and b"Traceback" not in garbage
    assert _raw(port, f"POST / HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())[9:10] == b"5"
    assert status(base + "/pakistan-japan/overview.html") == 200  # still serving


@pytest.mark.exhaustive
def test_an_idle_connection_is_closed(server):
    _, _, port = server
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        assert sock.recv(100) == b""  # the server hung up
    assert time.monotonic() - started < 25
