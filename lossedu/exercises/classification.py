"""Exercises on the multi-class losses: cross-entropy on logits and NLL on log-probabilities.
torch is the reference."""

import torch
import torch.nn.functional as F

from lossedu._reduction import reduce
from lossedu.exercises.spec import (
    Case,
    Exercise,
    Mistake,
    bilingual,
    generator,
    negated,
    rand,
    randint,
    randn,
    reduction_mistakes,
    with_,
)

GRAD = ("input",)
# logits far apart: exp(1e4) overflows (inf / inf = nan) and exp(-1e4) underflows to 0
EXTREME = [[1e4, -1e4, 0.0, 1.0], [-1e4, -1e4 + 1, -1e4 + 2, -1e4], [3.0, 1e4, -1e4, 0.0]]


def _class_cases(g, make_input, name: str) -> list[Case]:
    """What cross_entropy and nll_loss share: reductions, weights, ignore_index, shapes."""
    n, c = (int(v) for v in randint(g, 5, 2) + 3)
    w = rand(g, 5) + 0.2
    ignored = torch.tensor([0, -100, 4, 2, -100, 1])
    with_class_2 = torch.tensor([2, 0, 2, 4, 1, 2])
    return [
        Case("default", {"input": make_input(4, 5), "target": randint(g, 5, 4)}, GRAD),
        Case("reduction='sum'", {"input": make_input(4, 5), "target": randint(g, 5, 4),
                                 "reduction": "sum"}, GRAD),
        Case("reduction='none'", {"input": make_input(4, 5), "target": randint(g, 5, 4),
                                  "reduction": "none"}, GRAD),
        Case("weight, 'mean'", {"input": make_input(6, 5), "target": randint(g, 5, 6),
                                "weight": w}, GRAD),
        Case("weight, 'none'", {"input": make_input(4, 5), "target": randint(g, 5, 4),
                                "weight": w, "reduction": "none"}, GRAD),
        Case("ignore_index=-100", {"input": make_input(6, 5), "target": ignored}, GRAD),
        Case("ignore_index=2", {"input": make_input(6, 5), "target": with_class_2,
                                "ignore_index": 2}, GRAD),
        Case("weight, ignore_index", {"input": make_input(6, 5), "target": ignored,
                                      "weight": w}, GRAD),
        Case(f"{name} (2, 3, 2, 2), 'none'", {"input": make_input(2, 3, 2, 2),
                                              "target": randint(g, 3, 2, 2, 2),
                                              "reduction": "none"}, GRAD),
        Case("float32", {"input": make_input(4, 5).float(), "target": randint(g, 5, 4)}, GRAD),
        Case(f"random ({n}, {c}), 'sum'", {"input": make_input(n, c), "target": randint(g, c, n),
                                           "reduction": "sum"}, GRAD),
    ]


def _options(args: dict) -> dict:
    """weight, ignore_index and reduction as given, with torch's defaults."""
    return {"weight": args.get("weight"), "ignore_index": args.get("ignore_index", -100),
            "reduction": args.get("reduction", "mean")}


def _hard(args: dict) -> bool:
    return not args["target"].is_floating_point()


def _weighted_mean_over_n(reference, count_ignored: bool):
    """sum_n w_{y_n} l_n / N instead of / sum_n w_{y_n}; N counting the ignored or not."""

    def variant(**args):
        if args.get("weight") is None or args.get("reduction", "mean") != "mean":
            return None
        target = args["target"]
        n = target.numel() if count_ignored else (target != args.get("ignore_index", -100)).sum()
        return reference(**with_(args, reduction="sum")) / n

    return variant


def _ignored_counted(reference):
    """Ignored targets divide the mean (N instead of the kept count), or are not masked at
    all when ignore_index is a real class."""

    def over_all(**args):
        target, ignore = args["target"], args.get("ignore_index", -100)
        if not _hard(args) or args.get("weight") is not None or not (target == ignore).any():
            return None
        if args.get("reduction", "mean") != "mean":
            return None
        return reference(**with_(args, reduction="sum")) / target.numel()

    def unmasked(**args):
        ignore = args.get("ignore_index", -100)
        if not _hard(args) or not 0 <= ignore < args["input"].shape[1]:
            return None
        return reference(**with_(args, ignore_index=-100))

    return over_all, unmasked


