"""How much memory a computation needs at its peak: the figure that decides whether a loss fits.

On CUDA the caching allocator keeps a high-water mark. On the CPU nothing does, so
:func:`peak_bytes` records every allocation and free made through torch's CPU allocator (every
tensor's storage, gradients included) with the profiler and replays them in time order. The
count depends only on the tensors' sizes and the order they are made and freed in: the same
computation gives the same number on every run, unlike a reading of the process's memory.
"""

import os
from collections.abc import Callable

import torch
from torch._C._profiler import _EventType
from torch.profiler import ProfilerActivity, profile

# Kineto, the profiler behind the CPU memory count, logs every start and stop on stderr.
os.environ.setdefault("KINETO_LOG_LEVEL", "99")


def _allocations(tree) -> list[tuple[int, int]]:
    """(time in ns, bytes) of every allocation (+) and free (-) in a profiler event tree."""
    found, stack = [], list(tree)
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.typed[0] == _EventType.Allocation:
            found.append((node.start_time_ns, node.typed[1].alloc_size))
    return found


def peak_bytes(fn: Callable[[], object], device: torch.device | str = "cpu") -> int:
    """The peak number of bytes allocated while ``fn()`` runs, above what was allocated before.

    Tensors freed inside ``fn`` that were made before it (a ``.grad`` from an earlier step) are
    freed outside the record: clear them first, or the count comes out too low.

    Args:
        fn: the computation, called once with no arguments (a forward and backward pass).
        device: where it runs: the CPU (the profiler's record) or a CUDA device (the caching
            allocator's high-water mark). Default: ``"cpu"``.

    Returns:
        the peak, in bytes.

    Example:
        >>> import torch
        >>> from lossedu.profiling import peak_bytes
        >>> peak_bytes(lambda: torch.ones(1024, 256) @ torch.ones(256, 8))  # 1 MiB + 8 + 32 KiB
        1089536
    """
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
        fn()
        torch.cuda.synchronize(device)
        return torch.cuda.max_memory_allocated(device) - base
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    current = peak = 0
    for _, size in sorted(_allocations(prof.profiler.kineto_results.experimental_event_tree())):
        current += size
        peak = max(peak, current)
    return peak
