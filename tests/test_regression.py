"""lossedu.regression against torch.nn.functional: values, gradients, errors."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from lossedu import mse_loss

REDUCTIONS = ["none", "mean", "sum"]
SHAPES = [(), (1,), (7,), (4, 3), (2, 3, 5)]
TOLERANCE = {torch.float64: dict(rtol=1e-7, atol=1e-12), torch.float32: dict(rtol=2e-4, atol=1e-6)}


def pair(shape, dtype, seed=0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=generator, dtype=dtype).requires_grad_()
    y = torch.randn(shape, generator=generator, dtype=dtype).requires_grad_()
    return x, y


def value_and_grads(fn, x, y, reduction):
    out = fn(x, y, reduction=reduction)
    grads = torch.autograd.grad(out.sum() if out.dim() else out, (x, y))
    return out, grads


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_matches_torch(dtype, shape, reduction):
    x, y = pair(shape, dtype)
    ours, our_grads = value_and_grads(mse_loss, x, y, reduction)
    theirs, their_grads = value_and_grads(F.mse_loss, x, y, reduction)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    torch.testing.assert_close(ours, theirs, **TOLERANCE[dtype])
    for a, b in zip(our_grads, their_grads, strict=True):
        torch.testing.assert_close(a, b, **TOLERANCE[dtype])


def test_mse_gradient_only_for_inputs_that_need_it():
    x, y = pair((5,), torch.float64)
    y = y.detach()
    mse_loss(x, y).backward()
    assert x.grad is not None and y.grad is None


def test_mse_gradcheck():
    x, y = pair((3, 4), torch.float64)
    for reduction in REDUCTIONS:
        assert torch.autograd.gradcheck(lambda a, b, r=reduction: mse_loss(a, b, reduction=r),
                                        (x, y))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=20), st.sampled_from(REDUCTIONS))
def test_mse_matches_torch_on_any_values(values, reduction):
    x = torch.tensor(values, dtype=torch.float64)
    y = x.flip(0) * 0.5
    torch.testing.assert_close(mse_loss(x, y, reduction=reduction),
                               F.mse_loss(x, y, reduction=reduction), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_mse_half_precision_like_torch(dtype):
    x, y = (t.detach().to(dtype) for t in pair((16,), torch.float32))
    ours, theirs = mse_loss(x, y), F.mse_loss(x, y)
    assert ours.dtype == theirs.dtype == dtype
    torch.testing.assert_close(ours.float(), theirs.float(), rtol=1e-2, atol=1e-2)


def test_mse_rejects_an_unknown_reduction():
    x, y = pair((3,), torch.float32)
    with pytest.raises(ValueError, match=r"one of 'none', 'mean', 'sum', got 'avg'"):
        mse_loss(x, y, reduction="avg")


def test_mse_rejects_broadcasting_shapes_and_says_what_they_do():
    with pytest.raises(ValueError, match=r"`input` has shape \(4, 1\) but `target` has \(4,\).*"
                                         r"broadcast to \(4, 4\).*16 terms instead of 4"):
        mse_loss(torch.zeros(4, 1), torch.zeros(4))


def test_mse_rejects_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match=r"these do not even broadcast"):
        mse_loss(torch.zeros(3), torch.zeros(4))


def test_mse_rejects_non_tensors_and_integer_inputs():
    with pytest.raises(TypeError, match=r"`input` to be a torch.Tensor, got list"):
        mse_loss([1.0, 2.0], torch.zeros(2))
    with pytest.raises(TypeError, match=r"floating-point tensor, got dtype torch.int64"):
        mse_loss(torch.tensor([1, 2]), torch.zeros(2))
