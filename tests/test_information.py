"""lossedu.information: entropy, KL, softmax against torch and against the definitions."""

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import lossedu.fast
from lossedu import (
    distribution_cross_entropy,
    entropy,
    kl_div,
    log_softmax,
    self_information,
    softmax,
)

TOLERANCE = {torch.float64: dict(rtol=1e-7, atol=1e-10), torch.float32: dict(rtol=2e-4, atol=1e-6)}


def grads(out, leaves):
    weights = torch.linspace(0.5, 1.5, out.numel(), dtype=out.dtype).view_as(out)
    return torch.autograd.grad((out * weights).sum(), leaves)


SOFTMAXES = [(softmax, torch.softmax), (log_softmax, torch.log_softmax),
             (lossedu.fast.softmax, torch.softmax), (lossedu.fast.log_softmax, torch.log_softmax)]
SOFTMAX_IDS = ["softmax", "log_softmax", "fast.softmax", "fast.log_softmax"]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("shape, dim", [((5,), 0), ((3, 4), 1), ((3, 4), 0), ((2, 3, 4), -1)])
@pytest.mark.parametrize("ours, theirs", SOFTMAXES, ids=SOFTMAX_IDS)
def test_softmax_matches_torch(dtype, shape, dim, ours, theirs):
    x = (10 * torch.randn(shape, dtype=dtype)).requires_grad_()
    a, b = ours(x, dim), theirs(x, dim)
    torch.testing.assert_close(a, b, **TOLERANCE[dtype])
    for ga, gb in zip(grads(a, [x]), grads(b, [x]), strict=True):
        torch.testing.assert_close(ga, gb, **TOLERANCE[dtype])


@pytest.mark.parametrize("ours, theirs", SOFTMAXES, ids=SOFTMAX_IDS)
@pytest.mark.parametrize("shape, dim", [((3, 0), 1), ((0, 4), 1), ((0,), 0)])
def test_softmax_over_an_empty_dimension_is_empty_as_torch(ours, theirs, shape, dim):
    x = torch.zeros(shape, requires_grad=True)
    out = ours(x, dim)
    assert out.shape == theirs(x, dim).shape == shape
    out.sum().backward()
    assert x.grad.shape == shape


@pytest.mark.parametrize("ours, theirs", SOFTMAXES, ids=SOFTMAX_IDS)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.bfloat16])
def test_softmax_dtype_argument_as_torch(ours, theirs, dtype):
    x = torch.randn(3, 4, generator=torch.Generator().manual_seed(0), requires_grad=True)
    a, b = ours(x, 1, dtype=dtype), theirs(x, 1, dtype=dtype)
    assert a.dtype == b.dtype == dtype
    torch.testing.assert_close(a, b)
    g = torch.linspace(-1, 1, 12).view(3, 4).to(dtype)
    # bfloat16 keeps 8 bits: a gradient of size 1 is known to about 4e-3 (torch's backward
    # rounds its saved bfloat16 output, lossedu's keeps float32 inside: up to one ulp apart)
    tolerance = dict(rtol=2e-2, atol=8e-3) if dtype == torch.bfloat16 else {}
    torch.testing.assert_close(*(torch.autograd.grad(o, x, g)[0] for o in (a, b)), **tolerance)


@pytest.mark.parametrize("ours, theirs", SOFTMAXES, ids=SOFTMAX_IDS)
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_low_precision_gradients_as_accurate_as_torch(ours, theirs, dtype):
    """Computed in float32 inside, as torch does: the error against a float64 reference is
    no larger than torch's own."""
    g = torch.Generator().manual_seed(0)
    x = (3 * torch.randn(64, 100, generator=g)).to(dtype).requires_grad_()
    grad_out = torch.randn(64, 100, generator=g).to(dtype)
    x64 = x.detach().double().requires_grad_()
    reference = torch.autograd.grad(theirs(x64, 1), x64, grad_out.double())[0]

    def error(fn):
        out = fn(x, 1)
        assert out.dtype == dtype
        value_error = (out.double() - theirs(x64, 1)).abs().max()
        grad_error = (torch.autograd.grad(out, x, grad_out)[0].double() - reference).abs().max()
        return value_error, grad_error

    (ours_value, ours_grad), (torch_value, torch_grad) = error(ours), error(theirs)
    assert ours_value <= torch_value * 1.01 + 1e-6
    assert ours_grad <= torch_grad * 1.01 + 1e-6


def test_softmax_does_not_overflow():
    x = torch.tensor([[1e4, 0.0, -1e4], [1000.0, 999.0, 998.0]])
    assert softmax(x, 1).isfinite().all() and log_softmax(x, 1).isfinite().all()
    torch.testing.assert_close(log_softmax(x, 1), torch.log_softmax(x, 1))


