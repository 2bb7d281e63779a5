"""Structural similarity: SSIM and MS-SSIM from local statistics of two images.

SSIM compares, in a Gaussian window around every pixel, the means (luminance), the variances
(contrast) and the covariance (structure) of two images; MS-SSIM repeats the comparison on
images halved in size, scale after scale. The version that filters the five moments in one
batched pass, with the gradient written by hand, is :mod:`lossedu.fast.ssim`.
"""

import numbers
from collections.abc import Sequence

import torch
import torch.nn.functional as F

from lossedu._checks import check_positive, check_reduction
from lossedu._images import check_images, value_range, warn_at_caller
from lossedu._reduction import reduce

MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def ssim_map(img1, img2, data_range=1.0, win_size=11, sigma=1.5, k1=0.01, k2=0.03):
    r"""The SSIM of the window around every pixel (valid positions only).

    .. math::
        S = \frac{(2\mu_x\mu_y + C_1)(2\sigma_{xy} + C_2)}
        {(\mu_x^2 + \mu_y^2 + C_1)(\sigma_x^2 + \sigma_y^2 + C_2)},\quad
        C_1 = (k_1 L)^2,\ C_2 = (k_2 L)^2

    with Gaussian-weighted means, variances and covariance (population, divided by the weight
    sum 1) and L = ``data_range``.

    Args:
        img1, img2, data_range, win_size, sigma, k1, k2: as :func:`ssim`.

    Shape:
        img1, img2: (N, C, H, W). Output: (N, C, H - win_size + 1, W - win_size + 1).

    Raises:
        TypeError, ValueError: as :func:`ssim`.

    Example:
        >>> import torch
        >>> from lossedu import ssim_map
        >>> x = torch.rand(1, 1, 16, 16, generator=torch.Generator().manual_seed(0))
        >>> ssim_map(x, x).shape, ssim_map(x, x).min()
        (torch.Size([1, 1, 6, 6]), tensor(1.))
    """
    window, c1, c2 = _ssim_setup(img1, img2, data_range, win_size, sigma, k1, k2)
    return _ssim_and_cs(img1, img2, window, c1, c2)[0]


def ssim(img1, img2, data_range=1.0, win_size=11, sigma=1.5, k1=0.01, k2=0.03,
         reduction="mean"):
    r"""Structural similarity of each image pair: the mean of :func:`ssim_map` over channels
    and positions, equal to scikit-image's ``structural_similarity(..., gaussian_weights=True,
    sigma=1.5, use_sample_covariance=False, data_range=..., channel_axis=0)`` per image.

    .. math::
        \mathrm{SSIM}_n = \frac{1}{C H' W'} \sum_{c, i, j} S_{n,c,i,j}

    One 2-D Gaussian convolution per moment, autograd's gradient; :func:`lossedu.fast.ssim`
    filters in two 1-D passes over the five moments at once, with the gradient by hand.

    Args:
        img1, img2: the images, floating point, values spanning at most ``data_range``.
        data_range: L, the width of the value range (1 for [0, 1], 255 for 8 bits).
            Default: 1.0.
        win_size: the Gaussian window's side, odd. Default: 11.
        sigma: its standard deviation. Default: 1.5.
        k1, k2: the stabilising constants. Default: 0.01, 0.03.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'`` over the batch. Default: ``'mean'``.

    Shape:
        img1, img2: (N, C, H, W), H and W at least ``win_size``. Output: a scalar, (N,) for
        ``'none'``.

    Raises:
        ValueError: shapes that differ, an empty batch, images smaller than the window, an
            even ``win_size``, a non-positive ``data_range`` or ``sigma``, an unknown
            ``reduction``.
        TypeError: non-tensor, non-floating, or differently typed images.

    Warns:
        UserWarning: values spanning more than 1.5 ``data_range`` (8-bit images with the
        default ``data_range=1``?).

    Example:
        >>> import torch
        >>> from lossedu import ssim
        >>> x = torch.linspace(0, 1, 256).view(1, 1, 16, 16)
        >>> ssim(x, x), ssim(x, 1 - x), ssim(x, (x + 0.1).clamp(max=1))
        (tensor(1.), tensor(-0.8262), tensor(0.9815))
    """
    check_reduction(reduction)
    return reduce(ssim_map(img1, img2, data_range, win_size, sigma, k1, k2).mean((1, 2, 3)),
                  reduction)


