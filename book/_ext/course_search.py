"""Search that finds 熵 and shows where, offline.

1. Sphinx's Chinese search (jieba) keeps words of two characters or more: 熵 is never indexed.
   ``CourseChinese`` also indexes every Chinese character on its own, and its query splitter
   (in the browser) cuts a run of Chinese into the longest words the index knows, so 交叉熵损失
   finds the pages holding both 交叉熵 and 损失.
2. Sphinx fetches each page found to show a snippet, which fails on ``file://``. The build
   writes the text of every page, one string per language, to ``searchtext.js``; the search
   page loads it with a script tag (``_static/search.js`` cuts the snippets). Where each
   section starts in that text is kept too, so a section found shows its own words, and each
   section's title in both languages, so a hit on one half shows the reader's half.
3. Sphinx finds a section by its title only when the query is at least half the title: with
   "标签平滑 · Label smoothing", 标签平滑 never is. Each language's half is a title of its own.
"""

import functools
import json
import re
from pathlib import Path

from docutils import nodes
from sphinx.search import IndexBuilder, languages
from sphinx.search.zh import SearchChinese

HAN = re.compile(r"[\u4e00-\u9fff]")
PLAIN_MATH = re.compile(r"[\w\s,.()+\-=*/<>|]+")  # math that reads as it is written
SEPARATOR = " · "
SKIPPED = {"cell_output", "run-locally"}
BLOCKS = (nodes.paragraph, nodes.title, nodes.literal_block, nodes.term, nodes.rubric)

# Runs in the browser as Sphinx's `splitQuery`; `Search._index` is loaded by then.
SPLIT_QUERY = r"""
function splitQuery(query) {
  var index = (typeof Search !== "undefined" && Search._index) || {terms: {}, titleterms: {}};
  var known = function (w) { return w in index.terms || w in index.titleterms; };
  var words = [];
  query.split(/[^\p{Letter}\p{Number}_]+/u).forEach(function (run) {
    run.split(/([\u4e00-\u9fff]+)/).forEach(function (part) {
      if (!part) return;
      if (!/[\u4e00-\u9fff]/.test(part) || known(part)) { words.push(part); return; }
      for (var i = 0, j; i < part.length; i = j) {
        for (j = part.length; j > i + 1 && !known(part.slice(i, j)); j--);
        words.push(part.slice(i, j));
      }
    });
  });
  return words;
}
"""


class CourseChinese(SearchChinese):
    """jieba's words, plus each Chinese character alone."""

    js_splitter_code = SPLIT_QUERY

    def split(self, input: str) -> list[str]:
        return super().split(input) + HAN.findall(input)

    def word_filter(self, stemmed_word: str) -> bool:
        return len(stemmed_word) > 1 or bool(HAN.fullmatch(stemmed_word))


def pick(text: str, lang: str) -> str:
    """The ``lang`` side of a bilingual line "中文 · English" (the whole line otherwise)."""
    parts = text.split(SEPARATOR)
    if len(parts) != 2:
        return text
    return parts[0] if (lang == "zh") == bool(HAN.search(parts[0])) else parts[1]


def in_language(node: nodes.Node, lang: str) -> bool:
    """Whether ``node`` is shown to a reader of ``lang`` (not inside the other language)."""
    other = "lang-en" if lang == "zh" else "lang-zh"
    while node is not None:
        if isinstance(node, nodes.Element) and other in node.get("classes", []):
            return False
        node = node.parent
    return True


def page_text(doctree: nodes.document, lang: str) -> tuple[str, dict[str, int]]:
    """The page's prose and code as a reader of ``lang`` sees it (no outputs, no raw HTML, no
    LaTeX, no "run it yourself" note), and where in it each section starts, by its ids."""
    blocks, starts, length = [], {}, 0
    for node in doctree.findall(lambda n: isinstance(n, (*BLOCKS, nodes.section))):
        if isinstance(node, nodes.section):
            starts.update(dict.fromkeys(node["ids"], length))
            continue
        classes = {c for a in _ancestors(node) for c in a.get("classes", [])}
        if not classes & SKIPPED and in_language(node, lang):
            text = "".join(_shown(t) for t in node.findall(nodes.Text))
            blocks.append(pick(" ".join(text.split()), lang))
            length += len(blocks[-1]) + 1
    return " ".join(blocks), starts


