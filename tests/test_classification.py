"""lossedu.classification against torch: values, gradients, every option, errors."""

import itertools

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from lossedu import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    focal_loss,
    nll_loss,
    sigmoid_focal_loss,
)

REDUCTIONS = ["none", "mean", "sum"]
TOLERANCE = {torch.float64: dict(rtol=1e-7, atol=1e-10), torch.float32: dict(rtol=2e-4, atol=1e-5)}
# (input shape, target shape): unbatched, batched, and K extra dimensions
SHAPES = [((5,), ()), ((4, 5), (4,)), ((3, 5, 2), (3, 2)), ((2, 5, 3, 2), (2, 3, 2))]


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
def test_cross_entropy_class_indices(dtype, shape, target_shape, reduction, weighted, ignore,
                                     smoothing):
    x, t = class_case(shape, target_shape, dtype, ignore=ignore)
    w = torch.tensor([1.0, 2.0, 0.5, 3.0, 1.5], dtype=dtype) if weighted else None
    assert_same(cross_entropy, F.cross_entropy, (x, t), dtype, weight=w, reduction=reduction,
                label_smoothing=smoothing)
    if not smoothing:  # focal loss with gamma = 0 is cross-entropy
        assert_same(lambda a, b, **o: focal_loss(a, b, gamma=0.0, **o), F.cross_entropy, (x, t),
                    dtype, weight=w, reduction=reduction)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("shape, _", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted, smoothing", [(False, 0.0), (True, 0.0), (True, 0.3)])
def test_cross_entropy_probability_targets(dtype, shape, _, reduction, weighted, smoothing):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(shape, generator=g, dtype=dtype).requires_grad_()
    p = torch.randn(shape, generator=g, dtype=dtype).softmax(0 if len(shape) == 1 else 1)
    w = torch.tensor([1.0, 2.0, 0.5, 3.0, 1.5], dtype=dtype) if weighted else None
    assert_same(cross_entropy, F.cross_entropy, (x, p.requires_grad_()), dtype, weight=w,
                reduction=reduction, label_smoothing=smoothing)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("shape, target_shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss(dtype, shape, target_shape, reduction, weighted):
    x, t = class_case(shape, target_shape, dtype, ignore=True)
    w = torch.tensor([1.0, 2.0, 0.5, 3.0, 1.5], dtype=dtype) if weighted else None
    assert_same(nll_loss, F.nll_loss, (x, t), dtype, weight=w, reduction=reduction)


def test_all_targets_ignored_gives_nan_like_torch():
    x = torch.randn(3, 4)
    t = torch.full((3,), -100)
    assert cross_entropy(x, t).isnan() and F.cross_entropy(x, t).isnan()


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_extreme_logits_stay_exact(dtype):
    x = torch.tensor([[1e4, 0.0, -1e4], [0.0, 1e4, -1e4], [-1e4, -1e4, 1e4]], dtype=dtype,
                     requires_grad=True)
    t = torch.tensor([1, 1, 0])
    for reduction in REDUCTIONS:
        assert_same(cross_entropy, F.cross_entropy, (x, t), dtype, reduction=reduction)
    # a certain right answer: the loss is -0.0 in torch, and the book prints it
    ours, theirs = cross_entropy(x, t, reduction="none"), F.cross_entropy(x, t, reduction="none")
    assert torch.equal(ours.signbit(), theirs.signbit())


def test_gradcheck_cross_entropy_and_focal():
    x, t = class_case((4, 5), (4,), torch.float64, ignore=True)
    w = torch.rand(5, dtype=torch.float64) + 0.5
    assert torch.autograd.gradcheck(
        lambda a: cross_entropy(a, t, weight=w, label_smoothing=0.1), (x,))
    assert torch.autograd.gradcheck(lambda a: focal_loss(a, t, gamma=2.0, weight=w), (x,))


@pytest.mark.parametrize("shape, target_shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted, smoothing", [(False, 0.0), (True, 0.0), (False, 0.2),
                                                 (True, 0.2)])
def test_gradcheck_hand_written_backwards(shape, target_shape, reduction, weighted, smoothing):
    """The hand-written gradients of cross-entropy and NLL against finite differences."""
    x, t = class_case(shape, target_shape, torch.float64, ignore=True)
    w = torch.rand(5, dtype=torch.float64) + 0.5 if weighted else None
    assert torch.autograd.gradcheck(lambda a: cross_entropy(
        a, t, weight=w, reduction=reduction, label_smoothing=smoothing), (x,))
    if not smoothing:
        assert torch.autograd.gradcheck(
            lambda a: nll_loss(a.log_softmax(1 if a.dim() > 1 else 0), t, weight=w,
                               reduction=reduction), (x,))


def test_byte_class_indices_like_torch():
    x, t = class_case((4, 5), (4,), torch.float64)
    for ours_fn, theirs_fn in ((cross_entropy, F.cross_entropy), (nll_loss, F.nll_loss)):
        assert_same(ours_fn, theirs_fn, (x, t.to(torch.uint8)), torch.float64)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=6, max_size=6), st.integers(0, 2),
       st.floats(0, 1))
