"""Benchmark cases for the core losses: 4M elements elementwise, 4096 x 1000 for classes."""

import torch
import torch.nn.functional as F

import lossedu
from benchmarks.harness import Case

ELEMENTS = 4 * 1024 * 1024
N, C = 4096, 1000


def _pair(device):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(ELEMENTS, generator=g).to(device).requires_grad_()
    y = torch.randn(ELEMENTS, generator=g).to(device)
    return x, y


def _probabilities(device):
    g = torch.Generator().manual_seed(0)
    p = torch.rand(ELEMENTS, generator=g).clamp(0.01, 0.99).to(device).requires_grad_()
    y = (torch.rand(ELEMENTS, generator=g) > 0.5).float().to(device)
    return p, y


def _classes(device):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(N, C, generator=g).to(device).requires_grad_()
    t = torch.randint(0, C, (N,), generator=g).to(device)
    return x, t


def _log_probs(device):
    x, t = _classes(device)
    return x.detach().log_softmax(1).requires_grad_(), t


def _kl(device):
    x, _ = _log_probs(device)
    p = torch.rand(N, C, generator=torch.Generator().manual_seed(1)).softmax(1).to(device)
    return x, p


CASES = [
    Case("mse_loss", _pair, lossedu.mse_loss, F.mse_loss),
    Case("l1_loss", _pair, lossedu.l1_loss, F.l1_loss),
    Case("smooth_l1_loss", _pair, lossedu.smooth_l1_loss, F.smooth_l1_loss),
    Case("huber_loss", _pair, lossedu.huber_loss, F.huber_loss),
    Case("binary_cross_entropy", _probabilities, lossedu.binary_cross_entropy,
         F.binary_cross_entropy),
    Case("binary_cross_entropy_with_logits", _pair,
         lambda x, y: lossedu.binary_cross_entropy_with_logits(x, y.sigmoid()),
         lambda x, y: F.binary_cross_entropy_with_logits(x, y.sigmoid())),
    Case("cross_entropy", _classes, lossedu.cross_entropy, F.cross_entropy),
    Case("nll_loss", _log_probs, lossedu.nll_loss, F.nll_loss),
    Case("kl_div (batchmean)", _kl, lambda x, p: lossedu.kl_div(x, p, reduction="batchmean"),
         lambda x, p: F.kl_div(x, p, reduction="batchmean")),
]