def ssim_loss(img1, img2, data_range=1.0, win_size=11, sigma=1.5, k1=0.01, k2=0.03,
              reduction="mean"):
    r"""SSIM as a loss, in [0, 2]: 0 for identical images.

    .. math::
        l_n = 1 - \mathrm{SSIM}_n, \qquad \text{'mean'}: \frac{1}{N} \sum_n l_n

    Args:
        img1, img2, data_range, win_size, sigma, k1, k2, reduction: as :func:`ssim`.

    Shape:
        img1, img2: (N, C, H, W). Output: a scalar, or (N,) for ``'none'``.

    Raises:
        TypeError, ValueError: as :func:`ssim`.

    Example:
        >>> import torch
        >>> from lossedu import ssim_loss
        >>> x = torch.linspace(0, 1, 256).view(1, 1, 16, 16)
        >>> ssim_loss(x, (x + 0.1).clamp(max=1))
        tensor(0.0185)
    """
    check_reduction(reduction)
    return reduce(1 - ssim(img1, img2, data_range, win_size, sigma, k1, k2, reduction="none"),
                  reduction)


def ms_ssim(img1, img2, data_range=1.0, win_size=11, sigma=1.5, k1=0.01, k2=0.03,
            weights=MS_SSIM_WEIGHTS, reduction="mean"):
    r"""Multi-scale SSIM (Wang, Simoncelli and Bovik, 2003), as the pytorch_msssim package
    computes it.

    .. math::
        \mathrm{MS\text{-}SSIM}_n = \frac{1}{C} \sum_c \mathrm{SSIM}^{(M)}_{n,c}{}^{w_M}
        \prod_{j<M} \mathrm{cs}^{(j)}_{n,c}{}^{w_j}

    Scale j = 1..M halves the images j - 1 times (2x2 average pooling, zero padding on odd
    sides); cs is the contrast-structure term, ``A2 / B2``, averaged per channel; each base is
    clamped at 0 so that a fractional power stays real.

    Args:
        img1, img2, data_range, win_size, sigma, k1, k2, reduction: as in :func:`ssim`.
        weights: w_1..w_M, one per scale. Default: Wang et al.'s five.

    Shape:
        img1, img2: (N, C, H, W), with H and W at least (win_size - 1) 2^(M-1) + 1 (161 by
        default). Output: a scalar, (N,) for ``'none'``.

    Raises:
        ValueError, TypeError: as :func:`ssim`, and for ``weights`` that are empty or
            negative.

    Example:
        >>> import torch
        >>> from lossedu import ms_ssim
        >>> x = torch.linspace(0, 1, 161 * 161).view(1, 1, 161, 161)
        >>> ms_ssim(x, x), ms_ssim(x, (x + 0.1).clamp(max=1))
        (tensor(1.), tensor(0.9939))
    """
    return _ms_ssim(_ssim_and_cs, img1, img2, data_range, win_size, sigma, k1, k2, weights,
                    reduction)


