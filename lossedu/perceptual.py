"""Perceptual similarity of images: SSIM and MS-SSIM from local statistics, LPIPS and DISTS
from the features of a convolutional network.

SSIM compares, in a Gaussian window around every pixel, the means (luminance), the variances
(contrast) and the covariance (structure) of two images. LPIPS compares unit-normalised deep
features channel by channel with learned weights; DISTS compares the spatial means (texture)
and correlations (structure) of deep features. Their backbones live in :mod:`lossedu.backbones`.
"""

import numbers
import os
import sys
import warnings
from collections.abc import Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from lossedu import backbones
from lossedu._checks import (
    check_floating,
    check_reduction,
    check_same_device,
    check_tensor,
    shape_str,
)
from lossedu._reduction import reduce

MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def _check_images(img1, img2, names=("img1", "img2"), channels=None, min_size=1,
                  needs="") -> None:
    """Two floating (N, C, H, W) batches of one shape, dtype and device, not empty, each side
    at least ``min_size`` (``needs`` says why)."""
    for name, img in zip(names, (img1, img2), strict=True):
        check_floating(name, check_tensor(name, img))
        if img.dim() != 4 or (channels and img.shape[1] != channels):
            C = channels or "C"
            raise ValueError(f"Expected `{name}` of shape (N, {C}, H, W), got "
                             f"{shape_str(img.shape)}: add a batch dimension with "
                             f"`{name}.unsqueeze(0)`, and put channels first.")
    first, second = names
    check_same_device(**{first: img1, second: img2})
    if img1.shape != img2.shape:
        raise ValueError(f"Expected `{first}` and `{second}` of one shape, got "
                         f"{shape_str(img1.shape)} and {shape_str(img2.shape)}: they are "
                         f"compared position by position; crop or resize one to the other.")
    if img1.dtype != img2.dtype:
        raise TypeError(f"Expected `{first}` and `{second}` of one dtype, got {img1.dtype} and "
                        f"{img2.dtype}.")
    if img1.shape[0] == 0:
        raise ValueError(f"Expected at least one image pair, got an empty batch "
                         f"{shape_str(img1.shape)}.")
    if min(img1.shape[2:]) < min_size:
        raise ValueError(f"Expected images of at least {min_size}x{min_size}, got "
                         f"{img1.shape[2]}x{img1.shape[3]}: {needs}.")


def _value_range(*images: torch.Tensor) -> tuple[float, float]:
    lows, highs = zip(*(torch.aminmax(img.detach()) for img in images), strict=True)
    return min(lo.item() for lo in lows), max(hi.item() for hi in highs)


# lossedu's own files and torch.nn's module machinery (a forward is called through __call__)
_INTERNAL = tuple(os.path.dirname(path) + os.sep for path in
                  (__file__, nn.Module.__call__.__code__.co_filename))


def _warn(message: str) -> None:
    """A UserWarning that points at the caller's line: the first frame outside lossedu and
    torch.nn, however deep inside them it was raised."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename.startswith(_INTERNAL):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, UserWarning, stacklevel=level)


# ----------------------------------------------------------------------------------------------
# SSIM


def _gaussian_window(win_size: int, sigma: float, like: torch.Tensor) -> torch.Tensor:
    """``g_k ∝ exp(-(k - c)^2 / (2 sigma^2))``, k = 0..win_size-1 around the centre c, summing
    to 1: scipy's gaussian_filter kernel, which scikit-image uses."""
    offsets = torch.arange(win_size, dtype=torch.float64) - (win_size - 1) / 2
    window = torch.exp(-offsets.square() / (2 * sigma**2))
    return (window / window.sum()).to(like)


