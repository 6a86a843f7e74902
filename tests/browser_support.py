"""Headless Chromium (Debian's package) driven by Playwright, offline, for browser tests."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("KANAME_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).parent / "artifacts"
LOCAL = ("file://", "http://127.0.0.1", "ws://127.0.0.1", "http://localhost", "ws://localhost",
         "data:", "blob:", "about:")


def require_browser():
    """The Playwright module, or skip (fail on CI, where the browser must be installed)."""
    try:
        import playwright.sync_api as api
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("playwright is not installed (.ci/run must install it)")
        pytest.skip("playwright is not installed")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing (.ci/run must apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing")
    return api


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    ignore = ARTIFACTS / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    return ARTIFACTS / name


class Watch:
    """Console errors, page errors and every non-local request (blocked and recorded)."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.external: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        if url.startswith(LOCAL):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()


@contextmanager
def browser_page(url: str, width: int = 1200, height: int = 900, **options):
    """(page, watch): headless Chromium on `url` with every non-local request blocked and
    recorded (:class:`Watch`); the browser is closed however the block ends."""
    api = require_browser()
    with api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, **options)
            watch = Watch(page)
            page.goto(url)
            yield page, watch
        finally:
            browser.close()
