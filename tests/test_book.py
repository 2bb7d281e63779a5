"""The book's structure: table of contents, both languages, stored outputs, lossedu imports."""

import json
from pathlib import Path

import nbformat
import pytest
from book_checks import (
    check_line_widths,
    check_markdown_languages,
    check_notebook,
    check_toc,
    notebooks,
    shown_text,
)

ROOT = Path(__file__).parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = notebooks(BOOK)
PAGES = sorted(p for p in BOOK.glob("*.md"))


def test_toc_matches_the_notebooks():
    assert check_toc(ROOT) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_structure(path):
    problems = check_notebook(path.relative_to(ROOT))
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_and_output_fit_the_column(path):
    problems = check_line_widths(path.relative_to(ROOT))
    assert problems == [], "\n".join(problems)


# The results the tutorials behind the course print, for the same inputs: each chapter
# prints every one of its own (nbval keeps the stored outputs equal to what the code prints).
# A tensor printed over several lines is matched with its whitespace collapsed.
REPRODUCED = {
    "01_what_is_a_loss": ["tensor(0.6667)", "tensor(2.)", "tensor([1., 0., 1.])"],
    "02_information": ["0.6931"],
    "03_cross_entropy": [
        "tensor(1.2398)", "tensor([1.3133, 0.1269, 0.1269])", "tensor(1.5671)",
        "tensor(0.5224)", "1.3132617", "tensor([1.3133, 0.2539, 0.2539])", "tensor(1.8210)",
        "tensor(0.3642)", "tensor([-1., -3., -3.])", "tensor(-7.)", "tensor(-2.3333)",
        "tensor([[0.7311, 0.8808], [0.8808, 0.8808], [0.9526, 0.9820], [0.9820, 0.9933]])",
        "tensor([[0.3133, 2.1269], [0.1269, 2.1269], [3.0486, 0.0181], [4.0181, 0.0067]])",
        "tensor(11.7856)", "tensor(1.4732)", "0.31326166",
        "tensor([[0.9398, 2.1269], [0.3808, 2.1269], [3.0486, 0.0544], [4.0181, 0.0201]])",
        "tensor(12.7158)", "tensor(1.5895)", "tensor([[0.3006, 0.3322, 0.3672]])",
        "tensor(1.1019)", "tensor(0.7531)", "tensor(0.4688)", "tensor(0.5128)",
    ],
    "04_regression": ["tensor(0.6667)", "tensor(0.3333)", "tensor(1.3333)", "tensor(0.2500)",
                      "tensor(0.5000)"],
}


@pytest.mark.parametrize("name", REPRODUCED)
def test_each_chapter_prints_the_results_it_reproduces(name):
    notebook = nbformat.read(BOOK / f"{name}.ipynb", as_version=4)
    printed = " ".join(" ".join(shown_text(output) for cell in notebook.cells
                                for output in cell.get("outputs", [])).split())
    assert [want for want in REPRODUCED[name] if want not in printed] == []


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_markdown_pages_are_bilingual(path):
    assert check_markdown_languages(path) == []


# The checks themselves, on broken books.


def write_notebook(path: Path, cells: list) -> Path:
    nb = nbformat.v4.new_notebook(cells=cells)
    nbformat.write(nb, path)
    return path


def en(text):
    return nbformat.v4.new_markdown_cell(text, metadata={"tags": ["lang-en"]})


def zh(text):
    return nbformat.v4.new_markdown_cell(text, metadata={"tags": ["lang-zh"]})


def code(source, count, outputs=()):
    cell = nbformat.v4.new_code_cell(source, execution_count=count)
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    return cell


def stream(text, name="stdout"):
    return {"output_type": "stream", "name": name, "text": text}


GOOD = [
    nbformat.v4.new_markdown_cell("# 损失 · Loss"),
    en("A loss is a number."),
    zh("损失是一个数。"),
    code("import lossedu\nprint(1)", 1, [stream("1\n")]),
]


def test_a_good_notebook_passes(tmp_path):
    assert check_notebook(write_notebook(tmp_path / "good.ipynb", GOOD)) == []


