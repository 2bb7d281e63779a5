"""Multi-class losses with the gradient written by hand: NLL, cross-entropy, focal loss.

Same arguments, checks and results as :mod:`lossedu.classification`; the forward runs in
place without a graph and saves only what the backward needs.
"""

import torch

from lossedu._autocast import float32_under_autocast
from lossedu._checks import check_class_target, check_fraction, check_positive, no_legacy_positions
from lossedu._reduction import divide_for_mean, reduce
from lossedu.classification import _batched, _class_weights
from lossedu.classification import cross_entropy as _readable_cross_entropy
from lossedu.fast.information import log_softmax


class _NLLLoss(torch.autograd.Function):
    """``l_n = -w_{y_n} x_{n, y_n}`` (0 where ignored), with the gradient by hand: the
    gradient of l_n is ``-w_{y_n}`` at the target class and 0 at every other class."""

    @staticmethod
    def forward(ctx, log_probs, target, weight, ignore_index, reduction):
        index, w, ignored = _class_weights(target, weight, ignore_index, log_probs.dtype)
        picked = log_probs.gather(1, index).squeeze(1)  # x_{n, y_n}: (N, d1, ...), a copy
        loss = picked.mul_(w).neg_().masked_fill_(ignored, 0)
        ctx.save_for_backward(index, w)
        ctx.reduction, ctx.shape = reduction, log_probs.shape
        return reduce(loss, reduction, w)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_output):
        index, w = ctx.saved_tensors
        at_target = -w * divide_for_mean(grad_output, ctx.reduction, w.sum())  # (N, d1, ...)
        grad = torch.zeros(ctx.shape, dtype=w.dtype, device=w.device)
        return grad.scatter_(1, index, at_target.unsqueeze(1)), None, None, None, None


class _FocalNLL(torch.autograd.Function):
    """``l_n = -w_{y_n} (1 - q)^gamma log q`` of the target's ``log q = x_{n, y_n}`` (0 where
    ignored), with the gradient by hand, at the target class only:
    ``dl_n/dx_{n, y_n} = w_{y_n} (gamma q log q (1 - q)^(gamma - 1) - (1 - q)^gamma)``
    (``-w_{y_n}`` for gamma = 0, the NLL's)."""

    @staticmethod
    def forward(ctx, log_probs, target, gamma, weight, ignore_index, reduction):
        index, w, ignored = _class_weights(target, weight, ignore_index, log_probs.dtype)
        log_q = log_probs.gather(1, index).squeeze(1)  # log q_{n, y_n}: (N, d1, ...)
        q = log_q.exp()
        loss = ((1 - q) ** gamma * log_q).mul_(w).neg_().masked_fill_(ignored, 0)
        ctx.save_for_backward(index, w, log_q, q)
        ctx.gamma, ctx.reduction, ctx.shape = gamma, reduction, log_probs.shape
        return reduce(loss, reduction, w)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_output):
        index, w, log_q, q = ctx.saved_tensors
        gamma, rest = ctx.gamma, 1 - q
        slope = -rest**gamma
        if gamma:  # the focal factor's own slope: gamma q log q (1 - q)^(gamma - 1)
            slope = slope + gamma * q * log_q * rest ** (gamma - 1)
        at_target = w * slope * divide_for_mean(grad_output, ctx.reduction, w.sum())
        grad = torch.zeros(ctx.shape, dtype=w.dtype, device=w.device)
        return grad.scatter_(1, index, at_target.unsqueeze(1)), None, None, None, None, None


