"""Exercises on the binary losses: BCE on probabilities, BCE on logits, and the sigmoid focal
loss. torch is the reference for the first two, lossedu for the focal loss (torchvision's)."""

import torch
import torch.nn.functional as F

from lossedu._reduction import reduce
from lossedu.exercises.classification import EPSILONS
from lossedu.exercises.spec import (
    F32,
    Case,
    Exercise,
    Mistake,
    bilingual,
    generator,
    negated,
    option_ignored,
    rand,
    randint,
    randn,
    reduction_mistakes,
    with_,
)


def _labels(g, *shape, dtype=torch.float64) -> torch.Tensor:
    return randint(g, 2, *shape).to(dtype)


def _reduce_weighted(loss, args: dict, default: str = "mean") -> torch.Tensor:
    weight = args.get("weight")
    return reduce(loss if weight is None else loss * weight, args.get("reduction", default))


# --- binary_cross_entropy ------------------------------------------------------------------

def _bce_cases() -> list[Case]:
    g = generator(7)

    def probs(*shape, dtype=torch.float64):
        return torch.sigmoid(2 * randn(g, *shape, dtype=dtype))

    grad = ("input",)
    n = int(randint(g, 6, 1)) + 3
    edges = {"input": torch.tensor([0.0, 1.0, 0.0, 1.0, 0.3, 0.9], dtype=torch.float64),
             "target": torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0, 0.0], dtype=torch.float64)}
    return [
        Case("default", {"input": probs(6), "target": _labels(g, 6)}, grad),
        Case("reduction='none'", {"input": probs(3, 4), "target": _labels(g, 3, 4),
                                  "reduction": "none"}, grad),
        Case("reduction='sum'", {"input": probs(3, 4), "target": _labels(g, 3, 4),
                                 "reduction": "sum"}, grad),
        Case("p = 0 and p = 1", edges, grad, values_only=True),
        Case("weight (4,), 'mean'", {"input": probs(3, 4), "target": _labels(g, 3, 4),
                                     "weight": rand(g, 4) + 0.5}, grad),
        Case("weight, 'none'", {"input": probs(5), "target": _labels(g, 5),
                                "weight": rand(g, 5) + 0.5, "reduction": "none"}, grad),
        Case("soft targets", {"input": probs(2, 3), "target": rand(g, 2, 3)}, grad),
        Case("float32", {"input": probs(6, dtype=F32), "target": _labels(g, 6, dtype=F32)},
             grad),
        Case(f"random ({n},), 'sum'", {"input": probs(n), "target": _labels(g, n),
                                       "reduction": "sum"}, grad),
    ]


def _bce_terms(log_p, log_1mp, args: dict, pos_weight=None) -> torch.Tensor:
    """-(pos_weight y log p + (1 - y) log(1 - p)), weighted and reduced."""
    y = args["target"]
    positive = y * log_p if pos_weight is None else pos_weight * y * log_p
    return _reduce_weighted(-(positive + (1 - y) * log_1mp), args)


def _bce_unclamped(**args):
    p = args["input"]
    return _bce_terms(p.log(), (1 - p).log(), args)


def _bce_xlogy(**args):
    p, y = args["input"], args["target"]
    loss = -(torch.special.xlogy(y, p) + torch.special.xlogy(1 - y, 1 - p))
    return _reduce_weighted(loss, args)


def _eps_kept(eps: float, add: bool, to_probability=None):
    """p kept away from 0 and 1 by ``eps`` (added, or clamped) before the logs; ``p`` is the
    input, or ``to_probability(input)``."""

    def variant(**args):
        p = args["input"] if to_probability is None else to_probability(args["input"])
        if add:
            return _bce_terms((p + eps).log(), (1 - p + eps).log(), args, args.get("pos_weight"))
        p = p.clamp(eps, 1 - eps)
        return _bce_terms(p.log(), (1 - p).log(), args, args.get("pos_weight"))

    return variant