def _stack_channels_last(k: int, like: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """An empty stack of k image batches shaped like ``like`` but (H, W), as (k, N, C, H, W)
    stored (k, N, H, W, C). Its ``flatten(0, 1)`` is one (kN, C, H, W) batch in channels-last
    memory, the layout in which the CPU's per-channel convolution is several times faster
    (the Gaussian window is the same for every channel, so moments may share a batch), and
    each [i] stays one dense block, so the elementwise steps run at full speed."""
    n, c = like.shape[:2]
    return like.new_empty(k, n, h, w, c).permute(0, 1, 4, 2, 3)


def _blur(s: torch.Tensor, window: torch.Tensor) -> torch.Tensor:
    """The valid 2-D Gaussian filter of every channel, as two 1-D passes (2K multiplications
    per pixel instead of K^2): rows, then columns."""
    c, K = s.shape[1], window.numel()
    s = F.conv2d(s, window.view(1, 1, 1, K).expand(c, 1, 1, K).contiguous(), groups=c)
    return F.conv2d(s, window.view(1, 1, K, 1).expand(c, 1, K, 1).contiguous(), groups=c)


def _blur_transposed(s: torch.Tensor, window: torch.Tensor) -> torch.Tensor:
    """The adjoint of :func:`_blur`: spreads every output pixel's gradient back over its
    window, from (H - K + 1, W - K + 1) to (H, W). The adjoint of a valid correlation is the
    full one (padding K - 1) with the window reversed."""
    c, K = s.shape[1], window.numel()
    window = window.flip(0)
    s = F.conv2d(s, window.view(1, 1, K, 1).expand(c, 1, K, 1).contiguous(), groups=c,
                 padding=(K - 1, 0))
    return F.conv2d(s, window.view(1, 1, 1, K).expand(c, 1, 1, K).contiguous(), groups=c,
                    padding=(0, K - 1))


class _SSIMMaps(torch.autograd.Function):
    r"""The SSIM map S and the contrast-structure map cs, with the gradient written by hand.

    With the five filtered moments mx = G*x, my = G*y, exx = G*x^2, eyy = G*y^2, exy = G*xy:

        A1 = 2 mx my + C1,   B1 = mx^2 + my^2 + C1,             l = A1 / B1
        A2 = 2 (exy - mx my) + C2,   B2 = exx + eyy - mx^2 - my^2 + C2,   cs = A2 / B2
        S = l cs

    Backward, from the gradients gS and gcs of the outputs, through the four terms:

        dA1 = gS cs / B1,  dB1 = -dA1 l,  dA2 = (gS l + gcs) / B2,  dB2 = -dA2 cs

    then to the moments, dexy = 2 dA2, dexx = deyy = dB2, and with p = 2 (dA1 - dA2),
    q = 2 (dB1 - dB2): dmx = my p + mx q, dmy = mx p + my q; finally through the (linear)
    filter: dx = G^T dmx + 2 x G^T dexx + y G^T dexy, and symmetrically for y. The moment
    gradients pass G^T in one batched call (dmx or dmy only for an image that needs a
    gradient). No division by A1 or A2, which may be 0. The backward fuses products and sums
    (``addcmul``) where it can: on a CPU the passes over memory, not the arithmetic, take the
    time.
    """

    @staticmethod
    def forward(ctx, x, y, window, c1, c2):
        n, h, w = x.shape[0], *x.shape[2:]
        # 1. the five moments, stacked as (5, N, C, H, W), filtered in one call
        stack = _stack_channels_last(5, x, h, w)
        stack[0], stack[1] = x, y
        torch.mul(stack[0], stack[0], out=stack[2])
        torch.mul(stack[1], stack[1], out=stack[3])
        torch.mul(stack[0], stack[1], out=stack[4])
        moments = _blur(stack.flatten(0, 1), window)  # (5N, C, H-K+1, W-K+1)
        mx, my, exx, eyy, exy = moments.unflatten(0, (5, n)).unbind(0)
        # 2. luminance l = A1 / B1 and contrast-structure cs = A2 / B2, in place where we can
        # (in this order of operations, identical images give exactly 1)
        mxy, mx2, my2 = mx * my, mx * mx, my * my
        a1 = mxy * 2 + c1
        b1 = (mx2 + my2).add_(c1)
        a2 = exy.sub_(mxy).mul_(2).add_(c2)
        b2 = exx.sub_(mx2).add_(eyy.sub_(my2)).add_(c2)  # var x + var y + C2
        lum, cs = a1.div_(b1), a2.div_(b2)
        ctx.save_for_backward(x, y, window, mx, my, lum, cs, b1, b2)
        ctx.set_materialize_grads(False)
        return lum * cs, cs

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_s, grad_cs):
        x, y, window, mx, my, lum, cs, b1, b2 = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad[:2]
        # 1. dA1 and dA2 (a missing output gradient counts as 0); dB1 = -dA1 l, dB2 = -dA2 cs
        d_a1 = grad_s * cs / b1 if grad_s is not None else torch.zeros_like(cs)
        d_a2 = grad_s * lum if grad_s is not None else torch.zeros_like(cs)
        if grad_cs is not None:
            d_a2 += grad_cs
        d_a2 /= b2
        d_a2_cs = d_a2 * cs  # -dB2
        p = (d_a1 - d_a2).mul_(2)
        q = torch.addcmul(d_a2_cs, d_a1, lum, value=-1).mul_(2)  # 2 (dB1 - dB2)
        # 2. the moments' gradients, stacked (k, N, C, H', W'): dexx (= deyy), dexy, then dmx
        # and dmy for the images that need a gradient
        grads = _stack_channels_last(2 + need_x + need_y, x, *cs.shape[2:])
        torch.neg(d_a2_cs, out=grads[0])
        torch.mul(d_a2, 2, out=grads[1])
        if need_x:
            torch.mul(my, p, out=grads[2]).addcmul_(mx, q)
        if need_y:
            torch.mul(mx, p, out=grads[-1]).addcmul_(my, q)
        # 3. back through the filter, then the products x^2, y^2, xy
        g_sq, g_xy, *g_m = _blur_transposed(grads.flatten(0, 1), window).unflatten(
            0, (len(grads), x.shape[0])).unbind(0)
        grad_x = torch.addcmul(g_m[0], x, g_sq, value=2).addcmul_(y, g_xy) if need_x else None
        grad_y = torch.addcmul(g_m[-1], y, g_sq, value=2).addcmul_(x, g_xy) if need_y else None
        return grad_x, grad_y, None, None, None


