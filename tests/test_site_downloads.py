"""Run it yourself: each chapter's notebook downloads (also over file://), the site offers a
zip of every chapter notebook with the lossedu wheel, each chapter says how to run it; the
stored notebooks hold no widget state. And solutions: folded on the site, or left out."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from site_browser import CHAPTERS, ROOT, SITE

ZIP = SITE / "downloads" / "lossedu-course.zip"
NOTEBOOKS = sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.browser
@pytest.mark.parametrize("locale, note", [("en-US", "Run it yourself"),
                                          ("zh-CN", "自己动手运行")])
def test_each_chapter_says_how_to_run_it_and_its_links_download(tab, locale, note):
    t = tab(locale)
    for path in CHAPTERS:
        page = t.open(path)
        box = page.locator(".run-locally:visible")
        assert box.count() == 1 and note in box.inner_text() and "jupyter lab" in box.inner_text()
        links = box.locator("a[download]")
        targets = {(path.parent / h).resolve() for h in links.evaluate_all(
            "ls => ls.map(a => a.getAttribute('href'))")}
        assert targets == {ZIP.resolve(), SITE / "_sources" / "book" / f"{path.stem}.ipynb"}
    with page.expect_download() as download:
        box.locator("a[download]").first.click()
    assert download.value.suggested_filename == "lossedu-course.zip"


@pytest.mark.browser
def test_the_notebook_button_downloads_over_file_urls(tab):
    page = tab().open(CHAPTERS[2])
    page.click(".dropdown-download-buttons button")
    link = page.locator("a.btn-download-source-button")
    assert link.get_attribute("download") == "03_cross_entropy.ipynb"
    with page.expect_download() as download:
        link.click()
    saved = Path(download.value.path())
    assert json.loads(saved.read_text(encoding="utf-8"))["cells"]


@pytest.mark.browser
def test_the_landing_page_offers_the_course(tab):
    page = tab().open("book/intro.html")
    href = page.locator(".run-locally:visible a[download]").first.get_attribute("href")
    assert (SITE / "book" / href).resolve() == ZIP.resolve()


@pytest.mark.browser  # needs the built site, as the browser tests do
def test_the_zip_holds_every_chapter_and_the_wheel(tmp_path):
    with zipfile.ZipFile(ZIP) as archive:
        names = set(archive.namelist())
        assert {f"lossedu-course/{nb.name}" for nb in NOTEBOOKS} <= names
        assert "lossedu-course/requirements.txt" in names
        (wheel,) = [n for n in names if n.endswith(".whl")]
        archive.extract(wheel, tmp_path)
    with zipfile.ZipFile(tmp_path / wheel) as built:
        assert "lossedu/__init__.py" in built.namelist()
        assert "lossedu/exercises/__init__.py" in built.namelist()
    assert (SITE / "downloads" / Path(wheel).name).is_file()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_hold_no_widget_state(notebook):
    """Progress bars are widgets in JupyterLab; the stored chapters keep none of them."""
    data = json.loads(notebook.read_text(encoding="utf-8"))
    assert "widgets" not in data.get("metadata", {})
    for cell in data["cells"]:
        for output in cell.get("outputs", []):
            assert "application/vnd.jupyter.widget-view+json" not in output.get("data", {})


@pytest.mark.slow
def test_progress_bars_are_widgets_in_a_notebook():
    """In a Jupyter kernel (ipywidgets is in requirements.txt) `fit` draws its bars as
    widgets: JupyterLab shows a bar, not lines of text in a pink stderr box."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    code = ("import torch\nfrom lossedu import fit, mse_loss\n_ = torch.manual_seed(0)\n"
            "x = torch.randn(8, 1)\nmodel = torch.nn.Linear(1, 1)\n"
            "_ = fit(model, [(x[:4], 2 * x[:4]), (x[4:], 2 * x[4:])], mse_loss,\n"
            "        torch.optim.SGD(model.parameters(), lr=0.1), epochs=2)\n")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    outputs = notebook.cells[0].outputs
    assert [o for o in outputs if o.output_type == "stream"] == []
    bars = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(bars) == 3  # one over the epochs, one over each epoch's batches
    assert bars[0].data["text/plain"].startswith("fit:")


def solution_book(folder: Path) -> Path:
    """A one-chapter book with an exercise, its check and a solution cell, using the course's
    extension and assets."""
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "# 练习 · Exercises"},
        {"cell_type": "code", "metadata": {}, "execution_count": 1, "source":
         "def my_double(x):\n    raise NotImplementedError", "outputs": []},
        {"cell_type": "code", "metadata": {"tags": ["solution"]}, "execution_count": 2,
         "source": "def my_double(x):\n    return 2 * x  # the answer\nprint(my_double(21))",
         "outputs": [{"output_type": "stream", "name": "stdout", "text": "42\n"}]},
    ]
    notebook = {"cells": cells, "metadata": {"kernelspec": {"name": "python3",
                "display_name": "Python 3", "language": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i}"
    (folder / "book").mkdir()
    (folder / "book" / "01_exercise.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    (folder / "book" / "intro.md").write_text("# lossedu · 损失函数\n\nHello.\n", encoding="utf-8")
    (folder / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: book/01_exercise\n")
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    config = config.replace("course: book/_ext", f"course: {ROOT / 'book' / '_ext'}")
    config = config.replace("[book/_static]", f"[{ROOT / 'book' / '_static'}]")
    config = config.replace("book/_static/favicon", f"{ROOT / 'book' / '_static'}/favicon")
    (folder / "_config.yml").write_text(config, encoding="utf-8")
    return folder


def build(folder: Path, hide: bool) -> Path:
    env = {**os.environ, "LOSSEDU_HIDE_SOLUTIONS": "1" if hide else "0"}
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    subprocess.run([str(jupyter_book), "build", str(folder), "--path-output", str(folder),
                    "--all", "-n", "-W", "--keep-going", "-q"],
                   env=env, check=True, capture_output=True, timeout=600)
    return folder / "_build" / "html"


@pytest.fixture(scope="module")
def solution_sites(tmp_path_factory):
    shown = build(solution_book(tmp_path_factory.mktemp("shown")), hide=False)
    hidden_book = solution_book(tmp_path_factory.mktemp("hidden"))
    hidden = build(hidden_book, hide=True)
    yield shown, hidden
    shutil.rmtree(hidden_book, ignore_errors=True)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("locale, prompt", [("en-US", "Show solution"), ("zh-CN", "查看答案")])
def test_a_solution_is_folded_behind_a_toggle(tab, solution_sites, locale, prompt):
    shown, _ = solution_sites
    t = tab(locale)
    page = t.open(shown / "book" / "01_exercise.html")
    fold = page.locator("details.hide")
    assert fold.count() == 1 and fold.get_attribute("open") is None
    answer = fold.get_by_text("the answer")
    assert not answer.is_visible()
    summary = fold.locator("summary")
    assert summary.inner_text().strip() == prompt
    summary.click()
    assert answer.is_visible() and fold.get_by_text("42").is_visible()
    assert t.errors == []


@pytest.mark.browser
@pytest.mark.slow
def test_a_graded_build_leaves_the_solutions_out(solution_sites):
    shown, hidden = solution_sites
    assert "the answer" in (shown / "book" / "01_exercise.html").read_text(encoding="utf-8")
    page = (hidden / "book" / "01_exercise.html").read_text(encoding="utf-8")
    assert "the answer" not in page and "my_double" in page
    offered = (hidden / "_sources" / "book" / "01_exercise.ipynb").read_text(encoding="utf-8")
    assert "the answer" not in offered and "NotImplementedError" in offered
