"""triplet_margin_with_distance_loss against torch.nn.functional: every distance, margin, swap,
reduction, shape and dtype; errors."""

import pytest
import torch
import torch.nn.functional as F
from parity import assert_parity

import lossedu


def l1_distance(x, y):
    return (x - y).abs().sum(-1)


def cosine_distance(x, y):
    return 1 - F.cosine_similarity(x, y, dim=-1)


DISTANCES = [None, torch.pairwise_distance, l1_distance, cosine_distance]
SHAPES = [((5, 4),) * 3, ((4,),) * 3, ((0, 4),) * 3, ((5, 4), (5, 4), (1, 4))]


def embeddings(shapes, dtype):
    g = torch.Generator().manual_seed(0)
    return [torch.randn(shape, generator=g, dtype=torch.float64).to(dtype) for shape in shapes]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.bfloat16])
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("distance", DISTANCES, ids=lambda d: getattr(d, "__name__", "None"))
@pytest.mark.parametrize("margin", [1.0, 0.3])
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_matches_torch(dtype, shapes, distance, margin, swap, reduction):
    anchor, positive, negative = embeddings(shapes, dtype)
    assert_parity(lossedu.triplet_margin_with_distance_loss, F.triplet_margin_with_distance_loss,
                  anchor, positive, negative, grad=(0, 1, 2), distance_function=distance,
                  margin=margin, swap=swap, reduction=reduction)


def test_default_distance_is_the_triplet_margin_loss():
    anchor, positive, negative = embeddings(((6, 3),) * 3, torch.float64)
    torch.testing.assert_close(
        lossedu.triplet_margin_with_distance_loss(anchor, positive, negative, swap=True),
        lossedu.triplet_margin_loss(anchor, positive, negative, swap=True))


def test_options_are_keyword_only_as_in_torch():
    anchor, positive, negative = embeddings(((2, 3),) * 3, torch.float32)
    with pytest.raises(TypeError, match="positional"):
        lossedu.triplet_margin_with_distance_loss(anchor, positive, negative, l1_distance)


def test_errors():
    a, p, n = embeddings(((2, 3),) * 3, torch.float32)
    with pytest.raises(ValueError, match=r"`margin` > 0, got 0"):
        lossedu.triplet_margin_with_distance_loss(a, p, n, margin=0)
    with pytest.raises(ValueError, match=r"same number of dimensions.*`negative` \(3,\)"):
        lossedu.triplet_margin_with_distance_loss(a, p, n[0])
    with pytest.raises(TypeError, match="`distance_function` to be callable.*got str"):
        lossedu.triplet_margin_with_distance_loss(a, p, n, distance_function="cosine")
    with pytest.raises(TypeError, match="`anchor` to be a floating-point tensor"):
        lossedu.triplet_margin_with_distance_loss(a.long(), p, n)
    with pytest.raises(ValueError, match="`reduction` to be one of"):
        lossedu.triplet_margin_with_distance_loss(a, p, n, reduction="avg")


def test_gradcheck():
    a, p, n = (t.requires_grad_() for t in embeddings(((3, 4),) * 3, torch.float64))
    for distance in DISTANCES:
        assert torch.autograd.gradcheck(lambda x, y, z, d=distance: (
            lossedu.triplet_margin_with_distance_loss(x, y, z, distance_function=d, swap=True)),
            (a, p, n))
