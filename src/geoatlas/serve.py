"""Live preview: serve the built maps on localhost, rebuild on change, reload the tab.

:class:`LiveServer` builds the selected recipes (the web map first, then the other
outputs), serves each map at ``/map/<name>`` from the output folder, and watches
``geo/``, ``layers/`` and ``maps/`` by polling file sizes and modification times. On a
change it runs the same validation as ``geoatlas check``; when that passes it rebuilds
only what the change affects (a recipe file: that map; a data file: every map) and
bumps the build number that open pages poll (``/__geoatlas/state``), so the browser
reloads by itself. When the check fails, the page keeps the last good map and shows the
problems (``path:line: message``) in a panel over it, built with DOM text nodes.

Nothing is written outside the output folder; the server binds 127.0.0.1 unless told
otherwise and answers only requests whose ``Host`` is this machine. ``Ctrl-C`` stops the
watcher and the server cleanly.

Examples
--------
>>> server = LiveServer(".", port=0)          # doctest: +SKIP
>>> server.serve_forever()                    # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import GeoatlasError

log = logging.getLogger(__name__)

WATCHED = ("geo", "layers", "maps")
POLL_SECONDS = 0.4
SETTLE_SECONDS = 0.3
"""A change is built once the files have stopped changing for this long."""
STATE_PATH = "/__geoatlas/state"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """``{relative path: (mtime_ns, size)}`` of every file under the watched folders."""
    out = {}
    for d in WATCHED:
        base = root / d
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            if path.name.startswith(".") or not path.is_file():
                continue
            try:
                st = path.stat()
            except OSError:
                continue
            out[path.relative_to(root).as_posix()] = (st.st_mtime_ns, st.st_size)
    return out


def affected(changed: set[str], names: Sequence[str]) -> list[str]:
    """Recipes a set of changed files affects: a recipe file its own; data every one.

    >>> affected({"maps/a.toml"}, ["a", "b"]), affected({"layers/x.csv"}, ["a", "b"])
    (['a'], ['a', 'b'])
    """
    if any(not p.startswith("maps/") for p in changed):
        return list(names)
    stems = {Path(p).stem for p in changed}
    return [n for n in names if n in stems]


class LiveState:
    """What the open pages poll: a build number, the problems, whether a build runs."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version = 0
        self.problems: list[str] = []
        self.building = False
        self.built: set[str] = set()

    def as_json(self) -> bytes:
        """The state as the JSON document ``/__geoatlas/state`` answers."""
        with self.lock:
            data = {"version": self.version, "problems": list(self.problems),
                    "building": self.building, "maps": sorted(self.built)}
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


