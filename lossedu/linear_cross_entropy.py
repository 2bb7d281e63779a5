"""Cross-entropy of a linear projection, ``cross_entropy(input @ W.T + b, target)``, for a
vocabulary too large to hold every logit at once.

A language model's last layer maps N hidden states of size D to V logits, one per word of the
vocabulary. With N = 8192 tokens and V = 128,000 words the float32 logits alone take 3.9 GiB,
and autograd keeps them, and the softmax's gradient of the same size, for the backward pass.
Taken a chunk of B rows of the batch at a time, only a (B, V) slice of the logits ever exists.
"""

import warnings

import torch

from lossedu._checks import (
    check_class_target,
    check_floating,
    check_positive_int,
    check_reduction,
    check_same_device,
    check_tensor,
    shape_str,
)
from lossedu._reduction import divide_for_mean, reduce
from lossedu.classification import cross_entropy


def _check_projection(input, linear_weight, linear_bias) -> tuple[int, ...]:
    """Validate the projection's tensors; the logits' shape (*, C, d1, ..., dK)."""
    check_floating("input", check_tensor("input", input))
    check_floating("linear_weight", check_tensor("linear_weight", linear_weight))
    if linear_bias is not None:
        check_floating("linear_bias", check_tensor("linear_bias", linear_bias))
    check_same_device(input=input, linear_weight=linear_weight, linear_bias=linear_bias)
    if input.dim() not in (1, 2):
        raise ValueError(
            f"Expected `input` of shape (in_features) or (N, in_features), got "
            f"{shape_str(input.shape)}: flatten the batch and time dimensions into N."
        )
    if linear_weight.dim() < 2 or linear_weight.shape[-1] != input.shape[-1]:
        raise ValueError(
            f"Expected `linear_weight` of shape (C, ..., in_features) with in_features = "
            f"{input.shape[-1]} as the input's last dimension, got "
            f"{shape_str(linear_weight.shape)}: nn.Linear's weight is (out, in)."
        )
    C, *out_features = linear_weight.shape[:-1]
    if linear_bias is not None and tuple(linear_bias.shape) != (C, *out_features):
        raise ValueError(
            f"Expected `linear_bias` of shape {shape_str((C, *out_features))}, got "
            f"{shape_str(linear_bias.shape)}."
        )
    if out_features and input.dim() == 1:
        raise ValueError(
            f"Expected a batched `input` (N, in_features) for a K-dimensional "
            f"`linear_weight` {shape_str(linear_weight.shape)}, got {shape_str(input.shape)}."
        )
    return (*input.shape[:-1], C, *out_features)


