"""Figures in both languages: one drawing function gives an English and a Chinese image.

A chapter writes the drawing once, with every label through ``t``, and shows it::

    def draw(fig, lang):
        ax = fig.subplots()
        ax.plot(p, h)
        ax.set(xlabel=t(lang, "probability", "概率"), title=t(lang, "Entropy", "熵"))

    show_figure(draw, alt={"en": "The entropy of a coin ...", "zh": "硬币的熵 ..."})

The notebook shows both PNGs, English first. Each output carries
``{"lossedu": {"lang": "en" | "zh", "alt": ...}}`` in its metadata, from which the site gives the
image the class ``lang-en`` / ``lang-zh`` (so the language toggle switches figures with the
text) and its alt text. Chinese labels are set in a Simplified Chinese font; on a machine
without one only the English figure is drawn, and nothing is written to stderr.

Sizes are chosen for a phone: an image is scaled to the page's column, 358 CSS px wide on a
390 px screen, so every text must be at least 9 CSS px there. ``show_figure`` derives the font
sizes from the figure's width and refuses a figure whose text would come out smaller.
"""

from base64 import b64encode
from io import BytesIO

from matplotlib import font_manager, rc_context
from matplotlib.figure import Figure
from matplotlib.text import Text

LANGUAGES = ("en", "zh")
# Simplified Chinese fonts, the first one installed is used: Linux, Windows, macOS.
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
             "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC")
PHONE_COLUMN_PX = 358   # the text column of the site on a 390 px wide phone
MIN_TEXT_PX = 9         # the smallest legible text there, in CSS px
CSS_PX_PER_INCH = 96    # the image is laid out at figure width × 96 CSS px on a wide screen
DPI = 192               # two image pixels per CSS px: sharp on high-density screens


def t(lang: str, en: str, zh: str) -> str:
    """The label in the figure's language: ``t(lang, "loss", "损失")``."""
    if lang not in LANGUAGES:
        raise ValueError(f"Expected `lang` to be one of {LANGUAGES}, got {lang!r}.")
    return zh if lang == "zh" else en


def chinese_font() -> str | None:
    """The name of the first Simplified Chinese font installed, or None."""
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def languages() -> tuple[str, ...]:
    """The languages a figure is drawn in here: both, or English alone without a CJK font."""
    return LANGUAGES if chinese_font() else ("en",)


def text_sizes(width: float) -> dict:
    """matplotlib font sizes (pt) for a figure ``width`` inches wide: its smallest text, the
    tick labels and legend, comes out at ``MIN_TEXT_PX`` once scaled to a phone's column."""
    small = MIN_TEXT_PX * 72 * width / PHONE_COLUMN_PX
    return {"font.size": small + 1, "axes.titlesize": small + 2, "axes.labelsize": small + 1,
            "xtick.labelsize": small, "ytick.labelsize": small, "legend.fontsize": small,
            "figure.titlesize": small + 2}


def phone_px(text: Text, width: float) -> float:
    """How tall ``text`` is on a phone, in CSS px, in a figure ``width`` inches wide."""
    return text.get_fontsize() / 72 * PHONE_COLUMN_PX / width


def render(draw, lang: str, size: tuple[float, float]) -> bytes:
    """``draw(fig, lang)`` on a new figure of ``size`` inches, returned as PNG bytes."""
    style = text_sizes(size[0])
    if lang == "zh":
        # The CJK font first; DejaVu Sans (matplotlib's own) fills any glyph it lacks.
        style |= {"font.family": "sans-serif", "font.sans-serif": [chinese_font(), "DejaVu Sans"]}
    with rc_context(style):
        fig = Figure(figsize=size, layout="constrained")
        draw(fig, lang)
        png = BytesIO()
        fig.savefig(png, format="png", dpi=DPI)
    small = [text.get_text() for text in fig.findobj(Text)
             if text.get_visible() and text.get_text() and phone_px(text, size[0]) < MIN_TEXT_PX]
    if small:
        raise ValueError(f"Text {small[:3]} of the {lang!r} figure would be under {MIN_TEXT_PX} "
                         f"CSS px on a phone: leave the font sizes to show_figure, or enlarge "
                         f"them.")
    return png.getvalue()


def show_figure(draw, alt: dict, size: tuple[float, float] = (5.0, 3.2)) -> None:
    """Display the figure ``draw(fig, lang)`` draws, once per language, with its alt text.

    Args:
        draw: a function of a ``matplotlib.figure.Figure`` and ``"en"`` or ``"zh"`` that draws
            the figure with labels in that language (use ``t``).
        alt: the alt text, ``{"en": ..., "zh": ...}``: what the figure shows, in one or two
            sentences, for a reader who cannot see it.
        size: width and height in inches (default (5.0, 3.2)). The font sizes follow the width.

    Raises:
        ValueError: when ``alt`` lacks a language, or a text is too small for a phone.
    """
    from IPython.display import display

    missing = [lang for lang in LANGUAGES if not str(alt.get(lang, "")).strip()]
    if missing:
        raise ValueError(f"`alt` needs a text for each of {LANGUAGES}; missing {missing}, "
                         f"got keys {sorted(alt)}.")
    for lang in languages():
        png = b64encode(render(draw, lang, size)).decode("ascii")
        display({"image/png": png, "text/plain": alt[lang]}, raw=True, metadata={
            "image/png": {"width": round(size[0] * CSS_PX_PER_INCH)},
            "lossedu": {"lang": lang, "alt": alt[lang]},
        })
