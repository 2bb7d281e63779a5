"""Perceptual distances from the features of a convolutional network: LPIPS and DISTS.

LPIPS compares unit-normalised deep features channel by channel with learned weights; DISTS
compares the spatial means (texture) and correlations (structure) of deep features. Their
backbones live in :mod:`lossedu.backbones`.
"""

from collections.abc import Mapping

import torch
from torch import nn

from lossedu import backbones
from lossedu._checks import check_reduction, shape_str
from lossedu._images import check_images, value_range, warn_at_caller
from lossedu._reduction import reduce


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
        check_images(input, target, ("input", "target"), 3, self.min_size,
                      f"the {self.net_name} network's pooling layers need that much; "
                      f"upsample the images")
        _check_network_input(self, input)
        lo, hi = value_range(input, target)
        if normalize and (lo < 0 or hi > 1):
            warn_at_caller(
                f"LPIPS with normalize=True expects images in [0, 1], got values in "
                f"[{lo:.4g}, {hi:.4g}]: for [-1, 1] images leave normalize=False; map 8-bit "
                f"images with x / 255.")
        elif not normalize and (lo < -1 or hi > 1):
            warn_at_caller(
                f"LPIPS expects images in [-1, 1], got values in [{lo:.4g}, {hi:.4g}]: map "
                f"8-bit images with x / 127.5 - 1 (or x / 255 with normalize=True).")
        elif not normalize and lo >= 0:
            warn_at_caller(
                f"LPIPS expects images in [-1, 1], got values in [{lo:.4g}, {hi:.4g}], none "
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
            lin = getattr(self, f"lin{k}").model[1].weight.view(-1)  # (1, C_l, 1, 1) -> (C_l,)
            distance = distance + squared @ lin  # (N,)
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
        check_images(input, target, ("input", "target"), channels=3)
        _check_network_input(self, input)
        lo, hi = value_range(input, target)
        if lo < 0 or hi > 1:
            warn_at_caller(
                f"DISTS expects images in [0, 1], got values in [{lo:.4g}, {hi:.4g}]: map "
                f"[-1, 1] images with (x + 1) / 2, 8-bit ones with x / 255.")
        # the image itself, then five VGG stages; one pass per image batch, as in LPIPS
        features = zip([input, *self.net((input - self.mean) / self.std)],
                       [target, *self.net((target - self.mean) / self.std)], strict=True)
        total = self.alpha.sum() + self.beta.sum()
        # (1, sum_l C_l, 1, 1) -> (sum_l C_l,), split into one (C_l,) per layer
        alphas = (self.alpha / total).view(-1).split(self.channels)
        betas = (self.beta / total).view(-1).split(self.channels)
        c1 = c2 = 1e-6
        similarity = 0
        for (f_x, f_y), alpha, beta in zip(features, alphas, betas, strict=True):
            # f_x, f_y: (N, C_l, H_l, W_l)
            mean_x, mean_y = f_x.mean((2, 3), keepdim=True), f_y.mean((2, 3), keepdim=True)
            var_x = (f_x - mean_x).square().mean((2, 3))  # (N, C_l)
            var_y = (f_y - mean_y).square().mean((2, 3))
            cov = (f_x * f_y).mean((2, 3)) - (mean_x * mean_y).flatten(1)  # (N, C_l)
            mean_x, mean_y = mean_x.flatten(1), mean_y.flatten(1)  # (N, C_l)
            texture = (2 * mean_x * mean_y + c1) / (mean_x.square() + mean_y.square() + c1)
            structure = (2 * cov + c2) / (var_x + var_y + c2)
            similarity = similarity + texture @ alpha + structure @ beta
        return reduce(1 - similarity, self.reduction)
