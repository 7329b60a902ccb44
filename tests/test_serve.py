"""``geoatlas serve``: a real server process, a real Chromium tab, real file edits.

The mini workspace is copied to a temporary folder and served on a free port
(``--port 0``) with the web output only. The test appends a deposit and waits for it to
appear on the open map without reloading by hand, then breaks the CSV and waits for the
error panel (over the last good map), fixes it, and stops the server with SIGINT.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from geoatlas.serve import affected
from tests.browser import ARGS, CHROMIUM, require_chromium
from tests.conftest import MINI

NEW_ROW = ("test-deposit,Test Deposit,,copper,Logar,AFG,34.10,69.05,approximate,fixture-doc,"
           ",,,fixture-doc,appended by test_serve\n")
BROKEN_ROW = "broken-row,Broken,copper\n"


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")
            if p.is_file() and not p.relative_to(root).as_posix().startswith("out/")}


def _listening_address(port: int) -> str:
    """The local address of the socket listening on ``port`` (from /proc/net/tcp)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hexport = local.split(":")
        if int(hexport, 16) == port and state == "0A":  # LISTEN
            octets = [str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)]
            return ".".join(octets)
    return ""


def test_affected_recipes():
    assert affected({"maps/a.toml"}, ["a", "b"]) == ["a"]
    assert affected({"maps/c.toml"}, ["a", "b"]) == []
    assert affected({"maps/a.toml", "geo/places.csv"}, ["a", "b"]) == ["a", "b"]


@pytest.mark.browser
@pytest.mark.slow
def test_serve_rebuilds_and_reloads_the_open_map(tmp_path, out_dir):
    require_chromium()
    from playwright.sync_api import sync_playwright

    root = tmp_path / "ws"
    shutil.copytree(MINI, root, symlinks=False)
    before = _files(root)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from geoatlas.cli import main; main()", "serve", str(root),
         "--port", "0", "--only", "web"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONFAULTHANDLER": "1"})  # SIGABRT prints every thread
    try:
        url = None
        deadline = time.monotonic() + 180
        lines = []
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            m = re.search(r"serving (http://\S+)", line)
            if m:
                url = m.group(1)
                break
        assert url, "".join(lines)
        host, port = re.match(r"http://([^:/]+):(\d+)/", url).groups()
        assert host == "127.0.0.1"
        assert _listening_address(int(port)) == "127.0.0.1"  # loopback only
        base = f"http://127.0.0.1:{port}/"

        blocked, console = [], []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            try:
                context = browser.new_context(viewport={"width": 1200, "height": 800})

                def route(r):
                    if r.request.url.startswith((base, "data:", "about:")):
                        r.continue_()
                    else:
                        blocked.append(r.request.url)
                        r.abort()

                context.route("**/*", route)
                page = context.new_page()
                page.on("console", lambda m: m.type == "error" and console.append(m.text))
                page.goto(url)
                names = "() => window.geoatlas.index.map(i => i.name)"
                page.wait_for_function("() => window.geoatlas && window.geoatlas.index.length")
                assert "Copper Hill" in page.evaluate(names)
                assert "Test Deposit" not in page.evaluate(names)

                # 1. append a deposit: the open tab shows it, no manual reload
                csv = root / "layers" / "deposits.csv"
                with csv.open("a", encoding="utf-8") as fh:
                    fh.write(NEW_ROW)
                started = time.monotonic()
                page.wait_for_function(
                    "() => window.geoatlas && window.geoatlas.index.some("
                    "i => i.name === 'Test Deposit')", timeout=10_000)
                assert time.monotonic() - started < 10
                page.screenshot(path=str(out_dir / "serve-live.png"))

                # 2. a broken CSV: a readable panel with path:line over the last good map
                line_no = len(csv.read_text(encoding="utf-8").splitlines()) + 1
                with csv.open("a", encoding="utf-8") as fh:
                    fh.write(BROKEN_ROW)
                panel = page.wait_for_selector("#ga-live-error", timeout=10_000)
                text = panel.inner_text()
                assert "geoatlas check found 1 problem" in text
                assert f"layers/deposits.csv:{line_no}: 3 cells but the header has 15" in text
                assert "Test Deposit" in page.evaluate(names)  # the last good map stays
                page.screenshot(path=str(out_dir / "serve-error.png"))

                # 3. fixed: the panel goes, the map is rebuilt
                csv.write_text(csv.read_text(encoding="utf-8").replace(BROKEN_ROW, ""),
                               encoding="utf-8")
                page.wait_for_selector("#ga-live-error", state="detached", timeout=10_000)
                page.wait_for_function("() => window.geoatlas && window.geoatlas.index.some("
                                       "i => i.name === 'Test Deposit')", timeout=10_000)
            finally:
                browser.close()
        assert console == []
        assert blocked == []
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            # a bound for "it stops", not a speed target: a build under way finishes first
            rest, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)  # where it hangs, for the failure message
            rest, _ = proc.communicate()
            pytest.fail("geoatlas serve did not stop on Ctrl-C:\n" + rest[-6000:])
    assert proc.returncode == 0, rest
    assert rest.rstrip().endswith("stopped.")
    assert "Traceback" not in rest
    assert _files(root) == before  # only out/ was written (the CSV was edited in place)
    assert (root / "out" / "mini.html").is_file()
