"""A hostile class: nothing passes that the student did not write, and nothing a submission
does reaches the grader, a classmate or the machine. Each test is one category of attack, run
through the entry points where it applies (check() in a notebook is the student's own kernel:
there, the built-in detection and never raising)."""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import lossedu
from lossedu.checker import sandbox, scan
from lossedu.checker.batch import cell, grade_folder, read_source, run_submission
from lossedu.checker.sandbox import Limits
from lossedu.exercises import EXERCISES, check

HOSTILE = Path(__file__).parent / "data" / "hostile"
SOLUTIONS = Path(__file__).parent / "data" / "submissions" / "solutions.py"
CLASS = Path("/tmp/lossedu-hostile-class")  # the attacks aim at this path
RED = {"none": 0, "mean": 1, "sum": 2}

# --- not writing the loss: every route to a built-in is named, and costs the marks -------

ROUTES = {
    "F": lambda i, t, reduction="mean": F.mse_loss(i, t, reduction=reduction),
    "getattr": lambda i, t, reduction="mean": getattr(F, "mse" + "_loss")(i, t,
                                                                        reduction=reduction),
    "Module": lambda i, t, reduction="mean": torch.nn.MSELoss(reduction=reduction)(i, t),
    "torch._C._nn": lambda i, t, reduction="mean": torch._C._nn.mse_loss(i, t, RED[reduction]),
    "torch.ops": lambda i, t, reduction="mean": torch.ops.aten.mse_loss(i, t, RED[reduction]),
    "lossedu": lambda i, t, reduction="mean": lossedu.mse_loss(i, t, reduction=reduction),
    "reference": lambda i, t, reduction="mean": EXERCISES["mse_loss"].reference(
        i, t, reduction=reduction),
}


@pytest.mark.parametrize("route", ROUTES)
def test_an_answer_that_calls_a_built_in_fails_and_the_report_names_it(route):
    report = check("mse_loss", ROUTES[route], quiet=True)
    assert report.score == 0.0
    assert {c.status for c in report.cases} == {"builtin"}
    zh, en = report.cases[0].details[0]
    assert "mse_loss" in en and "by hand" in en and "亲手" in zh


def test_a_lossedu_function_relabelled_as_the_students_own_is_still_lossedus():
    fn = lossedu.l1_loss
    saved = fn.__module__
    try:
        fn.__module__ = __name__
        report = check("l1_loss", fn, quiet=True)
    finally:
        fn.__module__ = saved
    assert report.score == 0.0 and "lossedu.regression.l1_loss" in str(report)


def test_building_blocks_stay_allowed_and_focal_loss_may_use_bce_with_logits():
    def ce(input, target, weight=None, ignore_index=-100, reduction="mean",
           label_smoothing=0.0):
        return -(input.log_softmax(1).gather(1, target.unsqueeze(1))).mean()

    report = check("cross_entropy", ce, quiet=True)
    assert "builtin" not in {c.status for c in report.cases} and report.cases[0].passed
    assert "binary_cross_entropy_with_logits" in EXERCISES["sigmoid_focal_loss"].allows


def test_what_an_exercise_forbids_beyond_the_losses_is_caught_too(monkeypatch):
    """A Python function of torch's that is no loss (clipping, for a training-step exercise)."""
    strict = replace(EXERCISES["mse_loss"], forbids=("clip_grad_norm_",))
    monkeypatch.setitem(EXERCISES, "mse_loss", strict)

    def clipped(input, target, reduction="mean"):
        torch.nn.utils.clip_grad_norm_([torch.zeros(2, requires_grad=True)], 1.0)
        return ((input - target) ** 2).mean()

    report = check("mse_loss", clipped, quiet=True)
    assert {c.status for c in report.cases} == {"builtin"}
    assert "torch.nn.utils.clip_grad.clip_grad_norm_" in str(report)


def test_reaching_for_frames_threads_or_ctypes_inside_an_answer_is_refused():
    import sys as system
    import threading

    def frames(input, target, reduction="mean"):
        system._getframe(1)
        return ((input - target) ** 2).mean()

    def thread(input, target, reduction="mean"):
        threading.Thread(target=time.sleep, args=(1,)).start()
        return ((input - target) ** 2).mean()

    report = check("mse_loss", frames, quiet=True)
    assert {c.status for c in report.cases} == {"tamper"} and "`sys._getframe`" in str(report)
    # a thread is stopped as it starts (its profile switch is refused) or caught still running
    # when the answer ends: either way the case fails, as a tamper or an error
    report = check("mse_loss", thread, quiet=True)
    assert report.score == 0 and {c.status for c in report.cases} <= {"tamper", "raised"}
    assert "tamper" in {c.status for c in report.cases}, str(report)


