"""Grading, on the trusted side: compare what an answer returned with the reference, name the
mistake.

The answer ran elsewhere (a forked child, or a sandbox) on the case inputs only and sent back
raw outputs and gradients; the reference runs here, after it. For each case, in order: did the
call return (no exception, no exit, in time, no built-in called)? Did it leave its inputs
alone? Is the result a tensor of the right shape, with the reference's values (then dtype)? Is
it on the autograd graph, with the reference's gradients (of ``out.sum()``)? The first thing
that fails is the case's status. On a wrong value, each of the exercise's classic mistakes is
computed on the same inputs; the first whose output equals the answer's is the hint.
"""

import difflib
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import torch

from lossedu._checks import shape_str
from lossedu.checker import fork
from lossedu.checker.guard import TORCH_LOSSES
from lossedu.checker.mistakes import recognise, recognise_gradient
from lossedu.checker.report import CaseResult, Report, show
from lossedu.checker.schema import split
from lossedu.checker.texts import DETAIL, HINT, REPORT, STATUS, say
from lossedu.exercises.catalog import EXERCISES
from lossedu.exercises.spec import Case, Exercise

DEFAULT_MEMORY = 2 * 1024**3  # bytes the submission may allocate beyond what the caller uses


def check(exercise_id: str, fn: Callable, *, timeout: float = 10.0,
          memory_limit: int = DEFAULT_MEMORY, quiet: bool = False) -> Report:
    """Grade ``fn`` on the exercise ``exercise_id``: show a short report and return it.

    ``fn`` takes the arguments of the lossedu function of that name (torch's signature where
    torch has the loss), and computes the loss by hand: an answer that calls torch's or
    lossedu's loss does not pass. It runs in a child process on copies of each case's inputs,
    for at most ``timeout`` seconds in all and ``memory_limit`` bytes of extra memory; whatever
    it does, ``check`` returns a report and never raises.

    Args:
        exercise_id: a key of :data:`lossedu.exercises.EXERCISES`, such as ``"mse_loss"``.
        fn: the function to grade.
        timeout: seconds for all the cases together. Default: 10.
        memory_limit: bytes the function may allocate. Default: 2 GiB.
        quiet: return the report without showing it. Default: False.

    Returns:
        a :class:`Report` with ``passed``, ``score`` (the fraction of cases passed) and the
        per-case results; printed as text, shown as an HTML table in Jupyter.

    Example:
        >>> from lossedu.exercises import check
        >>> def my_mse(input, target, reduction="mean"):
        ...     squared = (input - target) ** 2
        ...     return {"mean": squared.mean(), "sum": squared.sum()}.get(reduction, squared)
        >>> report = check("mse_loss", my_mse, quiet=True)
        >>> report.passed, report.score
        (True, 1.0)
    """
    try:
        report = _check(exercise_id, fn, timeout, memory_limit)
    except KeyboardInterrupt as error:  # a signal from the answer's process, or the user
        report = Report(str(exercise_id), error=say(REPORT, "interrupted",
                                                    error=type(error).__name__))
    except Exception as error:  # a bug of the checker's own: still a report, not a crash
        report = Report(str(exercise_id), error=say(REPORT, "internal",
                                                    error=f"{type(error).__name__}: {error}"))
    if not quiet:
        show(report)
    return report


def case_args(exercise_id: str, n: int) -> dict:
    """Fresh copies of the arguments of case ``n`` (from 1) of an exercise, by torch's names:
    ``my_loss(**case_args("mse_loss", 2))`` repeats that case."""
    return EXERCISES[exercise_id].make_cases()[n - 1].prepare()[0]


def forbidden(exercise: Exercise) -> frozenset[str]:
    """The built-ins an answer to ``exercise`` may not call: torch's losses (less what the
    exercise allows) and what it forbids besides; lossedu's own code is never allowed."""
    return (TORCH_LOSSES - set(exercise.allows)) | set(exercise.forbids)


