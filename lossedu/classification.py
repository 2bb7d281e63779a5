"""Classification losses: cross-entropy, negative log-likelihood, binary cross-entropy (on
probabilities and on logits) and focal losses.

Class-index targets pick one log-probability per sample; ``weight`` rescales each class and
turns ``'mean'`` into a weighted mean (divided by the sum of the targets' weights); targets
equal to ``ignore_index`` count nowhere, neither in the sum nor in the denominator.
"""

import torch

from lossedu._autocast import float32_under_autocast
from lossedu._checks import (
    check_floating,
    check_probabilities,
    check_reduction,
    check_same_device,
    check_tensor,
    shape_str,
)
from lossedu._reduction import reduce
from lossedu.information import log_softmax


def _check_class_target(input, target, ignore_index) -> bool:
    """Validate a cross-entropy / NLL target; True for probability targets."""
    check_floating("input", check_tensor("input", input))
    check_tensor("target", target)
    if input.dim() == 0:
        raise ValueError("Expected `input` of shape (C), (N, C) or (N, C, d1, ...), got a scalar.")
    class_dim = 0 if input.dim() == 1 else 1
    index_shape = input.shape[:class_dim] + input.shape[class_dim + 1 :]
    C = input.shape[class_dim]
    if target.is_floating_point():
        if target.shape == input.shape:
            return True
        raise ValueError(
            f"Expected `target` of class indices with shape {shape_str(index_shape)} as integers, "
            f"or probabilities of the input's shape {shape_str(input.shape)} as floats, got float "
            f"shape {shape_str(target.shape)}: for class indices pass `target.long()`."
        )
    if target.dtype not in (torch.int64, torch.uint8):
        raise TypeError(
            f"Expected `target` of class indices as torch.int64 (long), got {target.dtype}: "
            f"convert it with `target.long()`."
        )
    if target.shape != index_shape:
        raise ValueError(
            f"Expected `target` of class indices with shape {shape_str(index_shape)}, got "
            f"{shape_str(target.shape)} for `input` of shape {shape_str(input.shape)}."
            f"{_target_shape_hint(input.shape, target.shape, class_dim)}"
        )
    if target.numel() == 0:
        return False
    low, high = torch.aminmax(target)
    if (low >= 0) & (high < C):  # every target a class index: one pass in the usual case
        return False
    outside = (target != ignore_index) & ((target < 0) | (target >= C))
    if outside.any():
        bad = target[outside][0].item()
        cause = (
            f"A negative label is usually padding: pass `ignore_index={bad}` to leave it out."
            if bad < 0
            else "Labels counted from 1 (use `target - 1`), or a wrong number of output units, "
            "are the usual causes."
        )
        raise ValueError(
            f"Expected class indices in [0, {C - 1}] (or ignore_index={ignore_index}), got {bad}: "
            f"the input has C = {C} classes. {cause}"
        )
    return False


def _target_shape_hint(input_shape, target_shape, class_dim: int) -> str:
    """What a class-index target of the wrong shape usually means."""
    if target_shape == input_shape:
        return (" It has the input's shape: one-hot targets passed as indices? Pass "
                "`target.argmax(dim=1)`, or the one-hot rows as floats (probability targets).")
    if len(target_shape) == len(input_shape) and target_shape[class_dim] == 1:
        return (f" It keeps a class dimension of size 1: pass `target.squeeze({class_dim})`, "
                f"one index per sample (or pixel).")
    if class_dim == 1 and target_shape == input_shape[:-1]:
        return (" The classes are on the last dimension: torch expects them on dimension 1, "
                "so pass `input.movedim(-1, 1)`, shape (N, C, d1, ...).")
    return ""


def _check_weight(weight, C: int, input: torch.Tensor) -> None:
    if weight is None:
        return
    check_floating("weight", check_tensor("weight", weight))
    if weight.shape != (C,):
        raise ValueError(
            f"Expected `weight` with one entry per class, shape ({C},), got "
            f"{shape_str(weight.shape)}."
        )
    check_same_device(input=input, weight=weight)


def _class_weights(target, weight, ignore_index, dtype):
    """Each sample's class as a gather index, its weight ``w_{y_n}``, and the ignored mask.

    Ignored targets are replaced by class 0, a valid index whose weight is then set to 0.
    ``target``: (N, d1, ...); returns (N, 1, d1, ...), (N, d1, ...), (N, d1, ...)."""
    ignored = target == ignore_index
    index = target.masked_fill(ignored, 0).long().unsqueeze(1)  # (N, 1, d1, ...)
    if weight is None:
        w = (~ignored).to(dtype)
    else:
        w = weight.to(dtype)[index.squeeze(1)].masked_fill_(ignored, 0)  # w_{y_n}, 0 if ignored
    return index, w, ignored


