"""lossedu.classification and lossedu.fast.classification against torch: values, gradients,
every option, errors."""

import itertools

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from loss_checks import REDUCTIONS, assert_same

import lossedu
import lossedu.fast

# Each test marked so runs on the readable form and on the hand-written gradients.
IMPLEMENTATIONS = pytest.mark.parametrize("impl", [lossedu, lossedu.fast], ids=["readable", "fast"])

# (input shape, target shape): unbatched, batched, and K extra dimensions
SHAPES = [((5,), ()), ((4, 5), (4,)), ((3, 5, 2), (3, 2)), ((2, 5, 3, 2), (2, 3, 2))]


def class_case(shape, target_shape, dtype, seed=0, C=5, ignore=False):
    g = torch.Generator().manual_seed(seed)
    x = (3 * torch.randn(shape, generator=g, dtype=dtype)).requires_grad_()
    t = torch.randint(0, C, target_shape, generator=g)
    if ignore and t.numel() > 1:
        t.view(-1)[::3] = -100
    return x, t


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("shape, target_shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted, ignore, smoothing",
                         list(itertools.product([False, True], [False, True], [0.0, 0.2])))
@IMPLEMENTATIONS
def test_cross_entropy_class_indices(impl, dtype, shape, target_shape, reduction, weighted, ignore,
                                     smoothing):
    x, t = class_case(shape, target_shape, dtype, ignore=ignore)
    w = torch.tensor([1.0, 2.0, 0.5, 3.0, 1.5], dtype=dtype) if weighted else None
    assert_same(impl.cross_entropy, F.cross_entropy, (x, t), dtype, weight=w, reduction=reduction,
                label_smoothing=smoothing)
    if not smoothing:  # focal loss with gamma = 0 is cross-entropy
        assert_same(lambda a, b, **o: impl.focal_loss(a, b, gamma=0.0, **o), F.cross_entropy,
                    (x, t), dtype, weight=w, reduction=reduction)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("shape, _", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted, smoothing", [(False, 0.0), (True, 0.0), (True, 0.3)])
@IMPLEMENTATIONS
def test_cross_entropy_probability_targets(impl, dtype, shape, _, reduction, weighted, smoothing):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(shape, generator=g, dtype=dtype).requires_grad_()
    p = torch.randn(shape, generator=g, dtype=dtype).softmax(0 if len(shape) == 1 else 1)
    w = torch.tensor([1.0, 2.0, 0.5, 3.0, 1.5], dtype=dtype) if weighted else None
    assert_same(impl.cross_entropy, F.cross_entropy, (x, p.requires_grad_()), dtype, weight=w,
                reduction=reduction, label_smoothing=smoothing)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("shape, target_shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@IMPLEMENTATIONS
def test_nll_loss(impl, dtype, shape, target_shape, reduction, weighted):
    x, t = class_case(shape, target_shape, dtype, ignore=True)
    w = torch.tensor([1.0, 2.0, 0.5, 3.0, 1.5], dtype=dtype) if weighted else None
    assert_same(impl.nll_loss, F.nll_loss, (x, t), dtype, weight=w, reduction=reduction)


@IMPLEMENTATIONS
def test_all_targets_ignored_gives_nan_like_torch(impl):
    x = torch.randn(3, 4)
    t = torch.full((3,), -100)
    assert impl.cross_entropy(x, t).isnan() and F.cross_entropy(x, t).isnan()


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@IMPLEMENTATIONS
def test_extreme_logits_stay_exact(impl, dtype):
    x = torch.tensor([[1e4, 0.0, -1e4], [0.0, 1e4, -1e4], [-1e4, -1e4, 1e4]], dtype=dtype,
                     requires_grad=True)
    t = torch.tensor([1, 1, 0])
    for reduction in REDUCTIONS:
        assert_same(impl.cross_entropy, F.cross_entropy, (x, t), dtype, reduction=reduction)
    # a certain right answer: the loss is -0.0 in torch, and the book prints it
    ours = impl.cross_entropy(x, t, reduction="none")
    theirs = F.cross_entropy(x, t, reduction="none")
    assert torch.equal(ours.signbit(), theirs.signbit())


@IMPLEMENTATIONS
def test_gradcheck_cross_entropy_and_focal(impl):
    x, t = class_case((4, 5), (4,), torch.float64, ignore=True)
    w = torch.rand(5, dtype=torch.float64) + 0.5
    assert torch.autograd.gradcheck(
        lambda a: impl.cross_entropy(a, t, weight=w, label_smoothing=0.1), (x,))
    assert torch.autograd.gradcheck(lambda a: impl.focal_loss(a, t, gamma=2.0, weight=w), (x,))


@pytest.mark.parametrize("shape, target_shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted, smoothing", [(False, 0.0), (True, 0.0), (False, 0.2),
                                                 (True, 0.2)])
@IMPLEMENTATIONS
def test_gradcheck(impl, shape, target_shape, reduction, weighted, smoothing):
    """Cross-entropy and NLL gradients against finite differences (gradcheck's fast mode: one
    random projection of the Jacobian instead of every column)."""
    x, t = class_case(shape, target_shape, torch.float64, ignore=True)
    w = torch.rand(5, dtype=torch.float64) + 0.5 if weighted else None
    assert torch.autograd.gradcheck(lambda a: impl.cross_entropy(
        a, t, weight=w, reduction=reduction, label_smoothing=smoothing), (x,), fast_mode=True)
    if not smoothing:
        assert torch.autograd.gradcheck(
            lambda a: impl.nll_loss(a.log_softmax(1 if a.dim() > 1 else 0), t, weight=w,
                                    reduction=reduction), (x,), fast_mode=True)


@IMPLEMENTATIONS
def test_byte_class_indices_like_torch(impl):
    x, t = class_case((4, 5), (4,), torch.float64)
    for ours_fn, theirs_fn in ((impl.cross_entropy, F.cross_entropy), (impl.nll_loss, F.nll_loss)):
        assert_same(ours_fn, theirs_fn, (x, t.to(torch.uint8)), torch.float64)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=6, max_size=6), st.integers(0, 2),
       st.floats(0, 1))
