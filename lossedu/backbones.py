"""The convolutional backbones of LPIPS and DISTS, and where their weights come from.

Each backbone keeps torchvision's layout: an ``nn.Sequential`` named ``features`` whose layer
indices are torchvision's, so a torchvision ImageNet state dict (``alexnet-owt-7be5be79.pth``,
``vgg16-397923af.pth``, ``squeezenet1_1-b8a52dc0.pth``) loads unchanged; only the layers up to
the last one read are built. A backbone returns the activations after the layers it taps.

Weights come from, in this order: what the caller passes (a path or a state dict); a file
already on disk (torchvision's cache ``$TORCH_HOME/hub/checkpoints``, or the weights an
installed ``lpips`` / ``DISTS_pytorch`` package ships); a download through ``torch.hub``. With no
file and no network, the error names the file and the folder to put it in.
"""

import importlib.util
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch
from torch import nn

TORCHVISION = "https://download.pytorch.org/models/"


def _conv_relu(c_in: int, c_out: int, kernel: int, **conv) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, kernel, **conv), nn.ReLU(inplace=True)]


def alexnet_features() -> nn.Sequential:
    """torchvision's ``alexnet().features[:12]``: five convolutions, up to relu5."""
    return nn.Sequential(
        *_conv_relu(3, 64, 11, stride=4, padding=2),  # 0, 1
        nn.MaxPool2d(3, 2),  # 2
        *_conv_relu(64, 192, 5, padding=2),  # 3, 4
        nn.MaxPool2d(3, 2),  # 5
        *_conv_relu(192, 384, 3, padding=1),  # 6, 7
        *_conv_relu(384, 256, 3, padding=1),  # 8, 9
        *_conv_relu(256, 256, 3, padding=1),  # 10, 11
    )


def vgg16_features(pool: type[nn.Module] | None = None) -> nn.Sequential:
    """torchvision's ``vgg16().features[:30]``, up to relu5_3; ``pool(channels)`` replaces
    each 2x2 max pooling (DISTS uses :class:`L2Pooling`)."""
    layers, c_in = [], 3
    for block, (c_out, convs) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]):
        if block:
            layers.append(pool(c_in) if pool else nn.MaxPool2d(2, 2))
        for _ in range(convs):
            layers += _conv_relu(c_in, c_out, 3, padding=1)
            c_in = c_out
    return nn.Sequential(*layers)


