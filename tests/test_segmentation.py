"""lossedu.segmentation: values against Python loops over the formulas, every option, gradients,
the relations between the losses, the libraries' definitions, and every error."""

import itertools

import pytest
import torch
import torch.nn.functional as F

from lossedu import bce_dice_loss, dice_loss, iou_loss, tversky_loss

F64 = torch.float64
LOSSES = {
    "dice": dice_loss,
    "iou": iou_loss,
    "tversky": lambda *a, **o: tversky_loss(*a, alpha=0.3, beta=0.7, **o),
}


# --- an independent reference: Python floats, one loop per image and class -----------------


def score_by_hand(kind, p, g, smooth, alpha=0.3, beta=0.7):
    """One score from two flat lists of floats, straight from the formulas."""
    tp = sum(a * b for a, b in zip(p, g, strict=True))
    fp = sum(a * (1 - b) for a, b in zip(p, g, strict=True))
    fn = sum((1 - a) * b for a, b in zip(p, g, strict=True))
    if kind == "dice":
        num, den = 2 * tp + smooth, sum(p) + sum(g) + smooth
    elif kind == "iou":
        num, den = tp + smooth, sum(p) + sum(g) - tp + smooth
    else:
        num, den = tp + smooth, tp + alpha * fp + beta * fn + smooth
    return num / den if den > 0 else 1.0  # 0 / 0 (smooth = 0, both empty) scores 1, as s / s


def losses_by_hand(kind, probs, mask, smooth, per_class=False, batch=False, zero_absent=False):
    """Unreduced losses from probabilities and 0/1 masks of shape (N, C, ...), as a tensor of
    shape (N,), (N, C), (C,) or ()."""
    N, C = probs.shape[:2]
    p = probs.reshape(N, C, -1).tolist()  # (N, C, M) as nested lists
    g = mask.reshape(N, C, -1).tolist()
    image_groups = [list(range(N))] if batch else [[n] for n in range(N)]
    class_groups = [[c] for c in range(C)] if per_class else [list(range(C))]
    rows = []
    for images in image_groups:
        row = []
        for classes in class_groups:
            ps = [v for n in images for c in classes for v in p[n][c]]
            gs = [v for n in images for c in classes for v in g[n][c]]
            absent = zero_absent and sum(gs) == 0
            row.append(0.0 if absent else 1 - score_by_hand(kind, ps, gs, smooth))
        rows.append(row)
    out = torch.tensor(rows, dtype=F64)  # (images, classes)
    out = out[0] if batch else out
    return out if per_class else out[..., 0]


def one_hot_by_hand(index, C):
    """(N, H, W) class indices -> (N, C, H, W) 0/1, by comparison with each class."""
    return (index.unsqueeze(1) == torch.arange(C).view(1, C, 1, 1)).to(F64)


def multiclass_case(seed=0, N=3, C=3, H=3, W=4):
    """Logits (N, C, H, W) and class indices (N, H, W) where class 2 is absent from image 0."""
    g = torch.Generator().manual_seed(seed)
    logits = 2 * torch.randn(N, C, H, W, generator=g, dtype=F64)
    index = torch.randint(0, C, (N, H, W), generator=g)
    index[0][index[0] == 2] = 1
    index[1, 0, 0] = 2  # every other image has all three classes
    return logits, index


def binary_case(seed=0, shape=(3, 1, 4, 5), empty_image=True):
    g = torch.Generator().manual_seed(seed)
    probs = torch.rand(shape, generator=g, dtype=F64) * 0.9 + 0.05
    mask = (torch.rand(shape, generator=g, dtype=F64) < 0.3).to(F64)
    if empty_image:
        mask[0] = 0
    return probs, mask


def reduce_by_hand(losses, reduction):
    if reduction == "mean":
        return losses.mean()
    return losses.sum() if reduction == "sum" else losses


# --- values ----------------------------------------------------------------------------------


