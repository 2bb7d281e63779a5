"""lossedu.binary and lossedu.fast.binary against torch: values, gradients, every option,
errors."""

import itertools

import pytest
import torch
import torch.nn.functional as F
from loss_checks import IMPLEMENTATIONS, REDUCTIONS, TOLERANCE, assert_same

import lossedu

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
@IMPLEMENTATIONS
def test_binary_cross_entropy(impl, dtype, shape, reduction, weighted, edges):
    p, y = binary_case(shape, dtype, edges=edges)
    w = torch.linspace(0.5, 2, shape[-1], dtype=dtype) if weighted else None
    if impl is lossedu.fast or not edges:
        assert_same(impl.binary_cross_entropy, F.binary_cross_entropy, (p, y), dtype, weight=w,
                    reduction=reduction)
        return
    # p exactly 0 or 1: the readable form's values are torch's; its gradient is finite, and
    # torch's everywhere else (torch's own slope there, (p - y) / 1e-12, is a convention)
    ours = impl.binary_cross_entropy(p, y, w, reduction="none")
    theirs = F.binary_cross_entropy(p, y, w, reduction="none")
    torch.testing.assert_close(ours, theirs, **TOLERANCE[dtype])
    our_grads = torch.autograd.grad(ours.sum(), (p, y))
    their_grads = torch.autograd.grad(theirs.sum(), (p, y))
    inside = (p > 0) & (p < 1)
    for a, b in zip(our_grads, their_grads, strict=True):
        assert a.isfinite().all()
        torch.testing.assert_close(a[inside], b[inside], **TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("shape", [(7,), (4, 3), (2, 3, 4)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted, pos_weighted", list(itertools.product([False, True], repeat=2)))
@IMPLEMENTATIONS
def test_binary_cross_entropy_with_logits(impl, dtype, shape, reduction, weighted, pos_weighted):
    g = torch.Generator().manual_seed(2)
    x = (5 * torch.randn(shape, generator=g, dtype=dtype)).requires_grad_()
    x.data.view(-1)[:2] = torch.tensor([1e4, -1e4], dtype=dtype)
    y = torch.rand(shape, generator=g, dtype=dtype).requires_grad_()
    w = torch.linspace(0.5, 2, shape[-1], dtype=dtype) if weighted else None
    pw = torch.linspace(1, 4, shape[-1], dtype=dtype) if pos_weighted else None
    assert_same(impl.binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits, (x, y),
                dtype, weight=w, pos_weight=pw, reduction=reduction)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("pos_weighted", [False, True])
@IMPLEMENTATIONS
def test_bce_with_logits_keeps_tiny_losses_of_confident_right_answers(impl, dtype, pos_weighted):
    # y = 1 and x >> 0: the loss is softplus(-x) ~ e^{-x}, far below any absolute tolerance
    x = torch.tensor([12.0, 20.0, 30.0, 60.0], dtype=dtype)
    y = torch.ones(4, dtype=dtype)
    pw = torch.tensor([1.0, 2.0, 0.5, 3.0], dtype=dtype) if pos_weighted else None
    ours = impl.binary_cross_entropy_with_logits(x, y, reduction="none", pos_weight=pw)
    theirs = F.binary_cross_entropy_with_logits(x, y, reduction="none", pos_weight=pw)
    assert (theirs > 0).all()
    torch.testing.assert_close(ours, theirs, rtol=TOLERANCE[dtype]["rtol"], atol=0)


@IMPLEMENTATIONS
def test_gradcheck_binary(impl):
    p, y = binary_case((3, 4), torch.float64)
    with torch.no_grad():
        p.clamp_(0.05, 0.95)
    assert torch.autograd.gradcheck(lambda a, b: impl.binary_cross_entropy(a, b), (p, y))
    x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    pw = torch.tensor([1.0, 2.0, 3.0, 0.5], dtype=torch.float64)
    assert torch.autograd.gradcheck(
        lambda a, b: impl.binary_cross_entropy_with_logits(a, b, pos_weight=pw), (x, y))


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
    assert_same(lambda a, b: lossedu.sigmoid_focal_loss(a, b, alpha, gamma, reduction),
                lambda a, b: reference_sigmoid_focal(a, b, alpha, gamma, reduction),
                (x, y), torch.float64)


@IMPLEMENTATIONS
def test_focal_loss_down_weights_easy_examples(impl):
    x = torch.tensor([[4.0, 0.0], [0.2, 0.0]])
    t = torch.tensor([0, 0])
    ratio = impl.focal_loss(x, t, reduction="none") / impl.cross_entropy(x, t, reduction="none")
    assert ratio[0] < 1e-3 < ratio[1] < 1


@IMPLEMENTATIONS
def test_bce_on_nan_says_the_output_is_already_nan(impl):
    with pytest.raises(ValueError,
                       match=r"got nan: the model's output already holds nan.*pitfalls"):
        impl.binary_cross_entropy(torch.tensor([0.2, float("nan")]), torch.tensor([0.0, 1.0]))


@IMPLEMENTATIONS
def test_bce_on_logits_suggests_the_logits_form(impl):
    with pytest.raises(ValueError, match=r"in \[0, 1\], got 2.5.*binary_cross_entropy_with_logits"):
        impl.binary_cross_entropy(torch.tensor([0.2, 2.5]), torch.tensor([0.0, 1.0]))


@IMPLEMENTATIONS
def test_bce_shapes_must_match(impl):
    with pytest.raises(ValueError, match=r"input's shape \(3,\), got \(3, 1\)"):
        impl.binary_cross_entropy_with_logits(torch.zeros(3), torch.zeros(3, 1))


@IMPLEMENTATIONS
def test_bce_target_of_another_dtype(impl):
    p, y = torch.full((3,), 0.5), torch.ones(3, dtype=torch.float64)
    with pytest.raises(RuntimeError):
        F.binary_cross_entropy(p, y)
    with pytest.raises(TypeError, match=r"`target` of the input's dtype torch.float32, got "
                                        r"torch.float64.*target.to\(input.dtype\)"):
        impl.binary_cross_entropy(p, y)


def test_sigmoid_focal_loss_errors_name_its_own_arguments():
    with pytest.raises(TypeError, match=r"`inputs` to be a torch.Tensor, got list"):
        lossedu.sigmoid_focal_loss([0.5], torch.tensor([1.0]))
    with pytest.raises(TypeError, match=r"`targets` to be a floating-point tensor, got dtype "
                                        r"torch.int64"):
        lossedu.sigmoid_focal_loss(torch.tensor([0.5]), torch.tensor([1]))
    with pytest.raises(ValueError, match=r"`targets` of the shape of `inputs`, \(4, 3\), got "
                                         r"\(4,\)"):
        lossedu.sigmoid_focal_loss(torch.randn(4, 3), torch.ones(4))
    with pytest.raises(ValueError, match=r"`gamma` >= 0, got -1"):
        lossedu.sigmoid_focal_loss(torch.randn(3), torch.ones(3), gamma=-1)


@IMPLEMENTATIONS
def test_old_positional_size_average_fails_saying_so(impl):
    p, y = torch.full((3,), 0.5), torch.ones(3)
    for fn in (impl.binary_cross_entropy, impl.binary_cross_entropy_with_logits):
        with pytest.raises(TypeError, match=r"`reduction`.*got None.*deprecated `size_average`"):
            fn(p, y, None, None)
    with pytest.raises(TypeError, match=r"at most 5 positional arguments, got 7"):
        impl.binary_cross_entropy_with_logits(p, y, None, None, None, "mean", None)
