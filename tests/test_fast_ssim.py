"""lossedu.fast's SSIM (batched channels-last filtering, hand-written backward) against
scikit-image and against the readable lossedu.ssim: values, gradients, gradcheck."""

import numpy as np
import pytest
import torch
from test_ssim import F64, SSIM_CASES, image_pair, skimage_ssim

import lossedu
from lossedu import fast


@pytest.mark.parametrize(("shape", "data_range", "window"), SSIM_CASES)
def test_ssim_equals_scikit_image(shape, data_range, window):
    win_size, sigma = window
    x, y = image_pair(*shape, data_range=data_range)
    ours = fast.ssim(x, y, data_range=data_range, win_size=win_size, sigma=sigma,
                     reduction="none")
    expected = [skimage_ssim(a, b, data_range, win_size, sigma) for a, b in zip(x, y, strict=True)]
    np.testing.assert_allclose(ours.numpy(), expected, rtol=0, atol=1e-12)


def values_and_grads(fn, x, y, **kwargs):
    x, y = x.clone().requires_grad_(), y.clone().requires_grad_()
    value = fn(x, y, **kwargs)
    weights = torch.linspace(0.5, 1.5, value.numel(), dtype=value.dtype).view(value.shape)
    (value * weights).sum().backward()
    return value.detach(), x.grad, y.grad


@pytest.mark.parametrize(("name", "kwargs"), [
    ("ssim_map", {"win_size": 5, "sigma": 0.8}),
    ("ssim", {"reduction": "none", "data_range": 2.0}),
    ("ssim_loss", {"k1": 0.05, "k2": 0.1}),
    ("ms_ssim", {"win_size": 3, "weights": (0.3, 0.7)}),
])
def test_equals_the_readable_form(name, kwargs):
    x, y = image_pair(2, 3, 24, 21)
    got = values_and_grads(getattr(fast, name), x, y, **kwargs)
    expected = values_and_grads(getattr(lossedu, name), x, y, **kwargs)
    for g, e in zip(got, expected, strict=True):
        torch.testing.assert_close(g, e, rtol=1e-10, atol=1e-12)


def test_gradcheck():
    x, y = image_pair(1, 2, 9, 10)
    x.requires_grad_(), y.requires_grad_()
    assert torch.autograd.gradcheck(
        lambda a, b: fast.ssim_map(a, b, win_size=3, sigma=0.7, data_range=2.0), (x, y),
        fast_mode=True)
    assert torch.autograd.gradcheck(
        lambda a, b: fast.ms_ssim(a, b, win_size=3, weights=(0.3, 0.7)), (x, y),
        fast_mode=True)


@pytest.mark.parametrize("which", [0, 1])
def test_gradient_only_where_asked(which):
    images = list(image_pair(1, 2, 12, 13))
    images[which].requires_grad_()
    fast.ssim_loss(*images).backward()
    assert images[which].grad.shape == (1, 2, 12, 13) and images[1 - which].grad is None
    reference = [img.detach().clone() for img in images]
    reference[which].requires_grad_()
    lossedu.ssim_loss(*reference).backward()
    torch.testing.assert_close(images[which].grad, reference[which].grad)


def test_float32_contiguous_output_and_the_readable_forms_errors():
    x, y = image_pair(2, 3, 16, 16)
    s = fast.ssim_map(x.float(), y.float())
    assert s.dtype == torch.float32 and s.is_contiguous()
    torch.testing.assert_close(s.double(), lossedu.ssim_map(x, y), rtol=0, atol=1e-6)
    assert fast.ms_ssim(x, x, win_size=3, weights=(0.5, 0.5)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="at least 11x11"):
        fast.ssim(x[..., :10], y[..., :10])
    assert fast.ssim(x, y).dtype == F64
