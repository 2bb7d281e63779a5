"""Regression losses: mean squared error, and the losses built on |x - y|.

Each loss is a function of the residual ``r_n = x_n - y_n``: ``l_n = f(r_n)`` for every
element n. ``'none'`` returns every ``l_n``; ``'sum'`` and ``'mean'`` (divided by the number
of elements) are taken straight from the residual's terms, never materialising ``l``.
"""

import torch

from lossedu._autocast import float32_under_autocast
from lossedu._checks import (
    check_floating,
    check_reduction,
    check_same_device,
    check_same_shape,
    check_tensor,
)


def _check_pair(input: torch.Tensor, target: torch.Tensor, reduction: str) -> None:
    """The checks every elementwise regression loss makes at its entry point."""
    check_floating("input", check_tensor("input", input))
    check_tensor("target", target)
    check_reduction(reduction)
    check_same_device(input=input, target=target)
    check_same_shape(input, target)


def _sum_of_products(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``sum_n a_n b_n`` in one read-only pass (a BLAS dot), without an n-sized temporary.

    The dot accumulates in the tensors' own precision: on millions of float32 terms it agrees
    with torch's pairwise sum to about 1e-5 relative. float16 and bfloat16 take the product
    and torch's sum, which accumulates in float32 as torch's losses do."""
    if a.dtype in (torch.float32, torch.float64):
        return torch.dot(a.reshape(-1), b.reshape(-1))
    return (a * b).sum()


class _ResidualLoss(torch.autograd.Function):
    """``l_n = f(r_n)`` of the residual ``r = x - y``, reduced, with the gradient written by hand:
    ``dl_n/dx_n = f'(r_n) = -dl_n/dy_n``.

    ``terms(r, elementwise)`` returns the loss (every ``f(r_n)``, or their sum) and a tensor
    ``u`` with ``f'(r) = scale * u``; it may overwrite ``r``, a temporary. Only ``u`` is saved
    and the backward is one pass, ``scale * u * grad``, instead of autograd walking back
    through every intermediate of ``f``."""

    @staticmethod
    def forward(ctx, input, target, reduction, terms, scale):
        residual = input - target  # r_n = x_n - y_n
        loss, slope = terms(residual, elementwise=reduction == "none")
        ctx.save_for_backward(slope)
        ctx.reduction, ctx.scale = reduction, scale
        return loss / slope.numel() if reduction == "mean" else loss

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_output):
        (slope,) = ctx.saved_tensors
        scale = ctx.scale / slope.numel() if ctx.reduction == "mean" else ctx.scale
        grad_input = slope * (grad_output * scale if scale != 1 else grad_output)
        grad_target = -grad_input if ctx.needs_input_grad[1] else None
        return grad_input if ctx.needs_input_grad[0] else None, grad_target, None, None, None


def _squared(r: torch.Tensor, elementwise: bool):
    """f(r) = r^2, f'(r) = 2 r: u = r with scale 2."""
    return (r.square() if elementwise else _sum_of_products(r, r)), r


def _absolute(r: torch.Tensor, elementwise: bool):
    """f(r) = |r|, f'(r) = sign(r) (0 at r = 0, as in torch); |r| = sign(r) r."""
    sign = r.sign()
    return (r.abs_() if elementwise else _sum_of_products(sign, r)), sign


def _huber_terms(delta: float):
    """Huber without branches: with u = clamp(r, -delta, delta), which is also f'(r),
    ``f(r) = u (r - u/2)`` is r^2/2 where |r| <= delta and delta (|r| - delta/2) beyond.
    Two passes to make u and r, where ``torch.where`` over both branches needs many more."""

    def terms(r: torch.Tensor, elementwise: bool):
        clipped = r.clamp(-delta, delta)  # u
        if elementwise:
            return r.sub_(clipped, alpha=0.5).mul_(clipped), clipped
        return _sum_of_products(clipped, r) - 0.5 * _sum_of_products(clipped, clipped), clipped

    return terms


@float32_under_autocast
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
    return _ResidualLoss.apply(input, target, reduction, _squared, 2)


@float32_under_autocast
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
    return _ResidualLoss.apply(input, target, reduction, _absolute, 1)


def _check_threshold(name: str, value: float, allow_zero: bool) -> None:
    if not (value >= 0 if allow_zero else value > 0):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"Expected `{name}` {bound}, got {value!r}: it is the residual size "
                         f"where the loss turns from quadratic to linear.")


@float32_under_autocast
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
    huber = _ResidualLoss.apply(input, target, reduction, _huber_terms(beta), 1)
    return huber / beta if beta != 1 else huber  # SmoothL1_beta = Huber_beta / beta


@float32_under_autocast
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
    return _ResidualLoss.apply(input, target, reduction, _huber_terms(delta), 1)
