"""Timing lossedu against torch: forward + backward, median of interleaved pairs."""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch


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


def _peak_bytes(fn: Callable, args: tuple, device: torch.device) -> int | None:
    """Peak memory allocated by one forward + backward (CUDA only: the CPU allocator keeps
    no such count)."""
    if device.type != "cuda":
        return None
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    _run(fn, args, device)
    return torch.cuda.max_memory_allocated() - base


def measure(case: Case, device: torch.device, repeats: int) -> dict:
    """Median times of ``repeats`` interleaved (ours, theirs) pairs, after a warm-up."""
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