class LiveServer:
    """Build, serve and watch one workspace (see the module docstring).

    Parameters
    ----------
    workspace : str or pathlib.Path
        The workspace folder.
    maps : sequence of str, optional
        Recipes to serve (default: every ``maps/*.toml``).
    port : int
        TCP port (0: any free one; :attr:`port` tells which).
    host : str
        Address to bind (default 127.0.0.1: this machine only).
    out : str or pathlib.Path, optional
        Output folder (default ``WORKSPACE/out``), the only place written to.
    outputs : sequence of str, optional
        Output kinds to build (default: every available one; the web map first).
    """

    def __init__(self, workspace, maps: Sequence[str] | None = None, port: int = 8000,
                 host: str = "127.0.0.1", out=None, outputs: Sequence[str] | None = None):
        from .build import available_outputs
        from .recipe import recipe_names
        from .workspace import find_workspace

        self.root = find_workspace(workspace)
        known = recipe_names(self.root)
        unknown = [m for m in maps or () if m not in known]
        if unknown:
            raise GeoatlasError(f"unknown map(s) {', '.join(unknown)}; "
                                f"maps: {', '.join(known) or 'none'}")
        self.maps = list(maps) if maps else known
        self.out = Path(out) if out else self.root / "out"
        kinds = list(outputs) if outputs else available_outputs()
        self.outputs = ["web", *[k for k in kinds if k != "web"]] if "web" in kinds else kinds
        self.state = LiveState()
        self.stop = threading.Event()
        self.httpd = ThreadingHTTPServer((host, port), _handler(self))
        self.httpd.daemon_threads = True
        self.host, self.port = self.httpd.server_address[:2]
        self._watcher: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The address of the first map."""
        return f"http://{self.host}:{self.port}/map/{self.maps[0]}" if self.maps else \
            f"http://{self.host}:{self.port}/"

    # -- building ------------------------------------------------------------------------
    def rebuild(self, names: Sequence[str]) -> bool:
        """Check the workspace, then build ``names``: web maps first. True if all built."""
        from .atlas import Atlas
        from .build import build
        from .workspace import validate

        with self.state.lock:
            self.state.building = True
        try:
            catalog, problems = validate(self.root)
            if problems:
                self._publish([str(p) for p in problems])
                return False
            atlas = Atlas(catalog)
            try:
                first, rest = self.outputs[:1], self.outputs[1:]
                build(atlas, names, self.out, first)
                with self.state.lock:
                    self.state.built.update(names)
                self._publish([])
                if rest and not self.stop.is_set():
                    build(atlas, names, self.out, rest)
            except GeoatlasError as exc:
                self._publish([line for line in str(exc).splitlines() if line.strip()])
                return False
            return True
        finally:
            with self.state.lock:
                self.state.building = False

    def _publish(self, problems: list[str]) -> None:
        with self.state.lock:
            self.state.problems = problems
            self.state.version += 1
        if problems:
            log.warning("check found %d problem(s); the last good map stays", len(problems))
            for p in problems:
                log.warning("%s", p)
        else:
            log.info("rebuilt (build %d)", self.state.version)

    def watch(self, max_polls: int | None = None) -> None:
        """Poll the watched folders until :attr:`stop` is set (or ``max_polls`` polls)."""
        seen = snapshot(self.root)
        polls = 0
        while not self.stop.wait(POLL_SECONDS):
            polls += 1
            if max_polls is not None and polls > max_polls:
                return
            now = snapshot(self.root)
            if now == seen:
                continue
            while not self.stop.wait(SETTLE_SECONDS):  # let the writer finish
                later = snapshot(self.root)
                if later == now:
                    break
                now = later
            changed = {p for p in set(now) | set(seen) if now.get(p) != seen.get(p)}
            seen = now
            names = affected(changed, self.maps)
            log.info("changed: %s", ", ".join(sorted(changed)))
            if names:
                self.rebuild(names)

    # -- running -------------------------------------------------------------------------
    def start(self) -> None:
        """Build everything once, then serve and watch in background threads."""
        self.rebuild(self.maps)
        self._watcher = threading.Thread(target=self.watch, name="geoatlas-watch", daemon=True)
        self._watcher.start()
        self._server = threading.Thread(target=self.httpd.serve_forever, name="geoatlas-http",
                                        kwargs={"poll_interval": 0.2}, daemon=True)
        self._server.start()

    def shutdown(self) -> None:
        """Stop watching and serving; wait (briefly) for both threads."""
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._watcher is not None:
            self._watcher.join(timeout=10)

    def serve_forever(self) -> None:
        """:meth:`start`, then wait until Ctrl-C (KeyboardInterrupt), then :meth:`shutdown`."""
        self.start()
        try:
            while not self.stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.shutdown()


# -- HTTP -----------------------------------------------------------------------------------
def _live_script(version: int) -> str:
    assets = resources.files("geoatlas") / "assets"
    js = (assets / "geoatlas-live.js").read_text(encoding="utf-8")
    return (f"<script>window.GA_LIVE_VERSION = {int(version)};</script>"
            "<script>" + js.replace("</", "<\\/") + "</script>")


WAITING_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>geoatlas serve</title></head><body><p id="ga-live-waiting">No good build of this map
yet: fix the problems listed and it appears here.</p></body></html>"""


def _handler(server: LiveServer):
    class Handler(BaseHTTPRequestHandler):
        server_version = "geoatlas-serve"

        def log_message(self, fmt, *args):  # quiet: our own log says what matters
            log.debug("%s " + fmt, self.address_string(), *args)

        def _send(self, status: int, body: bytes, ctype: str, extra=None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_HEAD(self):
            self.do_GET()

        def do_GET(self):
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
            if host not in LOCAL_HOSTS and host != server.host:
                self._send(403, b"forbidden host\n", "text/plain; charset=utf-8")
                return
            path = unquote(urlsplit(self.path).path)
            if path == STATE_PATH:
                self._send(200, server.state.as_json(), "application/json")
            elif path == "/":
                target = f"/map/{server.maps[0]}" if server.maps else STATE_PATH
                self._send(302, b"", "text/plain", {"Location": target})
            elif path.startswith("/map/") and path[5:] in server.maps:
                self._send(200, self._page(path[5:]), "text/html; charset=utf-8")
            else:
                self._send(404, b"not found\n", "text/plain; charset=utf-8")

        def _page(self, name: str) -> bytes:
            with server.state.lock:  # before reading: a newer build then reloads the page
                version = server.state.version
            file = server.out / f"{name}.html"  # name is one of the recipe names, not input
            try:
                html = file.read_text(encoding="utf-8")
            except OSError:
                html = WAITING_PAGE
            live = _live_script(version)
            at = html.rfind("</body>")
            html = html[:at] + live + html[at:] if at >= 0 else html + live
            return html.encode("utf-8")

    return Handler
