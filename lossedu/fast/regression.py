"""Regression losses with the gradient written by hand: one saved tensor, one backward pass.

Each loss is ``l_n = w_n f(r_n)`` of the residual ``r = x - y``, and its gradient is
``dl_n/dx_n = w_n f'(r_n) = -dl_n/dy_n``. Same arguments, checks and results as
:mod:`lossedu.regression`.
"""

import torch

from lossedu._autocast import float32_under_autocast
from lossedu._checks import check_pair, check_positive, no_legacy_positions
from lossedu._reduction import divide_for_mean
from lossedu.regression import THRESHOLD


def _sum_of_products(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``sum_n a_n b_n`` in one read-only pass (a BLAS dot), without an n-sized temporary.

    The dot accumulates in the tensors' own precision: on millions of float32 terms it agrees
    with torch's pairwise sum to about 1e-5 relative. float16 and bfloat16 take the product
    and torch's sum, which accumulates in float32 as torch's losses do."""
    if a.dtype in (torch.float32, torch.float64):
        return torch.dot(a.reshape(-1), b.reshape(-1))
    return (a * b).sum()


class _ResidualLoss(torch.autograd.Function):
    """``l_n = w_n f(r_n)`` of the residual ``r = x - y``, reduced over D terms (D = N, or
    ``sum_n w_n`` for a weighted mean), with the gradients by hand:
    ``dl_n/dx_n = w_n f'(r_n) = -dl_n/dy_n`` and ``dl_n/dw_n = f(r_n)``, where the weighted
    mean ``L`` adds ``-L / D`` (D depends on w).

    ``terms(r, elementwise)`` returns the loss (every ``f(r_n)``, or their sum) and a tensor
    ``u`` with ``f'(r) = scale * u``; it may overwrite ``r``, a temporary. Only ``u`` (times
    ``w``) is saved, and ``f`` where ``w`` needs a gradient; the backward is one pass,
    ``scale * u * grad``."""

    @staticmethod
    def forward(ctx, input, target, weight, reduction, terms, scale, weighted_mean):
        residual = input - target  # r_n = x_n - y_n
        elementwise = reduction == "none" or weight is not None
        loss, slope = terms(residual, elementwise)
        f = loss if ctx.needs_input_grad[2] else None  # f(r_n), kept for dl/dw
        if weight is not None:
            loss, slope = loss * weight, slope * weight  # w_n f(r_n), w_n f'(r_n) / scale
            loss = loss if reduction == "none" else loss.sum()
        count = weight.sum() if weight is not None and weighted_mean else slope.numel()
        out = divide_for_mean(loss, reduction, count)
        ctx.save_for_backward(slope, f, out if weighted_mean and f is not None else None)
        ctx.reduction, ctx.scale, ctx.count = reduction, scale, count
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_output):
        slope, f, weighted_mean = ctx.saved_tensors
        per_term = divide_for_mean(grad_output, ctx.reduction, ctx.count)
        grad_input = slope * (per_term * ctx.scale)
        grad_target = -grad_input if ctx.needs_input_grad[1] else None
        grad_weight = None
        if f is not None:
            grad_weight = f * per_term
            if ctx.reduction == "mean" and weighted_mean is not None:
                grad_weight = grad_weight - weighted_mean * per_term  # D = sum_n w_n moves too
        return (grad_input if ctx.needs_input_grad[0] else None, grad_target, grad_weight,
                None, None, None, None)


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
@no_legacy_positions
def mse_loss(input, target, reduction="mean", weight=None):
    """:func:`lossedu.mse_loss` with the gradient by hand: ``dl_n/dx_n = 2 w_n (x_n - y_n)``."""
    check_pair(input, target, reduction, weight)
    return _ResidualLoss.apply(input, target, weight, reduction, _squared, 2, True)


@float32_under_autocast
@no_legacy_positions
def l1_loss(input, target, reduction="mean", weight=None):
    """:func:`lossedu.l1_loss` with the gradient by hand: ``dl_n/dx_n = w_n sign(x_n - y_n)``."""
    check_pair(input, target, reduction, weight)
    return _ResidualLoss.apply(input, target, weight, reduction, _absolute, 1, True)


@float32_under_autocast
@no_legacy_positions
def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """:func:`lossedu.smooth_l1_loss` with the gradient by hand:
    ``dl_n/dx_n = clamp(r_n / beta, -1, 1)``, as Huber(beta) / beta."""
    check_pair(input, target, reduction), check_positive("beta", beta, THRESHOLD, allow_zero=True)
    if beta == 0:
        return l1_loss(input, target, reduction)
    huber = _ResidualLoss.apply(input, target, None, reduction, _huber_terms(beta), 1, False)
    return huber / beta if beta != 1 else huber  # SmoothL1_beta = Huber_beta / beta


@float32_under_autocast
def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """:func:`lossedu.huber_loss` with the gradient by hand:
    ``dl_n/dx_n = w_n clamp(r_n, -delta, delta)``; 'mean' divides by N, as torch does."""
    check_pair(input, target, reduction, weight), check_positive("delta", delta, THRESHOLD)
    return _ResidualLoss.apply(input, target, weight, reduction, _huber_terms(delta), 1, False)