def test_the_source_scan_sees_computed_names_and_evasions():
    source = (HOSTILE / "builtins_hidden.py").read_text()
    assert (11, "getattr(…, <computed name>)") in scan.scan(source)
    evasive = "import gc\nx = (lambda: 0).__code__\nexec('1')\ntorch.isclose = None\n"
    assert [what for _, what in scan.scan("import torch\n" + evasive)] == [
        "import gc", ".__code__", "exec", "torch.isclose = …"]
    assert scan.builtins_in("def my(x):\n    return F.mse_loss(x, x)\n", "my",
                            {"mse_loss"}) == [(2, "mse_loss")]
    assert scan.scan("import torch\ntorch.backends.cudnn.deterministic = True\n") == []


# --- forging the verdict ----------------------------------------------------------------

def test_patching_the_comparison_or_a_lying_tensor_gains_nothing():
    def patches(input, target, reduction="mean"):
        torch.isclose = lambda *args, **kwargs: torch.tensor(True)  # in the child only

        class Liar(torch.Tensor):
            def numel(self):
                return 0

        return torch.zeros(()).as_subclass(Liar).requires_grad_()

    saved = torch.isclose
    report = check("mse_loss", patches, quiet=True)
    assert torch.isclose is saved and report.score == 0.0


def test_bytes_forged_into_the_result_pipe_are_refused():
    def forges(input, target, reduction="mean"):
        for fd in range(3, 40):
            try:
                os.write(fd, (8).to_bytes(8, "big") + b"\0" * 8)
            except OSError:
                pass
        return ((input - target) ** 2).mean()

    report = check("mse_loss", forges, quiet=True, timeout=5)
    assert not report.passed


def test_a_trickle_or_a_flood_from_the_child_meets_the_deadline_and_the_cap():
    def trickles(input, target, reduction="mean"):
        for fd in range(3, 40):
            try:
                os.write(fd, (10**6).to_bytes(8, "big"))
            except OSError:
                pass
        time.sleep(30)

    start = time.monotonic()
    report = check("mse_loss", trickles, quiet=True, timeout=2)
    assert time.monotonic() - start < 6 and not report.passed


def test_an_interrupt_sent_by_the_answer_never_escapes_check():
    def interrupts(input, target, reduction="mean"):
        os.kill(os.getppid(), signal.SIGINT)
        return ((input - target) ** 2).mean()

    report = check("mse_loss", interrupts, quiet=True)  # does not raise
    assert not report.passed


@pytest.mark.slow
def test_the_sandbox_refuses_forged_results(tmp_path):
    result = run_submission(HOSTILE / "forges.py", ["mse_loss"])
    assert not result.passed and "mse_loss" not in result.reports or \
        result.reports["mse_loss"].score == 0.0


# --- escaping the limits and hurting others (sandbox) -------------------------------------

@pytest.fixture
def hostile_class():
    shutil.rmtree(CLASS, ignore_errors=True)
    CLASS.mkdir()
    shutil.copy(SOLUTIONS, CLASS / "victim.py")
    yield CLASS
    shutil.rmtree(CLASS, ignore_errors=True)


@pytest.mark.slow
def test_a_submission_cannot_touch_classmates_the_package_or_outlive_grading(hostile_class):
    shutil.copy(HOSTILE / "escapes.py", hostile_class / "a_escapes.py")
    (hostile_class / "=HYPERLINK(1).py").write_text("def my_mse_loss(input, target):\n"
                                                   "    return input\n")
    victim = (hostile_class / "victim.py").read_bytes()
    spec = Path(lossedu.exercises.spec.__file__).read_bytes()
    out = hostile_class.parent / "lossedu-hostile-grades" / "grades.csv"
    results = grade_folder(hostile_class, out, ["mse_loss"], jobs=2)
    assert (hostile_class / "victim.py").read_bytes() == victim
    assert Path(lossedu.exercises.spec.__file__).read_bytes() == spec
    assert not (hostile_class / "torch.py").exists()
    by_name = {s.name: s for s in results}
    assert by_name["victim.py"].passed and by_name["a_escapes.py"].passed
    time.sleep(5)  # the orphan would have written by now
    assert not (hostile_class / "orphan-was-here").exists()
    rows = list(csv.reader(out.open()))
    assert ["'=HYPERLINK(1).py"] == [r[0] for r in rows if "HYPERLINK" in r[0]]
    assert all(r[2] == sandbox.isolation() for r in rows[1:])
    shutil.rmtree(out.parent)


@pytest.mark.skipif(os.geteuid() != 0, reason="sandbox uids are switched to only as root")
def test_two_graders_on_one_machine_never_share_a_sandbox_uid():
    """The watchdog counts and kills by uid: a shared one would kill a classmate's sandbox."""
    claim = "from lossedu.checker import sandbox\nwith sandbox._claim_uid() as uid: print(uid)"
    with sandbox._claim_uid() as mine, sandbox._claim_uid() as second:
        other = subprocess.run([sys.executable, "-c", claim], capture_output=True, text=True,
                               check=True, timeout=60)
        assert len({mine, second, int(other.stdout)}) == 3
    with sandbox._claim_uid() as again:  # released when the sandbox ends
        assert again == mine