def test_dice_of_two_small_masks_by_hand():
    p = torch.tensor([[0.9, 0.8, 0.1, 0.2], [0.5, 0.5, 0.5, 0.5]], dtype=F64)
    g = torch.tensor([[1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]], dtype=F64)
    s = 1e-6
    first = 1 - (2 * (0.9 + 0.8) + s) / ((0.9 + 0.8 + 0.1 + 0.2) + 2 + s)
    second = 1 - (2 * 0.5 + s) / (4 * 0.5 + 1 + s)
    torch.testing.assert_close(dice_loss(p, g, reduction="none"),
                               torch.tensor([first, second], dtype=F64))
    torch.testing.assert_close(dice_loss(p, g), torch.tensor((first + second) / 2, dtype=F64))
    # IoU and Tversky on the same pair: tp = 1.7, fp = 0.3, fn = 0.3 for the first row
    torch.testing.assert_close(iou_loss(p[:1], g[:1], smooth=0.0),
                               torch.tensor(1 - 1.7 / 2.3, dtype=F64))
    torch.testing.assert_close(tversky_loss(p[:1], g[:1], 0.3, 0.7, smooth=0.0),
                               torch.tensor(1 - 1.7 / (1.7 + 0.3 * 0.3 + 0.7 * 0.3), dtype=F64))


@pytest.mark.parametrize("shape", [(6,), (2, 7), (2, 1, 4, 5), (2, 3, 4, 5), (2, 1, 2, 3, 3)])
@pytest.mark.parametrize("smooth", [1e-6, 1.0])
def test_default_is_the_per_sample_soft_dice(shape, smooth):
    """The source's definition: flatten each sample, one Dice each, 1 - their mean."""
    g = torch.Generator().manual_seed(1)
    p = torch.rand(shape, generator=g, dtype=F64)
    t = torch.randint(0, 2, shape, generator=g).to(F64)
    flat_p, flat_t = p.reshape(shape[0], -1), t.reshape(shape[0], -1)  # (N, everything else)
    dice = (2 * (flat_p * flat_t).sum(1) + smooth) / (flat_p.sum(1) + flat_t.sum(1) + smooth)
    torch.testing.assert_close(dice_loss(p, t, smooth), 1 - dice.mean())


@pytest.mark.parametrize("kind", list(LOSSES))
@pytest.mark.parametrize("activation", [None, "sigmoid", "softmax"])
@pytest.mark.parametrize("target_form", ["one-hot", "index"])
@pytest.mark.parametrize("per_class, batch, include_background, zero_absent",
                         list(itertools.product([False, True], repeat=4)))
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_multiclass_options_against_loops(kind, activation, target_form, per_class, batch,
                                          include_background, zero_absent, reduction):
    logits, index = multiclass_case()
    probs = {None: logits.softmax(1), "sigmoid": logits.sigmoid(),
             "softmax": logits.softmax(1)}[activation]
    input = probs if activation is None else logits
    mask = one_hot_by_hand(index, 3)
    target = mask if target_form == "one-hot" else index
    if not include_background:
        probs, mask = probs[:, 1:], mask[:, 1:]
    expected = losses_by_hand(kind, probs, mask, 1e-6, per_class, batch, zero_absent)
    got = LOSSES[kind](input, target, activation=activation, per_class=per_class, batch=batch,
                       include_background=include_background, zero_absent=zero_absent,
                       reduction=reduction)
    torch.testing.assert_close(got, reduce_by_hand(expected, reduction), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", list(LOSSES))
@pytest.mark.parametrize("per_class, batch, zero_absent",
                         list(itertools.product([False, True], repeat=3)))
@pytest.mark.parametrize("smooth", [0.0, 1e-5, 1.0])
def test_binary_masks_with_an_empty_image(kind, per_class, batch, zero_absent, smooth):
    probs, mask = binary_case()
    expected = losses_by_hand(kind, probs, mask, smooth, per_class, batch, zero_absent)
    got = LOSSES[kind](probs, mask, smooth=smooth, per_class=per_class, batch=batch,
                       zero_absent=zero_absent, reduction="none")
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)


def test_output_shapes_of_each_option():
    logits, index = multiclass_case(N=3, C=3)
    shapes = {(False, False): (3,), (True, False): (3, 3), (False, True): (), (True, True): (3,)}
    for (per_class, batch), shape in shapes.items():
        loss = dice_loss(logits, index, activation="softmax", per_class=per_class, batch=batch,
                         reduction="none")
        assert loss.shape == shape, (per_class, batch)
    dropped = dice_loss(logits, index, activation="softmax", per_class=True,
                        include_background=False, reduction="none")
    assert dropped.shape == (3, 2)


