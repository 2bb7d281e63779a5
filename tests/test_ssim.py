"""lossedu.ssim: SSIM against scikit-image, MS-SSIM against its composition by hand, gradients,
input checks and warnings."""

import warnings
from contextlib import contextmanager

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from skimage.metrics import structural_similarity

from lossedu import ms_ssim, ssim, ssim_loss, ssim_map

F64 = torch.float64


def image_pair(*shape, data_range=1.0, noise=0.2, seed=0, dtype=F64):
    """A random image and a noisy copy of it, both in [0, data_range]."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(*shape, generator=g, dtype=dtype)
    y = (x + noise * torch.randn(*shape, generator=g, dtype=dtype)).clamp(0, 1)
    return x * data_range, y * data_range


def skimage_ssim(x, y, data_range, win_size, sigma, full=False):
    """scikit-image's Gaussian SSIM of one (C, H, W) image pair, channels averaged."""
    return structural_similarity(x.numpy(), y.numpy(), data_range=data_range, win_size=win_size,
                                 gaussian_weights=True, sigma=sigma,
                                 use_sample_covariance=False, channel_axis=0, full=full)


@contextmanager
def no_warnings():
    """A context in which any warning fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ----------------------------------------------------------------------------------------------
# SSIM against scikit-image

# scikit-image sizes its Gaussian filter from sigma (radius int(3.5 sigma + 0.5)) and crops by
# win_size, so each win_size goes with a sigma giving that radius.
WINDOWS = [(11, 1.5), (7, 0.8), (5, 0.5), (9, 1.2), (13, 1.7)]
SSIM_CASES = [
    # (N, C, H, W), data_range, (win_size, sigma)
    ((1, 1, 16, 16), 1.0, WINDOWS[0]),
    ((2, 3, 32, 40), 1.0, WINDOWS[0]),
    ((3, 1, 11, 11), 1.0, WINDOWS[0]),  # a single valid window position
    ((2, 3, 20, 23), 255.0, WINDOWS[0]),
    ((1, 2, 15, 15), 2.0, WINDOWS[1]),
    ((2, 4, 9, 12), 1.0, WINDOWS[2]),
    ((1, 3, 13, 17), 10.0, WINDOWS[3]),
    ((1, 1, 30, 21), 1.0, WINDOWS[4]),
]


@pytest.mark.parametrize(("shape", "data_range", "window"), SSIM_CASES)
def test_ssim_equals_scikit_image(shape, data_range, window):
    win_size, sigma = window
    x, y = image_pair(*shape, data_range=data_range)
    ours = ssim(x, y, data_range=data_range, win_size=win_size, sigma=sigma, reduction="none")
    expected = [skimage_ssim(a, b, data_range, win_size, sigma) for a, b in zip(x, y, strict=True)]
    assert ours.shape == (shape[0],) and ours.dtype == F64
    np.testing.assert_allclose(ours.numpy(), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize(("shape", "data_range", "window"), SSIM_CASES[1::3])
def test_ssim_map_equals_scikit_image_full_map(shape, data_range, window):
    win_size, sigma = window
    x, y = image_pair(*shape, data_range=data_range)
    ours = ssim_map(x, y, data_range=data_range, win_size=win_size, sigma=sigma)
    pad = (win_size - 1) // 2
    for n in range(shape[0]):
        _, full = skimage_ssim(x[n], y[n], data_range, win_size, sigma, full=True)
        np.testing.assert_allclose(ours[n].numpy(), full[:, pad:-pad, pad:-pad], atol=1e-12)


def test_ssim_constants_follow_k1_and_k2():
    x, y = image_pair(1, 1, 16, 16)
    ours = ssim(x, y, k1=0.05, k2=0.1)
    expected = structural_similarity(x[0, 0].numpy(), y[0, 0].numpy(), data_range=1.0,
                                     gaussian_weights=True, sigma=1.5, K1=0.05, K2=0.1,
                                     use_sample_covariance=False)
    assert ours.item() == pytest.approx(expected, abs=1e-12)


def test_ssim_of_identical_images_is_one_and_symmetric():
    x, y = image_pair(2, 3, 16, 16)
    torch.testing.assert_close(ssim(x, x, reduction="none"), torch.ones(2, dtype=F64))
    torch.testing.assert_close(ssim(x, y), ssim(y, x), rtol=0, atol=1e-15)
    assert ssim(x, y) < 1


def test_ssim_by_hand_on_constant_images():
    """Flat images: no variance, so S = l = (2 a b + C1) / (a^2 + b^2 + C1) everywhere."""
    a, b = 0.2, 0.6
    x, y = torch.full((1, 1, 12, 12), a, dtype=F64), torch.full((1, 1, 12, 12), b, dtype=F64)
    c1 = 0.01**2
    expected = (2 * a * b + c1) / (a**2 + b**2 + c1)
    torch.testing.assert_close(ssim_map(x, y), torch.full((1, 1, 2, 2), expected, dtype=F64))


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_ssim_reductions_and_loss(reduction):
    x, y = image_pair(3, 2, 16, 16)
    per_image = ssim(x, y, reduction="none")
    assert per_image.shape == (3,)
    expected = {"none": per_image, "mean": per_image.mean(), "sum": per_image.sum()}[reduction]
    torch.testing.assert_close(ssim(x, y, reduction=reduction), expected)
    loss = {"none": 1 - per_image, "mean": (1 - per_image).mean(),
            "sum": (1 - per_image).sum()}[reduction]
    torch.testing.assert_close(ssim_loss(x, y, reduction=reduction), loss)


def test_ssim_map_is_an_ordinary_contiguous_tensor():
    x, y = image_pair(2, 3, 16, 16)
    s = ssim_map(x, y)
    assert s.is_contiguous() and s.view(2, -1).shape == (2, 108)


def test_ssim_of_non_contiguous_images():
    x, y = image_pair(2, 20, 20, 3)  # (N, H, W, C), as images are stored
    x, y = x.permute(0, 3, 1, 2), y.permute(0, 3, 1, 2)
    torch.testing.assert_close(ssim(x, y), ssim(x.contiguous(), y.contiguous()))


# ----------------------------------------------------------------------------------------------
# MS-SSIM


def textbook_ssim_terms(x, y, data_range, win_size=11, sigma=1.5):
    """Per-channel means of S and cs: a 2-D Gaussian window, one convolution per moment."""
    offsets = torch.arange(win_size, dtype=x.dtype) - win_size // 2
    g = torch.exp(-(offsets**2) / (2 * sigma**2))
    window = torch.outer(g, g) / g.sum() ** 2
    window = window.expand(x.shape[1], 1, win_size, win_size)

    def blur(t):
        return F.conv2d(t, window, groups=x.shape[1])

    mu_x, mu_y = blur(x), blur(y)
    var_x, var_y = blur(x * x) - mu_x**2, blur(y * y) - mu_y**2
    cov = blur(x * y) - mu_x * mu_y
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    cs = (2 * cov + c2) / (var_x + var_y + c2)
    s = (2 * mu_x * mu_y + c1) / (mu_x**2 + mu_y**2 + c1) * cs
    return s.mean((2, 3)), cs.mean((2, 3))


def test_textbook_terms_are_scikit_images():
    """The by-hand reference below is itself checked against scikit-image."""
    x, y = image_pair(1, 2, 20, 20)
    s, _ = textbook_ssim_terms(x, y, 1.0)
    assert s.mean().item() == pytest.approx(skimage_ssim(x[0], y[0], 1.0, 11, 1.5), abs=1e-12)


def ms_ssim_by_hand(x, y, weights, data_range=1.0, win_size=11):
    """Wang et al.'s composition: cs at every scale but the last, S at the last, each to its
    weight; 2x2 average pooling between scales (an odd side padded with a zero)."""
    factors = []
    for j, w in enumerate(weights):
        s, cs = textbook_ssim_terms(x, y, data_range, win_size)
        if j < len(weights) - 1:
            factors.append(cs.clamp(min=0) ** w)
            pad = [side % 2 for side in x.shape[2:]]
            x, y = F.avg_pool2d(x, 2, padding=pad), F.avg_pool2d(y, 2, padding=pad)
        else:
            factors.append(s.clamp(min=0) ** w)
    return torch.stack(factors).prod(0).mean(1)  # (N,)


@pytest.mark.parametrize(("shape", "weights", "win_size"), [
    ((2, 3, 161, 161), (0.0448, 0.2856, 0.3001, 0.2363, 0.1333), 11),
    ((1, 1, 170, 163), (0.0448, 0.2856, 0.3001, 0.2363, 0.1333), 11),  # odd sides: padding
    ((2, 2, 23, 30), (0.2, 0.3, 0.5), 5),
])
def test_ms_ssim_equals_its_composition_by_hand(shape, weights, win_size):
    x, y = image_pair(*shape, noise=0.1)
    ours = ms_ssim(x, y, win_size=win_size, sigma=1.5, weights=weights, reduction="none")
    torch.testing.assert_close(ours, ms_ssim_by_hand(x, y, weights, win_size=win_size),
                               rtol=0, atol=1e-12)


def test_ms_ssim_defaults_and_single_scale():
    x, y = image_pair(2, 1, 161, 161, noise=0.1)
    torch.testing.assert_close(ms_ssim(x, x), torch.tensor(1.0, dtype=F64))
    by_hand = ms_ssim_by_hand(x, y, (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)).mean()
    torch.testing.assert_close(ms_ssim(x, y), by_hand, rtol=0, atol=1e-12)
    # one scale with weight 1 is plain SSIM (positive here)
    torch.testing.assert_close(ms_ssim(x, y, weights=(1.0,)), ssim(x, y))


def test_ms_ssim_needs_room_for_every_scale():
    x, y = image_pair(1, 1, 160, 200)
    with pytest.raises(ValueError, match=r"at least 161x161, got 160x200: 5 scales, each half "
                                         r"the size of the one before"):
        ms_ssim(x, y)
    with pytest.raises(ValueError, match=r"at least 21x21, got 20x20: 2 scales"):
        ms_ssim(x[..., :20, :20], y[..., :20, :20], weights=(0.5, 0.5))
    assert ms_ssim(x[..., :17, :17], y[..., :17, :17], win_size=5, weights=(0.5, 0.5, 0.5)) > 0


# ----------------------------------------------------------------------------------------------
# Gradients and dtypes


def test_ssim_gradcheck():
    x, y = image_pair(2, 2, 9, 10)
    x.requires_grad_(), y.requires_grad_()
    assert torch.autograd.gradcheck(lambda a, b: ssim(a, b, win_size=5, sigma=1.0), (x, y),
                                    fast_mode=True)
    assert torch.autograd.gradcheck(
        lambda a, b: ssim_map(a, b, win_size=3, sigma=0.7, data_range=2.0), (x, y),
        fast_mode=True)


def test_ms_ssim_gradcheck_through_cs_and_pooling():
    x, y = image_pair(1, 2, 11, 12, noise=0.05)
    x.requires_grad_(), y.requires_grad_()
    assert torch.autograd.gradcheck(
        lambda a, b: ms_ssim(a, b, win_size=3, weights=(0.3, 0.7)), (x, y), fast_mode=True)


@pytest.mark.parametrize("which", [0, 1])
def test_ssim_gradient_only_where_asked(which):
    images = list(image_pair(1, 2, 12, 13))
    images[which].requires_grad_()
    ssim_loss(*images).backward()
    assert images[which].grad.shape == (1, 2, 12, 13) and images[1 - which].grad is None
    reference = [img.detach().clone() for img in images]
    reference[which].requires_grad_()
    s, _ = textbook_ssim_terms(*reference, 1.0)
    (1 - s.mean()).backward()
    torch.testing.assert_close(images[which].grad, reference[which].grad)


def test_ssim_in_float32():
    x, y = image_pair(2, 3, 24, 24)
    x32, y32 = x.float().requires_grad_(), y.float()
    x64 = x.clone().requires_grad_()
    ours32, ours64 = ssim(x32, y32), ssim(x64, y)
    assert ours32.dtype == torch.float32 and ssim_map(x32, y32).dtype == torch.float32
    torch.testing.assert_close(ours32.double(), ours64, rtol=0, atol=1e-6)
    ours32.backward(), ours64.backward()
    torch.testing.assert_close(x32.grad.double(), x64.grad, rtol=1e-4, atol=1e-7)


# ----------------------------------------------------------------------------------------------
# SSIM input checks


def test_ssim_rejects_images_smaller_than_the_window():
    x, y = image_pair(1, 1, 10, 16)
    with pytest.raises(ValueError, match=r"at least 11x11, got 10x16: the 11x11 window must "
                                         r"fit; pass a smaller `win_size`"):
        ssim(x, y)
    assert ssim(x, y, win_size=7, sigma=1.0).isfinite()


@pytest.mark.parametrize("win_size", [10, 0, -3, 5.0, "11"])
def test_ssim_rejects_a_bad_window(win_size):
    x, y = image_pair(1, 1, 16, 16)
    with pytest.raises(ValueError, match=r"`win_size` to be an odd positive integer, got "):
        ssim(x, y, win_size=win_size)


@pytest.mark.parametrize("name", ["data_range", "sigma"])
@pytest.mark.parametrize("value", [0, -1.0])
def test_ssim_rejects_non_positive_range_or_sigma(name, value):
    x, y = image_pair(1, 1, 16, 16)
    with pytest.raises(ValueError, match=rf"`{name}` > 0, got {value}"):
        ssim(x, y, **{name: value})


def test_ssim_rejects_bad_types_and_layouts():
    x, y = image_pair(1, 1, 16, 16)
    with pytest.raises(TypeError, match=r"`img2` to be a torch.Tensor, got ndarray"):
        ssim(x, y.numpy())
    with pytest.raises(TypeError, match=r"`img1` to be a floating-point tensor, got dtype "
                                        r"torch.uint8"):
        ssim((x * 255).to(torch.uint8), y)
    with pytest.raises(TypeError, match=r"one dtype, got torch.float32 and torch.float64"):
        ssim(x.float(), y)
    with pytest.raises(ValueError, match=r"`img1` of shape \(N, C, H, W\), got \(1, 16, 16\): "
                                         r"add a batch dimension"):
        ssim(x[0], y[0])
    with pytest.raises(ValueError, match=r"`reduction` to be one of 'none', 'mean', 'sum', "
                                         r"got 'batchmean'"):
        ssim(x, y, reduction="batchmean")


def test_ssim_rejects_mismatched_or_empty_batches():
    x, y = image_pair(2, 3, 16, 16)
    with pytest.raises(ValueError, match=r"`img1` and `img2` of one shape, got \(2, 3, 16, 16\) "
                                         r"and \(2, 3, 16, 15\): .* crop or resize"):
        ssim(x, y[..., :15])
    with pytest.raises(ValueError, match=r"`img1` and `img2` of one shape"):
        ssim_loss(x, y[:1])
    with pytest.raises(ValueError, match=r"at least one image pair, got an empty batch "
                                         r"\(0, 3, 16, 16\)"):
        ssim(x[:0], y[:0])


@pytest.mark.parametrize("weights", [(), [0.5, -0.1], (0.5, "a"), None])
def test_ms_ssim_rejects_bad_weights(weights):
    x, y = image_pair(1, 1, 161, 161)
    with pytest.raises(ValueError, match=r"`weights` to be a non-empty sequence of "
                                         r"non-negative numbers, one per scale, got "):
        ms_ssim(x, y, weights=weights)


def test_ssim_warns_when_values_exceed_the_data_range():
    x, y = image_pair(1, 1, 16, 16, data_range=255.0)
    with pytest.warns(UserWarning, match=r"SSIM got values in \[.*\], wider than "
                                         r"data_range=1.0.*data_range=255 for 8-bit"):
        ssim(x, y)
    with no_warnings():
        ssim(x, y, data_range=255.0)
        ssim(x / 255 * 2 - 1, y / 255 * 2 - 1, data_range=2.0)
