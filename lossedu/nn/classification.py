"""Classification losses as Modules: NLL, cross-entropy, binary cross-entropy (on
probabilities and on logits), and the focal losses, multi-class and sigmoid."""

import torch

import lossedu
from lossedu._checks import check_fraction, check_not_legacy
from lossedu.nn._base import _Loss, _WeightedLoss, check_buffer


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices, given log-probabilities: ``-w_y x_y``.

    Wraps :func:`lossedu.nll_loss`; constructor and ``forward`` as ``torch.nn.NLLLoss``, with
    ``weight`` a buffer.
    """

    def __init__(self, weight: torch.Tensor | None = None, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        check_not_legacy("ignore_index", ignore_index)  # NLLLoss(w, None, ...): size_average
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return lossedu.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                                reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of logits against class indices or probabilities: log-softmax, then NLL.

    Wraps :func:`lossedu.cross_entropy`; constructor and ``forward`` as
    ``torch.nn.CrossEntropyLoss``, with ``weight`` a buffer.
    """

    def __init__(self, weight: torch.Tensor | None = None, ignore_index: int = -100,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        check_not_legacy("ignore_index", ignore_index)  # CrossEntropyLoss(w, None, ...)
        check_fraction("label_smoothing", label_smoothing)
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return lossedu.cross_entropy(input, target, weight=self.weight,
                                     ignore_index=self.ignore_index, reduction=self.reduction,
                                     label_smoothing=self.label_smoothing)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities: ``-w [y log x + (1 - y) log(1 - x)]``.

    Wraps :func:`lossedu.binary_cross_entropy`; constructor and ``forward`` as
    ``torch.nn.BCELoss``, with ``weight`` (broadcast to the input) a buffer.
    """

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return lossedu.binary_cross_entropy(input, target, weight=self.weight,
                                            reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of logits, ``-w [p y log σ(x) + (1 - y) log(1 - σ(x))]``, stable
    for any logit.

    Wraps :func:`lossedu.binary_cross_entropy_with_logits`; constructor and ``forward`` as
    ``torch.nn.BCEWithLogitsLoss``, with ``weight`` and ``pos_weight`` (p) buffers.
    """

    def __init__(self, weight: torch.Tensor | None = None, reduction: str = "mean",
                 pos_weight: torch.Tensor | None = None) -> None:
        super().__init__(reduction)
        self.register_buffer("weight", check_buffer("weight", weight))
        self.register_buffer("pos_weight", check_buffer("pos_weight", pos_weight))

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return lossedu.binary_cross_entropy_with_logits(
            input, target, weight=self.weight, reduction=self.reduction,
            pos_weight=self.pos_weight)


class FocalLoss(_WeightedLoss):
    """Multi-class focal loss (Lin et al., 2017): ``-w_y (1 - q_y)^gamma log q_y`` on logits.

    Wraps :func:`lossedu.focal_loss` (``gamma = 0`` is :class:`CrossEntropyLoss`), with
    ``weight`` a buffer as in :class:`CrossEntropyLoss`.
    """

    def __init__(self, gamma: float = 2.0, weight: torch.Tensor | None = None,
                 ignore_index: int = -100, reduction: str = "mean") -> None:
        check_not_legacy("ignore_index", ignore_index)
        super().__init__(weight, reduction)
        self.gamma = gamma
        self.ignore_index = ignore_index

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return lossedu.focal_loss(input, target, gamma=self.gamma, weight=self.weight,
                                  ignore_index=self.ignore_index, reduction=self.reduction)


class SigmoidFocalLoss(_Loss):
    """Binary / multi-label focal loss on logits, ``alpha_t (1 - p_t)^gamma BCE``, as
    ``torchvision.ops.sigmoid_focal_loss``.

    Wraps :func:`lossedu.sigmoid_focal_loss`, with its defaults: ``reduction='none'`` as in
    torchvision (pass ``'mean'`` to train on it), ``forward(inputs, targets)``.
    """

    def __init__(self, alpha: float = 0.25, gamma: float = 2, reduction: str = "none") -> None:
        super().__init__(reduction)
        self.alpha = alpha
        self.gamma = gamma

    def forward(self, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return lossedu.sigmoid_focal_loss(inputs, targets, alpha=self.alpha, gamma=self.gamma,
                                          reduction=self.reduction)
