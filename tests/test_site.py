"""The built site in headless Chromium, offline: math, languages, the toggle, search, links.

Needs the site in _build/html (`make book`, or `make site` as `make test` does). Every request
that is not for a local file is blocked and counts as a failure.
"""

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from site_browser import ARTIFACTS, CHAPTER, PAGES, SITE, page_id, screenshot

pytestmark = pytest.mark.browser

# A search term, and a page it must lead to.
SEARCHES = {
    "交叉熵": "book/03_cross_entropy.html",
    "梯度下降": "book/01_what_is_a_loss.html",
    "损失函数": "book/01_what_is_a_loss.html",
    "cross-entropy": "book/03_cross_entropy.html",
    "KL": "book/02_information.html",
    "Huber": "book/04_regression.html",
    "三元组损失": "book/07_sequence_metric.html",
    "reduction": "book/01_what_is_a_loss.html",
    "交并比": "book/05_segmentation.html",
    "Tversky": "book/05_segmentation.html",
    "结构相似性": "book/06_perceptual.html",
    "LPIPS": "book/06_perceptual.html",
    "梯度累积": "book/08_training.html",
    "前向钩子": "book/09_pitfalls.html",
}


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_page_renders_offline_without_errors(tab, path):
    t = tab()
    page = t.open(path)
    assert t.errors == [], f"JavaScript errors on {path.name}: {t.errors}"
    assert t.blocked == [], f"{path.name} asked the network for {t.blocked}"
    raw = page.evaluate("document.querySelector('article') ? document.querySelector('article')"
                        ".innerText : ''")
    assert "\\(" not in raw and "$$" not in raw, f"untypeset math on {path.name}"
    formulas = page.locator("span.math, div.math")
    assert formulas.count() == formulas.locator("math").count() or formulas.count() == 0


def test_chapter_math_is_drawn_as_mathml(tab):
    """Every formula is MathML written by the build, drawn by the browser, its TeX kept."""
    page = tab().open(CHAPTER)
    assert page.locator("math").count() >= 10
    first = page.locator("span.math math").first
    assert first.get_attribute("alttext") and first.bounding_box()["width"] > 0
    assert page.locator("script[src*=mathjax]").count() == 0


# TeX left as text: a $...$ that Markdown broke (a line inside it that starts with "+ " is a
# list item), outside code and the MathML the build wrote.
TEX_SOURCE = re.compile(r"\$[^$\n]{0,40}\\[A-Za-z]+|\\(frac|mathrm|operatorname|sum)\b")
NOT_PROSE = re.compile(r"(?s)<(pre|code|script|style|math)\b.*?</\1>")


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_no_page_shows_tex_source(path):
    text = re.sub(r"<[^>]+>", " ", NOT_PROSE.sub(" ", path.read_text(encoding="utf-8")))
    assert [text[max(0, m.start() - 40):m.end() + 20] for m in TEX_SOURCE.finditer(text)] == []


def test_one_search_field_and_no_empty_header_bar(tab):
    page = tab().open(CHAPTER)
    assert page.locator(".search-button-field:visible").count() == 1
    assert not page.locator("#pst-header").is_visible()


@pytest.mark.parametrize("locale, lang, button", [("zh-CN", "zh", "English"),
                                                  ("en-US", "en", "中文")])
def test_language_follows_the_browser(tab, locale, lang, button):
    t = tab(locale)
    page = t.open(CHAPTER)
    other = "en" if lang == "zh" else "zh"
    assert t.lang() == lang
    assert page.locator(f".lang-{lang}").first.is_visible()
    assert not page.locator(f".lang-{other}").first.is_visible()
    assert page.locator("#lang-toggle").inner_text() == button
    heading = page.locator("h1:has(a.headerlink)").inner_text()
    assert ("什么是损失" in heading) == (lang == "zh")
    assert ("What a loss" in heading) == (lang == "en")
    toc = page.locator("#pst-page-toc-nav").inner_text()
    assert ("代价与目标函数" in toc) == (lang == "zh") and ("objective" in toc) == (lang == "en")
    assert ("参数" in toc) == (lang == "zh") and ("argument" in toc) == (lang == "en")
    screenshot(page, f"chapter1-{lang}")


@pytest.mark.parametrize("locale, lang, words, other", [
    ("en-US", "en", ("not attempted yet", "cases passed"), ("尚未作答", "例通过")),
    ("zh-CN", "zh", ("尚未作答", "例通过"), ("not attempted yet", "cases passed"))])
def test_a_checker_report_shows_the_readers_language(tab, locale, lang, words, other):
    """The stub's one-line report and the worked answer's table, each in one language only."""
    t = tab(locale)
    page = t.open(CHAPTER)
    reports = page.locator(".lossedu-check")
    # the worked answer sits in a folded solution: open it as a reader would
    page.locator("details.hide:has(.lossedu-check) > summary").first.click()
    for report, shown, hidden in zip([reports.nth(0), reports.nth(1)], words, other, strict=True):
        report.scroll_into_view_if_needed()
        text = report.inner_text()
        assert "mse_loss" in text and shown in text and hidden not in text
        assert " · " not in text.split("\n")[0]  # no separator left between the two languages
    ARTIFACTS.mkdir(exist_ok=True)
    reports.nth(1).screenshot(path=ARTIFACTS / f"checker-report-{lang}.png")


def test_toggle_switches_and_the_choice_holds(tab):
    t = tab("en-US")
    page = t.open("book/intro.html")
    assert t.lang() == "en"
    page.click("#lang-toggle")
    assert t.lang() == "zh"
    assert page.locator(".lang-zh").first.is_visible()
    page.click("a.right-next")  # the next page
    page.wait_for_load_state("load")
    assert t.lang() == "zh" and page.locator("#lang-toggle").inner_text() == "English"
    page.reload()
    assert t.lang() == "zh"
    page.click("#lang-toggle")
    page.reload()
    assert t.lang() == "en"


@pytest.mark.parametrize("term, expected", SEARCHES.items())
def test_search_finds_the_term(tab, term, expected):
    t = tab()
    page = t.open("search.html", f"?q={term}")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=15000)
    hrefs = [unquote(urlsplit(h).path) for h in results.evaluate_all("l => l.map(a => a.href)")]
    match = [i for i, h in enumerate(hrefs) if h.endswith(expected)]
    assert match, f"searching {term!r} found {hrefs}, not {expected}"
    results.nth(match[0]).click()
    page.wait_for_load_state("load")
    assert unquote(urlsplit(page.url).path).endswith(expected)
    assert t.errors == [] and t.blocked == []


def test_every_local_link_resolves(tab):
    t = tab()
    broken = []
    for path in PAGES:
        page = t.open(path)
        urls = page.evaluate(
            "[...document.querySelectorAll('a[href], link[href], script[src], img[src]')]"
            ".map(e => e.href || e.src)"
        )
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme != "file":
                continue
            target = Path(unquote(parts.path))
            if not target.exists():
                broken.append(f"{path.relative_to(SITE)} -> {target}")
            elif parts.fragment and target.suffix == ".html":
                ids = re.findall(r'id="([^"]+)"', target.read_text(encoding="utf-8"))
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{path.relative_to(SITE)} -> {target.name}#{parts.fragment}")
    assert broken == []
