"""lossedu's losses with their gradients written by hand (``torch.autograd.Function``), under
the same names and arguments as the readable forms in :mod:`lossedu`, tested equal to them and
to torch. Each docstring states the gradient it implements."""

from lossedu.fast.binary import binary_cross_entropy, binary_cross_entropy_with_logits
from lossedu.fast.classification import cross_entropy, focal_loss, nll_loss
from lossedu.fast.information import log_softmax, softmax
from lossedu.fast.regression import huber_loss, l1_loss, mse_loss, smooth_l1_loss
from lossedu.fast.sequence import ctc_loss
from lossedu.fast.ssim import ms_ssim, ssim, ssim_loss, ssim_map
