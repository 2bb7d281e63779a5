"""lossedu.regression and lossedu.fast.regression against torch.nn.functional: values,
gradients, errors."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import lossedu
import lossedu.fast
from lossedu import huber_loss, l1_loss, mse_loss, smooth_l1_loss

REDUCTIONS = ["none", "mean", "sum"]
SHAPES = [(), (1,), (7,), (4, 3), (2, 3, 5)]
TOLERANCE = {torch.float64: dict(rtol=1e-7, atol=1e-12), torch.float32: dict(rtol=2e-4, atol=1e-6)}


def pair(shape, dtype, seed=0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=generator, dtype=dtype).requires_grad_()
    y = torch.randn(shape, generator=generator, dtype=dtype).requires_grad_()
    return x, y


# (lossedu or lossedu.fast, torch, keyword options): every loss with each of its thresholds.
LOSSES = [
    (getattr(module, name), getattr(F, name), options)
    for module in (lossedu, lossedu.fast)
    for name, options in [
        ("mse_loss", {}),
        ("l1_loss", {}),
        *(("smooth_l1_loss", {"beta": b}) for b in (1.0, 0.3, 2.5, 0.0)),
        *(("huber_loss", {"delta": d}) for d in (1.0, 0.3, 2.5)),
    ]
]
LOSS_IDS = [f"{ours.__module__}.{ours.__name__}{options or ''}" for ours, _, options in LOSSES]
WEIGHTED = [(getattr(module, name), getattr(F, name))
            for module in (lossedu, lossedu.fast) for name in ("mse_loss", "l1_loss", "huber_loss")]


def value_and_grads(fn, x, y, reduction, **options):
    out = fn(x, y, reduction=reduction, **options)
    grads = torch.autograd.grad(out.sum() if out.dim() else out, (x, y))
    return out, grads


@pytest.mark.parametrize("loss", LOSSES, ids=LOSS_IDS)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_matches_torch(loss, dtype, shape, reduction):
    ours_fn, theirs_fn, options = loss
    x, y = pair(shape, dtype)
    if x.dim():
        x.data[..., :1] = y.data[..., :1]  # a zero residual: where |r| is not differentiable
    ours, our_grads = value_and_grads(ours_fn, x, y, reduction, **options)
    theirs, their_grads = value_and_grads(theirs_fn, x, y, reduction, **options)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    torch.testing.assert_close(ours, theirs, **TOLERANCE[dtype])
    for a, b in zip(our_grads, their_grads, strict=True):
        torch.testing.assert_close(a, b, **TOLERANCE[dtype])


@pytest.mark.parametrize("loss", WEIGHTED, ids=lambda p: f"{p[0].__module__}.{p[0].__name__}")
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weight_as_torch(loss, dtype, reduction):
    """torch 2.13's ``weight=``: mse and l1 'mean' divide by sum w, huber's by N."""
    ours_fn, theirs_fn = loss
    x, y = pair((4, 3), dtype)
    w = torch.rand(4, 3, generator=torch.Generator().manual_seed(1), dtype=dtype)
    w.requires_grad_()
    ours, our_grads = value_and_grads(lambda a, b, **k: ours_fn(a, b, weight=w, **k), x, y,
                                      reduction)
    theirs, their_grads = value_and_grads(lambda a, b, **k: theirs_fn(a, b, weight=w, **k), x, y,
                                          reduction)
    torch.testing.assert_close(ours, theirs, **TOLERANCE[dtype])
    for a, b in zip(our_grads, their_grads, strict=True):
        torch.testing.assert_close(a, b, **TOLERANCE[dtype])
    if dtype == torch.float64:
        assert torch.autograd.gradcheck(lambda a, b, v: ours_fn(a, b, reduction, weight=v),
                                        (x, y, w))


@pytest.mark.parametrize("fn", [mse_loss, lossedu.fast.huber_loss])
def test_weight_of_another_shape_is_rejected(fn):
    with pytest.raises(ValueError, match=r"`weight` of the input's shape \(4,\), got \(1,\)"):
        fn(torch.zeros(4), torch.zeros(4), weight=torch.ones(1))


@pytest.mark.parametrize("module", [lossedu, lossedu.fast])
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss"])
def test_old_positional_size_average_fails_saying_so(module, name):
    x, y = pair((3,), torch.float32)
    with pytest.raises(TypeError, match=r"deprecated `size_average` / `reduce`"):
        getattr(module, name)(x, y, None)
    with pytest.raises(TypeError, match=r"at most \d positional arguments, got 5.*size_average"):
        getattr(module, name)(x, y, None, None, "sum")


def test_mse_gradient_only_for_inputs_that_need_it():
    x, y = pair((5,), torch.float64)
    y = y.detach()
    mse_loss(x, y).backward()
    assert x.grad is not None and y.grad is None


@pytest.mark.parametrize("loss", LOSSES, ids=LOSS_IDS)
def test_gradcheck(loss):
    ours_fn, _, options = loss
    x, y = pair((3, 4), torch.float64)
    for reduction in REDUCTIONS:
        assert torch.autograd.gradcheck(
            lambda a, b, r=reduction: ours_fn(a, b, reduction=r, **options), (x, y)
        )


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=20),
    st.sampled_from(REDUCTIONS),
    st.sampled_from(LOSSES),
)
def test_matches_torch_on_any_values(values, reduction, loss):
    ours_fn, theirs_fn, options = loss
    x = torch.tensor(values, dtype=torch.float64)
    y = x.flip(0) * 0.5
    torch.testing.assert_close(ours_fn(x, y, reduction=reduction, **options),
                               theirs_fn(x, y, reduction=reduction, **options),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("loss", LOSSES, ids=LOSS_IDS)
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_like_torch(loss, dtype):
    ours_fn, theirs_fn, options = loss
    x, y = (t.detach().to(dtype) for t in pair((16,), torch.float32))
    ours, theirs = ours_fn(x, y, **options), theirs_fn(x, y, **options)
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


def test_huber_is_delta_times_smooth_l1():
    x, y = pair((50,), torch.float64)
    for t in (0.5, 2.0):
        torch.testing.assert_close(huber_loss(x, y, delta=t), t * smooth_l1_loss(x, y, beta=t))


@pytest.mark.parametrize("fn", [l1_loss, smooth_l1_loss, huber_loss])
def test_broadcasting_shapes_are_rejected_by_every_loss(fn):
    with pytest.raises(ValueError, match=r"\(8, 1\) but `target` has \(8,\).*\(8, 8\)"):
        fn(torch.zeros(8, 1), torch.zeros(8))


def test_thresholds_are_checked():
    x, y = pair((3,), torch.float32)
    with pytest.raises(ValueError, match=r"`beta` >= 0, got -1.0"):
        smooth_l1_loss(x, y, beta=-1.0)
    with pytest.raises(ValueError, match=r"`delta` > 0, got 0.0"):
        huber_loss(x, y, delta=0.0)
    with pytest.raises(ValueError, match=r"`delta` > 0, got nan"):
        lossedu.fast.huber_loss(x, y, delta=float("nan"))


def test_tensors_on_different_devices_are_rejected():
    x = torch.zeros(3, device="meta")
    with pytest.raises(ValueError, match=r"one device, got `input` on meta, `target` on cpu"):
        l1_loss(x, torch.zeros(3))
