"""Regression losses as Modules: L1, MSE, smooth L1, Huber, Gaussian and Poisson NLL."""

import numbers

import torch

import lossedu
from lossedu._checks import check_not_legacy
from lossedu.nn._base import _Loss


class L1Loss(_Loss):
    """Mean absolute error, ``|x - y|`` per element.

    Wraps :func:`lossedu.l1_loss`; constructor and ``forward`` as ``torch.nn.L1Loss``.
    """

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return lossedu.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error, ``(x - y)^2`` per element.

    Wraps :func:`lossedu.mse_loss`; constructor and ``forward`` as ``torch.nn.MSELoss``.
    """

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return lossedu.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Smooth L1: ``0.5 (x - y)^2 / beta`` below ``beta``, ``|x - y| - 0.5 beta`` above.

    Wraps :func:`lossedu.smooth_l1_loss`; constructor and ``forward`` as
    ``torch.nn.SmoothL1Loss``.
    """

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return lossedu.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Huber: ``0.5 (x - y)^2`` below ``delta``, ``delta (|x - y| - 0.5 delta)`` above.

    Wraps :func:`lossedu.huber_loss`; constructor and ``forward`` as ``torch.nn.HuberLoss``.
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        if isinstance(delta, bool) or not isinstance(delta, numbers.Real):
            raise TypeError(f"Expected `delta` to be a number, got {type(delta).__name__}: it is "
                            f"where the quadratic part turns linear, as in HuberLoss(delta=1.0).")
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return lossedu.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood, ``0.5 (log var + (x - y)^2 / var)`` per element.

    Wraps :func:`lossedu.gaussian_nll_loss`; constructor (keyword only) and
    ``forward(input, target, var)`` as ``torch.nn.GaussianNLLLoss``.
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: torch.Tensor, target: torch.Tensor,
                var: torch.Tensor | float) -> torch.Tensor:
        return lossedu.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                         reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood, ``exp(x) - y x`` per element for a log-rate x.

    Wraps :func:`lossedu.poisson_nll_loss`; constructor and ``forward(log_input, target)`` as
    ``torch.nn.PoissonNLLLoss``.
    """

    def __init__(self, log_input: bool = True, full: bool = False, eps: float = 1e-8,
                 reduction: str = "mean") -> None:
        check_not_legacy("eps", eps)  # PoissonNLLLoss(True, False, None): torch's size_average
        super().__init__(reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return lossedu.poisson_nll_loss(log_input, target, log_input=self.log_input,
                                        full=self.full, eps=self.eps, reduction=self.reduction)
