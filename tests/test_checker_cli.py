"""The checker from a shell (a notebook run through nbclient, a .py file, a class folder) and
in IPython (each report shown once, as HTML with the text beside)."""

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from lossedu.checker.batch import run_submission
from lossedu.checker.sandbox import Limits

SUBMISSIONS = Path(__file__).parent / "data" / "submissions"
ROOT = Path(__file__).parents[1]


def lossedu_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lossedu", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=300)


@pytest.mark.slow
def test_check_a_notebook_grades_what_it_defines_and_notes_the_failing_cell():
    run = lossedu_cli("check", str(SUBMISSIONS / "sample.ipynb"))
    assert run.returncode == 1, run.stdout + run.stderr  # cross_entropy fails
    out = run.stdout
    assert out.startswith("sample.ipynb  [bubblewrap]\n")
    assert "mse_loss：6/6 例通过 · 6/6 cases passed" in out
    assert "kl_div：9/9 例通过 · 9/9 cases passed" in out
    assert "cross_entropy：14/15 例通过 · 14/15 cases passed" in out
    assert "The naive softmax overflows" in out
    assert "Code cell 6 raised NameError: name 'scratch' is not defined" in out


@pytest.mark.slow
def test_check_a_py_file_as_json_exits_0_when_every_exercise_found_passes():
    run = lossedu_cli("check", str(SUBMISSIONS / "solutions.py"), "--json",
                      "--exercise", "mse_loss", "--exercise", "ctc_loss")
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout)
    assert result["status"] == "ok" and result["passed"] is True
    assert result["found"] == {"mse_loss": "my_mse_loss", "ctc_loss": "my_ctc_loss"}
    assert [r["score"] for r in result["reports"].values()] == [1.0, 1.0]


