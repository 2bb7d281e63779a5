"""Navigation at every width, in both languages: the chapter list and the page's sections open
and close on a phone and a tablet; on a desktop the chapter list collapses and comes back."""

import pytest
from site_browser import screenshot

pytestmark = pytest.mark.browser

CHAPTER = "book/03_cross_entropy.html"
LOCALES = {"en": "en-US", "zh": "zh-CN"}
# The visible buttons of the article header (the theme hides the others).
PRIMARY = ".bd-header-article .primary-toggle"
SECONDARY = ".bd-header-article .secondary-toggle"


def open_and_close(page, button, dialog, link_text):
    """Click `button`: the dialog opens with a visible link `link_text`; Escape closes it."""
    page.click(button)
    modal = page.locator(dialog)
    modal.wait_for(state="visible", timeout=5000)
    assert page.evaluate(f"document.querySelector('{dialog}').open")
    assert modal.get_by_text(link_text).first.is_visible()
    page.keyboard.press("Escape")
    modal.wait_for(state="hidden", timeout=5000)
    assert not page.evaluate(f"document.querySelector('{dialog}').open")


@pytest.mark.parametrize("lang", LOCALES)
@pytest.mark.parametrize("viewport", ["phone", "tablet"])
def test_chapter_list_and_sections_open_and_close(tab, viewport, lang):
    t = tab(LOCALES[lang], viewport)
    page = t.open(CHAPTER)
    assert page.locator(PRIMARY).is_visible() and page.locator(SECONDARY).is_visible()
    assert not page.locator("#pst-primary-sidebar").is_visible()
    chapter = {"en": "Regression losses", "zh": "回归损失"}[lang]
    section = {"en": "Label smoothing", "zh": "标签平滑"}[lang]
    open_and_close(page, PRIMARY, "#pst-primary-sidebar-modal", chapter)
    open_and_close(page, SECONDARY, "#pst-secondary-sidebar-modal", section)
    # Open again and follow a link: the dialog is a working table of contents.
    page.click(PRIMARY)
    page.locator("#pst-primary-sidebar-modal").get_by_text(chapter).first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("04_regression.html")
    assert t.errors == []


@pytest.mark.parametrize("lang", LOCALES)
def test_desktop_sidebar_collapses_and_comes_back(tab, lang):
    t = tab(LOCALES[lang], "desktop")
    page = t.open(CHAPTER)
    sidebar = page.locator("#pst-primary-sidebar")
    assert sidebar.is_visible() and page.locator("#pst-secondary-sidebar").is_visible()
    page.click(PRIMARY)
    sidebar.wait_for(state="hidden", timeout=5000)
    assert not page.evaluate("document.querySelector('#pst-primary-sidebar-modal').open")
    page.click(PRIMARY)
    sidebar.wait_for(state="visible", timeout=5000)
    assert t.errors == []
    screenshot(page, f"desktop-sidebar-{lang}")
