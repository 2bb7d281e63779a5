"""Structure checks of the book: each returns a list of problems, every one naming the file
and, for notebooks, the cell. tests/test_book.py runs them on the real book and on broken
examples."""

import json
import re
import unicodedata
from pathlib import Path

import yaml

LANGS = ("lang-en", "lang-zh")
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
HEADING = re.compile(r"^#{1,6} ")
CONTAINER = re.compile(r"^:{3,}\{container\} (lang-en|lang-zh)\s*$", re.M)
LOCAL_PATH = re.compile(r"(/home/|/root/|/tmp/|/work/|/Users/|[A-Z]:\\\\)")
ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
TIMING = re.compile(r"(\b(Wall|CPU) times?\b|\d+(\.\d+)?\s*(ms|µs|us|ns|s) ± |\bit/s\b|s/it\b)")
IGNORE_OUTPUT = "nbval-ignore-output"
# The column on the site at 1280 px, in display columns: code, printed output.
CODE_COLUMNS = 77
OUTPUT_COLUMNS = 85


def toc_files(toc_path: Path) -> list[str]:
    """Every `file:` of the table of contents, the root included, without suffix."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc.get("parts", toc.get("chapters", [])))
    return files


def check_toc(root: Path) -> list[str]:
    """Every notebook under book/ is in _toc.yml, and every entry exists."""
    listed = toc_files(root / "_toc.yml")
    problems = [
        f"_toc.yml lists {entry!r}, but neither {entry}.ipynb nor {entry}.md exists"
        for entry in listed
        if not any((root / f"{entry}{suffix}").exists() for suffix in (".ipynb", ".md"))
    ]
    for notebook in notebooks(root / "book"):
        entry = notebook.relative_to(root).with_suffix("").as_posix()
        if entry not in listed:
            problems.append(f"{notebook.relative_to(root)} is not listed in _toc.yml")
    return problems


def notebooks(book: Path) -> list[Path]:
    """The chapter notebooks: every .ipynb under book/, checkpoints aside."""
    return sorted(p for p in book.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def cell_language(cell: dict) -> str | None:
    tags = cell.get("metadata", {}).get("tags", [])
    return next((t for t in tags if t in LANGS), None)


def bilingual_heading(line: str) -> bool:
    """``## 交叉熵 · Cross-entropy``: a Chinese and a Latin part around one ' · '."""
    parts = HEADING.sub("", line).split(" · ")
    return len(parts) == 2 and {bool(CJK.search(p)) for p in parts} == {True, False} and any(
        LATIN.search(p) for p in parts
    )


def is_chinese(cell: dict) -> bool:
    return bool(CJK.search("".join(cell["source"])))


def check_languages(path: Path, cells: list[dict]) -> list[str]:
    """Prose comes in adjacent lang-en / lang-zh pairs; untagged Markdown holds only
    bilingual headings; tagged cells hold no headings."""
    problems = []
    i = 0
    while i < len(cells):
        cell = cells[i]
        if cell["cell_type"] != "markdown":
            i += 1
            continue
        text = "".join(cell["source"])
        lang = cell_language(cell)
        if lang is None:
            for line in text.splitlines():
                if line.strip() and not (HEADING.match(line) and bilingual_heading(line)):
                    problems.append(
                        f"{path} cell {i}: untagged Markdown must be a bilingual heading "
                        f"('## 中文 · English'); tag prose cells lang-en / lang-zh: {line[:60]!r}"
                    )
            i += 1
            continue
        if any(HEADING.match(line) for line in text.splitlines()):
            problems.append(f"{path} cell {i}: a heading inside a {lang} cell (headings go in "
                            f"an untagged cell, in both languages)")
        other = cells[i + 1] if i + 1 < len(cells) else None
        if other is None or cell_language(other) not in LANGS or cell_language(other) == lang:
            problems.append(f"{path} cell {i}: {lang} prose has no translation in the next cell")
            i += 1
            continue
        problems += [
            f"{path} cell {j}: {cell_language(cells[j])} prose written in the wrong language"
            for j in (i, i + 1)
            if (cell_language(cells[j]) == "lang-zh") != is_chinese(cells[j])
        ]
        i += 2
    return problems