def test_cross_entropy_any_logits(values, cls, smoothing):
    x = torch.tensor(values, dtype=torch.float64).view(2, 3)
    t = torch.tensor([cls, 2 - cls])
    torch.testing.assert_close(cross_entropy(x, t, label_smoothing=smoothing),
                               F.cross_entropy(x, t, label_smoothing=smoothing))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_cross_entropy_half_precision_like_torch(dtype):
    x, t = class_case((8, 5), (8,), torch.float32)
    x = x.detach().to(dtype)
    ours, theirs = cross_entropy(x, t), F.cross_entropy(x, t)
    assert ours.dtype == theirs.dtype == dtype
    torch.testing.assert_close(ours.float(), theirs.float(), rtol=2e-2, atol=2e-2)


# Binary cross-entropy


def binary_case(shape, dtype, seed=0, edges=False):
    g = torch.Generator().manual_seed(seed)
    p = torch.rand(shape, generator=g, dtype=dtype)
    y = torch.rand(shape, generator=g, dtype=dtype)
    if edges:
        p.view(-1)[:4] = torch.tensor([0.0, 1.0, 0.0, 1.0], dtype=dtype)
        y.view(-1)[:4] = torch.tensor([1.0, 0.0, 0.0, 1.0], dtype=dtype)
    return p.requires_grad_(), y.requires_grad_()


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("shape", [(7,), (4, 3), (2, 3, 4)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("edges", [False, True])
def test_binary_cross_entropy(dtype, shape, reduction, weighted, edges):
    p, y = binary_case(shape, dtype, edges=edges)
    w = torch.linspace(0.5, 2, shape[-1], dtype=dtype) if weighted else None
    assert_same(binary_cross_entropy, F.binary_cross_entropy, (p, y), dtype, weight=w,
                reduction=reduction)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("shape", [(7,), (4, 3), (2, 3, 4)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted, pos_weighted", list(itertools.product([False, True], repeat=2)))
def test_binary_cross_entropy_with_logits(dtype, shape, reduction, weighted, pos_weighted):
    g = torch.Generator().manual_seed(2)
    x = (5 * torch.randn(shape, generator=g, dtype=dtype)).requires_grad_()
    x.data.view(-1)[:2] = torch.tensor([1e4, -1e4], dtype=dtype)
    y = torch.rand(shape, generator=g, dtype=dtype).requires_grad_()
    w = torch.linspace(0.5, 2, shape[-1], dtype=dtype) if weighted else None
    pw = torch.linspace(1, 4, shape[-1], dtype=dtype) if pos_weighted else None
    assert_same(binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits, (x, y),
                dtype, weight=w, pos_weight=pw, reduction=reduction)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("pos_weighted", [False, True])
def test_bce_with_logits_keeps_tiny_losses_of_confident_right_answers(dtype, pos_weighted):
    # y = 1 and x >> 0: the loss is softplus(-x) ~ e^{-x}, far below any absolute tolerance
    x = torch.tensor([12.0, 20.0, 30.0, 60.0], dtype=dtype)
    y = torch.ones(4, dtype=dtype)
    pw = torch.tensor([1.0, 2.0, 0.5, 3.0], dtype=dtype) if pos_weighted else None
    ours = binary_cross_entropy_with_logits(x, y, reduction="none", pos_weight=pw)
    theirs = F.binary_cross_entropy_with_logits(x, y, reduction="none", pos_weight=pw)
    assert (theirs > 0).all()
    torch.testing.assert_close(ours, theirs, rtol=TOLERANCE[dtype]["rtol"], atol=0)


def test_gradcheck_binary():
    p, y = binary_case((3, 4), torch.float64)
    with torch.no_grad():
        p.clamp_(0.05, 0.95)
    assert torch.autograd.gradcheck(lambda a, b: binary_cross_entropy(a, b), (p, y))
    x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    pw = torch.tensor([1.0, 2.0, 3.0, 0.5], dtype=torch.float64)
    assert torch.autograd.gradcheck(
        lambda a, b: binary_cross_entropy_with_logits(a, b, pos_weight=pw), (x, y))


def reference_sigmoid_focal(x, y, alpha, gamma, reduction):
    """torchvision.ops.sigmoid_focal_loss, written out."""
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    loss = ce * (1 - (p * y + (1 - p) * (1 - y))) ** gamma
    if alpha >= 0:
        loss = (alpha * y + (1 - alpha) * (1 - y)) * loss
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


@pytest.mark.parametrize("alpha, gamma", [(0.25, 2), (0.5, 0), (-1, 2), (-1, 0), (0.9, 3.5)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_sigmoid_focal_loss(alpha, gamma, reduction):
    g = torch.Generator().manual_seed(3)
    x = torch.randn(4, 3, generator=g, dtype=torch.float64).requires_grad_()
    y = (torch.rand(4, 3, generator=g) > 0.5).double()
    assert_same(lambda a, b: sigmoid_focal_loss(a, b, alpha, gamma, reduction),
                lambda a, b: reference_sigmoid_focal(a, b, alpha, gamma, reduction),
                (x, y), torch.float64)


def test_focal_loss_down_weights_easy_examples():
    x = torch.tensor([[4.0, 0.0], [0.2, 0.0]])
    t = torch.tensor([0, 0])
    ratio = focal_loss(x, t, reduction="none") / cross_entropy(x, t, reduction="none")
    assert ratio[0] < 1e-3 < ratio[1] < 1


# Errors that teach


def test_float_targets_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"class indices with shape \(4,\) as integers.*float "
                                         r"shape \(4, 1\).*target.long\(\)"):
        cross_entropy(torch.randn(4, 3), torch.zeros(4, 1))


def test_one_hot_targets_passed_as_indices():
    with pytest.raises(ValueError, match=r"one-hot targets passed as indices\?.*argmax"):
        cross_entropy(torch.randn(4, 3), F.one_hot(torch.tensor([0, 1, 2, 0]), 3))


def test_a_target_that_keeps_a_class_dimension_of_one():
    with pytest.raises(ValueError, match=r"shape \(4,\), got \(4, 1\).*class dimension of size "
                                         r"1: pass `target.squeeze\(1\)`"):
        cross_entropy(torch.randn(4, 3), torch.zeros(4, 1, dtype=torch.long))
    with pytest.raises(ValueError, match=r"shape \(2, 5, 5\), got \(2, 1, 5, 5\).*squeeze\(1\)"):
        cross_entropy(torch.randn(2, 3, 5, 5), torch.zeros(2, 1, 5, 5, dtype=torch.long))


def test_classes_on_the_last_dimension():
    """(N, T, C) logits of a sequence model with (N, T) targets: the classes belong on dim 1."""
    with pytest.raises(ValueError, match=r"shape \(2, 3\), got \(2, 5\).*classes are on the last "
                                         r"dimension.*input.movedim\(-1, 1\)"):
        cross_entropy(torch.randn(2, 5, 3), torch.zeros(2, 5, dtype=torch.long))


def test_integer_targets_of_the_wrong_dtype():
    with pytest.raises(TypeError, match=r"torch.int64 \(long\), got torch.int32.*target.long"):
        cross_entropy(torch.randn(2, 3), torch.tensor([0, 1], dtype=torch.int32))


def test_class_index_out_of_range():
    with pytest.raises(ValueError, match=r"in \[0, 2\].*got 3: the input has C = 3 classes"
                                         r".*counted from 1 \(use `target - 1`\)"):
        cross_entropy(torch.randn(2, 3), torch.tensor([0, 3]))
    with pytest.raises(ValueError, match=r"got -1.*padding: pass `ignore_index=-1`"):
        nll_loss(torch.randn(2, 3), torch.tensor([-1, 0]))


def test_bce_on_nan_says_the_output_is_already_nan():
    with pytest.raises(ValueError,
                       match=r"got nan: the model's output already holds nan.*pitfalls"):
        binary_cross_entropy(torch.tensor([0.2, float("nan")]), torch.tensor([0.0, 1.0]))


def test_bce_on_logits_suggests_the_logits_form():
    with pytest.raises(ValueError, match=r"in \[0, 1\], got 2.5.*binary_cross_entropy_with_logits"):
        binary_cross_entropy(torch.tensor([0.2, 2.5]), torch.tensor([0.0, 1.0]))


def test_bce_shapes_must_match():
    with pytest.raises(ValueError, match=r"input's shape \(3,\), got \(3, 1\)"):
        binary_cross_entropy_with_logits(torch.zeros(3), torch.zeros(3, 1))


def test_bce_target_of_another_dtype():
    p, y = torch.full((3,), 0.5), torch.ones(3, dtype=torch.float64)
    with pytest.raises(RuntimeError):
        F.binary_cross_entropy(p, y)
    with pytest.raises(TypeError, match=r"`target` of the input's dtype torch.float32, got "
                                        r"torch.float64.*target.to\(input.dtype\)"):
        binary_cross_entropy(p, y)


def test_unknown_reduction_and_bad_options():
    x, t = torch.randn(2, 3), torch.tensor([0, 1])
    with pytest.raises(ValueError, match=r"`reduction` to be one of .* got 'avg'"):
        cross_entropy(x, t, reduction="avg")
    with pytest.raises(ValueError, match=r"`label_smoothing` in \[0, 1\], got 1.5"):
        cross_entropy(x, t, label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"one entry per class, shape \(3,\), got \(2,\)"):
        cross_entropy(x, t, weight=torch.ones(2))


def test_tensors_on_different_devices():
    with pytest.raises(ValueError, match=r"one device, got `input` on meta, `target` on cpu"):
        cross_entropy(torch.zeros(2, 3, device="meta"), torch.zeros(2, 3))


def test_sigmoid_focal_loss_errors_name_its_own_arguments():
    with pytest.raises(TypeError, match=r"`inputs` to be a torch.Tensor, got list"):
        sigmoid_focal_loss([0.5], torch.tensor([1.0]))
    with pytest.raises(TypeError, match=r"`targets` to be a floating-point tensor, got dtype "
                                        r"torch.int64"):
        sigmoid_focal_loss(torch.tensor([0.5]), torch.tensor([1]))
    with pytest.raises(ValueError, match=r"`targets` of the shape of `inputs`, \(4, 3\), got "
                                         r"\(4,\)"):
        sigmoid_focal_loss(torch.randn(4, 3), torch.ones(4))
    with pytest.raises(ValueError, match=r"`gamma` >= 0, got -1"):
        sigmoid_focal_loss(torch.randn(3), torch.ones(3), gamma=-1)
