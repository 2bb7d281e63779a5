"""Sequence losses as Modules: connectionist temporal classification (CTC)."""

import torch

import lossedu
from lossedu.nn._base import _Loss


class CTCLoss(_Loss):
    """CTC: the negative log-probability of a target sequence, summed over every alignment of
    it to the input frames (with blanks and repeats).

    Wraps :func:`lossedu.ctc_loss`; constructor and
    ``forward(log_probs, targets, input_lengths, target_lengths)`` as ``torch.nn.CTCLoss``.
    """

    def __init__(self, blank: int = 0, reduction: str = "mean",
                 zero_infinity: bool = False) -> None:
        super().__init__(reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs: torch.Tensor, targets: torch.Tensor,
                input_lengths: torch.Tensor, target_lengths: torch.Tensor) -> torch.Tensor:
        return lossedu.ctc_loss(log_probs, targets, input_lengths, target_lengths,
                                blank=self.blank, reduction=self.reduction,
                                zero_infinity=self.zero_infinity)
