"""Regression losses: mean squared error, and the losses built on |x - y|.

Each loss is unreduced first, ``l_n`` for every element n, then reduced by
:func:`lossedu._reduction.reduce`.
"""

import torch

from lossedu._checks import (
    check_floating,
    check_reduction,
    check_same_device,
    check_same_shape,
    check_tensor,
)
from lossedu._reduction import reduce


def _check_pair(input: torch.Tensor, target: torch.Tensor, reduction: str) -> None:
    """The checks every elementwise regression loss makes at its entry point."""
    check_floating("input", check_tensor("input", input))
    check_tensor("target", target)
    check_reduction(reduction)
    check_same_device(input=input, target=target)
    check_same_shape(input, target)


class _SquaredError(torch.autograd.Function):
    """``l_n = (x_n - y_n)^2``, reduced, with its gradient written by hand:
    ``dl_n/dx_n = 2 (x_n - y_n) = -dl_n/dy_n``; one saved tensor, one fused backward pass."""

    @staticmethod
    def forward(ctx, input, target, reduction):
        residual = input - target  # r_n = x_n - y_n
        ctx.save_for_backward(residual)
        ctx.reduction = reduction
        return reduce(residual.square(), reduction)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_output):
        (residual,) = ctx.saved_tensors
        scale = 2.0 / residual.numel() if ctx.reduction == "mean" else 2.0
        grad_input = residual * (grad_output * scale)  # 2 r_n, times 1/N for 'mean'
        grad_target = -grad_input if ctx.needs_input_grad[1] else None
        return grad_input if ctx.needs_input_grad[0] else None, grad_target, None


def mse_loss(
    input: torch.Tensor, target: torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    r"""Mean squared error (squared L2 loss) between ``input`` and ``target``.

    .. math::
        l_n = (x_n - y_n)^2, \qquad
        \ell = \begin{cases} l & \text{'none'} \\ \sum_n l_n & \text{'sum'} \\
        \frac{1}{N}\sum_n l_n & \text{'mean'} \end{cases}

    Args:
        input: predictions x, any shape, floating point.
        target: targets y, the same shape as ``input``.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Shape:
        input and target: (*), the same shape. Output: a scalar, or (*) for ``'none'``.

    Raises:
        TypeError: ``input`` or ``target`` is not a tensor, or ``input`` is not floating point.
        ValueError: an unknown ``reduction``; shapes that differ (torch would broadcast them
            and only warn); tensors on different devices.

    Example:
        >>> import torch
        >>> from lossedu import mse_loss
        >>> x = torch.tensor([1.0, 2.0, 3.0])
        >>> y = torch.tensor([2.0, 2.0, 4.0])
        >>> mse_loss(x, y)
        tensor(0.6667)
        >>> mse_loss(x, y, reduction="sum")
        tensor(2.)
        >>> mse_loss(x, y, reduction="none")
        tensor([1., 0., 1.])
    """
    _check_pair(input, target, reduction)
    return _SquaredError.apply(input, target, reduction)