BCE = Exercise(
    id="binary_cross_entropy",
    signature="binary_cross_entropy(input, target, weight=None, reduction='mean')",
    zh="二元交叉熵：input 是概率 p，l = −w·[y·log p + (1 − y)·log(1 − p)]，log 截断在 −100。",
    en="Binary cross-entropy on probabilities p: l = −w [y log p + (1 − y) log(1 − p)], each "
       "log clamped at −100.",
    reference=F.binary_cross_entropy,
    make_cases=lambda: bilingual(_bce_cases()),
    mistakes=(
        Mistake("log 没有截断：p = 0 或 1 时 log 0 = −inf，0·(−inf) 得 nan。torch 把每个 log "
                "截断在 −100：torch.clamp(torch.log(p), min=-100)。",
                "The log is not clamped: at p = 0 or 1, log 0 = −inf and 0·(−inf) is nan. "
                "torch clamps each log at −100: torch.clamp(torch.log(p), min=-100).",
                (_bce_unclamped, _bce_xlogy)),
        Mistake("截断的是 p（加 eps），不是 log：p = 0 时得到 −log(eps)，而 torch 得到 100。",
                "p was clamped (an eps added), not the log: at p = 0 that gives −log(eps) where "
                "torch gives 100.",
                tuple(_eps_kept(e, add) for e in EPSILONS for add in (True, False))),
        Mistake("忽略了 weight：每一项都要乘以对应的权重。",
                "`weight` is ignored: each term is multiplied by its weight.",
                (option_ignored("weight", None, F.binary_cross_entropy),)),
        Mistake("少了负号：log p ≤ 0，损失是它的相反数。",
                "The minus sign is missing: log p ≤ 0, the loss is its negative.",
                (negated(F.binary_cross_entropy),)),
        *reduction_mistakes(F.binary_cross_entropy, "mean"),
    ),
)


# --- binary_cross_entropy_with_logits ------------------------------------------------------

def _logit_cases() -> list[Case]:
    g = generator(8)

    def logits(*shape, dtype=torch.float64):
        return 3 * randn(g, *shape, dtype=dtype)

    grad = ("input",)
    n = int(randint(g, 6, 1)) + 3
    extreme = {"input": torch.tensor([1e4, -1e4, 50.0, -50.0, 0.5, -1e4], dtype=torch.float64),
               "target": torch.tensor([0.0, 1.0, 0.0, 1.0, 1.0, 0.0], dtype=torch.float64)}
    pos_weight = rand(g, 4) * 3 + 0.5
    return [
        Case("default", {"input": logits(6), "target": _labels(g, 6)}, grad),
        Case("reduction='none'", {"input": logits(3, 4), "target": _labels(g, 3, 4),
                                  "reduction": "none"}, grad),
        Case("reduction='sum'", {"input": logits(3, 4), "target": _labels(g, 3, 4),
                                 "reduction": "sum"}, grad),
        Case("logits ±1e4", extreme, grad),
        Case("weight (4,), 'mean'", {"input": logits(3, 4), "target": _labels(g, 3, 4),
                                     "weight": rand(g, 4) + 0.5}, grad),
        Case("pos_weight (4,)", {"input": logits(3, 4), "target": _labels(g, 3, 4),
                                 "pos_weight": pos_weight}, grad),
        Case("pos_weight, 'none'", {"input": logits(3, 4), "target": _labels(g, 3, 4),
                                    "reduction": "none", "pos_weight": pos_weight}, grad),
        Case("weight and pos_weight", {"input": logits(3, 4), "target": _labels(g, 3, 4),
                                       "weight": rand(g, 4) + 0.5, "reduction": "sum",
                                       "pos_weight": pos_weight}, grad),
        Case("soft targets", {"input": logits(2, 3), "target": rand(g, 2, 3)}, grad),
        Case("float32", {"input": logits(6, dtype=F32), "target": _labels(g, 6, dtype=F32)},
             grad),
        Case(f"random ({n},), 'sum'", {"input": logits(n), "target": _labels(g, n),
                                       "reduction": "sum"}, grad),
    ]


def _naive_logits(**args):
    """log(sigmoid(x)) and log(1 - sigmoid(x)) as written: -inf for large |x|."""
    p = torch.sigmoid(args["input"])
    return _bce_terms(p.log(), (1 - p).log(), args, args.get("pos_weight"))


def _sigmoid_then_bce(**args):
    """torch's BCE on sigmoid(x): finite, but log(1 - sigmoid(1e4)) is clamped at -100."""
    if args.get("pos_weight") is not None:
        return None
    return F.binary_cross_entropy(torch.sigmoid(args["input"]), args["target"],
                                  args.get("weight"), reduction=args.get("reduction", "mean"))


def _pos_weight_misplaced(**args):
    """pos_weight on the negative term (1 - y) log(1 - p) instead of the positive one."""
    pos_weight = args.get("pos_weight")
    if pos_weight is None:
        return None
    x, y = args["input"], args["target"]
    loss = -(y * F.logsigmoid(x) + pos_weight * (1 - y) * F.logsigmoid(-x))
    return _reduce_weighted(loss, args)