@pytest.mark.parametrize("dtype", [torch.bool, torch.uint8, torch.int64, torch.float32, F64])
def test_a_mask_of_any_dtype_counts_the_same(dtype):
    probs, mask = binary_case()
    expected = dice_loss(probs, mask)
    torch.testing.assert_close(dice_loss(probs, mask.to(dtype)), expected)


def test_a_mask_of_the_input_shape_is_not_taken_for_indices():
    """An integer 0/1 mask of the input's shape is a mask, not class indices."""
    probs, mask = binary_case(shape=(2, 2, 3, 3))
    torch.testing.assert_close(dice_loss(probs, mask.long(), per_class=True),
                               dice_loss(probs, mask, per_class=True))


# --- empty masks --------------------------------------------------------------------------


@pytest.mark.parametrize("loss_fn", list(LOSSES.values()), ids=list(LOSSES))
def test_empty_prediction_and_target(loss_fn):
    p = torch.zeros(2, 1, 3, 3, dtype=F64, requires_grad=True)
    g = torch.zeros(2, 1, 3, 3, dtype=F64)
    assert loss_fn(p, g).item() == 0.0  # smoothing makes 0/0 a perfect score
    no_smoothing = loss_fn(p, g, smooth=0.0)
    assert no_smoothing.item() == 0.0  # 0/0 scores 1 without smoothing too, the limit of s/s ...
    (grad,) = torch.autograd.grad(no_smoothing, p)
    assert (grad == 0).all()  # ... with a zero gradient, not nan
    assert loss_fn(p, g, smooth=0.0, zero_absent=True).item() == 0.0


def test_empty_target_with_a_prediction_costs_almost_everything():
    p = torch.full((1, 1, 4, 4), 0.5, dtype=F64)
    loss = dice_loss(p, torch.zeros_like(p))
    torch.testing.assert_close(loss, torch.tensor(1 - 1e-6 / (8 + 1e-6), dtype=F64))


def test_an_empty_batch_of_index_targets():
    loss = dice_loss(torch.zeros(0, 3, 2), torch.zeros(0, 2, dtype=torch.long), reduction="none")
    assert loss.shape == (0,)


# --- relations between the losses -------------------------------------------------------


@pytest.mark.parametrize("options", [{}, {"per_class": True}, {"batch": True},
                                     {"activation": "softmax", "include_background": False}])
@pytest.mark.parametrize("smooth", [0.0, 1e-6, 0.5])
def test_tversky_at_one_half_is_dice_with_twice_the_smoothing(options, smooth):
    logits, index = multiclass_case(seed=2)
    input = logits if "activation" in options else logits.softmax(1)
    torch.testing.assert_close(
        tversky_loss(input, index, 0.5, 0.5, smooth, reduction="none", **options),
        dice_loss(input, index, 2 * smooth, reduction="none", **options))


@pytest.mark.parametrize("smooth", [0.0, 1e-6, 0.5])
def test_tversky_at_one_is_iou(smooth):
    probs, mask = binary_case(seed=3)
    torch.testing.assert_close(tversky_loss(probs, mask, 1.0, 1.0, smooth, reduction="none"),
                               iou_loss(probs, mask, smooth, reduction="none"))


def test_hard_masks_give_the_set_formulas():
    """On 0/1 predictions Dice is 2|A ∩ B| / (|A| + |B|), IoU is |A ∩ B| / |A ∪ B|, and
    IoU = Dice / (2 - Dice)."""
    g = torch.Generator().manual_seed(4)
    pred = (torch.rand(4, 1, 5, 5, generator=g) < 0.4).to(F64)
    true = (torch.rand(4, 1, 5, 5, generator=g) < 0.4).to(F64)
    for n in range(4):
        A = {i for i, v in enumerate(pred[n].flatten().tolist()) if v}
        B = {i for i, v in enumerate(true[n].flatten().tolist()) if v}
        dice = 1 - dice_loss(pred[n:n + 1], true[n:n + 1], smooth=0.0)
        iou = 1 - iou_loss(pred[n:n + 1], true[n:n + 1], smooth=0.0)
        assert dice.item() == pytest.approx(2 * len(A & B) / (len(A) + len(B)), rel=1e-12)
        assert iou.item() == pytest.approx(len(A & B) / len(A | B), rel=1e-12)
        assert iou.item() == pytest.approx(dice.item() / (2 - dice.item()), rel=1e-12)


