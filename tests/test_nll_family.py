"""gaussian_nll_loss and poisson_nll_loss against torch.nn.functional: values and gradients for
every option, shape and dtype; errors."""

import pytest
import torch
import torch.nn.functional as F
from parity import assert_parity

import lossedu

REDUCTIONS = ["none", "mean", "sum"]
DTYPES = [torch.float64, torch.float32, torch.bfloat16]


def randn(*shape, dtype=torch.float64, seed=0):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


# Gaussian: (input shape, var shape or a number, target shape)
GAUSSIAN_SHAPES = [
    ((4, 3), (4, 3), (4, 3)),  # a variance per element
    ((4, 3), (4,), (4, 3)),  # one per sample, one dimension short
    ((4, 3), (4, 1), (4, 3)),
    ((4, 3), (1, 3), (4, 3)),  # one per feature
    ((4, 3), 0.5, (4, 3)),  # a number
    ((4, 3), (4, 3), (4, 1)),  # a target that broadcasts
    ((5,), (5,), (5,)),
    ((5,), (), (5,)),
    ((2, 3, 4), (2, 3), (2, 3, 4)),
    ((2, 3, 4), (2, 1, 4), (2, 3, 4)),
    ((0, 3), (0, 3), (0, 3)),
]


def variance(shape, dtype):
    """Variances from 0 up, some below eps: where the clamp acts and the gradient still flows."""
    if isinstance(shape, float):
        return shape
    var = torch.rand(shape, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    var = var.square().to(dtype)
    if var.numel() > 1:
        var.view(-1)[:2] = torch.tensor([0.0, 1e-7])
    return var


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", GAUSSIAN_SHAPES, ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("eps", [1e-6, 0.05])
def test_gaussian_nll_matches_torch(dtype, shapes, reduction, full, eps):
    input_shape, var_shape, target_shape = shapes
    x, y = randn(*input_shape, dtype=dtype), randn(*target_shape, dtype=dtype, seed=1)
    var = variance(var_shape, dtype)
    grad = (0, 1) if isinstance(var, float) else (0, 1, 2)
    assert_parity(lossedu.gaussian_nll_loss, F.gaussian_nll_loss, x, y, var, full, eps,
                  reduction, grad=grad)


def test_gaussian_nll_clamp_keeps_the_gradient():
    """Below eps the value uses eps, and d loss / d var is taken there, not cut to 0."""
    var = torch.tensor([0.0, 1e-9], requires_grad=True)
    lossedu.gaussian_nll_loss(torch.ones(2), torch.zeros(2), var, reduction="sum").backward()
    eps = 1e-6
    torch.testing.assert_close(var.grad, torch.full((2,), 0.5 * (1 / eps - 1 / eps**2)))


def test_gaussian_nll_with_unit_variance_is_half_the_squared_error():
    x, y = randn(6), randn(6, seed=1)
    torch.testing.assert_close(lossedu.gaussian_nll_loss(x, y, torch.ones(6)),
                               lossedu.mse_loss(x, y) / 2)


def test_gaussian_nll_errors():
    x = torch.zeros(4, 3)
    with pytest.raises(ValueError, match=r"`var` >= 0, got -1.0"):
        lossedu.gaussian_nll_loss(x, x, -torch.ones(4, 3))
    with pytest.raises(ValueError, match=r"`var` >= 0, got -2"):
        lossedu.gaussian_nll_loss(x, x, -2.0)
    with pytest.raises(ValueError, match=r"`var` of the input's shape \(4, 3\).*got \(3,\)"):
        lossedu.gaussian_nll_loss(x, x, torch.ones(3))
    with pytest.raises(ValueError, match=r"got \(1, 1\)"):
        lossedu.gaussian_nll_loss(x, x, torch.ones(1, 1))
    with pytest.raises(ValueError, match=r"`target` of the input's shape \(4, 3\).*got \(5, 3\)"):
        lossedu.gaussian_nll_loss(x, torch.zeros(5, 3), torch.ones(4, 3))
    with pytest.raises(ValueError, match=r"`eps` > 0, got 0"):
        lossedu.gaussian_nll_loss(x, x, torch.ones(4, 3), eps=0)
    with pytest.raises(TypeError, match="`var` to be a torch.Tensor, got str"):
        lossedu.gaussian_nll_loss(x, x, "1")
    with pytest.raises(ValueError, match="`reduction` to be one of"):
        lossedu.gaussian_nll_loss(x, x, 1.0, reduction="avg")


# Poisson

def counts(shape, dtype):
    """Counts 0, 1 and above: the Stirling term is 0 for the first two."""
    y = torch.poisson(torch.full(shape, 2.5, dtype=torch.float64),
                      generator=torch.Generator().manual_seed(3)).to(dtype)
    if y.numel() > 2:
        y.view(-1)[:2] = torch.tensor([0.0, 1.0])
    return y


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (7,), (4, 3), (2, 3, 4), (0,)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("eps", [1e-8, 0.1])
def test_poisson_nll_matches_torch(dtype, shape, reduction, log_input, full, eps):
    x = randn(*shape, dtype=dtype)
    if not log_input:
        x = x.abs()  # rates
        if x.numel():
            x.view(-1)[-1] = 0  # a zero rate: where eps matters
    y = counts(shape, dtype)
    # torch's target gradient is nan where full meets a count of 0; lossedu's too (checked)
    assert_parity(lossedu.poisson_nll_loss, F.poisson_nll_loss, x, y, log_input, full, eps=eps,
                  reduction=reduction, grad=(0, 1))


def test_poisson_nll_integer_counts_as_torch():
    x, y = randn(5), torch.tensor([0, 1, 2, 5, 9])
    for full in (False, True):
        assert_parity(lossedu.poisson_nll_loss, F.poisson_nll_loss, x, y, full=full)


def test_poisson_nll_errors():
    x = torch.zeros(3)
    with pytest.raises(ValueError, match=r"counts >= 0, got -1.0"):
        lossedu.poisson_nll_loss(x, torch.tensor([1.0, -1.0, 0.0]))
    with pytest.raises(ValueError, match=r"rates >= 0 with log_input=False, got -0.5"):
        lossedu.poisson_nll_loss(torch.tensor([1.0, -0.5, 0.0]), x, log_input=False)
    with pytest.raises(ValueError, match=r"`eps` >= 0, got -1"):
        lossedu.poisson_nll_loss(x, x, eps=-1)
    with pytest.raises(ValueError, match="expected the same shape"):
        lossedu.poisson_nll_loss(x, torch.zeros(3, 1))


@pytest.mark.parametrize("call", [
    lambda x: lossedu.poisson_nll_loss(x, x, True, False, None),  # size_average on eps
    lambda x: lossedu.poisson_nll_loss(x, x, True, False, True, 1e-8),
    lambda x: lossedu.poisson_nll_loss(x, x, True, False, 1e-8, None),  # reduce on reduction
    lambda x: lossedu.poisson_nll_loss(x, x, True, False, None, 1e-8, None, "sum"),
])
def test_poisson_old_positional_size_average_fails_saying_so(call):
    with pytest.raises(TypeError, match="size_average"):
        call(torch.ones(3))


def test_poisson_under_autocast_float32_as_torch():
    x, y = randn(6, dtype=torch.float32).bfloat16(), counts((6,), torch.bfloat16)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        ours, theirs = lossedu.poisson_nll_loss(x, y), F.poisson_nll_loss(x, y)
    assert ours.dtype == theirs.dtype == torch.float32
    torch.testing.assert_close(ours, theirs)


def test_gradcheck():
    x, y = randn(3, 4).requires_grad_(), counts((3, 4), torch.float64)
    var = (variance((3, 4), torch.float64) + 0.1).requires_grad_()
    for full in (False, True):
        assert torch.autograd.gradcheck(
            lambda a, v, f=full: lossedu.gaussian_nll_loss(a, y, v, full=f), (x, var))
        for log_input in (True, False):
            assert torch.autograd.gradcheck(lambda a, f=full, li=log_input: (
                lossedu.poisson_nll_loss(a if li else a.abs() + 0.1, y, li, f)), (x,))
