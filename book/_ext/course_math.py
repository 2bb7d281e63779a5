"""Math as MathML, written at build time: no math script for the reader to load.

MathJax weighed 1.2 MB on every chapter page. Browsers draw MathML themselves (Chromium since
109, Firefox, Safari), so each ``$...$`` and ``$$...$$`` is converted once, here, with
latex2mathml; the TeX source stays in the ``alttext`` attribute for screen readers and copying.
"""

from html import escape

from docutils import nodes
from latex2mathml.converter import convert


def mathml(latex: str, display: str) -> str:
    """``<math>`` for one TeX formula, its source kept as ``alttext``."""
    markup = convert(latex.strip(), display=display)
    return markup.replace("<math ", f'<math alttext="{escape(latex.strip())}" ', 1)


def visit_math(self, node) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(mathml(node.astext(), "inline"))
    self.body.append("</span>")
    raise nodes.SkipNode


def visit_math_block(self, node) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    # A block may hold several formulas separated by blank lines, as Sphinx's MathJax allows.
    for part in (p for p in node.astext().split("\n\n") if p.strip()):
        self.body.append(mathml(part, "block"))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app) -> None:
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_math_block, None))
