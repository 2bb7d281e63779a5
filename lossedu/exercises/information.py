"""Exercises on information theory: KL divergence (torch is the reference) and entropy
(lossedu is)."""

import math

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
    negated,
    randint,
    randn,
    reduction_mistakes,
    with_,
)

# --- kl_div --------------------------------------------------------------------------------


def _kl_cases() -> list[Case]:
    g = generator(10)

    def pair(*shape, dtype=torch.float64):
        return {"input": F.log_softmax(randn(g, *shape, dtype=dtype), -1),
                "target": F.softmax(randn(g, *shape, dtype=dtype), -1)}

    grad = ("input", "target")
    n, c = (int(v) for v in randint(g, 4, 2) + 2)
    zeros = pair(3, 4)
    zeros["target"] = torch.tensor([[0.5, 0.5, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0],
                                    [0.2, 0.3, 0.4, 0.1]], dtype=torch.float64)
    log_target = pair(3, 4)
    log_target["target"] = log_target["target"].log()
    return [
        Case("default", pair(3, 4), grad),
        Case("'batchmean'", {**pair(3, 4), "reduction": "batchmean"}, grad),
        Case("reduction='sum'", {**pair(3, 4), "reduction": "sum"}, grad),
        Case("reduction='none'", {**pair(2, 5), "reduction": "none"}, grad),
        Case("zeros in target", {**zeros, "reduction": "batchmean"}, ("input",)),
        Case("log_target=True", {**log_target, "reduction": "batchmean", "log_target": True},
             grad),
        Case("(2, 3, 4), 'batchmean'", {**pair(2, 3, 4), "reduction": "batchmean"}, grad),
        Case("float32", {**pair(3, 4, dtype=F32), "reduction": "batchmean"}, grad),
        Case(f"random ({n}, {c}), 'sum'", {**pair(n, c), "reduction": "sum"}, grad),
    ]


def _kl_reduce(loss: torch.Tensor, args: dict) -> torch.Tensor:
    reduction = args.get("reduction", "mean")
    if reduction == "batchmean":
        return loss.sum() / args["input"].size(0)
    return reduce(loss, reduction)


def _target_probs(args: dict) -> torch.Tensor:
    return args["target"].exp() if args.get("log_target") else args["target"]


def _kl_reversed(**args):
    """KL(q || p) = sum q (log q - log p), with q = exp(input), p the target."""
    q_log = args["input"]
    p_log = args["target"] if args.get("log_target") else args["target"].log()
    return _kl_reduce(q_log.exp() * (q_log - p_log), args)


def _kl_naive(**args):
    """p (log p - x) as written: 0 * log 0 = 0 * (-inf) = nan."""
    if args.get("log_target"):
        return None
    p = args["target"]
    return _kl_reduce(p * (p.log() - args["input"]), args)


def _kl_input_as_probs(**args):
    """input taken as probabilities: its log taken again (nan: log of a negative number)."""
    p = _target_probs(args)
    return _kl_reduce(torch.special.xlogy(p, p) - p * args["input"].log(), args)


KL_DIV = Exercise(
    id="kl_div",
    signature="kl_div(input, target, reduction='mean', log_target=False)",
    zh="KL 散度（torch 的约定）：input 是 log q，target 是 p（log_target=True 时为 log p），"
       "l = p·(log p − log q)，且 0·log 0 = 0；'batchmean' 除以批大小。",
    en="KL divergence, torch's way round: `input` holds log q, `target` p (log p with "
       "log_target=True); l = p (log p − log q) with 0·log 0 = 0; 'batchmean' divides by the "
       "batch size.",
    reference=F.kl_div,
    make_cases=lambda: bilingual(_kl_cases()),
    mistakes=(
        Mistake("'batchmean' 算成了 'mean'：'mean' 除以元素个数，'batchmean' 只除以批大小 "
                "input.size(0)，这才是 KL 散度的平均。",
                "'batchmean' computed as 'mean': 'mean' divides by the number of elements, "
                "'batchmean' by the batch size input.size(0), which is the mean KL divergence.",
                (lambda **a: F.kl_div(**with_(a, reduction="mean"))
                 if a.get("reduction") == "batchmean" else None,)),
        Mistake("0·log 0 得到了 nan：p = 0 的项应为 0，用 torch.xlogy(p, p) 或 torch.where。",
                "0·log 0 gave nan: terms with p = 0 are 0; use torch.xlogy(p, p) or "
                "torch.where.", (_kl_naive,)),
        Mistake("方向反了：算成了 KL(q ‖ p)。torch 的 kl_div(input, target) 是 "
                "KL(target ‖ exp(input)) = Σ p·(log p − input)。",
                "The direction is reversed: this is KL(q ‖ p). torch's kl_div(input, target) is "
                "KL(target ‖ exp(input)) = Σ p (log p − input).", (_kl_reversed,)),
        Mistake("又对 input 取了 log：input 本来就是对数概率。",
                "The log of `input` was taken again: `input` already holds log-probabilities.",
                (_kl_input_as_probs,)),
        Mistake("忽略了 log_target：log_target=True 时 target 是 log p，需要先 exp。",
                "`log_target` is ignored: with log_target=True the target is log p, exp it "
                "first.", (lambda **a: F.kl_div(**with_(a, log_target=False))
                           if a.get("log_target") else None,)),
        Mistake("符号反了：KL 散度是 Σ p·(log p − log q)，不小于 0。",
                "The sign is reversed: KL is Σ p (log p − log q), never negative.",
                (negated(F.kl_div),)),
        *reduction_mistakes(F.kl_div, "mean", ("none", "mean", "sum", "batchmean")),
    ),
)


