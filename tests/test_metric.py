"""Metric-learning losses against torch (values and gradients), InfoNCE against a by-hand sum."""

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from lossedu import cosine_embedding_loss, info_nce, margin_ranking_loss, triplet_margin_loss

TOLERANCE = {
    torch.float64: {"rtol": 1e-7, "atol": 1e-9},
    torch.float32: {"rtol": 2e-4, "atol": 1e-6},
}


def value_and_grads(fn, tensors, **kwargs):
    """fn's output and the gradients of a weighted sum of it with respect to ``tensors``."""
    leaves = [t.clone().requires_grad_() for t in tensors]
    out = fn(*leaves, **kwargs)
    weights = torch.linspace(0.5, 1.5, out.numel(), dtype=out.dtype).reshape(out.shape)
    (out * weights).sum().backward()
    return [out.detach()] + [leaf.grad for leaf in leaves]


def assert_same(ours, theirs, tensors, **kwargs):
    tol = TOLERANCE[tensors[0].dtype]
    got = value_and_grads(ours, tensors, **kwargs)
    expected = value_and_grads(theirs, tensors, **kwargs)
    for g, e in zip(got, expected, strict=True):
        torch.testing.assert_close(g, e, **tol)


def randn(*shape, dtype=torch.float64, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


# -- triplet --------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("shape", [(6, 5), (5,), (1, 3)])
@pytest.mark.parametrize("p", [1, 1.5, 2, 3, math.inf])
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_triplet_matches_torch(dtype, shape, p, swap, reduction):
    anchor, positive, negative = randn(3, *shape, dtype=dtype).unbind(0)
    for margin, eps in [(1.0, 1e-6), (0.5, 0.0), (2.0, 0.1)]:
        assert_same(triplet_margin_loss, F.triplet_margin_loss, [anchor, positive, negative],
                    margin=margin, p=p, eps=eps, swap=swap, reduction=reduction)


def test_triplet_swap_uses_the_closer_negative():
    anchor = torch.tensor([[0.0, 0.0]])
    positive = torch.tensor([[1.0, 0.0]])
    negative = torch.tensor([[2.0, 0.0]])  # 2 from the anchor, 1 from the positive
    plain = triplet_margin_loss(anchor, positive, negative, eps=0.0, reduction="none")
    swapped = triplet_margin_loss(anchor, positive, negative, eps=0.0, swap=True,
                                  reduction="none")
    torch.testing.assert_close(plain, torch.tensor([0.0]))  # 1 + 1 - 2
    torch.testing.assert_close(swapped, torch.tensor([1.0]))  # 1 + 1 - 1


def test_triplet_gradcheck():
    tensors = [t.requires_grad_() for t in randn(3, 4, 3, seed=1).unbind(0)]
    for p, swap in [(2, False), (1.5, True), (3, True)]:
        assert torch.autograd.gradcheck(
            lambda a, b, c, p=p, swap=swap: triplet_margin_loss(a, b, c, margin=3.0, p=p,
                                                                swap=swap),
            tensors,
        )


# -- cosine embedding ---------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("margin", [0.0, 0.3, -0.5])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("target_dtype", [torch.long, torch.float64])
def test_cosine_matches_torch(dtype, margin, reduction, target_dtype):
    x1, x2 = randn(2, 6, 4, dtype=dtype, seed=2).unbind(0)
    target = torch.tensor([1, -1, 1, -1, -1, 1], dtype=target_dtype)
    assert_same(lambda a, b, **k: cosine_embedding_loss(a, b, target, **k),
                lambda a, b, **k: F.cosine_embedding_loss(a, b, target, **k),
                [x1, x2], margin=margin, reduction=reduction)
    # unbatched: (D,) inputs with a 0-d target
    for label in (1, -1):
        assert_same(
            lambda a, b, k=label, **kw: cosine_embedding_loss(a, b, torch.tensor(k), **kw),
            lambda a, b, k=label, **kw: F.cosine_embedding_loss(a, b, torch.tensor(k), **kw),
            [x1[0], x2[0]], margin=margin, reduction=reduction,
        )


def test_cosine_eps_handling_matches_torch():
    # torch adds 1e-12 to each squared norm: a zero vector has cos 0, a tiny one is damped
    x1 = torch.tensor([[0.0, 0.0], [1e-7, 0.0], [3.0, 4.0], [1e-6, 1e-6]], dtype=torch.float64)
    x2 = torch.tensor([[1.0, 2.0], [1e-7, 0.0], [0.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
    target = torch.tensor([1, 1, -1, 1])
    assert_same(lambda a, b, **k: cosine_embedding_loss(a, b, target, **k),
                lambda a, b, **k: F.cosine_embedding_loss(a, b, target, **k),
                [x1, x2], reduction="none")
    loss = cosine_embedding_loss(x1, x2, target, reduction="none")
    assert loss[0] == 1.0  # cos(0, x) = 0
    assert 0.98 < loss[1] < 1.0  # cos = 1e-14 / (1e-14 + 1e-12), not 1


def test_cosine_gradcheck():
    x1, x2 = (t.requires_grad_() for t in randn(2, 5, 3, seed=3).unbind(0))
    target = torch.tensor([1, -1, -1, 1, -1])
    assert torch.autograd.gradcheck(
        lambda a, b: cosine_embedding_loss(a, b, target, margin=-0.9, reduction="sum"), (x1, x2)
    )


# -- margin ranking -----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("shape", [(7,), (2, 3), ()])
@pytest.mark.parametrize("margin", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_margin_ranking_matches_torch(dtype, shape, margin, reduction):
    x1, x2 = randn(2, *shape, dtype=dtype, seed=4).unbind(0)
    signs = torch.randint(0, 2, shape, generator=torch.Generator().manual_seed(5)) * 2 - 1
    for target in (signs, signs.to(dtype)):
        assert_same(lambda a, b, t=target, **k: margin_ranking_loss(a, b, t, **k),
                    lambda a, b, t=target, **k: F.margin_ranking_loss(a, b, t, **k),
                    [x1, x2], margin=margin, reduction=reduction)


def test_margin_ranking_at_the_hinge_matches_torch():
    # equal scores with margin 0 sit exactly on the hinge: both pass the gradient through
    x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    target = torch.tensor([1, -1, 1])
    assert_same(lambda a, b, **k: margin_ranking_loss(a, b, target, **k),
                lambda a, b, **k: F.margin_ranking_loss(a, b, target, **k), [x, x.clone()])


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 6), d=st.integers(1, 5), seed=st.integers(0, 2**16),
       margin=st.floats(0.01, 3.0), swap=st.booleans())
def test_triplet_and_cosine_match_torch_hypothesis(n, d, seed, margin, swap):
    a, b, c = randn(3, n, d, seed=seed).unbind(0)
    assert_same(triplet_margin_loss, F.triplet_margin_loss, [a, b, c], margin=margin, swap=swap)
    target = torch.randint(0, 2, (n,), generator=torch.Generator().manual_seed(seed)) * 2 - 1
    assert_same(lambda x, y, **k: cosine_embedding_loss(x, y, target, **k),
                lambda x, y, **k: F.cosine_embedding_loss(x, y, target, **k),
                [a, b], margin=margin - 1)


# -- InfoNCE / NT-Xent ----------------------------------------------------------------------


def info_nce_by_hand(z1, z2, temperature):
    """A double loop over the 2N embeddings, in Python floats."""
    z = [list(map(float, row)) for row in torch.cat([z1, z2])]
    count = len(z)

    def cos(u, v):
        dot = sum(a * b for a, b in zip(u, v, strict=True))
        return dot / (math.sqrt(sum(a * a for a in u)) * math.sqrt(sum(b * b for b in v)))

    losses = []
    for i in range(count):
        positive = (i + count // 2) % count
        denominator = sum(math.exp(cos(z[i], z[k]) / temperature) for k in range(count) if k != i)
        losses.append(-math.log(math.exp(cos(z[i], z[positive]) / temperature) / denominator))
    return torch.tensor(losses, dtype=torch.float64)


@pytest.mark.parametrize(("n", "d"), [(1, 3), (2, 2), (5, 4), (8, 16)])
@pytest.mark.parametrize("temperature", [0.05, 0.1, 0.5, 2.0])
def test_info_nce_by_hand(n, d, temperature):
    z1, z2 = randn(2, n, d, seed=n + d).unbind(0)
    expected = info_nce_by_hand(z1, z2, temperature)
    torch.testing.assert_close(info_nce(z1, z2, temperature, reduction="none"), expected,
                               rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(info_nce(z1, z2, temperature), expected.mean(), rtol=1e-10,
                               atol=1e-12)
    torch.testing.assert_close(info_nce(z1, z2, temperature, reduction="sum"), expected.sum(),
                               rtol=1e-10, atol=1e-12)


def test_info_nce_properties():
    z1, z2 = randn(2, 4, 3, seed=7).unbind(0)
    # scale-free (embeddings are normalised), symmetric in the two views, 0 for a single pair
    torch.testing.assert_close(info_nce(3 * z1, 0.5 * z2), info_nce(z1, z2))
    torch.testing.assert_close(info_nce(z2, z1), info_nce(z1, z2))
    assert info_nce(z1[:1], z2[:1]) == 0
    # equal to a cross-entropy over the similarities with the other view as the class
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    logits = (z @ z.T / 0.1).fill_diagonal_(-math.inf)
    classes = torch.tensor([4, 5, 6, 7, 0, 1, 2, 3])
    torch.testing.assert_close(info_nce(z1, z2), F.cross_entropy(logits, classes))


def test_info_nce_gradcheck():
    z1, z2 = (t.requires_grad_() for t in randn(2, 3, 4, seed=8).unbind(0))
    assert torch.autograd.gradcheck(lambda a, b: info_nce(a, b, temperature=0.5), (z1, z2))


# -- bad input ------------------------------------------------------------------------------


def test_bad_embeddings():
    a = torch.randn(4, 3)
    with pytest.raises(ValueError, match=r"one shape.*`anchor` \(4, 3\).*`negative` \(4, 2\)"):
        triplet_margin_loss(a, a, torch.randn(4, 2))
    with pytest.raises(ValueError, match=r"\(N, D\) or unbatched \(D,\), got \(2, 4, 3\)"):
        triplet_margin_loss(*torch.randn(3, 2, 4, 3))
    with pytest.raises(TypeError, match="`positive` to be a floating-point tensor"):
        triplet_margin_loss(a, a.long(), a)
    with pytest.raises(TypeError, match="`input2` to be a torch.Tensor"):
        cosine_embedding_loss(a, a.tolist(), torch.ones(4))
    with pytest.raises(ValueError, match=r"`input1` and `input2` of one shape, got \(3,\)"):
        margin_ranking_loss(torch.randn(3), torch.randn(4), torch.ones(3))
    with pytest.raises(ValueError, match=r"\(N, D\) with N >= 1, got \(3,\)"):
        info_nce(torch.randn(3), torch.randn(3))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"margin": 0.0}, "`margin` > 0"), ({"margin": -1.0}, "`margin` > 0"),
     ({"p": 0}, "`p` > 0"), ({"p": -2}, "`p` > 0"), ({"reduction": "avg"}, "reduction")],
)
def test_bad_triplet_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        triplet_margin_loss(*torch.randn(3, 2, 4), **kwargs)


def test_bad_targets():
    x = torch.randn(4, 3)
    with pytest.raises(ValueError, match=r"1 and -1 labels, got 0.*2 \* target - 1"):
        cosine_embedding_loss(x, x, torch.tensor([1, 0, 1, 1]))
    with pytest.raises(ValueError, match=r"`target` of shape \(4,\).*got \(4, 1\)"):
        cosine_embedding_loss(x, x, torch.ones(4, 1))
    with pytest.raises(ValueError, match=r"`target` of shape \(\)"):
        cosine_embedding_loss(x[0], x[0], torch.ones(1))
    with pytest.raises(ValueError, match="1 and -1 labels, got 2"):
        margin_ranking_loss(x, x, torch.full((4, 3), 2))
    with pytest.raises(ValueError, match=r"`target` of shape \(4, 3\)"):
        margin_ranking_loss(x, x, torch.ones(4))
    with pytest.raises(TypeError, match="`target` to be a torch.Tensor"):
        margin_ranking_loss(x, x, 1)


def test_bad_temperature():
    z = torch.randn(3, 2)
    for temperature in (0.0, -0.1):
        with pytest.raises(ValueError, match=f"`temperature` > 0, got {temperature}"):
            info_nce(z, z, temperature)
