"""lossedu.deep_features: LPIPS and DISTS formulas on hand-computed cases and against the
packages' computations, gradients, input checks and warnings."""


import pytest
import torch
import torch.nn.functional as F
from test_ssim import F64, image_pair, no_warnings
from torch import nn

from lossedu import DISTS, LPIPS, ms_ssim, ssim, ssim_loss, ssim_map

# ----------------------------------------------------------------------------------------------
# LPIPS


class FixedFeatures(nn.Module):
    """A stand-in backbone: every tap returns the (scaled) image itself, zero-padded to the
    tap's channel count, so that LPIPS can be worked out by hand."""

    def __init__(self, channels):
        super().__init__()
        self.channels = channels

    def forward(self, x):
        return [F.pad(x, (0, 0, 0, 0, 0, c - x.shape[1])) for c in self.channels]


ALEX_CHANNELS = (64, 192, 384, 256, 256)


def lin_weights(channels, first_two):
    """Linear layers in the lpips package's format: layer k weighs channels 0 and 1 by
    (k + 1) * first_two, the others by 0."""
    state = {}
    for k, c in enumerate(channels):
        w = torch.zeros(1, c, 1, 1)
        w[0, :2, 0, 0] = torch.tensor(first_two) * (k + 1)
        state[f"lin{k}.model.1.weight"] = w
    return state


def test_lpips_by_hand():
    """One pixel differs. Its features (3, 4, 0) and (4, 3, 0) are (0.6, 0.8, 0) and
    (0.8, 0.6, 0) at unit length: squared differences (0.04, 0.04, 0); weighted by (1, 2)
    that is 0.12, times k + 1 on layer k (sum 15), averaged over 31 x 31 positions."""
    model = LPIPS("alex", pretrained=False, weights=lin_weights(ALEX_CHANNELS, (1.0, 2.0)),
                  reduction="none")
    model.net = FixedFeatures(ALEX_CHANNELS)
    # images whose scaled version (x - shift) / scale has the wanted features, divided by
    # 10 to stay in [-1, 1] (unit length does not see the factor)
    features_x = torch.full((1, 3, 31, 31), 0.1, dtype=F64)
    features_y = features_x.clone()
    features_x[0, :, 5, 7] = torch.tensor([0.3, 0.4, 0.0], dtype=F64)
    features_y[0, :, 5, 7] = torch.tensor([0.4, 0.3, 0.0], dtype=F64)
    model.double()
    x, y = (f * model.scale + model.shift for f in (features_x, features_y))
    expected = 0.12 * 15 / 31**2
    torch.testing.assert_close(model(x, y), torch.tensor([expected], dtype=F64))
    # with normalize=True the same images, given in [0, 1], give the same distance
    torch.testing.assert_close(model((x + 1) / 2, (y + 1) / 2, normalize=True),
                               torch.tensor([expected], dtype=F64))


# lpips cuts torchvision's features into slices, and reads the end of each.
LPIPS_SLICES = {
    "alex": [(0, 2), (2, 5), (5, 8), (8, 10), (10, 12)],
    "vgg": [(0, 4), (4, 9), (9, 16), (16, 23), (23, 30)],
    "squeeze": [(0, 2), (2, 5), (5, 8), (8, 10), (10, 11), (11, 12), (12, 13)],
}


def lpips_as_the_package_runs_it(model, net, x, y):
    """lpips's forward: scaling layer, each image through the slices separately, features
    normalised, squared differences through the 1x1 convolutions, spatial mean, layer sum."""

    def features(t):
        t, out = (t - model.shift) / model.scale, []
        for start, stop in LPIPS_SLICES[net]:
            for i in range(start, stop):
                t = model.net.features[i](t)
            out.append(t)
        return out

    total = 0
    for k, (f_x, f_y) in enumerate(zip(features(x), features(y), strict=True)):
        f_x = f_x / (torch.sqrt(torch.sum(f_x**2, dim=1, keepdim=True)) + 1e-10)
        f_y = f_y / (torch.sqrt(torch.sum(f_y**2, dim=1, keepdim=True)) + 1e-10)
        lin = getattr(model, f"lin{k}").model[1]
        total = total + lin((f_x - f_y) ** 2).mean((2, 3), keepdim=True)
    return total.view(-1)


