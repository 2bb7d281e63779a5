"""The one place where a per-element loss becomes what the caller asked for."""

import torch

REDUCTIONS = ("none", "mean", "sum")


def reduce(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    """Apply a validated ``reduction`` to an unreduced loss ``l``.

    'none' returns ``l`` as it is, 'sum' returns ``sum_n l_n``, 'mean' returns ``sum_n l_n / N``
    where N is the number of elements.
    """
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