def _every_row_target(log_probs_of):
    """-log q[:, target]: an (N, N) grid, every sample scored on every sample's class."""

    def variant(**args):
        if not _hard(args) or args["input"].dim() != 2 or args.get("weight") is not None:
            return None
        picked = -log_probs_of(args)[:, args["target"]]  # (N, N)
        return reduce(picked, args.get("reduction", "mean"))

    return variant


# --- cross_entropy -------------------------------------------------------------------------

def _ce_cases() -> list[Case]:
    g = generator(5)

    def logits(*shape):
        return 2 * randn(g, *shape)

    cases = _class_cases(g, logits, "logits")
    cases[3:3] = [Case("logits ±1e4", {"input": torch.tensor(EXTREME, dtype=torch.float64),
                                       "target": torch.tensor([1, 2, 0])}, GRAD)]
    w = rand(g, 5) + 0.2
    return cases + [
        Case("label_smoothing=0.1", {"input": logits(4, 5), "target": randint(g, 5, 4),
                                     "label_smoothing": 0.1}, GRAD),
        Case("label_smoothing, weight", {"input": logits(6, 5), "target": randint(g, 5, 6),
                                         "weight": w, "label_smoothing": 0.2}, GRAD),
        Case("probability targets", {"input": logits(4, 5),
                                     "target": F.softmax(randn(g, 4, 5), 1)}, GRAD),
    ]


def _naive_softmax(**args):
    """log(exp(x) / sum exp(x)): exp overflows, or underflows to log 0."""
    if not _hard(args) or args.get("label_smoothing", 0.0):
        return None
    exp = args["input"].exp()
    return F.nll_loss((exp / exp.sum(1, keepdim=True)).log(), args["target"], **_options(args))


def _clamped_softmax(eps: float, add: bool):
    """log(softmax + eps) or log(clamp(softmax, eps)): finite, but the tail is lost."""

    def variant(**args):
        if not _hard(args) or args.get("label_smoothing", 0.0):
            return None
        probs = F.softmax(args["input"], 1)
        probs = probs + eps if add else probs.clamp(min=eps)
        return F.nll_loss(probs.log(), args["target"], **_options(args))

    return variant


def _smoothing_over_others(**args):
    """Label smoothing that gives eps/(C-1) to each wrong class, not eps/C to every class."""
    eps = args.get("label_smoothing", 0.0)
    if not eps or not _hard(args) or args.get("weight") is not None or args["input"].dim() != 2:
        return None
    log_q = F.log_softmax(args["input"], 1)  # (N, C)
    c = log_q.shape[1]
    q = torch.full_like(log_q, eps / (c - 1)).scatter_(1, args["target"][:, None], 1 - eps)
    return reduce(-(q * log_q).sum(1), args.get("reduction", "mean"))


EPSILONS = (1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-12, 1e-15)

