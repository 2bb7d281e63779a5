"""lossedu's own losses as Modules: the overlap losses of segmentation (Dice, IoU, Tversky,
BCE + Dice) and the structural-similarity losses (SSIM, MS-SSIM)."""

import torch

import lossedu
from lossedu._checks import check_reduction
from lossedu._reduction import reduce
from lossedu.nn._base import _Loss
from lossedu.ssim import MS_SSIM_WEIGHTS

OVERLAP_OPTIONS = ("activation", "per_class", "include_background", "batch", "zero_absent")


class _OverlapLoss(_Loss):
    """The options the overlap losses share, stored under their names (see
    :func:`lossedu.dice_loss` for what each does)."""

    def __init__(self, smooth: float = 1e-6, *, activation: str | None = None,
                 per_class: bool = False, include_background: bool = True, batch: bool = False,
                 zero_absent: bool = False, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.smooth = smooth
        self.activation = activation
        self.per_class = per_class
        self.include_background = include_background
        self.batch = batch
        self.zero_absent = zero_absent

    def options(self) -> dict:
        """The keyword options of the loss function, ``reduction`` included."""
        return {name: getattr(self, name) for name in (*OVERLAP_OPTIONS, "reduction")}


class DiceLoss(_OverlapLoss):
    """Soft Dice loss, ``1 - (2 tp + s) / (2 tp + fp + fn + s)`` per image, as MONAI's
    ``DiceLoss`` with the options it names.

    Wraps :func:`lossedu.dice_loss`, with its arguments and defaults; ``forward(input, target)``.
    """

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return lossedu.dice_loss(input, target, self.smooth, **self.options())


class IoULoss(_OverlapLoss):
    """Soft IoU (Jaccard) loss, ``1 - (tp + s) / (tp + fp + fn + s)`` per image.

    Wraps :func:`lossedu.iou_loss`, with its arguments and defaults; ``forward(input, target)``.
    """

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return lossedu.iou_loss(input, target, self.smooth, **self.options())


class TverskyLoss(_OverlapLoss):
    """Tversky loss, ``1 - (tp + s) / (tp + alpha fp + beta fn + s)``, as MONAI's
    ``TverskyLoss``: Dice with false positives and negatives weighed apart.

    Wraps :func:`lossedu.tversky_loss`; ``alpha``, ``beta``, then :class:`DiceLoss`'s options.
    """

    def __init__(self, alpha: float = 0.5, beta: float = 0.5, smooth: float = 1e-6,
                 **options) -> None:
        super().__init__(smooth, **options)
        self.alpha = alpha
        self.beta = beta

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return lossedu.tversky_loss(input, target, self.alpha, self.beta, self.smooth,
                                    **self.options())


class BCEDiceLoss(_OverlapLoss):
    """Binary cross-entropy plus Dice, ``w_bce BCE + w_dice Dice``: one scalar.

    Wraps :func:`lossedu.bce_dice_loss`; ``smooth``, ``bce_weight``, ``dice_weight``, then
    :class:`DiceLoss`'s options but ``reduction`` (the sum is always of two means).
    """

    def __init__(self, smooth: float = 1e-6, *, bce_weight: float = 1.0,
                 dice_weight: float = 1.0, **options) -> None:
        if "reduction" in options:
            raise TypeError(f"`BCEDiceLoss` takes no `reduction`, got "
                            f"reduction={options['reduction']!r}: it returns one scalar, the "
                            f"mean BCE plus the mean Dice loss.")
        super().__init__(smooth, **options)
        self.bce_weight = bce_weight
        self.dice_weight = dice_weight

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        options = {name: getattr(self, name) for name in OVERLAP_OPTIONS}
        return lossedu.bce_dice_loss(input, target, self.smooth, bce_weight=self.bce_weight,
                                     dice_weight=self.dice_weight, **options)


class _Similarity(_Loss):
    """The SSIM window and constants, stored under their names (see :func:`lossedu.ssim`)."""

    def __init__(self, data_range: float = 1.0, win_size: int = 11, sigma: float = 1.5,
                 k1: float = 0.01, k2: float = 0.03, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.data_range = data_range
        self.win_size = win_size
        self.sigma = sigma
        self.k1 = k1
        self.k2 = k2

    def window(self) -> dict:
        return dict(data_range=self.data_range, win_size=self.win_size, sigma=self.sigma,
                    k1=self.k1, k2=self.k2)


class SSIMLoss(_Similarity):
    """``1 - SSIM`` per image pair, in [0, 2] (kornia's ``SSIMLoss`` is half of it), with
    scikit-image's SSIM: Gaussian window, sigma 1.5, population covariance.

    Wraps :func:`lossedu.ssim_loss`, with its arguments and defaults; ``forward(img1, img2)``.
    """

    def forward(self, img1: torch.Tensor, img2: torch.Tensor) -> torch.Tensor:
        return lossedu.ssim_loss(img1, img2, **self.window(), reduction=self.reduction)


class MSSSIMLoss(_Similarity):
    """``1 - MS-SSIM`` per image pair, multi-scale SSIM as the pytorch_msssim package.

    Wraps :func:`lossedu.ms_ssim`, with its arguments and defaults (``weights``: one per
    scale); ``forward(img1, img2)``.
    """

    def __init__(self, data_range: float = 1.0, win_size: int = 11, sigma: float = 1.5,
                 k1: float = 0.01, k2: float = 0.03, weights=MS_SSIM_WEIGHTS,
                 reduction: str = "mean") -> None:
        super().__init__(data_range, win_size, sigma, k1, k2, reduction)
        self.weights = weights

    def forward(self, img1: torch.Tensor, img2: torch.Tensor) -> torch.Tensor:
        check_reduction(self.reduction)
        similarity = lossedu.ms_ssim(img1, img2, **self.window(), weights=self.weights,
                                     reduction="none")  # (N,)
        return reduce(1 - similarity, self.reduction)
