"""lossedu: deep-learning loss functions written from scratch, equal to torch.nn.functional.

Every loss torch has keeps torch's name, argument names, order and defaults, and has a Module
of torch's class name in :mod:`lossedu.nn`.
"""

from lossedu.binary import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    sigmoid_focal_loss,
)
from lossedu.classification import cross_entropy, focal_loss, nll_loss
from lossedu.deep_features import DISTS, LPIPS
from lossedu.exercises import check
from lossedu.information import (
    distribution_cross_entropy,
    entropy,
    kl_div,
    log_softmax,
    self_information,
    softmax,
)
from lossedu.linear_cross_entropy import linear_cross_entropy
from lossedu.margin import (
    hinge_embedding_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    soft_margin_loss,
)
from lossedu.metric import (
    cosine_embedding_loss,
    info_nce,
    margin_ranking_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from lossedu.multitask import UncertaintyWeightedLoss, WeightedSumLoss
from lossedu.regression import (
    gaussian_nll_loss,
    huber_loss,
    l1_loss,
    mse_loss,
    poisson_nll_loss,
    smooth_l1_loss,
)
from lossedu.segmentation import bce_dice_loss, dice_loss, iou_loss, tversky_loss
from lossedu.sequence import ctc_loss
from lossedu.ssim import ms_ssim, ssim, ssim_loss, ssim_map
from lossedu.training import (
    EMA,
    History,
    accuracy,
    all_reduce_mean,
    evaluate,
    fit,
    train_one_epoch,
    warmup_cosine_lr,
    warmup_cosine_schedule,
)

__all__ = [
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "sigmoid_focal_loss",
    "focal_loss",
    "self_information",
    "entropy",
    "distribution_cross_entropy",
    "kl_div",
    "softmax",
    "log_softmax",
    "ctc_loss",
    "triplet_margin_loss",
    "cosine_embedding_loss",
    "margin_ranking_loss",
    "info_nce",
    "WeightedSumLoss",
    "UncertaintyWeightedLoss",
    "check",
    "dice_loss",
    "iou_loss",
    "tversky_loss",
    "bce_dice_loss",
    "ssim",
    "ssim_map",
    "ssim_loss",
    "ms_ssim",
    "LPIPS",
    "DISTS",
    "train_one_epoch",
    "evaluate",
    "fit",
    "History",
    "EMA",
    "accuracy",
    "warmup_cosine_lr",
    "warmup_cosine_schedule",
    "all_reduce_mean",
    "gaussian_nll_loss",
    "poisson_nll_loss",
    "hinge_embedding_loss",
    "soft_margin_loss",
    "multilabel_soft_margin_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "triplet_margin_with_distance_loss",
    "linear_cross_entropy",
]
__version__ = "0.1.0"

# the Modules, once the functions they wrap are here: lossedu.nn after `import lossedu`
from lossedu import nn as nn  # noqa: E402