@pytest.mark.slow
def test_memory_disk_and_output_floods_are_stopped_and_the_grader_keeps_a_tail():
    start = time.monotonic()
    result = run_submission(HOSTILE / "hogs.py", ["mse_loss"],
                            Limits(memory=512 * 1024**2, disk=32 * 1024**2, time_limit=60))
    assert time.monotonic() - start < 30
    assert result.status == "limit" and result.flags[0] in ("memory", "disk")
    assert len(result.output) <= sandbox.TAIL


@pytest.mark.slow
def test_a_file_written_past_the_disk_limit_is_named_even_when_the_run_ends_at_once(tmp_path):
    """The file-size limit stops the write at the limit, the write raises, and the run is over
    before the watchdog's next look: the size left on disk still names the limit."""
    submission = tmp_path / "fills.py"
    submission.write_text('with open("big.bin", "wb") as f:\n'
                          '    f.write(b"\\0" * (8 * 1024**2))\n')
    result = run_submission(submission, ["mse_loss"], Limits(disk=4 * 1024**2))
    assert (result.status, result.flags) == ("limit", ["disk"])
    assert "Wrote more than its disk limit; stopped." in [en for _, en in result.problems]


@pytest.mark.slow
def test_an_ignored_alarm_still_ends_at_the_cell_timeout():
    start = time.monotonic()
    result = run_submission(HOSTILE / "ignores_alarm.py", ["mse_loss"],
                            Limits(cell_timeout=1, time_limit=60))
    assert time.monotonic() - start < 10
    assert result.status == "timeout"


@pytest.mark.slow
def test_a_patched_comparison_in_a_sandboxed_file_gains_nothing():
    result = run_submission(HOSTILE / "patches.py", ["mse_loss"])
    report = result.reports["mse_loss"]
    assert report.score == 0.0 and "tamper" in result.flags  # the scan names the patch


# --- small ones ---------------------------------------------------------------------------

def test_a_broken_notebook_is_named_as_such(tmp_path):
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": [\n  {"cell_type": "code",\n')
    sources, why = read_source(broken)
    assert sources is None and why.startswith("JSON error at line 3")
    result = run_submission(broken, ["mse_loss"])
    assert result.status == "invalid"
    assert result.problems[0][1].startswith("Not a valid notebook or file (JSON error at line")


def test_csv_cells_that_would_be_formulas_are_quoted():
    assert [cell(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "alice.py")] == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "alice.py"]


@pytest.mark.slow
def test_grade_help_documents_every_option_in_a_line():
    run = subprocess.run([sys.executable, "-m", "lossedu", "grade", "--help"],
                         capture_output=True, text=True, cwd=Path(__file__).parents[1])
    for option in ("--out", "--jobs", "--feedback", "--exercise", "--timeout", "--cell-timeout",
                   "--time-limit", "--memory", "--disk", "--allow-builtins"):
        assert option in run.stdout


@pytest.mark.slow
def test_allow_builtins_grades_an_open_book_answer_and_feedback_is_written(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "open_book.py").write_text(
        "import torch.nn.functional as F\n\n"
        "def my_mse_loss(input, target, reduction='mean'):\n"
        "    return F.mse_loss(input, target, reduction=reduction)\n")
    shutil.copy(SOLUTIONS, folder / "scratch.py")
    strict = grade_folder(folder, tmp_path / "strict.csv", ["mse_loss"])
    assert [s.reports["mse_loss"].score for s in strict] == [0.0, 1.0]
    assert strict[0].flags == ["builtin"]
    open_book = grade_folder(folder, tmp_path / "open.csv", ["mse_loss"], allow_builtins=True)
    assert [s.reports["mse_loss"].score for s in open_book] == [1.0, 1.0]
    from lossedu.checker.feedback import write_feedback

    index = write_feedback(strict, tmp_path / "feedback")
    page = index.read_text()
    assert "<svg" in page and "open_book.py.html" in page and "Pass rate per exercise" in page
    student = (tmp_path / "feedback" / "open_book.py.html").read_text()
    assert "by hand" in student and "亲手" in student
    data = json.loads((tmp_path / "strict.json").read_text())
    assert data["submissions"][0]["flags"] == ["builtin"]


@pytest.mark.slow
def test_without_bubblewrap_the_fallback_still_grades_and_says_so(monkeypatch):
    monkeypatch.setattr(sandbox.isolation, "cached", "fallback", raising=False)
    result = run_submission(SOLUTIONS, ["mse_loss"])
    assert result.passed and result.isolation.startswith("fallback")
    start = time.monotonic()
    result = run_submission(HOSTILE / "ignores_alarm.py", ["mse_loss"],
                            Limits(cell_timeout=1, time_limit=60))
    assert result.status == "timeout" and time.monotonic() - start < 10
