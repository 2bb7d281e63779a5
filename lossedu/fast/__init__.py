"""lossedu's losses with their gradients written by hand (``torch.autograd.Function``), under
the same names and arguments as the readable forms in :mod:`lossedu`, tested equal to them and
to torch. Each docstring states the gradient it implements."""

from lossedu.fast.sequence import ctc_loss
from lossedu.fast.ssim import ms_ssim, ssim, ssim_loss, ssim_map
