"""Exercises around the loss rather than on one: a stable log-softmax (the pitfalls chapter; torch
is the reference), one optimiser step's gradient with accumulation and clipping (the training
chapter), and the loss a classifier starts from (choosing a loss). The last two have their
references here: what ``train_one_epoch`` does to the gradients, and ln C."""

import math

import torch
import torch.nn.functional as F

from lossedu._reduction import reduce
from lossedu.exercises.spec import (
    F32,
    Case,
    Exercise,
    Mistake,
    generator,
    randint,
    randn,
    reduction_mistakes,
    with_,
)

# --- log_softmax ---------------------------------------------------------------------------


def _log_softmax_cases() -> list[Case]:
    g = generator(20)
    grad = ("input",)
    extreme = torch.tensor([[1e4, -1e4, 0.0, 5e3], [-1e4, -1e4 + 1, -1e4 - 1, -1e4]],
                           dtype=torch.float64)
    apart = torch.stack([randn(g, 4), randn(g, 4) - 1e3])  # two rows, 1000 apart
    n, c = (int(v) for v in randint(g, 4, 2) + 2)
    return [
        Case("(3, 5), dim=1", {"input": randn(g, 3, 5), "dim": 1}, grad),
        Case("dim=0", {"input": randn(g, 5, 3), "dim": 0}, grad),
        Case("(5,), dim=0", {"input": randn(g, 5), "dim": 0}, grad),
        Case("(2, 3, 4), dim=1", {"input": randn(g, 2, 3, 4), "dim": 1}, grad),
        Case("(2, 3, 4), dim=-1", {"input": randn(g, 2, 3, 4), "dim": -1}, grad),
        Case("logits ±1e4", {"input": extreme, "dim": 1}, grad),
        Case("rows 1000 apart", {"input": apart, "dim": 1}, grad, label_zh="两行相差 1000"),
        Case("float32", {"input": randn(g, 3, 5, dtype=F32), "dim": 1}, grad),
        Case(f"random ({n}, {c}), dim=1", {"input": 3 * randn(g, n, c), "dim": 1}, grad),
    ]


def _exp_over_sum(x, dim):
    return x.exp() / x.exp().sum(dim, keepdim=True)


LOG_SOFTMAX = Exercise(
    id="log_softmax",
    signature="log_softmax(input, dim)",
    zh="数值稳定的 log-softmax：log softmax(z)_i = (z_i − m) − log Σ_j exp(z_j − m)，m 是沿 dim 的"
       "最大值；logits 再大也不能出现 inf 或 nan。不许调用 log_softmax 或 logsumexp。",
    en="A numerically stable log-softmax: log softmax(z)_i = (z_i − m) − log Σ_j exp(z_j − m), "
       "with m the maximum along `dim`; no inf or nan, however large the logits. Calling "
       "log_softmax or logsumexp is not allowed.",
    reference=F.log_softmax,
    make_cases=_log_softmax_cases,
    forbids=("log_softmax", "logsumexp", "special_log_softmax", "special_logsumexp"),
    mistakes=(
        Mistake("朴素公式溢出了：exp(1e4) 是 inf，inf/inf 得 nan。先减去沿 dim 的最大值再取 exp。",
                "The naive formula overflows: exp(1e4) is inf, and inf/inf is nan. Subtract the "
                "maximum along `dim` before the exp.",
                (lambda **a: _exp_over_sum(a["input"], a["dim"]).log(),)),
        Mistake("先算 softmax 再取 log：远小于最大值的那些概率下溢为 0，log 0 = −inf。"
                "要在对数空间里算：(z − m) − log Σ exp(z − m)。",
                "softmax first, log after: the probabilities far below the largest underflow to "
                "0, and log 0 = −inf. Stay in log space: (z − m) − log Σ exp(z − m).",
                (lambda **a: F.softmax(a["input"], a["dim"]).log(),)),
        Mistake("减去的是整个张量的最大值，而不是沿 dim 每一行各自的最大值：比最大值小得多的行整行"
                "下溢。用 input.amax(dim, keepdim=True)。",
                "The maximum of the whole tensor was subtracted, not each row's maximum along "
                "`dim`: a row far below it underflows entirely. Use "
                "input.amax(dim, keepdim=True).",
                (lambda **a: (a["input"] - a["input"].max())
                 - (a["input"] - a["input"].max()).exp().sum(a["dim"], keepdim=True).log(),)),
        Mistake("最大值只在 exp 里减了：log Σ exp(z − m) 之外还要减去 m，结果差了一个 m。",
                "The maximum was subtracted inside the exp only: log Σ exp(z − m) leaves out m, so "
                "the result is off by m.",
                (lambda **a: a["input"] - (a["input"] - a["input"].amax(a["dim"], keepdim=True))
                 .exp().sum(a["dim"], keepdim=True).log(),)),
        Mistake("只减了最大值，没有减去 log Σ exp：结果没有归一化，exp 之后加起来不是 1。",
                "Only the maximum was subtracted, not log Σ exp: the result is not normalised, "
                "its exp does not sum to 1.",
                (lambda **a: a["input"] - a["input"].amax(a["dim"], keepdim=True),)),
        Mistake("归一化的维度不对：要沿 dim 计算，不是总沿最后一维或整个张量。",
                "Normalised along the wrong dimension: along `dim`, not always the last one or "
                "the whole tensor.",
                (lambda **a: F.log_softmax(a["input"], -1),
                 lambda **a: a["input"] - a["input"].flatten().logsumexp(0))),
    ),
)


