"""Multi-task losses: one scalar to minimise from the losses of several tasks.

A network with several heads (say segmentation and depth) gets one loss per task,
``L_1, ..., L_K``, each already reduced to a scalar. They live on different scales, so the
total is a weighted sum; the weights are either fixed by hand or learned with the network.
Both modules take the task losses as a sequence, or as a mapping when built from names.
"""

import math
from collections.abc import Mapping, Sequence

import torch
from torch import nn

from lossedu._checks import check_floating, check_tensor


def _task_names(tasks: Sequence | Mapping | int) -> tuple[str, ...] | None:
    """The task names when tasks are named (a mapping, or a sequence of str), else None."""
    if isinstance(tasks, str):
        return None
    if isinstance(tasks, Mapping):
        return tuple(tasks)
    if isinstance(tasks, Sequence) and tasks and all(isinstance(t, str) for t in tasks):
        return tuple(tasks)
    return None


def _stack_losses(
    losses: Sequence[torch.Tensor] | Mapping[str, torch.Tensor],
    names: tuple[str, ...] | None,
    count: int,
) -> torch.Tensor:
    """The task losses as a (K,) tensor, in the order the module was built with."""
    if names is not None:
        if not isinstance(losses, Mapping) or set(losses) != set(names):
            got = sorted(losses) if isinstance(losses, Mapping) else type(losses).__name__
            raise ValueError(
                f"Expected `losses` as a mapping with the tasks {sorted(names)}, got {got}: "
                f"the module was built with named tasks."
            )
        values = [losses[name] for name in names]
        labels = [f"losses[{name!r}]" for name in names]
    else:
        if isinstance(losses, Mapping) or not isinstance(losses, Sequence):
            raise TypeError(
                f"Expected `losses` as a sequence of {count} scalar tensors, got "
                f"{type(losses).__name__}: the module was built without task names."
            )
        if len(losses) != count:
            raise ValueError(
                f"Expected {count} task losses, one per weight, got {len(losses)}."
            )
        values = list(losses)
        labels = [f"losses[{i}]" for i in range(count)]
    for label, value in zip(labels, values, strict=True):
        check_floating(label, check_tensor(label, value))
        if value.dim() != 0:
            raise ValueError(
                f"Expected `{label}` to be a scalar, got shape {tuple(value.shape)}: reduce "
                f"each task's loss first (reduction='mean' or 'sum')."
            )
    return torch.stack(values)  # (K,)


class WeightedSumLoss(nn.Module):
    r"""A fixed weighted sum of task losses: :math:`L = \sum_i w_i L_i`.

    Args:
        weights: one non-negative weight per task, as a sequence, or a mapping from task
            name to weight (then ``forward`` takes a mapping with the same names).

    Shape:
        losses: K scalars. Output: a scalar.

    Raises:
        ValueError: no weights, or a negative or non-finite weight; in ``forward``, task
            losses that are not scalars, or do not match the weights in number or names.
        TypeError: in ``forward``, losses that are not floating tensors, or a sequence
            where names were given (and the reverse).

    Example:
        >>> import torch
        >>> from lossedu import WeightedSumLoss
        >>> total = WeightedSumLoss({"segmentation": 1.0, "depth": 0.5})
        >>> total({"segmentation": torch.tensor(0.8), "depth": torch.tensor(2.0)})
        tensor(1.8000)
    """

    weights: torch.Tensor

    def __init__(self, weights: Sequence[float] | Mapping[str, float]):
        super().__init__()
        self.names = _task_names(weights)
        values = list(weights.values()) if isinstance(weights, Mapping) else list(weights)
        if not values or not all(math.isfinite(w) and w >= 0 for w in values):
            raise ValueError(
                f"Expected one finite, non-negative weight per task, got {weights!r}."
            )
        self.register_buffer("weights", torch.tensor(values, dtype=torch.get_default_dtype()))

    def forward(
        self, losses: Sequence[torch.Tensor] | Mapping[str, torch.Tensor]
    ) -> torch.Tensor:
        values = _stack_losses(losses, self.names, len(self.weights))  # (K,)
        return (self.weights.to(values.dtype) * values).sum()

    def extra_repr(self) -> str:
        weights = ", ".join(f"{w:g}" for w in self.weights.tolist())
        return f"names={self.names}, weights=({weights})" if self.names else weights


class UncertaintyWeightedLoss(nn.Module):
    r"""Task losses weighted by learned homoscedastic uncertainty (Kendall, Gal and Cipolla,
    "Multi-Task Learning Using Uncertainty to Weigh Losses", CVPR 2018).

    Each task i has a learned log-variance :math:`s_i = \log \sigma_i^2` (initially 0):

    .. math::
        L = \sum_i \frac{1}{2\sigma_i^2} L_i + \log \sigma_i
          = \sum_i \tfrac{1}{2} e^{-s_i} L_i + \tfrac{1}{2} s_i

    the paper's Eq. 7. A noisy task (large L_i) earns a large sigma_i and a small weight; the
    log term stops sigma from growing without bound. For fixed L_i the minimum is at
    :math:`s_i = \log L_i`. The paper's classification form, :math:`L_i / \sigma_i^2 + \log
    \sigma_i`, is the same up to a constant once sigma_i is rescaled by sqrt(2). Optimise
    ``log_vars`` with the network's parameters.

    Args:
        tasks: the number of tasks, or their names (then ``forward`` takes a mapping).

    Shape:
        losses: K scalars. Output: a scalar.

    Raises:
        ValueError: fewer than one task; in ``forward``, as :class:`WeightedSumLoss`.

    Example:
        >>> import torch
        >>> from lossedu import UncertaintyWeightedLoss
        >>> total = UncertaintyWeightedLoss(["segmentation", "depth"])
        >>> total({"segmentation": torch.tensor(0.8), "depth": torch.tensor(2.0)})
        tensor(1.4000, grad_fn=<SumBackward0>)
        >>> total.weights  # 1 / (2 sigma^2), before any training
        tensor([0.5000, 0.5000])
    """

    def __init__(self, tasks: int | Sequence[str]):
        super().__init__()
        self.names = _task_names(tasks)
        count = len(self.names) if self.names else tasks
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(
                f"Expected `tasks` to be a number of tasks >= 1 or a sequence of task names, "
                f"got {tasks!r}."
            )
        self.log_vars = nn.Parameter(torch.zeros(count))  # s_i = log sigma_i^2

    @property
    def weights(self) -> torch.Tensor:
        """The current weights 1 / (2 sigma_i^2) = exp(-s_i) / 2, detached."""
        return self.log_vars.detach().neg().exp() / 2

    def forward(
        self, losses: Sequence[torch.Tensor] | Mapping[str, torch.Tensor]
    ) -> torch.Tensor:
        values = _stack_losses(losses, self.names, len(self.log_vars))  # (K,)
        log_vars = self.log_vars.to(values.dtype)
        # L = sum_i exp(-s_i) L_i / 2 + s_i / 2
        return (0.5 * torch.exp(-log_vars) * values + 0.5 * log_vars).sum()

    def extra_repr(self) -> str:
        return f"names={self.names}" if self.names else f"tasks={len(self.log_vars)}"
