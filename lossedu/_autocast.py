"""Losses under ``torch.autocast``: torch computes each of its losses in float32 there, so that
a bfloat16 or float16 forward pass still gets an accurate loss. lossedu's losses do the same."""

import functools
from collections.abc import Callable

import torch

LOW_PRECISION = (torch.float16, torch.bfloat16)


def _autocast_device(tensors: list[torch.Tensor]) -> str | None:
    """The device type whose autocast is on for these tensors, or None."""
    device = tensors[0].device.type if tensors else "cpu"
    try:
        return device if torch.is_autocast_enabled(device) else None
    except RuntimeError:  # a device without autocast (meta)
        return None


def float32_under_autocast(loss: Callable) -> Callable:
    """Decorate a loss so that under ``torch.autocast`` it runs as torch's losses do: autocast
    off inside, float16 and bfloat16 tensor arguments cast to float32. Outside autocast the
    loss is called unchanged."""

    @functools.wraps(loss)
    def wrapper(*args, **kwargs):
        tensors = [v for v in (*args, *kwargs.values()) if isinstance(v, torch.Tensor)]
        device = _autocast_device(tensors)
        if device is None:
            return loss(*args, **kwargs)

        def to_float32(v):
            return v.float() if isinstance(v, torch.Tensor) and v.dtype in LOW_PRECISION else v

        with torch.autocast(device, enabled=False):
            return loss(*map(to_float32, args), **{k: to_float32(v) for k, v in kwargs.items()})

    return wrapper
