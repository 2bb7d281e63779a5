"""Sequence losses: connectionist temporal classification (CTC).

CTC scores a label sequence ``l`` (say "cat") against T frames of class log-probabilities
without knowing which frame belongs to which label. It sums over every alignment: a path of T
symbols that collapses to ``l`` once repeats are merged and blanks dropped ("-cc-aat" -> "cat").
The sum runs over the blank-extended label ``l' = (-, l_1, -, l_2, ..., l_S, -)`` of length
L = 2S + 1, where a path may stay on a state, step to the next one, or skip a blank between
two different labels. Notation below: y_t(s) = log_probs[t, l'_s], the log-probability of
state s's symbol at frame t. The version with the backward (beta) recursion and the gradient
written by hand is :func:`lossedu.fast.ctc_loss`.
"""

import math
import warnings
from collections.abc import Sequence

import torch
import torch.nn.functional as F

from lossedu._autocast import float32_under_autocast
from lossedu._checks import check_floating, check_reduction, check_same_device, check_tensor
from lossedu._reduction import reduce


@float32_under_autocast
def ctc_loss(
    log_probs: torch.Tensor,
    targets: torch.Tensor,
    input_lengths: torch.Tensor | Sequence[int],
    target_lengths: torch.Tensor | Sequence[int],
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> torch.Tensor:
    r"""Connectionist temporal classification loss: minus the log-probability of the target
    summed over all its alignments.

    .. math::
        l_n = -\log p(\mathbf{l}_n \mid x_n) = -\log \sum_{\pi \in \mathcal{B}^{-1}(\mathbf{l}_n)}
        \prod_{t=1}^{T_n} y^t_{\pi_t}, \qquad
        \ell = \begin{cases} l & \text{'none'} \\ \sum_n l_n & \text{'sum'} \\
        \frac{1}{N}\sum_n \frac{l_n}{\max(S_n, 1)} & \text{'mean'} \end{cases}

    where :math:`\mathcal{B}` merges repeats and drops blanks, T_n is ``input_lengths[n]`` and
    S_n ``target_lengths[n]``. The sum is the forward (alpha) recursion in log space over the
    blank-extended label, one step per frame; autograd derives the gradient. With respect to
    ``log_probs`` it is ``-sum_{s: l'_s = c} gamma_t(s)`` (minus the state posteriors);
    torch's adds ``exp(log_probs)``, which a log_softmax in front cancels: behind one, as in a
    model, both give the same gradient with respect to the logits.
    A target that no alignment reaches (it needs more frames than it has) has ``l_n = inf``,
    as in torch, with a zero gradient (torch's is nan), or 0 when ``zero_infinity``; a
    warning names the first such sample.

    Args:
        log_probs: log-probabilities over the classes, ``log_softmax`` of the logits.
        targets: class indices, padded (N, S) or all sequences concatenated (sum S_n,).
        input_lengths: frames used per sample, each at most T (a tensor or a tuple of ints).
        target_lengths: labels per sample, each at most S for padded targets.
        blank: the blank's class index. Default: 0.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.
        zero_infinity: replace infinite losses (and their gradients) by zero. Default: False.

    Shape:
        log_probs: (T, N, C), or (T, C) unbatched. targets: (N, S) or (sum S_n,); (S,)
        unbatched, padded or not. input_lengths, target_lengths: (N,), or () unbatched.
        Output: a scalar, or (N,) (() unbatched) for ``'none'``.

    Raises:
        TypeError: non-tensor or non-floating ``log_probs``; non-integer targets or lengths.
        ValueError: bad shapes, a ``blank`` outside [0, C), an unknown ``reduction``, labels
            outside [0, C) or equal to the blank, lengths that are negative, of the wrong
            count, or longer than the tensors; tensors on different devices.

    Warns:
        UserWarning: rows of ``log_probs`` whose probabilities do not sum to 1; a target too
            long for its input (when ``zero_infinity`` is False).

    Example:
        Three frames of a uniform distribution over {blank, 1, 2}: five of the 27 paths
        collapse to "1 2" (1 2 -, 1 - 2, - 1 2, 1 1 2, 1 2 2), so l = log(27 / 5).

        >>> import torch
        >>> from lossedu import ctc_loss
        >>> log_probs = torch.full((3, 1, 3), 1 / 3).log()
        >>> ctc_loss(log_probs, torch.tensor([[1, 2]]), (3,), (2,), reduction="none")
        tensor([1.6864])
        >>> ctc_loss(log_probs, torch.tensor([[1, 2]]), (3,), (2,))  # divided by S = 2
        tensor(0.8432)
    """
    log_probs, labels, input_lengths, target_lengths, unbatched = _prepare(
        log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity)
    T, N, L = log_probs.shape[0], *labels.shape
    # the emissions y_t(s) = log_probs[t, n, l'_s], and where a skip from s - 2 is allowed
    y = log_probs.gather(2, labels.expand(T, N, L))  # (T, N, L)
    can_skip = _can_skip(labels, blank)  # (N, L)
    # log 0 as the lowest finite number, not -inf: logsumexp of only -inf has a nan gradient
    log_zero = torch.finfo(y.dtype).min

    # a path starts in the first blank or on the first label: alpha_0(s) = y_0(s), s < 2
    alpha = torch.full_like(y[0], log_zero)  # (N, L)
    alpha[:, :2] = y[0, :, :2]
    # alpha_t(s) = y_t(s) + logsumexp(alpha_{t-1}(s),                  stay
    #                                 alpha_{t-1}(s - 1),              advance one
    #                                 alpha_{t-1}(s - 2) if can_skip)  skip the blank
    # frames t >= T_n leave alpha as it was: it then holds alpha_{T_n - 1}; the clamp keeps a
    # symbol of probability 0 (y = -inf) at log 0
    for t in range(1, T):
        advance = F.pad(alpha, (1, 0), value=log_zero)[:, :L]  # (N, L): alpha_{t-1}(s - 1)
        skip = F.pad(alpha, (2, 0), value=log_zero)[:, :L]  # (N, L): alpha_{t-1}(s - 2)
        skip = skip.masked_fill(~can_skip, log_zero)
        step = y[t] + torch.stack([alpha, advance, skip]).logsumexp(0)  # (N, L)
        alpha = torch.where((t < input_lengths)[:, None], step.clamp_min(log_zero), alpha)

    # log p(l|x): a path ends on the last label or on the blank after it, states L_n - 1, L_n - 2
    L_n = 2 * target_lengths + 1
    alpha = F.pad(alpha, (1, 0), value=log_zero)  # (N, L + 1): state s in column s + 1
    log_p = alpha.gather(1, torch.stack([L_n, L_n - 1], 1)).logsumexp(1)  # (N,)
    # no frames at all: only the empty target (L_n = 1) has a path, the empty one
    no_frames = torch.full_like(log_p, log_zero).masked_fill(L_n == 1, 0.0)
    log_p = torch.where(input_lengths == 0, no_frames, log_p)
    possible = log_p > log_zero / 2  # otherwise no path reaches the end: p = 0
    nll = torch.where(possible, -log_p, 0.0 if zero_infinity else math.inf)  # (N,)
    return _reduce_ctc(nll, target_lengths, reduction, unbatched)


def _prepare(log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity):
    """Validate ctc_loss's arguments and warn about unnormalised rows and targets too long
    for their inputs. Returns log_probs (T, N, C), the blank-extended labels l' (N, 2 max S_n
    + 1), padded with blanks, both lengths as (N,) int64, and whether the input was unbatched."""
    unbatched = isinstance(log_probs, torch.Tensor) and log_probs.dim() == 2
    log_probs, padded, input_lengths, target_lengths = _check_inputs(
        log_probs, targets, input_lengths, target_lengths, blank, reduction
    )
    _warn_unnormalised(log_probs, input_lengths)
    if not zero_infinity:
        _warn_impossible(padded, target_lengths, input_lengths)
    # l' = (-, l_1, -, ..., l_S, -): labels at the odd states, blanks elsewhere and past S_n
    N, S = padded.shape
    labels = torch.full((N, 2 * S + 1), blank, dtype=torch.long, device=padded.device)
    inside = torch.arange(S, device=padded.device) < target_lengths[:, None]  # (N, S)
    labels[:, 1::2] = padded.masked_fill(~inside, blank)
    return log_probs, labels, input_lengths, target_lengths, unbatched


def _can_skip(labels: torch.Tensor, blank: int) -> torch.Tensor:
    """(N, L) bool: state s may be entered from s - 2, over the blank between them, when it is
    a label unlike the one before that blank (a repeated label needs its blank)."""
    allowed = torch.zeros_like(labels, dtype=torch.bool)
    allowed[:, 2:] = (labels[:, 2:] != blank) & (labels[:, 2:] != labels[:, :-2])
    return allowed


def _reduce_ctc(nll, target_lengths, reduction, unbatched):
    """'mean' divides each l_n by its target length S_n (at least 1) before averaging."""
    if reduction == "mean":
        nll = nll / target_lengths.clamp(min=1).to(nll.dtype)
    loss = reduce(nll, reduction)
    return loss[0] if unbatched and reduction == "none" else loss


def _as_lengths(name: str, value: object, batch: int, device: torch.device) -> torch.Tensor:
    """``input_lengths`` or ``target_lengths`` as a (N,) int64 tensor, checked for count and
    sign; a tensor, a tuple or list of ints, or (unbatched) an int."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    if isinstance(value, (tuple, list)):
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            kinds = sorted({type(v).__name__ for v in value})
            raise TypeError(
                f"Expected `{name}` to hold ints, got a {type(value).__name__} of "
                f"{', '.join(kinds)}: lengths count frames or labels."
            )
        value = torch.tensor(value, dtype=torch.long)
    elif isinstance(value, torch.Tensor):
        if value.is_floating_point() or value.is_complex() or value.dtype == torch.bool:
            raise TypeError(
                f"Expected `{name}` to be an integer tensor, got dtype {value.dtype}: "
                f"lengths count frames or labels; convert with `{name}.long()`."
            )
    else:
        raise TypeError(
            f"Expected `{name}` to be a tensor or a tuple of ints, got {type(value).__name__}."
        )
    lengths = value.reshape(-1) if value.dim() == 0 else value  # (N,): a scalar becomes (1,)
    if lengths.dim() != 1 or lengths.numel() != batch:
        raise ValueError(
            f"Expected `{name}` to hold one length per sample, N = {batch}, got "
            f"{lengths.numel()} value(s) in shape {tuple(value.shape)}: the usual cause is a "
            f"last batch that is smaller than the others, or lengths of another batch."
        )
    if (lengths < 0).any():
        n = int((lengths < 0).nonzero()[0, 0])
        raise ValueError(
            f"Expected `{name}` to be non-negative, got {name}[{n}] = {int(lengths[n])}."
        )
    return lengths.to(device=device, dtype=torch.long)


def _check_not_longer(name: str, lengths: torch.Tensor, limit: int, what: str) -> None:
    """Raise ValueError if a length exceeds the tensor it indexes."""
    if lengths.numel() and int(lengths.max()) > limit:
        n = int(lengths.argmax())
        raise ValueError(
            f"Expected `{name}` to be at most {limit}, {what}, got {name}[{n}] = "
            f"{int(lengths[n])}: the lengths do not belong to these tensors, or the tensor "
            f"was cropped or padded differently from the lengths."
        )


def _padded_targets(targets: torch.Tensor, target_lengths: torch.Tensor) -> torch.Tensor:
    """(N, S) targets with S = max target length, from padded (N, S') or concatenated (sum,)
    targets; entries past each target length are undefined."""
    S = int(target_lengths.max()) if target_lengths.numel() else 0
    if targets.dim() == 2:
        return targets[:, :S]  # (N, S)
    starts = target_lengths.cumsum(0) - target_lengths  # where each sequence begins
    index = starts[:, None] + torch.arange(S, device=targets.device)  # (N, S)
    return targets[index.clamp_(max=max(targets.numel() - 1, 0))]  # (N, S)


def _check_labels(padded: torch.Tensor, target_lengths: torch.Tensor, C: int, blank: int):
    """Raise ValueError for a label outside [0, C) or equal to the blank, among the first
    ``target_lengths[n]`` labels of each sequence (the padding may hold anything)."""
    inside = torch.arange(padded.shape[1], device=padded.device) < target_lengths[:, None]
    for bad, expected in (
        ((padded < 0) | (padded >= C), f"class indices in [0, {C})"),
        (padded == blank, f"no blank (index {blank}) among the labels"),
    ):
        bad &= inside
        if bad.any():
            n, i = (int(k) for k in bad.nonzero()[0])
            cause = (
                "the blank means 'no label' and cannot be a target: number the labels from "
                "1 (blank=0), or put the blank last (blank=C-1)"
                if expected.startswith("no blank")
                else "the labels are numbered for another vocabulary size"
            )
            raise ValueError(
                f"Expected `targets` to hold {expected}, got {int(padded[n, i])} at label {i} "
                f"of sample {n}: {cause}."
            )


def _warn_unnormalised(log_probs: torch.Tensor, input_lengths: torch.Tensor) -> None:
    """Warn when some frame's probabilities, exp(log_probs[t, n]), do not sum to 1."""
    T = log_probs.shape[0]
    inside = torch.arange(T, device=log_probs.device)[:, None] < input_lengths  # (T, N)
    total = log_probs.detach().exp().sum(-1)  # (T, N)
    deviation = (total - 1).abs().masked_fill_(~inside, 0.0)
    tolerance = max(1e-3, torch.finfo(log_probs.dtype).eps ** 0.5)
    if deviation.numel() and deviation.max() > tolerance:
        t, n = divmod(int(deviation.argmax()), deviation.shape[1])
        warnings.warn(
            f"`log_probs` do not look like log-probabilities: exp(log_probs[{t}, {n}]) sums to "
            f"{float(total[t, n]):.6g} over the C = {log_probs.shape[-1]} classes (off by "
            f"{float(deviation[t, n]):.3g}; expected 1). CTC needs normalised rows (torch's "
            f"gradient assumes them): pass `logits.log_softmax(-1)`, not raw logits or "
            f"probabilities.",
            UserWarning,
            stacklevel=5,
        )


def _warn_impossible(padded, target_lengths, input_lengths) -> None:
    """Warn when a target needs more frames than it has: its loss is inf, as in torch."""
    S = padded.shape[1]
    inside = torch.arange(1, max(S, 1), device=padded.device) < target_lengths[:, None]
    repeats = ((padded[:, 1:] == padded[:, :-1]) & inside).sum(1)  # (N,)
    needed = target_lengths + repeats  # a repeated label needs a blank between its copies
    short = needed > input_lengths
    if short.any():
        n = int(short.nonzero()[0, 0])
        warnings.warn(
            f"Sample {n} cannot be aligned: its {int(target_lengths[n])} labels need at least "
            f"{int(needed[n])} frames ({int(repeats[n])} repeated neighbours need a blank "
            f"between them) but input_lengths[{n}] = {int(input_lengths[n])}. Its loss is inf, "
            f"as in torch. The usual cause is a model that downsamples time too much; pass "
            f"zero_infinity=True to give such samples a zero loss and gradient.",
            UserWarning,
            stacklevel=5,
        )


def _check_inputs(log_probs, targets, input_lengths, target_lengths, blank, reduction):
    """Validate ctc_loss's arguments; return log_probs as (T, N, C), the targets padded to
    (N, max S_n), and both lengths as (N,) int64 tensors on log_probs' device."""
    check_floating("log_probs", check_tensor("log_probs", log_probs))
    check_tensor("targets", targets)
    check_reduction(reduction)
    check_same_device(log_probs=log_probs, targets=targets)
    if log_probs.dim() not in (2, 3):
        raise ValueError(
            f"Expected `log_probs` of shape (T, N, C) or unbatched (T, C), got "
            f"{tuple(log_probs.shape)}: CTC puts time first (batch_first models need "
            f"`.transpose(0, 1)`)."
        )
    if targets.is_floating_point() or targets.is_complex() or targets.dtype == torch.bool:
        raise TypeError(
            f"Expected `targets` of integer class indices, got dtype {targets.dtype}: "
            f"convert with `targets.long()`."
        )
    unbatched = log_probs.dim() == 2
    allowed = (1,) if unbatched else (1, 2)
    if targets.dim() not in allowed:
        expected = "(S,)" if unbatched else "padded (N, S) or concatenated (sum S_n,)"
        raise ValueError(
            f"Expected `targets` of shape {expected}, got {tuple(targets.shape)}: one "
            f"sequence of class indices per sample."
        )
    if unbatched:
        log_probs, targets = log_probs[:, None], targets[None]  # (T, 1, C), (1, S)
    T, N, C = log_probs.shape
    if isinstance(blank, bool) or not isinstance(blank, int) or not 0 <= blank < C:
        raise ValueError(f"Expected `blank` to be a class index in [0, {C}), got {blank!r}.")
    if targets.dim() == 2 and targets.shape[0] != N:
        raise ValueError(
            f"Expected padded `targets` with one row per sample, N = {N}, got shape "
            f"{tuple(targets.shape)}: log_probs are (T, N, C), time first."
        )
    input_lengths = _as_lengths("input_lengths", input_lengths, N, log_probs.device)
    target_lengths = _as_lengths("target_lengths", target_lengths, N, log_probs.device)
    _check_not_longer("input_lengths", input_lengths, T, "the T frames of `log_probs`")
    if targets.dim() == 2:
        _check_not_longer("target_lengths", target_lengths, targets.shape[1],
                          "the S columns of the padded `targets`")
    elif int(target_lengths.sum()) != targets.numel():
        raise ValueError(
            f"Expected concatenated `targets` of length sum(target_lengths) = "
            f"{int(target_lengths.sum())}, got {targets.numel()}: 1-D targets hold every "
            f"sequence back to back; pass padded targets as (N, S)."
        )
    padded = _padded_targets(targets, target_lengths)  # (N, S)
    _check_labels(padded, target_lengths, C, blank)
    return log_probs, padded, input_lengths, target_lengths
