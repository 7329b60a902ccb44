"""Drive Debian's headless Chromium through playwright, with the network cut off."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

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
        reason = f"needs {', '.join(missing)}"
        if os.environ.get("GEOATLAS_REQUIRE_CLIENTS"):
            pytest.fail(reason + " (GEOATLAS_REQUIRE_CLIENTS is set)")
        pytest.skip(reason)


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
