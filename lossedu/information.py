"""Information theory: self-information, entropy, cross-entropy and KL divergence between
distributions, and a stable softmax / log-softmax. Natural logarithms: the unit is the nat."""

import torch

from lossedu._autocast import LOW_PRECISION, float32_under_autocast
from lossedu._checks import (
    check_dim,
    check_floating,
    check_reduction,
    check_same_device,
    check_tensor,
    no_legacy_positions,
)
from lossedu._reduction import REDUCTIONS, reduce


def _logits(input, dim, dtype) -> tuple[torch.Tensor, torch.dtype]:
    """The checked logits, cast to ``dtype`` if given, in the precision to compute in (float16
    and bfloat16 in float32, as torch does), and the dtype to return."""
    check_tensor("input", input)
    check_dim(dim)
    z = check_floating("input", input if dtype is None else input.to(dtype))
    return (z.float() if z.dtype in LOW_PRECISION else z), z.dtype


def softmax(
    input: torch.Tensor, dim: int | None = None, *, dtype: torch.dtype | None = None
) -> torch.Tensor:
    r"""Softmax along ``dim``, stable for any logits.

    .. math::
        \operatorname{softmax}(z)_i = \frac{e^{z_i - m}}{\sum_j e^{z_j - m}}, \qquad m = \max_j z_j

    Args:
        input: logits z, any shape.
        dim: the dimension the probabilities sum to 1 along; required (torch's default None
            is deprecated).
        dtype: cast ``input`` to this dtype first, as torch's ``dtype=``. Default: None.

    Shape:
        input: any shape, an empty one included. Output: the input's shape.

    Raises:
        TypeError: a non-tensor or non-floating ``input``; ``dim`` left out (None): torch's
            implicit choice is deprecated, lossedu asks for it.

    Example:
        >>> import torch
        >>> from lossedu import softmax
        >>> softmax(torch.tensor([[0.1, 0.2, 0.3]]), dim=1)
        tensor([[0.3006, 0.3322, 0.3672]])
        >>> softmax(torch.tensor([1000.0, 1000.0]), dim=0)
        tensor([0.5000, 0.5000])
    """
    z, out_dtype = _logits(input, dim, dtype)
    if z.numel() == 0:  # an empty dimension has no maximum: nothing to normalise, as torch
        return z.to(out_dtype, copy=True)
    # z - m changes nothing mathematically and keeps every exponent <= 0: nothing overflows
    exp = (z - z.amax(dim, keepdim=True).detach()).exp()
    return (exp / exp.sum(dim, keepdim=True)).to(out_dtype)


def log_softmax(
    input: torch.Tensor, dim: int | None = None, *, dtype: torch.dtype | None = None
) -> torch.Tensor:
    r"""Log-softmax along ``dim`` in the log-sum-exp form.

    .. math::
        \log \operatorname{softmax}(z)_i = (z_i - m) - \log \sum_j e^{z_j - m},
        \qquad m = \max_j z_j

    Args:
        input, dim, dtype: as :func:`softmax`; ``dim`` is the dimension normalised along.

    Shape, Raises:
        As :func:`softmax`.

    Example:
        >>> import torch
        >>> from lossedu import log_softmax
        >>> log_softmax(torch.tensor([1e4, 0.0]), dim=0)
        tensor([     0., -10000.])
    """
    z, out_dtype = _logits(input, dim, dtype)
    if z.numel() == 0:  # an empty dimension has no maximum: nothing to normalise, as torch
        return z.to(out_dtype, copy=True)
    shifted = z - z.amax(dim, keepdim=True).detach()  # z - m: every exponent <= 0
    log_probs = shifted - shifted.exp().sum(dim, keepdim=True).log()  # (z - m) - log sum e^(z-m)
    return log_probs.to(out_dtype)


def self_information(p: torch.Tensor) -> torch.Tensor:
    r"""Self-information of outcomes of probability ``p``: :math:`I = -\log p` nats.

    Args:
        p: probabilities in [0, 1]; :math:`I(0) = \infty`.

    Shape:
        p: any shape. Output: the same shape.

    Raises:
        TypeError: a non-tensor or non-floating ``p``.

    Example:
        >>> import torch
        >>> from lossedu import self_information
        >>> self_information(torch.tensor([1.0, 0.5]))
        tensor([0.0000, 0.6931])
    """
    check_floating("p", check_tensor("p", p))
    return 0.0 - p.log()  # 0.0 - x, not -x: I(1) prints as 0, not -0


