"""Benchmark cases for CTC (T = 200, N = 32, C = 40, targets up to 60) and the metric losses."""

import math

import torch
import torch.nn.functional as F

import lossedu
from benchmarks.harness import Case, size
from lossedu import fast


def _ctc(device):
    g = torch.Generator().manual_seed(0)
    T, N, C, S = size(200, 12), size(32, 2), size(40, 5), size(60, 4)
    log_probs = torch.randn(T, N, C, generator=g).log_softmax(2).to(device).requires_grad_()
    targets = torch.randint(1, C, (N, S), generator=g).to(device)
    input_lengths = torch.full((N,), T, device=device)
    target_lengths = torch.randint(S // 2, S + 1, (N,), generator=g).to(device)
    return log_probs, targets, input_lengths, target_lengths


def _triplets(device):
    g = torch.Generator().manual_seed(0)
    shape = size(4096, 8), size(256, 4)
    return tuple(torch.randn(shape, generator=g).to(device).requires_grad_() for _ in range(3))


def _pairs(device):
    g = torch.Generator().manual_seed(0)
    n, d = size(4096, 8), size(256, 4)
    x1 = torch.randn(n, d, generator=g).to(device).requires_grad_()
    x2 = torch.randn(n, d, generator=g).to(device).requires_grad_()
    y = (torch.randint(0, 2, (n,), generator=g) * 2 - 1).to(device)
    return x1, x2, y


def _scores(device):
    g = torch.Generator().manual_seed(0)
    n = size(4 * 1024 * 1024, 64)
    x1 = torch.randn(n, generator=g).to(device).requires_grad_()
    x2 = torch.randn(n, generator=g).to(device).requires_grad_()
    y = (torch.randint(0, 2, (n,), generator=g) * 2 - 1).to(device)
    return x1, x2, y


def _views(device):
    g = torch.Generator().manual_seed(0)
    shape = size(1024, 8), size(128, 4)
    return tuple(torch.randn(shape, generator=g).to(device).requires_grad_() for _ in range(2))


def _nt_xent(z1, z2, temperature=0.1):
    """torch has no InfoNCE: the usual composition, a cross-entropy over the similarities."""
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    logits = (z @ z.T / temperature).fill_diagonal_(-math.inf)
    n = z1.shape[0]
    return F.cross_entropy(logits, torch.arange(2 * n, device=z.device).add(n).remainder(2 * n))


CASES = [
    *(Case(f"ctc_loss ({n} thread{'s' if n > 1 else ''})", _ctc, lossedu.ctc_loss, F.ctc_loss,
           fast.ctc_loss, threads=n) for n in (1, 2)),
    Case("triplet_margin_loss", _triplets, lossedu.triplet_margin_loss, F.triplet_margin_loss),
    Case("cosine_embedding_loss", _pairs, lossedu.cosine_embedding_loss, F.cosine_embedding_loss),
    Case("margin_ranking_loss", _scores, lossedu.margin_ranking_loss, F.margin_ranking_loss),
    Case("info_nce (vs F.cross_entropy composition)", _views, lossedu.info_nce, _nt_xent),
]
