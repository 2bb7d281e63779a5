"""The exercises, by id: the name of the lossedu function each one asks for, in the order of
the course."""

from lossedu.exercises import (
    binary,
    classification,
    information,
    likelihood,
    margin,
    metric,
    regression,
    sequence,
    training,
    vision,
)
from lossedu.exercises.spec import Exercise

_ALL = {e.id: e for module in (regression, likelihood, classification, binary, information,
                               metric, margin, sequence, vision, training)
        for e in module.EXERCISES}
ORDER = ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "gaussian_nll_loss",
         "poisson_nll_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
         "binary_cross_entropy_with_logits", "kl_div", "entropy", "sigmoid_focal_loss",
         "triplet_margin_loss", "cosine_embedding_loss", "hinge_embedding_loss",
         "multi_margin_loss", "ctc_loss", "dice_loss", "ssim", "accumulate_and_clip",
         "log_softmax", "loss_at_init")
EXERCISES: dict[str, Exercise] = {name: _ALL[name] for name in ORDER}
