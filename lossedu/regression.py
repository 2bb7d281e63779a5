"""Regression losses: mean squared error, and the losses built on |x - y|.

Each loss is a function of the residual ``r_n = x_n - y_n``: ``l_n = f(r_n)`` for every
element n, then reduced (``'none'``, ``'sum'``, or ``'mean'`` over the N elements).
The two at the end are negative log-likelihoods: of a Gaussian with a predicted variance, and of
a Poisson count.
"""

import math

import torch

from lossedu._autocast import float32_under_autocast
from lossedu._checks import (
    check_floating,
    check_not_legacy,
    check_pair,
    check_positive,
    check_reduction,
    check_same_device,
    check_tensor,
    no_legacy_positions,
    shape_str,
)
from lossedu._reduction import reduce

THRESHOLD = "it is the residual size where the loss turns from quadratic to linear"


@float32_under_autocast
@no_legacy_positions
def mse_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    reduction: str = "mean",
    weight: torch.Tensor | None = None,
) -> torch.Tensor:
    r"""Mean squared error (squared L2 loss) between ``input`` and ``target``.

    .. math::
        l_n = w_n (x_n - y_n)^2, \qquad
        \ell = \begin{cases} l & \text{'none'} \\ \sum_n l_n & \text{'sum'} \\
        \sum_n l_n / \sum_n w_n & \text{'mean'} \end{cases}

    with :math:`w_n = 1` (so 'mean' divides by N) when no ``weight`` is given.

    Args:
        input: predictions x, any shape, floating point.
        target: targets y, the same shape as ``input``.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.
        weight: one weight per element, the input's shape. Default: None.

    Shape:
        input, target and weight: (*), the same shape. Output: a scalar, or (*) for ``'none'``.

    Raises:
        TypeError: ``input`` or ``target`` is not a tensor, or ``input`` is not floating point;
            None or a bool where ``reduction`` goes (torch's removed ``size_average``).
        ValueError: an unknown ``reduction``; shapes that differ (torch would broadcast them
            and only warn); tensors on different devices.

    Example:
        >>> import torch
        >>> from lossedu import mse_loss
        >>> x = torch.tensor([1.0, 2.0, 3.0])
        >>> y = torch.tensor([2.0, 2.0, 4.0])
        >>> mse_loss(x, y)
        tensor(0.6667)
        >>> mse_loss(x, y, reduction="none")
        tensor([1., 0., 1.])
        >>> mse_loss(x, y, weight=torch.tensor([3.0, 1.0, 0.0]))
        tensor(0.7500)
    """
    check_pair(input, target, reduction, weight)
    squared_error = (input - target).square()  # (x_n - y_n)^2
    loss = squared_error if weight is None else weight * squared_error
    return reduce(loss, reduction, weight)  # torch's weighted mean divides by sum_n w_n


@float32_under_autocast
@no_legacy_positions
def l1_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    reduction: str = "mean",
    weight: torch.Tensor | None = None,
) -> torch.Tensor:
    r"""Mean absolute error (L1 loss) between ``input`` and ``target``.

    .. math::
        l_n = w_n |x_n - y_n|, \qquad
        \frac{\partial l_n}{\partial x_n} = w_n \operatorname{sign}(x_n - y_n)

    (0 at a zero residual, as in torch), then reduced as in :func:`mse_loss` ('mean' divides
    by :math:`\sum_n w_n`).

    Args:
        input: predictions x, any shape, floating point.
        target: targets y, the same shape as ``input``.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.
        weight: one weight per element, the input's shape. Default: None.

    Shape:
        input, target and weight: (*), the same shape. Output: a scalar, or (*) for ``'none'``.

    Raises:
        TypeError: non-tensor arguments, or a non-floating ``input``.
        ValueError: an unknown ``reduction``; shapes that differ; tensors on different devices.

    Example:
        >>> import torch
        >>> from lossedu import l1_loss
        >>> l1_loss(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 5.0]))
        tensor(0.6667)
    """
    check_pair(input, target, reduction, weight)
    absolute_error = (input - target).abs()  # |x_n - y_n|
    loss = absolute_error if weight is None else weight * absolute_error
    return reduce(loss, reduction, weight)


