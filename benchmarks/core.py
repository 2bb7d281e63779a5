"""Benchmark cases for the core losses: 4M elements elementwise, 4096 x 1000 for classes."""

import torch
import torch.nn.functional as F

import lossedu
from benchmarks.harness import Case, size
from lossedu import fast


def _elements() -> int:
    return size(4 * 1024 * 1024, 64)


def _shape() -> tuple[int, int]:
    """(N, C) of the class-index cases."""
    return size(4096, 8), size(1000, 5)


def _pair(device):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(_elements(), generator=g).to(device).requires_grad_()
    y = torch.randn(_elements(), generator=g).to(device)
    return x, y


def _probabilities(device):
    g = torch.Generator().manual_seed(0)
    p = torch.rand(_elements(), generator=g).clamp(0.01, 0.99).to(device).requires_grad_()
    y = (torch.rand(_elements(), generator=g) > 0.5).float().to(device)
    return p, y


def _classes(device):
    g = torch.Generator().manual_seed(0)
    N, C = _shape()
    x = torch.randn(N, C, generator=g).to(device).requires_grad_()
    t = torch.randint(0, C, (N,), generator=g).to(device)
    return x, t


def _log_probs(device):
    x, t = _classes(device)
    return x.detach().log_softmax(1).requires_grad_(), t


def _kl(device):
    x, _ = _log_probs(device)
    p = torch.rand(x.shape, generator=torch.Generator().manual_seed(1)).softmax(1).to(device)
    return x, p


def _logits(device):
    x, _ = _classes(device)
    return (x,)


def _focal(input, target, gamma=2.0):
    """torch has no multi-class focal loss: -(1 - q)^gamma log q at the target, composed."""
    log_q = F.log_softmax(input, 1).gather(1, target[:, None]).squeeze(1)  # (N,)
    return (-(1 - log_q.exp()) ** gamma * log_q).mean()


def _logits_of(y):
    return y.sigmoid()


CASES = [
    Case("mse_loss", _pair, lossedu.mse_loss, F.mse_loss, fast.mse_loss),
    Case("l1_loss", _pair, lossedu.l1_loss, F.l1_loss, fast.l1_loss),
    Case("smooth_l1_loss", _pair, lossedu.smooth_l1_loss, F.smooth_l1_loss, fast.smooth_l1_loss),
    Case("huber_loss", _pair, lossedu.huber_loss, F.huber_loss, fast.huber_loss),
    Case("binary_cross_entropy", _probabilities, lossedu.binary_cross_entropy,
         F.binary_cross_entropy, fast.binary_cross_entropy),
    Case("binary_cross_entropy_with_logits", _pair,
         lambda x, y: lossedu.binary_cross_entropy_with_logits(x, _logits_of(y)),
         lambda x, y: F.binary_cross_entropy_with_logits(x, _logits_of(y)),
         lambda x, y: fast.binary_cross_entropy_with_logits(x, _logits_of(y))),
    Case("cross_entropy", _classes, lossedu.cross_entropy, F.cross_entropy, fast.cross_entropy),
    Case("nll_loss", _log_probs, lossedu.nll_loss, F.nll_loss, fast.nll_loss),
    Case("focal_loss (vs F composition)", _classes, lossedu.focal_loss, _focal, fast.focal_loss),
    Case("softmax", _logits, lambda x: lossedu.softmax(x, 1).square().sum(),
         lambda x: F.softmax(x, 1).square().sum(), lambda x: fast.softmax(x, 1).square().sum()),
    Case("log_softmax", _logits, lambda x: lossedu.log_softmax(x, 1).square().sum(),
         lambda x: F.log_softmax(x, 1).square().sum(),
         lambda x: fast.log_softmax(x, 1).square().sum()),
    Case("kl_div (batchmean)", _kl, lambda x, p: lossedu.kl_div(x, p, reduction="batchmean"),
         lambda x, p: F.kl_div(x, p, reduction="batchmean")),
]
