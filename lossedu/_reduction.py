"""The one place where a per-element loss becomes what the caller asked for."""

import torch

REDUCTIONS = ("none", "mean", "sum")


def reduce(loss: torch.Tensor, reduction: str, weight: torch.Tensor | None = None) -> torch.Tensor:
    r"""Apply a validated ``reduction`` to an unreduced loss ``l``.

    'none' returns ``l`` as it is, 'sum' returns :math:`\sum_n l_n`. 'mean' returns
    :math:`\sum_n l_n / N` (N elements), or with ``weight`` the weighted mean
    :math:`\sum_n l_n / \sum_n w_n`, where ``l`` already carries the weights ``w``
    (class-weighted cross-entropy and NLL pass each target's weight ``w_{y_n}``, 0 where
    ignored; weighted MSE passes its element weights).
    """
    if reduction == "mean":
        return loss.mean() if weight is None else loss.sum() / weight.sum()
    if reduction == "sum":
        return loss.sum()
    return loss


def divide_for_mean(value: torch.Tensor, reduction: str, count) -> torch.Tensor:
    r"""``value / count`` for 'mean', ``value`` itself for 'sum' and 'none'.

    The backward of :func:`reduce`: :math:`\partial L / \partial l_n` is :math:`1 / D` for
    'mean' (D = N, or :math:`\sum_n w_n` for a weighted mean) and 1 otherwise, so a hand-written
    backward scales the incoming gradient with it; a forward that summed already divides with
    it too.
    """
    return value / count if reduction == "mean" else value
