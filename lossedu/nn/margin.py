"""Margin losses as Modules: hinge embedding, soft margin, and the multi-class and multi-label
margin losses."""

import torch

import lossedu
from lossedu.nn._base import _Loss, _WeightedLoss


class HingeEmbeddingLoss(_Loss):
    """Hinge embedding: ``x`` where ``y = 1``, ``max(0, margin - x)`` where ``y = -1``.

    Wraps :func:`lossedu.hinge_embedding_loss`; constructor and ``forward`` as
    ``torch.nn.HingeEmbeddingLoss``.
    """

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return lossedu.hinge_embedding_loss(input, target, margin=self.margin,
                                            reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """Two-class logistic loss ``log(1 + exp(-y x))`` for labels ``y`` in {1, -1}.

    Wraps :func:`lossedu.soft_margin_loss`; constructor and ``forward`` as
    ``torch.nn.SoftMarginLoss``.
    """

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return lossedu.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Multi-label one-versus-all logistic loss, the mean over classes of a weighted BCE with
    logits.

    Wraps :func:`lossedu.multilabel_soft_margin_loss`; constructor and ``forward`` as
    ``torch.nn.MultiLabelSoftMarginLoss``, with ``weight`` a buffer.
    """

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return lossedu.multilabel_soft_margin_loss(input, target, weight=self.weight,
                                                   reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge: the mean over other classes of ``max(0, margin - x_y + x_i)^p``.

    Wraps :func:`lossedu.multi_margin_loss`; constructor and ``forward`` as
    ``torch.nn.MultiMarginLoss``, with ``weight`` a buffer.
    """

    def __init__(self, p: int = 1, margin: float = 1.0, weight: torch.Tensor | None = None,
                 reduction: str = "mean") -> None:
        if p not in (1, 2) or isinstance(p, bool):
            raise ValueError(f"Expected `p` to be 1 or 2, got {p!r}: the power of each hinge "
                             f"term, the only two torch supports.")
        if isinstance(weight, torch.Tensor) and weight.dim() != 1:
            raise ValueError(f"Expected `weight` with one entry per class, a 1-D tensor, got "
                             f"{weight.dim()}-D shape {tuple(weight.shape)}.")
        super().__init__(weight, reduction)
        self.p = p
        self.margin = margin

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return lossedu.multi_margin_loss(input, target, p=self.p, margin=self.margin,
                                         weight=self.weight, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge: for each target class j and each other class i,
    ``max(0, 1 - (x_j - x_i))``, over the number of classes.

    Wraps :func:`lossedu.multilabel_margin_loss`; constructor and ``forward`` as
    ``torch.nn.MultiLabelMarginLoss`` (targets: class indices, padded with -1).
    """

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return lossedu.multilabel_margin_loss(input, target, reduction=self.reduction)
