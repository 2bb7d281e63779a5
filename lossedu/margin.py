"""Margin losses: a score should clear a margin on the right side, and pays when it does not.

Binary labels are +1 and -1: the hinge embedding loss pays linearly, the soft margin loss
smoothly (a logistic loss). The multi-class margin loss asks the target's score to beat every
other class's by ``margin`` (the multi-class SVM of Weston and Watkins); the multi-label losses
score every class of a sample, each one on or off. Each loss is unreduced first, ``l_n`` per
element or sample, then reduced by :func:`lossedu._reduction.reduce`.
"""

import torch
import torch.nn.functional as F

from lossedu._autocast import float32_under_autocast
from lossedu._checks import (
    check_floating,
    check_probabilities,
    check_reduction,
    check_same_device,
    check_tensor,
    no_legacy_positions,
    shape_str,
)
from lossedu._reduction import reduce


def _check_signs(input: torch.Tensor, target: torch.Tensor, reduction: str) -> None:
    """A floating ``input`` and a ``target`` of +1 / -1 labels of the same shape."""
    check_reduction(reduction)
    check_floating("input", check_tensor("input", input))
    check_tensor("target", target)
    check_same_device(input=input, target=target)
    if target.shape != input.shape:
        raise ValueError(
            f"Expected `target` of the input's shape {shape_str(input.shape)}, one label per "
            f"score, got {shape_str(target.shape)}."
        )
    bad = (target != 1) & (target != -1)
    if bad.any():
        raise ValueError(
            f"Expected `target` of 1 and -1 labels, got {target[bad][0].item()!r}: torch would "
            f"score such entries without a word; for 0/1 labels pass `2 * target - 1`."
        )


def _check_scores(input: torch.Tensor, target: torch.Tensor, reduction: str) -> int:
    """A floating ``input`` of class scores, (C) or (N, C), and a target on its device; C."""
    check_reduction(reduction)
    check_floating("input", check_tensor("input", input))
    check_tensor("target", target)
    check_same_device(input=input, target=target)
    if input.dim() not in (1, 2):
        raise ValueError(
            f"Expected `input` of class scores with shape (C) or (N, C), got "
            f"{shape_str(input.shape)}: flatten the extra dimensions into the batch."
        )
    return input.shape[-1]


def _check_index_target(target: torch.Tensor, low: int, C: int) -> None:
    """int64 class indices in [low, C - 1]."""
    if target.dtype != torch.int64:
        raise TypeError(
            f"Expected `target` of class indices as torch.int64 (long), got {target.dtype}: "
            f"convert it with `target.long()`."
        )
    outside = (target < low) | (target >= C)
    if outside.any():
        raise ValueError(
            f"Expected `target` entries in [{low}, {C - 1}], got {target[outside][0].item()}: "
            f"the input has C = {C} classes; labels counted from 1 need `target - 1`."
        )


def _check_class_weight(weight: torch.Tensor | None, C: int, input: torch.Tensor) -> None:
    """None, or a floating weight per class, shape (C,), on the input's device."""
    if weight is None:
        return
    check_floating("weight", check_tensor("weight", weight))
    check_same_device(input=input, weight=weight)
    if weight.shape != (C,):
        raise ValueError(
            f"Expected `weight` with one entry per class, shape ({C},), got "
            f"{shape_str(weight.shape)}."
        )


@float32_under_autocast
@no_legacy_positions
def hinge_embedding_loss(
    input: torch.Tensor, target: torch.Tensor, margin: float = 1.0, reduction: str = "mean"
) -> torch.Tensor:
    r"""Hinge embedding loss: a score (often a distance) should be small for pairs labelled 1
    and at least ``margin`` for pairs labelled -1.

    .. math::
        l_n = \begin{cases} x_n & y_n = 1 \\ \max(0, \text{margin} - x_n) & y_n = -1
        \end{cases}

    then 'mean' over every element, or 'sum'.

    Args:
        input: scores x, any shape, floating point.
        target: labels y, 1 or -1, the input's shape.
        margin: the score a pair labelled -1 must reach. Default: 1.0.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Shape:
        input and target: (*), the same shape. Output: a scalar, or (*) for ``'none'``.

    Raises:
        TypeError: non-tensors, a non-floating ``input``; None or a bool where ``reduction``
            goes (torch's removed ``size_average``).
        ValueError: a target of another shape or with labels other than 1 and -1, an unknown
            ``reduction``, tensors on different devices.

    Example:
        >>> import torch
        >>> from lossedu import hinge_embedding_loss
        >>> x = torch.tensor([0.3, 0.3, 2.0])
        >>> hinge_embedding_loss(x, torch.tensor([1.0, -1.0, -1.0]), reduction="none")
        tensor([0.3000, 0.7000, 0.0000])
    """
    _check_signs(input, target, reduction)
    hinge = (margin - input).clamp_min(0)  # at 0 the gradient passes, as torch's
    loss = torch.where(target == 1, input, hinge)
    return reduce(loss, reduction)


