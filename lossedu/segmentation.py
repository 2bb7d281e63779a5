"""Segmentation losses: soft Dice, IoU (Jaccard) and Tversky, and BCE + Dice.

All three overlap scores come from the same three soft counts over a chosen set of dimensions,
with predictions p in [0, 1] and binary targets g:

    tp = sum p g            (soft true positives, the intersection)
    fp = sum p - tp         (= sum p (1 - g), soft false positives)
    fn = sum g - tp         (= sum (1 - p) g, soft false negatives)

By default the sums run over every dimension but the batch (one score per image, the source's
definition); keyword options sum per class, over the whole batch, drop the background class, or
zero the loss of classes absent from the target. The libraries differ exactly there:

* MONAI's ``DiceLoss``: ``smooth=1e-5, per_class=True`` (smoothing 1e-5 in the numerator and
  the denominator, one score per image and class, mean over both).
* segmentation_models_pytorch's ``DiceLoss``: ``smooth=0, per_class=True, batch=True,
  zero_absent=True`` (sums over the batch; a class absent from the target scores loss 0 and
  still counts in the mean over classes), with ``activation`` set since it takes logits.
  Since version 0.4 its Dice is the Tversky score at alpha = beta = 0.5, so its ``smooth=s``
  is ``smooth=2*s`` here (up to 0.3 it was ``smooth=s``); its default is 0.
"""

import torch

from lossedu._checks import (
    check_floating,
    check_positive,
    check_probabilities,
    check_reduction,
    check_same_device,
    check_tensor,
    shape_str,
)
from lossedu._reduction import reduce
from lossedu.binary import binary_cross_entropy, binary_cross_entropy_with_logits

ACTIVATIONS = (None, "sigmoid", "softmax")


def _check_binary_target(target: torch.Tensor) -> None:
    not_binary = (target != 0) & (target != 1)
    if not_binary.any():
        bad = target[not_binary][0].item()
        raise ValueError(
            f"Expected `target` of 0s and 1s, got {bad}: these losses count overlap with a "
            f"binary mask. For class indices pass an integer tensor without the class "
            f"dimension; threshold soft masks with `(target > 0.5).float()`."
        )


def _probabilities_and_mask(input, target, activation, include_background):
    """Validate, apply the activation, one-hot index targets: (p, g) of one shape, g in {0, 1}."""
    check_floating("input", check_tensor("input", input))
    check_tensor("target", target)
    check_same_device(input=input, target=target)
    if activation not in ACTIVATIONS:
        raise ValueError(f"Expected `activation` to be None, 'sigmoid' or 'softmax', got "
                         f"{activation!r}: None means `input` already holds probabilities.")
    if input.dim() == 0:
        raise ValueError("Expected `input` of shape (N, ...), got a scalar.")
    index_shape = input.shape[:1] + input.shape[2:]  # (N, d1, ..., dK): (N, C, ...) without C
    if target.shape == input.shape:
        _check_binary_target(target)
        mask = target.to(input.dtype)
    elif not target.is_floating_point() and input.dim() >= 2 and target.shape == index_shape:
        C = input.shape[1]
        out_of_range = (target < 0) | (target >= C)
        if out_of_range.any():
            bad = target[out_of_range][0].item()
            hint = " For a binary mask pass `target.unsqueeze(1)`." if C == 1 else ""
            raise ValueError(f"Expected `target` class indices in [0, {C - 1}] for an input with "
                             f"C = {C} channels, got {bad}.{hint}")
        mask = torch.nn.functional.one_hot(target.long(), C)  # (N, d1, ..., dK, C)
        mask = mask.movedim(-1, 1).to(input.dtype)  # (N, C, d1, ..., dK)
    else:
        raise ValueError(
            f"Expected `target` of the input's shape {shape_str(input.shape)} (a 0/1 mask) or, "
            f"as integers, class indices of shape {shape_str(index_shape)}; got "
            f"{target.dtype} shape {shape_str(target.shape)}."
        )
    if activation == "sigmoid":
        probs = input.sigmoid()
    elif activation == "softmax":
        if input.dim() < 2 or input.shape[1] < 2:
            # A softmax over one channel is 1 everywhere: a constant loss with zero gradient.
            raise ValueError(f"activation='softmax' needs at least 2 classes along dim 1, got "
                             f"`input` of shape {shape_str(input.shape)}: a softmax over one "
                             f"channel is 1 everywhere. For one binary mask use "
                             f"activation='sigmoid'.")
        probs = input.softmax(1)
    else:
        check_probabilities("input", input, "Pass activation='sigmoid' (one mask per "
                            "channel) or activation='softmax' (classes along dim 1).")
        probs = input
    if not include_background:
        if input.dim() < 2 or input.shape[1] < 2:
            raise ValueError(f"include_background=False drops class 0 along dim 1 and needs at "
                             f"least 2 classes there, got `input` of shape "
                             f"{shape_str(input.shape)}.")
        probs, mask = probs[:, 1:], mask[:, 1:]  # (N, C - 1, d1, ..., dK)
    return probs, mask


