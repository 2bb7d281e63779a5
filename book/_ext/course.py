"""The course's Sphinx extension: bilingual notebook cells, offline MathJax, Chinese search.

1. A notebook's prose comes as pairs of Markdown cells tagged ``lang-en`` and ``lang-zh``
   (plain Markdown in JupyterLab). At read time each tagged cell is wrapped in a container with
   that class, so the site can show one language at a time (``_static/lang.js``).
2. MathJax 3 comes from the ``django-static-mathjax`` wheel: only the pieces a page needs
   (the combined TeX/CHTML script, its fonts, the TeX extensions it may load) are copied into
   ``_static/mathjax`` of the built site, so math renders with no network.
3. Search splits Chinese with jieba; the glossary's Chinese terms form its user dictionary, so
   terms such as 交叉熵 are indexed as words.
4. Jupyter Book 1 registers sphinx-thebe's inline configuration script twice, which declares
   ``THEBE_JS_URL`` twice: a JavaScript error on every page. Each script is kept once.
"""

import json
import re
import shutil
from importlib.util import find_spec
from pathlib import Path

LANGS = ("lang-en", "lang-zh")
MATHJAX_PARTS = ("tex-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions")
GLOSSARY = Path(__file__).parents[1] / "glossary.md"


def cell_language(cell: dict) -> str | None:
    """The ``lang-*`` tag of a Markdown cell, or None."""
    tags = cell.get("metadata", {}).get("tags", [])
    return next((tag for tag in tags if tag in LANGS), None)


def wrap_language_cells(app, docname: str, source: list[str]) -> None:
    """``source-read``: wrap each language-tagged Markdown cell of a notebook in a container."""
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    notebook = json.loads(source[0])
    for cell in notebook["cells"]:
        lang = cell_language(cell)
        if cell["cell_type"] == "markdown" and lang:
            text = "".join(cell["source"])
            cell["source"] = f"::::::{{container}} {lang}\n{text}\n::::::\n"
    source[0] = json.dumps(notebook)


def glossary_terms(text: str) -> list[str]:
    """The Chinese terms in the first column of the glossary's tables (``a / b`` splits)."""
    terms = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) > 1 and re.search(r"[\u4e00-\u9fff]", cells[0]):
            terms += [t.strip() for t in cells[0].split("/") if t.strip()]
    return terms


def configure(app, config) -> None:
    """``config-inited``: point MathJax at the bundled copy; write the search dictionary."""
    config.mathjax_path = "mathjax/tex-chtml.js"
    dictionary = Path(app.doctreedir) / "search-dict.txt"
    dictionary.parent.mkdir(parents=True, exist_ok=True)
    terms = glossary_terms(GLOSSARY.read_text(encoding="utf-8"))
    dictionary.write_text("".join(f"{t} 1000 n\n" for t in terms), encoding="utf-8")
    config.html_search_options = {**config.html_search_options, "dict": str(dictionary)}


def copy_mathjax(app, exception) -> None:
    """``build-finished``: copy the trimmed MathJax into the site."""
    if exception or app.builder.format != "html":
        return
    source = Path(find_spec("mathjax").origin).parent / "static" / "mathjax" / "es5"
    target = Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part, dirs_exist_ok=True)
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / part, target / part)


def dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    """``html-page-context``: drop the second copy of any script the page would load twice."""
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (script.filename or "", tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


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


def setup(app):
    app.connect("config-inited", configure)
    app.connect("source-read", wrap_language_cells)
    app.connect("html-page-context", dedupe_scripts, priority=900)  # after the themes
    app.connect("build-finished", copy_mathjax)
    app.connect("builder-inited", figure_languages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
