"""peak_bytes: the peak of what a computation allocates, counted the same on every run."""

import torch

from lossedu.profiling import peak_bytes

MiB = 2**20


def test_the_peak_is_what_is_alive_at_once_not_the_total_allocated():
    def one_after_another():
        for _ in range(4):
            torch.ones(MiB // 4)  # 1 MiB each, freed before the next one

    def all_at_once():
        kept = [torch.ones(MiB // 4) for _ in range(4)]
        return kept

    assert peak_bytes(one_after_another) == MiB
    assert peak_bytes(all_at_once) == 4 * MiB


def test_what_existed_before_does_not_count_and_the_count_repeats():
    before = torch.ones(4 * MiB // 4)
    x = torch.randn(256, 64, requires_grad=True)

    def step():
        (x @ x.T).logsumexp(1).sum().backward()

    counts = set()
    for _ in range(3):
        x.grad = None
        counts.add(peak_bytes(step))
    assert len(counts) == 1
    (peak,) = counts
    assert 256 * 256 * 4 <= peak < 4 * MiB  # the (256, 256) product, not `before`
    assert before.numel() == MiB


def test_the_logits_of_a_linear_layer_and_cross_entropy_dominate_its_peak():
    N, D, V = 64, 8, 1000
    h = torch.randn(N, D, requires_grad=True)
    W = torch.randn(V, D, requires_grad=True)
    y = torch.randint(V, (N,))

    def step():
        torch.nn.functional.cross_entropy(h @ W.T, y).backward()

    logits = N * V * 4
    assert 2 * logits <= peak_bytes(step) <= 4 * logits
