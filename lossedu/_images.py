"""Checks and warnings shared by the image losses (SSIM, LPIPS, DISTS)."""

import os
import sys
import warnings

import torch
from torch import nn

from lossedu._checks import check_floating, check_same_device, check_tensor, shape_str


def check_images(img1, img2, names=("img1", "img2"), channels=None, min_size=1,
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


def value_range(*images: torch.Tensor) -> tuple[float, float]:
    """The lowest and the highest value over all the images."""
    lows, highs = zip(*(torch.aminmax(img.detach()) for img in images), strict=True)
    return min(lo.item() for lo in lows), max(hi.item() for hi in highs)


# lossedu's own files and torch.nn's module machinery (a forward is called through __call__)
_INTERNAL = tuple(os.path.dirname(path) + os.sep for path in
                  (__file__, nn.Module.__call__.__code__.co_filename))


def warn_at_caller(message: str) -> None:
    """A UserWarning that points at the caller's line: the first frame outside lossedu and
    torch.nn, however deep inside them it was raised."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename.startswith(_INTERNAL):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, UserWarning, stacklevel=level)
