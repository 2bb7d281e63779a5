"""A light site: a chapter page loads at most 1.5 MB (uncompressed, everything it asks for),
nothing comes from outside; a favicon; titles that name the course once. How long a first
load takes is measured, not asserted here: ``python -m benchmarks.site``."""

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import site_browser
from site_browser import CHAPTERS, PAGES, SITE, page_id

pytestmark = pytest.mark.browser

MAX_BYTES = 1_500_000


def weigh(browser, url: str, base: str):
    """Load `url` in a fresh context: (bytes by kind, requests elsewhere, files loaded)."""
    tab = site_browser.Tab(browser, "zh-CN", "desktop", allow=re.escape(base))
    files = set()
    tab.page.on("requestfinished", lambda request: files.add(request.url))
    try:
        page = tab.page
        page.goto(url)
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)  # anything the scripts fetch after the load event
    finally:
        tab.context.close()
    kinds = {}
    for file_url in files:
        path = SITE / unquote(urlsplit(file_url).path).lstrip("/")
        kind = path.suffix.lstrip(".") or "html"
        kinds[kind] = kinds.get(kind, 0) + Path(path).stat().st_size
    return kinds, tab.blocked, {urlsplit(u).path.lstrip("/") for u in files}


@pytest.mark.parametrize("path", CHAPTERS, ids=page_id)
def test_a_chapter_is_light_and_local(browser, server, path):
    kinds, blocked, _ = weigh(browser, f"{server}/{page_id(path)}", server)
    total = sum(kinds.values())
    summary = ", ".join(f"{k} {v / 1e3:.0f} kB" for k, v in sorted(kinds.items()))
    assert total <= MAX_BYTES, f"{page_id(path)} loads {total / 1e6:.2f} MB: {summary}"
    assert blocked == []
    assert kinds.get("js", 0) < 250_000, summary


def test_the_search_index_loads_on_the_search_page_only(browser, server):
    *_, chapter = weigh(browser, f"{server}/book/03_cross_entropy.html", server)
    *_, search = weigh(browser, f"{server}/search.html?q=熵", server)
    assert "searchindex.js" not in chapter and "searchindex.js" in search
    assert "searchtext.js" not in chapter and "searchtext.js" in search


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_favicon_and_a_title_that_names_the_course_once(path):
    html = path.read_text(encoding="utf-8")
    icon = re.search(r'<link rel="icon" href="([^"]+)"', html)
    assert icon and (path.parent / icon.group(1)).resolve().is_file()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.count("lossedu") == 1, title
