"""What every chapter says besides its own content.

"Run it yourself": a short note in both languages under each chapter's title (and on the
landing page) links the course download (every notebook and the lossedu wheel, see
``course_downloads``) and the chapter's notebook, and says how to open it in JupyterLab.
"""

import course_downloads

RUN_LOCALLY = {
    "en": (
        "**Run it yourself.** Download {course} (every chapter notebook, the `lossedu` wheel "
        "and `requirements.txt`){notebook}, unzip it, then in a terminal: "
        "`pip install -r requirements.txt {wheel}` and `jupyter lab{file}`."
    ),
    "zh": (
        "**自己动手运行。** 下载{course}（各章笔记本、`lossedu` 的 wheel 安装包和 "
        "`requirements.txt`）{notebook}，解压后在终端里运行 "
        "`pip install -r requirements.txt {wheel}`，再用 `jupyter lab{file}` 打开。"
    ),
}
LINKS = {
    "en": ("the course", ", or just this chapter's notebook"),
    "zh": ("整套课程", "，或只下载本章笔记本"),
}


def _link(href: str, text: str) -> str:
    return f'<a class="reference external" href="{href}" download>{text}</a>'


def run_locally_markdown(docname: str) -> str:
    """The note, as two MyST containers (one per language), for the page ``docname``."""
    up = "../" * docname.count("/")
    chapter = docname.rpartition("/")[2]
    is_chapter = chapter[:2].isdigit()
    blocks = []
    for lang, text in RUN_LOCALLY.items():
        course, notebook = LINKS[lang]
        notebook_link = _link(f"{up}_sources/{docname}.ipynb", notebook.lstrip("，, "))
        prefix = notebook[: len(notebook) - len(notebook.lstrip("，, "))]
        body = text.format(
            course=_link(f"{up}{course_downloads.ZIP_PATH}", course),
            notebook=f"{prefix}{notebook_link}" if is_chapter else "",
            wheel=course_downloads.wheel_name(),
            file=f" {chapter}.ipynb" if is_chapter else "",
        )
        blocks.append(f"::::::{{container}} lang-{lang} run-locally\n{body}\n::::::\n")
    return "\n".join(blocks)


def run_locally_cell(docname: str) -> dict:
    """The note as a Markdown cell of a notebook."""
    return {"cell_type": "markdown", "id": "run-locally", "metadata": {},
            "source": run_locally_markdown(docname)}