def _check(exercise_id, fn, timeout, memory_limit) -> Report:
    exercise = EXERCISES.get(exercise_id) if isinstance(exercise_id, str) else None
    if exercise is None:
        return Report(str(exercise_id), error=_unknown(exercise_id))
    if not callable(fn):
        return Report(exercise_id, error=say(REPORT, "not_callable", type=type(fn).__name__))
    cases = exercise.make_cases()
    run = fork.run(fn, [c.to_plain() for c in cases], exercise.positional,
                   forbidden(exercise), timeout, memory_limit)
    name = getattr(fn, "__name__", "fn")
    report = grade(exercise, cases, run.messages, outcome=run.outcome, exit=run.exit,
                   timeout=timeout, function=name if isinstance(name, str) else "fn")
    if not run.isolated:
        report.notes.append(REPORT["no_fork"])
    return report


def grade(exercise: Exercise, cases: list[Case], messages: list, *, outcome: str = "ok",
          exit: str = "", timeout: float = 10.0, function: str = "fn",
          allow_builtins: bool = False) -> Report:
    """The report on an answer from the messages its process sent back (see
    :mod:`lossedu.checker.schema`)."""
    raws, findings = split(messages, len(cases))
    first_missing = next((i for i, r in enumerate(raws) if r is None), None)
    results = []
    for i, (case, raw, found) in enumerate(zip(cases, raws, findings, strict=True)):
        if raw is not None and found and not (allow_builtins and _only_builtins(found)):
            result = _finding(found)
        else:
            result = _grade_raw(exercise, case, raw, outcome, exit, timeout,
                                first=i == first_missing)
        result.n, result.label, result.call = i + 1, case.label, case.describe(exercise.id)
        result.label_zh = case.label_zh
        results.append(result)
    notes = []
    called = sorted({name for found in findings for kind, name in found if kind == "builtin"})
    if allow_builtins and called:
        notes.append(say(REPORT, "builtins_allowed", names=", ".join(called)))
    if results and all(r.passed for r in results):  # say what was compared
        gradients = any(case.compares_gradients for case in cases)
        notes.append(REPORT["all_passed" if gradients else "all_passed_values"])
    printed = max((r.get("printed", 0) for r in raws if r), default=0)
    if printed:
        notes.append(say(REPORT, "printed", lines=printed, s="" if printed == 1 else "s"))
    function = function if function.isidentifier() else "fn"
    if results and all(r.status == "none" or r.short[1] == "raised NotImplementedError"
                       for r in results):  # a stub nobody has started
        return Report(exercise.id, results, [], say(REPORT, "not_attempted"), function,
                      not_attempted=True)
    return Report(exercise.id, results, notes, function=function)


def _only_builtins(found: list[tuple[str, str]]) -> bool:
    return all(kind == "builtin" for kind, _ in found)


def _finding(found: list[tuple[str, str]]) -> CaseResult:
    tampered = [name for kind, name in found if kind == "tamper"]
    if tampered:
        names = ", ".join(f"`{n}`" for n in tampered)
        return _result("tamper", details=[say(DETAIL, "tamper", names=names)])
    names = ", ".join(f"`{n}`" for _, n in found)
    return _result("builtin", details=[say(DETAIL, "builtin", names=names)])


def _unknown(exercise_id) -> tuple[str, str]:
    zh, en = say(REPORT, "unknown", id=exercise_id, choices=", ".join(EXERCISES))
    close = [e for e in EXERCISES if str(exercise_id) in e]
    close = close or difflib.get_close_matches(str(exercise_id), EXERCISES, n=1)
    if close:
        czh, cen = say(REPORT, "close", name=close[0])
        zh, en = f"{czh}{zh}", f"{cen} {en}"
    return zh, en


@dataclass
class _Expected:
    value: torch.Tensor
    grads: dict[str, torch.Tensor | None]  # empty: values only


def _reference(exercise: Exercise, case: Case) -> _Expected:
    """The reference's output on the case and, where compared, its gradients of out.sum()."""
    args, leaves = case.prepare()
    with warnings.catch_warnings(), torch.enable_grad():
        warnings.simplefilter("ignore")  # nothing may print in a notebook's stored output
        out = exercise.reference(**args)
    if not leaves or case.values_only:
        return _Expected(out.detach(), {})
    grads = torch.autograd.grad(out, list(leaves.values()), torch.ones_like(out),
                                allow_unused=True)
    return _Expected(out.detach(), dict(zip(leaves, grads, strict=True)))


