"""SSIM with the five moments filtered in one batched, channels-last pass and the gradient
written by hand: the same public functions as :mod:`lossedu.ssim`, tested equal to them and
to scikit-image.
"""

import torch
import torch.nn.functional as F

from lossedu._checks import check_reduction
from lossedu._reduction import reduce
from lossedu.ssim import MS_SSIM_WEIGHTS, _ms_ssim, _ssim_setup


def ssim_map(img1, img2, data_range=1.0, win_size=11, sigma=1.5, k1=0.01, k2=0.03):
    r""":func:`lossedu.ssim_map` through ``_SSIMMaps``, whose backward is, with A1, B1, A2,
    B2 the numerators and denominators of luminance l = A1 / B1 and cs = A2 / B2:

    .. math::
        \frac{\partial S}{\partial A_1} = \frac{cs}{B_1},\
        \frac{\partial S}{\partial B_1} = -\frac{l\, cs}{B_1},\
        \frac{\partial S}{\partial A_2} = \frac{l}{B_2},\
        \frac{\partial S}{\partial B_2} = -\frac{l\, cs}{B_2}

    then to the moments and through the transposed Gaussian filter to the pixels
    (``dx = G^T dmx + 2 x G^T dexx + y G^T dexy``). Arguments as :func:`lossedu.ssim`.

    Example:
        >>> import torch
        >>> from lossedu import fast
        >>> x = torch.linspace(0, 1, 256).view(1, 1, 16, 16)
        >>> fast.ssim_map(x, x).shape, fast.ssim(x, 1 - x)
        (torch.Size([1, 1, 6, 6]), tensor(-0.8262))
    """
    window, c1, c2 = _ssim_setup(img1, img2, data_range, win_size, sigma, k1, k2)
    return _SSIMMaps.apply(img1, img2, window, c1, c2)[0].contiguous()  # from channels-last


def ssim(img1, img2, data_range=1.0, win_size=11, sigma=1.5, k1=0.01, k2=0.03,
         reduction="mean"):
    """:func:`lossedu.ssim`, the mean of the hand-differentiated :func:`ssim_map`."""
    check_reduction(reduction)
    maps = ssim_map(img1, img2, data_range, win_size, sigma, k1, k2)  # (N, C, H', W')
    return reduce(maps.mean((1, 2, 3)), reduction)


def ssim_loss(img1, img2, data_range=1.0, win_size=11, sigma=1.5, k1=0.01, k2=0.03,
              reduction="mean"):
    """:func:`lossedu.ssim_loss`, ``1 - SSIM_n`` from the hand-differentiated maps."""
    check_reduction(reduction)
    similarity = ssim(img1, img2, data_range, win_size, sigma, k1, k2, reduction="none")
    return reduce(1 - similarity, reduction)


def ms_ssim(img1, img2, data_range=1.0, win_size=11, sigma=1.5, k1=0.01, k2=0.03,
            weights=MS_SSIM_WEIGHTS, reduction="mean"):
    """:func:`lossedu.ms_ssim`, each scale's S and cs maps from ``_SSIMMaps``."""
    return _ms_ssim(_SSIMMaps.apply, img1, img2, data_range, win_size, sigma, k1, k2, weights,
                    reduction)


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
    # the window as one (c, 1, 1, K) row filter per channel, then as a (c, 1, K, 1) column
    s = F.conv2d(s, window.view(1, 1, 1, K).expand(c, 1, 1, K).contiguous(), groups=c)
    return F.conv2d(s, window.view(1, 1, K, 1).expand(c, 1, K, 1).contiguous(), groups=c)


def _blur_transposed(s: torch.Tensor, window: torch.Tensor) -> torch.Tensor:
    """The adjoint of :func:`_blur`: spreads every output pixel's gradient back over its
    window, from (H - K + 1, W - K + 1) to (H, W). The adjoint of a valid correlation is the
    full one (padding K - 1) with the window reversed."""
    c, K = s.shape[1], window.numel()
    window = window.flip(0)  # columns (c, 1, K, 1) first, then rows (c, 1, 1, K)
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
        # (k, N, c, h, w) -> (k N, c, h, w) through the filter -> back to k tensors (N, c, H, W)
        g_sq, g_xy, *g_m = _blur_transposed(grads.flatten(0, 1), window).unflatten(
            0, (len(grads), x.shape[0])).unbind(0)
        grad_x = torch.addcmul(g_m[0], x, g_sq, value=2).addcmul_(y, g_xy) if need_x else None
        grad_y = torch.addcmul(g_m[-1], y, g_sq, value=2).addcmul_(x, g_xy) if need_y else None
        return grad_x, grad_y, None, None, None
