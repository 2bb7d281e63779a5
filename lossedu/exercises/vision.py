"""Exercises on the image losses: soft Dice and SSIM. torch has neither; lossedu's tested
implementations are the reference (imported when a check needs them)."""

import torch

from lossedu.exercises.spec import (
    F32,
    Case,
    Exercise,
    Mistake,
    bilingual,
    generator,
    option_ignored,
    rand,
    randint,
    randn,
    with_,
)

# --- dice_loss -----------------------------------------------------------------------------


def _dice_reference(**args):
    from lossedu.segmentation import dice_loss

    return dice_loss(**args)


def _dice_cases() -> list[Case]:
    g = generator(15)

    def pair(*shape, dtype=torch.float64):
        return {"input": torch.sigmoid(2 * randn(g, *shape, dtype=dtype)),
                "target": randint(g, 2, *shape).to(dtype)}

    grad = ("input",)
    h, w = (int(v) for v in randint(g, 4, 2) + 3)
    empty = {"input": torch.zeros(2, 1, 3, 3, dtype=torch.float64),
             "target": torch.zeros(2, 1, 3, 3, dtype=torch.float64)}
    return [
        Case("(2, 1, 4, 4)", pair(2, 1, 4, 4), grad),
        Case("(3, 2, 3, 3)", pair(3, 2, 3, 3), grad),
        Case("(4, 6)", pair(4, 6), grad),
        Case("smooth=1.0", {**pair(2, 1, 4, 4), "smooth": 1.0}, grad),
        Case("empty masks", empty, grad, values_only=True),
        Case("float32", pair(2, 1, 4, 4, dtype=F32), grad),
        Case(f"random (2, 1, {h}, {w})", pair(2, 1, h, w), grad),
    ]


def _dice(args: dict, over_batch=False, smooth_above=True, squares=False, smooth=None):
    """1 - mean_n (2 sum p g + s) / (sum p + sum g + s), with the parts a mistake may change."""
    p, g = args["input"], args["target"]
    s = args.get("smooth", 1e-6) if smooth is None else smooth
    dims = tuple(range(p.dim())) if over_batch else tuple(range(1, p.dim()))  # per sample
    overlap = (p * g).sum(dims)
    total = (p * p).sum(dims) + (g * g).sum(dims) if squares else p.sum(dims) + g.sum(dims)
    return 1 - ((2 * overlap + (s if smooth_above else 0)) / (total + s)).mean()


DICE = Exercise(
    id="dice_loss",
    signature="dice_loss(input, target, smooth=1e-6)",
    zh="软 Dice 损失：每个样本在除批以外的所有维度上计算 (2·Σpg + smooth)/(Σp + Σg + smooth)，"
       "损失为 1 减去它在批上的平均。",
    en="Soft Dice loss: per sample, over every dimension but the batch, (2 Σpg + smooth) / "
       "(Σp + Σg + smooth); the loss is 1 minus its mean over the batch.",
    reference=_dice_reference,
    make_cases=lambda: bilingual(_dice_cases()),
    mistakes=(
        Mistake("在整个批上算了一个 Dice：应当每个样本各算一个，再取平均。",
                "One Dice over the whole batch: compute one per sample, then average.",
                (lambda **a: _dice(a, over_batch=True),)),
        Mistake("smooth 只加在了分母上：分子也要加，空掩码的 Dice 才是 1。",
                "`smooth` only in the denominator: add it above too, so that empty masks "
                "score a Dice of 1.", (lambda **a: _dice(a, smooth_above=False),)),
        Mistake("分母用了平方和 Σp² + Σg²（V-Net 的写法）；这里是 Σp + Σg。",
                "Squares in the denominator, Σp² + Σg² (V-Net's form); here it is Σp + Σg.",
                (lambda **a: _dice(a, squares=True),)),
        Mistake("返回的是 Dice 系数，不是损失：损失是 1 − Dice。",
                "This is the Dice coefficient, not the loss: the loss is 1 − Dice.",
                (lambda **a: 1 - _dice(a),)),
        Mistake("忽略了 smooth：两个掩码都为空时 0/0 得 nan。",
                "`smooth` is ignored: with both masks empty, 0/0 is nan.",
                (lambda **a: _dice(a, smooth=0.0), lambda **a: _dice(a, smooth=1e-6))),
    ),
)


# --- ssim ----------------------------------------------------------------------------------

def _ssim_reference(**args):
    from lossedu.ssim import ssim

    return ssim(**args)


def _ssim_cases() -> list[Case]:
    g = generator(16)

    def pair(*shape, scale=1.0, dtype=torch.float64):
        img1 = rand(g, *shape, dtype=dtype)
        img2 = (img1 + 0.2 * randn(g, *shape, dtype=dtype)).clamp(0, 1)
        return {"img1": scale * img1, "img2": scale * img2}

    grad = ("img1", "img2")
    h, w = (int(v) for v in randint(g, 8, 2) + 12)
    same = rand(g, 1, 1, 16, 16)
    return [
        Case("(1, 1, 16, 16)", pair(1, 1, 16, 16), grad),
        Case("(2, 3, 16, 16)", pair(2, 3, 16, 16), grad),
        Case("data_range=255", {**pair(1, 1, 16, 16, scale=255.0), "data_range": 255.0}, grad),
        Case("k1=0.05, k2=0.1", {**pair(1, 1, 16, 16), "k1": 0.05, "k2": 0.1}, grad),
        Case("identical images", {"img1": same, "img2": same.clone()}, grad, values_only=True),
        Case("float32", pair(1, 1, 16, 16, dtype=F32), grad),
        Case(f"random (1, 1, {h}, {w})", pair(1, 1, h, w), grad),
    ]


def _k_swapped(**args):
    k1, k2 = args.get("k1", 0.01), args.get("k2", 0.03)
    return _ssim_reference(**with_(args, k1=k2, k2=k1))


SSIM = Exercise(
    id="ssim",
    signature="ssim(img1, img2, data_range=1.0, win_size=11, sigma=1.5, k1=0.01, k2=0.03, "
              "reduction='mean')",
    zh="SSIM（同 scikit-image 的 gaussian_weights=True）：高斯窗口（sigma 1.5）下的局部均值、"
       "方差（总体方差）与协方差，C1 = (k1·L)²，C2 = (k2·L)²，L 为 data_range。",
    en="SSIM as scikit-image with gaussian_weights=True: local means, (population) variances "
       "and covariance under a Gaussian window (sigma 1.5), C1 = (k1 L)², C2 = (k2 L)², L the "
       "data_range.",
    reference=_ssim_reference,
    make_cases=lambda: bilingual(_ssim_cases()),
    mistakes=(
        Mistake("返回的是 1 − SSIM（损失），这里要的是 SSIM 本身。",
                "This is 1 − SSIM, the loss; the exercise asks for SSIM itself.",
                (lambda **a: 1 - _ssim_reference(**a),)),
        Mistake("忽略了 data_range：C1、C2 要按取值范围 L 缩放，(k1·L)² 与 (k2·L)²。",
                "`data_range` is ignored: C1 and C2 scale with the range L, (k1 L)² and "
                "(k2 L)².", (option_ignored("data_range", 1.0, _ssim_reference),)),
        Mistake("k1 和 k2 用反了：C1 = (k1·L)² 稳定均值项，C2 = (k2·L)² 稳定方差项。",
                "k1 and k2 are swapped: C1 = (k1 L)² steadies the means, C2 = (k2 L)² the "
                "variances.", (_k_swapped,)),
    ),
)

EXERCISES = (DICE, SSIM)