def _weighted_reduce(loss, total_weight, reduction):
    """'mean' is the weighted mean ``sum_n l_n / sum_n w_{y_n}``; 'sum' and 'none' as usual."""
    return loss.sum() / total_weight if reduction == "mean" else reduce(loss, reduction)


def _sample_scale(grad_output, total_weight, reduction):
    """d(reduced loss) / d l_n: 1 / sum_n w_{y_n} for 'mean', else the incoming gradient."""
    return grad_output / total_weight if reduction == "mean" else grad_output


class _NLLLoss(torch.autograd.Function):
    """``l_n = -w_{y_n} x_{n, y_n}`` (0 where ignored), with the gradient by hand: the
    gradient of l_n is ``-w_{y_n}`` at the target class and 0 at every other class."""

    @staticmethod
    def forward(ctx, log_probs, target, weight, ignore_index, reduction):
        index, w, ignored = _class_weights(target, weight, ignore_index, log_probs.dtype)
        picked = log_probs.gather(1, index).squeeze(1)  # x_{n, y_n}: (N, d1, ...), a copy
        loss = picked.mul_(w).neg_().masked_fill_(ignored, 0)
        total_weight = w.sum()
        ctx.save_for_backward(index, w, total_weight)
        ctx.reduction, ctx.shape = reduction, log_probs.shape
        return _weighted_reduce(loss, total_weight, reduction)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_output):
        index, w, total_weight = ctx.saved_tensors
        at_target = -w * _sample_scale(grad_output, total_weight, ctx.reduction)  # (N, d1, ...)
        grad = torch.zeros(ctx.shape, dtype=w.dtype, device=w.device)
        return grad.scatter_(1, index, at_target.unsqueeze(1)), None, None, None, None


class _CrossEntropy(torch.autograd.Function):
    r"""Cross-entropy of logits and class indices in one step, with the gradient by hand.

    Forward, along the class dim: 1. ``m = max_c z_c``; 2. ``e = exp(z - m)``;
    3. ``L = log sum_c e_c``, so that ``log q_c = z_c - m - L``; 4. ``l_n = a_n (-log q_{y_n})
    + eps/C sum_c w_c (-log q_c)`` with ``a_n = (1 - eps) w_{y_n}``, 0 where ignored.

    Backward: with the softmax ``q = e / sum_c e_c`` and ``W = sum_c w_c``,
    ``dl_n/dz_c = a_n (q_c - [c = y_n]) + eps/C (W q_c - w_c)``: the softmax minus the
    (weighted, smoothed) one-hot target. Only ``e`` and its sums over the classes are saved."""

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
        total_weight = w.sum()
        ctx.save_for_backward(exp, sum_exp, index, w, ignored, total_weight, class_weight)
        ctx.reduction, ctx.label_smoothing = reduction, label_smoothing
        return _weighted_reduce(loss, total_weight, reduction)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_output):
        exp, sum_exp, index, w, ignored, total_weight, class_weight = ctx.saved_tensors
        eps, C = ctx.label_smoothing, exp.shape[1]
        scale = _sample_scale(grad_output, total_weight, ctx.reduction)  # d loss / d l_n
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


def _batched(input, target):
    """(C) and () become (1, C) and (1,); the second value undoes it for 'none'."""
    if input.dim() == 1:
        return input.unsqueeze(0), target.unsqueeze(0), True
    return input, target, False