@float32_under_autocast
@no_legacy_positions
def smooth_l1_loss(
    input: torch.Tensor, target: torch.Tensor, reduction: str = "mean", beta: float = 1.0
) -> torch.Tensor:
    r"""Smooth L1 loss: quadratic for residuals below ``beta``, linear above.

    .. math::
        l_n = \begin{cases} \tfrac12 r_n^2 / \beta & |r_n| < \beta \\
        |r_n| - \tfrac12 \beta & \text{otherwise} \end{cases}, \qquad
        \frac{\partial l_n}{\partial x_n} = \operatorname{clamp}(r_n / \beta, -1, 1)

    with ``r = x - y``; ``beta = 0`` is the L1 loss. Reduced as in :func:`mse_loss`.
    ``huber_loss(delta) = delta * smooth_l1_loss(beta=delta)``.

    Args:
        input: predictions x, any shape, floating point.
        target: targets y, the same shape as ``input``.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.
        beta: the threshold, >= 0. Default: 1.0.

    Shape:
        input and target: (*), the same shape. Output: a scalar, or (*) for ``'none'``.

    Raises:
        TypeError: non-tensor arguments, or a non-floating ``input``.
        ValueError: a negative ``beta``; as :func:`mse_loss` otherwise.

    Example:
        >>> import torch
        >>> from lossedu import smooth_l1_loss
        >>> smooth_l1_loss(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 2.0, 4.0]))
        tensor(0.3333)
    """
    check_pair(input, target, reduction), check_positive("beta", beta, THRESHOLD, allow_zero=True)
    if beta == 0:  # the quadratic branch would divide by 0 (and its unused gradient be nan)
        return l1_loss(input, target, reduction)
    abs_r = (input - target).abs()  # |r_n|
    loss = torch.where(abs_r < beta, 0.5 * abs_r.square() / beta, abs_r - 0.5 * beta)
    return reduce(loss, reduction)


@float32_under_autocast
def huber_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: torch.Tensor | None = None,
) -> torch.Tensor:
    r"""Huber loss: quadratic for residuals up to ``delta``, linear (slope ``delta``) above.

    .. math::
        l_n = w_n \begin{cases} \tfrac12 r_n^2 & |r_n| \le \delta \\
        \delta (|r_n| - \tfrac12 \delta) & \text{otherwise} \end{cases}, \qquad
        \frac{\partial l_n}{\partial x_n} = w_n \operatorname{clamp}(r_n, -\delta, \delta)

    with ``r = x - y``. 'mean' divides by N, with a ``weight`` too (torch's choice, unlike
    :func:`mse_loss`'s weighted mean).

    Args:
        input: predictions x, any shape, floating point.
        target: targets y, the same shape as ``input``.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.
        delta: the threshold, > 0. Default: 1.0.
        weight: one weight per element, the input's shape. Default: None.

    Shape:
        input, target and weight: (*), the same shape. Output: a scalar, or (*) for ``'none'``.

    Raises:
        TypeError: non-tensor arguments, or a non-floating ``input``.
        ValueError: ``delta`` not positive; as :func:`mse_loss` otherwise.

    Example:
        >>> import torch
        >>> from lossedu import huber_loss
        >>> huber_loss(torch.tensor([0.5, 4.0]), torch.zeros(2), reduction="none", delta=2.0)
        tensor([0.1250, 6.0000])
    """
    check_pair(input, target, reduction, weight), check_positive("delta", delta, THRESHOLD)
    r = input - target
    abs_r = r.abs()
    loss = torch.where(abs_r <= delta, 0.5 * r.square(), delta * (abs_r - 0.5 * delta))
    return reduce(loss if weight is None else weight * loss, reduction)  # 'mean': / N


def _gaussian_variance(input: torch.Tensor, var: torch.Tensor | float) -> torch.Tensor:
    """``var`` as a tensor that broadcasts to ``input`` by torch's rules: the input's shape; one
    dimension short (one variance per sample, unsqueezed); or one dimension of size 1."""
    if isinstance(var, int | float) and not isinstance(var, bool):
        var = torch.full_like(input, var)
    check_tensor("var", var)
    if var.shape == input.shape:
        return var
    if var.shape == input.shape[:-1]:
        return var.unsqueeze(-1)  # (*, 1): one variance for the last dimension
    if var.dim() == input.dim():
        mismatched = [v for x, v in zip(input.shape, var.shape, strict=True) if x != v]
        if sum(mismatched) == 1:
            return var  # a single dimension of size 1 broadcasts
    raise ValueError(
        f"Expected `var` of the input's shape {shape_str(input.shape)}, or that shape without its "
        f"last dimension, or with one dimension of size 1; got {shape_str(var.shape)}."
    )


