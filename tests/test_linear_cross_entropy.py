"""linear_cross_entropy against torch 2.13's: the reference form and the chunked path, for
every option, shape and dtype; the chunked path keeps no (N, C) tensor; errors."""

from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from parity import assert_parity

import lossedu
from lossedu.profiling import peak_bytes

N, D, C = 6, 4, 5
REDUCTIONS = ["none", "mean", "sum"]


def problem(dtype=torch.float64, n=N, out_features=(), seed=0):
    """input (n, D), weight (C, *out_features, D), bias, class weights, targets (some ignored)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, D, generator=g, dtype=torch.float64).to(dtype)
    W = torch.randn(C, *out_features, D, generator=g, dtype=torch.float64).to(dtype)
    b = torch.randn(C, *out_features, generator=g, dtype=torch.float64).to(dtype)
    class_weight = (torch.rand(C, generator=g, dtype=torch.float64) + 0.5).to(dtype)
    y = torch.randint(0, C, (n, *out_features), generator=g)
    return x, W, b, class_weight, y


def both(x, W, y, **options):
    """lossedu's and torch's, compared value and gradients (input, weight, bias)."""
    grad = (0, 1, 3) if options.get("linear_bias") is not None else (0, 1)
    b = options.pop("linear_bias", None)
    assert_parity(lambda a, w, t, bias: lossedu.linear_cross_entropy(a, w, t, linear_bias=bias,
                                                                     **options),
                  lambda a, w, t, bias: F.linear_cross_entropy(a, w, t, linear_bias=bias,
                                                               **options),
                  x, W, y, b, grad=grad)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.bfloat16])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [None, 2])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_reference_matches_torch(dtype, reduction, bias, weighted, ignore_index,
                                 label_smoothing):
    x, W, b, class_weight, y = problem(dtype)
    both(x, W, y, linear_bias=b if bias else None, weight=class_weight if weighted else None,
         reduction=reduction, ignore_index=ignore_index, label_smoothing=label_smoothing)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_reference_shapes_as_torch(reduction):
    x, W, b, _, y = problem()
    both(x[0], W, y[0], linear_bias=b, reduction=reduction)  # unbatched
    both(x[:0], W, y[:0], reduction=reduction)  # an empty batch
    y[:2] = -100
    both(x, W, y, reduction=reduction)  # the default ignore_index
    both(x, W, torch.randn(N, C, dtype=x.dtype).softmax(-1), reduction=reduction)  # probabilities
    x, W, b, _, y = problem(out_features=(3,))  # a K-dimensional loss: logits (N, C, 3)
    both(x, W, y, linear_bias=b, reduction=reduction)


def chunked(size=None):
    return torch.nn.LinearCrossEntropyOptions(batch_chunk_size=size)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [None, 2])
@pytest.mark.parametrize("chunk", [1, 4, 64, None])
def test_chunked_matches_torch(dtype, reduction, bias, weighted, ignore_index, chunk):
    x, W, b, class_weight, y = problem(dtype)
    both(x, W, y, linear_bias=b if bias else None, weight=class_weight if weighted else None,
         reduction=reduction, ignore_index=ignore_index, options=chunked(chunk))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_chunked_unbatched_and_bfloat16(reduction):
    x, W, b, _, y = problem()
    both(x[0], W, y[0], linear_bias=b, reduction=reduction, options=chunked(2))
    x, W, b, _, y = problem(torch.bfloat16)
    ours = lossedu.linear_cross_entropy(x, W, y, linear_bias=b, reduction=reduction,
                                        options=chunked(2))
    reference = F.cross_entropy(x.double() @ W.double().T + b.double(), y, reduction=reduction)
    assert ours.dtype == torch.bfloat16
    torch.testing.assert_close(ours.double(), reference, rtol=2e-2, atol=2e-2)


def test_chunked_keeps_no_batch_by_classes_tensor():
    x, W, b, _, y = problem(n=64)
    W = torch.randn(1000, D, dtype=x.dtype).requires_grad_()
    loss = lossedu.linear_cross_entropy(x, W, y, options=chunked(8))
    saved = [t.numel() for t in loss.grad_fn.saved_tensors if t is not None]
    assert max(saved) < 64 * 1000 / 2  # the weight (1000 x 4) is the largest


def test_chunked_peak_is_the_weight_gradient_and_one_chunk():
    """Forward and backward at most hold the gradient of W and one chunk's logits (with a
    chunk-sized temporary of the forward's log-sum-exp): a chunk's logits are freed before
    the next chunk's are made."""
    g = torch.Generator().manual_seed(0)
    n, d, classes, rows = 256, 16, 4000, 16
    x = torch.randn(n, d, generator=g).requires_grad_()
    W = torch.randn(classes, d, generator=g).requires_grad_()
    y = torch.randint(0, classes, (n,), generator=g)
    chunk = grad_w = rows * classes * 4  # float32 bytes; the (C, d) gradient is as large
    peak = peak_bytes(lambda: lossedu.linear_cross_entropy(x, W, y, options=chunked(rows))
                      .backward())
    assert peak <= 1.2 * (grad_w + chunk), peak / chunk


def test_chunked_gradcheck():
    x, W, b, class_weight, y = (t.requires_grad_() if t.is_floating_point() else t
                                for t in problem())
    y[0] = -100
    for reduction in REDUCTIONS:
        assert torch.autograd.gradcheck(lambda a, w, c, r=reduction: lossedu.linear_cross_entropy(
            a, w, y, linear_bias=c, weight=class_weight.detach(), reduction=r,
            options=chunked(4)), (x, W, b))


def test_options_it_cannot_chunk_fall_back_with_a_warning():
    x, W, _, _, y = problem()
    with pytest.warns(UserWarning, match="`options` ignored"):
        ours = lossedu.linear_cross_entropy(x, W, y, label_smoothing=0.1, options=chunked(2))
    torch.testing.assert_close(ours, F.linear_cross_entropy(x, W, y, label_smoothing=0.1))


def test_errors():
    x, W, b, _, y = problem(torch.float32)
    with pytest.raises(ValueError, match=r"in_features = 4 .*got \(5, 3\)"):
        lossedu.linear_cross_entropy(x, W[:, :3], y)
    with pytest.raises(ValueError, match=r"`input` of shape \(in_features\).*got \(1, 6, 4\)"):
        lossedu.linear_cross_entropy(x[None], W, y)
    with pytest.raises(ValueError, match=r"`linear_bias` of shape \(5,\), got \(4,\)"):
        lossedu.linear_cross_entropy(x, W, y, linear_bias=b[:4])
    with pytest.raises(ValueError, match=r"`ignore_index` None with probability targets"):
        lossedu.linear_cross_entropy(x, W, torch.rand(N, C), ignore_index=0)
    with pytest.raises(ValueError, match=r"batched `input`"):
        lossedu.linear_cross_entropy(x[0], W[:, None].expand(C, 3, D), y[0])
    with pytest.raises(TypeError, match="`linear_weight` to be a floating-point tensor"):
        lossedu.linear_cross_entropy(x, W.long(), y)
    for options in (None, chunked(2)):
        with pytest.raises(ValueError, match=r"class indices in \[0, 4\].*got 7"):
            lossedu.linear_cross_entropy(x, W, torch.full((N,), 7), options=options)
    with pytest.raises(ValueError, match=r"`options.batch_chunk_size` to be a positive int, got 0"):
        lossedu.linear_cross_entropy(x, W, y, options=SimpleNamespace(batch_chunk_size=0))
