"""An exponential moving average of a model's weights."""

import copy

import torch
from torch import nn


class EMA:
    r"""An exponential moving average of a model's weights, updated after each optimiser step:

    .. math:: \bar\theta \leftarrow \beta \, \bar\theta + (1 - \beta) \, \theta

    so after n steps from :math:`\bar\theta_0` with constant weights :math:`\theta`,
    :math:`\bar\theta_n = \theta + \beta^n (\bar\theta_0 - \theta)`. It averages roughly the
    last :math:`1 / (1 - \beta)` steps, which smooths out the noise of the last few updates.
    Buffers (BatchNorm's running statistics) are copied, not averaged.

    Args:
        model: the model to follow (the unwrapped module under DistributedDataParallel).
        decay: :math:`\beta` in [0, 1). Default: 0.999.

    Attributes:
        module: a copy of the model that holds the averaged weights, in eval mode and without
            gradients; evaluate it like the model, save ``ema.module.state_dict()``.
        updates: how many times :meth:`update` ran.

    Raises:
        ValueError: ``decay`` outside [0, 1).
        TypeError: ``model`` not an ``nn.Module``.
        ValueError: in :meth:`update`, a model whose parameters do not match.

    Example:
        >>> import torch
        >>> from lossedu import EMA
        >>> model = torch.nn.Linear(1, 1, bias=False)
        >>> _ = model.weight.data.fill_(0.0)
        >>> ema = EMA(model, decay=0.9)
        >>> _ = model.weight.data.fill_(1.0)
        >>> ema.update(model); ema.update(model)
        >>> round(ema.module.weight.item(), 6)  # 1 + 0.9**2 * (0 - 1)
        0.19
    """

    def __init__(self, model: nn.Module, decay: float = 0.999):
        if not isinstance(model, nn.Module):
            raise TypeError(f"Expected `model` to be a torch.nn.Module, got "
                            f"{type(model).__name__}.")
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"Expected `decay` in [0, 1), got {decay!r}: 0.999 averages about "
                             f"the last 1000 steps; 1 would never move.")
        self.decay = float(decay)
        self.module = copy.deepcopy(model).eval().requires_grad_(False)
        self.updates = 0

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """One step of the average towards ``model``'s current weights."""
        averages, weights = list(self.module.parameters()), list(model.parameters())
        if [a.shape for a in averages] != [w.shape for w in weights]:
            raise ValueError("Expected `model` to be the model this EMA was built from (the "
                             "same parameters, in the same order and shapes).")
        for average, weight in zip(averages, weights, strict=True):
            average.lerp_(weight.detach(), 1.0 - self.decay)  # β·avg + (1 − β)·weight
        for average, buffer in zip(self.module.buffers(), model.buffers(), strict=True):
            average.copy_(buffer)
        self.updates += 1

    def __repr__(self) -> str:
        return f"EMA(decay={self.decay}, updates={self.updates})"