def section_titles(doctree: nodes.document) -> dict[str, dict[str, str]]:
    """Each section's title in each language, by the section's ids, and the page's by "" (a
    hit on the page itself has no anchor): a hit on one half of "熵 · Entropy" is then shown
    in the reader's language."""
    titles = {}
    for section in doctree.findall(nodes.section):
        title = " ".join(section[0].astext().split())
        halves = {lang: pick(title, lang) for lang in ("en", "zh")}
        titles.update(dict.fromkeys(section["ids"] if titles else ["", *section["ids"]],
                                    halves))
    return titles


def _shown(text: nodes.Text) -> str:
    """A text node as a snippet shows it: no raw HTML; inline math as its source where that is
    plain ("(N, C)"), else an ellipsis (no LaTeX commands)."""
    if isinstance(text.parent, nodes.raw):
        return ""
    if isinstance(text.parent, nodes.math):
        return text.astext() if PLAIN_MATH.fullmatch(text.astext()) else "…"
    return text.astext()


def _ancestors(node: nodes.Node):
    while node.parent is not None:
        node = node.parent
        yield node


def collect_text(app, doctree: nodes.document) -> None:
    """``doctree-read``: keep the page's text in both languages, and where its sections
    start."""
    texts = app.env.__dict__.setdefault("course_search_text", {})
    page = {lang: page_text(doctree, lang) for lang in ("en", "zh")}
    texts[app.env.docname] = {**{lang: text for lang, (text, _) in page.items()},
                              "sections": {lang: starts for lang, (_, starts) in page.items()},
                              "titles": section_titles(doctree)}


def forget_text(app, env, docname: str) -> None:
    """``env-purge-doc``: a page read again replaces its text."""
    env.__dict__.get("course_search_text", {}).pop(docname, None)


def merge_text(app, env, docnames, other) -> None:
    """``env-merge-info``: texts read by parallel workers."""
    env.__dict__.setdefault("course_search_text", {}).update(
        other.__dict__.get("course_search_text", {}))


def write_text(app, exception) -> None:
    """``build-finished``: ``searchtext.js`` beside ``searchindex.js``."""
    if exception or app.builder.format != "html":
        return
    texts = app.env.__dict__.get("course_search_text", {})
    payload = json.dumps(texts, ensure_ascii=False, sort_keys=True)
    Path(app.outdir, "searchtext.js").write_text(f"window.LOSSEDU_TEXT = {payload};\n",
                                                 encoding="utf-8")


def title_halves(title: str) -> list[str]:
    """A bilingual title's two halves (a title in one language stays whole)."""
    parts = title.split(SEPARATOR)
    return parts if len(parts) == 2 else [title]


def index_each_title_half() -> None:
    """Wrap (once) ``IndexBuilder.feed``: a page's section titles are indexed half by half."""
    feed = getattr(IndexBuilder.feed, "__wrapped__", IndexBuilder.feed)

    @functools.wraps(feed)
    def feed_title_halves(self, docname, filename, title, doctree):
        feed(self, docname, filename, title, doctree)
        self._all_titles[docname] = [  # the page's own title stays whole: it heads each hit
            (half, anchor) for text, anchor in self._all_titles[docname]
            for half in (title_halves(text) if text != title else [text])]

    IndexBuilder.feed = feed_title_halves


def setup(app) -> None:
    languages["zh"] = CourseChinese
    index_each_title_half()
    app.connect("doctree-read", collect_text)
    app.connect("env-purge-doc", forget_text)
    app.connect("env-merge-info", merge_text)
    app.connect("build-finished", write_text)