@float32_under_autocast
def nll_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Negative log-likelihood of class-index targets, given **log-probabilities**.

    .. math::
        l_n = -w_{y_n} x_{n, y_n}, \qquad
        \text{'mean'}: \frac{\sum_n l_n}{\sum_n w_{y_n}}

    (ignored targets left out of both sums). It only picks and negates: on raw logits it runs
    and may return negative numbers; use :func:`cross_entropy` for logits.

    Args:
        input: log-probabilities, (C), (N, C) or (N, C, d1, ..., dK).
        target: class indices (int64), (), (N) or (N, d1, ..., dK).
        weight: a rescaling weight per class, shape (C). Default: None (all 1).
        ignore_index: a target value that is ignored. Default: -100.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Raises:
        TypeError: non-tensors, a non-floating ``input``, non-int64 indices.
        ValueError: target shapes that do not fit the input, indices out of range, a bad
            ``weight`` or ``reduction``, tensors on different devices.

    Example:
        >>> import torch
        >>> from lossedu import nll_loss
        >>> x = torch.tensor([[1.0, 2.0], [1.0, 3.0], [1.0, 3.0]])
        >>> nll_loss(x, torch.tensor([0, 1, 1]), reduction="none")
        tensor([-1., -3., -3.])
    """
    check_reduction(reduction)
    if _check_class_target(input, target, ignore_index):
        raise ValueError("`nll_loss` takes class indices; for probability targets use "
                         "`cross_entropy`.")
    check_same_device(input=input, target=target)
    _check_weight(weight, input.shape[0 if input.dim() == 1 else 1], input)
    batched_input, batched_target, unbatched = _batched(input, target)
    loss = _NLLLoss.apply(batched_input, batched_target, weight, ignore_index, reduction)
    return loss.squeeze(0) if unbatched and reduction == "none" else loss


@float32_under_autocast
def cross_entropy(
    input: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> torch.Tensor:
    r"""Cross-entropy between logits and class indices or class probabilities.

    Class indices, with :math:`\log q = \operatorname{log\_softmax}(x)` over the class dim:

    .. math::
        l_n = -w_{y_n} \log q_{n, y_n}, \qquad
        \text{'mean'}: \frac{\sum_n l_n}{\sum_n w_{y_n}}

    Probabilities :math:`p`: :math:`l_n = -\sum_c w_c\, p_{n,c} \log q_{n,c}`, and ``'mean'``
    divides by the number of samples (N times d1...dK).

    With ``label_smoothing`` :math:`\varepsilon` the target is mixed with the uniform
    distribution, :math:`(1-\varepsilon)\,\text{target} + \varepsilon / C`: every class gets
    :math:`\varepsilon / C` (not :math:`\varepsilon / (C-1)` on the others).

    Args:
        input: logits, (C), (N, C) or (N, C, d1, ..., dK).
        target: class indices (int64) of shape (), (N) or (N, d1, ..., dK), or probabilities
            (float) of the input's shape.
        weight: a rescaling weight per class, shape (C). Default: None.
        ignore_index: a class-index target value that is ignored. Default: -100.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.
        label_smoothing: :math:`\varepsilon` in [0, 1]. Default: 0.0.

    Raises:
        TypeError: non-tensors, a non-floating ``input``, non-int64 indices.
        ValueError: targets whose shape fits neither form (one-hot rows passed as indices,
            say), indices out of range, a bad ``weight``, ``reduction`` or ``label_smoothing``,
            tensors on different devices.

    Example:
        >>> import torch
        >>> from lossedu import cross_entropy
        >>> cross_entropy(torch.tensor([[0.5, 0.2, 0.3]]), torch.tensor([1]))
        tensor(1.2398)
        >>> x = torch.tensor([[1.0, 2.0], [1.0, 3.0], [1.0, 3.0]])
        >>> cross_entropy(x, torch.tensor([0, 1, 1]), weight=torch.tensor([1.0, 2.0]))
        tensor(0.3642)
    """
    check_reduction(reduction)
    probability_target = _check_class_target(input, target, ignore_index)
    check_same_device(input=input, target=target)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"Expected `label_smoothing` in [0, 1], got {label_smoothing!r}.")
    class_dim = 0 if input.dim() == 1 else 1
    C = input.shape[class_dim]
    _check_weight(weight, C, input)
    if probability_target:
        # 1. smooth the target, 2. l_n = -sum_c w_c p_nc log q_nc, 3. 'mean' over samples
        log_q = log_softmax(input, class_dim)
        # w_c broadcast along the class dim: (C, 1, ..., 1)
        w = None if weight is None else weight.view(C, *[1] * (input.dim() - class_dim - 1))
        p = target * (1 - label_smoothing) + label_smoothing / C if label_smoothing else target
        loss = -((log_q * p) if w is None else (log_q * p * w)).sum(class_dim)
        if reduction == "mean":
            return loss.sum() / (input.numel() // C)
        return reduce(loss, reduction)

    batched_input, batched_target, unbatched = _batched(input, target)
    loss = _CrossEntropy.apply(batched_input, batched_target, weight, ignore_index, reduction,
                               label_smoothing)
    return loss.squeeze(0) if unbatched and reduction == "none" else loss


def _check_binary(input, target, weight):
    check_floating("input", check_tensor("input", input))
    check_floating("target", check_tensor("target", target))
    if target.shape != input.shape:
        raise ValueError(
            f"Expected `target` of the input's shape {shape_str(input.shape)}, got "
            f"{shape_str(target.shape)}: binary losses compare element by element."
        )
    check_same_device(input=input, target=target, weight=weight)


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
        if ctx.reduction == "mean":
            grad_output = grad_output / p.numel()
        scale = grad_output if w is None else grad_output * w
        grad_p = grad_y = None
        if ctx.needs_input_grad[0]:
            variance = (1 - p).mul_(p).clamp_(min=1e-12)  # p (1 - p), kept off 0
            grad_p = (p - y).div_(variance).mul_(scale)
        if ctx.needs_input_grad[1]:  # dl/dy = log(1 - p) - log p, unclamped as in torch
            grad_y = (-p).log1p_().sub_(p.log()).mul_(scale)
        return grad_p, grad_y, None, None


@float32_under_autocast
def binary_cross_entropy(
    input: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Binary cross-entropy between probabilities ``input`` and targets in [0, 1].

    .. math::
        l_n = -w_n \left[ y_n \log p_n + (1 - y_n) \log (1 - p_n) \right]

    with each log clamped at -100, as torch does, so p = 0 or 1 gives a finite loss.
    For logits use :func:`binary_cross_entropy_with_logits`: it is exact where the sigmoid
    rounds to 0 or 1.

    Args:
        input: probabilities p in [0, 1], any shape.
        target: y in [0, 1], the input's shape.
        weight: rescaling, broadcastable to the input. Default: None.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Raises:
        ValueError: ``input`` outside [0, 1] (logits passed by mistake?), shapes that differ,
            an unknown ``reduction``, tensors on different devices.
        TypeError: non-tensor or non-floating arguments, a ``target`` of another dtype than
            ``input``.

    Example:
        >>> import torch
        >>> from lossedu import binary_cross_entropy
        >>> binary_cross_entropy(torch.tensor([0.5, 0.7, 0.3]), torch.tensor([1.0, 1.0, 0.0]))
        tensor(0.4688)
    """
    check_reduction(reduction)
    _check_binary(input, target, weight)
    if target.dtype != input.dtype:  # torch refuses the mix too
        raise TypeError(
            f"Expected `target` of the input's dtype {input.dtype}, got {target.dtype}: targets "
            f"made from a NumPy array are float64 while models are float32; convert them with "
            f"`target.to(input.dtype)`."
        )
    check_probabilities("input", input, "Apply torch.sigmoid first, or better, use "
                        "binary_cross_entropy_with_logits, which takes logits and stays exact "
                        "for large values.")
    if weight is not None:
        check_floating("weight", weight)
        weight = weight.expand_as(input)
    return _BinaryCrossEntropy.apply(input, target, weight, reduction)


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
        if ctx.reduction == "mean":
            grad_output = grad_output / x.numel()
        scale = grad_output if w is None else grad_output * w
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
def binary_cross_entropy_with_logits(
    input: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    reduction: str = "mean",
    pos_weight: torch.Tensor | None = None,
) -> torch.Tensor:
    r"""Binary cross-entropy on logits, with the sigmoid fused into the loss.

    .. math::
        l_n = w_n \left[ (1 - y_n)\, x_n + \big(1 + (p_w - 1)\, y_n\big)
        \operatorname{softplus}(-x_n) \right]

    which is :math:`-w_n [\, p_w y_n \log \sigma(x_n) + (1 - y_n) \log(1 - \sigma(x_n)) ]`
    written with :math:`\log \sigma(x) = -\operatorname{softplus}(-x)` and
    :math:`\operatorname{softplus}(-x) = \log(1 + e^{-|x|}) + \max(-x, 0)`, never forming
    :math:`\sigma(x)`. ``pos_weight`` :math:`p_w` scales the positive term only and is
    broadcast along the last (class) dimension.

    Args:
        input: logits x, any shape.
        target: y in [0, 1], the input's shape.
        weight: rescaling, broadcastable to the input. Default: None.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.
        pos_weight: a weight per class for positive examples. Default: None.

    Raises:
        TypeError: non-tensor or non-floating arguments.
        ValueError: shapes that differ, an unknown ``reduction``, tensors on different devices.

    Example:
        >>> import torch
        >>> from lossedu import binary_cross_entropy_with_logits as bce_logits
        >>> bce_logits(torch.tensor([0.0, 0.8, -0.5]), torch.tensor([1.0, 1.0, 0.0]))
        tensor(0.5128)
    """
    check_reduction(reduction)
    _check_binary(input, target, weight)
    check_same_device(input=input, pos_weight=pos_weight)
    return _BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, reduction)