def _result(status: str, *, passed: bool = False, details=(), hint=None, expected=None,
            got=None, **fields) -> CaseResult:
    return CaseResult(0, "", "", passed, status, say(STATUS, status, **fields), list(details),
                      expected, got, hint)


def _grade_raw(exercise, case, raw, outcome, exit, timeout, first) -> CaseResult:
    if raw is None:
        if first and outcome == "timeout":
            return _result("timeout", details=[say(DETAIL, "timeout", seconds=timeout)],
                           hint=HINT["timeout"])
        if first and outcome == "died":
            return _result("died", details=[say(DETAIL, "died", exit=exit)], hint=HINT["died"])
        if first and outcome in ("too_much", "garbled"):
            return _result("invalid", details=[say(DETAIL, "invalid", why=outcome)])
        return _result("not_run", details=[DETAIL["not_run"]])
    if raw["status"] == "invalid":
        return _result("invalid", details=[say(DETAIL, "invalid", why=raw["why"])])
    if raw["status"] == "raised":
        # the status already names the type; the message, where there is one, says more
        details = [say(DETAIL, "raised", type=raw["type"], message=raw["message"])
                   ] if raw["message"] else []
        if raw["where"]:
            details.append(say(DETAIL, "where", **raw["where"]))
        return _result("raised", type=raw["type"], details=details,
                       hint=_error_hint(exercise, raw["type"], raw["message"]))
    if raw["status"] == "exit":
        return _result("exit", details=[say(DETAIL, "exit", code=raw["code"])],
                       hint=HINT["exit"])
    if raw["output"] == "none":
        return _result("none", details=[DETAIL["none"]], hint=HINT["none"])
    if raw["output"] == "other":
        hint = HINT["numpy"] if raw["type"].startswith("numpy") else None
        return _result("other", details=[say(DETAIL, "other", type=raw["type"])], hint=hint)
    if raw["mutated"]:
        names = ", ".join(f"`{name}`" for name in raw["mutated"])
        return _result("mutated", details=[say(DETAIL, "mutated", names=names)],
                       hint=HINT["mutated"])
    want = _reference(exercise, case)  # only now, in this process: the answer has run
    value = _value_failure(exercise, case, want.value, raw)
    if value is not None:
        return value
    if raw["output"] == "tensor" and raw["dtype"] != str(want.value.dtype):
        dtypes = {"expected": _dtype(str(want.value.dtype)), "got": _dtype(raw["dtype"])}
        return _result("dtype", details=[say(DETAIL, "dtype", **dtypes)], hint=HINT["dtype"])
    if raw["output"] == "number":
        return _result("number", details=[say(DETAIL, "number", type=raw["type"])],
                       hint=HINT["number"])
    if want.grads:
        gradient = _gradient_failure(want, raw, case.tolerance)
        if gradient is not None and gradient.status == "grad":
            found = recognise_gradient(exercise, case, raw.get("grads", {}))
            gradient.hint = found or gradient.hint
        if gradient is not None:
            return gradient
    return _result("passed", passed=True)


def _value_failure(exercise, case, expected: torch.Tensor, raw: dict) -> CaseResult | None:
    """Shape, then values; None if both match."""
    if raw["output"] == "number":
        shape, got = (), torch.tensor(raw["value"], dtype=torch.float64)
    else:
        shape = tuple(raw["shape"])
        got = None if raw["value"] is None else raw["value"].to(torch.float64)
    if shape != tuple(expected.shape):
        details = [say(DETAIL, "shape", expected=shape_str(expected.shape), got=shape_str(shape))]
        hint = recognise(exercise, case, got) if got is not None else None
        return _result("shape", details=details, hint=hint or _shape_hint(expected, shape))
    if got is None:  # a value was due and none came (too large to send)
        numel = torch.Size(shape).numel()
        return _result("invalid", details=[say(DETAIL, "too_large", numel=numel)])
    want = expected.to(torch.float64)
    close = torch.isclose(got, want, equal_nan=True, **case.tolerance)
    if bool(close.all()):
        return None
    bad = ~got.isfinite() & want.isfinite()
    status = "nan" if bool(bad.any()) else "value"
    where = bad if status == "nan" else ~close
    hint = recognise(exercise, case, got) or (HINT["nan"] if status == "nan" else None)
    return _result(status, hint=hint, expected=_show("out", want, where),
                   got=_show("out", got, where))