@pytest.mark.slow
@pytest.mark.parametrize(("net", "size"), [("alex", 40), ("vgg", 20), ("squeeze", 33)])
def test_lpips_equals_the_packages_computation(net, size):
    _ = torch.manual_seed(0)
    channels = {"alex": ALEX_CHANNELS, "vgg": (64, 128, 256, 512, 512),
                "squeeze": (64, 128, 256, 384, 384, 512, 512)}[net]
    g = torch.Generator().manual_seed(1)
    weights = {f"lin{k}.model.1.weight": torch.rand(1, c, 1, 1, generator=g)
               for k, c in enumerate(channels)}
    model = LPIPS(net, pretrained=False, weights=weights, reduction="none").double()
    x, y = image_pair(2, 3, size, size, noise=0.3)
    x, y = x * 2 - 1, y * 2 - 1
    ours = model(x, y)
    torch.testing.assert_close(ours, lpips_as_the_package_runs_it(model, net, x, y),
                               rtol=1e-10, atol=1e-12)
    assert (ours > 0).all()
    torch.testing.assert_close(model(x, x), torch.zeros(2, dtype=F64))


def test_lpips_untrained_linear_layers_are_equal_weights():
    model = LPIPS("squeeze", pretrained=False)
    for k, c in enumerate((64, 128, 256, 384, 384, 512, 512)):
        weight = getattr(model, f"lin{k}").model[1].weight
        torch.testing.assert_close(weight, torch.full((1, c, 1, 1), 1 / c))
    assert not any(p.requires_grad for p in model.parameters())


def test_lpips_gradient_reaches_the_image():
    _ = torch.manual_seed(0)
    model = LPIPS("alex", pretrained=False).double()
    x, y = image_pair(1, 3, 31, 31)
    x = (x * 2 - 1).requires_grad_()
    assert torch.autograd.gradcheck(lambda a: model(a, y * 2 - 1), (x,), fast_mode=True)


def test_lpips_and_dists_gradient_only_for_what_asks_for_one():
    _ = torch.manual_seed(0)
    x, y = image_pair(2, 3, 32, 32, dtype=torch.float32)
    for model, scale in ((LPIPS("alex", pretrained=False), 2), (DISTS(pretrained=False), 1)):
        x_, y_ = (x * scale - (scale - 1)).requires_grad_(), y * scale - (scale - 1)
        model(x_, y_).backward()
        assert x_.grad.abs().sum() > 0 and y_.grad is None


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_lpips_reductions(reduction):
    _ = torch.manual_seed(0)
    x, y = image_pair(3, 3, 32, 32, dtype=torch.float32)
    x, y = x * 2 - 1, y * 2 - 1
    model = LPIPS("alex", pretrained=False, reduction="none")
    per_image = model(x, y)
    model.reduction = reduction
    expected = {"none": per_image, "mean": per_image.mean(), "sum": per_image.sum()}[reduction]
    torch.testing.assert_close(model(x, y), expected)


def test_lpips_warns_about_the_range():
    _ = torch.manual_seed(0)
    model = LPIPS("alex", pretrained=False)
    x, y = image_pair(1, 3, 32, 32, dtype=torch.float32)
    with pytest.warns(UserWarning, match=r"expects images in \[-1, 1\], got values in "
                                         r"\[0, 1\], none negative: .* normalize=True"):
        model(x, y)
    with pytest.warns(UserWarning, match=r"expects images in \[-1, 1\], got values in "
                                         r"\[0, 255\]: .*x / 127.5 - 1"):
        model(x * 255, y * 255)
    with pytest.warns(UserWarning, match=r"normalize=True expects images in \[0, 1\], got "
                                         r"values in \[-1, 1\]: for \[-1, 1\] images leave "
                                         r"normalize=False"):
        model(x * 2 - 1, y * 2 - 1, normalize=True)
    with no_warnings():
        model(x * 2 - 1, y * 2 - 1)
        model(x, y, normalize=True)


