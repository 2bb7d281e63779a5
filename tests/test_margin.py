"""lossedu.margin against torch.nn.functional: values and gradients for every option, shape and
dtype; errors."""

import pytest
import torch
import torch.nn.functional as F
from parity import assert_parity

import lossedu

REDUCTIONS = ["none", "mean", "sum"]
FLOATS = [torch.float64, torch.float32]


def randn(*shape, dtype=torch.float64, seed=0):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def signs(*shape, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 2, shape, generator=g).mul(2).sub(1).double()


# hinge embedding and soft margin: +1 / -1 labels of the input's shape

@pytest.mark.parametrize("dtype", [*FLOATS, torch.bfloat16])
@pytest.mark.parametrize("shape", [(), (7,), (4, 3), (2, 3, 4), (0,)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.5, -0.2])
def test_hinge_embedding_matches_torch(dtype, shape, reduction, margin):
    x = randn(*shape, dtype=dtype)
    if x.numel():
        x.view(-1)[0] = margin  # margin - x = 0: where the hinge bends
    y = signs(*shape).to(dtype)
    assert_parity(lossedu.hinge_embedding_loss, F.hinge_embedding_loss, x, y, margin,
                  reduction=reduction)


@pytest.mark.parametrize("dtype", [*FLOATS, torch.bfloat16])
@pytest.mark.parametrize("shape", [(), (7,), (4, 3), (2, 3, 4), (0,)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_matches_torch(dtype, shape, reduction):
    x, y = randn(*shape, dtype=dtype) * 4, signs(*shape).to(dtype)
    assert_parity(lossedu.soft_margin_loss, F.soft_margin_loss, x, y, reduction=reduction)


def test_soft_margin_stays_finite_where_torch_overflows():
    x, y = torch.tensor([100.0, -100.0]), torch.tensor([-1.0, 1.0])
    assert F.soft_margin_loss(x, y, reduction="none").isinf().all()  # log1p(exp(100))
    torch.testing.assert_close(lossedu.soft_margin_loss(x, y, reduction="none"),
                               torch.tensor([100.0, 100.0]))


@pytest.mark.parametrize("loss", [lossedu.hinge_embedding_loss, lossedu.soft_margin_loss])
def test_signs_errors(loss):
    x = torch.zeros(3)
    with pytest.raises(ValueError, match=r"1 and -1 labels, got 0\.0.*2 \* target - 1"):
        loss(x, torch.tensor([1.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match=r"`target` of the input's shape \(3,\).*got \(3, 1\)"):
        loss(x, torch.ones(3, 1))
    with pytest.raises(TypeError, match="`input` to be a floating-point tensor"):
        loss(torch.zeros(3, dtype=torch.long), torch.ones(3))
    with pytest.raises(TypeError, match="`target` to be a torch.Tensor, got list"):
        loss(x, [1, 1, 1])
    with pytest.raises(ValueError, match="`reduction` to be one of"):
        loss(x, torch.ones(3), reduction="avg")


# multi-label soft margin: 0/1 (or soft) labels per class, a weight per class

@pytest.mark.parametrize("dtype", [*FLOATS, torch.bfloat16])
@pytest.mark.parametrize("shape", [(5,), (4, 5), (0, 5), (2, 3, 5)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("soft", [False, True])
def test_multilabel_soft_margin_matches_torch(dtype, shape, reduction, weighted, soft):
    x = randn(*shape, dtype=dtype) * 3
    y = torch.rand(shape, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    y = (y if soft else (y > 0.5).double()).to(dtype)
    weight = torch.rand(5, dtype=dtype) + 0.5 if weighted else None
    assert_parity(lossedu.multilabel_soft_margin_loss, F.multilabel_soft_margin_loss, x, y,
                  weight, grad=(0, 1, 2) if weighted else (0, 1), reduction=reduction)


def test_multilabel_soft_margin_errors():
    x = torch.zeros(2, 3)
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\], got -1.0.*\+ 1\) / 2"):
        lossedu.multilabel_soft_margin_loss(x, torch.tensor([[1.0, -1.0, 1.0]] * 2))
    with pytest.raises(ValueError, match=r"one entry per class, shape \(3,\), got \(2, 3\)"):
        lossedu.multilabel_soft_margin_loss(x, torch.ones(2, 3), torch.ones(2, 3))
    with pytest.raises(ValueError, match=r"`target` of the input's shape \(2, 3\).*got \(2,\)"):
        lossedu.multilabel_soft_margin_loss(x, torch.ones(2))
    with pytest.raises(ValueError, match="got a scalar"):
        lossedu.multilabel_soft_margin_loss(torch.tensor(1.0), torch.tensor(1.0))


# multi-class margin: class indices, p, margin, weight

def scores(shape, dtype, seed=0):
    """Scores on a grid of halves, so that margin - x_y + x_i is often exactly 0 (a tie)."""
    return (randn(*shape, seed=seed) * 2).round().div(2).to(dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(5,), (1, 5), (6, 5), (0, 5)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("margin", [1.0, 0.5, 0.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin_matches_torch(dtype, shape, reduction, p, margin, weighted):
    x = scores(shape, dtype)
    y = torch.tensor(2) if len(shape) == 1 else torch.arange(shape[0]) % 5
    weight = torch.rand(5, dtype=dtype) + 0.5 if weighted else None
    if shape[0] == 0 and reduction != "none":  # torch reduces uninitialised memory here
        ours = lossedu.multi_margin_loss(x, y, p, margin, weight, reduction)
        assert ours.isnan() if reduction == "mean" else ours == 0
        return
    assert_parity(lossedu.multi_margin_loss, F.multi_margin_loss, x, y, p, margin, weight,
                  reduction=reduction)  # torch has no gradient for weight here


def test_multi_margin_unbatched_target_of_shape_one():
    x = scores((5,), torch.float64)
    assert_parity(lossedu.multi_margin_loss, F.multi_margin_loss, x, torch.tensor([3]),
                  reduction="none")


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_multi_margin_low_precision_close_to_float32(dtype):
    """torch has no CPU kernel for these; lossedu computes them."""
    x, y = randn(6, 5), torch.arange(6) % 5
    ours = lossedu.multi_margin_loss(x.to(dtype), y)
    assert ours.dtype == dtype
    torch.testing.assert_close(ours.float(), F.multi_margin_loss(x.to(dtype).float(), y),
                               rtol=1e-2, atol=1e-2)


def test_multi_margin_errors():
    x = torch.zeros(2, 3)
    with pytest.raises(ValueError, match=r"`p` 1 or 2.*got 3"):
        lossedu.multi_margin_loss(x, torch.tensor([0, 1]), p=3)
    with pytest.raises(ValueError, match=r"in \[0, 2\], got 3.*target - 1"):
        lossedu.multi_margin_loss(x, torch.tensor([0, 3]))
    with pytest.raises(TypeError, match="torch.int64.*got torch.int32"):
        lossedu.multi_margin_loss(x, torch.tensor([0, 1], dtype=torch.int32))
    with pytest.raises(ValueError, match=r"shape \(2,\), got \(2, 1\)"):
        lossedu.multi_margin_loss(x, torch.tensor([[0], [1]]))
    with pytest.raises(ValueError, match=r"\(C\) or \(N, C\), got \(2, 3, 1\)"):
        lossedu.multi_margin_loss(torch.zeros(2, 3, 1), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"shape \(3,\), got \(1, 3\)"):
        lossedu.multi_margin_loss(x, torch.tensor([0, 1]), weight=torch.ones(1, 3))


# multi-label margin: target classes first, then -1

MULTILABEL_TARGETS = [
    [3, 0, -1, 1, 2],  # two targets; what follows the -1 is not read
    [1, 1, -1, 0, 0],  # a class listed twice counts twice, as in torch
    [-1, 2, 2, 2, 2],  # no target at all
    [4, 3, 2, 1, 0],  # every class a target
    [2, -1, -1, -1, -1],
    [0, 4, 2, -1, 3],
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("rows", [1, 6, 0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_matches_torch(dtype, rows, reduction):
    x = scores((rows, 5), dtype, seed=3)
    y = torch.tensor(MULTILABEL_TARGETS[:rows], dtype=torch.long).reshape(rows, 5)
    if rows == 0 and reduction != "none":  # torch reduces uninitialised memory here
        ours = lossedu.multilabel_margin_loss(x, y, reduction)
        assert ours.isnan() if reduction == "mean" else ours == 0
        return
    assert_parity(lossedu.multilabel_margin_loss, F.multilabel_margin_loss, x, y,
                  reduction=reduction)


@pytest.mark.parametrize("target", MULTILABEL_TARGETS)
def test_multilabel_margin_unbatched(target):
    assert_parity(lossedu.multilabel_margin_loss, F.multilabel_margin_loss,
                  scores((5,), torch.float64), torch.tensor(target), reduction="none")


def test_multilabel_margin_errors():
    x = torch.zeros(2, 3)
    with pytest.raises(ValueError, match=r"in \[-1, 2\], got -2"):
        lossedu.multilabel_margin_loss(x, torch.tensor([[0, -2, 1], [0, -1, 1]]))
    with pytest.raises(ValueError, match=r"in \[-1, 2\], got 3"):
        lossedu.multilabel_margin_loss(x, torch.tensor([[0, -1, 3], [0, -1, 1]]))
    with pytest.raises(ValueError, match=r"input's shape \(2, 3\).*got \(2,\)"):
        lossedu.multilabel_margin_loss(x, torch.tensor([0, 1]))
    with pytest.raises(TypeError, match="torch.int64"):
        lossedu.multilabel_margin_loss(x, torch.zeros(2, 3))


# what every margin loss shares

LEGACY_CALLS = [  # torch's positional size_average / reduce landing on lossedu's arguments
    (lossedu.hinge_embedding_loss, (torch.zeros(3), torch.ones(3), 1.0, None)),
    (lossedu.soft_margin_loss, (torch.zeros(3), torch.ones(3), None)),
    (lossedu.multilabel_soft_margin_loss, (torch.zeros(1, 3), torch.ones(1, 3), None, True)),
    (lossedu.multi_margin_loss, (torch.zeros(1, 3), torch.tensor([0]), 1, 1.0, None, None)),
    (lossedu.multilabel_margin_loss, (torch.zeros(1, 3), torch.tensor([[0, -1, 0]]), None)),
]


@pytest.mark.parametrize("loss, args", LEGACY_CALLS, ids=lambda v: getattr(v, "__name__", ""))
def test_old_positional_size_average_fails_saying_so(loss, args):
    with pytest.raises(TypeError, match="deprecated `size_average` / `reduce`"):
        loss(*args)
    with pytest.raises(TypeError, match="positional arguments.*size_average"):
        loss(*args, None, "mean", None)


UNDER_AUTOCAST = [  # the ones torch runs in float32 under autocast
    ("hinge_embedding_loss", lambda x: (x, signs(6, 5).float())),
    ("soft_margin_loss", lambda x: (x, signs(6, 5).float())),
    ("multi_margin_loss", lambda x: (x, torch.arange(6) % 5)),
    ("multilabel_margin_loss", lambda x: (x, torch.tensor(MULTILABEL_TARGETS))),
]


@pytest.mark.parametrize("name, make", UNDER_AUTOCAST, ids=[n for n, _ in UNDER_AUTOCAST])
def test_under_autocast_float32_as_torch(name, make):
    x = randn(6, 5, dtype=torch.float32).bfloat16()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        ours, theirs = getattr(lossedu, name)(*make(x)), getattr(F, name)(*make(x))
    assert ours.dtype == theirs.dtype == torch.float32
    torch.testing.assert_close(ours, theirs)


def test_gradcheck():
    x = randn(3, 4).requires_grad_()
    y = torch.tensor([0, 3, 1])
    w = (torch.rand(4, dtype=torch.float64) + 0.5).requires_grad_()
    for p in (1, 2):
        assert torch.autograd.gradcheck(
            lambda a, b, p=p: lossedu.multi_margin_loss(a, y, p=p, weight=b), (x, w))
    target = torch.tensor([[1, 2, -1, 0]] * 3)
    assert torch.autograd.gradcheck(lambda a: lossedu.multilabel_margin_loss(a, target), (x,))
    assert torch.autograd.gradcheck(
        lambda a, b: lossedu.multilabel_soft_margin_loss(a, (target >= 0).double(), b), (x, w))