def _ssim_setup(img1, img2, data_range, win_size, sigma, k1, k2, scales=1):
    """Validate the arguments (``scales`` halvings of the images must hold the window), warn
    about the value range; the window and C1, C2."""
    if not (isinstance(win_size, int) and win_size > 0 and win_size % 2 == 1):
        raise ValueError(f"Expected `win_size` to be an odd positive integer, got {win_size!r}: "
                         f"the window is centred on a pixel.")
    for name, value in (("data_range", data_range), ("sigma", sigma)):
        if not value > 0:
            raise ValueError(f"Expected `{name}` > 0, got {value!r}.")
    min_size = (win_size - 1) * 2 ** (scales - 1) + 1
    needs = (f"the {win_size}x{win_size} window must fit; pass a smaller `win_size` (and "
             f"`sigma`) or larger images" if scales == 1 else
             f"{scales} scales, each half the size of the one before, and the last must still "
             f"hold the {win_size}x{win_size} window; pass fewer `weights` or a smaller "
             f"`win_size`")
    _check_images(img1, img2, min_size=min_size, needs=needs)
    lo, hi = _value_range(img1, img2)
    if hi - lo > 1.5 * data_range:
        _warn(f"SSIM got values in [{lo:.4g}, {hi:.4g}], wider than data_range={data_range}: "
              f"C1 = (k1 data_range)^2 and C2 = (k2 data_range)^2 assume that width. Pass "
              f"data_range=255 for 8-bit images, 2 for [-1, 1].")
    window = _gaussian_window(win_size, sigma, img1)
    return window, (k1 * data_range) ** 2, (k2 * data_range) ** 2


