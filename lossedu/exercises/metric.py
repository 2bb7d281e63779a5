"""Exercises on the metric-learning losses: triplet margin and cosine embedding. torch is the
reference."""

import torch
import torch.nn.functional as F

from lossedu._reduction import reduce
from lossedu.exercises.spec import (
    F32,
    Case,
    Exercise,
    Mistake,
    bilingual,
    generator,
    option_ignored,
    randint,
    randn,
    reduction_mistakes,
)

# --- triplet_margin_loss -------------------------------------------------------------------


def _triplet_cases() -> list[Case]:
    g = generator(12)

    def triplet(n, d, dtype=torch.float64, spread=1.2):
        """Negatives about as far as positives: some triplets active, some already easy."""
        anchor = randn(g, n, d, dtype=dtype)
        return {"anchor": anchor, "positive": anchor + randn(g, n, d, dtype=dtype),
                "negative": anchor + spread * randn(g, n, d, dtype=dtype)}

    grad = ("anchor", "positive", "negative")
    n, d = (int(v) for v in randint(g, 5, 2) + 3)
    return [
        Case("default", triplet(6, 8), grad),
        Case("margin=0.5, 'none'", {**triplet(6, 8), "margin": 0.5, "reduction": "none"}, grad),
        Case("margin=2.0, 'sum'", {**triplet(4, 8), "margin": 2.0, "reduction": "sum"}, grad),
        Case("p=1, 'none'", {**triplet(5, 4), "p": 1.0, "reduction": "none"}, grad),
        Case("swap=True, 'none'", {**triplet(6, 5), "swap": True, "reduction": "none"}, grad),
        Case("easy triplets, 'none'", {**triplet(4, 6, spread=6.0), "reduction": "none"}, grad),
        Case("float32", triplet(6, 8, dtype=F32), grad),
        Case(f"random ({n}, {d}), 'sum'", {**triplet(n, d), "reduction": "sum"}, grad),
    ]


def _triplet(args: dict, distance=None, hinge: bool = True) -> torch.Tensor:
    """The triplet loss with the parts a mistake may change."""
    margin, p, eps = args.get("margin", 1.0), args.get("p", 2.0), args.get("eps", 1e-6)
    if distance is None:
        def distance(x, y):
            return F.pairwise_distance(x, y, p, eps)
    a, pos, neg = args["anchor"], args["positive"], args["negative"]
    d_ap, d_an = distance(a, pos), distance(a, neg)
    if args.get("swap"):
        d_an = torch.minimum(d_an, distance(pos, neg))
    loss = d_ap - d_an + margin
    return reduce(loss.clamp(min=0) if hinge else loss, args.get("reduction", "mean"))


def _squared(**args):
    if args.get("p", 2.0) != 2:
        return None
    eps = args.get("eps", 1e-6)
    return _triplet(args, lambda x, y: F.pairwise_distance(x, y, 2, eps) ** 2)


TRIPLET = Exercise(
    id="triplet_margin_loss",
    signature="triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, "
              "swap=False, reduction='mean')",
    zh="三元组损失：max(d(a, p) − d(a, n) + margin, 0)，d 为 p-范数距离；swap=True 时 d(a, n) "
       "取 d(a, n) 与 d(p, n) 中较小者。",
    en="Triplet margin loss: max(d(a, p) − d(a, n) + margin, 0), d the p-norm distance; with "
       "swap=True, d(a, n) is the smaller of d(a, n) and d(p, n).",
    reference=F.triplet_margin_loss,
    make_cases=lambda: bilingual(_triplet_cases()),
    positional=3,
    mistakes=(
        Mistake("缺少 hinge：要 max(·, 0)。负样本已经足够远的三元组损失应为 0，而不是负数。",
                "The hinge is missing: take max(·, 0). A triplet whose negative is far enough "
                "has loss 0, not a negative loss.", (lambda **a: _triplet(a, hinge=False),)),
        Mistake("忽略了 swap：swap=True 时，把 d(a, n) 换成 min(d(a, n), d(p, n))。",
                "`swap` is ignored: with swap=True, replace d(a, n) by min(d(a, n), d(p, n)).",
                (option_ignored("swap", False, F.triplet_margin_loss),)),
        Mistake("用了距离的平方：d 是范数本身，不是它的平方。",
                "Squared distances: d is the norm itself, not its square.",
                (_squared,)),
        Mistake("忽略了 p：距离要用 p-范数（p=1 时是绝对值之和）。",
                "`p` is ignored: the distance is the p-norm (for p=1, the sum of absolute "
                "values).", (option_ignored("p", 2.0, F.triplet_margin_loss),)),
        Mistake("忽略了 margin：结果与 margin=1 时相同。",
                "`margin` is ignored: the result is the one for margin=1.",
                (option_ignored("margin", 1.0, F.triplet_margin_loss),)),
        *reduction_mistakes(F.triplet_margin_loss, "mean"),
    ),
)