def _gradient_failure(want: _Expected, raw: dict, tolerance: dict) -> CaseResult | None:
    if raw["output"] != "tensor" or not raw["requires_grad"]:
        return _result("detached", details=[DETAIL["detached"]], hint=HINT["detached"])
    if "backward_error" in raw:
        error = raw["backward_error"]
        details = [say(DETAIL, "backward", type=error["type"], message=error["message"])]
        return _result("backward", details=details,
                       hint=_error_hint(None, error["type"], error["message"]))
    of_sum = [REPORT["of_sum"]] if want.value.dim() else []
    grads = raw.get("grads", {})
    for name, expected in want.grads.items():
        expected = torch.zeros(0) if expected is None else expected.to(torch.float64)
        got = grads.get(name)
        if got is None:
            if expected.numel() and bool((expected == 0).all()):
                continue  # unused and not needed: a zero gradient either way
            return _result("grad", details=[say(DETAIL, "grad_none", name=f"`{name}`")])
        got = got.to(torch.float64)
        if got.shape != expected.shape:
            return _result("grad", details=[say(DETAIL, "shape", expected=shape_str(
                expected.shape), got=shape_str(got.shape))])
        close = torch.isclose(got, expected, equal_nan=True, **tolerance)
        if bool(close.all()):
            continue
        bad = ~got.isfinite() & expected.isfinite()
        status = "grad_nan" if bool(bad.any()) else "grad"
        where = bad if status == "grad_nan" else ~close
        return _result(status, details=of_sum, hint=HINT[status],
                       expected=_show(f"{name}.grad", expected, where),
                       got=_show(f"{name}.grad", got, where))
    return None


def _error_hint(exercise: Exercise | None, kind: str, message: str) -> tuple[str, str] | None:
    """What an exception's type and message usually mean."""
    signature = exercise.signature if exercise else ""
    missing = re.search(r"unexpected keyword argument '(\w+)'", message)
    if kind == "TypeError" and missing:
        return say(HINT, "missing_argument", name=missing.group(1), signature=signature)
    if kind == "TypeError" and "positional argument" in message and exercise:
        return say(HINT, "signature", signature=signature)
    if "leaf Variable that requires grad" in message:
        return HINT["leaf_inplace"]
    if "modified by an inplace operation" in message:
        return HINT["inplace"]
    if kind == "MemoryError" or "can't allocate memory" in message:
        return HINT["memory"]
    if "Dimension out of range" in message:
        return HINT["dimension"]
    if "out of bounds" in message:
        return HINT["index"]
    for name, key in (("RecursionError", "recursion"), ("NotImplementedError", "not_implemented"),
                      ("NameError", "name")):
        if kind == name:
            return HINT[key]
    return None


def _shape_hint(expected: torch.Tensor, shape: tuple) -> tuple[str, str] | None:
    if expected.dim() == 0:
        return HINT["scalar"]
    if not shape:
        return say(HINT, "unreduced", expected=shape_str(expected.shape))
    if expected.numel() == torch.Size(shape).numel():
        return HINT["size_one"]
    return None


def _dtype(name: str) -> str:
    return name.removeprefix("torch.")


def _number(x: float) -> str:
    return "0" if x == 0 else f"{x:.6g}"


def _show(name: str, values: torch.Tensor, where: torch.Tensor) -> str:
    """A few numbers, language-neutral: ``out = 0.5``, ``out = [0.1, 0.2]`` or, for a larger
    tensor, the first element that differs: ``out[1, 2] = 0.5``."""
    if values.dim() == 0:
        return f"{name} = {_number(values.item())}"
    if values.numel() <= 4:
        return f"{name} = [{', '.join(_number(v) for v in values.flatten().tolist())}]"
    index = tuple(int(i) for i in where.nonzero()[0])
    return f"{name}[{', '.join(map(str, index))}] = {_number(values[index].item())}"