@pytest.mark.slow
def test_an_interpreter_named_by_a_relative_path_runs_in_the_box(tmp_path):
    """`../.venv/bin/python -m lossedu check` from book/: its path climbs through a folder
    that the sandbox does not mount (it once exited 127 there)."""
    here = tmp_path / "book"
    here.mkdir()
    python = os.path.relpath(sys.executable, here)
    assert python.startswith("..")
    run = subprocess.run([python, "-m", "lossedu", "check", str(SUBMISSIONS / "solutions.py"),
                          "--exercise", "mse_loss"], cwd=here, text=True,
                         capture_output=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "6/6 cases passed" in run.stdout


@pytest.mark.slow
def test_grade_a_class_records_every_submission_and_goes_on(tmp_path):
    out = tmp_path / "grades" / "grades.csv"
    run = lossedu_cli("grade", str(SUBMISSIONS / "class"), "--out", str(out), "--jobs", "2",
                      "--timeout", "1")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "5 submissions (1 crashed, 1 no answers, 3 ok)" in run.stdout
    with open(out, newline="") as file:
        rows = list(csv.reader(file))
    assert rows == [
        ["submission", "status", "isolation", "mse_loss", "l1_loss", "total", "flags",
         "problems"],
        ["alice.ipynb", "ok", "bubblewrap", "1.00", "1.00", "2.00", "", ""],
        ["bob.py", "ok", "bubblewrap", "1.00", "0.00", "1.00", "", ""],  # l1 without abs
        ["carol.py", "ok", "bubblewrap", "0.00", "1.00", "1.00", "timeout", ""],  # mse hangs
        ["dave.py", "no answers", "bubblewrap", "", "", "0.00", "", rows[4][7]],  # no parse
        ["erin.py", "crashed", "bubblewrap", "", "", "0.00", "died",  # os._exit(3)
         "运行提交的进程意外结束。（exit code 3） / The process running the submission ended "
         "abruptly. (exit code 3)"],
    ]
    assert "SyntaxError" in rows[4][7]
    details = {s["submission"]: s for s in json.loads(out.with_suffix(".json").read_text())[
        "submissions"]}
    assert details["bob.py"]["found"]["l1_loss"] == "my_l1"
    bob_l1 = details["bob.py"]["reports"]["l1_loss"]["cases"][0]
    assert "absolute value is missing" in bob_l1["hint"][1]
    assert details["carol.py"]["reports"]["mse_loss"]["cases"][0]["status"] == "timeout"
    assert "SyntaxError" in details["dave.py"]["problems"][0][1]
    assert details["erin.py"]["problems"] == [[
        "运行提交的进程意外结束。（exit code 3）",
        "The process running the submission ended abruptly. (exit code 3)"]]


@pytest.mark.slow
def test_a_top_level_loop_is_stopped_and_what_came_before_is_graded():
    result = run_submission(SUBMISSIONS / "top_level_loop.py", ["mse_loss"],
                            Limits(cell_timeout=1))
    assert result.status == "ok" and result.passed
    assert result.problems == [("文件顶层运行超过 1 秒，已中断。",
                                "The file's top level ran for over 1 s and was stopped.")]


@pytest.mark.slow
def test_a_submission_that_never_ends_is_killed_at_the_time_limit():
    start = time.monotonic()
    result = run_submission(SUBMISSIONS / "never_ends.py", ["mse_loss"],
                            Limits(cell_timeout=1, time_limit=3))
    assert time.monotonic() - start < 10
    assert result.status == "timeout" and not result.reports
    assert result.problems == [("超过时间限制，已终止。", "Over its time limit; stopped.")]


@pytest.mark.slow
def test_an_answer_handed_to_check_is_found_whatever_its_name():
    result = run_submission(SUBMISSIONS / "any_name.py", ["mse_loss", "l1_loss"])
    assert result.status == "ok" and result.problems == []
    assert result.found == {"mse_loss": "squared_error"}  # not lossedu's l1_loss
    assert result.reports["mse_loss"].passed


@pytest.mark.slow
def test_in_a_notebook_too_an_answer_handed_to_check_is_found(tmp_path):
    source = (SUBMISSIONS / "any_name.py").read_text()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nbformat.write(notebook, tmp_path / "any_name.ipynb")
    result = run_submission(tmp_path / "any_name.ipynb", ["mse_loss", "l1_loss"])
    assert result.status == "ok" and result.problems == []
    assert result.found == {"mse_loss": "squared_error"}


def test_in_ipython_a_report_is_shown_once_as_html_with_text(tmp_path):
    interactiveshell = pytest.importorskip("IPython.core.interactiveshell")
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    shell = interactiveshell.InteractiveShell.instance(config=config)
    published = []
    shell.display_pub.publish = lambda data, *args, **kwargs: published.append(data)
    try:
        shell.run_cell("from lossedu import check\n"
                       "def stub(input, target, reduction='mean'):\n    ...", store_history=True)
        shell.run_cell("check('mse_loss', stub)", store_history=True)  # the cell's last value
        assert [sorted(data) for data in published] == [["text/html", "text/plain"]]
        assert published[0]["text/plain"] == "mse_loss：尚未作答 · not attempted yet"
        shell.run_cell("report = check('mse_loss', stub)", store_history=True)
        shell.run_cell("report", store_history=True)  # shown again when asked, in a later cell
        assert len(published) == 3
    finally:
        interactiveshell.InteractiveShell.clear_instance()


@pytest.mark.slow
def test_a_progress_bar_drawn_before_the_answer_leaves_no_thread_behind(tmp_path):
    """tqdm's monitor thread, started by a chapter's training run, would fail every case."""
    submission = tmp_path / "trained_first.py"
    submission.write_text(
        "import time\nfrom tqdm.auto import tqdm\n"
        "for _ in tqdm(range(3)):\n    time.sleep(0.01)\n\n"
        "def my_mse_loss(input, target, reduction='mean'):\n"
        "    squared_error = (input - target) ** 2\n"
        "    if reduction == 'mean':\n        return squared_error.mean()\n"
        "    if reduction == 'sum':\n        return squared_error.sum()\n"
        "    return squared_error\n")
    result = run_submission(submission, ["mse_loss"])
    assert "tamper" not in result.flags, result.flags
    assert result.reports["mse_loss"].score == 1.0
