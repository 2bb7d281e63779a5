"""Timing lossedu against torch: forward + backward, median of interleaved pairs, and the peak
memory each side allocates.

A case list is a module-level ``CASES = [Case(...), ...]``; ``benchmarks/__main__.py`` imports
every list and prints one table row per case and device.
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


@dataclass
class Case:
    """One loss at one size: ``make(device)`` returns the arguments (leaves requiring grad
    where torch would give a gradient); ``ours`` and ``theirs`` take them."""

    name: str
    make: Callable[[torch.device], tuple]
    ours: Callable
    theirs: Callable


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
    so the profiler records every allocation and free, and they are replayed in time order.
    """
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        _run(fn, args, device)
        return torch.cuda.max_memory_allocated() - base
    for a in args:  # gradients left by an earlier run are freed outside the recording
        if isinstance(a, torch.Tensor):
            a.grad = None
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        _run(fn, args, device)
    current = peak = 0
    for _, size in sorted(_allocations(prof.profiler.kineto_results.experimental_event_tree())):
        current += size
        peak = max(peak, current)
    return peak


def measure(case: Case, device: torch.device, repeats: int) -> dict:
    """Median times of ``repeats`` interleaved (ours, theirs) pairs after a warm-up, and the
    ratio of peak memories (None where torch allocates nothing)."""
    args = case.make(device)
    for fn in (case.ours, case.theirs):
        _run(fn, args, device)
    ours, theirs = [], []
    for i in range(repeats):
        pair = [(case.ours, ours), (case.theirs, theirs)]
        for fn, times in pair if i % 2 == 0 else pair[::-1]:  # alternate who goes first
            times.append(_run(fn, args, device))
    peaks = [_peak_bytes(fn, args, device) for fn in (case.ours, case.theirs)]
    return {
        "ours_ms": statistics.median(ours) * 1e3,
        "theirs_ms": statistics.median(theirs) * 1e3,
        "memory_ratio": peaks[0] / peaks[1] if peaks[1] else None,
    }