@IMPLEMENTATIONS
def test_cross_entropy_any_logits(impl, values, cls, smoothing):
    x = torch.tensor(values, dtype=torch.float64).view(2, 3)
    t = torch.tensor([cls, 2 - cls])
    torch.testing.assert_close(impl.cross_entropy(x, t, label_smoothing=smoothing),
                               F.cross_entropy(x, t, label_smoothing=smoothing))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@IMPLEMENTATIONS
def test_cross_entropy_half_precision_like_torch(impl, dtype):
    x, t = class_case((8, 5), (8,), torch.float32)
    x = x.detach().to(dtype)
    ours, theirs = impl.cross_entropy(x, t), F.cross_entropy(x, t)
    assert ours.dtype == theirs.dtype == dtype
    torch.testing.assert_close(ours.float(), theirs.float(), rtol=2e-2, atol=2e-2)


# Errors that teach


@IMPLEMENTATIONS
def test_float_targets_of_the_wrong_shape(impl):
    with pytest.raises(ValueError, match=r"class indices with shape \(4,\) as integers.*float "
                                         r"shape \(4, 1\).*target.long\(\)"):
        impl.cross_entropy(torch.randn(4, 3), torch.zeros(4, 1))


@IMPLEMENTATIONS
def test_one_hot_targets_passed_as_indices(impl):
    with pytest.raises(ValueError, match=r"one-hot targets passed as indices\?.*argmax"):
        impl.cross_entropy(torch.randn(4, 3), F.one_hot(torch.tensor([0, 1, 2, 0]), 3))


@IMPLEMENTATIONS
def test_a_target_that_keeps_a_class_dimension_of_one(impl):
    with pytest.raises(ValueError, match=r"shape \(4,\), got \(4, 1\).*class dimension of size "
                                         r"1: pass `target.squeeze\(1\)`"):
        impl.cross_entropy(torch.randn(4, 3), torch.zeros(4, 1, dtype=torch.long))
    with pytest.raises(ValueError, match=r"shape \(2, 5, 5\), got \(2, 1, 5, 5\).*squeeze\(1\)"):
        impl.cross_entropy(torch.randn(2, 3, 5, 5), torch.zeros(2, 1, 5, 5, dtype=torch.long))


@IMPLEMENTATIONS
def test_classes_on_the_last_dimension(impl):
    """(N, T, C) logits of a sequence model with (N, T) targets: the classes belong on dim 1."""
    with pytest.raises(ValueError, match=r"shape \(2, 3\), got \(2, 5\).*classes are on the last "
                                         r"dimension.*input.movedim\(-1, 1\)"):
        impl.cross_entropy(torch.randn(2, 5, 3), torch.zeros(2, 5, dtype=torch.long))


@IMPLEMENTATIONS
def test_integer_targets_of_the_wrong_dtype(impl):
    with pytest.raises(TypeError, match=r"torch.int64 \(long\), got torch.int32.*target.long"):
        impl.cross_entropy(torch.randn(2, 3), torch.tensor([0, 1], dtype=torch.int32))


@IMPLEMENTATIONS
def test_class_index_out_of_range(impl):
    with pytest.raises(ValueError, match=r"in \[0, 2\].*got 3: the input has C = 3 classes"
                                         r".*counted from 1 \(use `target - 1`\)"):
        impl.cross_entropy(torch.randn(2, 3), torch.tensor([0, 3]))
    with pytest.raises(ValueError, match=r"got -1.*padding: pass `ignore_index=-1`"):
        impl.nll_loss(torch.randn(2, 3), torch.tensor([-1, 0]))


@IMPLEMENTATIONS
def test_unknown_reduction_and_bad_options(impl):
    x, t = torch.randn(2, 3), torch.tensor([0, 1])
    with pytest.raises(ValueError, match=r"`reduction` to be one of .* got 'avg'"):
        impl.cross_entropy(x, t, reduction="avg")
    with pytest.raises(ValueError, match=r"`label_smoothing` in \[0, 1\], got 1.5"):
        impl.cross_entropy(x, t, label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"one entry per class, shape \(3,\), got \(2,\)"):
        impl.cross_entropy(x, t, weight=torch.ones(2))


@IMPLEMENTATIONS
def test_tensors_on_different_devices(impl):
    with pytest.raises(ValueError, match=r"one device, got `input` on meta, `target` on cpu"):
        impl.cross_entropy(torch.zeros(2, 3, device="meta"), torch.zeros(2, 3))


@IMPLEMENTATIONS
def test_old_positional_size_average_fails_saying_so(impl):
    """``nll_loss(x, y, w, None)``: the 4th position was torch's ``size_average``."""
    x, t = torch.randn(3, 4).log_softmax(1), torch.tensor([0, 1, 2])
    for fn in (impl.nll_loss, impl.cross_entropy):
        with pytest.raises(TypeError, match=r"`ignore_index`.*got None.*deprecated "
                                            r"`size_average` / `reduce`"):
            fn(x, t, None, None)
        with pytest.raises(TypeError, match=r"at most \d positional arguments, got 7"):
            fn(x, t, None, None, -100, None, "mean")