@float32_under_autocast
@no_legacy_positions
def soft_margin_loss(
    input: torch.Tensor, target: torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    r"""Soft margin loss: the logistic loss of a score x against a label y of 1 or -1.

    .. math::
        l_n = \log(1 + e^{-y_n x_n}), \qquad
        \frac{\partial l_n}{\partial x_n} = -y_n \sigma(-y_n x_n)

    then 'mean' over every element, or 'sum'. It is binary cross-entropy with logits for the
    labels (y + 1) / 2.

    Args:
        input: scores x, any shape, floating point.
        target: labels y, 1 or -1, the input's shape.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Shape:
        input and target: (*), the same shape. Output: a scalar, or (*) for ``'none'``.

    Raises:
        TypeError: non-tensors, a non-floating ``input``; None or a bool where ``reduction``
            goes.
        ValueError: a target of another shape or with labels other than 1 and -1, an unknown
            ``reduction``, tensors on different devices.

    Example:
        >>> import torch
        >>> from lossedu import soft_margin_loss
        >>> x = torch.tensor([2.0, 0.0, -1.0])
        >>> soft_margin_loss(x, torch.tensor([1.0, 1.0, 1.0]), reduction="none")
        tensor([0.1269, 0.6931, 1.3133])
    """
    _check_signs(input, target, reduction)
    # -log sigmoid(y x) = log(1 + exp(-y x)), where exp(-y x) would overflow (torch's does,
    # to inf, below y x = -88 in float32)
    loss = -F.logsigmoid(target * input)
    return reduce(loss, reduction)


@no_legacy_positions
def multilabel_soft_margin_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Multi-label soft margin loss: a binary cross-entropy with logits for each class, averaged
    over the classes of a sample.

    .. math::
        l_n = -\frac{1}{C} \sum_c w_c \bigl[y_{nc} \log \sigma(x_{nc})
        + (1 - y_{nc}) \log \sigma(-x_{nc})\bigr]

    then 'mean' over the samples, or 'sum'.

    Args:
        input: logits x, (C) or (N, C) (classes on the last dimension).
        target: labels y in [0, 1] (1: the class is present), the input's shape.
        weight: a weight per class, shape (C). Default: None (all 1).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Shape:
        input and target: (*, C). Output: a scalar, or (*) for ``'none'``.

    Raises:
        TypeError: non-tensors, a non-floating ``input`` or ``weight``; None or a bool where
            ``reduction`` goes.
        ValueError: a scalar input, a target of another shape or outside [0, 1], a weight not of
            shape (C), an unknown ``reduction``, tensors on different devices.

    Example:
        >>> import torch
        >>> from lossedu import multilabel_soft_margin_loss
        >>> x = torch.tensor([[2.0, -1.0, 0.0]])
        >>> multilabel_soft_margin_loss(x, torch.tensor([[1.0, 0.0, 1.0]]))
        tensor(0.3778)
    """
    check_reduction(reduction)
    check_floating("input", check_tensor("input", input))
    if input.dim() == 0:
        raise ValueError("Expected `input` of shape (C) or (N, C), got a scalar.")
    check_tensor("target", target)
    if target.shape != input.shape:
        raise ValueError(
            f"Expected `target` of the input's shape {shape_str(input.shape)}, one label per "
            f"class, got {shape_str(target.shape)}."
        )
    check_probabilities("target", target, "For -1/+1 labels pass `(target + 1) / 2`.")
    C = input.shape[-1]
    check_same_device(input=input, target=target)
    _check_class_weight(weight, C, input)
    # log sigma(x) and log sigma(-x) = log(1 - sigma(x)), without computing 1 - sigma(x)
    bce = -(target * F.logsigmoid(input) + (1 - target) * F.logsigmoid(-input))  # (*, C)
    loss = (bce if weight is None else bce * weight).sum(-1) / C  # (*)
    return reduce(loss, reduction)


@float32_under_autocast
@no_legacy_positions
def multi_margin_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: torch.Tensor | None = None,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Multi-class margin loss (the multi-class SVM): the target's score should beat every
    other class's score by ``margin``.

    .. math::
        l_n = \frac{1}{C} \sum_{i \ne y_n} w_{y_n}
        \max(0, \text{margin} - x_{n, y_n} + x_{n, i})^p

    summed over the other classes and divided by all C classes (not C - 1); then 'mean' over
    the samples (a plain mean, also with ``weight``), or 'sum'.

    Args:
        input: class scores x, (C) or (N, C).
        target: class indices y (int64), () or (N).
        p: 1 (hinge) or 2 (squared hinge). Default: 1.
        margin: the required gap. Default: 1.0.
        weight: a weight per class, applied by the target's class, shape (C). Default: None.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Shape:
        input: (C) or (N, C). target: () or (1) for (C), (N) for (N, C). Output: a scalar,
        or the target's shape for ``'none'``.

    Raises:
        TypeError: non-tensors, a non-floating ``input`` or ``weight``, a non-int64 target;
            None or a bool where ``reduction`` goes.
        ValueError: ``p`` not 1 or 2, an input not (C) or (N, C), a target of the wrong shape
            or out of range, a weight not of shape (C), an unknown ``reduction``.

    Example:
        >>> import torch
        >>> from lossedu import multi_margin_loss
        >>> x = torch.tensor([[0.1, 0.2, 0.4, 0.8]])
        >>> multi_margin_loss(x, torch.tensor([3]))
        tensor(0.3250)
    """
    C = _check_scores(input, target, reduction)
    if p not in (1, 2):
        raise ValueError(f"Expected `p` 1 or 2 (hinge or squared hinge), got {p!r}.")
    allowed = [tuple(input.shape[:1])] if input.dim() == 2 else [(), (1,)]
    if tuple(target.shape) not in allowed:
        raise ValueError(
            f"Expected `target` of one class index per sample, shape "
            f"{shape_str(input.shape[:-1])}, got {shape_str(target.shape)} for `input` "
            f"{shape_str(input.shape)}."
        )
    _check_index_target(target, 0, C)
    _check_class_weight(weight, C, input)
    x = input.reshape(-1, C)  # (N, C)
    y = target.reshape(-1, 1)  # (N, 1)
    x_target = x.gather(1, y)  # x_{n, y_n}: (N, 1)
    hinge = (margin - x_target + x).relu()  # no gradient where it is exactly 0, as torch's
    hinge = hinge if p == 1 else hinge.square()
    if weight is not None:
        hinge = weight[y] * hinge  # w_{y_n}: (N, 1)
    others = torch.arange(C, device=input.device) != y  # (N, C): every class but the target
    loss = torch.where(others, hinge, 0).sum(1) / C  # (N,)
    return reduce(loss.reshape(target.shape), reduction)  # (N,), or () for one sample


@float32_under_autocast
@no_legacy_positions
def multilabel_margin_loss(
    input: torch.Tensor, target: torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    r"""Multi-label margin loss: every target class's score should beat every non-target
    class's score by 1.

    ``target`` lists a sample's target classes first and pads with -1: only the entries before
    the first -1 count (a class listed twice counts twice). With J the listed targets and
    i ranging over the classes not among them:

    .. math::
        l_n = \frac{1}{C} \sum_{j \in J} \sum_{i \notin J} \max(0, 1 - (x_{n, y_{nj}} - x_{ni}))

    then 'mean' over the samples, or 'sum'.

    Args:
        input: class scores x, (C) or (N, C).
        target: class indices (int64) padded with -1, the input's shape.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Shape:
        input and target: (C) or (N, C). Output: a scalar, or () / (N) for ``'none'``.

    Raises:
        TypeError: non-tensors, a non-floating ``input``, a non-int64 target; None or a bool
            where ``reduction`` goes.
        ValueError: an input not (C) or (N, C), a target of another shape or with entries
            outside [-1, C - 1], an unknown ``reduction``.

    Example:
        >>> import torch
        >>> from lossedu import multilabel_margin_loss
        >>> x = torch.tensor([[0.1, 0.2, 0.4, 0.8]])
        >>> multilabel_margin_loss(x, torch.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """
    C = _check_scores(input, target, reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Expected `target` of the input's shape {shape_str(input.shape)} (target classes "
            f"first, then -1), got {shape_str(target.shape)}."
        )
    _check_index_target(target, -1, C)
    x = input.reshape(-1, C)  # (N, C)
    y = target.reshape(-1, C)  # (N, K = C): listed targets, then -1
    listed = (y >= 0).cumprod(1).bool()  # (N, K): the entries before the first -1
    index = y.clamp_min(0)
    classes = torch.arange(C, device=input.device)
    # 1. which classes are targets: (N, C)
    is_target = ((index.unsqueeze(2) == classes) & listed.unsqueeze(2)).any(1)
    # 2. the hinge of every (listed target j, class i) pair: (N, K, C)
    x_target = x.gather(1, index)  # x_{n, y_nj}: (N, K)
    hinge = (1 - x_target.unsqueeze(2) + x.unsqueeze(1)).relu()  # no gradient at 0, as torch's
    # 3. summed over the pairs of a listed target and a non-target class
    pairs = listed.unsqueeze(2) & ~is_target.unsqueeze(1)  # (N, K, C)
    loss = torch.where(pairs, hinge, 0).sum((1, 2)) / C  # (N,)
    return reduce(loss.reshape(input.shape[:-1]), reduction)  # (N,), or () for one sample