def _soft_counts(input, target, activation=None, per_class=False, include_background=True,
                 batch=False):
    """Validate, then the soft counts (tp, fp, fn), summed over every dimension but the batch
    (and the classes, dim 1, with ``per_class``), over the batch too with ``batch``."""
    probs, mask = _probabilities_and_mask(input, target, activation, include_background)
    if per_class and probs.dim() < 2:
        raise ValueError(f"per_class=True needs classes along dim 1, got `input` of shape "
                         f"{shape_str(input.shape)}.")
    first = 2 if per_class else 1
    dims = ([0] if batch else []) + list(range(first, probs.dim()))
    def total(x):  # sum over dims; none (an (N,) or (N, C) input per class) keeps x as it is
        return x.sum(dims) if dims else x

    tp = total(probs * mask)  # sum p g
    return tp, total(probs) - tp, total(mask) - tp  # tp, fp = sum p - tp, fn = sum g - tp


def _score(numerator: torch.Tensor, denominator: torch.Tensor) -> torch.Tensor:
    """numerator / denominator. A zero denominator (smooth = 0, an empty prediction on an empty
    target) is 0 / 0: it scores 1, the value s / s has for every s > 0 (nothing to find, nothing
    found), with a zero gradient; it changes nothing else."""
    empty = denominator == 0
    ratio = numerator / torch.where(empty, torch.ones_like(denominator), denominator)
    return torch.where(empty, torch.ones_like(ratio), ratio)


def _reduce_scores(loss, tp, fn, zero_absent, reduction):
    """The reduction of the per-score losses; with ``zero_absent`` a score whose target is empty
    (sum g = tp + fn = 0) has loss 0 but still counts in the mean."""
    if zero_absent:
        loss = torch.where(tp + fn > 0, loss, torch.zeros_like(loss))
    return reduce(loss, reduction)


def _check_options(reduction, **weights) -> None:
    """``reduction`` known; ``smooth`` (and Tversky's ``alpha``, ``beta``) >= 0."""
    check_reduction(reduction)
    why = {"smooth": "it is added to the numerator and the denominator so that empty masks do "
                     "not divide by zero", "alpha": "it weighs the false positives",
           "beta": "it weighs the false negatives"}
    for name, value in weights.items():
        check_positive(name, value, why[name], allow_zero=True)