CROSS_ENTROPY = Exercise(
    id="cross_entropy",
    signature="cross_entropy(input, target, weight=None, ignore_index=-100, reduction='mean', "
              "label_smoothing=0.0)",
    zh="交叉熵：input 是未归一化的 logits，target 是类别下标（或概率）；支持类别权重、"
       "ignore_index 和标签平滑。",
    en="Cross-entropy: `input` holds unnormalised logits, `target` class indices (or "
       "probabilities); with class weights, ignore_index and label smoothing.",
    reference=F.cross_entropy,
    make_cases=lambda: bilingual(_ce_cases()),
    mistakes=(
        Mistake("朴素 softmax 溢出：exp(1e4) 是 inf，inf/inf 得 nan。先减去每行的最大值，"
                "也就是 log-sum-exp：log q = x − max − log Σ exp(x − max)。",
                "The naive softmax overflows: exp(1e4) is inf, and inf/inf is nan. Subtract "
                "each row's maximum first, the log-sum-exp form: log q = x − max − "
                "log Σ exp(x − max).", (_naive_softmax,)),
        Mistake("先算 softmax 再取 log：概率被舍入成 0，加上的 eps 让损失停在 −log(eps) 附近。"
                "直接算 log-softmax：x − logsumexp(x)。",
                "softmax first, log after: probabilities round to 0, and the eps added keeps "
                "the loss near −log(eps). Compute log-softmax directly: x − logsumexp(x).",
                tuple(_clamped_softmax(e, add) for e in EPSILONS for add in (True, False))),
        Mistake("加权平均除以了 N：torch 的 'mean' 除以的是权重之和 Σ w[y_n]。",
                "The weighted mean was divided by N: torch's 'mean' divides by the sum of "
                "the weights, Σ w[y_n].",
                tuple(_weighted_mean_over_n(F.cross_entropy, c) for c in (True, False))),
        Mistake("被忽略的目标仍然算了进去：target == ignore_index 的样本既不计损失，也不计入"
                "平均的分母。",
                "Ignored targets still count: samples with target == ignore_index add no loss "
                "and are not counted in the mean.", _ignored_counted(F.cross_entropy)),
        Mistake("标签平滑用了 ε/(C−1)：torch 把 ε 平均分给全部 C 个类别（包括正确类别），"
                "即 (1−ε)·onehot + ε/C。",
                "Label smoothing with ε/(C−1): torch spreads ε over all C classes, the right one "
                "included: (1−ε)·onehot + ε/C.", (_smoothing_over_others,)),
        Mistake("忽略了 label_smoothing：结果与不做平滑时相同。",
                "`label_smoothing` is ignored: the result is the unsmoothed loss.",
                (lambda **a: F.cross_entropy(**with_(a, label_smoothing=0.0))
                 if a.get("label_smoothing") else None,)),
        Mistake("下标取错了：q[:, target] 是 N×N 的表，每个样本都按所有样本的类别算了一遍；"
                "应取 q[range(N), target]。",
                "Wrong indexing: q[:, target] is an N×N grid that scores every sample on every "
                "sample's class; take q[range(N), target].",
                (_every_row_target(lambda a: F.log_softmax(a["input"], 1)),)),
        Mistake("少了负号：交叉熵是 −log q，结果应当非负。",
                "The minus sign is missing: cross-entropy is −log q, never negative.",
                (negated(F.cross_entropy),)),
        *reduction_mistakes(F.cross_entropy, "mean"),
    ),
)


# --- nll_loss ------------------------------------------------------------------------------

def _nll_cases() -> list[Case]:
    g = generator(6)

    def log_probs(*shape):
        return F.log_softmax(randn(g, *shape), 1)

    return _class_cases(g, log_probs, "log-probs")


NLL = Exercise(
    id="nll_loss",
    signature="nll_loss(input, target, weight=None, ignore_index=-100, reduction='mean')",
    zh="负对数似然：input 已是 log-probabilities，取出目标类别那一项、取负；支持类别权重和 "
       "ignore_index。",
    en="Negative log-likelihood: `input` already holds log-probabilities; pick the target "
       "class's entry and negate it; with class weights and ignore_index.",
    reference=F.nll_loss,
    make_cases=lambda: bilingual(_nll_cases()),
    mistakes=(
        Mistake("加权平均除以了 N：torch 的 'mean' 除以的是权重之和 Σ w[y_n]。",
                "The weighted mean was divided by N: torch's 'mean' divides by the sum of "
                "the weights, Σ w[y_n].",
                tuple(_weighted_mean_over_n(F.nll_loss, c) for c in (True, False))),
        Mistake("被忽略的目标仍然算了进去：target == ignore_index 的样本既不计损失，也不计入"
                "平均的分母。",
                "Ignored targets still count: samples with target == ignore_index add no loss "
                "and are not counted in the mean.", _ignored_counted(F.nll_loss)),
        Mistake("下标取错了：input[:, target] 是 N×N 的表；应取 input[range(N), target]。",
                "Wrong indexing: input[:, target] is an N×N grid; take "
                "input[range(N), target].", (_every_row_target(lambda a: a["input"]),)),
        Mistake("少了负号：input 是 log q（不大于 0），损失是 −log q。",
                "The minus sign is missing: `input` is log q (at most 0), the loss is −log q.",
                (negated(F.nll_loss),)),
        Mistake("又取了一次 log：input 已经是对数概率了。",
                "A second log was taken: `input` already holds log-probabilities.",
                (lambda **a: F.nll_loss(**with_(a, input=a["input"].log())),)),
        *reduction_mistakes(F.nll_loss, "mean"),
    ),
)

EXERCISES = (CROSS_ENTROPY, NLL)
