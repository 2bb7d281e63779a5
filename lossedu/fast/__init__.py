"""The losses with their gradients written by hand (``torch.autograd.Function``), under the
same names and arguments as ``lossedu``'s readable forms, and tested equal to them."""

from lossedu.fast.binary import binary_cross_entropy, binary_cross_entropy_with_logits
from lossedu.fast.classification import cross_entropy, focal_loss, nll_loss
from lossedu.fast.information import log_softmax, softmax
from lossedu.fast.regression import huber_loss, l1_loss, mse_loss, smooth_l1_loss