def _pos_weight_everywhere(**args):
    """pos_weight scaling the whole loss."""
    pos_weight = args.get("pos_weight")
    if pos_weight is None:
        return None
    loss = F.binary_cross_entropy_with_logits(args["input"], args["target"], reduction="none")
    return _reduce_weighted(pos_weight * loss, args)


BCE_LOGITS = Exercise(
    id="binary_cross_entropy_with_logits",
    signature="binary_cross_entropy_with_logits(input, target, weight=None, reduction='mean', "
              "pos_weight=None)",
    zh="带 logits 的二元交叉熵：input 是 logits x，l = −w·[pos_weight·y·log σ(x) + "
       "(1 − y)·log(1 − σ(x))]，对任何 x 都要稳定。",
    en="Binary cross-entropy on logits x: l = −w [pos_weight y log σ(x) + (1 − y) "
       "log(1 − σ(x))], stable for any x.",
    reference=F.binary_cross_entropy_with_logits,
    make_cases=lambda: bilingual(_logit_cases()),
    mistakes=(
        Mistake("朴素的 log(sigmoid(x))：x 很大时 σ(x) 舍入成 1，log(1 − σ) = −inf。用稳定形式："
                "log σ(x) = −softplus(−x)，log(1 − σ(x)) = −softplus(x)，即 "
                "max(x, 0) − x·y + log(1 + exp(−|x|))。",
                "A naive log(sigmoid(x)): for large x, σ(x) rounds to 1 and log(1 − σ) = −inf. "
                "Use the stable forms log σ(x) = −softplus(−x) and log(1 − σ(x)) = "
                "−softplus(x), i.e. max(x, 0) − x·y + log(1 + exp(−|x|)).",
                (_naive_logits, _sigmoid_then_bce,
                 *(_eps_kept(e, add, torch.sigmoid) for e in EPSILONS for add in (True, False)))),
        Mistake("pos_weight 放错了位置：它只乘正样本项 y·log σ(x)。",
                "pos_weight is in the wrong place: it multiplies only the positive term "
                "y·log σ(x).", (_pos_weight_misplaced, _pos_weight_everywhere)),
        Mistake("忽略了 pos_weight。", "`pos_weight` is ignored.",
                (option_ignored("pos_weight", None, F.binary_cross_entropy_with_logits),)),
        Mistake("忽略了 weight：每一项都要乘以对应的权重。",
                "`weight` is ignored: each term is multiplied by its weight.",
                (option_ignored("weight", None, F.binary_cross_entropy_with_logits),)),
        Mistake("少了负号：log σ(x) ≤ 0，损失是它的相反数。",
                "The minus sign is missing: log σ(x) ≤ 0, the loss is its negative.",
                (negated(F.binary_cross_entropy_with_logits),)),
        *reduction_mistakes(F.binary_cross_entropy_with_logits, "mean"),
    ),
)


# --- sigmoid_focal_loss --------------------------------------------------------------------

def _focal(**args):
    from lossedu.binary import sigmoid_focal_loss

    return sigmoid_focal_loss(**args)


def _focal_cases() -> list[Case]:
    g = generator(9)

    def logits(*shape, dtype=torch.float64):
        return 2 * randn(g, *shape, dtype=dtype)

    grad = ("inputs",)
    n = int(randint(g, 6, 1)) + 3
    extreme = {"inputs": torch.tensor([50.0, -50.0, 30.0, -30.0, 0.1, 1e4], dtype=torch.float64),
               "targets": torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0, 0.0], dtype=torch.float64)}
    return [
        Case("default", {"inputs": logits(6), "targets": _labels(g, 6)}, grad),
        Case("reduction='mean'", {"inputs": logits(3, 4), "targets": _labels(g, 3, 4),
                                  "reduction": "mean"}, grad),
        Case("reduction='sum'", {"inputs": logits(3, 4), "targets": _labels(g, 3, 4),
                                 "reduction": "sum"}, grad),
        Case("alpha=0.5, gamma=1", {"inputs": logits(6), "targets": _labels(g, 6),
                                    "alpha": 0.5, "gamma": 1.0}, grad),
        Case("alpha=-1 (no alpha)", {"inputs": logits(6), "targets": _labels(g, 6),
                                     "alpha": -1.0}, grad),
        Case("gamma=0, 'mean'", {"inputs": logits(2, 3), "targets": _labels(g, 2, 3),
                                 "gamma": 0.0, "reduction": "mean"}, grad),
        Case("logits ±50", extreme, grad),
        Case("float32", {"inputs": logits(6, dtype=F32), "targets": _labels(g, 6, dtype=F32)},
             grad),
        Case(f"random ({n},), 'sum'", {"inputs": logits(n), "targets": _labels(g, n),
                                       "reduction": "sum"}, grad),
    ]