def check_markdown_languages(path: Path) -> list[str]:
    """A Markdown page's lang-en and lang-zh containers come in pairs."""
    found = CONTAINER.findall(path.read_text(encoding="utf-8"))
    pairs = list(zip(found[::2], found[1::2], strict=False))
    if len(found) % 2 or any(set(pair) != set(LANGS) for pair in pairs):
        return [f"{path}: lang-en / lang-zh containers do not come in pairs: {found}"]
    return []


def output_text(output: dict) -> str:
    text = output.get("text") or output.get("data", {}).get("text/plain") or ""
    return "".join(text) if isinstance(text, list) else text


def check_outputs(path: Path, cells: list[dict]) -> list[str]:
    """Stored executed, top to bottom in one run; no path, address, timing or stderr."""
    problems = []
    expected_count = 1
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code" or not "".join(cell["source"]).strip():
            continue
        if cell.get("execution_count") != expected_count:
            problems.append(
                f"{path} cell {i}: execution count {cell.get('execution_count')}, expected "
                f"{expected_count} (store the notebook run from top to bottom in one go)"
            )
        expected_count = (cell.get("execution_count") or expected_count) + 1
        ignored = IGNORE_OUTPUT in cell.get("metadata", {}).get("tags", [])
        for output in cell.get("outputs", []):
            text = output_text(output)
            if output.get("output_type") == "error":
                problems.append(f"{path} cell {i}: stored an error ({output.get('ename')})")
            if output.get("name") == "stderr" and not ignored:
                problems.append(f"{path} cell {i}: stderr in the output: {text[:80]!r}")
            for what, pattern in (("a local path", LOCAL_PATH), ("a memory address", ADDRESS)):
                if pattern.search(text):
                    problems.append(f"{path} cell {i}: {what} in the output: {text[:80]!r}")
            if not ignored and TIMING.search(text):
                problems.append(f"{path} cell {i}: a timing in the output: {text[:80]!r}")
    return problems


def display_width(line: str) -> int:
    """Columns a line takes in a monospace font: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def shown_text(output: dict) -> str:
    """What the site prints of an output: a stream, or a result's text/plain when it has
    no image or HTML (a figure's text/plain is its alt text, not shown)."""
    data = output.get("data", {})
    if "image/png" in data or "text/html" in data:
        return ""
    return output_text(output)


def check_line_widths(path: Path) -> list[str]:
    """Every code line within CODE_COLUMNS and every printed line within OUTPUT_COLUMNS
    display columns (a wide CJK character counts two), so nothing scrolls sideways."""
    problems = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        where = f"{path} cell {cell.get('id')}"
        for n, line in enumerate("".join(cell["source"]).splitlines(), 1):
            if display_width(line) > CODE_COLUMNS:
                problems.append(f"{where} code line {n}: {display_width(line)} columns "
                                f"(at most {CODE_COLUMNS}): {line[:60]!r}")
        for output in cell.get("outputs", []):
            for n, line in enumerate(shown_text(output).splitlines(), 1):
                if display_width(line) > OUTPUT_COLUMNS:
                    problems.append(f"{where} output line {n}: {display_width(line)} "
                                    f"columns (at most {OUTPUT_COLUMNS}): {line[:60]!r}")
    return problems


def check_imports_lossedu(path: Path, cells: list[dict]) -> list[str]:
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    if not re.search(r"^\s*(import lossedu|from lossedu\b)", code, re.M):
        return [f"{path}: no code cell imports lossedu"]
    return []


def check_notebook(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return (
        check_languages(path, cells)
        + check_outputs(path, cells)
        + check_imports_lossedu(path, cells)
    )
