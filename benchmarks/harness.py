"""Timing torch, ``lossedu.fast`` and readable ``lossedu`` side by side: forward + backward,
median of interleaved runs, and the peak memory each allocates.

A case list is a module-level ``CASES = [Case(...), ...]``; ``benchmarks/__main__.py`` imports
every list and prints one table row per case and device. The API is ``Case``, ``measure`` and
``size``: a case's ``make`` asks ``size(full, tiny)`` for each dimension, so that ``--tiny``
(the test of the benchmark itself) runs every case in a moment.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from lossedu.profiling import peak_bytes

SIDES = ("torch", "fast", "readable")
TINY = False  # set by ``python -m benchmarks --tiny``


def size(full: int, tiny: int) -> int:
    """A dimension of a case: ``full`` in a real run, ``tiny`` under ``--tiny``."""
    return tiny if TINY else full


@dataclass
class Case:
    """One loss at one size: ``make(device)`` returns the arguments (leaves requiring grad
    where torch would give a gradient); ``readable``, ``torch`` and ``fast`` (the
    ``lossedu.fast`` version, None where there is none) each take them and return a loss.
    ``threads``: torch's intra-op threads while the case runs (None: as set)."""

    name: str
    make: Callable[[torch.device], tuple]
    readable: Callable
    torch: Callable
    fast: Callable | None = None
    threads: int | None = None


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _run(fn: Callable, args: tuple, device: torch.device) -> float:
    """Seconds for one forward + backward."""
    for a in args:
        if isinstance(a, torch.Tensor):
            a.grad = None
    _sync(device)
    start = time.perf_counter()
    fn(*args).backward()
    _sync(device)
    return time.perf_counter() - start


def _peak_bytes(fn: Callable, args: tuple, device: torch.device) -> int:
    """Peak bytes allocated by one forward + backward, above what was allocated before it
    (:func:`lossedu.profiling.peak_bytes`)."""
    for a in args:  # gradients left by an earlier run are freed outside the recording
        if isinstance(a, torch.Tensor):
            a.grad = None
    return peak_bytes(lambda: _run(fn, args, device), device)


def measure(case: Case, device: torch.device, repeats: int) -> dict[str, dict[str, float]]:
    """``{side: {"ms": median time, "peak": peak bytes}}`` for each of torch, fast (if the case
    has one) and readable: one warm-up each, then ``repeats`` rounds in which every side runs
    once, the order rotating from round to round so that none always goes first."""
    threads = torch.get_num_threads()
    if case.threads is not None:
        torch.set_num_threads(case.threads)
    try:
        return _measure(case, device, repeats)
    finally:
        torch.set_num_threads(threads)


def _measure(case: Case, device: torch.device, repeats: int) -> dict[str, dict[str, float]]:
    args = case.make(device)
    fns = {side: getattr(case, side) for side in SIDES if getattr(case, side) is not None}
    for fn in fns.values():
        _run(fn, args, device)
    times = {side: [] for side in fns}
    order = list(fns)
    for _ in range(repeats):
        for side in order:
            times[side].append(_run(fns[side], args, device))
        order = order[1:] + order[:1]
    return {side: {"ms": statistics.median(times[side]) * 1e3,
                   "peak": _peak_bytes(fns[side], args, device)} for side in fns}
