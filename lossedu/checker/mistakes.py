"""Naming the mistake, on the trusted side: each of an exercise's classic mistakes is run on
the case's inputs, and the first whose output (or, where the values are right, whose
gradients) equals the answer's is the hint."""

import warnings

import torch

from lossedu.exercises.spec import Case, Exercise


def recognise(exercise: Exercise, case: Case, got: torch.Tensor) -> tuple[str, str] | None:
    """The first of the exercise's mistakes whose output on this case equals ``got``."""
    args, _ = case.prepare()

    def same_values(variant) -> bool:
        with torch.no_grad():
            out = variant(**args)
        return out is not None and _matches(got, out, case.tolerance)

    return _first_mistake(exercise, same_values)


def recognise_gradient(exercise: Exercise, case: Case, grads: dict) -> tuple[str, str] | None:
    """The first mistake whose gradients on this case equal the answer's (a mistake that
    leaves the values right, such as a clamp that stops the gradient)."""

    def same_gradients(variant) -> bool:
        args, leaves = case.prepare()
        with torch.enable_grad():
            out = variant(**args)
            if out is None or not out.requires_grad:
                return False
            theirs = torch.autograd.grad(out, list(leaves.values()), torch.ones_like(out),
                                         allow_unused=True)
        return all(_matches(grads.get(name), theirs_one, case.tolerance)
                   for name, theirs_one in zip(leaves, theirs, strict=True))

    return _first_mistake(exercise, same_gradients)


def _first_mistake(exercise: Exercise, matches) -> tuple[str, str] | None:
    """The first of the exercise's mistakes with a variant for which ``matches(variant)``
    holds; a variant that cannot run on this case is not the one."""
    for mistake in exercise.mistakes:
        for variant in mistake.variants:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    if matches(variant):
                        return mistake.zh, mistake.en
                except Exception:
                    continue
    return None


def _matches(got: torch.Tensor | None, theirs: torch.Tensor | None, tolerance: dict) -> bool:
    """Whether a mistake's tensor is the answer's: both absent (a gradient neither has), or the
    same shape with every element close."""
    if got is None or theirs is None:
        return got is None and theirs is None
    got, theirs = got.to(torch.float64), theirs.detach().to(torch.float64)
    return got.shape == theirs.shape and bool(
        torch.isclose(got, theirs, equal_nan=True, **tolerance).all())
