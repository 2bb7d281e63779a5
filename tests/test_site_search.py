"""Search offline: one-character Chinese words (熵) are found, each page found shows a snippet
around the match in the reader's language, and the summary line is in that language."""

import re

import pytest

pytestmark = pytest.mark.browser

# A term, pages it must find, and what the snippet shows in each language.
CASES = [
    ("熵", {"book/02_information.html", "book/03_cross_entropy.html"}),
    ("交叉熵损失", {"book/03_cross_entropy.html"}),  # not a word jieba knows: split by the index
    ("标签平滑", {"book/03_cross_entropy.html"}),
    ("label smoothing", {"book/03_cross_entropy.html"}),
]
SUMMARY = {"en": r"Search finished, found \d+ page\(s\) matching the search query\.",
           "zh": r"搜索完成，共找到 \d+ 个页面。"}


def search(t, term):
    page = t.open("search.html", f"?q={term}")
    page.locator("p.search-summary").wait_for(timeout=15000)
    page.locator("#search-results ul.search li .lossedu-snippet").first.wait_for(timeout=5000)
    return page


@pytest.mark.parametrize("lang, locale", [("zh", "zh-CN"), ("en", "en-US")])
@pytest.mark.parametrize("term, expected", CASES, ids=[c[0] for c in CASES])
def test_search_finds_and_shows_where(tab, lang, locale, term, expected):
    t = tab(locale)
    page = search(t, term)
    items = page.locator("#search-results ul.search > li")
    found = {}
    for i in range(items.count()):
        item = items.nth(i)
        href = item.locator("a").first.get_attribute("href").split("#")[0]
        snippet = item.locator(".lossedu-snippet")
        assert snippet.count() == 1, f"no snippet for {href}"
        found[href] = (snippet.inner_text(), snippet.get_attribute("lang"),
                       snippet.locator("mark").inner_text())
    assert expected <= set(found), f"{term!r} found {sorted(found)}"
    for href in expected:
        text, snippet_lang, mark = found[href]
        assert mark and mark.lower() in term.lower(), (href, text)
        chinese = re.search(r"[\u4e00-\u9fff]", term) is not None
        # these pages hold every term in Chinese text too; a Chinese term is shown there
        assert snippet_lang == ("zh-CN" if lang == "zh" or chinese else "en")
    assert re.fullmatch(SUMMARY[lang], page.locator("p.search-summary").inner_text())
    assert t.errors == [] and t.blocked == []


def test_snippets_follow_the_language_switch(tab):
    t = tab("en-US")
    page = search(t, "softmax")
    snippet = page.locator(".lossedu-snippet").first
    assert snippet.get_attribute("lang") == "en"
    page.click("#lang-toggle")
    page.wait_for_function("document.querySelector('.lossedu-snippet').lang === 'zh-CN'")
    assert re.search(r"[\u4e00-\u9fff]", page.locator(".lossedu-snippet").first.inner_text())
    assert re.fullmatch(SUMMARY["zh"], page.locator("p.search-summary").inner_text())


# The magnifier's box and where the field's text starts, in px.
ICON_AND_TEXT = """(form) => {
  const icon = form.querySelector('.fa-magnifying-glass').getBoundingClientRect();
  const input = form.querySelector('input');
  return [icon.right, input.getBoundingClientRect().left +
          parseFloat(getComputedStyle(input).paddingLeft)];
}"""


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_magnifier_leaves_the_search_text_clear(tab, viewport):
    """On the search page and in a chapter's search dialog (Ctrl+K) the icon sits before the
    text, not on it."""
    t = tab("zh-CN", viewport)
    page = search(t, "熵")
    icon, text = page.locator(".bd-search-container form.bd-search").evaluate(ICON_AND_TEXT)
    assert icon <= text, (icon, text)
    page = t.open("book/03_cross_entropy.html")
    page.keyboard.press("Control+k")
    dialog = page.locator("#pst-search-dialog form.bd-search")
    dialog.wait_for(state="visible", timeout=5000)
    icon, text = dialog.evaluate(ICON_AND_TEXT)
    assert icon <= text, (icon, text)


# The snippet from its match on (the context before it may come from the section before).
FROM_THE_MATCH = """(p) => {
  const mark = p.querySelector('mark');
  return mark.textContent + (mark.nextSibling ? mark.nextSibling.textContent : '');
}"""


@pytest.mark.parametrize("locale, term", [("en-US", "label smoothing"), ("zh-CN", "标签平滑")])
def test_a_section_found_shows_its_own_words(tab, locale, term):
    """A section is found by its title in either language, and its hit (page#section) shows a
    snippet from that section, not the page's opening."""
    t = tab(locale)
    page = search(t, term)
    items = page.locator("#search-results ul.search > li")
    snippets = {}
    for i in range(items.count()):
        href = items.nth(i).locator("a").first.get_attribute("href")
        snippets[href] = items.nth(i).locator(".lossedu-snippet").evaluate(FROM_THE_MATCH)
    section = "book/03_cross_entropy.html#label-smoothing"
    assert section in snippets, sorted(snippets)
    words = t.open(section.split("#")[0]).locator("#label-smoothing").inner_text()
    shown = " ".join(snippets[section].rstrip("…").split())[:24]  # before any math left out
    assert shown in " ".join(words.split()), snippets[section]
    assert "\\" not in snippets[section]  # no LaTeX source


@pytest.mark.parametrize("locale, term, title", [
    ("en-US", "熵", "Entropy and KL divergence > Entropy"),
    ("en-US", "标签平滑", "The cross-entropy family > Label smoothing"),
    ("zh-CN", "label smoothing", "交叉熵家族 > 标签平滑"),
    ("zh-CN", "stable softmax", "熵与 KL 散度 > 稳定的 softmax"),
])
def test_a_section_found_is_titled_in_the_readers_language(tab, locale, term, title):
    """A hit on one half of "熵 · Entropy" names the section in the reader's language."""
    page = search(tab(locale), term)
    links = page.locator("#search-results ul.search > li > a")
    titles = [links.nth(i).inner_text() for i in range(links.count())]
    assert title in titles, titles