@pytest.mark.slow
def test_warnings_point_at_the_callers_line():
    """Not at lossedu's own lines, nor at torch.nn.Module.__call__."""
    _ = torch.manual_seed(0)
    x, y = image_pair(1, 3, 161, 161, dtype=torch.float32)
    lpips, dists = LPIPS("alex", pretrained=False), DISTS(pretrained=False)
    calls = [lambda: ssim(x * 255, y * 255), lambda: ssim_loss(x * 255, y * 255),
             lambda: ssim_map(x * 255, y * 255), lambda: ms_ssim(x * 255, y * 255),
             lambda: lpips(x, y), lambda: dists(x * 2 - 1, y * 2 - 1)]
    for call in calls:
        with pytest.warns(UserWarning) as record:
            call()
        assert len(record) == 1  # once, not once per scale in ms_ssim
        assert record[0].filename == __file__


def test_lpips_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"`net` to be 'alex', 'vgg' or 'squeeze', got 'resnet'"):
        LPIPS("resnet", pretrained=False)
    with pytest.raises(ValueError, match=r"`reduction` to be one of"):
        LPIPS("alex", pretrained=False, reduction="batchmean")
    model = LPIPS("alex", pretrained=False)
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    with pytest.raises(ValueError, match=r"`input` of shape \(N, 3, H, W\), got \(1, 1, 32, 32\)"):
        model(x[:, :1], x[:, :1])
    with pytest.raises(ValueError, match=r"at least 31x31, got 30x32: the alex network's "
                                         r"pooling layers need that much"):
        model(x[:, :, :30], x[:, :, :30])
    with pytest.raises(ValueError, match=r"`input` and `target` of one shape, got "
                                         r"\(1, 3, 32, 32\) and \(1, 3, 31, 32\)"):
        model(x, x[:, :, :31])
    with pytest.raises(TypeError, match=r"`target` to be a torch.Tensor"):
        model(x, x.tolist())


@pytest.mark.slow
@pytest.mark.parametrize("model", [LPIPS, DISTS], ids=["LPIPS", "DISTS"])
def test_images_in_another_dtype_than_the_network(model):
    model = model(pretrained=False)
    x = torch.rand(1, 3, 32, 32, dtype=F64) * 0.9  # in [-1, 1] and in [0, 1]
    x[0, 0, 0, 0] = -0.1 if isinstance(model, LPIPS) else 0.0
    with pytest.raises(TypeError, match=r"in the network's dtype torch.float32, got "
                                        r"torch.float64: convert the images with "
                                        r"`.to\(torch.float32\)`, or the module"):
        model(x, x)
    assert model.double()(x, x).dtype == F64


# ----------------------------------------------------------------------------------------------
# DISTS


def layer0_only(*, alpha, beta):
    """DISTS weights that read only the image itself (layer 0, three channels)."""
    state = {"alpha": torch.zeros(1, 1475, 1, 1), "beta": torch.zeros(1, 1475, 1, 1)}
    state["alpha"][0, :3, 0, 0], state["beta"][0, :3, 0, 0] = alpha, beta
    return state


def test_dists_texture_by_hand():
    """Flat images 0.5 and 0.25: no variance, so structure is (0 + c2) / (0 + c2) = 1 and
    texture (2 * 0.5 * 0.25 + c1) / (0.25 + 0.0625 + c1); alpha = beta = 1 on every channel
    of layer 0, divided by their sum, 6."""
    model = DISTS(pretrained=False, weights=layer0_only(alpha=1.0, beta=1.0),
                  reduction="none").double()
    x, y = torch.full((2, 3, 8, 8), 0.5, dtype=F64), torch.full((2, 3, 8, 8), 0.25, dtype=F64)
    c = 1e-6
    texture = (0.25 + c) / (0.3125 + c)
    expected = 1 - (3 * texture + 3 * 1.0) / 6
    torch.testing.assert_close(model(x, y), torch.full((2,), expected, dtype=F64))


def test_dists_structure_by_hand():
    """A checkerboard of 0 and 1 against its negative: equal means (texture 1), variances 1/4,
    covariance -1/4, so structure (-1/2 + c2) / (1/2 + c2); alpha 1, beta 3 on channel 0."""
    board = (torch.arange(8).view(8, 1) + torch.arange(8)) % 2
    x = board.expand(1, 3, 8, 8).to(F64)
    state = {"alpha": torch.zeros(1, 1475, 1, 1), "beta": torch.zeros(1, 1475, 1, 1)}
    state["alpha"][0, 0], state["beta"][0, 0] = 1.0, 3.0
    model = DISTS(pretrained=False, weights=state).double()
    c = 1e-6
    structure = (-0.5 + c) / (0.5 + c)
    expected = 1 - (1 * 1.0 + 3 * structure) / 4
    torch.testing.assert_close(model(x, 1 - x), torch.tensor(expected, dtype=F64))


