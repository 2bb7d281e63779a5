"""Binary cross-entropy, on probabilities and on logits, with the gradients written by hand.

Same arguments, checks and results as :mod:`lossedu.binary`; the forward runs in place
without a graph and saves only its inputs.
"""

import torch

from lossedu._autocast import float32_under_autocast
from lossedu._checks import check_bce, check_binary, no_legacy_positions
from lossedu._reduction import divide_for_mean, reduce


def _mean_scale(grad_output, w, reduction, numel):
    """d(reduced loss) / d l_n, times w_n where weighted."""
    grad_output = divide_for_mean(grad_output, reduction, numel)
    return grad_output if w is None else grad_output * w


class _BinaryCrossEntropy(torch.autograd.Function):
    """BCE on probabilities, with torch's clamp of each log at -100 and torch's gradients:
    ``dl/dp = w (p - y) / max(p (1 - p), 1e-12)``, finite at p = 0 and p = 1, and
    ``dl/dy = w (log(1 - p) - log p)``."""

    @staticmethod
    def forward(ctx, p, y, w, reduction):
        log_p = p.log().clamp_(min=-100)  # log 0 = -inf would give inf or nan
        log_1mp = (-p).log1p_().clamp_(min=-100)
        # l_n = -[(1 - y) log(1 - p) + y log p]: lerp is (1 - y) a + y b in one pass, exactly
        # a at y = 0 and b at y = 1
        loss = log_1mp.lerp_(log_p, y).neg_()
        if w is not None:
            loss = loss.mul_(w)
        ctx.save_for_backward(p, y, w)
        ctx.reduction = reduction
        return reduce(loss, reduction)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_output):
        p, y, w = ctx.saved_tensors
        scale = _mean_scale(grad_output, w, ctx.reduction, p.numel())
        grad_p = grad_y = None
        if ctx.needs_input_grad[0]:
            variance = (1 - p).mul_(p).clamp_(min=1e-12)  # p (1 - p), kept off 0
            grad_p = (p - y).div_(variance).mul_(scale)
        if ctx.needs_input_grad[1]:  # dl/dy = log(1 - p) - log p, unclamped as in torch
            grad_y = (-p).log1p_().sub_(p.log()).mul_(scale)
        return grad_p, grad_y, None, None


def _softplus_neg(x: torch.Tensor) -> torch.Tensor:
    """softplus(-x) = log(1 + e^{-|x|}) - min(x, 0): no exponent is ever positive."""
    return x.abs().neg_().exp_().log1p_().sub_(x.clamp(max=0))


class _BinaryCrossEntropyWithLogits(torch.autograd.Function):
    """BCE on logits, computed in place without a graph, with the gradients by hand:
    ``dl/dx = w [lw sigma(x) - lw + 1 - y]`` (``= w (sigma(x) - y)`` without ``pos_weight``)
    and ``dl/dy = w [(p_w - 1) softplus(-x) - x]``, where ``lw = 1 + (p_w - 1) y``."""

    @staticmethod
    def forward(ctx, x, y, w, pos_weight, reduction):
        softplus_neg = _softplus_neg(x)
        log_weight = None if pos_weight is None else (pos_weight - 1) * y + 1  # lw
        loss = softplus_neg if log_weight is None else softplus_neg.mul_(log_weight)
        # (1 - y) x + lw softplus(-x): with (1 - y) x, not x - y x, y = 1 leaves softplus(-x)
        # exact where it is tiny (x >> 0)
        loss = loss.addcmul_(1 - y, x)
        if w is not None:
            loss = loss.mul_(w)
        ctx.save_for_backward(x, y, w, pos_weight, log_weight)
        ctx.reduction = reduction
        return reduce(loss, reduction)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_output):
        x, y, w, pos_weight, log_weight = ctx.saved_tensors
        scale = _mean_scale(grad_output, w, ctx.reduction, x.numel())
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            if log_weight is None:
                grad_x = torch.sigmoid(x).sub_(y).mul_(scale)  # sigma(x) - y
            else:
                grad_x = torch.sigmoid(x).sub_(1).mul_(log_weight).add_(1).sub_(y).mul_(scale)
        if ctx.needs_input_grad[1]:
            grad_y = -x if pos_weight is None else _softplus_neg(x) * (pos_weight - 1) - x
            grad_y = grad_y * scale
        return grad_x, grad_y, None, None, None


@float32_under_autocast
@no_legacy_positions
def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """:func:`lossedu.binary_cross_entropy` with torch's gradient by hand:
    ``w (p - y) / max(p (1 - p), 1e-12)``, finite at p = 0 and 1."""
    check_bce(input, target, reduction, weight)
    weight = None if weight is None else weight.expand_as(input)
    return _BinaryCrossEntropy.apply(input, target, weight, reduction)


@float32_under_autocast
@no_legacy_positions
def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    """:func:`lossedu.binary_cross_entropy_with_logits` with the gradient by hand:
    ``w (sigmoid(x) - y)`` (with ``pos_weight``: ``w [lw sigmoid(x) - lw + 1 - y]``)."""
    check_binary(input, target, reduction, weight, pos_weight)
    return _BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, reduction)
