"""Drive Debian's headless Chromium through playwright, with the network cut off."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

from tests.clients import need

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def require_chromium() -> None:
    """Skip (or, in CI, fail) when Chromium or playwright is missing."""
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append("Debian package chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("python package playwright")
    if missing:
        need(f"needs {', '.join(missing)}")


@contextmanager
def chromium():
    """One headless Chromium to share between tests (e.g. in a module fixture)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def offline_page(width: int = 1400, height: int = 900, browser=None, **context_options):
    """A page whose every non-file request is refused; yields (page, log).

    ``browser`` reuses a running Chromium (see :func:`chromium`), else one is started;
    ``context_options`` go to playwright's ``new_context`` (e.g. ``has_touch=True``).
    """
    if browser is None:
        with chromium() as own:
            with offline_page(width, height, own, **context_options) as got:
                yield got
        return
    log = {"console_errors": [], "page_errors": [], "requests": [], "dialogs": []}
    context = browser.new_context(viewport={"width": width, "height": height},
                                  offline=True, **context_options)
    try:

        def route(r):
            if r.request.url.startswith(("file:", "data:", "about:")):
                r.continue_()
            else:
                log["requests"].append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and log["console_errors"].append(m.text))
        page.on("pageerror", lambda e: log["page_errors"].append(str(e)))
        page.on("dialog", lambda d: (log["dialogs"].append(d.message), d.dismiss()))
        yield page, log
    finally:
        context.close()


SETTLED = """() => {
    const g = window.geoatlas;
    if (!g || !g.map) { return false; }
    const m = g.map;
    return !m._animatingZoom && !(m._panAnim && m._panAnim._inProgress)
        && !document.querySelector('.leaflet-zoom-anim');
}"""


def settle(page, timeout: float = 10_000) -> None:
    """Wait until the map has stopped moving (no zoom or pan animation), then two frames.

    Replaces fixed sleeps: returns as soon as the page is still, fails if it never is.
    """
    page.wait_for_function(SETTLED, timeout=timeout)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def close_popups(page, timeout: float = 10_000) -> None:
    """Close the open popup and wait until it has left the page.

    Leaflet fades a closed popup out and removes it 200 ms later; until then a locator
    for the next popup would find two.
    """
    page.evaluate("() => { window.geoatlas.map.closePopup(); }")
    page.wait_for_function("() => !document.querySelector('.leaflet-popup')", timeout=timeout)