def ssim_map(img1, img2, data_range=1.0, win_size=11, sigma=1.5, k1=0.01, k2=0.03):
    r"""The SSIM of the window around every pixel (valid positions only).

    .. math::
        S = \frac{(2\mu_x\mu_y + C_1)(2\sigma_{xy} + C_2)}
        {(\mu_x^2 + \mu_y^2 + C_1)(\sigma_x^2 + \sigma_y^2 + C_2)},\quad
        C_1 = (k_1 L)^2,\ C_2 = (k_2 L)^2

    with Gaussian-weighted means, variances and covariance (population, divided by the weight
    sum 1) and L = ``data_range``. Arguments as :func:`ssim`.

    Shape:
        img1, img2: (N, C, H, W). Output: (N, C, H - win_size + 1, W - win_size + 1).

    Example:
        >>> import torch
        >>> from lossedu import ssim_map
        >>> x = torch.rand(1, 1, 16, 16, generator=torch.Generator().manual_seed(0))
        >>> ssim_map(x, x).shape, ssim_map(x, x).min()
        (torch.Size([1, 1, 6, 6]), tensor(1.))
    """
    window, c1, c2 = _ssim_setup(img1, img2, data_range, win_size, sigma, k1, k2)
    return _SSIMMaps.apply(img1, img2, window, c1, c2)[0].contiguous()  # from channels-last


def ssim(img1, img2, data_range=1.0, win_size=11, sigma=1.5, k1=0.01, k2=0.03,
         reduction="mean"):
    r"""Structural similarity of each image pair: the mean of :func:`ssim_map` over channels
    and positions, equal to scikit-image's ``structural_similarity(..., gaussian_weights=True,
    sigma=1.5, use_sample_covariance=False, data_range=..., channel_axis=0)`` per image.

    .. math::
        \mathrm{SSIM}_n = \frac{1}{C H' W'} \sum_{c, i, j} S_{n,c,i,j}

    The filter runs as two 1-D passes over the five moments at once, and the gradient is
    written by hand (see ``_SSIMMaps``).

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
    r"""``l_n = 1 - SSIM_n``, in [0, 2]: 0 for identical images. Arguments as :func:`ssim`.

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
    check_reduction(reduction)
    if not (isinstance(weights, Sequence) and weights
            and all(isinstance(w, numbers.Real) and w >= 0 for w in weights)):
        raise ValueError(f"Expected `weights` to be a non-empty sequence of non-negative "
                         f"numbers, one per scale, got {weights!r}.")
    window, c1, c2 = _ssim_setup(img1, img2, data_range, win_size, sigma, k1, k2, len(weights))
    values = []  # per scale, (N, C)
    for scale in range(len(weights)):
        s, cs = _SSIMMaps.apply(img1, img2, window, c1, c2)
        if scale == len(weights) - 1:
            values.append(s.mean((2, 3)).relu())
        else:
            values.append(cs.mean((2, 3)).relu())
            padding = [side % 2 for side in img1.shape[2:]]
            img1, img2 = (F.avg_pool2d(img, 2, padding=padding) for img in (img1, img2))
    w = torch.tensor(weights, dtype=values[0].dtype, device=values[0].device)
    per_channel = torch.stack(values).pow(w.view(-1, 1, 1)).prod(0)  # (N, C)
    return reduce(per_channel.mean(1), reduction)


# ----------------------------------------------------------------------------------------------
# Deep features: LPIPS and DISTS


def _resolve(source, pretrained: bool, file: backbones.WeightFile,
             also: tuple[str | None, ...] = ()) -> Mapping | None:
    """The state dict to load: the given one (a path or a mapping), the pretrained ``file``
    found on disk or downloaded, or None (keep the random initialisation)."""
    if source is not None:
        return backbones.load_state_dict(source, file.what)
    return backbones.find_weights(file, also) if pretrained else None


def _load(module: nn.Module, state: Mapping, keys: list[str], what: str) -> None:
    """Copy ``state[key]`` into ``module`` for each of ``keys``; a ValueError that names the
    expected keys and shapes where one is missing or has another shape."""
    own = module.state_dict()
    missing = [key for key in keys if key not in state]
    wrong = [f"{key} {shape_str(getattr(state[key], 'shape', ()))} instead of "
             f"{shape_str(own[key].shape)}" for key in keys
             if key in state and getattr(state[key], "shape", None) != own[key].shape]
    if missing or wrong:
        found = "; ".join(wrong) if not missing else (
            f"{'none of them' if len(missing) == len(keys) else 'no ' + ', '.join(missing)} "
            f"in its keys {', '.join(list(state)[:4])}{', ...' if len(state) > 4 else ''}")
        raise ValueError(f"Expected {what}, a state dict with keys {', '.join(keys)}: {found}.")
    module.load_state_dict({key: state[key] for key in keys}, strict=False)