def _focal_terms(args: dict, bce, modulating: str = "p_t", alpha_everywhere: bool = False):
    """alpha_t (1 - p_t)^gamma bce, with the parts a mistake may change."""
    x, y = args["inputs"], args["targets"]
    alpha, gamma = args.get("alpha", 0.25), args.get("gamma", 2)
    p = torch.sigmoid(x)
    p_t = p * y + (1 - p) * (1 - y)
    loss = bce * (1 - (p_t if modulating == "p_t" else p)) ** gamma
    if alpha_everywhere:
        loss = alpha * loss
    elif alpha >= 0:
        loss = (alpha * y + (1 - alpha) * (1 - y)) * loss
    return reduce(loss, args.get("reduction", "none"))


def _stable_bce(args: dict) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(args["inputs"], args["targets"], reduction="none")


def _focal_naive(**args):
    p = torch.sigmoid(args["inputs"])
    y = args["targets"]
    return _focal_terms(args, -(y * p.log() + (1 - y) * (1 - p).log()))


def _focal_alpha_everywhere(**args):
    if args.get("alpha", 0.25) < 0:
        return None
    return _focal_terms(args, _stable_bce(args), alpha_everywhere=True)


def _focal_negative_alpha(**args):
    """alpha_t computed even for alpha < 0, which means "no weighting"."""
    alpha = args.get("alpha", 0.25)
    if alpha >= 0:
        return None
    y = args["targets"]
    loss = _focal_terms(with_(args, alpha=-1.0, reduction="none"), _stable_bce(args))
    return reduce((alpha * y + (1 - alpha) * (1 - y)) * loss, args.get("reduction", "none"))


FOCAL = Exercise(
    id="sigmoid_focal_loss",
    signature="sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2, reduction='none')",
    zh="Sigmoid focal loss（同 torchvision.ops）：α_t·(1 − p_t)^γ 乘以带 logits 的 BCE；"
       "alpha < 0 表示不加权，默认 reduction 是 'none'。",
    en="Sigmoid focal loss, as torchvision.ops: α_t (1 − p_t)^γ times BCE on logits; "
       "alpha < 0 means no weighting, and the default reduction is 'none'.",
    reference=_focal,
    make_cases=lambda: bilingual(_focal_cases()),
    positional=2,
    allows=("binary_cross_entropy_with_logits",),  # torchvision's own focal loss calls it
    mistakes=(
        Mistake("朴素的 log(sigmoid(x))：|x| 很大时得到 −inf 或 nan。BCE 部分请用 "
                "binary_cross_entropy_with_logits 的稳定形式。",
                "A naive log(sigmoid(x)): −inf or nan for large |x|. Compute the BCE part in "
                "the stable form of binary_cross_entropy_with_logits.", (_focal_naive,)),
        Mistake("所有项都乘了 α：负样本应乘 1 − α，即 α_t = α·y + (1 − α)·(1 − y)。",
                "Every term is multiplied by α: negatives take 1 − α, "
                "α_t = α·y + (1 − α)·(1 − y).", (_focal_alpha_everywhere,)),
        Mistake("调制因子用了 (1 − p)^γ：应为 (1 − p_t)^γ，p_t 是正确类别的概率。",
                "The modulating factor is (1 − p)^γ; it is (1 − p_t)^γ, with p_t the "
                "probability of the true class.",
                (lambda **a: _focal_terms(a, _stable_bce(a), modulating="p"),)),
        Mistake("alpha < 0 时不应加权（torchvision 的约定），你的结果仍乘了 α_t。",
                "alpha < 0 means no weighting (torchvision's convention); your result still "
                "applies α_t.", (_focal_negative_alpha,)),
        Mistake("默认的 reduction 应为 'none'（与 torchvision 一致），你的默认值做了平均。",
                "The default reduction is 'none', as in torchvision; your default averages.",
                (lambda **a: None if "reduction" in a else _focal(**a, reduction="mean"),)),
        *reduction_mistakes(_focal, "none"),
    ),
)

EXERCISES = (BCE, BCE_LOGITS, FOCAL)
