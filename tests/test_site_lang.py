"""Chinese all the way through in Chinese mode, English in English mode: the theme's own words
(buttons, tooltips, aria labels, the search page) follow the reader's language, and Chinese
text is marked `lang="zh-CN"` so it is drawn with Simplified Chinese glyphs."""

import re

import pytest

pytestmark = pytest.mark.browser

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{2,}")
# Names that are the same in both languages.
NAMES = re.compile(r"\b(lossedu|PDF|JavaScript|Ctrl|ipynb|pdf)\b")
# The language switch names the other language.
SWITCH = {"English", "中文", "Read in English", "切换到中文"}

# The words the theme shows around the content: visible text outside the chapter's own
# content, and every label and tooltip on the page.
THEME_WORDS = """() => {
  const words = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = walker.nextNode());) {
    const el = n.parentElement, text = n.nodeValue.trim();
    if (!text || !el.checkVisibility({visibilityProperty: true})) continue;
    if (el.closest('script, style, .lang-zh, .lang-en, .bd-sidebar-primary .bd-links'))
      continue;
    if (el.closest('article, #search-results ul.search, .prev-next-title') &&
        !el.closest('summary')) continue;
    words.push(text);
  }
  const attrs = ['title', 'aria-label', 'placeholder', 'data-bs-title',
                 'data-bs-original-title', 'data-tooltip'];
  document.body.querySelectorAll('*').forEach(el => attrs.forEach(a => {
    const v = el.getAttribute(a);
    if (v && !el.closest('.cell_output, .prev-next-area a[title]')) words.push(v.trim());
  }));
  words.push(document.title);
  return words;
}"""


def foreign(words, lang):
    """The theme words not in `lang` (bilingual page titles count as content)."""
    wrong = CJK if lang == "en" else LATIN
    return sorted({w for w in words if wrong.search(NAMES.sub("", w)) and w not in SWITCH
                   and " · " not in w})


@pytest.mark.parametrize("path", ["book/03_cross_entropy.html", "book/glossary.html",
                                  "search.html?q=熵"])
@pytest.mark.parametrize("lang, locale", [("zh", "zh-CN"), ("en", "en-US")])
def test_the_theme_speaks_the_readers_language(tab, lang, locale, path):
    t = tab(locale)
    page_path, _, query = path.partition("?")
    page = t.open(page_path, f"?{query}" if query else "")
    if query:
        page.locator("#search-results ul.search li").first.wait_for(timeout=15000)
        page.locator("p.search-summary").wait_for(timeout=15000)
    words = page.evaluate(THEME_WORDS)
    assert foreign(words, lang) == [], foreign(words, lang)
    if lang == "zh":
        assert "搜索" in words and ("glossary" in path or query or "目录" in words)


def test_the_search_page_in_chinese(tab):
    page = tab("zh-CN").open("search.html", "?q=熵")
    summary = page.locator("p.search-summary")
    summary.wait_for(timeout=15000)
    assert re.fullmatch(r"搜索完成，共找到 \d+ 个页面。", summary.inner_text())
    assert page.locator("#search-results h2").inner_text() == "搜索结果"
    assert page.title() == "搜索 - lossedu"
    assert page.locator(".bd-search-container h1").inner_text() == "搜索"


def test_switching_changes_the_theme_words_too(tab):
    t = tab("en-US")
    page = t.open("book/03_cross_entropy.html")
    field = page.locator("#pst-search-dialog input[type=search]")
    assert field.get_attribute("placeholder") == "Search this book..."
    page.click("#lang-toggle")
    assert field.get_attribute("placeholder") == "搜索本书……"
    assert page.locator(".prev-next-subtitle").first.inner_text() == "上一页"
    zh_words = foreign(page.evaluate(THEME_WORDS), "zh")
    assert zh_words == [], zh_words
    page.click("#lang-toggle")
    assert foreign(page.evaluate(THEME_WORDS), "en") == []
    assert page.locator("#pst-skip-link a").inner_text() == "Skip to main content"
    assert t.errors == []


# Every visible piece of Chinese and the language it is marked with.
CHINESE_MARKS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = walker.nextNode());) {
    const el = n.parentElement;
    if (!/[\\u4e00-\\u9fff]/.test(n.nodeValue) || el.closest('script, style')) continue;
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const marked = el.closest('[lang]');
    out.push([n.nodeValue.trim().slice(0, 30), marked.getAttribute('lang'),
              getComputedStyle(el).fontFamily]);
  }
  return out;
}"""


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_chinese_text_is_marked_simplified_chinese(tab, locale):
    """The glossary's Chinese column in English mode included."""
    page = tab(locale).open("book/glossary.html")
    marks = page.evaluate(CHINESE_MARKS)
    assert len(marks) > 20
    unmarked = [m for m in marks if not m[1].startswith("zh")]
    assert unmarked == []
    plain = [m for m in marks if not m[0].startswith("lossedu") and
             "Noto Sans CJK SC" not in m[2] and "monospace" not in m[2].lower()]
    assert plain == []


# Mark every visible element whose own text holds Chinese; their count.
PROBE_CHINESE = """() => {
  let count = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = walker.nextNode());) {
    const el = n.parentElement;
    if (/[\\u4e00-\\u9fff]/.test(n.nodeValue) && !el.closest('script, style') &&
        el.checkVisibility() && !el.hasAttribute('data-chinese')) {
      el.setAttribute('data-chinese', '');
      count++;
    }
  }
  return count;
}"""


@pytest.mark.parametrize("locale, path", [("en-US", "book/glossary.html"),
                                          ("zh-CN", "book/03_cross_entropy.html"),
                                          ("en-US", "book/03_cross_entropy.html")])
def test_chinese_is_drawn_with_a_simplified_chinese_font(tab, locale, path):
    """The fonts Chromium drew with (DevTools' platform fonts): with Noto CJK installed, Chinese
    left unmarked in an English page comes out in the Japanese face (Noto Sans CJK JP)."""
    t = tab(locale)
    page = t.open(path)
    assert page.evaluate(PROBE_CHINESE) > 5
    cdp = t.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    nodes = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": "[data-chinese]"})
    families = set()
    for node in nodes["nodeIds"]:
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        families |= {f["familyName"] for f in fonts}
    cjk = {f for f in families if re.search(r"CJK|Han|Hei|PingFang|YaHei|WenQuanYi", f)}
    assert cjk and all(re.search(r"\bSC\b|GB|YaHei|WenQuanYi", f) for f in cjk), families
