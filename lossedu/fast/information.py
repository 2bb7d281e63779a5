"""softmax and log-softmax with the gradient written by hand, one saved output each.

Same arguments, checks and results as :mod:`lossedu.information`.
"""

import torch

from lossedu.information import _logits


class _Softmax(torch.autograd.Function):
    """Softmax, and its gradient by hand: with s = softmax(z),
    ``dL/dz = s * (g - sum_j g_j s_j)`` along ``dim``; only s is saved."""

    @staticmethod
    def forward(ctx, z, dim):
        exp = (z - z.amax(dim, keepdim=True)).exp_()  # e^(z - m): every exponent <= 0
        s = exp.div_(exp.sum(dim, keepdim=True))
        ctx.save_for_backward(s)
        ctx.dim = dim
        return s

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_output):
        (s,) = ctx.saved_tensors
        return s * (grad_output - (grad_output * s).sum(ctx.dim, keepdim=True)), None


class _LogSoftmax(torch.autograd.Function):
    """log-softmax in place, and its gradient by hand: with s = softmax(z) = exp(out),
    ``dL/dz = g - s * sum_j g_j`` along ``dim``; only the output is saved."""

    @staticmethod
    def forward(ctx, z, dim):
        out = z - z.amax(dim, keepdim=True)  # z - m: every exponent <= 0
        out.sub_(out.exp().sum(dim, keepdim=True).log_())  # - log sum exp(z - m)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output - out.exp().mul_(grad_output.sum(ctx.dim, keepdim=True)), None


def _apply(function, input, dim, dtype):
    z, out_dtype = _logits(input, dim, dtype)
    if z.numel() == 0:  # an empty dimension has no maximum: nothing to normalise, as torch
        return z.to(out_dtype, copy=True)
    return function.apply(z, dim).to(out_dtype)


def softmax(
    input: torch.Tensor, dim: int | None = None, *, dtype: torch.dtype | None = None
) -> torch.Tensor:
    """:func:`lossedu.softmax` with the gradient by hand: ``s * (g - sum_j g_j s_j)``."""
    return _apply(_Softmax, input, dim, dtype)


def log_softmax(
    input: torch.Tensor, dim: int | None = None, *, dtype: torch.dtype | None = None
) -> torch.Tensor:
    """:func:`lossedu.log_softmax` with the gradient by hand: ``g - softmax(z) sum_j g_j``."""
    return _apply(_LogSoftmax, input, dim, dtype)