# --- accumulate_and_clip -------------------------------------------------------------------

def accumulate_and_clip(grads: torch.Tensor, max_norm: float) -> torch.Tensor:
    """The gradient one optimiser step uses: the mean of the ``k`` micro-batches' gradients
    (``grads``, shape (k, P)), then rescaled as ``clip_grad_norm_`` does,
    g · min(1, max_norm / (‖g‖ + 1e-6))."""
    g = grads.mean(0)                                   # (P,): a short group, its own length
    scale = (max_norm / (g.norm() + 1e-6)).clamp(max=1)
    return g * scale


def _clip(g, max_norm):
    return g * (max_norm / (g.norm() + 1e-6)).clamp(max=1)


def _accumulate_cases() -> list[Case]:
    g = generator(21)

    def case(label, grads, max_norm, label_zh=None):
        return Case(label, {"grads": grads, "max_norm": max_norm}, values_only=True,
                    label_zh=label_zh)

    apart = randn(g, 1, 6).repeat(4, 1) * torch.tensor([[3.0], [-3.0], [2.5], [-2.0]],
                                                       dtype=torch.float64)
    k, p = (int(v) for v in randint(g, 4, 2) + 2)
    return [
        case("k=4, norm < max_norm", 0.1 * randn(g, 4, 6), 10.0, "k=4，范数 < max_norm"),
        case("k=4, norm > max_norm", 2 * randn(g, 4, 6), 0.5, "k=4，范数 > max_norm"),
        case("k=1", randn(g, 1, 5), 1.0),
        case("k=3, a short last group", randn(g, 3, 8) + 1, 1.0, "k=3，较短的最后一组"),
        case("micro-batches that cancel", apart, 1.0, "互相抵消的微批次"),
        case("max_norm=2.5", randn(g, 4, 10), 2.5),
        case("zero gradient", torch.zeros(3, 4, dtype=torch.float64), 1.0, "梯度全为零"),
        case("float32", randn(g, 4, 6, dtype=F32) * 3, 1.0),
        case(f"random (k={k}, P={p})", 3 * randn(g, k, p), 0.8),
    ]


