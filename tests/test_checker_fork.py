"""Hostile submissions: whatever the code does, check() returns a report that says what
happened, in time, and the caller is untouched."""

import os
import sys
import time

import pytest
import torch

from lossedu.checker import fork
from lossedu.exercises import check


def _reduce(loss, reduction):
    return {"mean": loss.mean, "sum": loss.sum}.get(reduction, lambda: loss)()


def right_mse(input, target, reduction="mean"):
    return _reduce((input - target) ** 2, reduction)


def first_failure(report):
    return next(case for case in report.cases if not case.passed)


def test_an_exception_is_reported_with_the_line_of_the_submission_that_raised():
    def raises(input, target, reduction="mean"):
        squared = (input - target) ** 2
        return squared.mean(dim=1)  # as if every input were (N, D)

    case = first_failure(check("mse_loss", raises, quiet=True))
    assert case.status == "raised" and case.short == ("抛出 IndexError", "raised IndexError")
    assert case.details[0][1].startswith("IndexError: Dimension out of range")
    line = raises.__code__.co_firstlineno + 2
    assert case.details[1][1] == (f"where: line {line}, in raises: return squared.mean(dim=1) "
                                  f"# as if every input were (N, D)")
    assert "another number of dimensions" in case.hint[1]


def test_an_index_error_on_ignored_targets_is_explained():
    def gathers_everything(input, target, weight=None, ignore_index=-100, reduction="mean",
                           label_smoothing=0.0):
        log_q = torch.log_softmax(input, 1)
        return _reduce(-log_q.gather(1, target.unsqueeze(1)), reduction)

    report = check("cross_entropy", gathers_everything, quiet=True)
    case = next(c for c in report.cases if c.label == "ignore_index=-100")
    assert case.status == "raised" and "ignore_index" in case.hint[1], str(report)


def test_a_missing_argument_is_named_with_the_signature_to_write():
    def no_smoothing(input, target, weight=None, ignore_index=-100, reduction="mean"):
        log_q = torch.log_softmax(input, 1)
        return _reduce(-log_q.gather(1, target.unsqueeze(1)), reduction)

    report = check("cross_entropy", no_smoothing, quiet=True)
    case = next(c for c in report.cases if c.label == "label_smoothing=0.1")
    assert case.label == "label_smoothing=0.1" and case.status == "raised"
    assert "no `label_smoothing` argument" in case.hint[1]
    assert "label_smoothing=0.0)" in case.hint[1]  # torch's signature, in full


def test_an_endless_loop_is_stopped_at_the_timeout_and_the_rest_is_not_run():
    def loops(input, target, reduction="mean"):
        while True:
            pass

    start = time.monotonic()
    report = check("mse_loss", loops, timeout=1, quiet=True)
    assert time.monotonic() - start < 5
    assert [c.status for c in report.cases] == ["timeout"] + ["not_run"] * 5
    assert "Still running after 1 s" in str(report)
    assert "endless loop" in report.cases[0].hint[1]


def test_a_slow_case_uses_up_the_time_of_the_later_ones():
    def slow_on_sums(input, target, reduction="mean"):
        if reduction == "sum":
            time.sleep(30)
        return right_mse(input, target, reduction)

    report = check("mse_loss", slow_on_sums, timeout=1.5, quiet=True)
    assert [c.status for c in report.cases[:4]] == ["passed", "passed", "timeout", "not_run"]


def returns_input(input, target, reduction="mean"):
    return (input - target) ** 2  # never reduced


def keeps_dim(input, target, reduction="mean"):
    return _reduce((input - target) ** 2, reduction).reshape(1) if reduction != "none" else \
        (input - target) ** 2


def as_float32(input, target, reduction="mean"):
    return right_mse(input.float(), target.float(), reduction)


def gives_nan(input, target, reduction="mean"):
    return right_mse(input, target, reduction) * float("nan")


def gives_tuple(input, target, reduction="mean"):
    return right_mse(input, target, reduction), "done"


def gives_numpy(input, target, reduction="mean"):
    return right_mse(input, target, reduction).detach().numpy()


def gives_number(input, target, reduction="mean"):
    return right_mse(input, target, reduction).tolist()


def gives_none(input, target, reduction="mean"):
    right_mse(input, target, reduction)


BAD_OUTPUTS = [
    (gives_none, "none", "Is the `return` statement missing?"),
    (returns_input, "shape", "Nothing was reduced: reduction='mean' asks for the mean"),
    (keeps_dim, "shape", "Return a scalar, a 0-dim tensor"),
    (as_float32, "dtype", "Keep the input's dtype"),
    (gives_nan, "nan", "nan and inf usually come from log(0)"),
    (gives_tuple, "other", None),
    (gives_numpy, "other", "A result computed in numpy has no gradient"),
    (gives_number, "number", "Drop `.item()`"),
]


@pytest.mark.parametrize(("fn", "status", "hint"), BAD_OUTPUTS,
                         ids=[fn.__name__ for fn, _, _ in BAD_OUTPUTS])
def test_a_wrong_kind_of_output_is_named(fn, status, hint):
    report = check("mse_loss", fn, quiet=True)
    case = first_failure(report)
    assert case.status == status, str(report)
    assert (case.hint is None) if hint is None else hint in case.hint[1]


def test_the_wrong_shape_and_dtype_are_spelled_out():
    report = check("mse_loss", keeps_dim, quiet=True)
    assert first_failure(report).details == [("期望形状 ()，得到 (1,)。",
                                              "Expected shape (), got (1,).")]
    report = check("mse_loss", as_float32, quiet=True)
    assert first_failure(report).details[0][1] == (
        "Expected dtype float64 (the input's), got float32.")


