"""Benchmark cases for CTC (T = 200, N = 32, C = 40, targets up to 60) and the metric losses."""

import torch
import torch.nn.functional as F

import lossedu
from benchmarks.harness import Case

T, N, C, S = 200, 32, 40, 60


def _ctc(device):
    g = torch.Generator().manual_seed(0)
    log_probs = torch.randn(T, N, C, generator=g).log_softmax(2).to(device).requires_grad_()
    targets = torch.randint(1, C, (N, S), generator=g).to(device)
    input_lengths = torch.full((N,), T, device=device)
    target_lengths = torch.randint(30, S + 1, (N,), generator=g).to(device)
    return log_probs, targets, input_lengths, target_lengths


def _triplets(device):
    g = torch.Generator().manual_seed(0)
    return tuple(torch.randn(4096, 256, generator=g).to(device).requires_grad_() for _ in range(3))


def _pairs(device):
    g = torch.Generator().manual_seed(0)
    x1 = torch.randn(4096, 256, generator=g).to(device).requires_grad_()
    x2 = torch.randn(4096, 256, generator=g).to(device).requires_grad_()
    y = (torch.randint(0, 2, (4096,), generator=g) * 2 - 1).to(device)
    return x1, x2, y


CASES = [
    Case("ctc_loss", _ctc, lossedu.ctc_loss, F.ctc_loss),
    Case("triplet_margin_loss", _triplets, lossedu.triplet_margin_loss, F.triplet_margin_loss),
    Case("cosine_embedding_loss", _pairs, lossedu.cosine_embedding_loss, F.cosine_embedding_loss),
]
