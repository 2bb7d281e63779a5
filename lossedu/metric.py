"""Metric-learning losses: they shape an embedding space rather than predict a label.

An embedding is a vector per sample, compared with others by a distance or a cosine. The
triplet loss pulls an anchor towards a positive and pushes it from a negative; the cosine
embedding and margin ranking losses score pairs labelled +1 (alike, or ranked first) and -1;
InfoNCE (NT-Xent) treats the other samples of a batch as negatives. Each loss is unreduced
first, ``l_n`` per sample, then reduced by :func:`lossedu._reduction.reduce`.
"""

import math
from collections.abc import Callable

import torch

from lossedu._autocast import float32_under_autocast
from lossedu._checks import (
    check_floating,
    check_positive,
    check_reduction,
    check_same_device,
    check_tensor,
    shape_str,
)
from lossedu._reduction import reduce
from lossedu.classification import cross_entropy

# added to each squared norm in the cosine, as torch does, so that a zero vector has cos = 0
_COSINE_EPS = 1e-12


def _check_embeddings(reduction: str, **embeddings: torch.Tensor) -> None:
    """A known ``reduction``; floating tensors of one shape, (N, D) or unbatched (D,), on one
    device."""
    check_reduction(reduction)
    for name, value in embeddings.items():
        check_floating(name, check_tensor(name, value))
    check_same_device(**embeddings)
    shapes = {name: tuple(value.shape) for name, value in embeddings.items()}
    if len(set(shapes.values())) > 1:
        got = ", ".join(f"`{name}` {shape_str(shape)}" for name, shape in shapes.items())
        raise ValueError(
            f"Expected embeddings of one shape, got {got}: each row is one sample's "
            f"embedding, so every tensor needs the same batch size and dimension."
        )
    first, value = next(iter(embeddings.items()))
    if value.dim() not in (1, 2):
        raise ValueError(
            f"Expected `{first}` of shape (N, D) or unbatched (D,), got "
            f"{shape_str(value.shape)}: flatten the extra dimensions into the batch or the "
            f"embedding."
        )


def _check_signs(target: torch.Tensor, input1: torch.Tensor, shape: tuple, what: str) -> None:
    """A target of +1 / -1 labels with the given shape, on ``input1``'s device (torch silently
    scores other labels 0)."""
    check_tensor("target", target)
    check_same_device(input1=input1, target=target)
    if tuple(target.shape) != shape:
        raise ValueError(
            f"Expected `target` of shape {shape_str(shape)}, one label per {what}, got "
            f"{shape_str(target.shape)}."
        )
    bad = (target != 1) & (target != -1)
    if bad.any():
        value = target[bad][0].item()
        raise ValueError(
            f"Expected `target` of 1 and -1 labels, got {value!r}: torch would score such "
            f"entries 0 without a word; for 0/1 labels pass `2 * target - 1`."
        )