# --- cosine_embedding_loss -----------------------------------------------------------------

def _cosine_cases() -> list[Case]:
    g = generator(13)

    def pair(n, d, dtype=torch.float64):
        return {"input1": randn(g, n, d, dtype=dtype), "input2": randn(g, n, d, dtype=dtype)}

    def signs(n, dtype=torch.float64):
        return (2 * randint(g, 2, n) - 1).to(dtype)

    grad = ("input1", "input2")
    n, d = (int(v) for v in randint(g, 5, 2) + 3)
    ones = torch.ones(4, dtype=torch.float64)
    return [
        Case("default", {**pair(6, 5), "target": signs(6)}, grad),
        Case("reduction='none'", {**pair(6, 5), "target": signs(6), "reduction": "none"}, grad),
        Case("reduction='sum'", {**pair(6, 5), "target": signs(6), "reduction": "sum"}, grad),
        Case("margin=0.3, 'none'", {**pair(8, 4), "target": signs(8), "margin": 0.3,
                                    "reduction": "none"}, grad),
        Case("margin=-0.2", {**pair(6, 5), "target": signs(6), "margin": -0.2}, grad),
        Case("all targets 1", {**pair(4, 5), "target": ones}, grad),
        Case("all targets -1, 'none'", {**pair(4, 5), "target": -ones, "margin": 0.1,
                                        "reduction": "none"}, grad),
        Case("float32", {**pair(6, 5, dtype=F32), "target": signs(6, dtype=F32)}, grad),
        Case(f"random ({n}, {d}), 'sum'", {**pair(n, d), "target": signs(n),
                                           "reduction": "sum"}, grad),
    ]


def _cosine(args: dict, hinge: bool = True, use_target: bool = True) -> torch.Tensor:
    cos = F.cosine_similarity(args["input1"], args["input2"], dim=-1)
    y, margin = args["target"], args.get("margin", 0.0)
    negative = (cos - margin).clamp(min=0) if hinge else cos - margin
    loss = torch.where(y > 0, 1 - cos, negative) if use_target else 1 - cos
    return reduce(loss, args.get("reduction", "mean"))


COSINE = Exercise(
    id="cosine_embedding_loss",
    signature="cosine_embedding_loss(input1, input2, target, margin=0.0, reduction='mean')",
    zh="余弦嵌入损失：y = 1 时为 1 − cos(x1, x2)，y = −1 时为 max(0, cos(x1, x2) − margin)。",
    en="Cosine embedding loss: 1 − cos(x1, x2) where y = 1, max(0, cos(x1, x2) − margin) "
       "where y = −1.",
    reference=F.cosine_embedding_loss,
    make_cases=lambda: bilingual(_cosine_cases()),
    positional=3,
    mistakes=(
        Mistake("负样本对缺少 hinge：y = −1 时是 max(0, cos − margin)，不能为负。",
                "The hinge is missing for negative pairs: where y = −1 the loss is "
                "max(0, cos − margin), never negative.",
                (lambda **a: _cosine(a, hinge=False),)),
        Mistake("忽略了 target：每一对都按 1 − cos 计算了；y = −1 的对要把两个向量推开。",
                "`target` is ignored: every pair scored 1 − cos; pairs with y = −1 are pushed "
                "apart instead.", (lambda **a: _cosine(a, use_target=False),)),
        Mistake("忽略了 margin：结果与 margin=0 时相同。",
                "`margin` is ignored: the result is the one for margin=0.",
                (option_ignored("margin", 0.0, F.cosine_embedding_loss),)),
        *reduction_mistakes(F.cosine_embedding_loss, "mean"),
    ),
)

EXERCISES = (TRIPLET, COSINE)
