"""Exercises on the margin losses: hinge embedding and the multi-class margin loss (the
multi-class SVM). torch is the reference."""

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
    ignored,
    option_ignored,
    rand,
    randint,
    randn,
    reduction_mistakes,
)

# --- hinge_embedding_loss ------------------------------------------------------------------


def _hinge_cases() -> list[Case]:
    g = generator(31)

    def pairs(*shape, dtype=torch.float64, scale=2.0):
        """Distances from 0 to ``scale`` (some below the margin, some above) and ±1 labels."""
        return {"input": (scale * rand(g, *shape)).to(dtype),
                "target": (2 * randint(g, 2, *shape) - 1).to(dtype)}

    grad = ("input",)
    similar, dissimilar = pairs(6), pairs(6)
    similar["target"].fill_(1.0)
    dissimilar["target"].fill_(-1.0)
    scores = {"input": randn(g, 8), "target": (2 * randint(g, 2, 8) - 1).double()}
    n = int(randint(g, 5, 1)) + 4
    return [
        Case("default", pairs(8), grad),
        Case("reduction='none'", {**pairs(3, 4), "reduction": "none"}, grad),
        Case("reduction='sum'", {**pairs(3, 4), "reduction": "sum"}, grad),
        Case("margin=0.5, 'none'", {**pairs(8), "margin": 0.5, "reduction": "none"}, grad),
        Case("margin=2.5", {**pairs(8, scale=3.0), "margin": 2.5}, grad),
        Case("target == 1, 'none'", {**similar, "reduction": "none"}, grad),
        Case("target == -1, 'none'", {**dissimilar, "reduction": "none"}, grad),
        Case("x < 0, 'none'", {**scores, "reduction": "none"}, grad),
        Case("float32", pairs(6, dtype=F32), grad),
        Case(f"random ({n},), 'sum'", {**pairs(n), "reduction": "sum"}, grad),
    ]


def _hinge(args: dict, hinge: bool = True, swapped: bool = False, positive=None):
    """The hinge embedding loss with the parts a mistake may change."""
    x, y, margin = args["input"], args["target"], args.get("margin", 1.0)
    push = (margin - x).clamp(min=0) if hinge else margin - x
    pull = x if positive is None else positive(x)
    loss = torch.where(y == 1, push, pull) if swapped else torch.where(y == 1, pull, push)
    return reduce(loss, args.get("reduction", "mean"))


HINGE_EMBEDDING = Exercise(
    id="hinge_embedding_loss",
    signature="hinge_embedding_loss(input, target, margin=1.0, reduction='mean')",
    zh="合页嵌入损失：y = 1 时 l = x，y = −1 时 l = max(0, margin − x)；x 通常是一对样本的距离。",
    en="Hinge embedding loss: l = x where y = 1 and max(0, margin − x) where y = −1; x is "
       "usually the distance of a pair.",
    reference=F.hinge_embedding_loss,
    make_cases=lambda: bilingual(_hinge_cases()),
    mistakes=(
        Mistake("y = −1 的一项缺少合页：要 max(0, margin − x)；距离已超过 margin 的不相似对损失为 "
                "0，而不是负数。",
                "The hinge is missing where y = −1: take max(0, margin − x); a dissimilar pair "
                "already farther than the margin costs 0, not a negative loss.",
                (lambda **a: _hinge(a, hinge=False),)),
        Mistake("两种情形写反了：y = 1（相似）时损失是 x 本身，y = −1（不相似）时才是 "
                "max(0, margin − x)。",
                "The two cases are swapped: a similar pair (y = 1) costs x itself, a dissimilar "
                "one (y = −1) max(0, margin − x).", (lambda **a: _hinge(a, swapped=True),)),
        Mistake("y = 1 时损失就是 x，torch 既不取绝对值也不截断：x < 0 时损失为负。",
                "Where y = 1 the loss is x itself: torch takes no absolute value and no clamp, "
                "so a negative x gives a negative loss.",
                (lambda **a: _hinge(a, positive=torch.abs),
                 lambda **a: _hinge(a, positive=lambda x: x.clamp(min=0)))),
        ignored("margin", 1.0, F.hinge_embedding_loss),
        *reduction_mistakes(F.hinge_embedding_loss, "mean"),
    ),
)


# --- multi_margin_loss ---------------------------------------------------------------------

def _multi_margin_cases() -> list[Case]:
    g = generator(32)

    def scores(n, c, dtype=torch.float64):
        return {"input": randn(g, n, c, dtype=dtype), "target": randint(g, c, n)}

    grad = ("input",)
    clear = scores(4, 5)
    clear["input"][torch.arange(4), clear["target"]] += 4.0  # every sample clears the margin
    weight = rand(g, 5) + 0.5
    n, c = (int(v) for v in randint(g, 4, 2) + 3)
    one = scores(1, 6)
    return [
        Case("default", scores(6, 4), grad),
        Case("reduction='none'", {**scores(5, 4), "reduction": "none"}, grad),
        Case("reduction='sum'", {**scores(5, 4), "reduction": "sum"}, grad),
        Case("p=2, 'none'", {**scores(5, 4), "p": 2, "reduction": "none"}, grad),
        Case("margin=0.3, 'none'", {**scores(5, 4), "margin": 0.3, "reduction": "none"}, grad),
        Case("margin=2.0, p=2", {**scores(5, 4), "p": 2, "margin": 2.0}, grad),
        Case("weight (C,), 'none'", {**scores(6, 5), "weight": weight, "reduction": "none"},
             grad),
        Case("weight, 'mean'", {**scores(6, 5), "weight": weight}, grad),
        Case("weight, p=2, 'sum'", {**scores(6, 5), "p": 2, "weight": weight,
                                    "reduction": "sum"}, grad),
        Case("input (C,), target ()", {"input": one["input"][0], "target": one["target"][0]},
             grad),
        Case("x[y] - x[i] > margin", {**clear, "reduction": "none"}, grad),
        Case("float32", scores(6, 4, dtype=F32), grad),
        Case(f"random ({n}, {c}), 'sum'", {**scores(n, c), "reduction": "sum"}, grad),
    ]