def _ms_ssim(maps, img1, img2, data_range, win_size, sigma, k1, k2, weights, reduction):
    """:func:`ms_ssim` with ``maps(x, y, window, c1, c2) -> (S, cs)`` computing each scale."""
    check_reduction(reduction)
    if not (isinstance(weights, Sequence) and weights
            and all(isinstance(w, numbers.Real) and w >= 0 for w in weights)):
        raise ValueError(f"Expected `weights` to be a non-empty sequence of non-negative "
                         f"numbers, one per scale, got {weights!r}.")
    window, c1, c2 = _ssim_setup(img1, img2, data_range, win_size, sigma, k1, k2, len(weights))
    values = []  # per scale, (N, C)
    for scale in range(len(weights)):
        s, cs = maps(img1, img2, window, c1, c2)  # (N, C, H', W') each
        if scale == len(weights) - 1:
            values.append(s.mean((2, 3)).relu())
        else:
            values.append(cs.mean((2, 3)).relu())
            padding = [side % 2 for side in img1.shape[2:]]
            img1, img2 = (F.avg_pool2d(img, 2, padding=padding) for img in (img1, img2))
    w = torch.tensor(weights, dtype=values[0].dtype, device=values[0].device)
    per_channel = torch.stack(values).pow(w.view(-1, 1, 1)).prod(0)  # (N, C)
    return reduce(per_channel.mean(1), reduction)




def _ssim_and_cs(x, y, window, c1, c2):
    """The SSIM map S and the contrast-structure map cs (both (N, C, H', W')), from a 1-D
    Gaussian ``window`` of K weights; every step left to autograd."""
    C, K = x.shape[1], window.numel()
    kernel = torch.outer(window, window).expand(C, 1, K, K)  # (C, 1, K, K), one per channel

    def blur(t):  # Gaussian-weighted local means at the valid positions, (N, C, H', W')
        return F.conv2d(t, kernel, groups=C)

    # 1. local means, variances and covariance (population: the weights sum to 1)
    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x * mu_x
    var_y = blur(y * y) - mu_y * mu_y
    cov_xy = blur(x * y) - mu_x * mu_y
    # 2. luminance and contrast-structure; C1 and C2 keep flat, dark windows from dividing by 0
    luminance = (2 * mu_x * mu_y + c1) / (mu_x * mu_x + mu_y * mu_y + c1)
    cs = (2 * cov_xy + c2) / (var_x + var_y + c2)
    return luminance * cs, cs


def _gaussian_window(win_size: int, sigma: float, like: torch.Tensor) -> torch.Tensor:
    """``g_k ∝ exp(-(k - c)^2 / (2 sigma^2))``, k = 0..win_size-1 around the centre c, summing
    to 1: scipy's gaussian_filter kernel, which scikit-image uses."""
    offsets = torch.arange(win_size, dtype=torch.float64) - (win_size - 1) / 2
    window = torch.exp(-offsets.square() / (2 * sigma**2))
    return (window / window.sum()).to(like)


def _ssim_setup(img1, img2, data_range, win_size, sigma, k1, k2, scales=1):
    """Validate the arguments (``scales`` halvings of the images must hold the window), warn
    about the value range; the window and C1, C2."""
    if not (isinstance(win_size, int) and win_size > 0 and win_size % 2 == 1):
        raise ValueError(f"Expected `win_size` to be an odd positive integer, got {win_size!r}: "
                         f"the window is centred on a pixel.")
    check_positive("data_range", data_range, "the images' value range (1 for [0, 1], 255)")
    check_positive("sigma", sigma, "the Gaussian window's standard deviation")
    min_size = (win_size - 1) * 2 ** (scales - 1) + 1
    needs = (f"the {win_size}x{win_size} window must fit; pass a smaller `win_size` (and "
             f"`sigma`) or larger images" if scales == 1 else
             f"{scales} scales, each half the size of the one before, and the last must still "
             f"hold the {win_size}x{win_size} window; pass fewer `weights` or a smaller "
             f"`win_size`")
    check_images(img1, img2, min_size=min_size, needs=needs)
    lo, hi = value_range(img1, img2)
    if hi - lo > 1.5 * data_range:
        warn_at_caller(
            f"SSIM got values in [{lo:.4g}, {hi:.4g}], wider than data_range={data_range}: "
            f"C1 = (k1 data_range)^2 and C2 = (k2 data_range)^2 assume that width. Pass "
            f"data_range=255 for 8-bit images, 2 for [-1, 1].")
    window = _gaussian_window(win_size, sigma, img1)
    return window, (k1 * data_range) ** 2, (k2 * data_range) ** 2