def _check_network_input(module: nn.Module, input: torch.Tensor) -> None:
    """The images in the dtype and on the device of the module's weights."""
    weight = next(module.parameters())
    if input.dtype != weight.dtype:
        raise TypeError(f"Expected `input` and `target` in the network's dtype {weight.dtype}, "
                        f"got {input.dtype}: convert the images with `.to({weight.dtype})`, "
                        f"or the module with `.to({input.dtype})`.")
    if input.device != weight.device:
        raise ValueError(f"Expected `input` and `target` on the network's device "
                         f"{weight.device}, got {input.device}: move the module with "
                         f"`.to(input.device)`.")


class _LinLayer(nn.Module):
    """lpips's ``NetLinLayer``: a 1x1 convolution to one channel, kept at ``model.1`` so that
    the lpips package's files load (index 0 is its dropout, used only when training)."""

    def __init__(self, channels: int):
        super().__init__()
        self.model = nn.Sequential(nn.Identity(), nn.Conv2d(channels, 1, 1, bias=False))
        nn.init.constant_(self.model[1].weight, 1 / channels)  # untrained: equal weights


class LPIPS(nn.Module):
    r"""Learned Perceptual Image Patch Similarity (Zhang et al., 2018), lpips v0.1.

    .. math::
        d(x, y) = \sum_l \frac{1}{H_l W_l} \sum_{h, w} \sum_c w_{l,c}
        \left(\hat f^l_{c,h,w}(x) - \hat f^l_{c,h,w}(y)\right)^2

    where f^l are the activations of backbone layer l on the scaled input ``(x - shift) /
    scale``, hat f their unit-length versions along channels (``f / (||f|| + 1e-10)``), and
    w_l the linear layer's weights. Equal to ``lpips.LPIPS(net=...)`` with the same weights.

    Args:
        net: ``'alex'`` | ``'vgg'`` | ``'squeeze'``. Default: ``'alex'``.
        pretrained: find the missing weights (torchvision's backbone, lpips's linear layers)
            on disk or download them; False keeps a random backbone (PyTorch's default
            initialisation, under the current seed) and equal linear weights 1 / C_l.
            Default: True.
        weights: the linear layers, a path or a state dict with the lpips package's keys
            ``lin{l}.model.1.weight``. Default: None.
        backbone_weights: a path or a torchvision state dict of the backbone. Default: None.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'`` over the batch. Default: ``'mean'``.

    Shape:
        input, target: (N, 3, H, W) in [-1, 1] (or [0, 1] with ``normalize=True``), at least
        31 (alex), 16 (vgg) or 17 (squeeze) pixels a side. Output: a scalar, (N,) for
        ``'none'``.

    Raises:
        FileNotFoundError: pretrained weights neither on disk nor downloadable; the message
            names the file and the folder.
        ValueError: an unknown ``net``; weights with other keys or shapes; images of other
            shapes, too small, or on another device than the network.
        TypeError: images that are not floating tensors, or not in the network's dtype.

    Warns:
        UserWarning: values outside [-1, 1], or all non-negative (the [0, 1] mix-up).

    Example:
        >>> import torch
        >>> from lossedu import LPIPS
        >>> _ = torch.manual_seed(0)
        >>> lpips = LPIPS("alex", pretrained=False, reduction="none")  # random backbone
        >>> x = torch.rand(2, 3, 64, 64) * 2 - 1
        >>> lpips(x, x)
        tensor([0., 0.])
    """

    def __init__(self, net="alex", pretrained=True, weights=None, backbone_weights=None,
                 reduction="mean"):
        super().__init__()
        if net not in backbones.BACKBONES:
            raise ValueError(f"Expected `net` to be 'alex', 'vgg' or 'squeeze', got {net!r}.")
        self.reduction = check_reduction(reduction)
        spec = backbones.BACKBONES[net]
        self.net_name, self.min_size = net, spec.min_size
        self.net = backbones.Backbone(spec.build(), spec.taps, spec.weights.what)
        for k, channels in enumerate(spec.channels):
            setattr(self, f"lin{k}", _LinLayer(channels))
        # lpips's ScalingLayer: ImageNet's mean and std, mapped to [-1, 1]
        self.register_buffer("shift", torch.tensor([-0.030, -0.088, -0.188]).view(1, 3, 1, 1),
                             persistent=False)
        self.register_buffer("scale", torch.tensor([0.458, 0.448, 0.450]).view(1, 3, 1, 1),
                             persistent=False)
        state = _resolve(backbone_weights, pretrained, spec.weights)
        if state is not None:
            self.net.load_torchvision(state)
        lin_file, installed = backbones.lpips_weights(net)
        state = _resolve(weights, pretrained, lin_file, installed)
        if state is not None:
            _load(self, state, [f"lin{k}.model.1.weight" for k in range(len(spec.channels))],
                  lin_file.what)
        self.requires_grad_(False).eval()  # a fixed metric: gradients flow to the images only

    def forward(self, input: torch.Tensor, target: torch.Tensor, normalize: bool = False):
        """LPIPS distance of each pair; ``normalize=True`` maps [0, 1] images to [-1, 1]."""
        _check_images(input, target, ("input", "target"), 3, self.min_size,
                      f"the {self.net_name} network's pooling layers need that much; "
                      f"upsample the images")
        _check_network_input(self, input)
        lo, hi = _value_range(input, target)
        if normalize and (lo < 0 or hi > 1):
            _warn(f"LPIPS with normalize=True expects images in [0, 1], got values in "
                  f"[{lo:.4g}, {hi:.4g}]: for [-1, 1] images leave normalize=False; map 8-bit "
                  f"images with x / 255.")
        elif not normalize and (lo < -1 or hi > 1):
            _warn(f"LPIPS expects images in [-1, 1], got values in [{lo:.4g}, {hi:.4g}]: map "
                  f"8-bit images with x / 127.5 - 1 (or x / 255 with normalize=True).")
        elif not normalize and lo >= 0:
            _warn(f"LPIPS expects images in [-1, 1], got values in [{lo:.4g}, {hi:.4g}], none "
                  f"negative: for [0, 1] images pass normalize=True.")
        if normalize:
            input, target = input * 2 - 1, target * 2 - 1
        # one pass per image batch: where the target needs no gradient (a loss), its pass
        # leaves autograd nothing to store or to run backward through
        features = zip(self.net((input - self.shift) / self.scale),
                       self.net((target - self.shift) / self.scale), strict=True)
        distance = 0
        for k, (f_x, f_y) in enumerate(features):
            # unit length along channels: f / (||f||_2 + eps), (N, C_l, H_l, W_l)
            f_x, f_y = (f / (f.square().sum(1, keepdim=True).sqrt() + 1e-10) for f in (f_x, f_y))
            # the spatial mean of a 1x1 convolution is the convolution of the mean: (N, C_l)
            squared = (f_x - f_y).square().mean((2, 3))
            distance = distance + squared @ getattr(self, f"lin{k}").model[1].weight.view(-1)
        return reduce(distance, self.reduction)


