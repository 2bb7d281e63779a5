"""Figures in both languages: lossedu.figures in a real kernel, and the site's rendering of them.

A notebook calls ``show_figure`` once and stores two PNG outputs, English then Chinese, each
with ``{"lossedu": {"lang", "alt"}}`` metadata; without a CJK font it stores the English one
only and writes nothing to stderr. The site build gives each image its language's class and
its alt text, and in a browser only the reader's language is shown.
"""

import re
import warnings
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from sphinx.cmd.build import build_main

from lossedu import figures
from lossedu.figures import MIN_TEXT_PX, phone_px, render, show_figure, t

ROOT = Path(__file__).parents[1]
CJK = figures.chinese_font()
ALT = {"en": "A rising line: the loss grows with the error.",
       "zh": "一条上升的直线：误差越大，损失越大。"}
DRAW = '''
from lossedu.figures import show_figure, t

def draw(fig, lang):
    ax = fig.subplots()
    ax.plot([0, 1, 2], [0, 1, 4], label=t(lang, "squared error", "平方误差"))
    ax.set(xlabel=t(lang, "error", "误差"), ylabel=t(lang, "loss", "损失"),
           title=t(lang, "A loss", "一个损失"))
    ax.legend()

alt = {alt!r}
'''


def draw(fig, lang, fontsize=None):
    ax = fig.subplots()
    ax.plot([0, 1, 2], [0, 1, 4], label=t(lang, "squared error", "平方误差"))
    ax.set(xlabel=t(lang, "error", "误差"), title=t(lang, "A loss", "一个损失"))
    ax.annotate(t(lang, "here", "这里"), (1, 1), fontsize=fontsize)
    ax.legend()


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """A notebook run in a kernel: the figure with the fonts installed here, then as on a
    machine without a CJK font."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(DRAW.format(alt=ALT)),
        nbformat.v4.new_code_cell("show_figure(draw, alt)"),
        nbformat.v4.new_code_cell("import lossedu.figures\nlossedu.figures.CJK_FONTS = ()\n"
                                  "show_figure(draw, alt)"),
    ])
    NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(ROOT)}}).execute()
    path = tmp_path_factory.mktemp("book") / "figures.ipynb"
    nbformat.write(nb, path)
    return path


def cell_outputs(path, index):
    return nbformat.read(path, as_version=4).cells[index].outputs


@pytest.mark.slow  # a Jupyter kernel (and a Sphinx build) per module
@pytest.mark.skipif(CJK is None, reason="no Simplified Chinese font installed")
def test_a_figure_is_stored_in_both_languages_with_its_alt_text(executed):
    outputs = cell_outputs(executed, 1)
    assert [o.output_type for o in outputs] == ["display_data", "display_data"]
    assert [o.metadata["lossedu"] for o in outputs] == [
        {"lang": "en", "alt": ALT["en"]}, {"lang": "zh", "alt": ALT["zh"]}]
    assert [o.data["text/plain"] for o in outputs] == [ALT["en"], ALT["zh"]]
    pngs = [o.data["image/png"] for o in outputs]
    assert all(p.startswith("iVBOR") for p in pngs) and pngs[0] != pngs[1]
    assert outputs[0].metadata["image/png"] == {"width": 480}


@pytest.mark.slow  # a Jupyter kernel (and a Sphinx build) per module
def test_without_a_cjk_font_only_english_and_nothing_on_stderr(executed):
    outputs = cell_outputs(executed, 2)
    assert [o.output_type for o in outputs] == ["display_data"]
    assert outputs[0].metadata["lossedu"] == {"lang": "en", "alt": ALT["en"]}
    for index in (1, 2):
        assert not [o for o in cell_outputs(executed, index) if o.output_type == "stream"]


@pytest.mark.skipif(CJK is None, reason="no Simplified Chinese font installed")
def test_chinese_labels_have_every_glyph():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns of each missing glyph
        assert render(draw, "zh", (5.0, 3.2)).startswith(b"\x89PNG")


def test_every_text_is_legible_on_a_phone():
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    drawn = []

    def keep(fig, lang):
        draw(fig, lang)
        drawn.append(fig)

    for width in (4.0, 5.0, 7.0):
        render(keep, "en", (width, 3.0))
        texts = [x for x in drawn[-1].findobj(Text) if x.get_text()]
        assert isinstance(drawn[-1], Figure) and len(texts) > 5
        assert min(phone_px(x, width) for x in texts) >= MIN_TEXT_PX - 1e-9


def test_text_too_small_for_a_phone_is_refused():
    with pytest.raises(ValueError, match=r"\['here'\].*under 9 CSS px on a phone"):
        render(lambda fig, lang: draw(fig, lang, fontsize=5), "en", (5.0, 3.2))


def test_alt_text_is_required_in_both_languages():
    with pytest.raises(ValueError, match=r"missing \['zh'\], got keys \['en'\]"):
        show_figure(draw, alt={"en": "A line."})


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="`lang` to be one of \\('en', 'zh'\\), got 'fr'"):
        t("fr", "loss", "损失")


class Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))


@pytest.fixture(scope="module")
def site(executed, tmp_path_factory):
    """The executed notebook built into a page with the course's extension and styles."""
    source = executed.parent
    (source / "index.md").write_text("# Index\n\n```{toctree}\nfigures\n```\n", encoding="utf-8")
    (source / "conf.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / 'book' / '_ext')!r})\n"
        "extensions = ['myst_nb', 'course']\n"
        "nb_execution_mode = 'off'\n"
        "html_theme = 'sphinx_book_theme'\n"  # the course's templates extend the book theme
        f"html_static_path = [{str(ROOT / 'book' / '_static')!r}]\n"
        "html_css_files = ['lang.css']\n"
        "html_js_files = ['lang.js']\n",
        encoding="utf-8",
    )
    out = tmp_path_factory.mktemp("html")
    assert build_main(["-b", "html", "-q", str(source), str(out)]) == 0
    return out / "figures.html"


@pytest.mark.slow  # a Jupyter kernel (and a Sphinx build) per module
@pytest.mark.skipif(CJK is None, reason="no Simplified Chinese font installed")
def test_the_built_page_gives_each_image_its_language_and_alt(site):
    parser = Images()
    parser.feed(site.read_text(encoding="utf-8"))
    marked = [(re.findall(r"lang-(en|zh)", img.get("class", "")), img.get("alt"))
              for img in parser.images]
    assert marked == [(["en"], ALT["en"]), (["zh"], ALT["zh"]), (["en"], ALT["en"])]


@pytest.mark.browser
@pytest.mark.skipif(CJK is None, reason="no Simplified Chinese font installed")
@pytest.mark.parametrize("locale, shown, hidden", [("en-US", "en", "zh"), ("zh-CN", "zh", "en")])
def test_the_site_shows_the_figure_in_the_readers_language(browser, site, locale, shown, hidden):
    context = browser.new_context(locale=locale, viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(site.as_uri())
    assert page.locator(f"img.lang-{shown}").first.is_visible()
    assert not page.locator(f"img.lang-{hidden}").first.is_visible()
    width = page.locator(f"img.lang-{shown}").first.evaluate("i => i.getBoundingClientRect().width")
    assert 0 < width <= 390
    page.evaluate(f"document.documentElement.setAttribute('data-lang', '{hidden}')")  # the toggle
    page.locator(f"img.lang-{hidden}").first.wait_for(state="visible", timeout=5000)  # lazy
    assert not page.locator(f"img.lang-{shown}").first.is_visible()
    context.close()
