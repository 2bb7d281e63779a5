"""The exercise on CTC. torch is the reference.

torch's CTC gradient is the one for normalised log-probabilities: the derivative with respect
to the logits behind a log_softmax. So the submission gets ``log_softmax(logits)`` and the
gradients compared are those with respect to the logits.
"""

import torch
import torch.nn.functional as F

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
    with_,
)

T, N, C = 6, 2, 4


def _ctc_cases() -> list[Case]:
    g = generator(14)
    grad, through = ("log_probs",), {"log_probs": "log_softmax"}

    def case(label, targets, target_lengths, input_lengths=(T, T - 1), t=T, dtype=torch.float64,
             values_only=False, **options):
        args = {"log_probs": randn(g, t, len(target_lengths), C, dtype=dtype),
                "targets": torch.tensor(targets), "input_lengths": torch.tensor(input_lengths),
                "target_lengths": torch.tensor(target_lengths), **options}
        return Case(label, args, grad, values_only, through)

    padded, lengths = [[1, 2, 3], [2, 2, 0]], (3, 2)  # "2 2" needs a blank in between
    impossible = dict(targets=[[1, 2, 3], [1, 2, 3]], target_lengths=(3, 3), input_lengths=(6, 2))
    n = int(randint(g, 3, 1)) + 2
    random_lengths = randint(g, 3, n) + 1  # 1 to 3 labels, among classes 1 to C - 1
    return [
        case("default", padded, lengths),
        case("reduction='sum'", padded, lengths, reduction="sum"),
        case("reduction='none'", padded, lengths, reduction="none"),
        case("blank=3", [[1, 2, 0], [0, 0, 1]], (3, 3), (T, T), blank=3),
        case("1-D targets", [1, 2, 3, 2, 2], lengths),
        case("zero_infinity=True, 'none'", **impossible, values_only=True, zero_infinity=True,
             reduction="none"),
        case("impossible target, 'none'", **impossible, values_only=True, reduction="none"),
        case("float32", padded, lengths, dtype=F32),
        case(f"random (T=8, N={n})", (randint(g, C - 1, n, 3) + 1).tolist(),
             tuple(random_lengths.tolist()), (8,) * n, t=8),
    ]


def _plain_mean(**args):
    """'mean' as a plain mean over the batch: torch divides each loss by its target length
    first."""
    if args.get("reduction", "mean") != "mean":
        return None
    return F.ctc_loss(**with_(args, reduction="none")).mean()


def _mean_over_labels(**args):
    """'mean' as the total loss over the total number of labels."""
    if args.get("reduction", "mean") != "mean":
        return None
    return F.ctc_loss(**with_(args, reduction="sum")) / args["target_lengths"].sum()


def _all_frames(**args):
    """Every sample scored on all T frames."""
    full = torch.full_like(args["input_lengths"], len(args["log_probs"]))
    return F.ctc_loss(**with_(args, input_lengths=full))


CTC = Exercise(
    id="ctc_loss",
    signature="ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, "
              "reduction='mean', zero_infinity=False)",
    zh="CTC 损失：目标序列所有对齐路径的概率之和取 −log（在对数空间里做前向递推）；'mean' 先把"
       "每个样本的损失除以其目标长度，再对批取平均。",
    en="CTC loss: −log of the probability summed over every alignment of the target (the "
       "forward recursion, in log space); 'mean' divides each loss by its target length, then "
       "averages over the batch.",
    reference=F.ctc_loss,
    make_cases=lambda: bilingual(_ctc_cases()),
    positional=4,
    mistakes=(
        Mistake("'mean' 直接对批取了平均：torch 先把每个样本的损失除以它的目标长度，再平均。",
                "'mean' averaged over the batch directly: torch first divides each sample's "
                "loss by its target length, then averages.",
                (_plain_mean, _mean_over_labels)),
        Mistake("忽略了 zero_infinity：无法对齐的样本损失为 inf，zero_infinity=True 时应记为 0。",
                "`zero_infinity` is ignored: a target no alignment reaches has loss inf, "
                "counted as 0 with zero_infinity=True.",
                (option_ignored("zero_infinity", False, F.ctc_loss),)),
        Mistake("忽略了 blank：空白符的下标由参数 blank 给出，不一定是 0。",
                "`blank` is ignored: the blank's index is the argument `blank`, not always 0.",
                (option_ignored("blank", 0, F.ctc_loss),)),
        Mistake("忽略了 input_lengths：每个样本只用前 input_lengths[n] 帧。",
                "`input_lengths` is ignored: sample n uses only its first input_lengths[n] "
                "frames.", (_all_frames,)),
        Mistake("又取了一次 log：log_probs 已经是对数概率了。",
                "A second log was taken: `log_probs` already holds log-probabilities.",
                (lambda **a: F.ctc_loss(**with_(a, log_probs=a["log_probs"].log())),)),
        *reduction_mistakes(F.ctc_loss, "mean"),
    ),
)


EXERCISES = (CTC,)
