"""Exercise solutions: code cells tagged ``solution``, after each exercise's check cell.

The site folds each one (input and output) behind "查看答案 · Show solution" (lang.js keeps
the reader's language). ``LOSSEDU_HIDE_SOLUTIONS=1`` builds a site for a graded class: the
solution cells are left out of the pages, of the notebooks offered for download and of the zip.
"""

import json
import os

TAG = "solution"
PROMPTS = {"code_prompt_show": "查看答案 · Show solution",
           "code_prompt_hide": "收起答案 · Hide solution"}


def hidden() -> bool:
    """Whether this build leaves the solutions out."""
    return os.environ.get("LOSSEDU_HIDE_SOLUTIONS", "") not in ("", "0")


def is_solution(cell: dict) -> bool:
    return cell["cell_type"] == "code" and TAG in cell.get("metadata", {}).get("tags", [])


def fold(cell: dict) -> dict:
    """A solution cell folded behind the toggle (myst-nb's ``hide-cell``, our prompts)."""
    metadata = cell["metadata"]
    metadata["tags"] = [*metadata["tags"], "hide-cell"]
    metadata["mystnb"] = {**metadata.get("mystnb", {}), **PROMPTS}
    return cell


def shipped(text: str) -> str:
    """A notebook's JSON as the site offers it: without solutions when they are hidden."""
    if not hidden():
        return text
    notebook = json.loads(text)
    notebook["cells"] = [cell for cell in notebook["cells"] if not is_solution(cell)]
    return json.dumps(notebook, ensure_ascii=False, indent=1) + "\n"


def name_toggles_by_their_text(app, pagename, templatename, context, doctree) -> None:
    """``html-page-context``: myst-nb labels each fold "Toggle hidden content", which a screen
    reader announces instead of the visible "查看答案 · Show solution" (axe's
    label-content-name-mismatch); the summary's own text is its name."""
    if "body" in context:
        context["body"] = context["body"].replace(
            '<summary aria-label="Toggle hidden content">', "<summary>")