ACCUMULATE_AND_CLIP = Exercise(
    id="accumulate_and_clip",
    signature="accumulate_and_clip(grads, max_norm)",
    zh="一个优化步用的梯度：grads 的每一行是一个微批次（其损失为均值）的梯度，形状 (k, P)。先累积成"
       "整组的平均梯度 g（最后一组较短时，除以它自己的行数），再像 clip_grad_norm_ 那样裁剪："
       "g·min(1, max_norm/(‖g‖ + 1e-6))。不许调用 torch.nn.utils 的裁剪函数。",
    en="The gradient of one optimiser step: each row of `grads`, shape (k, P), is one "
       "micro-batch's gradient of its mean loss. Accumulate them into the group's mean gradient "
       "g (a short last group is divided by its own number of rows), then clip it as "
       "clip_grad_norm_ does: g · min(1, max_norm / (‖g‖ + 1e-6)). Calling torch.nn.utils' "
       "clipping functions is not allowed.",
    reference=accumulate_and_clip,
    make_cases=_accumulate_cases,
    forbids=("clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "clip_grads_with_norm_",
             "get_total_norm"),
    mistakes=(
        Mistake("梯度加起来了却没有除以 k：每个微批次的损失要除以 k（或者对梯度取平均），累积的才是"
                "整组的平均梯度。",
                "The gradients were added up but not divided by k: divide each micro-batch's "
                "loss by k (or average the gradients) so that the sum is the group's mean "
                "gradient.", (lambda **a: _clip(a["grads"].sum(0), a["max_norm"]),)),
        Mistake("每个微批次各自裁剪之后再平均：裁剪的是这一步真正使用的梯度，要先累积、后裁剪。",
                "Each micro-batch was clipped on its own, then averaged: clipping applies to the "
                "gradient the step uses, so accumulate first and clip after.",
                (lambda **a: torch.stack([_clip(row, a["max_norm"]) for row in a["grads"]])
                 .mean(0),)),
        Mistake("先裁剪梯度之和，再除以 k：范数要在平均梯度上计算。",
                "The sum was clipped, then divided by k: the norm is that of the mean gradient.",
                (lambda **a: _clip(a["grads"].sum(0), a["max_norm"]) / len(a["grads"]),)),
        Mistake("逐元素截断到 [−max_norm, max_norm]（那是 clip_grad_value_）：按范数裁剪保持方向，"
                "把整个向量等比缩小。",
                "Each element was clamped to [−max_norm, max_norm] (that is clip_grad_value_): "
                "clipping by norm keeps the direction and shrinks the whole vector.",
                (lambda **a: a["grads"].mean(0).clamp(-a["max_norm"], a["max_norm"]),)),
        Mistake("范数本来就不超过 max_norm 时也做了缩放：系数是 min(1, max_norm/‖g‖)，梯度只会"
                "缩短，不会拉长。",
                "Rescaled even when the norm was below max_norm: the factor is "
                "min(1, max_norm / ‖g‖), which shortens a gradient and never stretches it.",
                (lambda **a: a["grads"].mean(0) * a["max_norm"]
                 / (a["grads"].mean(0).norm() + 1e-6),
                 lambda **a: a["grads"].mean(0) * a["max_norm"] / a["grads"].mean(0).norm())),
        Mistake("范数算成了各行范数的平均（或逐行分别计算）：要的是平均梯度这一个向量的 L2 范数。",
                "The norm is the mean of the rows' norms: the one that counts is the L2 norm of "
                "the mean gradient, a single vector.",
                (lambda **a: a["grads"].mean(0) * (a["max_norm"] / (a["grads"].norm(dim=1).mean()
                                                                    + 1e-6)).clamp(max=1),)),
    ),
)


# --- loss_at_init --------------------------------------------------------------------------

def loss_at_init(num_classes: int, batch_size: int, reduction: str = "mean",
                 multi_label: bool = False) -> torch.Tensor:
    """The loss of a classifier whose logits are all 0: cross-entropy ln C per sample; with
    ``multi_label`` (one sigmoid per class), ln 2 per label, shape (N, C) before the
    reduction."""
    if multi_label:
        losses = torch.full((batch_size, num_classes), math.log(2))  # BCE at p = 1/2
    else:
        losses = torch.full((batch_size,), math.log(num_classes))    # -log(1/C)
    return reduce(losses, reduction)


