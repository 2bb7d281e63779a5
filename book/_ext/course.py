"""The course's Sphinx extension: bilingual notebook cells, solutions, math, search, pages.

1. A notebook's prose comes as pairs of Markdown cells tagged ``lang-en`` and ``lang-zh``
   (plain Markdown in JupyterLab). At read time each tagged cell is wrapped in a container with
   that class, so the site can show one language at a time (``_static/lang.js``).
2. Code cells tagged ``solution`` are folded behind "Show solution" / "查看答案";
   ``LOSSEDU_HIDE_SOLUTIONS=1`` leaves them out of the site (``course_solutions``).
3. Each chapter and the landing page say how to run the course locally (``course_pages``),
   and the build ships the notebooks and the lossedu wheel (``course_downloads``).
4. Math is turned into MathML at build time (``course_math``): no script, works offline.
5. Search splits Chinese with jieba, keeps one-character words such as 熵, and shows a
   snippet of each page found in the reader's language (``course_search``).
6. Pages load no asset of an extension the book does not use (sphinx-thebe, whose inline
   configuration Jupyter Book 1 adds twice, a JavaScript error; sphinx-design), and no script
   twice.
"""

import json
import re
from pathlib import Path

import course_downloads
import course_math
import course_pages
import course_search
import course_solutions

LANGS = ("lang-en", "lang-zh")
GLOSSARY = Path(__file__).parents[1] / "glossary.md"
TEMPLATES = Path(__file__).parent / "templates"


def cell_language(cell: dict) -> str | None:
    """The ``lang-*`` tag of a Markdown cell, or None."""
    tags = cell.get("metadata", {}).get("tags", [])
    return next((tag for tag in tags if tag in LANGS), None)


def prepare_cells(cells: list[dict]) -> list[dict]:
    """Wrap each language-tagged Markdown cell in a container of its language; fold each
    ``solution`` cell behind a bilingual toggle, or drop it when solutions are hidden."""
    kept = []
    for cell in cells:
        lang = cell_language(cell)
        if cell["cell_type"] == "markdown" and lang:
            text = "".join(cell["source"])
            cell["source"] = f"::::::{{container}} {lang}\n{text}\n::::::\n"
        elif course_solutions.is_solution(cell):
            if course_solutions.hidden():
                continue
            cell = course_solutions.fold(cell)
        kept.append(cell)
    return kept


def read_source(app, docname: str, source: list[str]) -> None:
    """``source-read``: prepare a notebook's cells; add the "run it yourself" note."""
    path = str(app.env.doc2path(docname))
    if path.endswith(".ipynb"):
        notebook = json.loads(source[0])
        cells = prepare_cells(notebook["cells"])
        notebook["cells"] = cells[:1] + [course_pages.run_locally_cell(docname)] + cells[1:]
        source[0] = json.dumps(notebook)
    elif docname == app.config.master_doc:
        title, _, rest = source[0].partition("\n")
        source[0] = f"{title}\n\n{course_pages.run_locally_markdown(docname)}\n{rest}"


def glossary_terms(text: str) -> list[str]:
    """The Chinese terms in the first column of the glossary's tables (``a / b`` splits)."""
    terms = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) > 1 and re.search(r"[\u4e00-\u9fff]", cells[0]):
            terms += [t.strip() for t in cells[0].split("/") if t.strip()]
    return terms


def configure(app, config) -> None:
    """``config-inited``: the page template, MathML, and the search dictionary."""
    config.templates_path = [str(TEMPLATES), *config.templates_path]
    config.html_math_renderer = "mathml"
    dictionary = Path(app.doctreedir) / "search-dict.txt"
    dictionary.parent.mkdir(parents=True, exist_ok=True)
    terms = glossary_terms(GLOSSARY.read_text(encoding="utf-8"))
    dictionary.write_text("".join(f"{t} 1000 n\n" for t in terms), encoding="utf-8")
    config.html_search_options = {**config.html_search_options, "dict": str(dictionary)}


# Assets of extensions the book does not use (no Thebe, no sphinx-design directives).
UNUSED_ASSETS = ("sphinx-thebe", "design-tabs", "sphinx-design")


def prune_assets(app, pagename, templatename, context, doctree) -> None:
    """``html-page-context``: drop the scripts and styles of unused extensions (sphinx-thebe's
    inline configuration among them, which Jupyter Book adds twice: a JavaScript error), and
    any script the page would load twice."""
    def used(asset) -> bool:
        name = asset.filename or ""
        inline = asset.attributes.get("body", "") if hasattr(asset, "attributes") else ""
        return not any(u in name for u in UNUSED_ASSETS) and "THEBE_JS_URL" not in inline

    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (script.filename or "", tuple(sorted(script.attributes.items())))
        if key not in seen and used(script):
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique
    context["css_files"] = [css for css in context.get("css_files", []) if used(css)]


def figure_languages(app) -> None:
    """``builder-inited``: an image output that ``lossedu.figures`` marked with
    ``{"lossedu": {"lang": ..., "alt": ...}}`` gets the class ``lang-en`` / ``lang-zh`` (lang.css
    shows the reader's language only) and its alt text. myst-nb's ``render_image`` reads only
    ``width`` and ``height`` from an output's metadata, so it is wrapped (once) to read these."""
    from functools import wraps

    from myst_nb.core.render import NbElementRenderer

    render_image = getattr(NbElementRenderer.render_image, "__wrapped__",
                           NbElementRenderer.render_image)

    @wraps(render_image)
    def render_image_in_language(self, data):
        image_nodes = render_image(self, data)
        figure = data.output_metadata.get("lossedu", {})
        for node in image_nodes:
            if figure.get("lang") in ("en", "zh"):
                node["classes"].append(f"lang-{figure['lang']}")
            if figure.get("alt"):
                node["alt"] = figure["alt"]
        return image_nodes

    NbElementRenderer.render_image = render_image_in_language


def lazy_images(app, pagename, templatename, context, doctree) -> None:
    """``html-page-context``: the page's images load when they come into view, so a figure
    in the other language (hidden) and those further down cost nothing on the first load."""
    if "body" in context:
        context["body"] = re.sub(r"<img (?![^>]*\bloading=)", '<img loading="lazy" ',
                                 context["body"])


def setup(app):
    app.connect("config-inited", configure)
    app.connect("source-read", read_source)
    app.connect("html-page-context", prune_assets, priority=900)  # after the themes
    course_math.setup(app)
    course_search.setup(app)
    course_downloads.setup(app)
    app.connect("builder-inited", figure_languages)
    app.connect("html-page-context", course_solutions.name_toggles_by_their_text)
    app.connect("html-page-context", lazy_images)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