def test_iou_never_exceeds_dice():
    probs, mask = binary_case(seed=5, empty_image=False)
    dice = 1 - dice_loss(probs, mask, smooth=0.0, reduction="none")
    iou = 1 - iou_loss(probs, mask, smooth=0.0, reduction="none")
    assert (iou <= dice).all() and (iou < dice).any()
    torch.testing.assert_close(iou, dice / (2 - dice))  # soft counts too


def test_tversky_weights_false_positives_with_alpha():
    p = torch.tensor([[0.9, 0.9, 0.9, 0.1]], dtype=F64)  # one false positive, no miss
    g = torch.tensor([[1.0, 1.0, 0.0, 0.0]], dtype=F64)
    assert tversky_loss(p, g, alpha=0.7, beta=0.3) > tversky_loss(p, g, alpha=0.3, beta=0.7)


@pytest.mark.parametrize("weights", [(1.0, 1.0), (0.5, 2.0)])
@pytest.mark.parametrize("options", [{}, {"per_class": True, "batch": True}])
def test_bce_dice_is_the_weighted_sum_of_its_parts(weights, options):
    probs, mask = binary_case(seed=6, shape=(2, 2, 3, 3))
    w_bce, w_dice = weights
    expected = (w_bce * F.binary_cross_entropy(probs, mask)
                + w_dice * dice_loss(probs, mask, **options))
    got = bce_dice_loss(probs, mask, bce_weight=w_bce, dice_weight=w_dice, **options)
    torch.testing.assert_close(got, expected)
    logits = probs.logit()
    expected = (w_bce * F.binary_cross_entropy_with_logits(logits, mask)
                + w_dice * dice_loss(logits, mask, activation="sigmoid", **options))
    got = bce_dice_loss(logits, mask, bce_weight=w_bce, dice_weight=w_dice,
                        activation="sigmoid", **options)
    torch.testing.assert_close(got, expected)


def test_bce_dice_from_large_logits_stays_finite():
    logits = torch.tensor([[200.0, -200.0, 50.0]], dtype=F64, requires_grad=True)
    mask = torch.tensor([[0.0, 1.0, 1.0]], dtype=F64)
    loss = bce_dice_loss(logits, mask, activation="sigmoid")
    torch.testing.assert_close(loss, torch.tensor(400 / 3, dtype=F64) + dice_loss(
        logits.sigmoid(), mask), rtol=1e-9, atol=0)
    (grad,) = torch.autograd.grad(loss, logits)
    assert grad.isfinite().all()


# --- the libraries' definitions, written out from their documentation ------------------------


def test_monai_dice_loss_is_per_class_with_smoothing_1e5():
    """MONAI DiceLoss(): sums over the spatial dimensions, 1 - (2I + 1e-5) / (P + G + 1e-5)
    for each image and class, the mean over both."""
    logits, index = multiclass_case(seed=7)
    p, g = logits.softmax(1), one_hot_by_hand(index, 3)
    spatial = (2, 3)
    monai = 1 - (2 * (p * g).sum(spatial) + 1e-5) / (p.sum(spatial) + g.sum(spatial) + 1e-5)
    torch.testing.assert_close(dice_loss(p, g, smooth=1e-5, per_class=True), monai.mean())
    batch = (0, 2, 3)  # DiceLoss(batch=True)
    monai = 1 - (2 * (p * g).sum(batch) + 1e-5) / (p.sum(batch) + g.sum(batch) + 1e-5)
    torch.testing.assert_close(dice_loss(p, g, smooth=1e-5, per_class=True, batch=True),
                               monai.mean())


@pytest.mark.parametrize("mode", ["binary", "multiclass"])
@pytest.mark.parametrize("smp_smooth", [0.0, 1.0])
def test_smp_dice_loss_sums_over_the_batch_and_zeroes_absent_classes(mode, smp_smooth):
    """segmentation_models_pytorch DiceLoss(mode): logits, dims (0, 2) over (N, C, H*W), the
    Tversky score at 0.5 / 0.5 clamped below by eps = 1e-7, loss 0 for a class absent from the
    target, the mean over the classes."""
    logits, index = multiclass_case(seed=8, N=2, C=4)
    if mode == "binary":
        logits, target = logits[:, :1], (index == 1).to(F64).unsqueeze(1)
        p, g = logits.sigmoid(), target
        options = {"activation": "sigmoid"}
    else:
        target = index
        p, g = logits.softmax(1), one_hot_by_hand(index, 4)
        options = {"activation": "softmax"}
    p, g = p.flatten(2), g.flatten(2)  # (N, C, H*W)
    tp, fp, fn = (p * g).sum((0, 2)), (p * (1 - g)).sum((0, 2)), ((1 - p) * g).sum((0, 2))
    score = (tp + smp_smooth) / (tp + 0.5 * fp + 0.5 * fn + smp_smooth).clamp_min(1e-7)
    smp = ((1 - score) * (g.sum((0, 2)) > 0)).mean()
    ours = dice_loss(logits, target, smooth=2 * smp_smooth, per_class=True, batch=True,
                     zero_absent=True, **options)
    torch.testing.assert_close(ours, smp)


