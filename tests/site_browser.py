"""What the browser tests of the site share: one headless Chromium, tabs that block the network
and record JavaScript errors, the built site's pages, and a local HTTP server of the site.

The site must be built first (`make book`, or `make site` as `make test` does).
"""

import os
import re
from pathlib import Path

import pytest

from benchmarks.site import launch, serve

ROOT = Path(__file__).parents[1]
SITE = Path(os.environ.get("LOSSEDU_SITE", ROOT / "_build" / "html"))
ARTIFACTS = ROOT / "test-artifacts"
AXE = Path(os.environ.get("LOSSEDU_AXE", ROOT / "tests/node_modules/axe-core/axe.min.js"))
CHAPTER = SITE / "book" / "01_what_is_a_loss.html"
# Every page a reader opens (index.html only redirects to the landing page).
PAGES = sorted(
    p for p in SITE.rglob("*.html")
    if "_static" not in p.parts and "_sources" not in p.parts and p != SITE / "index.html"
)
CHAPTERS = sorted((SITE / "book").glob("[0-9][0-9]_*.html"))
# No CSS transition still running (an animation that loops is not one).
SETTLED = ("() => document.getAnimations().every(a => !(a instanceof CSSTransition)"
           " || a.playState === 'finished')")
VIEWPORTS = {"phone": (390, 844), "tablet": (768, 1024), "desktop": (1280, 900)}


def page_id(path: Path) -> str:
    return path.relative_to(SITE).as_posix()


@pytest.fixture(scope="session")
def browser():
    if not (SITE / "index.html").exists():
        pytest.fail(f"no built site in {SITE}: run `make book` first")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


class Tab:
    """A page in a fresh context (locale, viewport, colour scheme); records JS errors and
    blocked requests. Only file:// and the local test server may be reached."""

    def __init__(self, browser, locale="en-US", viewport="desktop", scheme="light",
                 allow=r"file:"):
        width, height = VIEWPORTS[viewport]
        self.context = browser.new_context(
            locale=locale, viewport={"width": width, "height": height}, color_scheme=scheme,
            accept_downloads=True,
        )
        self.blocked, self.errors = [], []
        self.context.route(re.compile(rf"^(?!{allow}).*"), self._block)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "console",
            lambda message: message.type == "error" and self.errors.append(message.text),
        )

    def _block(self, route):
        self.blocked.append(route.request.url)
        route.abort()

    def open(self, path: Path | str, query: str = ""):
        """The page, loaded, with its CSS transitions over: the theme sets dark mode after the
        first paint, and a button's colours take 0.15 s to follow (axe read them midway)."""
        url = (path if isinstance(path, Path) else SITE / path).as_uri() + query
        self.page.goto(url)
        self.page.wait_for_load_state("load")
        self.page.wait_for_function(SETTLED)
        return self.page

    def lang(self):
        return self.page.get_attribute("html", "data-lang")


@pytest.fixture
def tab(browser):
    tabs = []

    def make(*args, **kwargs):
        tabs.append(Tab(browser, *args, **kwargs))
        return tabs[-1]

    yield make
    for t in tabs:
        t.context.close()


@pytest.fixture(scope="session")
def server():
    """The built site over HTTP on 127.0.0.1 (a free port); its base URL."""
    with serve(SITE) as base:
        yield base


def screenshot(page, name: str, **kwargs) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", **kwargs)