# DISTS_pytorch's stages: torchvision's VGG16 indices, each stage after the first starting
# with the L2 pooling that replaces a max pooling.
DISTS_STAGES = [(0, 4), (4, 9), (9, 16), (16, 23), (23, 30)]


def dists_as_the_package_runs_it(model, x, y):
    """DISTS_pytorch's forward, each image through the stages separately."""

    def features(t):
        h, out = (t - model.mean) / model.std, [t]
        for start, stop in DISTS_STAGES:
            for i in range(start, stop):
                h = model.net.features[i](h)
            out.append(h)
        return out

    c1 = c2 = 1e-6
    w_sum = model.alpha.sum() + model.beta.sum()
    chns = [3, 64, 128, 256, 512, 512]
    alpha = torch.split(model.alpha / w_sum, chns, dim=1)
    beta = torch.split(model.beta / w_sum, chns, dim=1)
    dist1 = dist2 = 0
    for k, (f0, f1) in enumerate(zip(features(x), features(y), strict=True)):
        x_mean, y_mean = f0.mean([2, 3], keepdim=True), f1.mean([2, 3], keepdim=True)
        s1 = (2 * x_mean * y_mean + c1) / (x_mean**2 + y_mean**2 + c1)
        dist1 = dist1 + (alpha[k] * s1).sum(1, keepdim=True)
        x_var = ((f0 - x_mean) ** 2).mean([2, 3], keepdim=True)
        y_var = ((f1 - y_mean) ** 2).mean([2, 3], keepdim=True)
        xy_cov = (f0 * f1).mean([2, 3], keepdim=True) - x_mean * y_mean
        s2 = (2 * xy_cov + c2) / (x_var + y_var + c2)
        dist2 = dist2 + (beta[k] * s2).sum(1, keepdim=True)
    return (1 - (dist1 + dist2)).view(-1)


@pytest.mark.slow
def test_dists_equals_the_packages_computation():
    _ = torch.manual_seed(0)
    model = DISTS(pretrained=False, reduction="none").double()
    x, y = image_pair(2, 3, 24, 24, noise=0.3)
    ours = model(x, y)
    torch.testing.assert_close(ours, dists_as_the_package_runs_it(model, x, y),
                               rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(model(x, x), torch.zeros(2, dtype=F64), rtol=0, atol=1e-10)
    assert (ours > 0).all()


def test_dists_untrained_weights_as_dists_pytorch_draws_them():
    _ = torch.manual_seed(0)
    model = DISTS(pretrained=False)
    for p in (model.alpha, model.beta):
        assert p.shape == (1, 1475, 1, 1) and not p.requires_grad
        assert abs(p.mean().item() - 0.1) < 0.002 and abs(p.std().item() - 0.01) < 0.002


@pytest.mark.slow
def test_dists_warns_about_the_range():
    _ = torch.manual_seed(0)
    model = DISTS(pretrained=False)
    x, y = image_pair(1, 3, 16, 16, dtype=torch.float32)
    with pytest.warns(UserWarning, match=r"DISTS expects images in \[0, 1\], got values in "
                                         r"\[-1, 1\]: map \[-1, 1\] images with \(x \+ 1\) / 2"):
        model(x * 2 - 1, y * 2 - 1)
    with pytest.warns(UserWarning, match=r"got values in \[0, 255\].* x / 255"):
        model(x * 255, y * 255)
    with no_warnings():
        model(x, y)


def test_dists_rejects_bad_images():
    model = DISTS(pretrained=False)
    x = torch.rand(2, 3, 16, 16)
    with pytest.raises(ValueError, match=r"`input` of shape \(N, 3, H, W\), got \(2, 4, 16, 16\)"):
        model(torch.rand(2, 4, 16, 16), torch.rand(2, 4, 16, 16))
    with pytest.raises(ValueError, match=r"`input` and `target` of one shape"):
        model(x, x[:1])
    with pytest.raises(TypeError, match=r"one dtype"):
        model(x, x.double())
