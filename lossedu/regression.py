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


class _ResidualLoss(torch.autograd.Function):
    """``l_n = f(r_n)`` of the residual ``r = x - y``, reduced, with the gradient written by hand:
    ``dl_n/dx_n = f'(r_n) = -dl_n/dy_n``. One saved tensor and one fused pass backward, instead
    of autograd walking back through every intermediate of ``f``."""

    @staticmethod
    def forward(ctx, input, target, reduction, f, slope):
        residual = input - target  # r_n = x_n - y_n
        ctx.save_for_backward(residual)
        ctx.reduction, ctx.slope = reduction, slope
        return reduce(f(residual), reduction)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_output):
        (residual,) = ctx.saved_tensors
        if ctx.reduction == "mean":
            grad_output = grad_output / residual.numel()
        grad_input = ctx.slope(residual).mul_(grad_output)  # f'(r_n), times 1/N for 'mean'
        grad_target = -grad_input if ctx.needs_input_grad[1] else None
        return grad_input if ctx.needs_input_grad[0] else None, grad_target, None, None, None


def _squared(r):
    return r.square()


def _squared_slope(r):
    return r * 2


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
    return _ResidualLoss.apply(input, target, reduction, _squared, _squared_slope)


def l1_loss(input: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    r"""Mean absolute error (L1 loss) between ``input`` and ``target``.

    .. math::
        l_n = |x_n - y_n|, \qquad \frac{\partial l_n}{\partial x_n} = \operatorname{sign}(x_n - y_n)

    (0 at a zero residual, as in torch), then reduced as in :func:`mse_loss`.

    Args:
        input: predictions x, any shape, floating point.
        target: targets y, the same shape as ``input``.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Shape:
        input and target: (*), the same shape. Output: a scalar, or (*) for ``'none'``.

    Raises:
        TypeError: non-tensor arguments, or a non-floating ``input``.
        ValueError: an unknown ``reduction``; shapes that differ; tensors on different devices.

    Example:
        >>> import torch
        >>> from lossedu import l1_loss
        >>> l1_loss(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 5.0]))
        tensor(0.6667)
    """
    _check_pair(input, target, reduction)
    return _ResidualLoss.apply(input, target, reduction, torch.abs, torch.sign)


def _huber(r: torch.Tensor, delta: float) -> torch.Tensor:
    """Huber of the residual without branches: with a = |r| and c = min(a, delta),
    ``c (a - c/2)`` is a^2/2 below delta and delta (a - delta/2) above; four passes in place,
    where ``torch.where`` over both branches would need more."""
    a = r.abs()
    c = a.clamp(max=delta)
    return a.sub_(c, alpha=0.5).mul_(c)


def _check_threshold(name: str, value: float, allow_zero: bool) -> None:
    if not (value >= 0 if allow_zero else value > 0):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"Expected `{name}` {bound}, got {value!r}: it is the residual size "
                         f"where the loss turns from quadratic to linear.")


def smooth_l1_loss(
    input: torch.Tensor, target: torch.Tensor, reduction: str = "mean", beta: float = 1.0
) -> torch.Tensor:
    r"""Smooth L1 loss: quadratic for residuals below ``beta``, linear above.

    .. math::
        l_n = \begin{cases} \tfrac12 r_n^2 / \beta & |r_n| < \beta \\
        |r_n| - \tfrac12 \beta & \text{otherwise} \end{cases}, \qquad
        \frac{\partial l_n}{\partial x_n} = \operatorname{clamp}(r_n / \beta, -1, 1)

    with ``r = x - y``; ``beta = 0`` is the L1 loss. Reduced as in :func:`mse_loss`.
    ``huber_loss(delta) = delta * smooth_l1_loss(beta=delta)``.

    Args:
        input: predictions x, any shape, floating point.
        target: targets y, the same shape as ``input``.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.
        beta: the threshold, >= 0. Default: 1.0.

    Shape:
        input and target: (*), the same shape. Output: a scalar, or (*) for ``'none'``.

    Raises:
        TypeError: non-tensor arguments, or a non-floating ``input``.
        ValueError: a negative ``beta``; as :func:`mse_loss` otherwise.

    Example:
        >>> import torch
        >>> from lossedu import smooth_l1_loss
        >>> smooth_l1_loss(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 2.0, 4.0]))
        tensor(0.3333)
    """
    _check_pair(input, target, reduction)
    _check_threshold("beta", beta, allow_zero=True)
    if beta == 0:
        return l1_loss(input, target, reduction)

    def f(r):
        return _huber(r, beta).div_(beta)  # SmoothL1_beta = Huber_beta / beta

    def slope(r):
        return (r / beta).clamp_(-1, 1)

    return _ResidualLoss.apply(input, target, reduction, f, slope)


def huber_loss(
    input: torch.Tensor, target: torch.Tensor, reduction: str = "mean", delta: float = 1.0
) -> torch.Tensor:
    r"""Huber loss: quadratic for residuals up to ``delta``, linear (slope ``delta``) above.

    .. math::
        l_n = \begin{cases} \tfrac12 r_n^2 & |r_n| \le \delta \\
        \delta (|r_n| - \tfrac12 \delta) & \text{otherwise} \end{cases}, \qquad
        \frac{\partial l_n}{\partial x_n} = \operatorname{clamp}(r_n, -\delta, \delta)

    with ``r = x - y``. Reduced as in :func:`mse_loss`.

    Args:
        input: predictions x, any shape, floating point.
        target: targets y, the same shape as ``input``.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.
        delta: the threshold, > 0. Default: 1.0.

    Shape:
        input and target: (*), the same shape. Output: a scalar, or (*) for ``'none'``.

    Raises:
        TypeError: non-tensor arguments, or a non-floating ``input``.
        ValueError: ``delta`` not positive; as :func:`mse_loss` otherwise.

    Example:
        >>> import torch
        >>> from lossedu import huber_loss
        >>> huber_loss(torch.tensor([0.5, 4.0]), torch.zeros(2), reduction="none", delta=2.0)
        tensor([0.1250, 6.0000])
    """
    _check_pair(input, target, reduction)
    _check_threshold("delta", delta, allow_zero=False)

    def slope(r):
        return r.clamp(-delta, delta)

    return _ResidualLoss.apply(input, target, reduction, lambda r: _huber(r, delta), slope)