@float32_under_autocast
def triplet_margin_loss(
    anchor: torch.Tensor,
    positive: torch.Tensor,
    negative: torch.Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Triplet margin loss: the anchor should be closer to the positive than to the negative,
    by at least ``margin``.

    .. math::
        l_n = \max(d(a_n, p_n) - d(a_n, n_n) + \text{margin}, 0), \qquad
        d(x, y) = \lVert x - y + \varepsilon \rVert_p

    (torch adds ``eps`` to every coordinate of the difference). With ``swap`` (Balntas et
    al., 2016) the negative distance is ``min(d(a, n), d(p, n))``, the harder of the two.
    'mean' and 'sum' reduce over the batch.

    Args:
        anchor, positive, negative: embeddings, one per row.
        margin: the required gap, > 0. Default: 1.0.
        p: the norm's order, > 0 (``math.inf`` for the maximum). Default: 2.
        eps: added to each coordinate of the difference. Default: 1e-6.
        swap: use the distance between positive and negative when it is smaller.
            Default: False.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Shape:
        anchor, positive, negative: (N, D) or unbatched (D,). Output: a scalar, or (N,) (()
        unbatched) for ``'none'``.

    Raises:
        TypeError: non-tensor or non-floating embeddings.
        ValueError: embeddings of different shapes or more than two dimensions, ``margin``
            or ``p`` not positive, an unknown ``reduction``.

    Example:
        >>> import torch
        >>> from lossedu import triplet_margin_loss
        >>> anchor = torch.tensor([[0.0, 0.0], [0.0, 0.0]])
        >>> positive = torch.tensor([[1.0, 0.0], [0.0, 3.0]])
        >>> negative = torch.tensor([[3.0, 0.0], [0.0, 1.0]])
        >>> triplet_margin_loss(anchor, positive, negative, eps=0.0, reduction="none")
        tensor([0., 3.])
    """
    _check_embeddings(reduction, anchor=anchor, positive=positive, negative=negative)
    check_positive("margin", margin, "with no gap the loss is 0")
    check_positive("p", p, "it is the order of the norm")

    def distance(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.linalg.vector_norm(x - y + eps, ord=p, dim=-1)  # (N,) or ()

    d_positive = distance(anchor, positive)
    d_negative = distance(anchor, negative)
    if swap:
        d_negative = torch.minimum(d_negative, distance(positive, negative))
    loss = (margin + d_positive - d_negative).clamp_min(0)
    return reduce(loss, reduction)


@float32_under_autocast
def cosine_embedding_loss(
    input1: torch.Tensor,
    input2: torch.Tensor,
    target: torch.Tensor,
    margin: float = 0,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Cosine embedding loss: pairs labelled 1 should point the same way, pairs labelled -1
    should have a cosine of at most ``margin``.

    .. math::
        l_n = \begin{cases} 1 - \cos(x_{1n}, x_{2n}) & y_n = 1 \\
        \max(0, \cos(x_{1n}, x_{2n}) - \text{margin}) & y_n = -1 \end{cases}, \qquad
        \cos(x_1, x_2) = \frac{x_1 \cdot x_2}
        {\sqrt{(\lVert x_1 \rVert^2 + \epsilon)(\lVert x_2 \rVert^2 + \epsilon)}}

    with :math:`\epsilon = 10^{-12}` as in torch, so that a zero vector has cosine 0 with
    anything. 'mean' and 'sum' reduce over the pairs.

    Args:
        input1, input2: embeddings, one per row.
        target: 1 for a similar pair, -1 for a dissimilar one.
        margin: the cosine above which a dissimilar pair is penalised, in [-1, 1].
            Default: 0.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Shape:
        input1, input2: (N, D) or unbatched (D,). target: (N,) or (). Output: a scalar, or
        (N,) (() unbatched) for ``'none'``.

    Raises:
        TypeError: non-tensor inputs, or non-floating embeddings.
        ValueError: embeddings of different shapes, a target of the wrong shape or with
            labels other than 1 and -1, an unknown ``reduction``.

    Example:
        >>> import torch
        >>> from lossedu import cosine_embedding_loss
        >>> x1 = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
        >>> x2 = torch.tensor([[1.0, 1.0], [1.0, 1.0]])
        >>> cosine_embedding_loss(x1, x2, torch.tensor([1, -1]), reduction="none")
        tensor([0.2929, 0.7071])
    """
    _check_embeddings(reduction, input1=input1, input2=input2)
    _check_signs(target, input1, tuple(input1.shape[:-1]), "pair of rows")
    # cos = x1.x2 / sqrt((|x1|^2 + eps)(|x2|^2 + eps)), over the last dimension
    dot = (input1 * input2).sum(-1)
    squared_norms = ((input1 * input1).sum(-1) + _COSINE_EPS) * (
        (input2 * input2).sum(-1) + _COSINE_EPS
    )
    cos = dot / squared_norms.sqrt()
    loss = torch.where(target == 1, 1 - cos, (cos - margin).clamp_min(0))
    return reduce(loss, reduction)


@float32_under_autocast
def margin_ranking_loss(
    input1: torch.Tensor,
    input2: torch.Tensor,
    target: torch.Tensor,
    margin: float = 0,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Margin ranking loss: ``input1`` should exceed ``input2`` by ``margin`` where the target
    is 1, and fall below it by ``margin`` where the target is -1.

    .. math::
        l_n = \max(0, -y_n (x_{1n} - x_{2n}) + \text{margin})

    'mean' and 'sum' reduce over all elements.

    Args:
        input1, input2: scores, any shape, the same for both.
        target: 1 where ``input1`` should rank first, -1 where ``input2`` should; the same
            shape as the scores.
        margin: the required gap. Default: 0.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Shape:
        input1, input2, target: (*), one shape. Output: a scalar, or (*) for ``'none'``.

    Raises:
        TypeError: non-tensor inputs, or non-floating scores.
        ValueError: shapes that differ (torch broadcasts them), labels other than 1 and -1,
            an unknown ``reduction``.

    Example:
        >>> import torch
        >>> from lossedu import margin_ranking_loss
        >>> x1, x2 = torch.tensor([3.0, 1.0, 2.0]), torch.tensor([1.0, 2.0, 2.0])
        >>> margin_ranking_loss(x1, x2, torch.tensor([1, 1, -1]), margin=0.5, reduction="none")
        tensor([0.0000, 1.5000, 0.5000])
    """
    for name, value in (("input1", input1), ("input2", input2)):
        check_floating(name, check_tensor(name, value))
    check_same_device(input1=input1, input2=input2)
    if input1.shape != input2.shape:
        raise ValueError(
            f"Expected `input1` and `input2` of one shape, got {shape_str(input1.shape)} and "
            f"{shape_str(input2.shape)}: each pair of scores is compared element by element."
        )
    _check_signs(target, input1, tuple(input1.shape), "pair of scores")
    check_reduction(reduction)
    loss = (-target * (input1 - input2) + margin).clamp_min(0)
    return reduce(loss, reduction)


def info_nce(
    z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.1, reduction: str = "mean"
) -> torch.Tensor:
    r"""InfoNCE over two views of a batch, the NT-Xent loss of SimCLR (Chen et al., 2020).

    The 2N embeddings ``z = (z1, z2)`` are normalised to unit length; each one's positive is
    the other view of the same sample, and the other 2N - 2 embeddings are its negatives:

    .. math::
        l_i = -\log \frac{\exp(\cos(z_i, z_{i^+}) / \tau)}
        {\sum_{k \ne i} \exp(\cos(z_i, z_k) / \tau)}, \qquad
        i^+ = (i + N) \bmod 2N

    a cross-entropy over the similarities, with the positive as the class. 'mean' and 'sum'
    reduce over the 2N embeddings.

    Args:
        z1, z2: embeddings of two views (augmentations) of the same N samples, row by row.
        temperature: tau > 0; small values sharpen the softmax over the negatives.
            Default: 0.1.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Shape:
        z1, z2: (N, D), N >= 1. Output: a scalar, or (2N,) for ``'none'``, the losses of
        z1's rows first.

    Raises:
        TypeError: non-tensor or non-floating embeddings.
        ValueError: shapes that differ or are not (N, D), ``temperature`` not positive, an
            unknown ``reduction``.

    Example:
        Two samples whose views agree: each positive has cosine 1, each negative cosine 0.

        >>> import torch
        >>> from lossedu import info_nce
        >>> z = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
        >>> info_nce(z, z, temperature=1.0)  # -log(e / (e + 1 + 1))
        tensor(0.5514)
    """
    _check_embeddings(reduction, z1=z1, z2=z2)
    if z1.dim() != 2 or z1.shape[0] == 0:
        raise ValueError(
            f"Expected `z1` and `z2` of shape (N, D) with N >= 1, got {shape_str(z1.shape)}: "
            f"the other samples of the batch are the negatives."
        )
    check_positive("temperature", temperature, "it divides the similarities")
    N = z1.shape[0]
    z = torch.cat([z1, z2])  # (2N, D)
    z = z / torch.linalg.vector_norm(z, dim=1, keepdim=True).clamp_min(1e-12)  # F.normalize
    similarity = z @ z.T / temperature  # (2N, 2N), cos / tau
    # an embedding is not its own negative: drop the diagonal from the softmax
    similarity = similarity.fill_diagonal_(-math.inf)
    positive = torch.arange(2 * N, device=z.device).add(N).remainder(2 * N)  # i+ = (i + N) % 2N
    # l_i = logsumexp_{k != i}(s_ik) - s_{i i+}: a cross-entropy with the positive as the class
    return cross_entropy(similarity, positive, reduction=reduction)


def _pairwise_distance(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``||x - y + eps||_2`` over the last dimension, eps = 1e-6: torch's pairwise_distance."""
    return torch.linalg.vector_norm(x - y + 1e-6, dim=-1)


def triplet_margin_with_distance_loss(
    anchor: torch.Tensor,
    positive: torch.Tensor,
    negative: torch.Tensor,
    *,
    distance_function: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Triplet margin loss with any distance: the anchor should be closer to the positive than
    to the negative, by at least ``margin``, as measured by ``distance_function``.

    .. math::
        l_n = \max(d(a_n, p_n) - d(a_n, n_n) + \text{margin}, 0)

    with ``d`` the Euclidean :math:`\lVert x - y + 10^{-6} \rVert_2` by default (torch's
    ``pairwise_distance``), or any function of two batches returning one non-negative distance
    per row: ``1 - cosine_similarity`` is a common choice. With ``swap``, the negative distance
    is :math:`\min(d(a, n), d(p, n))`. 'mean' and 'sum' reduce over the batch.

    Args:
        anchor, positive, negative: embeddings of the same number of dimensions.
        distance_function: ``d(x, y)``, keyword only. Default: None (Euclidean).
        margin: the required gap, > 0, keyword only. Default: 1.0.
        swap: use the positive-negative distance when it is smaller, keyword only.
            Default: False.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``, keyword only. Default: ``'mean'``.

    Shape:
        anchor, positive, negative: (N, D) or (D) with the default distance (any shapes that
        ``distance_function`` takes otherwise). Output: a scalar, or what ``d`` returns (N)
        for ``'none'``.

    Raises:
        TypeError: non-tensor or non-floating embeddings, a ``distance_function`` that is not
            callable.
        ValueError: embeddings with different numbers of dimensions, ``margin`` not positive,
            an unknown ``reduction``.

    Example:
        >>> import torch
        >>> from lossedu import triplet_margin_with_distance_loss
        >>> def l1(x, y):
        ...     return (x - y).abs().sum(-1)
        >>> a, p, n = torch.zeros(1, 2), torch.tensor([[1.0, 1.0]]), torch.tensor([[2.0, 0.0]])
        >>> triplet_margin_with_distance_loss(a, p, n, distance_function=l1)
        tensor(1.)
    """
    check_reduction(reduction), check_positive("margin", margin, "with no gap the loss is 0")
    embeddings = {"anchor": anchor, "positive": positive, "negative": negative}
    for name, value in embeddings.items():
        check_floating(name, check_tensor(name, value))
    check_same_device(**embeddings)
    if len({value.dim() for value in embeddings.values()}) > 1:
        got = ", ".join(f"`{name}` {shape_str(value.shape)}" for name, value in embeddings.items())
        raise ValueError(f"Expected embeddings with the same number of dimensions, got {got}.")
    if distance_function is not None and not callable(distance_function):
        raise TypeError(
            f"Expected `distance_function` to be callable, d(x, y) -> one distance per row, got "
            f"{type(distance_function).__name__}."
        )
    distance = _pairwise_distance if distance_function is None else distance_function
    d_positive = distance(anchor, positive)
    d_negative = distance(anchor, negative)
    if swap:
        d_negative = torch.minimum(d_negative, distance(positive, negative))
    loss = (margin + d_positive - d_negative).clamp_min(0)
    return reduce(loss, reduction)