class Fire(nn.Module):
    """SqueezeNet's module: a 1x1 squeeze, then 1x1 and 3x3 expansions side by side."""

    def __init__(self, c_in: int, squeeze: int, expand1x1: int, expand3x3: int):
        super().__init__()
        self.squeeze = nn.Conv2d(c_in, squeeze, 1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze, expand1x1, 1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze, expand3x3, 3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.squeeze_activation(self.squeeze(x))
        return torch.cat([self.expand1x1_activation(self.expand1x1(x)),
                          self.expand3x3_activation(self.expand3x3(x))], 1)


def squeezenet1_1_features() -> nn.Sequential:
    """torchvision's ``squeezenet1_1().features``: a convolution and eight Fire modules."""
    return nn.Sequential(
        *_conv_relu(3, 64, 3, stride=2),  # 0, 1
        nn.MaxPool2d(3, 2, ceil_mode=True),  # 2
        Fire(64, 16, 64, 64), Fire(128, 16, 64, 64),  # 3, 4
        nn.MaxPool2d(3, 2, ceil_mode=True),  # 5
        Fire(128, 32, 128, 128), Fire(256, 32, 128, 128),  # 6, 7
        nn.MaxPool2d(3, 2, ceil_mode=True),  # 8
        Fire(256, 48, 192, 192), Fire(384, 48, 192, 192),  # 9, 10
        Fire(384, 64, 256, 256), Fire(512, 64, 256, 256),  # 11, 12
    )


class L2Pooling(nn.Module):
    r"""DISTS's anti-aliased pooling: ``sqrt(h * x^2 + 1e-12)``, stride 2, where h is the 3x3
    Hann window ``[1/2, 1, 1/2]`` outer itself, normalised to sum 1, per channel.

    A square root of a blurred square: an L2 norm over a smooth window, so that a shifted
    input changes the output little, where max pooling jumps.
    """

    def __init__(self, channels: int):
        super().__init__()
        hann = torch.tensor([0.5, 1.0, 0.5])  # numpy's hanning(5) without its zero ends
        window = torch.outer(hann, hann) / 4  # (3, 3), sums to 1
        # Not in the state dict: torchvision's VGG has nothing at these indices.
        self.register_buffer("filter", window.expand(channels, 1, 3, 3).clone(),
                             persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = nn.functional.conv2d(x.square(), self.filter, stride=2, padding=1,
                                   groups=x.shape[1])
        return (out + 1e-12).sqrt()


class Backbone(nn.Module):
    """``features`` laid out as torchvision's; ``forward`` returns the outputs of the layers
    at ``taps``, in order."""

    def __init__(self, features: nn.Sequential, taps: tuple[int, ...], what: str):
        super().__init__()
        self.features, self.taps, self.what = features, taps, what

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outputs = []
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in self.taps:
                outputs.append(x)
        return outputs

    def load_torchvision(self, state_dict: Mapping[str, torch.Tensor]) -> None:
        """Load a torchvision state dict of the whole network; its ``classifier.*`` entries,
        which the features do not use, are skipped."""
        features = {k: v for k, v in state_dict.items() if k.startswith("features.")}
        try:
            self.load_state_dict(features)
        except RuntimeError as error:
            raise ValueError(f"Expected {self.what}, a state dict with keys "
                             f"'features.<index>.weight' (and 'classifier.*', unused): "
                             f"{error}") from None


@dataclass(frozen=True)
class WeightFile:
    """A weight file: its name on disk, where to download it, and what it is for."""

    file_name: str
    url: str
    what: str
    check_hash: bool = False


@dataclass(frozen=True)
class BackboneSpec:
    build: Callable[[], nn.Sequential]
    taps: tuple[int, ...]
    channels: tuple[int, ...]
    weights: WeightFile
    min_size: int  # the smallest image side every layer accepts


_ALEX = WeightFile("alexnet-owt-7be5be79.pth", TORCHVISION + "alexnet-owt-7be5be79.pth",
                   "torchvision's AlexNet ImageNet weights", check_hash=True)
_VGG = WeightFile("vgg16-397923af.pth", TORCHVISION + "vgg16-397923af.pth",
                  "torchvision's VGG16 ImageNet weights", check_hash=True)
_SQUEEZE = WeightFile("squeezenet1_1-b8a52dc0.pth", TORCHVISION + "squeezenet1_1-b8a52dc0.pth",
                      "torchvision's SqueezeNet 1.1 ImageNet weights", check_hash=True)

# The taps are lpips's: relu1..relu5 (alex), relu1_2..relu5_3 (vgg), relu1 and fire 4..12.
BACKBONES = {
    "alex": BackboneSpec(alexnet_features, (1, 4, 7, 9, 11), (64, 192, 384, 256, 256), _ALEX,
                         31),
    "vgg": BackboneSpec(vgg16_features, (3, 8, 15, 22, 29), (64, 128, 256, 512, 512), _VGG, 16),
    "squeeze": BackboneSpec(squeezenet1_1_features, (1, 4, 7, 9, 10, 11, 12),
                            (64, 128, 256, 384, 384, 512, 512), _SQUEEZE, 17),
}


def checkpoint_path(file_name: str) -> str:
    """Where torch.hub keeps downloads: ``$TORCH_HOME/hub/checkpoints/<file_name>``."""
    return os.path.join(torch.hub.get_dir(), "checkpoints", file_name)


def installed_package_file(package: str, relative: str) -> str | None:
    """A data file shipped by an installed package, found without importing it (``lpips``
    and ``DISTS_pytorch`` import torchvision)."""
    spec = importlib.util.find_spec(package)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(folder, relative)
        if os.path.isfile(path):
            return path
    return None


def load_state_dict(source: str | os.PathLike | Mapping, what: str) -> Mapping:
    """A state dict given as a mapping, or read (on the CPU) from a file."""
    if isinstance(source, Mapping):
        return source
    if not isinstance(source, str | os.PathLike):
        raise TypeError(f"Expected {what} as a path or a state dict, got "
                        f"{type(source).__name__}.")
    if not os.path.isfile(source):
        raise FileNotFoundError(f"No file {os.fspath(source)!r} for {what}.")
    state = torch.load(source, map_location="cpu", weights_only=True)
    if not isinstance(state, Mapping):
        raise TypeError(f"Expected {what} in {os.fspath(source)!r} to be a state dict, got "
                        f"{type(state).__name__}.")
    return state


def find_weights(weights: WeightFile, also: tuple[str | None, ...] = ()) -> Mapping:
    """``weights`` from the first existing file among ``also`` and the torch.hub cache, else
    downloaded into that cache; a FileNotFoundError that says what to put where if neither
    works."""
    cached = checkpoint_path(weights.file_name)
    for path in (*also, cached):
        if path and os.path.isfile(path):
            return load_state_dict(path, weights.what)
    try:
        return torch.hub.load_state_dict_from_url(
            weights.url, map_location="cpu", check_hash=weights.check_hash,
            file_name=weights.file_name, weights_only=True)
    except OSError as error:  # no network: URLError, timeouts, refused connections
        raise FileNotFoundError(
            f"Could not find {weights.what}: no file {cached}, and downloading {weights.url} "
            f"failed ({type(error).__name__}: {error}). Offline, copy that file to {cached} "
            f"(set TORCH_HOME to use another folder), or pass a path or a state dict; "
            f"pretrained=False gives random weights."
        ) from None


def lpips_weights(net: str) -> tuple[WeightFile, tuple[str | None, ...]]:
    """The lpips package's linear layers for ``net``, and where an installed lpips keeps them."""
    url = ("https://github.com/richzhang/PerceptualSimilarity/raw/master/lpips/weights/v0.1/"
           f"{net}.pth")
    file = WeightFile(f"lpips_v0.1_{net}.pth", url, f"the lpips package's v0.1 {net} weights")
    return file, (installed_package_file("lpips", f"weights/v0.1/{net}.pth"),)


def dists_weights() -> tuple[WeightFile, tuple[str | None, ...]]:
    """DISTS_pytorch's alpha and beta, and where an installed DISTS_pytorch keeps them (its
    wheel puts weights.pt both in the package and in ``sys.prefix``)."""
    url = "https://github.com/dingkeyan93/DISTS/raw/master/DISTS_pytorch/weights.pt"
    file = WeightFile("DISTS_pytorch_weights.pt", url, "DISTS_pytorch's alpha and beta")
    installed = installed_package_file("DISTS_pytorch", "weights.pt")
    return file, (installed, os.path.join(sys.prefix, "weights.pt") if installed else None)