def _multi_margin(args: dict, divide_by_others: bool = False, count_target: bool = False,
                  weight_of: str = "target", power_last: bool = True,
                  weighted_mean: bool = False):
    """The multi-class margin loss with the parts a mistake may change: the divisor (C or
    C − 1), whether the target's own term max(0, margin)^p is counted, which class's weight
    applies, whether it sits inside the power, and the mean with weights."""
    x, y = args["input"], args["target"]
    p, margin, weight = args.get("p", 1), args.get("margin", 1.0), args.get("weight")
    reduction = args.get("reduction", "mean")
    x2, y2 = x.reshape(-1, x.shape[-1]), y.reshape(-1, 1)  # (N, C), (N, 1)
    C = x2.shape[1]
    z = margin - x2.gather(1, y2) + x2  # (N, C)
    w = None
    if weight is not None:
        w = weight[y2] if weight_of == "target" else weight.expand_as(z)  # w_y or w_i
    if w is not None and not power_last:
        z = w * z  # max(0, w_y z)^p: the weight inside the power
    hinge = z.clamp(min=0) ** p
    if w is not None and power_last:
        hinge = w * hinge
    if not count_target:
        hinge = torch.where(torch.arange(C) != y2, hinge, 0)
    loss = (hinge.sum(1) / (C - 1 if divide_by_others else C)).reshape(y.shape)
    if weighted_mean and reduction == "mean" and weight is not None:
        return loss.sum() / weight[y].sum()
    return reduce(loss, reduction)


def _with_weight(variant):
    return lambda **a: variant(**a) if a.get("weight") is not None else None


MULTI_MARGIN = Exercise(
    id="multi_margin_loss",
    signature="multi_margin_loss(input, target, p=1, margin=1.0, weight=None, "
              "reduction='mean')",
    zh="多类间隔损失（多类 SVM）：l = Σ_{i≠y} w_y·max(0, margin − x_y + x_i)^p / C，"
       "除以全部 C 个类别；'mean' 是对样本的简单平均。",
    en="Multi-class margin loss (the multi-class SVM): l = Σ_{i≠y} w_y max(0, margin − x_y + "
       "x_i)^p / C, divided by all C classes; 'mean' is a plain mean over the samples.",
    reference=F.multi_margin_loss,
    make_cases=lambda: bilingual(_multi_margin_cases()),
    mistakes=(
        Mistake("除以了 C − 1：torch 把其余 C − 1 个类别的项求和后除以全部类别数 C。",
                "Divided by C − 1: torch sums the terms of the other C − 1 classes and "
                "divides by all C classes.",
                (lambda **a: _multi_margin(a, divide_by_others=True),)),
        Mistake("把目标类别自己也算进去了：i = y 时那一项是 max(0, margin)^p，不应计入。",
                "The target class was counted: its own term, max(0, margin)^p, is left out of "
                "the sum.", (lambda **a: _multi_margin(a, count_target=True),
                             lambda **a: _multi_margin(a, count_target=True,
                                                       divide_by_others=True))),
        Mistake("权重用错了类别：乘的是目标类别的权重 w_y，不是每个其他类别 i 的 w_i。",
                "The weight of the wrong class: each term is multiplied by the target class's "
                "weight w_y, not by w_i of the other class.",
                (_with_weight(lambda **a: _multi_margin(a, weight_of="other")),)),
        Mistake("权重放进了幂里：torch 算的是 w_y·max(0, ·)^p，不是 max(0, w_y·(·))^p；"
                "p=2 时两者相差一个因子 w_y。",
                "The weight went inside the power: torch computes w_y max(0, ·)^p, not "
                "max(0, w_y (·))^p; with p=2 they differ by a factor w_y.",
                (_with_weight(lambda **a: _multi_margin(a, power_last=False)),)),
        Mistake("带 weight 的 'mean' 除以了目标权重之和：与交叉熵不同，这里是对样本的简单平均。",
                "With `weight`, 'mean' was divided by the sum of the targets' weights: unlike "
                "cross-entropy, this loss takes a plain mean over the samples.",
                (_with_weight(lambda **a: _multi_margin(a, weighted_mean=True)),)),
        Mistake("忽略了 weight：每个样本的项都要乘以其目标类别的权重 w_y。",
                "`weight` is ignored: each sample's terms are multiplied by its target class's "
                "weight w_y.", (_with_weight(lambda **a: _multi_margin({**a, "weight": None})),)),
        Mistake("忽略了 p：p=2 时是平方合页 max(0, ·)²。",
                "`p` is ignored: with p=2 it is the squared hinge max(0, ·)².",
                (option_ignored("p", 1, F.multi_margin_loss),)),
        ignored("margin", 1.0, F.multi_margin_loss),
        *reduction_mistakes(F.multi_margin_loss, "mean"),
    ),
)

EXERCISES = (HINGE_EMBEDDING, MULTI_MARGIN)
