"""The linear layer and cross-entropy in one Module, as torch's ``LinearCrossEntropyLoss``."""

import math

import torch
from torch import nn

import lossedu
from lossedu._checks import check_fraction, shape_str
from lossedu.nn._base import _WeightedLoss, check_buffer


class LinearCrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of the logits of its own linear layer, ``z = W x + b``.

    Wraps :func:`lossedu.linear_cross_entropy`; constructor, ``forward``, parameters
    (``linear.weight``, ``linear.bias``, stored flat as ``(C * d1 * ... * dK, in_features)``)
    and ``repr`` as ``torch.nn.LinearCrossEntropyLoss``, with ``weight`` a buffer.
    """

    def __init__(self, in_features: int, num_classes: int, *, out_features: tuple[int, ...] = (),
                 bias: bool = False, device=None, dtype=None, reduction: str = "mean",
                 weight: torch.Tensor | None = None, ignore_index: int | None = None,
                 label_smoothing: float = 0.0, options=None) -> None:
        weight = check_buffer("weight", weight)
        if weight is not None and weight.shape != (num_classes,):
            raise ValueError(f"Expected `weight` with one entry per class, shape "
                             f"({num_classes},), got {shape_str(weight.shape)}.")
        check_fraction("label_smoothing", label_smoothing)
        super().__init__(weight, reduction)
        self.num_classes = num_classes
        self.out_features = out_features
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        # one (C * d1 * ... * dK, in_features) matrix, as torch keeps it, reshaped in forward
        self.linear = nn.Linear(in_features, math.prod(out_features, start=num_classes),
                                bias=bias, device=device, dtype=dtype)
        self.options = options

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        shape = (self.num_classes, *self.out_features)
        linear_weight = self.linear.weight.reshape(*shape, -1)  # (C, d1, ..., dK, in_features)
        bias = self.linear.bias
        linear_bias = None if bias is None else bias.reshape(shape)  # (C, d1, ..., dK)
        return lossedu.linear_cross_entropy(
            input, linear_weight, target, linear_bias=linear_bias, weight=self.weight,
            reduction=self.reduction, ignore_index=self.ignore_index,
            label_smoothing=self.label_smoothing, options=self.options)

    def extra_repr(self) -> str:
        return (f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
                f"out_features={self.out_features}, bias={self.linear.bias is not None}, "
                f"reduction={self.reduction}, ignore_index={self.ignore_index}, "
                f"label_smoothing={self.label_smoothing}, options={self.options}")
