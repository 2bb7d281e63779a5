"""Binary and multi-label losses: binary cross-entropy on probabilities and on logits, and the
sigmoid focal loss. Each output unit is its own yes/no question, ``y_n`` in [0, 1]."""

import torch
import torch.nn.functional as F

from lossedu._autocast import float32_under_autocast
from lossedu._checks import check_bce, check_binary, check_focal, no_legacy_positions
from lossedu._reduction import reduce


def _clamped_log(log, x: torch.Tensor, finite: torch.Tensor) -> torch.Tensor:
    """``log(x)`` clamped at -100, as torch's BCE: log 0 = -inf would give inf, or nan as
    0 * inf. Where the log is -inf (not ``finite``) -100 is taken directly and the log sees a
    harmless 0.5 instead, so its slope 1/0 cannot turn the gradient into nan."""
    return torch.where(finite, log(x.where(finite, 0.5)), -100.0).clamp(min=-100)


@float32_under_autocast
@no_legacy_positions
def binary_cross_entropy(
    input: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Binary cross-entropy between probabilities ``input`` and targets in [0, 1].

    .. math::
        l_n = -w_n \left[ y_n \log p_n + (1 - y_n) \log (1 - p_n) \right]

    with each log clamped at -100, as torch does, so p = 0 or 1 gives a finite loss. Autograd
    then gives ``w (p - y) / (p (1 - p))``. Where p is exactly 0 or 1 the clamped log has no
    slope, so the gradient is finite but not torch's: torch (and
    :func:`lossedu.fast.binary_cross_entropy`) divides by ``max(p (1 - p), 1e-12)``. For
    logits use :func:`binary_cross_entropy_with_logits`: it is exact where the sigmoid rounds
    to 0 or 1.

    Args:
        input: probabilities p in [0, 1], any shape.
        target: y in [0, 1], the input's shape and dtype.
        weight: rescaling, broadcastable to the input. Default: None.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Shape:
        input and target: (*). Output: a scalar, or (*) for ``'none'``.

    Raises:
        ValueError: ``input`` outside [0, 1] (logits passed by mistake?), shapes that differ,
            an unknown ``reduction``, tensors on different devices.
        TypeError: non-tensor or non-floating arguments, a ``target`` of another dtype than
            ``input``, an old positional call passing torch's removed ``size_average``.

    Example:
        >>> import torch
        >>> from lossedu import binary_cross_entropy
        >>> binary_cross_entropy(torch.tensor([0.5, 0.7, 0.3]), torch.tensor([1.0, 1.0, 0.0]))
        tensor(0.4688)
    """
    check_bce(input, target, reduction, weight)
    log_p = _clamped_log(torch.log, input, input > 0)
    log_1mp = _clamped_log(torch.log1p, -input, input < 1)  # log(1 - p), exact for small p
    loss = -(target * log_p + (1 - target) * log_1mp)
    return reduce(loss if weight is None else weight * loss, reduction)


@float32_under_autocast
@no_legacy_positions
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
    :math:`\log(1 - \sigma(x)) = -x - \operatorname{softplus}(-x)`, never forming
    :math:`\sigma(x)`. ``pos_weight`` :math:`p_w` scales the positive term only and is
    broadcast along the last (class) dimension. The gradient is :math:`w (\sigma(x) - y)`
    without ``pos_weight``.

    Args:
        input: logits x, any shape.
        target: y in [0, 1], the input's shape.
        weight: rescaling, broadcastable to the input. Default: None.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.
        pos_weight: a weight per class for positive examples. Default: None.

    Shape:
        input and target: (*). Output: a scalar, or (*) for ``'none'``.

    Raises:
        TypeError: non-tensor or non-floating arguments; an old positional call passing
            torch's removed ``size_average`` / ``reduce``.
        ValueError: shapes that differ, an unknown ``reduction``, tensors on different devices.

    Example:
        >>> import torch
        >>> from lossedu import binary_cross_entropy_with_logits as bce_logits
        >>> bce_logits(torch.tensor([0.0, 0.8, -0.5]), torch.tensor([1.0, 1.0, 0.0]))
        tensor(0.5128)
    """
    check_binary(input, target, reduction, weight, pos_weight)
    # softplus(-x) = log(1 + e^{-x}), computed without overflow for any x
    softplus_neg = F.softplus(-input)  # -log sigma(x)
    log_weight = 1 if pos_weight is None else 1 + (pos_weight - 1) * target  # 1 + (p_w - 1) y
    # (1 - y) x, not x - y x: at y = 1 a tiny softplus(-x) (x >> 0) is kept exactly
    loss = (1 - target) * input + log_weight * softplus_neg
    return reduce(loss if weight is None else weight * loss, reduction)


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
    check_focal(inputs, targets, gamma, reduction)
    p = torch.sigmoid(inputs)
    bce = binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)  # the probability of the right answer
    loss = bce * (1 - p_t) ** gamma
    if alpha >= 0:
        loss = loss * (alpha * targets + (1 - alpha) * (1 - targets))  # alpha_t
    return reduce(loss, reduction)

