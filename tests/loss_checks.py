"""What the loss tests share: the two implementations, the reductions, the tolerances, and one
comparison of values and gradients."""

import pytest
import torch

import lossedu
import lossedu.fast

# A test marked so runs on the readable form and on the hand-written gradients.
IMPLEMENTATIONS = pytest.mark.parametrize("impl", [lossedu, lossedu.fast], ids=["readable", "fast"])

REDUCTIONS = ["none", "mean", "sum"]
TOLERANCE = {torch.float64: dict(rtol=1e-7, atol=1e-10), torch.float32: dict(rtol=2e-4, atol=1e-5)}


def assert_same(ours_fn, theirs_fn, inputs, dtype, **options):
    """Values and gradients w.r.t. every input that requires grad."""
    leaves = [t for t in inputs if isinstance(t, torch.Tensor) and t.requires_grad]
    ours, theirs = ours_fn(*inputs, **options), theirs_fn(*inputs, **options)
    assert ours.shape == theirs.shape
    torch.testing.assert_close(ours, theirs, **TOLERANCE[dtype], equal_nan=True)
    if not leaves or not theirs.isfinite().all():
        return
    weights = torch.linspace(0.5, 1.5, ours.numel(), dtype=dtype).view_as(ours)
    our_grads = torch.autograd.grad((ours * weights).sum(), leaves)
    their_grads = torch.autograd.grad((theirs * weights).sum(), leaves)
    for a, b in zip(our_grads, their_grads, strict=True):
        torch.testing.assert_close(a, b, **TOLERANCE[dtype])