def linear_cross_entropy(
    input: torch.Tensor,
    linear_weight: torch.Tensor,
    target: torch.Tensor,
    *,
    linear_bias: torch.Tensor | None = None,
    weight: torch.Tensor | None = None,
    reduction: str = "mean",
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    options=None,
) -> torch.Tensor:
    r"""Cross-entropy of the logits ``z = input @ linear_weight.T + linear_bias``, optionally
    computed in chunks of the batch so that the (N, C) logits never exist at once.

    .. math::
        z_n = W x_n + b, \qquad l_n = -w_{y_n} \log \operatorname{softmax}(z_n)_{y_n}

    reduced as :func:`lossedu.cross_entropy` does (a weighted mean for 'mean'). Without
    ``options`` it is exactly ``cross_entropy(input @ W.T + b, target, ...)``. With ``options``
    (``torch.nn.LinearCrossEntropyOptions``, of which ``batch_chunk_size`` is used; default
    in_features rows, so that a chunk of logits is no larger than the weight) the batch is
    taken B rows at a time, and the backward pass recomputes each chunk's logits. As in torch,
    the chunked path needs int64 class indices, no ``label_smoothing`` and a (C, in_features)
    weight; otherwise it warns and falls back to the reference form.

    Args:
        input: the hidden states x, (in_features) or (N, in_features).
        linear_weight: W, (C, in_features), or (C, d1, ..., dK, in_features) for a
            K-dimensional loss.
        target: class indices (int64), or class probabilities of the logits' shape.
        linear_bias: b, shape (C, d1, ..., dK), keyword only. Default: None.
        weight: a rescaling weight per class, shape (C), keyword only. Default: None.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``, keyword only. Default: ``'mean'``.
        ignore_index: a class-index target that is ignored; None means -100 (and is the only
            value allowed with probability targets), keyword only. Default: None.
        label_smoothing: in [0, 1], keyword only. Default: 0.0.
        options: None (the reference form) or chunking options, keyword only. Default: None.

    Shape:
        Output: a scalar, or the target's shape (without the class dimension) for 'none'.

    Raises:
        TypeError: non-tensors, non-floating input, weight or bias, a bad target dtype.
        ValueError: shapes that do not fit together (the message says which), an
            ``ignore_index`` with probability targets, as :func:`lossedu.cross_entropy`
            otherwise.

    Example:
        >>> import torch
        >>> from lossedu import linear_cross_entropy
        >>> x = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
        >>> W = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # 3 classes
        >>> linear_cross_entropy(x, W, torch.tensor([0, 2]))
        tensor(0.8103)
        >>> options = torch.nn.LinearCrossEntropyOptions(batch_chunk_size=1)
        >>> linear_cross_entropy(x, W, torch.tensor([0, 2]), options=options)
        tensor(0.8103)
    """
    check_reduction(reduction)
    logits_shape = _check_projection(input, linear_weight, linear_bias)
    check_tensor("target", target)
    if target.shape == logits_shape and ignore_index is not None:
        raise ValueError(
            f"Expected `ignore_index` None with probability targets (the logits' shape "
            f"{shape_str(logits_shape)}), got {ignore_index!r}: it applies to class indices."
        )
    ignore_index = -100 if ignore_index is None else ignore_index
    if options is not None:
        chunkable = (target.dtype == torch.int64 and label_smoothing == 0.0
                     and linear_weight.dim() == 2)
        if chunkable:
            rows = options.batch_chunk_size
            return _chunked(input, linear_weight, linear_bias, target, weight, ignore_index,
                            reduction, input.shape[-1] if rows is None else rows)
        warnings.warn("linear_cross_entropy: `options` ignored; the chunked path needs int64 "
                      "class indices, label_smoothing == 0 and a (C, in_features) weight.",
                      stacklevel=2)
    # the reference: every logit at once, (*, C * d1 * ... * dK), then (*, C, d1, ..., dK)
    logits = input @ linear_weight.reshape(-1, input.shape[-1]).T
    if linear_bias is not None:
        logits = logits + linear_bias.reshape(-1)  # (C * d1 * ... * dK,)
    return cross_entropy(logits.reshape(logits_shape), target, weight=weight,
                         ignore_index=ignore_index, reduction=reduction,
                         label_smoothing=label_smoothing)


def _chunked(input, linear_weight, linear_bias, target, weight, ignore_index, reduction,
             chunk_size):
    """The chunked path: checks as cross_entropy's, then the Function on a batched input."""
    check_positive_int("options.batch_chunk_size", chunk_size)
    logits_stand_in = input.new_zeros(()).expand(*input.shape[:-1], linear_weight.shape[0])
    check_class_target(logits_stand_in, target, weight, ignore_index, reduction)  # no memory
    unbatched = input.dim() == 1
    x, y = (input.unsqueeze(0), target.unsqueeze(0)) if unbatched else (input, target)
    loss = _ChunkedLinearCrossEntropy.apply(x, linear_weight, linear_bias, y, weight,
                                            ignore_index, reduction, chunk_size)
    return loss.squeeze(0) if unbatched and reduction == "none" else loss


def _chunk_logits(x, linear_weight, linear_bias) -> torch.Tensor:
    """``z = x W^T + b`` of one chunk, (B, C), in float32 at least (as torch's cross-entropy
    computes low precision)."""
    z = x @ linear_weight.T if linear_bias is None else torch.addmm(linear_bias, x, linear_weight.T)
    return z.float() if z.dtype in (torch.float16, torch.bfloat16) else z


