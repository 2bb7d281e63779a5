"""Benchmark cases for SSIM (8 x 3 x 256 x 256) and LPIPS (AlexNet, 4 x 3 x 256 x 256).

torch has neither, so each is timed against the same computation written plainly: SSIM with
one 11 x 11 Gaussian convolution per moment and autograd's backward (as readable lossedu.ssim
is, with its checks), LPIPS as the lpips package
runs it (two passes through the network, a 1x1 convolution per layer, then the mean).
"""

import torch
import torch.nn.functional as F

import lossedu
from benchmarks.harness import Case, size
from lossedu import fast


def _images(device, n=8, low=0.0):
    g = torch.Generator().manual_seed(0)
    n, C, H, W = size(n, 1), 3, size(256, 64), size(256, 64)  # AlexNet needs 64 x 64 at least
    x = torch.rand(n, C, H, W, generator=g) * (1 - low) + low
    y = (x + 0.1 * torch.randn(n, C, H, W, generator=g)).clamp(low, 1)
    return x.to(device).requires_grad_(), y.to(device)


def naive_ssim(x, y, data_range=1.0, win_size=11, sigma=1.5, k1=0.01, k2=0.03):
    """The textbook SSIM: a 2-D Gaussian window, one convolution for each of the five
    moments, every step left to autograd."""
    offsets = torch.arange(win_size, dtype=x.dtype, device=x.device) - win_size // 2
    g = torch.exp(-offsets**2 / (2 * sigma**2))
    g = g / g.sum()
    window = torch.outer(g, g).expand(x.shape[1], 1, win_size, win_size)

    def blur(t):
        return F.conv2d(t, window, groups=x.shape[1])

    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x**2
    var_y = blur(y * y) - mu_y**2
    cov = blur(x * y) - mu_x * mu_y
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    s = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)
         / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2)))
    return s.mean()


def _lpips_case(device):
    torch.manual_seed(0)
    model = lossedu.LPIPS("alex", pretrained=False).to(device)
    x, y = _images(device, n=4, low=-1.0)
    return x, y, model


def plain_lpips(x, y, model):
    """lpips's forward on ``model``'s weights: AlexNet's five blocks run on each image
    separately, features normalised, squared differences through the 1x1 convolutions, then
    averaged over space and summed over layers."""
    conv = [model.net.features[i] for i in (0, 3, 6, 8, 10)]

    def features(t):
        t = (t - model.shift) / model.scale
        out = []
        t = F.relu(F.conv2d(t, conv[0].weight, conv[0].bias, stride=4, padding=2))
        out.append(t)
        t = F.relu(F.conv2d(F.max_pool2d(t, 3, 2), conv[1].weight, conv[1].bias, padding=2))
        out.append(t)
        t = F.relu(F.conv2d(F.max_pool2d(t, 3, 2), conv[2].weight, conv[2].bias, padding=1))
        out.append(t)
        for c in conv[3:]:
            t = F.relu(F.conv2d(t, c.weight, c.bias, padding=1))
            out.append(t)
        return out

    total = 0
    for k, (f_x, f_y) in enumerate(zip(features(x), features(y), strict=True)):
        f_x = f_x / (f_x.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
        f_y = f_y / (f_y.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
        lin = getattr(model, f"lin{k}").model[1].weight
        total = total + F.conv2d((f_x - f_y) ** 2, lin).mean((2, 3), keepdim=True)
    return total.mean()


CASES = [
    Case("ssim (8x3x256x256)", _images, lossedu.ssim, naive_ssim, fast.ssim),
    Case("LPIPS alex (4x3x256x256)", _lpips_case, lambda x, y, model: model(x, y), plain_lpips),
]
