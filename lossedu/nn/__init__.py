"""lossedu.nn: a Module for every loss Module torch has, and for lossedu's own losses.

Each Module is a thin wrapper over the readable lossedu function of its name: torch's class
name, constructor arguments, defaults and ``forward`` arguments, class weights registered as
buffers (a torch loss's ``state_dict`` loads into lossedu's and back), torch's ``repr``.
Everything that is not a loss (``Module``, ``Linear``, ``Sequential``, ``ReLU``...) is
torch.nn's own, so ``import lossedu.nn as nn`` in place of ``import torch.nn as nn`` runs a
script unchanged, its losses computed by lossedu.

Left out: torch's deprecated ``size_average`` / ``reduce`` (a call that passes them, by name or
by position, fails saying which ``reduction`` they meant) and ``NLLLoss2d`` (deprecated;
:class:`NLLLoss` takes (N, C, H, W) inputs).

Example:
    >>> import torch
    >>> import lossedu.nn as nn
    >>> loss = nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0]))
    >>> loss, list(loss.state_dict())
    (CrossEntropyLoss(), ['weight'])
    >>> loss(torch.tensor([[1.0, 2.0], [1.0, 3.0]]), torch.tensor([0, 1]))
    tensor(0.5224)
"""

import torch

from lossedu.deep_features import DISTS, LPIPS
from lossedu.multitask import UncertaintyWeightedLoss, WeightedSumLoss
from lossedu.nn.classification import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    FocalLoss,
    NLLLoss,
    SigmoidFocalLoss,
)
from lossedu.nn.information import KLDivLoss, LogSoftmax, Softmax
from lossedu.nn.linear_cross_entropy import LinearCrossEntropyLoss
from lossedu.nn.margin import (
    HingeEmbeddingLoss,
    MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    SoftMarginLoss,
)
from lossedu.nn.metric import (
    CosineEmbeddingLoss,
    InfoNCELoss,
    MarginRankingLoss,
    PairwiseDistance,
    TripletMarginLoss,
    TripletMarginWithDistanceLoss,
)
from lossedu.nn.regression import (
    GaussianNLLLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    PoissonNLLLoss,
    SmoothL1Loss,
)
from lossedu.nn.segmentation import (
    BCEDiceLoss,
    DiceLoss,
    IoULoss,
    MSSSIMLoss,
    SSIMLoss,
    TverskyLoss,
)
from lossedu.nn.sequence import CTCLoss

__all__ = [
    # torch.nn's loss Modules, in the order of torch/nn/modules/loss.py, then the three
    # other Modules they use: Softmax, LogSoftmax, PairwiseDistance
    "L1Loss",
    "NLLLoss",
    "PoissonNLLLoss",
    "GaussianNLLLoss",
    "KLDivLoss",
    "MSELoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "HingeEmbeddingLoss",
    "MultiLabelMarginLoss",
    "SmoothL1Loss",
    "HuberLoss",
    "SoftMarginLoss",
    "CrossEntropyLoss",
    "LinearCrossEntropyLoss",
    "MultiLabelSoftMarginLoss",
    "CosineEmbeddingLoss",
    "MarginRankingLoss",
    "MultiMarginLoss",
    "TripletMarginLoss",
    "TripletMarginWithDistanceLoss",
    "CTCLoss",
    "Softmax",
    "LogSoftmax",
    "PairwiseDistance",
    # lossedu's own losses, which torch lacks (from FocalLoss on)
    "FocalLoss",
    "SigmoidFocalLoss",
    "DiceLoss",
    "IoULoss",
    "TverskyLoss",
    "BCEDiceLoss",
    "SSIMLoss",
    "MSSSIMLoss",
    "InfoNCELoss",
    "WeightedSumLoss",
    "UncertaintyWeightedLoss",
    "LPIPS",
    "DISTS",
]
TORCH_MODULES = tuple(__all__[: __all__.index("FocalLoss")])
OWN_MODULES = tuple(__all__[__all__.index("FocalLoss") :])


def __getattr__(name: str):
    """What lossedu.nn does not define, torch.nn's layers, containers and ``Module``; but no
    loss: a torch loss that lossedu lacks is an error, not torch's computing unnoticed."""
    if name.startswith("_") or "Loss" in name or not hasattr(torch.nn, name):
        hint = (": torch deprecated it; NLLLoss takes (N, C, H, W) inputs" if name == "NLLLoss2d"
                else "")
        raise AttributeError(f"module 'lossedu.nn' has no attribute {name!r}{hint}")
    return getattr(torch.nn, name)