def _loss_at_init_cases() -> list[Case]:
    def case(label, c, n, label_zh=None, **options):
        return Case(label, {"num_classes": c, "batch_size": n, **options}, label_zh=label_zh)

    return [
        case("C=10, N=32", 10, 32),
        case("C=2, N=8", 2, 8),
        case("C=1000, N=4", 1000, 4),
        case("reduction='sum'", 10, 32, reduction="sum"),
        case("reduction='none'", 5, 4, reduction="none"),
        case("multi_label=True", 5, 8, multi_label=True),
        case("multi_label, 'sum'", 5, 8, reduction="sum", multi_label=True),
        case("multi_label, 'none'", 3, 4, reduction="none", multi_label=True),
    ]


def _per_sample_labels(**a):
    """Multi-label, one loss per sample: C ln 2 summed over the labels."""
    if not a.get("multi_label"):
        return None
    losses = torch.full((a["batch_size"],), a["num_classes"] * math.log(2))
    return reduce(losses, a.get("reduction", "mean"))


LOSS_AT_INIT = Exercise(
    id="loss_at_init",
    signature="loss_at_init(num_classes, batch_size, reduction='mean', multi_label=False)",
    zh="训练之前的损失：logits 全为 0 的分类器在 N 个样本上的损失，以张量返回。单标签（softmax 加"
       "交叉熵）每个样本是 ln C；multi_label=True（每个类别一个 sigmoid 加 BCE）每个标签是 ln 2，"
       "归约之前的形状是 (N, C)。",
    en="The loss before training: the loss of a classifier whose logits are all 0 on N samples, "
       "as a tensor. Single-label (softmax and cross-entropy): ln C per sample; with "
       "multi_label=True (a sigmoid and BCE per class): ln 2 per label, shape (N, C) before the "
       "reduction.",
    reference=loss_at_init,
    make_cases=_loss_at_init_cases,
    mistakes=(
        Mistake("用了以 10 或 2 为底的对数：交叉熵用自然对数，单位是奈特。",
                "Base-10 or base-2 logarithms: cross-entropy uses natural logarithms, in nats.",
                (lambda **a: loss_at_init(**a) / math.log(10),
                 lambda **a: loss_at_init(**a) / math.log(2))),
        Mistake("返回的是概率 1/C，而不是它的负对数 −log(1/C) = ln C。",
                "That is the probability 1/C, not its negative log, −log(1/C) = ln C.",
                (lambda **a: None if a.get("multi_label") else
                 reduce(torch.full((a["batch_size"],), 1 / a["num_classes"]),
                        a.get("reduction", "mean")),)),
        Mistake("符号反了：损失是 −log p，不小于 0。", "The sign is reversed: the loss is −log p, "
                "never negative.", (lambda **a: -loss_at_init(**a),)),
        Mistake("忽略了 multi_label：每个类别各有一个 sigmoid 时，每个标签的损失是 ln 2，"
                "与 C 无关。",
                "`multi_label` is ignored: with one sigmoid per class, each label costs ln 2, "
                "whatever C.", (lambda **a: loss_at_init(**with_(a, multi_label=False))
                                if a.get("multi_label") else None,)),
        Mistake("多标签时每个样本只算了一项：要对 C 个标签各算一个 ln 2"
                "（'none' 的形状是 (N, C)）。",
                "Multi-label counted once per sample: there is one ln 2 for each of the C labels "
                "('none' has shape (N, C)).",
                (_per_sample_labels,
                 lambda **a: reduce(torch.full((a["batch_size"],), math.log(2)),
                                    a.get("reduction", "mean")) if a.get("multi_label")
                 else None)),
        *reduction_mistakes(loss_at_init, "mean"),
    ),
)

EXERCISES = (LOG_SOFTMAX, ACCUMULATE_AND_CLIP, LOSS_AT_INIT)
