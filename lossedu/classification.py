"""Multi-class classification losses: negative log-likelihood, cross-entropy, focal loss.

Class-index targets pick one log-probability per sample; ``weight`` rescales each class and
turns ``'mean'`` into a weighted mean (divided by the sum of the targets' weights); targets
equal to ``ignore_index`` count nowhere, neither in the sum nor in the denominator.
Binary and multi-label losses are in :mod:`lossedu.binary`.
"""

import torch

from lossedu._autocast import float32_under_autocast
from lossedu._checks import (
    check_class_target,
    check_fraction,
    check_positive,
    no_legacy_positions,
)
from lossedu._reduction import reduce
from lossedu.information import log_softmax


def _batched(input, target):
    """(C) and () become (1, C) and (1,); the third value undoes it for 'none'."""
    if input.dim() == 1:
        return input.unsqueeze(0), target.unsqueeze(0), True
    return input, target, False


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


@float32_under_autocast
@no_legacy_positions
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

    Shape:
        Output: a scalar, or the target's shape for ``'none'``.

    Raises:
        TypeError: non-tensors, a non-floating ``input``, non-int64 indices; None or a bool
            where ``ignore_index`` or ``reduction`` go (torch's removed ``size_average`` /
            ``reduce`` in an old positional call).
        ValueError: probability targets, target shapes that do not fit the input, indices out
            of range, a bad ``weight`` or ``reduction``, tensors on different devices.

    Example:
        >>> import torch
        >>> from lossedu import nll_loss
        >>> x = torch.tensor([[1.0, 2.0], [1.0, 3.0], [1.0, 3.0]])
        >>> nll_loss(x, torch.tensor([0, 1, 1]), reduction="none")
        tensor([-1., -3., -3.])
    """
    if check_class_target(input, target, weight, ignore_index, reduction):
        raise ValueError("`nll_loss` takes class indices; for probability targets use "
                         "`cross_entropy`.")
    log_probs, target, unbatched = _batched(input, target)  # (N, C, d1, ...), (N, d1, ...)
    index, w, ignored = _class_weights(target, weight, ignore_index, log_probs.dtype)
    picked = log_probs.gather(1, index).squeeze(1)  # x_{n, y_n}: (N, d1, ...)
    nll = (-w * picked).masked_fill(ignored, 0)  # -w_{y_n} x_{n, y_n}, 0 if ignored
    loss = reduce(nll, reduction, w)  # 'mean': / sum_n w_{y_n}
    return loss.squeeze(0) if unbatched and reduction == "none" else loss


@float32_under_autocast
@no_legacy_positions
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

    Shape:
        Output: a scalar, or the input's shape without the class dim for ``'none'``.

    Raises:
        TypeError: non-tensors, a non-floating ``input``, non-int64 indices; an old positional
            call that passes torch's removed ``size_average`` / ``reduce``.
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
    probability_target = check_class_target(input, target, weight, ignore_index, reduction)
    eps = check_fraction("label_smoothing", label_smoothing)
    class_dim = 0 if input.dim() == 1 else 1
    C = input.shape[class_dim]
    log_q = log_softmax(input, class_dim)  # log-sum-exp form: no exp of a large logit
    # w_c broadcast along the class dim: (C, 1, ..., 1)
    w_c = None if weight is None else weight.view(C, *[1] * (input.dim() - class_dim - 1))
    if probability_target:
        # 1. smooth the target, 2. l_n = -sum_c w_c p_nc log q_nc, 3. 'mean' over samples
        p = target * (1 - eps) + eps / C if eps else target
        loss = -((log_q * p) if w_c is None else (log_q * p * w_c)).sum(class_dim)
        return reduce(loss, reduction)

    log_q, target, unbatched = _batched(log_q, target)  # (N, C, d1, ...), (N, d1, ...)
    index, w, ignored = _class_weights(target, weight, ignore_index, log_q.dtype)
    # 1. l_n = -w_{y_n} log q_{n, y_n}, 0 if ignored
    loss = (-w * log_q.gather(1, index).squeeze(1)).masked_fill(ignored, 0)  # (N, d1, ...)
    if eps:  # 2. mixed with eps/C of -sum_c w_c log q_nc, the uniform target's term
        uniform = -(log_q if w_c is None else log_q * w_c).sum(1).masked_fill(ignored, 0)
        loss = (1 - eps) * loss + eps / C * uniform
    loss = reduce(loss, reduction, w)  # 3. 'mean': / sum_n w_{y_n}
    return loss.squeeze(0) if unbatched and reduction == "none" else loss


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

    Args:
        input: logits, (C), (N, C) or (N, C, d1, ..., dK).
        target: class indices (int64), (), (N) or (N, d1, ..., dK).
        gamma: focusing exponent, >= 0. Default: 2.0.
        weight: a rescaling weight per class, shape (C). Default: None.
        ignore_index: a target value that is ignored. Default: -100.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Shape:
        input: (C), (N, C) or (N, C, d1, ..., dK). target: (), (N) or (N, d1, ..., dK).
        Output: a scalar, or the target's shape for ``'none'``.

    Raises:
        TypeError, ValueError: as :func:`nll_loss`; a negative ``gamma``.

    Example:
        >>> import torch
        >>> from lossedu import focal_loss
        >>> focal_loss(torch.tensor([[0.5, 0.2, 0.3]]), torch.tensor([1]), gamma=0.0)
        tensor(1.2398)
    """
    if check_class_target(input, target, weight, ignore_index, reduction):
        raise ValueError("`focal_loss` takes class indices, not probability targets.")
    check_positive("gamma", gamma, "it is the focusing exponent", allow_zero=True)
    log_q = log_softmax(input, 0 if input.dim() == 1 else 1)  # log-sum-exp form
    log_q, target, unbatched = _batched(log_q, target)  # (N, C, d1, ...), (N, d1, ...)
    index, w, ignored = _class_weights(target, weight, ignore_index, log_q.dtype)
    log_q_y = log_q.gather(1, index).squeeze(1)  # log q_{n, y_n}: (N, d1, ...)
    focal = (1 - log_q_y.exp()) ** gamma  # (1 - q_{n, y_n})^gamma
    loss = reduce((-w * focal * log_q_y).masked_fill(ignored, 0), reduction, w)
    return loss.squeeze(0) if unbatched and reduction == "none" else loss