class _CrossEntropy(torch.autograd.Function):
    r"""Cross-entropy of logits and class indices in one step, with the gradient by hand.

    Forward, along the class dim: 1. ``m = max_c z_c``; 2. ``e = exp(z - m)``;
    3. ``L = log sum_c e_c``, so that ``log q_c = z_c - m - L``; 4. ``l_n = a_n (-log q_{y_n})
    + eps/C sum_c w_c (-log q_c)`` with ``a_n = (1 - eps) w_{y_n}``, 0 where ignored.

    Backward: with the softmax ``q = e / sum_c e_c`` and ``W = sum_c w_c``,
    ``dl_n/dz_c = a_n (q_c - [c = y_n]) + eps/C (W q_c - w_c)``: the softmax minus the
    (weighted, smoothed) one-hot target, ``softmax(z) - y``. Only ``e`` and its sums over the
    classes are saved."""

    @staticmethod
    def forward(ctx, logits, target, weight, ignore_index, reduction, label_smoothing):
        index, w, ignored = _class_weights(target, weight, ignore_index, logits.dtype)
        # w_c along the class dim: (C, 1, ..., 1)
        class_weight = None if weight is None else weight.to(logits.dtype).view(
            -1, *[1] * (logits.dim() - 2))
        shifted = logits - logits.amax(1, keepdim=True)  # z - m: every exponent <= 0
        target_shifted = shifted.gather(1, index).squeeze(1)  # z_y - m: (N, d1, ...)
        if label_smoothing:  # sum_c w_c (z_c - m), taken before shifted becomes e
            weighted_sum = (shifted if weight is None else shifted * class_weight).sum(1)
        exp = shifted.exp_()  # e = exp(z - m)
        sum_exp = exp.sum(1, keepdim=True)  # (N, 1, d1, ...)
        log_sum_exp = sum_exp.log().squeeze(1)  # L: (N, d1, ...)
        nll = target_shifted.sub_(log_sum_exp).neg_()  # -log q_{y_n} = -(z_y - m - L)
        loss = nll.mul_(w).masked_fill_(ignored, 0)  # w_{y_n} (-log q_{y_n}), 0 if ignored
        if label_smoothing:
            C = logits.shape[1]
            W = C if weight is None else class_weight.sum()
            smooth = (log_sum_exp * W - weighted_sum).masked_fill_(ignored, 0)  # -sum w_c log q_c
            loss = loss.mul_(1 - label_smoothing).add_(smooth, alpha=label_smoothing / C)
        ctx.save_for_backward(exp, sum_exp, index, w, ignored, class_weight)
        ctx.reduction, ctx.label_smoothing = reduction, label_smoothing
        return reduce(loss, reduction, w)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_output):
        exp, sum_exp, index, w, ignored, class_weight = ctx.saved_tensors
        eps, C = ctx.label_smoothing, exp.shape[1]
        scale = divide_for_mean(grad_output, ctx.reduction, w.sum())  # d loss / d l_n
        at_target = (1 - eps) * w * scale  # a_n, scaled: (N, d1, ...)
        softmax_scale = at_target
        if eps:
            uniform = (~ignored).to(exp.dtype).mul_(scale * (eps / C))  # eps/C, 0 if ignored
            W = C if class_weight is None else class_weight.sum()
            softmax_scale = at_target + uniform * W
            uniform = uniform.unsqueeze(1)  # (N, 1, d1, ...)
        # 1. q_c (a_n + eps/C W), with q = e / sum_c e_c; 2. minus a_n at the target class
        grad = exp * (softmax_scale.unsqueeze(1) / sum_exp)
        grad.scatter_add_(1, index, -at_target.unsqueeze(1))
        if eps:  # 3. minus eps/C w_c at every class
            if class_weight is None:
                grad.sub_(uniform)
            else:
                grad.addcmul_(uniform, class_weight, value=-1)
        return grad, None, None, None, None, None


def _unbatched(loss, unbatched, reduction):
    return loss.squeeze(0) if unbatched and reduction == "none" else loss


@float32_under_autocast
@no_legacy_positions
def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """:func:`lossedu.nll_loss` with the gradient by hand: ``-w_{y_n}`` at the target class,
    0 elsewhere."""
    if check_class_target(input, target, weight, ignore_index, reduction):
        raise ValueError("`nll_loss` takes class indices; for probability targets use "
                         "`cross_entropy`.")
    log_probs, target, unbatched = _batched(input, target)  # (N, C, d1, ...), (N, d1, ...)
    loss = _NLLLoss.apply(log_probs, target, weight, ignore_index, reduction)
    return _unbatched(loss, unbatched, reduction)


@float32_under_autocast
@no_legacy_positions
def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """:func:`lossedu.cross_entropy` with the gradient by hand: ``softmax(z) - y`` (weighted
    and smoothed). Probability targets take the readable form over the fast log-softmax."""
    if check_class_target(input, target, weight, ignore_index, reduction):
        return _readable_cross_entropy(input, target, weight, ignore_index, reduction,
                                       label_smoothing)
    check_fraction("label_smoothing", label_smoothing)
    logits, target, unbatched = _batched(input, target)  # (N, C, d1, ...), (N, d1, ...)
    loss = _CrossEntropy.apply(logits, target, weight, ignore_index, reduction, label_smoothing)
    return _unbatched(loss, unbatched, reduction)


def focal_loss(input, target, gamma=2.0, weight=None, ignore_index=-100, reduction="mean"):
    """:func:`lossedu.focal_loss` with the gradient by hand: the focal NLL's at the target
    class (``_FocalNLL``), then the log-softmax's, ``g - softmax(z) sum_j g_j``."""
    if check_class_target(input, target, weight, ignore_index, reduction):
        raise ValueError("`focal_loss` takes class indices, not probability targets.")
    check_positive("gamma", gamma, "it is the focusing exponent", allow_zero=True)
    log_q, target, unbatched = _batched(log_softmax(input, 0 if input.dim() == 1 else 1), target)
    loss = _FocalNLL.apply(log_q, target, gamma, weight, ignore_index, reduction)
    return _unbatched(loss, unbatched, reduction)
