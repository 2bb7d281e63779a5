"""lossedu: deep-learning loss functions written from scratch, equal to torch.nn.functional.

Every loss torch has keeps torch's name, argument names, order and defaults.
"""

from lossedu.regression import mse_loss

__all__ = ["mse_loss"]
__version__ = "0.1.0"
