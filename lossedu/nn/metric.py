"""Metric-learning losses as Modules: cosine embedding, margin ranking, the triplet losses,
InfoNCE, and the pairwise distance that the triplet loss uses by default."""

from collections.abc import Callable

import torch
from torch import nn

import lossedu
from lossedu._checks import check_positive
from lossedu.nn._base import _Loss


class PairwiseDistance(nn.Module):
    """The p-norm distance of each pair of rows, ``||x1 - x2 + eps||_p`` over the last
    dimension, as ``torch.nn.PairwiseDistance`` (eps added to each coordinate).

    The default ``distance_function`` of :class:`TripletMarginWithDistanceLoss`.
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
        difference = x1 - x2 + self.eps  # (N, D) or (D,)
        return torch.linalg.vector_norm(difference, ord=self.norm, dim=-1, keepdim=self.keepdim)


class _PairLoss(_Loss):
    """A loss of two inputs and a ±1 target, with a ``margin`` (0 by default)."""

    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin


class CosineEmbeddingLoss(_PairLoss):
    """Cosine embedding: ``1 - cos(x1, x2)`` where ``y = 1``, ``max(0, cos - margin)`` where
    ``y = -1``.

    Wraps :func:`lossedu.cosine_embedding_loss`; constructor and ``forward`` as
    ``torch.nn.CosineEmbeddingLoss``.
    """

    def forward(self, input1: torch.Tensor, input2: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        return lossedu.cosine_embedding_loss(input1, input2, target, margin=self.margin,
                                             reduction=self.reduction)


class MarginRankingLoss(_PairLoss):
    """Margin ranking: ``max(0, -y (x1 - x2) + margin)``, x1 should rank above x2 where
    ``y = 1``.

    Wraps :func:`lossedu.margin_ranking_loss`; constructor and ``forward`` as
    ``torch.nn.MarginRankingLoss``.
    """

    def forward(self, input1: torch.Tensor, input2: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        return lossedu.margin_ranking_loss(input1, input2, target, margin=self.margin,
                                           reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """Triplet margin: ``max(d(a, p) - d(a, n) + margin, 0)`` with the p-norm distance.

    Wraps :func:`lossedu.triplet_margin_loss`; constructor and ``forward`` as
    ``torch.nn.TripletMarginLoss``.
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, reduction: str = "mean") -> None:
        check_positive("margin", margin, "with no gap the loss is 0")
        super().__init__(reduction)
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor: torch.Tensor, positive: torch.Tensor,
                negative: torch.Tensor) -> torch.Tensor:
        return lossedu.triplet_margin_loss(anchor, positive, negative, margin=self.margin,
                                           p=self.p, eps=self.eps, swap=self.swap,
                                           reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """Triplet margin with any distance ``d``: ``max(d(a, p) - d(a, n) + margin, 0)``.

    Wraps :func:`lossedu.triplet_margin_with_distance_loss`; constructor (keyword only) and
    ``forward`` as ``torch.nn.TripletMarginWithDistanceLoss``; without a
    ``distance_function`` it holds a :class:`PairwiseDistance`, as torch does.
    """

    def __init__(self, *, distance_function: Callable[[torch.Tensor, torch.Tensor],
                 torch.Tensor] | None = None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean") -> None:
        check_positive("margin", margin, "with no gap the loss is 0")
        if distance_function is not None and not callable(distance_function):
            raise TypeError(f"Expected `distance_function` to be callable, d(x, y) -> one "
                            f"distance per row, got {type(distance_function).__name__}.")
        super().__init__(reduction)
        if distance_function is None:
            distance_function = PairwiseDistance()  # a submodule, in the repr as in torch's
        self.distance_function = distance_function
        self.margin = margin
        self.swap = swap

    def forward(self, anchor: torch.Tensor, positive: torch.Tensor,
                negative: torch.Tensor) -> torch.Tensor:
        return lossedu.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


class InfoNCELoss(_Loss):
    """InfoNCE (NT-Xent, SimCLR) over two views of a batch: a cross-entropy over the cosine
    similarities at ``temperature``, each row's positive its other view.

    Wraps :func:`lossedu.info_nce`; ``forward(z1, z2)``.
    """

    def __init__(self, temperature: float = 0.1, reduction: str = "mean") -> None:
        check_positive("temperature", temperature, "it divides the similarities")
        super().__init__(reduction)
        self.temperature = temperature

    def forward(self, z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
        return lossedu.info_nce(z1, z2, temperature=self.temperature, reduction=self.reduction)
