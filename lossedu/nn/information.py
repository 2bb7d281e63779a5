"""Distributions as Modules: softmax, log-softmax, and the KL divergence between two."""

import torch
from torch import nn

import lossedu
from lossedu._reduction import REDUCTIONS
from lossedu.nn._base import _Loss


class KLDivLoss(_Loss):
    """KL divergence ``y (log y - x)`` per element, for log-probabilities x.

    Wraps :func:`lossedu.kl_div`; constructor and ``forward`` as ``torch.nn.KLDivLoss``
    (``reduction='batchmean'`` is the true KL divergence per sample).
    """

    reductions = (*REDUCTIONS, "batchmean")

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return lossedu.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class _Normalise(nn.Module):
    """Softmax or log-softmax along ``dim``: ``dim`` is required when it runs."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def _dim(self, input: torch.Tensor) -> int:
        if self.dim is None:
            raise ValueError(
                f"Expected `dim` for {type(self).__name__}, got None for an input of "
                f"{input.dim()} dimensions: torch guesses one (0 for 0-, 1- and 3-D inputs, "
                f"1 otherwise) and warns; say which, e.g. {type(self).__name__}(dim=1) for "
                f"(N, C) logits."
            )
        return self.dim

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_Normalise):
    """Softmax along ``dim``: ``exp(z_i - m) / sum_j exp(z_j - m)``, stable for any logits.

    Wraps :func:`lossedu.softmax`; constructor, ``forward`` and ``repr`` as
    ``torch.nn.Softmax``.
    """

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return lossedu.softmax(input, self._dim(input))


class LogSoftmax(_Normalise):
    """Log-softmax along ``dim`` in the log-sum-exp form.

    Wraps :func:`lossedu.log_softmax`; constructor, ``forward`` and ``repr`` as
    ``torch.nn.LogSoftmax``.
    """

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return lossedu.log_softmax(input, self._dim(input))