def gaussian_nll_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    var: torch.Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Gaussian negative log-likelihood: the target drawn from a normal distribution with mean
    ``input`` and variance ``var``, both predicted.

    .. math::
        l_n = \frac12 \Bigl(\log \max(\sigma^2_n, \varepsilon)
        + \frac{(x_n - y_n)^2}{\max(\sigma^2_n, \varepsilon)}\Bigr)
        \;\Bigl(+ \frac12 \log 2\pi \text{ if full}\Bigr)

    then 'mean' over every element, or 'sum'. With a fixed variance of 1 it is half the squared
    error plus a constant: MSE is this loss's fixed-variance case. The clamp at ``eps`` changes
    the value only: the gradient with respect to ``var`` is taken at the clamped value and
    flows through, as in torch.

    Args:
        input: the predicted means x, floating point.
        target: the targets y, the input's shape or broadcastable to it.
        var: the predicted variances, >= 0: the input's shape, that shape without its last
            dimension, with one dimension of size 1, or a number.
        full: add the constant ``log(2 pi) / 2``. Default: False.
        eps: the smallest variance used, > 0. Default: 1e-6.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Shape:
        input: (N, *) or (*). Output: a scalar, or the input's shape for ``'none'``.

    Raises:
        TypeError: non-tensors, a non-floating ``input``.
        ValueError: a negative variance, a ``var`` or ``target`` shape that does not fit,
            ``eps`` not positive, an unknown ``reduction``.

    Example:
        >>> import torch
        >>> from lossedu import gaussian_nll_loss
        >>> x = torch.tensor([0.0, 1.0, 2.0])
        >>> gaussian_nll_loss(x, torch.zeros(3), torch.tensor([1.0, 1.0, 4.0]), reduction="none")
        tensor([0.0000, 0.5000, 1.1931])
    """
    check_reduction(reduction), check_positive("eps", eps, "it keeps log(var) finite")
    check_floating("input", check_tensor("input", input))
    check_tensor("target", target)
    try:
        fits = torch.broadcast_shapes(input.shape, target.shape) == input.shape
    except RuntimeError:  # they do not broadcast at all
        fits = False
    if not fits:
        raise ValueError(
            f"Expected `target` of the input's shape {shape_str(input.shape)} (or one that "
            f"broadcasts to it), got {shape_str(target.shape)}."
        )
    var = _gaussian_variance(input, var)
    check_same_device(input=input, target=target, var=var)
    if (var < 0).any():
        raise ValueError(
            f"Expected `var` >= 0, got {var[var < 0][0].item()}: a variance is never negative; "
            f"predict log(var) and pass its exp, or a softplus of the output."
        )
    var = var.clone()
    with torch.no_grad():  # the value clamped in place: the gradient still flows through var
        var.clamp_(min=eps)
    loss = 0.5 * (torch.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce(loss, reduction)


@float32_under_autocast
@no_legacy_positions
def poisson_nll_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Poisson negative log-likelihood: the target a count drawn from a Poisson distribution of
    rate :math:`\lambda`, predicted as ``input`` (its log by default).

    .. math::
        l_n = \begin{cases} e^{x_n} - y_n x_n & \text{log_input } (x = \log\lambda) \\
        x_n - y_n \log(x_n + \varepsilon) & \text{otherwise } (x = \lambda) \end{cases}

    dropping :math:`\log y_n!`, constant in x. With ``full`` Stirling's approximation of it,
    :math:`y \log y - y + \frac12 \log(2\pi y)`, is added for targets above 1. Then 'mean'
    over every element, or 'sum'.

    Args:
        input: the log-rates (``log_input``) or the rates (>= 0), floating point.
        target: the counts y, >= 0, the input's shape.
        log_input: whether ``input`` holds log-rates. Default: True.
        full: add the Stirling term. Default: False.
        eps: keeps ``log(x + eps)`` finite at a zero rate, >= 0. Default: 1e-8.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Shape:
        input and target: (*), the same shape. Output: a scalar, or (*) for ``'none'``.

    Raises:
        TypeError: non-tensors, a non-floating ``input``; None or a bool where ``eps`` or
            ``reduction`` goes (torch's removed ``size_average`` / ``reduce``).
        ValueError: shapes that differ, negative counts, negative rates without ``log_input``,
            a negative ``eps``, an unknown ``reduction``, tensors on different devices.

    Example:
        >>> import torch
        >>> from lossedu import poisson_nll_loss
        >>> log_rate = torch.tensor([0.0, 1.0])
        >>> poisson_nll_loss(log_rate, torch.tensor([1.0, 3.0]), reduction="none")
        tensor([ 1.0000, -0.2817])
    """
    check_not_legacy("eps", eps), check_positive("eps", eps, allow_zero=True)
    check_pair(input, target, reduction)
    if (target < 0).any():
        raise ValueError(f"Expected `target` counts >= 0, got {target[target < 0][0].item()}.")
    if not log_input and (input < 0).any():
        raise ValueError(
            f"Expected `input` rates >= 0 with log_input=False, got {input[input < 0][0].item()}: "
            f"for a model's raw output (a log-rate) keep log_input=True."
        )
    if log_input:  # x = log(rate)
        loss = torch.exp(input) - target * input
    else:  # x = rate
        loss = input - target * torch.log(input + eps)
    if full:  # Stirling's log(y!), 0 for y <= 1 as in torch
        stirling = target * torch.log(target) - target + 0.5 * torch.log(2 * math.pi * target)
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return reduce(loss, reduction)
