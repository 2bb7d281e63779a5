"""The untrusted side: call an answer on a case's inputs and describe what came back.

This runs in the process that holds the submission (a child forked from a notebook's kernel, or
the process inside a sandbox). It never sees an expected value: it gets the inputs, calls the
answer under the guard, backpropagates ``ones`` through the output, and sends back the raw
output and gradients as plain tensors for the parent to compare.
"""

import io
import math
import os
import sys
import sysconfig
import traceback
from typing import Any

import torch

from lossedu.exercises.spec import Case

MAX_NUMBERS = 1_000_000  # numbers sent back per output or gradient; beyond, only the shape
# frames from these directories are not the submission's: the standard library, installed
# packages (torch), and lossedu itself
_LIBRARY_DIRS = tuple(
    {os.path.join(sysconfig.get_paths()[key], "") for key in ("stdlib", "purelib", "platlib")}
    | {os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "")}
)


class Printed(io.TextIOBase):
    """Stands in for stdout and stderr while answers run: counts the lines, keeps none."""

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


def run_cases(fn, cases: list[dict], positional: int, guard, forbidden, send) -> None:
    """Run ``fn`` on each case (plain data, see ``Case.to_plain``) and ``send`` one message
    per case; what the answer prints is counted and swallowed."""
    printed = Printed()
    saved = sys.stdout, sys.stderr
    try:
        for plain in cases:
            sys.stdout = sys.stderr = printed
            result = run_case(fn, Case.from_plain(plain), positional, guard, forbidden)
            sys.stdout, sys.stderr = saved
            send({"kind": "case", **result, "printed": printed.lines})
    finally:
        sys.stdout, sys.stderr = saved


def run_case(fn, case: Case, positional: int, guard, forbidden) -> dict:
    """Call ``fn`` on fresh copies of the case's inputs; then, where the case compares
    gradients, the gradients of ``out.sum()`` with respect to its leaves."""
    args, leaves = case.prepare()
    handed = {k: v.detach().clone() for k, v in args.items() if isinstance(v, torch.Tensor)}
    try:
        with guard.watch(forbidden), torch.enable_grad():
            out = call(fn, args, positional)
    except SystemExit as exit:
        return {"status": "exit", "code": _short(repr(exit.code))}
    except BaseException as error:  # MemoryError, KeyboardInterrupt, anything the code raises
        return {"status": "raised", **_describe_error(error)}
    mutated = [name for name, old in handed.items() if not _same(old, args[name])]
    result = {"status": "returned", "mutated": mutated, **_describe_output(out)}
    if (leaves and not case.values_only and result["output"] == "tensor"
            and isinstance(out, torch.Tensor) and out.requires_grad):
        try:
            with guard.watch(forbidden):
                grads = torch.autograd.grad(out, list(leaves.values()), torch.ones_like(out),
                                            allow_unused=True)
            result["grads"] = {name: _plain(g) for name, g in zip(leaves, grads, strict=True)}
        except SystemExit as exit:
            result["backward_error"] = {"type": "SystemExit", "message": repr(exit.code)}
        except BaseException as error:
            result["backward_error"] = _describe_error(error)
    return result


def call(fn, args: dict[str, Any], positional: int) -> Any:
    """Call ``fn`` as a student would call torch: leading tensors by position, options by
    keyword."""
    values = list(args.values())
    return fn(*values[:positional], **dict(list(args.items())[positional:]))


def _same(old: torch.Tensor, new: torch.Tensor) -> bool:
    new = new.detach()
    if old.shape != new.shape or old.dtype != new.dtype:
        return False
    if old.is_floating_point():
        return bool(((old == new) | (old.isnan() & new.isnan())).all())
    return torch.equal(old, new)


def _plain(tensor) -> torch.Tensor | None:
    """A plain, detached copy (a subclass loses its overrides); None if too large or not a
    real tensor."""
    if not isinstance(tensor, torch.Tensor) or tensor.is_complex():
        return None
    tensor = tensor.detach().as_subclass(torch.Tensor)
    if tensor.numel() > MAX_NUMBERS:
        return None
    return tensor.clone().contiguous()


def _describe_output(out: Any) -> dict:
    if out is None:
        return {"output": "none"}
    if isinstance(out, torch.Tensor):
        return {"output": "tensor", "shape": list(out.shape), "dtype": str(out.dtype),
                "requires_grad": bool(out.requires_grad), "value": _plain(out)}
    if isinstance(out, (int, float)) and not isinstance(out, bool):
        try:
            value = float(out)
        except OverflowError:  # an int too large for a float
            value = math.inf
        return {"output": "number", "type": type(out).__name__, "value": value}
    kind = type(out)
    return {"output": "other", "type": _short(f"{kind.__module__}.{kind.__qualname__}")
            .removeprefix("builtins.")}


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe_error(error: BaseException) -> dict:
    """The exception's type, message and the last line of the submission's own code in the
    traceback (library and standard-library frames are skipped)."""
    try:
        message = str(error)
    except BaseException:
        message = ""
    where = None
    try:
        for frame in traceback.extract_tb(error.__traceback__):
            if not frame.filename.startswith(_LIBRARY_DIRS):
                where = {"line": frame.lineno, "function": _short(frame.name),
                         "code": _short(frame.line or "")}
    except BaseException:  # a traceback the answer tampered with
        where = None
    return {"type": _short(type(error).__name__, 80), "message": _short(message),
            "where": where}
