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