def test_entropy_and_self_information_by_definition():
    p = torch.tensor([[0.5, 0.5], [1.0, 0.0], [0.25, 0.75]], dtype=torch.float64)
    expected = torch.tensor([math.log(2), 0.0, -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))],
                            dtype=torch.float64)
    torch.testing.assert_close(entropy(p), expected)
    torch.testing.assert_close(self_information(torch.tensor([0.5, 1.0])),
                               torch.tensor([math.log(2), 0.0]))
    assert not entropy(torch.tensor([1.0, 0.0])).signbit()  # 0, not -0


def test_entropy_is_the_cross_entropy_with_itself_and_gibbs_holds():
    g = torch.Generator().manual_seed(0)
    p = torch.rand(6, 5, generator=g, dtype=torch.float64).softmax(1)
    q = torch.rand(6, 5, generator=g, dtype=torch.float64).softmax(1)
    torch.testing.assert_close(distribution_cross_entropy(p, p), entropy(p))
    kl = kl_div(q.log(), p, reduction="none").sum(1)
    torch.testing.assert_close(distribution_cross_entropy(p, q), entropy(p) + kl)
    assert (kl >= 0).all()


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("reduction", ["none", "batchmean", "sum", "mean"])
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 4), (5,)])
def test_kl_div_matches_torch(dtype, reduction, log_target, shape):
    g = torch.Generator().manual_seed(1)
    log_q = torch.randn(shape, generator=g, dtype=dtype).log_softmax(-1).requires_grad_()
    p = torch.randn(shape, generator=g, dtype=dtype).softmax(-1)
    p.view(-1)[::4] = 0.0  # zeros in the target: 0 log 0 = 0
    target = (p.log() if log_target else p).requires_grad_()
    with pytest.warns(UserWarning) if reduction == "mean" else _nothing():
        theirs = F.kl_div(log_q, target, reduction=reduction, log_target=log_target)
    ours = kl_div(log_q, target, reduction=reduction, log_target=log_target)
    # with log_target, a zero probability is log p = -inf and both give nan (0 * inf)
    torch.testing.assert_close(ours, theirs, **TOLERANCE[dtype], equal_nan=True)
    leaves = [log_q] if log_target else [log_q, target]
    for a, b in zip(grads(ours, leaves), grads(theirs, leaves), strict=True):
        torch.testing.assert_close(a, b, **TOLERANCE[dtype], equal_nan=True)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0.01, 10), min_size=3, max_size=3),
       st.lists(st.floats(0.01, 10), min_size=3, max_size=3))
def test_kl_is_zero_only_for_equal_distributions(a, b):
    p = torch.tensor(a, dtype=torch.float64)
    q = torch.tensor(b, dtype=torch.float64)
    p, q = p / p.sum(), q / q.sum()
    assert kl_div(p.log(), p, reduction="sum").abs() < 1e-12
    assert kl_div(q.log(), p, reduction="sum") >= -1e-12


def test_errors():
    with pytest.raises(ValueError, match=r"one of 'none', 'mean', 'sum', 'batchmean', got 'avg'"):
        kl_div(torch.zeros(2), torch.zeros(2), reduction="avg")
    with pytest.raises(TypeError, match=r"`p` to be a floating-point tensor"):
        entropy(torch.tensor([1, 0]))
    with pytest.raises(TypeError, match=r"`input` to be a torch.Tensor, got list"):
        softmax([1.0, 2.0], dim=0)
    with pytest.raises(TypeError, match=r"`input` to be a floating-point tensor"):
        lossedu.fast.log_softmax(torch.tensor([1, 2]), dim=0)


def test_old_positional_size_average_fails_saying_so():
    x = torch.zeros(2, 2)
    with pytest.raises(TypeError, match=r"deprecated `size_average` / `reduce`"):
        kl_div(x, x, None)
    with pytest.raises(TypeError, match=r"at most 4 positional arguments, got 5"):
        kl_div(x, x, None, None, "sum")


@pytest.mark.parametrize("ours, theirs", SOFTMAXES, ids=SOFTMAX_IDS)
def test_softmax_without_dim_fails_where_torch_warns(ours, theirs):
    """torch's implicit dimension (``dim=None``) is deprecated: torch warns and guesses;
    lossedu asks for the dimension."""
    x = torch.randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        (F.softmax if theirs is torch.softmax else F.log_softmax)(x)
    for call in (lambda: ours(x), lambda: ours(x, None), lambda: ours(x, dim=None)):
        with pytest.raises(TypeError, match=r"`dim`.*got None: torch's implicit choice"):
            call()
