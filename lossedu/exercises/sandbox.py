"""Running a submission that nobody has read yet.

Each exercise runs in a child process forked from the caller (a notebook kernel works too:
the child inherits the functions defined in it). The child limits its own address space, so
a huge allocation fails inside it; swallows what the submission prints; calls the submission
on fresh copies of each case's inputs and notes any it changed; catches exceptions and
``SystemExit``; backpropagates through the output; and sends back plain data (JSON) through a
pipe, one message per case. The parent stops waiting at the deadline and kills the child's
whole process group, so the checker returns whatever the submission does.
"""

import faulthandler
import io
import json
import math
import multiprocessing
import os
import resource
import signal
import sys
import sysconfig
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from lossedu.exercises.spec import Case, call

MAX_VALUES = 100_000  # numbers sent back per output or gradient; beyond, only the shape
# frames from these directories are not the submission's: the standard library, installed
# packages (torch), and lossedu itself
_LIBRARY_DIRS = tuple(
    {os.path.join(sysconfig.get_paths()[key], "") for key in ("stdlib", "purelib", "platlib")}
    | {os.path.join(os.path.dirname(os.path.dirname(__file__)), "")}
)


@dataclass
class Run:
    """What came back: one raw result per case reached (None for the others), how the run
    ended ('ok', 'timeout' or 'died'), the child's exit status and how much it printed."""

    results: list[dict | None]
    outcome: str = "ok"
    exit: str = ""
    printed: int = 0
    isolated: bool = True
    notes: list[str] = field(default_factory=list)


class _Printed(io.TextIOBase):
    """Stands in for stdout and stderr: counts the lines written, keeps none of them."""

    def __init__(self) -> None:
        self.line_ends = 0
        self.chars = 0

    def writable(self) -> bool:
        return True

    def write(self, text: Any) -> int:
        text = str(text)
        self.chars += len(text)
        self.line_ends += text.count("\n")
        return len(text)

    @property
    def lines(self) -> int:
        return self.line_ends or (1 if self.chars else 0)


def run(fn: Callable, cases: list[Case], positional: int, cotangents: list, timeout: float,
        memory_limit: int) -> Run:
    """Run ``fn`` on every case in a forked child; ``cotangents[i]`` is the vector to
    backpropagate for case i (None where no gradient is compared)."""
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # no fork (Windows): in this process, without time or memory limits
        return _run_here(fn, cases, positional, cotangents)
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, args=(send, fn, cases, positional, cotangents, memory_limit)
    )
    with warnings.catch_warnings():  # Python >= 3.12 warns about forking a threaded process
        warnings.filterwarnings("ignore", message=r".*fork\(\)", category=DeprecationWarning)
        child.start()
    send.close()
    result = Run(results=[])
    deadline = time.monotonic() + timeout
    try:
        while len(result.results) < len(cases):
            left = deadline - time.monotonic()
            if left <= 0 or not receive.poll(left):
                result.outcome = "timeout"
                break
            try:
                message = json.loads(receive.recv_bytes())
            except (EOFError, OSError, ValueError):
                result.outcome = "died"
                break
            result.printed = message.pop("printed", result.printed)
            result.results.append(message)
    finally:
        if result.outcome == "died":
            child.join(2)
        _stop(child)
        receive.close()
    if result.outcome == "died":
        result.exit = _exit_status(child.exitcode)
    result.results += [None] * (len(cases) - len(result.results))
    return result


def _stop(child: multiprocessing.process.BaseProcess) -> None:
    """Kill the child's process group (it may have started processes of its own), then the
    child itself, and reap it."""
    if child.is_alive():
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except OSError:
            pass
        child.kill()
    child.join(5)


def _exit_status(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            pass
    return f"exit code {code}"


def _child(send, fn, cases, positional, cotangents, memory_limit) -> None:
    """The forked child: isolate, then run the cases and send one JSON message per case."""
    try:
        os.setpgid(0, 0)  # a group of its own, which the parent can kill as a whole
    except OSError:
        pass
    _die_with_parent()
    _limit_memory(memory_limit)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    torch.set_num_threads(1)  # tiny tensors; and no thread pool inherited across fork
    faulthandler.disable()  # a crash is reported by the parent, not dumped on its stderr
    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):  # C-level writes too
        os.dup2(devnull, fd)
    printed = _Printed()
    sys.stdout = sys.stderr = printed
    for case, cotangent in zip(cases, cotangents, strict=True):
        result = run_case(fn, case, positional, cotangent, printed)
        send.send_bytes(json.dumps({**result, "printed": printed.lines}).encode())
    send.close()