def entropy(p: torch.Tensor, dim: int = -1) -> torch.Tensor:
    r"""Entropy of the distributions ``p`` along ``dim``, in nats, with :math:`0 \log 0 = 0`.

    .. math::
        H(P) = -\sum_i p_i \log p_i

    Args:
        p: distributions, each summing to 1 along ``dim``.
        dim: the dimension of the outcomes. Default: -1.

    Shape:
        p: (*, K, *) with K outcomes at ``dim``. Output: the shape without ``dim``.

    Raises:
        TypeError: a non-tensor or non-floating ``p``.

    Example:
        >>> import torch
        >>> from lossedu import entropy
        >>> entropy(torch.tensor([[0.5, 0.5], [1.0, 0.0]]))
        tensor([0.6931, 0.0000])
    """
    check_floating("p", check_tensor("p", p))
    return 0.0 - torch.special.xlogy(p, p).sum(dim)  # xlogy(0, 0) = 0


def distribution_cross_entropy(p: torch.Tensor, q: torch.Tensor, dim: int = -1) -> torch.Tensor:
    r"""Cross-entropy :math:`H(P, Q) = -\sum_i p_i \log q_i` of ``q`` relative to ``p``, in nats.

    ``H(P, Q) = H(P) + KL(P || Q)``; terms with :math:`p_i = 0` count 0.

    Args:
        p: the true distributions. q: the model's, each summing to 1 along ``dim``.
        dim: the dimension of the outcomes. Default: -1.

    Shape:
        p, q: the same shape, K outcomes at ``dim``. Output: the shape without ``dim``.

    Raises:
        TypeError: non-tensor or non-floating arguments.
        ValueError: tensors on different devices.

    Example:
        >>> import torch
        >>> from lossedu import distribution_cross_entropy
        >>> distribution_cross_entropy(torch.tensor([1.0, 0.0]), torch.tensor([0.5, 0.5]))
        tensor(0.6931)
    """
    check_floating("p", check_tensor("p", p))
    check_floating("q", check_tensor("q", q))
    check_same_device(p=p, q=q)
    return -torch.special.xlogy(p, q).sum(dim)


@float32_under_autocast
@no_legacy_positions
def kl_div(
    input: torch.Tensor,
    target: torch.Tensor,
    reduction: str = "mean",
    log_target: bool = False,
) -> torch.Tensor:
    r"""Kullback-Leibler divergence :math:`D_{KL}(\text{target} \,\|\, \text{input})`, torch's way
    round: ``input`` holds **log-probabilities**, ``target`` probabilities (or log-probabilities
    with ``log_target=True``).

    .. math::
        l_n = y_n (\log y_n - x_n) \quad (0 \text{ where } y_n = 0), \qquad
        \text{'batchmean'}: \frac{1}{N} \sum_n l_n

    ``'mean'`` divides by the number of elements, which is not a KL divergence;
    ``'batchmean'`` divides by the batch size ``input.size(0)`` and is.

    Args:
        input: log-probabilities log q, shape (N, *) or any shape.
        target: p (or log p with ``log_target``), broadcastable to ``input``.
        reduction: ``'none'`` | ``'batchmean'`` | ``'sum'`` | ``'mean'``. Default: ``'mean'``.
        log_target: whether ``target`` is given in log space. Default: False.

    Shape:
        input: (N, *). target: the input's shape (or broadcastable). Output: a scalar, or the
        broadcast shape for ``'none'``.

    Raises:
        TypeError: non-tensor or non-floating arguments.
        ValueError: an unknown ``reduction``; tensors on different devices.

    Example:
        >>> import torch
        >>> from lossedu import kl_div
        >>> p = torch.tensor([[0.5, 0.5]])
        >>> kl_div(torch.tensor([[0.9, 0.1]]).log(), p, reduction="batchmean")
        tensor(0.5108)
    """
    check_floating("input", check_tensor("input", input))
    check_floating("target", check_tensor("target", target))
    check_reduction(reduction, (*REDUCTIONS, "batchmean"))
    check_same_device(input=input, target=target)
    if log_target:
        loss = target.exp() * (target - input)  # p (log p - log q)
    else:
        loss = torch.special.xlogy(target, target) - target * input  # 0 log 0 = 0
    if reduction == "batchmean":
        return loss.sum() / input.size(0) if input.dim() else loss.sum()
    return reduce(loss, reduction)