class DISTS(nn.Module):
    r"""Deep Image Structure and Texture Similarity (Ding et al., 2020), as DISTS_pytorch.

    .. math::
        D(x, y) = 1 - \sum_{l, c} \left(\alpha_{l,c}\, \frac{2\mu^x_{l,c}\mu^y_{l,c} + c_1}
        {(\mu^x_{l,c})^2 + (\mu^y_{l,c})^2 + c_1}
        + \beta_{l,c}\, \frac{2\sigma^{xy}_{l,c} + c_2}
        {(\sigma^x_{l,c})^2 + (\sigma^y_{l,c})^2 + c_2}\right)

    over the image itself (l = 0) and five VGG16 stages (max pooling replaced by
    :class:`~lossedu.backbones.L2Pooling`), with spatial means mu (texture) and population
    (co)variances sigma (structure) per channel, c1 = c2 = 1e-6, and alpha, beta divided by
    their joint sum. The network sees ``(x - mean) / std`` with ImageNet's statistics.

    Args:
        pretrained: find the missing weights (torchvision's VGG16, DISTS_pytorch's alpha and
            beta) on disk or download them; False keeps a random backbone and alpha, beta
            drawn from N(0.1, 0.01^2), as DISTS_pytorch initialises them. Default: True.
        weights: alpha and beta, a path or a state dict ``{'alpha': (1, 1475, 1, 1),
            'beta': (1, 1475, 1, 1)}`` as DISTS_pytorch's ``weights.pt``. Default: None.
        backbone_weights: a path or a torchvision VGG16 state dict. Default: None.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'`` over the batch. Default: ``'mean'``.

    Shape:
        input, target: (N, 3, H, W) in [0, 1]. Output: a scalar, (N,) for ``'none'``.

    Raises:
        FileNotFoundError, ValueError, TypeError: as :class:`LPIPS`.

    Warns:
        UserWarning: values outside [0, 1] ([-1, 1] or 8-bit images?).

    Example:
        >>> import torch
        >>> from lossedu import DISTS
        >>> _ = torch.manual_seed(0)
        >>> dists = DISTS(pretrained=False, reduction="none")  # random backbone
        >>> x = torch.rand(2, 3, 32, 32)
        >>> dists(x, x).abs() < 1e-6
        tensor([True, True])
    """

    channels = (3, 64, 128, 256, 512, 512)

    def __init__(self, pretrained=True, weights=None, backbone_weights=None, reduction="mean"):
        super().__init__()
        self.reduction = check_reduction(reduction)
        spec = backbones.BACKBONES["vgg"]
        self.net = backbones.Backbone(backbones.vgg16_features(backbones.L2Pooling), spec.taps,
                                      spec.weights.what)
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1),
                             persistent=False)
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1),
                             persistent=False)
        self.alpha = nn.Parameter(torch.empty(1, sum(self.channels), 1, 1).normal_(0.1, 0.01))
        self.beta = nn.Parameter(torch.empty(1, sum(self.channels), 1, 1).normal_(0.1, 0.01))
        state = _resolve(backbone_weights, pretrained, spec.weights)
        if state is not None:
            self.net.load_torchvision(state)
        file, installed = backbones.dists_weights()
        state = _resolve(weights, pretrained, file, installed)
        if state is not None:
            _load(self, state, ["alpha", "beta"], file.what)
        self.requires_grad_(False).eval()

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """DISTS distance of each pair of [0, 1] images."""
        _check_images(input, target, ("input", "target"), channels=3)
        _check_network_input(self, input)
        lo, hi = _value_range(input, target)
        if lo < 0 or hi > 1:
            _warn(f"DISTS expects images in [0, 1], got values in [{lo:.4g}, {hi:.4g}]: map "
                  f"[-1, 1] images with (x + 1) / 2, 8-bit ones with x / 255.")
        # the image itself, then five VGG stages; one pass per image batch, as in LPIPS
        features = zip([input, *self.net((input - self.mean) / self.std)],
                       [target, *self.net((target - self.mean) / self.std)], strict=True)
        total = self.alpha.sum() + self.beta.sum()
        alphas = (self.alpha / total).view(-1).split(self.channels)
        betas = (self.beta / total).view(-1).split(self.channels)
        c1 = c2 = 1e-6
        similarity = 0
        for (f_x, f_y), alpha, beta in zip(features, alphas, betas, strict=True):
            # f_x, f_y: (N, C_l, H_l, W_l)
            mean_x, mean_y = f_x.mean((2, 3), keepdim=True), f_y.mean((2, 3), keepdim=True)
            var_x = (f_x - mean_x).square().mean((2, 3))  # (N, C_l)
            var_y = (f_y - mean_y).square().mean((2, 3))
            cov = (f_x * f_y).mean((2, 3)) - (mean_x * mean_y).flatten(1)
            mean_x, mean_y = mean_x.flatten(1), mean_y.flatten(1)  # (N, C_l)
            texture = (2 * mean_x * mean_y + c1) / (mean_x.square() + mean_y.square() + c1)
            structure = (2 * cov + c2) / (var_x + var_y + c2)
            similarity = similarity + texture @ alpha + structure @ beta
        return reduce(1 - similarity, self.reduction)