def _die_with_parent() -> None:
    """Linux: SIGKILL this process when the parent dies (a grading worker stopped at its time
    limit must not leave a looping child behind)."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _limit_memory(extra: int) -> None:
    """Allow the address space in use now plus ``extra`` bytes (never more than allowed)."""
    try:
        with open("/proc/self/status") as status:
            kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):
        return  # no /proc: leave the limit as it is
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = kb * 1024 + extra
    for bound in (soft, hard):
        if bound != resource.RLIM_INFINITY:
            limit = min(limit, bound)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _run_here(fn, cases, positional, cotangents) -> Run:
    """Without fork: the same calls in this process, with stdout and stderr swallowed."""
    printed = _Printed()
    results = []
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = printed
    try:
        for case, cotangent in zip(cases, cotangents, strict=True):
            results.append(json.loads(json.dumps(run_case(fn, case, positional, cotangent,
                                                          printed))))
    finally:
        sys.stdout, sys.stderr = saved
    return Run(results=results, printed=printed.lines, isolated=False)


def run_case(fn, case: Case, positional: int, cotangent, printed: _Printed) -> dict:
    """Call ``fn`` on fresh copies of the case's inputs; describe what happened as plain data.

    Values first; then, if the case compares gradients and the output is a tensor of the
    expected shape attached to the graph, the gradients of ``<cotangent, output>`` with
    respect to the leaves.
    """
    args, leaves = case.prepare()
    handed = {k: v.detach().clone() for k, v in args.items() if isinstance(v, torch.Tensor)}
    try:
        with torch.enable_grad():
            out = call(fn, args, positional)
    except SystemExit as exit:
        return {"status": "exit", "code": _short(repr(exit.code))}
    except Exception as error:  # MemoryError, RecursionError, anything the code raises
        return {"status": "raised", **_describe_error(error)}
    finally:
        sys.stdout = sys.stderr = printed  # in case the submission replaced them
    mutated = [name for name, old in handed.items() if not _same(old, args[name])]
    result = {"status": "returned", "mutated": mutated, **_describe_output(out)}
    if (cotangent is not None and not case.values_only and result["kind"] == "tensor"
            and out.requires_grad and tuple(out.shape) == tuple(cotangent.shape)):
        try:
            grads = torch.autograd.grad(out, list(leaves.values()), cotangent, allow_unused=True)
            result["grads"] = {name: _flat(g) for name, g in zip(leaves, grads, strict=True)}
        except SystemExit as exit:
            result["backward_error"] = {"type": "SystemExit", "message": repr(exit.code)}
        except Exception as error:
            result["backward_error"] = _describe_error(error)
    return result


def _same(old: torch.Tensor, new: torch.Tensor) -> bool:
    new = new.detach()
    if old.shape != new.shape or old.dtype != new.dtype:
        return False
    if old.is_floating_point():
        return bool(((old == new) | (old.isnan() & new.isnan())).all())
    return torch.equal(old, new)


def _flat(tensor: torch.Tensor | None) -> list[float] | None:
    """The numbers of a real tensor as a flat list of floats (None if too many or complex)."""
    if tensor is None or tensor.numel() > MAX_VALUES or tensor.is_complex():
        return None
    return tensor.detach().to(torch.float64).flatten().tolist()


def _describe_output(out: Any) -> dict:
    if out is None:
        return {"kind": "none"}
    if isinstance(out, torch.Tensor):
        return {"kind": "tensor", "shape": list(out.shape), "dtype": str(out.dtype),
                "requires_grad": out.requires_grad, "value": _flat(out)}
    if isinstance(out, (int, float)) and not isinstance(out, bool):
        try:
            value = float(out)
        except OverflowError:  # an int too large for a float
            value = math.inf
        return {"kind": "number", "type": type(out).__name__, "shape": [], "value": [value]}
    kind = type(out)
    return {"kind": "other", "type": f"{kind.__module__}.{kind.__qualname__}".removeprefix(
        "builtins.")}


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe_error(error: BaseException) -> dict:
    """The exception's type, message and the last line of the submission's own code in the
    traceback (library and standard-library frames are skipped)."""
    try:
        message = str(error)
    except Exception:
        message = ""
    where = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.startswith(_LIBRARY_DIRS):
            continue
        where = {"line": frame.lineno, "function": frame.name, "code": _short(frame.line or "")}
    return {"type": type(error).__name__, "message": _short(message), "where": where}