# --- entropy -------------------------------------------------------------------------------

def _entropy(**args):
    from lossedu.information import entropy

    return entropy(**args)


def _entropy_cases() -> list[Case]:
    g = generator(11)

    def probs(*shape, dim=-1, dtype=torch.float64):
        return F.softmax(randn(g, *shape, dtype=dtype), dim)

    grad = ("p",)
    n, c = (int(v) for v in randint(g, 4, 2) + 2)
    zeros = torch.tensor([[0.5, 0.5, 0.0], [0.0, 0.25, 0.75]], dtype=torch.float64)
    one_hot = torch.eye(4, dtype=torch.float64)[[1, 3, 0]]
    return [
        Case("(5,)", {"p": probs(5)}, grad),
        Case("(3, 5)", {"p": probs(3, 5)}, grad),
        Case("dim=0", {"p": probs(5, 3, dim=0), "dim": 0}, grad),
        Case("(2, 4, 3), dim=1", {"p": probs(2, 4, 3, dim=1), "dim": 1}, grad),
        Case("zeros in p", {"p": zeros}, grad, values_only=True),
        Case("one-hot rows", {"p": one_hot}, grad, values_only=True),
        Case("float32", {"p": probs(3, 4, dtype=F32)}, grad),
        Case(f"random ({n}, {c})", {"p": probs(n, c)}, grad),
    ]


def _entropy_naive(**args):
    p = args["p"]
    return -(p * p.log()).sum(args.get("dim", -1))


ENTROPY = Exercise(
    id="entropy",
    signature="entropy(p, dim=-1)",
    zh="熵：H(p) = −Σ p·ln p，沿 dim 求和，单位是奈特（nat），并约定 0·log 0 = 0。",
    en="Entropy H(p) = −Σ p ln p along `dim`, in nats, with 0·log 0 = 0.",
    reference=_entropy,
    make_cases=lambda: bilingual(_entropy_cases()),
    positional=1,
    mistakes=(
        Mistake("0·log 0 得到了 nan：p = 0 的项应为 0，用 torch.xlogy(p, p) 或 torch.where。",
                "0·log 0 gave nan: terms with p = 0 are 0; use torch.xlogy(p, p) or "
                "torch.where.", (_entropy_naive,)),
        Mistake("用了以 2 为底的对数（比特）；这里要自然对数（奈特）。",
                "Base-2 logarithms (bits); the unit here is the nat, natural logarithms.",
                (lambda **a: _entropy(**a) / math.log(2),)),
        Mistake("少了负号：熵是 −Σ p·log p，不小于 0。",
                "The minus sign is missing: entropy is −Σ p log p, never negative.",
                (negated(_entropy),)),
        Mistake("求和的维度不对：要沿 dim 求和，只消去这一维。",
                "Summed over the wrong dimensions: sum along `dim` only.",
                (lambda **a: _entropy(**with_(a, dim=-1)),
                 lambda **a: -torch.special.xlogy(a["p"], a["p"]).sum())),
        Mistake("沿 dim 取了平均而不是求和。", "A mean along `dim` instead of a sum.",
                (lambda **a: -torch.special.xlogy(a["p"], a["p"]).mean(a.get("dim", -1)),)),
    ),
)

EXERCISES = (KL_DIV, ENTROPY)