def sigmoid_focal_loss(
    inputs: torch.Tensor,
    targets: torch.Tensor,
    alpha: float = 0.25,
    gamma: float = 2,
    reduction: str = "none",
) -> torch.Tensor:
    r"""Focal loss on logits for binary or multi-label targets, as ``torchvision.ops``.

    .. math::
        p_t = p y + (1 - p)(1 - y), \quad
        l = \alpha_t (1 - p_t)^\gamma \, \mathrm{BCE}(x, y), \quad
        \alpha_t = \alpha y + (1 - \alpha)(1 - y)

    with :math:`p = \sigma(x)`; a negative ``alpha`` drops the :math:`\alpha_t` factor.
    ``gamma = 0`` with ``alpha < 0`` is binary cross-entropy with logits.

    Args:
        inputs: logits, any shape.
        targets: 0/1 labels (or soft labels in [0, 1]) as floats, the shape of ``inputs``.
        alpha: weight of the positive class, 1 - alpha of the negative. Default: 0.25;
            negative: no weighting.
        gamma: focusing exponent, at least 0. Default: 2.
        reduction: 'none' (the default, as in torchvision), 'mean' or 'sum'.

    Shape:
        ``inputs`` and ``targets`` alike; the output too with 'none', else a scalar.

    Raises:
        TypeError: non-tensor arguments, or non-floating ``inputs`` / ``targets``.
        ValueError: shapes that differ, a negative ``gamma``, an unknown ``reduction``.

    Example:
        >>> import torch
        >>> from lossedu import sigmoid_focal_loss
        >>> sigmoid_focal_loss(torch.tensor([0.0]), torch.tensor([1.0]), gamma=0, alpha=-1)
        tensor([0.6931])
    """
    check_reduction(reduction)
    check_floating("inputs", check_tensor("inputs", inputs))
    check_floating("targets", check_tensor("targets", targets))
    if inputs.shape != targets.shape:
        raise ValueError(
            f"Expected `targets` of the shape of `inputs`, {shape_str(inputs.shape)}, got "
            f"{shape_str(targets.shape)}: one 0/1 label per logit (one-hot rows for several "
            f"classes)."
        )
    if gamma < 0:
        raise ValueError(f"Expected `gamma` >= 0, got {gamma!r}.")
    probs = torch.sigmoid(inputs)
    bce = binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = probs * targets + (1 - probs) * (1 - targets)
    loss = bce * (1 - p_t) ** gamma
    if alpha >= 0:
        loss = loss * (alpha * targets + (1 - alpha) * (1 - targets))
    return reduce(loss, reduction)


