"""Wrong answers to the Gaussian and Poisson NLL, hinge embedding and multi-class margin
exercises: tests/test_exercises.py checks that each fails and that the checker names its
mistake in both languages; here, what is particular to them (a mistake that leaves every value
right is named from the gradients)."""

import math

import pytest
import torch

from lossedu.exercises import EXERCISES, check


def _reduce(loss, reduction):
    return {"mean": loss.mean, "sum": loss.sum}.get(reduction, lambda: loss)()


def _var(input, var):
    if not isinstance(var, torch.Tensor):
        return torch.full_like(input, var)
    return var.unsqueeze(-1) if var.dim() == input.dim() - 1 else var


# --- gaussian_nll_loss ---------------------------------------------------------------------

def gaussian_without_half(input, target, var, full=False, eps=1e-6, reduction="mean"):
    v = _var(input, var).clone()
    with torch.no_grad():
        v.clamp_(min=eps)
    loss = v.log() + (input - target) ** 2 / v          # the textbook's ½ forgotten
    return _reduce(loss + math.log(2 * math.pi) if full else loss, reduction)


def gaussian_clamp_cuts_gradient(input, target, var, full=False, eps=1e-6, reduction="mean"):
    v = _var(input, var).clamp(min=eps)                  # right values, no gradient below eps
    loss = 0.5 * (v.log() + (input - target) ** 2 / v)
    return _reduce(loss + 0.5 * math.log(2 * math.pi) if full else loss, reduction)


def gaussian_eps_added(input, target, var, full=False, eps=1e-6, reduction="mean"):
    v = _var(input, var) + eps
    loss = 0.5 * (v.log() + (input - target) ** 2 / v)
    return _reduce(loss + 0.5 * math.log(2 * math.pi) if full else loss, reduction)


def gaussian_var_as_std(input, target, var, full=False, eps=1e-6, reduction="mean"):
    sigma = _var(input, var).clamp(min=eps)
    loss = sigma.log() + 0.5 * (input - target) ** 2 / sigma**2
    return _reduce(loss + 0.5 * math.log(2 * math.pi) if full else loss, reduction)


def gaussian_var_not_unsqueezed(input, target, var, full=False, eps=1e-6, reduction="mean"):
    v = (torch.full_like(input, var) if not isinstance(var, torch.Tensor) else var).clone()
    with torch.no_grad():
        v.clamp_(min=eps)
    loss = 0.5 * (v.log() + (input - target) ** 2 / v)   # (N,) meets (N, D) as (1, N)
    return _reduce(loss + 0.5 * math.log(2 * math.pi) if full else loss, reduction)


# --- poisson_nll_loss ----------------------------------------------------------------------

def poisson_always_log_rates(input, target, log_input=True, full=False, eps=1e-8,
                             reduction="mean"):
    loss = input.exp() - target * input                  # log_input not read
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + torch.where(target > 1, stirling, 0)
    return _reduce(loss, reduction)


def poisson_exact_factorial(input, target, log_input=True, full=False, eps=1e-8,
                            reduction="mean"):
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        loss = loss + torch.lgamma(target + 1)           # exact log y!, not Stirling's
    return _reduce(loss, reduction)


def poisson_stirling_everywhere(input, target, log_input=True, full=False, eps=1e-8,
                                reduction="mean"):
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        loss = loss + target * target.log() - target + 0.5 * (2 * math.pi * target).log()
    return _reduce(loss, reduction)


def poisson_no_eps(input, target, log_input=True, full=False, eps=1e-8, reduction="mean"):
    loss = input.exp() - target * input if log_input else input - target * input.log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + torch.where(target > 1, stirling, 0)
    return _reduce(loss, reduction)


# --- hinge_embedding_loss ------------------------------------------------------------------

def hinge_without_clamp(input, target, margin=1.0, reduction="mean"):
    return _reduce(torch.where(target == 1, input, margin - input), reduction)


def hinge_cases_swapped(input, target, margin=1.0, reduction="mean"):
    return _reduce(torch.where(target == -1, input, (margin - input).clamp(min=0)), reduction)


def hinge_abs_distance(input, target, margin=1.0, reduction="mean"):
    return _reduce(torch.where(target == 1, input.abs(), (margin - input).clamp(min=0)),
                   reduction)


# --- multi_margin_loss ---------------------------------------------------------------------