class _ChunkedLinearCrossEntropy(torch.autograd.Function):
    r"""``l_n = w_{y_n} (\log \sum_c e^{z_{nc}} - z_{n y_n})`` with ``z = x W^T + b``, B rows
    at a time, and the gradient by hand: with :math:`g_n = w_{y_n}\, \partial\ell / \partial l_n`,

    .. math::
        \frac{\partial \ell}{\partial z_n} = g_n (\operatorname{softmax}(z_n) - e_{y_n}),\quad
        \frac{\partial \ell}{\partial x} = \frac{\partial \ell}{\partial z} W,\quad
        \frac{\partial \ell}{\partial W} = \frac{\partial \ell}{\partial z}^T x,\quad
        \frac{\partial \ell}{\partial b} = \sum_n \frac{\partial \ell}{\partial z_n}

    Why a Function: under autograd every chunk's logits and softmax would be kept for the
    backward pass, the full (N, C) again. This one keeps the inputs and the (N,) log-sum-exp,
    and the backward recomputes each chunk's logits, one (B, C) slice at a time.
    """

    @staticmethod
    def forward(ctx, input, linear_weight, linear_bias, target, weight, ignore_index,
                reduction, chunk_size):
        ignored = target == ignore_index
        index = target.masked_fill(ignored, 0)  # a valid class where ignored: (N,)
        w = (~ignored).to(input.dtype) if weight is None else (
            weight.to(input.dtype)[index].masked_fill(ignored, 0))  # w_{y_n}, 0 if ignored
        accumulate = torch.promote_types(input.dtype, torch.float32)  # float32 at least
        log_sum_exp = torch.empty(input.shape[0], dtype=accumulate, device=input.device)  # (N,)
        nll = torch.empty_like(log_sum_exp)
        for start in range(0, input.shape[0], chunk_size):
            rows = slice(start, start + chunk_size)
            z = _chunk_logits(input[rows], linear_weight, linear_bias)  # (B, C)
            log_sum_exp[rows] = z.logsumexp(1)
            nll[rows] = log_sum_exp[rows] - z.gather(1, index[rows, None]).squeeze(1)
        loss = (w * nll).to(input.dtype)  # (N,)
        ctx.save_for_backward(input, linear_weight, linear_bias, index, w, log_sum_exp)
        ctx.reduction, ctx.chunk_size = reduction, chunk_size
        return reduce(loss, reduction, w)  # 'mean': sum_n w_n nll_n / sum_n w_n

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_output):
        input, linear_weight, linear_bias, index, w, log_sum_exp = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        scale = divide_for_mean(grad_output, ctx.reduction, w.sum())
        g = (w * scale).to(log_sum_exp.dtype)  # g_n: (N,), or 0 where ignored
        grad_x = torch.empty_like(input) if need_x else None
        grad_w = torch.zeros_like(linear_weight) if need_w else None
        grad_b = torch.zeros_like(linear_bias) if need_b else None
        for start in range(0, input.shape[0], ctx.chunk_size):
            rows = slice(start, start + ctx.chunk_size)
            z = _chunk_logits(input[rows], linear_weight, linear_bias)  # recomputed: (B, C)
            # 1. softmax(z); 2. minus 1 at the target; 3. times g_n
            grad_z = z.sub_(log_sum_exp[rows, None]).exp_()
            grad_z.scatter_add_(1, index[rows, None], grad_z.new_full((grad_z.shape[0], 1), -1))
            grad_z = grad_z.mul_(g[rows, None]).to(input.dtype)
            if need_x:
                grad_x[rows] = grad_z @ linear_weight
            if need_w:
                grad_w.addmm_(grad_z.T, input[rows])
            if need_b:
                grad_b += grad_z.sum(0)
            del z, grad_z  # this chunk's logits freed before the next chunk's are made
        return grad_x, grad_w, grad_b, None, None, None, None, None
