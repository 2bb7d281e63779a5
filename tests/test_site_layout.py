"""Nothing runs off the side: on a desktop no code cell or printed output needs sideways
scrolling, and no page is wider than a 390 px phone (code or a table too wide for a phone
scrolls in its own box). Code and printed output keep their lines as written: a wrapped line of
Python, or a wrapped row of a printed table, reads wrong."""

import pytest
import site_browser
from site_browser import CHAPTERS, PAGES, page_id, screenshot

pytestmark = pytest.mark.browser

# Code and printed output wider than their box (a pixel of rounding allowed).
TOO_WIDE = """() => [...document.querySelectorAll(
    'article pre, article .cell_output .output, article .cell_output')]
  .filter(e => e.checkVisibility() && e.scrollWidth > e.clientWidth + 1)
  .map(e => (e.closest('.cell_input') ? 'input: ' : 'output: ') +
            e.innerText.split('\\n').sort((a, b) => b.length - a.length)[0].slice(0, 90))"""
# Code and printed output whose lines the browser wrapped: (visual lines, lines written).
WRAPPED = """() => [
  ...document.querySelectorAll('article .cell_input pre, article .cell_output pre')]
  .filter(e => e.checkVisibility())
  .map(e => {
    const range = document.createRange();
    range.selectNodeContents(e);
    const tops = new Set([...range.getClientRects()].filter(r => r.height > 0)
                         .map(r => Math.round(r.top)));
    return [tops.size, e.innerText.replace(/\\n$/, '').split('\\n').length,
            e.innerText.slice(0, 60)];
  })
  .filter(([shown, written]) => shown > written)"""
PAGE_WIDTH = "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"


@pytest.fixture(scope="module")
def desktop(browser):
    tab = site_browser.Tab(browser, "en-US", "desktop")
    yield tab
    tab.context.close()


@pytest.fixture(scope="module")
def phone(browser):
    tab = site_browser.Tab(browser, "zh-CN", "phone")
    yield tab
    tab.context.close()


@pytest.mark.parametrize("path", CHAPTERS, ids=page_id)
def test_no_chapter_is_wider_than_a_desktop_window(desktop, path):
    width, visible = desktop.open(path).evaluate(PAGE_WIDTH)
    assert width <= visible


@pytest.mark.parametrize("path", CHAPTERS, ids=page_id)
def test_code_and_output_fit_the_column_on_a_desktop(desktop, path):
    assert desktop.open(path).evaluate(TOO_WIDE) == []


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_no_page_is_wider_than_a_phone(phone, path):
    page = phone.open(path)
    for lang in ("zh", "en"):
        page.evaluate(f"document.documentElement.setAttribute('data-lang', '{lang}')")
        width, visible = page.evaluate(PAGE_WIDTH)
        assert width <= visible, f"{page_id(path)} is {width} px wide in {lang} on a phone"
    if path.name in ("03_cross_entropy.html", "08_training.html"):
        screenshot(page, f"phone-{path.stem}", full_page=False)


@pytest.mark.parametrize("path", [p for p in CHAPTERS if p.name[:3] in ("03_", "10_")],
                         ids=page_id)
def test_code_and_printed_tables_keep_their_lines_on_a_phone(phone, path):
    page = phone.open(path)
    assert page.evaluate(WRAPPED) == []


# Display formulas on a phone: (how far each starts left of its box, whether it scrolls there,
# whether the keyboard reaches it) for those cut off or out of reach.
FORMULAS = """() => [...document.querySelectorAll('article div.math')]
  .filter(box => box.checkVisibility())
  .map(box => {
    const math = box.querySelector('math');
    const cut = box.getBoundingClientRect().left - math.getBoundingClientRect().left;
    box.scrollLeft = 1e6;
    const scrolls = box.scrollLeft > 0;
    box.scrollLeft = 0;
    const wide = math.getBoundingClientRect().width > box.clientWidth + 1;
    return [Math.round(cut), wide, scrolls, box.getAttribute('tabindex'),
            math.getAttribute('alttext').slice(0, 40)];
  })
  .filter(([cut, wide, scrolls, tab]) => cut > 1 || (wide && (!scrolls || tab !== '0')))"""


@pytest.mark.parametrize("path", [p for p in CHAPTERS if p.name[:3] in ("02_", "04_")],
                         ids=page_id)
def test_a_formula_wider_than_a_phone_scrolls_from_its_left_edge(phone, path):
    page = phone.open(path)
    for lang in ("zh", "en"):
        page.evaluate(f"document.documentElement.setAttribute('data-lang', '{lang}')")
        page.wait_for_timeout(100)  # the resize observer marks the boxes now shown
        assert page.evaluate(FORMULAS) == [], lang