def dice_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    smooth: float = 1e-6,
    *,
    activation: str | None = None,
    per_class: bool = False,
    include_background: bool = True,
    batch: bool = False,
    zero_absent: bool = False,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Soft Dice loss: one minus the smoothed Dice coefficient of each image, averaged.

    .. math::
        l_n = 1 - \frac{2 \sum_i p_{n,i} g_{n,i} + s}{\sum_i p_{n,i} + \sum_i g_{n,i} + s},
        \qquad \ell = \frac{1}{N} \sum_n l_n

    with i over every element of image n; on 0/1 predictions the fraction is the set formula
    ``2 |A ∩ B| / (|A| + |B|)``.

    Args:
        input: probabilities p (or logits, with ``activation``).
        target: the mask g, 0s and 1s.
        smooth: s, added to the numerator and the denominator, >= 0. Default: 1e-6.
        activation: None (``input`` holds probabilities), ``'sigmoid'`` or ``'softmax'``
            (over dim 1) for logits. Default: None.
        per_class: one score per class along dim 1, then the mean over classes. Default: False
            (one score over all channels).
        include_background: False drops class 0 (dim 1) after the activation. Default: True.
        batch: sum over the batch too, one score per class for the whole batch. Default: False.
        zero_absent: a score whose target is empty (no positive pixel) gives loss 0 but still
            counts in the mean. Default: False.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'`` over the scores. Default: ``'mean'``.

    Shape:
        input: (N, *) or (N, C, *). target: the input's shape (0/1 values, any dtype), or
        integer class indices (N, *) for an input (N, C, *), one-hot encoded along dim 1.
        Output: a scalar; for ``'none'`` (N,), (N, C) with ``per_class``, (C,) or () with
        ``batch``.

    Raises:
        ValueError: probabilities outside [0, 1] (logits without ``activation``?), targets that
            are not 0/1, class indices out of range, a target shape that fits neither form, an
            option that needs classes along dim 1 on an input without them (``'softmax'`` needs
            two or more), a negative ``smooth``.
        TypeError: non-tensor arguments, a non-floating ``input``.

    Example:
        >>> import torch
        >>> from lossedu import dice_loss
        >>> p = torch.tensor([[0.9, 0.8, 0.1, 0.2], [0.5, 0.5, 0.5, 0.5]])
        >>> g = torch.tensor([[1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
        >>> dice_loss(p, g, reduction="none")  # 1 - 3.4/4, 1 - 1/3
        tensor([0.1500, 0.6667])
        >>> dice_loss(p, g)
        tensor(0.4083)
    """
    _check_options(reduction, smooth=smooth)
    tp, fp, fn = _soft_counts(input, target, activation, per_class, include_background, batch)
    dice = _score(2 * tp + smooth, 2 * tp + fp + fn + smooth)
    return _reduce_scores(1 - dice, tp, fn, zero_absent, reduction)


def iou_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    smooth: float = 1e-6,
    *,
    activation: str | None = None,
    per_class: bool = False,
    include_background: bool = True,
    batch: bool = False,
    zero_absent: bool = False,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Soft IoU (Jaccard) loss: one minus intersection over union, per image, averaged.

    .. math::
        l_n = 1 - \frac{\sum_i p_{n,i} g_{n,i} + s}
        {\sum_i p_{n,i} + \sum_i g_{n,i} - \sum_i p_{n,i} g_{n,i} + s}

    IoU = Dice / (2 - Dice) on the same counts without smoothing: both rank predictions alike,
    IoU penalises a given error more.

    Args:
        input: probabilities p (or logits, with ``activation``).
        target: the mask g, 0s and 1s.
        smooth: s, >= 0. Default: 1e-6.
        activation, per_class, include_background, batch, zero_absent, reduction: as in
            :func:`dice_loss`.

    Shape:
        As :func:`dice_loss`.

    Raises:
        ValueError, TypeError: as :func:`dice_loss`.

    Example:
        >>> import torch
        >>> from lossedu import iou_loss
        >>> p = torch.tensor([[0.9, 0.8, 0.1, 0.2]])
        >>> g = torch.tensor([[1.0, 1.0, 0.0, 0.0]])
        >>> iou_loss(p, g)  # 1 - 1.7 / 2.3
        tensor(0.2609)
    """
    _check_options(reduction, smooth=smooth)
    tp, fp, fn = _soft_counts(input, target, activation, per_class, include_background, batch)
    iou = _score(tp + smooth, tp + fp + fn + smooth)  # intersection over union
    return _reduce_scores(1 - iou, tp, fn, zero_absent, reduction)


def tversky_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    alpha: float = 0.5,
    beta: float = 0.5,
    smooth: float = 1e-6,
    *,
    activation: str | None = None,
    per_class: bool = False,
    include_background: bool = True,
    batch: bool = False,
    zero_absent: bool = False,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Tversky loss: Dice with separate weights on false positives and false negatives.

    .. math::
        l_n = 1 - \frac{tp_n + s}{tp_n + \alpha\, fp_n + \beta\, fn_n + s}, \quad
        tp_n = \sum_i p_{n,i} g_{n,i},\ fp_n = \sum_i p_{n,i} (1 - g_{n,i}),\
        fn_n = \sum_i (1 - p_{n,i}) g_{n,i}

    ``alpha = beta = 0.5`` is Dice with smoothing ``2 s``, ``alpha = beta = 1`` is IoU;
    ``beta > alpha`` punishes missed foreground more, for small structures.

    Args:
        input: probabilities p (or logits, with ``activation``).
        target: the mask g, 0s and 1s.
        alpha: the weight of false positives, >= 0. Default: 0.5.
        beta: the weight of false negatives, >= 0. Default: 0.5.
        smooth: s, >= 0. Default: 1e-6.
        activation, per_class, include_background, batch, zero_absent, reduction: as in
            :func:`dice_loss`.

    Shape:
        As :func:`dice_loss`.

    Raises:
        ValueError: a negative ``alpha`` or ``beta``; as :func:`dice_loss` otherwise.
        TypeError: as :func:`dice_loss`.

    Example:
        >>> import torch
        >>> from lossedu import tversky_loss
        >>> p = torch.tensor([[0.9, 0.8, 0.1, 0.2]])
        >>> g = torch.tensor([[1.0, 1.0, 0.0, 0.0]])
        >>> tversky_loss(p, g, alpha=0.3, beta=0.7)  # tp 1.7, fp 0.3, fn 0.3
        tensor(0.1500)
    """
    _check_options(reduction, smooth=smooth, alpha=alpha, beta=beta)
    tp, fp, fn = _soft_counts(input, target, activation, per_class, include_background, batch)
    tversky = _score(tp + smooth, tp + alpha * fp + beta * fn + smooth)
    return _reduce_scores(1 - tversky, tp, fn, zero_absent, reduction)


def bce_dice_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    smooth: float = 1e-6,
    *,
    bce_weight: float = 1.0,
    dice_weight: float = 1.0,
    activation: str | None = None,
    per_class: bool = False,
    include_background: bool = True,
    batch: bool = False,
    zero_absent: bool = False,
) -> torch.Tensor:
    r"""Binary cross-entropy plus Dice: per-pixel gradients from BCE, overlap from Dice.

    .. math::
        \ell = w_{bce} \cdot \frac{1}{M} \sum_i \mathrm{BCE}(p_i, g_i)
        + w_{dice} \cdot \mathrm{dice\_loss}(p, g)

    over the M elements. With ``activation='sigmoid'`` the BCE term is computed from the logits
    (:func:`binary_cross_entropy_with_logits`, exact for large logits).

    Args:
        input: probabilities p, or logits with ``activation='sigmoid'``.
        target: the mask g, 0s and 1s, the input's shape.
        smooth: the Dice smoothing, >= 0. Default: 1e-6.
        bce_weight: w_bce. Default: 1.0.
        dice_weight: w_dice. Default: 1.0.
        activation: None or ``'sigmoid'``. Default: None.
        per_class, include_background, batch, zero_absent: for the Dice term, as in
            :func:`dice_loss`; the BCE term is always the mean over every element.

    Shape:
        input and target: (N, *), the same shape. Output: a scalar.

    Raises:
        ValueError: ``activation='softmax'`` (use cross-entropy plus Dice), a target of another
            shape than the input; as :func:`dice_loss` otherwise.
        TypeError: as :func:`dice_loss`.

    Example:
        >>> import torch
        >>> from lossedu import bce_dice_loss
        >>> p = torch.tensor([[0.9, 0.8, 0.1, 0.2]])
        >>> g = torch.tensor([[1.0, 1.0, 0.0, 0.0]])
        >>> bce_dice_loss(p, g)  # BCE 0.1643 + Dice 0.15
        tensor(0.3143)
    """
    if activation == "softmax":
        raise ValueError("bce_dice_loss takes activation=None or 'sigmoid', got 'softmax': for "
                         "classes along dim 1 add cross_entropy(input, target) and "
                         "dice_loss(input, target, activation='softmax', per_class=True).")
    dice = dice_loss(input, target, smooth, activation=activation, per_class=per_class,
                     include_background=include_background, batch=batch,
                     zero_absent=zero_absent)
    if target.shape != input.shape:
        raise ValueError(f"Expected `target` of the input's shape {shape_str(input.shape)}, got "
                         f"{shape_str(target.shape)}: BCE compares element by element.")
    mask = target.to(input.dtype)
    if activation == "sigmoid":
        bce = binary_cross_entropy_with_logits(input, mask)
    else:
        bce = binary_cross_entropy(input, mask)
    return bce_weight * bce + dice_weight * dice

