"""`briefs serve`: a live preview of build/ on 127.0.0.1.

A watcher (watchfiles) rebuilds what changed whenever a file under facts/ or
templates/ is saved: the HTML first, so the page can reload at once, then the
PDF and DOCX. Every HTML page served gets a small script that polls the server
and reloads when a build finishes; when the last build failed, it shows the
errors, each with its file and line, over the page until a save fixes them.
Only the briefs are served: files under the build folder whose names do not start
with a dot (the build record and edition snapshots are the desk's state, not
outputs), only on the loopback address, and only to requests addressed to it (a
`Host:` header naming another site is refused, so a web page cannot reach the
preview by DNS rebinding). Every odd request gets a 4xx answer; idle connections
are closed.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import threading
import urllib.parse
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from watchfiles import watch

from .build import build
from .output import claim
from .plan import BuildOptions, plan
from .errors import BriefsError, BuildError, Problem, display_path

STATUS_PATH = "/__briefs__/status"
RELOAD_SCRIPT = """
<script>
(function () {
  var seen = null;
  function show(errors) {
    var box = document.getElementById("briefs-errors");
    if (!errors.length) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("pre");
      box.id = "briefs-errors";
      box.style.cssText = "position:fixed;top:0;left:0;right:0;margin:0;padding:1em;z-index:99999;" +
        "background:#fff3f3;color:#8b0000;border-bottom:3px solid #8b0000;white-space:pre-wrap;font:13px monospace";
      document.body.prepend(box);
    }
    box.textContent = "The last edit could not be built:\\n" + errors.join("\\n");
  }
  function poll() {
    fetch("%s", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
      if (seen !== null && s.version !== seen && !s.errors.length) { location.reload(); return; }
      seen = s.version;
      show(s.errors);
    }).catch(function () {}).finally(function () { setTimeout(poll, 250); });
  }
  poll();
})();
</script>
""" % STATUS_PATH


class Preview:
    """The build state the pages poll: a version that changes after each build, and errors."""

    def __init__(self, options: BuildOptions):
        self.options = options
        self.version = 0
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def rebuild(self) -> None:
        html_only = dataclasses.replace(self.options, formats=("html",), jobs=1)
        errors = self._run(html_only)
        with self.lock:
            self.errors = errors
            self.version += 1
        if not errors and self.options.formats != ("html",):
            self._run(self.options)  # the PDF and DOCX follow; the page does not wait for them

    def _run(self, options: BuildOptions) -> list[str]:
        try:
            result = build(options)
        except BriefsError as exc:
            return [str(p) for p in exc.problems if p.severity == "error"]
        except Exception as exc:  # keep the preview alive whatever happens in a build
            return [f"internal error: {type(exc).__name__}: {exc}"]
        return [str(p) for p in result.failures]

    def status(self) -> bytes:
        with self.lock:
            return json.dumps({"version": self.version, "errors": self.errors}).encode("utf-8")


class _Handler(SimpleHTTPRequestHandler):
    preview: Preview
    port: int
    # Seconds a connection may sit idle (a slow or stalled client) before it is closed.
    timeout = 10

    def log_message(self, format, *args):  # noqa: A002 - quiet: the terminal shows builds
        pass

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def do_HEAD(self):  # noqa: N802 - http.server's naming
        if self._refused() or self._target() is None:
            return None
        return super().do_HEAD()

    def do_GET(self):  # noqa: N802 - http.server's naming
        if self._refused():
            return None
        if self.path.split("?", 1)[0] == STATUS_PATH:
            return self._send(HTTPStatus.OK, "application/json", self.preview.status())
        real = self._target()
        if real is None:
            return None
        if real.suffix == ".html":
            if not real.is_file():
                if self.preview.errors:
                    page = "<!DOCTYPE html><html><head><title>Build failed</title></head><body>" \
                           "<h1>Build failed</h1></body></html>"
                    return self._send(HTTPStatus.OK, "text/html; charset=utf-8", self._inject(page))
                return self.send_error(HTTPStatus.NOT_FOUND)
            page = real.read_text(encoding="utf-8", errors="replace")
            return self._send(HTTPStatus.OK, "text/html; charset=utf-8", self._inject(page))
        return super().do_GET()

    def _refused(self) -> bool:
        """Answer (and refuse) a request not addressed to this preview by name."""
        host = (self.headers.get("Host") or "").strip().lower()
        if host not in {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}:
            self.send_error(HTTPStatus.MISDIRECTED_REQUEST, "this preview answers only to"
                            f" http://127.0.0.1:{self.port}/")
            return True
        return False

    def _target(self) -> Path | None:
        """The file a request names, inside the build folder and not a dot-file; None (after a
        4xx answer) for anything else."""
        try:
            route = urllib.parse.urlsplit(self.path).path
            parts = urllib.parse.unquote(route, errors="strict").split("/")
            if any(part.startswith(".") or "\0" in part or "\\" in part for part in parts):
                self.send_error(HTTPStatus.NOT_FOUND)
                return None
            target = Path(self.translate_path(self.path))
            root = Path(self.directory).resolve()
            real = target.resolve()
            if real != root and root not in real.parents:
                self.send_error(HTTPStatus.NOT_FOUND)
                return None
            return real / "index.html" if real.is_dir() else real
        except (OSError, ValueError, UnicodeDecodeError):  # a name too long, a NUL, bad escapes
            self.send_error(HTTPStatus.BAD_REQUEST)
            return None

    def _inject(self, page: str) -> bytes:
        marker = "</body>"
        index = page.rfind(marker)
        page = page + RELOAD_SCRIPT if index < 0 else page[:index] + RELOAD_SCRIPT + page[index:]
        return page.encode("utf-8")

    def _send(self, status, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


def serve(options: BuildOptions, port: int, echo=print) -> None:
    """Build, serve build/ on 127.0.0.1:port, and rebuild on every save (until interrupted)."""
    plan(options)  # a request for something that does not exist stops here, before serving
    preview = Preview(options)
    claim(options.out_dir, options.layout.record_file)  # briefs' own folder, made before it is served
    handler = type("Handler", (_Handler,), {"preview": preview, "port": port})
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(options.out_dir)))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise BuildError(Problem(f"port {port} on 127.0.0.1 is already in use; choose another"
                                     " with --port")) from None
        raise
    server.daemon_threads = True
    handler.port = server.server_address[1]
    preview.rebuild()
    for line in preview.errors:
        echo(line)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    echo(f"serving {display_path(options.out_dir)}/ at http://127.0.0.1:{server.server_address[1]}/"
         " (Ctrl-C to stop)")
    layout = options.layout
    watched = [str(layout.facts_dir), *(str(d) for d in layout.template_dirs if d.exists())]
    try:
        for changes in watch(*watched, debounce=100, step=50, rust_timeout=0, yield_on_timeout=False):
            preview.rebuild()
            names = sorted({display_path(path) for _, path in changes})
            echo(("rebuilt after " if not preview.errors else "build failed after ") + ", ".join(names))
            for line in preview.errors:
                echo(line)
    finally:
        server.shutdown()
        server.server_close()