def test_a_missing_translation_names_file_and_cell(tmp_path):
    path = write_notebook(tmp_path / "one.ipynb", [GOOD[0], GOOD[1], GOOD[3]])
    assert check_notebook(path) == [f"{path} cell 1: lang-en prose has no translation in the "
                                    f"next cell"]


def test_untagged_prose_and_english_only_headings_fail(tmp_path):
    cells = [nbformat.v4.new_markdown_cell("# Loss\n\nSome prose."), *GOOD[1:]]
    problems = check_notebook(write_notebook(tmp_path / "untagged.ipynb", cells))
    assert len(problems) == 2 and all("untagged.ipynb cell 0" in p for p in problems)


def test_prose_in_the_wrong_language_fails(tmp_path):
    cells = [GOOD[0], en("A loss."), zh("Also English."), GOOD[3]]
    problems = check_notebook(write_notebook(tmp_path / "wrong.ipynb", cells))
    assert problems == [f"{tmp_path / 'wrong.ipynb'} cell 2: lang-zh prose written in the "
                        f"wrong language"]


def test_unexecuted_cells_fail(tmp_path):
    cells = [*GOOD[:3], code("import lossedu", None)]
    problems = check_notebook(write_notebook(tmp_path / "unrun.ipynb", cells))
    assert problems and "unrun.ipynb cell 3: execution count None" in problems[0]


@pytest.mark.parametrize(
    "output, what",
    [
        (stream("saved to /home/ana/out.txt\n"), "a local path"),
        (stream("<object at 0x7f3a2b1c9d00>\n"), "a memory address"),
        (stream("CPU times: user 3 ms\n"), "a timing"),
        (stream("UserWarning: careful\n", name="stderr"), "stderr"),
    ],
)
def test_unstable_outputs_fail(tmp_path, output, what):
    cells = [*GOOD[:3], code("import lossedu", 1, [output])]
    problems = check_notebook(write_notebook(tmp_path / "unstable.ipynb", cells))
    assert any(what in p and "unstable.ipynb cell 3" in p for p in problems), problems


def test_a_chapter_must_import_lossedu(tmp_path):
    cells = [*GOOD[:3], code("import torch", 1)]
    problems = check_notebook(write_notebook(tmp_path / "noimport.ipynb", cells))
    assert problems == [f"{tmp_path / 'noimport.ipynb'}: no code cell imports lossedu"]


def test_a_line_too_wide_names_notebook_cell_and_line(tmp_path):
    cells = [*GOOD[:3], code("import lossedu\n" + "x" * 78, 1, [stream("好" * 43 + "\n")]),
             code("import lossedu", 2, [stream("好" * 42 + "a\n")])]
    path = write_notebook(tmp_path / "wide.ipynb", cells)
    problems = check_line_widths(path)
    assert len(problems) == 2, problems
    assert problems[0].startswith(f"{path} cell ") and " code line 2: 78 columns" in problems[0]
    assert " output line 1: 86 columns" in problems[1]


def test_toc_and_notebooks_must_agree(tmp_path):
    (tmp_path / "book").mkdir()
    write_notebook(tmp_path / "book" / "listed.ipynb", GOOD)
    write_notebook(tmp_path / "book" / "stray.ipynb", GOOD)
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/listed\nchapters:\n  - file: book/missing\n"
    )
    assert check_toc(tmp_path) == [
        "_toc.yml lists 'book/missing', but neither book/missing.ipynb nor book/missing.md exists",
        "book/stray.ipynb is not listed in _toc.yml",
    ]


def test_markdown_page_with_one_language_fails(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(":::{container} lang-en\nHello\n:::\n", encoding="utf-8")
    assert check_markdown_languages(page) == [
        f"{page}: lang-en / lang-zh containers do not come in pairs: ['lang-en']"
    ]


def test_stored_notebooks_are_valid_json():
    for path in NOTEBOOKS:
        assert json.loads(path.read_text(encoding="utf-8"))["nbformat"] == 4, path
