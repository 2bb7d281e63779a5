"""Regression losses: mean squared error, and the losses built on |x - y|.

Each loss is a function of the residual ``r_n = x_n - y_n``: ``l_n = f(r_n)`` for every
element n, then reduced (``'none'``, ``'sum'``, or ``'mean'`` over the N elements).
"""

import torch

from lossedu._autocast import float32_under_autocast
from lossedu._checks import check_pair, check_positive, no_legacy_positions
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