def _margins(input, target, p, margin):
    x, y = input.reshape(-1, input.shape[-1]), target.reshape(-1, 1)
    return (margin - x.gather(1, y) + x).clamp(min=0) ** p, y, x.shape[1]


def multi_margin_over_c_minus_1(input, target, p=1, margin=1.0, weight=None,
                                reduction="mean"):
    hinge, y, C = _margins(input, target, p, margin)
    if weight is not None:
        hinge = weight[y] * hinge
    loss = (hinge * (torch.arange(C) != y)).sum(1) / (C - 1)   # a mean over the others
    return _reduce(loss.reshape(target.shape), reduction)


def multi_margin_counts_target(input, target, p=1, margin=1.0, weight=None, reduction="mean"):
    hinge, y, C = _margins(input, target, p, margin)
    if weight is not None:
        hinge = weight[y] * hinge
    loss = hinge.sum(1) / C                                    # i = y adds margin^p
    return _reduce(loss.reshape(target.shape), reduction)


def multi_margin_weighted_mean(input, target, p=1, margin=1.0, weight=None,
                               reduction="mean"):
    hinge, y, C = _margins(input, target, p, margin)
    w = torch.ones(C, dtype=input.dtype) if weight is None else weight
    loss = (w[y] * hinge * (torch.arange(C) != y)).sum(1) / C
    if reduction == "mean":
        return loss.sum() / w[target].sum()                    # as cross-entropy's
    return _reduce(loss.reshape(target.shape), reduction)


def multi_margin_weight_inside_power(input, target, p=1, margin=1.0, weight=None,
                                     reduction="mean"):
    x, y = input.reshape(-1, input.shape[-1]), target.reshape(-1, 1)
    C = x.shape[1]
    z = margin - x.gather(1, y) + x
    if weight is not None:
        z = weight[y] * z                                      # w_y inside the power
    loss = (z.clamp(min=0) ** p * (torch.arange(C) != y)).sum(1) / C
    return _reduce(loss.reshape(target.shape), reduction)


WRONG = [
    ("gaussian_nll_loss", gaussian_without_half, "The ½ is missing"),
    ("gaussian_nll_loss", gaussian_clamp_cuts_gradient, "The clamp of var cut its gradient"),
    ("gaussian_nll_loss", gaussian_eps_added, "eps was added to var"),
    ("gaussian_nll_loss", gaussian_var_as_std, "read as a standard deviation"),
    ("gaussian_nll_loss", gaussian_var_not_unsqueezed, "broadcast along the wrong dimension"),
    ("poisson_nll_loss", poisson_always_log_rates, "the rate λ itself"),
    ("poisson_nll_loss", poisson_exact_factorial, "not the exact log y!"),
    ("poisson_nll_loss", poisson_stirling_everywhere, "added only where y > 1"),
    ("poisson_nll_loss", poisson_no_eps, "No eps inside log(λ)"),
    ("hinge_embedding_loss", hinge_without_clamp, "hinge is missing where y = −1"),
    ("hinge_embedding_loss", hinge_cases_swapped, "two cases are swapped"),
    ("hinge_embedding_loss", hinge_abs_distance, "no absolute value"),
    ("multi_margin_loss", multi_margin_over_c_minus_1, "Divided by C − 1"),
    ("multi_margin_loss", multi_margin_counts_target, "target class was counted"),
    ("multi_margin_loss", multi_margin_weighted_mean, "plain mean over the samples"),
    ("multi_margin_loss", multi_margin_weight_inside_power, "weight went inside the power"),
]


def test_a_clamp_that_cuts_the_gradient_fails_only_on_the_gradient_below_eps():
    report = check("gaussian_nll_loss", gaussian_clamp_cuts_gradient, quiet=True)
    failed = [case for case in report.cases if not case.passed]
    assert [case.label for case in failed] == ["var < eps, 'none'", "eps=1e-2, 'sum'"]
    assert {case.status for case in failed} == {"grad"}


def test_the_multi_class_margin_of_a_textbook_example():
    """Scores (0.1, 0.2, 0.4, 0.8), target 3: the other classes' hinges are 0.3, 0.4, 0.6 and
    their sum over C = 4 is 0.325; over C − 1 it would be 0.4333."""
    x, y = torch.tensor([[0.1, 0.2, 0.4, 0.8]]), torch.tensor([3])
    reference = EXERCISES["multi_margin_loss"].reference
    assert reference(x, y).item() == pytest.approx(0.325)
    assert multi_margin_over_c_minus_1(x, y).item() == pytest.approx(1.3 / 3)