# --- gradients and dtypes -------------------------------------------------------------------


GRADIENT_OPTIONS = [
    {},
    {"per_class": True, "batch": True},
    {"activation": "sigmoid", "per_class": True, "zero_absent": True},
    {"activation": "softmax", "include_background": False, "per_class": True},
    {"smooth": 0.0, "batch": True},
]


@pytest.mark.parametrize("loss_fn", list(LOSSES.values()), ids=list(LOSSES))
@pytest.mark.parametrize("options", GRADIENT_OPTIONS)
def test_gradcheck(loss_fn, options):
    logits, index = multiclass_case(seed=9, N=2, C=3, H=2, W=3)
    if "activation" in options:
        input = logits.clone().requires_grad_()
    else:  # probabilities away from 0 and 1, so that the finite differences stay inside
        input = (logits.sigmoid() * 0.8 + 0.1).requires_grad_()
    mask = one_hot_by_hand(index, 3)
    assert torch.autograd.gradcheck(lambda x: loss_fn(x, mask, reduction="none", **options),
                                    (input,))


@pytest.mark.parametrize("activation", [None, "sigmoid"])
def test_bce_dice_gradcheck(activation):
    probs, mask = binary_case(seed=10, shape=(2, 1, 3, 3))
    input = (probs if activation is None else probs.logit()).requires_grad_()
    assert torch.autograd.gradcheck(lambda x: bce_dice_loss(x, mask, activation=activation),
                                    (input,))


def test_gradient_of_dice_by_hand():
    """d/dp_i of 1 - (2T + s) / (S + s), with T = sum p g and S = sum p + sum g:
    -(2 g_i (S + s) - (2T + s)) / (S + s)^2."""
    p = torch.tensor([[0.9, 0.8, 0.1, 0.2]], dtype=F64, requires_grad=True)
    g = torch.tensor([[1.0, 1.0, 0.0, 0.0]], dtype=F64)
    s = 1e-6
    T, S = 1.7, 2.0 + 2.0
    expected = torch.tensor([[-(2 * gi * (S + s) - (2 * T + s)) / (S + s) ** 2
                              for gi in (1.0, 1.0, 0.0, 0.0)]], dtype=F64)
    (grad,) = torch.autograd.grad(dice_loss(p, g, s), p)
    torch.testing.assert_close(grad, expected)


@pytest.mark.parametrize("loss_fn", [*LOSSES.values(), bce_dice_loss],
                         ids=[*LOSSES, "bce_dice"])
def test_float32_agrees_with_float64(loss_fn):
    probs, mask = binary_case(seed=11, shape=(2, 2, 8, 8))
    x64 = probs.logit().requires_grad_()
    x32 = probs.logit().float().requires_grad_()
    options = {"activation": "sigmoid", "per_class": True}
    loss64, loss32 = loss_fn(x64, mask, **options), loss_fn(x32, mask.float(), **options)
    assert loss32.dtype == torch.float32
    torch.testing.assert_close(loss32, loss64.float(), rtol=1e-5, atol=1e-6)
    (grad64,), (grad32,) = torch.autograd.grad(loss64, x64), torch.autograd.grad(loss32, x32)
    assert grad32.dtype == torch.float32
    torch.testing.assert_close(grad32, grad64.float(), rtol=1e-4, atol=1e-7)


# --- bad input ---------------------------------------------------------------------------


P = torch.full((2, 1, 2, 2), 0.5)
G = torch.ones(2, 1, 2, 2)
LOGITS = torch.randn(2, 3, 2, 2, generator=torch.Generator().manual_seed(12))