def test_a_detached_result_fails_with_the_reason():
    def detached(input, target, reduction="mean"):
        return right_mse(input, target, reduction).detach()

    report = check("mse_loss", detached, quiet=True)
    assert all(c.status == "detached" for c in report.cases)
    assert "off the autograd graph" in report.cases[0].details[0][1]


def test_printing_is_counted_and_never_shown(capfd):
    def chatty(input, target, reduction="mean"):
        for i in range(100):
            print("debug", i)
        print("warning", file=sys.stderr)
        os.write(1, b"straight to the file descriptor\n")
        return right_mse(input, target, reduction)

    report = check("mse_loss", chatty, quiet=True)
    assert report.passed
    assert ("你的函数输出了 606 行（未显示）。", "Your function printed 606 lines (not shown).") \
        in report.notes
    assert capfd.readouterr() == ("", "")


def test_changing_an_input_in_place_is_reported():
    def masks_in_place(input, target, weight=None, ignore_index=-100, reduction="mean",
                       label_smoothing=0.0):
        target[target == ignore_index] = 0  # changes the caller's target
        log_q = torch.log_softmax(input, 1)
        return _reduce(-log_q.gather(1, target.unsqueeze(1)), reduction)

    report = check("cross_entropy", masks_in_place, quiet=True)
    case = next(c for c in report.cases if c.label == "ignore_index=-100")
    assert case.label == "ignore_index=-100" and case.status == "mutated"
    assert case.details[0][1] == ("It changed `target` in place; torch's losses never modify "
                                  "their inputs.")
    assert "x = x.clone()" in case.hint[1]


def test_an_in_place_change_of_an_input_that_needs_a_gradient_is_explained():
    def subtracts_in_place(input, target, reduction="mean"):
        input -= target
        return _reduce(input**2, reduction)

    case = first_failure(check("mse_loss", subtracts_in_place, quiet=True))
    assert case.status == "raised" and "Do not change an input in place" in case.hint[1]


@pytest.mark.parametrize("ending", ["sys.exit(0)", "exit()", "quit(3)", "raise SystemExit"])
def test_exit_is_caught_and_reported(ending):
    namespace = {"sys": sys}
    exec(f"def ends(input, target, reduction='mean'):\n    {ending}", namespace)
    report = check("mse_loss", namespace["ends"], quiet=True)
    assert [c.status for c in report.cases] == ["exit"] * 6
    assert "Return the loss instead of ending the program." in str(report)


def test_a_process_that_dies_is_reported_with_its_exit_status():
    def hard_exit(input, target, reduction="mean"):
        os._exit(3)

    def segfault(input, target, reduction="mean"):
        import ctypes

        return ctypes.string_at(0)

    report = check("mse_loss", hard_exit, quiet=True)
    assert report.cases[0].status == "died" and "(exit code 3)" in str(report)
    report = check("mse_loss", segfault, quiet=True)  # ctypes is refused before it can crash
    assert {c.status for c in report.cases} == {"tamper"} and "`ctypes." in str(report)


@pytest.mark.parametrize("allocation", ["torch.empty(2**29, dtype=torch.float64)",
                                        "[0.0] * 2**29"])
def test_a_huge_allocation_fails_inside_the_child(allocation):
    """4 GiB, address space only (never touched), over a 1 GiB limit: it must fail there."""
    namespace = {"torch": torch}
    exec(f"def greedy(input, target, reduction='mean'):\n    return {allocation}", namespace)
    report = check("mse_loss", namespace["greedy"], memory_limit=2**30, quiet=True)
    case = report.cases[0]
    assert case.status == "raised" and "Out of memory" in case.hint[1], str(report)


def test_what_the_submission_changes_stays_in_the_child():
    state = {"calls": 0}

    def counts(input, target, reduction="mean"):
        state["calls"] += 1
        torch.set_default_dtype(torch.float64)
        return right_mse(input, target, reduction)

    assert check("mse_loss", counts, quiet=True).passed
    assert state["calls"] == 0 and torch.get_default_dtype() == torch.float32


def test_a_nan_gradient_through_torch_where_is_explained():
    def where_both_branches(input, target, weight=None, reduction="mean", pos_weight=None):
        # each branch is stable only where torch.where picks it: the other one's gradient
        # is inf * 0 = nan at the ±1e4 logits
        x, y = input, target
        w = 1 if pos_weight is None else pos_weight
        log_sigmoid = torch.where(x >= 0, -torch.log1p(torch.exp(-x)),
                                  x - torch.log1p(torch.exp(x)))
        log_1m = torch.where(x >= 0, -x - torch.log1p(torch.exp(-x)),
                             -torch.log1p(torch.exp(x)))
        loss = -(w * y * log_sigmoid + (1 - y) * log_1m)
        return _reduce(loss if weight is None else loss * weight, reduction)

    report = check("binary_cross_entropy_with_logits", where_both_branches, quiet=True)
    case = first_failure(report)
    assert case.label == "logits ±1e4" and case.status == "grad_nan", str(report)
    assert "torch.where sends gradients through the branch" in case.hint[1]
    assert case.got.startswith("input.grad") and "nan" in case.got


def test_a_backward_that_raises_is_reported():
    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, r):
            return r**2

        @staticmethod
        def backward(ctx, grad):
            raise RuntimeError("backward not written yet")

    def custom(input, target, reduction="mean"):
        return _reduce(Square.apply(input - target), reduction)

    case = first_failure(check("mse_loss", custom, quiet=True))
    assert case.status == "backward"
    assert "backward not written yet" in case.details[0][1]


def test_without_fork_the_cases_still_run_in_process(monkeypatch):
    monkeypatch.delattr(fork.os, "fork")
    report = check("mse_loss", right_mse, quiet=True)
    assert report.passed
    assert "This system cannot fork: no time or memory limit applied." in str(report)