def focal_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    gamma: float = 2.0,
    weight: torch.Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Multi-class focal loss (Lin et al., 2017) on logits and class indices.

    .. math::
        l_n = -w_{y_n} (1 - q_{n, y_n})^\gamma \log q_{n, y_n}, \qquad
        \text{'mean'}: \frac{\sum_n l_n}{\sum_n w_{y_n}}

    Confident, correct samples (:math:`q_{n,y_n} \to 1`) fade out; ``gamma = 0`` is
    :func:`cross_entropy` with the same ``weight`` and ``ignore_index``.

    Example:
        >>> import torch
        >>> from lossedu import focal_loss
        >>> focal_loss(torch.tensor([[0.5, 0.2, 0.3]]), torch.tensor([1]), gamma=0.0)
        tensor(1.2398)
    """
    check_reduction(reduction)
    if _check_class_target(input, target, ignore_index):
        raise ValueError("`focal_loss` takes class indices, not probability targets.")
    if gamma < 0:
        raise ValueError(f"Expected `gamma` >= 0, got {gamma!r}.")
    check_same_device(input=input, target=target)
    class_dim = 0 if input.dim() == 1 else 1
    _check_weight(weight, input.shape[class_dim], input)
    log_q, batched_target, unbatched = _batched(log_softmax(input, class_dim), target)
    focal_log_q = (1 - log_q.exp()) ** gamma * log_q  # (1 - q)^gamma log q, then picked
    loss = _NLLLoss.apply(focal_log_q, batched_target, weight, ignore_index, reduction)
    return loss.squeeze(0) if unbatched and reduction == "none" else loss
