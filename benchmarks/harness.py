"""Timing torch, ``lossedu.fast`` and readable ``lossedu`` side by side: forward + backward,
median of interleaved runs, and the peak memory each allocates.

A case list is a module-level ``CASES = [Case(...), ...]``; ``benchmarks/__main__.py`` imports
every list and prints one table row per case and device. The API is ``Case``, ``measure`` and
``size``: a case's ``make`` asks ``size(full, tiny)`` for each dimension, so that ``--tiny``
(the test of the benchmark itself) runs every case in a moment.
"""

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch._C._profiler import _EventType
from torch.profiler import ProfilerActivity, profile

# Kineto, the profiler behind the CPU memory count, logs every start and stop on stderr.
os.environ.setdefault("KINETO_LOG_LEVEL", "99")

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


def _allocations(tree) -> list[tuple[int, int]]:
    """(time in ns, bytes) of every allocation (+) and free (-) in a profiler event tree."""
    found, stack = [], list(tree)
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.typed[0] == _EventType.Allocation:
            found.append((node.start_time_ns, node.typed[1].alloc_size))
    return found


def _peak_bytes(fn: Callable, args: tuple, device: torch.device) -> int:
    """Peak bytes allocated by one forward + backward, above what was allocated before it.

    CUDA: the caching allocator's own high-water mark. CPU: the allocator keeps no such mark,
    so the profiler records every allocation and free made through torch's CPU allocator
    (every tensor's storage, the gradients included), replayed in time order.
    """
    for a in args:  # gradients left by an earlier run are freed outside the recording
        if isinstance(a, torch.Tensor):
            a.grad = None
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        _run(fn, args, device)
        return torch.cuda.max_memory_allocated() - base
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        _run(fn, args, device)
    current = peak = 0
    for _, size in sorted(_allocations(prof.profiler.kineto_results.experimental_event_tree())):
        current += size
        peak = max(peak, current)
    return peak


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