@pytest.mark.parametrize("loss_fn", list(LOSSES.values()), ids=list(LOSSES))
@pytest.mark.parametrize(
    "args, options, error, match",
    [
        ((P, G[:, :, :1]), {}, ValueError,
         r"`target` of the input's shape \(2, 1, 2, 2\).*got torch.float32 shape \(2, 1, 1, 2\)"),
        ((LOGITS, G[:, 0]), {"activation": "softmax"}, ValueError,
         r"as integers, class indices of shape \(2, 2, 2\); got torch.float32"),
        ((P, G * 0.5), {}, ValueError, r"`target` of 0s and 1s, got 0.5.*threshold soft masks"),
        ((P, G * 2), {}, ValueError, r"`target` of 0s and 1s, got 2.0"),
        ((P * 3, G), {}, ValueError,
         r"`input` probabilities in \[0, 1\], got 1.5: these look like logits.*"
         r"activation='sigmoid'"),
        ((P - 1, G), {}, ValueError, r"probabilities in \[0, 1\], got -0.5"),
        ((P * torch.nan, G), {}, ValueError, r"probabilities in \[0, 1\], got nan: .*holds nan"),
        ((LOGITS, torch.full((2, 2, 2), 3)), {"activation": "softmax"}, ValueError,
         r"class indices in \[0, 2\] for an input with C = 3 channels, got 3\.$"),
        ((P, torch.ones(2, 2, 2, dtype=torch.long)), {}, ValueError,
         r"class indices in \[0, 0\].*got 1. For a binary mask pass `target.unsqueeze\(1\)`"),
        ((P, G), {"activation": "relu"}, ValueError,
         r"`activation` to be None, 'sigmoid' or 'softmax', got 'relu'"),
        ((P, G), {"activation": "softmax"}, ValueError,
         r"at least 2 classes along dim 1, got `input` of shape \(2, 1, 2, 2\).*"
         r"activation='sigmoid'"),
        ((P, G), {"include_background": False}, ValueError,
         r"include_background=False drops class 0.*got `input` of shape \(2, 1, 2, 2\)"),
        ((P[:, 0, 0, 0], G[:, 0, 0, 0]), {"per_class": True}, ValueError,
         r"per_class=True needs classes along dim 1, got `input` of shape \(2,\)"),
        ((P[0, 0, 0, 0], G[0, 0, 0, 0]), {}, ValueError, r"`input` of shape \(N, ...\), got a "
                                                         r"scalar"),
        ((P, G), {"smooth": -1.0}, ValueError, r"`smooth` >= 0, got -1.0"),
        ((P, G), {"smooth": float("nan")}, ValueError, r"`smooth` >= 0, got nan"),
        ((P, G), {"reduction": "average"}, ValueError, r"`reduction` to be one of .*'average'"),
        ((P.tolist(), G), {}, TypeError, r"`input` to be a torch.Tensor, got list"),
        ((P, G.tolist()), {}, TypeError, r"`target` to be a torch.Tensor, got list"),
        ((G.long(), G), {}, TypeError, r"`input` to be a floating-point tensor, got dtype "
                                       r"torch.int64"),
        ((P, G.to("meta")), {}, ValueError, r"all tensors on one device, got `input` on cpu, "
                                            r"`target` on meta"),
    ],
)
def test_errors(loss_fn, args, options, error, match):
    with pytest.raises(error, match=match):
        loss_fn(*args, **options)


@pytest.mark.parametrize("name, value", [("alpha", -0.1), ("beta", float("nan"))])
def test_tversky_weights_must_not_be_negative(name, value):
    with pytest.raises(ValueError, match=rf"`{name}` >= 0, got {value!r}: it weighs the false"):
        tversky_loss(P, G, **{name: value})


def test_bce_dice_errors():
    with pytest.raises(ValueError, match=r"activation=None or 'sigmoid', got 'softmax'.*"
                                         r"cross_entropy"):
        bce_dice_loss(LOGITS, G, activation="softmax")
    index = torch.zeros(2, 2, 2, dtype=torch.long)
    with pytest.raises(ValueError, match=r"`target` of the input's shape \(2, 3, 2, 2\), got "
                                         r"\(2, 2, 2\): BCE compares element by element"):
        bce_dice_loss(LOGITS, index, activation="sigmoid")
    with pytest.raises(TypeError, match="reduction"):
        bce_dice_loss(P, G, reduction="none")
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\], got 1.5"):
        bce_dice_loss(P * 3, G)
