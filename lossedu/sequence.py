"""Sequence losses: connectionist temporal classification (CTC).

CTC scores a label sequence ``l`` (say "cat") against T frames of class log-probabilities
without knowing which frame belongs to which label. It sums over every alignment: a path of T
symbols that collapses to ``l`` once repeats are merged and blanks dropped ("-cc-aat" -> "cat").
The sum runs over the blank-extended label ``l' = (-, l_1, -, l_2, ..., l_S, -)`` of length
L = 2S + 1, where a path may stay on a state, step to the next one, or skip a blank between
two different labels. Notation below: y_t(s) = log_probs[t, l'_s], the log-probability of
state s's symbol at frame t.
"""

import math
import warnings
from collections.abc import Sequence

import torch

from lossedu._autocast import float32_under_autocast
from lossedu._checks import check_floating, check_reduction, check_same_device, check_tensor
from lossedu._reduction import reduce


def _recursions(
    alpha: torch.Tensor,
    beta: torch.Tensor | None,
    skip_bias: torch.Tensor,
    input_lengths: torch.Tensor,
    label_lengths: torch.Tensor,
) -> None:
    """Turn emissions into the forward and backward variables, in place, in one loop over time.

    ``alpha`` (T, N, L + 2) comes in holding y_t(s) in column s + 2, behind two columns of -inf
    that stand for the states s - 1 and s - 2 before 0; it leaves holding
    ``alpha_t(s) = log sum over path prefixes of frames 0..t that end in state s``.
    ``beta`` (T, N, L + 2), unless None, holds y_t(s) in column s, before two columns of -inf
    (the states past L - 1), and leaves holding ``beta_t(s) = log sum over path suffixes of
    frames t..T_n-1 that start in state s`` (y_t(s) included). ``skip_bias`` (N, L) is 0 where
    state s may be entered from s - 2, -inf where not. ``label_lengths`` are the L_n = 2S_n + 1.
    Rows of frames past T_n are meaningless; a state that no path reaches ends up near
    ``_log_zero(dtype)`` instead of -inf.
    """
    T, N, L = alpha.shape[0], alpha.shape[1], alpha.shape[2] - 2
    B = N if beta is None else 2 * N  # the two recursions run as one batch

    def neighbours(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Per frame t, the (3, N, L) view [k, n, s] -> x_t(n, column s + k): for alpha the
        states s - 2, s - 1, s; for beta the states s, s + 1, s + 2."""
        return x.as_strided((T, 3, N, L), (N * (L + 2), 1, L + 2, 1)).unbind(0)

    bias = skip_bias.new_zeros(3, B, L)
    bias[0, :N] = skip_bias  # alpha's third term comes from s - 2
    if beta is not None:
        bias[2, N:] = skip_bias.roll(-2, 1)  # beta's from s + 2 (the wrapped states are -inf)
    terms = torch.empty_like(bias)  # (3, B, L), contiguous: one row per neighbour
    first, second, third = terms.unbind(0)
    m, total = bias.new_empty(B, L), bias.new_zeros(B, L)
    log_zero, floor = _log_zero(alpha.dtype), _exp_floor(alpha.dtype)
    # alpha starts at frame 0 in states 0 and 1; beta at frame T_n - 1 in L_n - 2 and L_n - 1,
    # which is step T - T_n of its loop running backwards in time
    zeros = torch.zeros_like(input_lengths)
    first_step = torch.cat([zeros, T - input_lengths])[:B]  # (B,)
    first_state = torch.cat([zeros, label_lengths - 2])[:B]  # (B,)
    starts = {t: (first_step == t).nonzero()[:, 0] for t in first_step.unique().tolist()}
    if 0 in starts:
        _start(total, starts[0], first_state)
    # alpha's half of the batch, then beta's: bias, terms and totals; the neighbours read at
    # step t, and the row written (alpha_t from alpha_{t-1}; beta_{T-1-t} from beta_{T-t})
    a_bias, a_terms, a_total = bias[:, :N], terms[:, :N], total[:N]
    a_neighbours, a_rows = neighbours(alpha)[:-1], alpha[:, :, 2:].unbind(0)
    a_rows[0].add_(a_total)  # the first frame: y, plus 0 in the start states and -inf elsewhere
    if beta is not None:
        b_bias, b_terms, b_total = bias[:, N:], terms[:, N:], total[N:]
        b_neighbours, b_rows = neighbours(beta)[:0:-1], beta[:, :, :L].unbind(0)[::-1]
        b_rows[0].add_(b_total)
    # alpha_t(s) = y_t(s) + log(e^alpha_{t-1}(s) + e^alpha_{t-1}(s-1) + skip(s) e^alpha_{t-1}(s-2))
    # beta_t(s) = y_t(s) + log(e^beta_{t+1}(s) + e^beta_{t+1}(s+1) + skip(s+2) e^beta_{t+1}(s+2))
    # A log-sum-exp of three per state: shifted by their maximum m, so the largest term is
    # e^0 = 1, and each exponent floored at log(smallest normal number), a term that only
    # changes the sum below its rounding error. exp and log then never underflow or see -inf.
    # Elementwise ops on preallocated buffers: at these sizes each call costs more than its
    # arithmetic, and pairwise maximum and add beat reductions over the three rows.
    for t in range(1, T):
        torch.add(a_bias, a_neighbours[t - 1], out=a_terms)
        if beta is not None:
            torch.add(b_bias, b_neighbours[t - 1], out=b_terms)
        torch.maximum(torch.maximum(first, second, out=m), third, out=m).clamp_min_(log_zero)
        terms.sub_(m).clamp_min_(floor).exp_()  # in [e^floor, 1]; m finite even if no path
        torch.add(first, second, out=total).add_(third).log_().add_(m)
        if t in starts:
            _start(total, starts[t], first_state)
        a_rows[t].add_(a_total)  # y_t(s) + log-sum-exp
        if beta is not None:
            b_rows[t].add_(b_total)


def _start(total: torch.Tensor, rows: torch.Tensor, first_state: torch.Tensor) -> None:
    """Start the sequences ``rows`` at this step: no neighbours, so their log-sum-exp
    (``total``, (B, L), changed in place) is -inf, except 0 in their first state and the next."""
    states = first_state[rows, None] + torch.arange(2, device=rows.device)  # (R, 2)
    states.clamp_(0, total.shape[1] - 1)  # an empty label has a single state
    total[rows] = -math.inf
    total[rows[:, None], states] = 0.0


def _log_zero(dtype: torch.dtype) -> float:
    """A finite stand-in for log 0: far below any log-probability, far from overflowing."""
    return torch.finfo(dtype).min / 4


def _exp_floor(dtype: torch.dtype) -> float:
    """The lowest exponent whose exp is a normal number: exp and log stay off the slow
    (subnormal, underflow, log 0) paths that some CPUs take."""
    return math.log(torch.finfo(dtype).tiny) + 1


def _skip_bias(labels: torch.Tensor, blank: int) -> torch.Tensor:
    """(B, L): 0 where state s may be entered from s - 2 (a label unlike the label before the
    blank in between), -inf otherwise (a blank, or a repeated label that needs its blank)."""
    allowed = torch.zeros_like(labels, dtype=torch.bool)
    allowed[:, 2:] = (labels[:, 2:] != blank) & (labels[:, 2:] != labels[:, :-2])
    bias = torch.zeros(labels.shape, dtype=torch.get_default_dtype(), device=labels.device)
    return bias.masked_fill_(~allowed, -math.inf)


class _CTC(torch.autograd.Function):
    """Per-sample ``nll_n = -log p(l_n | x_n)``, with the backward written from alpha and beta.

    When a gradient is needed, the forward pass runs the beta recursion (backwards in time)
    beside the alpha one, as one batch of 2N sequences: one loop over time for both. The
    gradient is torch's: ``d nll / d x_t(c) = y_t(c) - sum_{s: l'_s = c} gamma_t(s)`` with the
    state posterior ``gamma_t(s) = alpha_t(s) beta_t(s) / (y_t(s) p(l|x))``, the gradient with
    respect to the logits under a log_softmax: it assumes that ``log_probs`` are normalised.
    """

    @staticmethod
    def forward(ctx, log_probs, labels, input_lengths, label_lengths, blank, zero_infinity,
                need_grad):
        T, N, C = log_probs.shape
        L = labels.shape[1]
        index = labels.expand(T, N, L)  # y_t(s) = log_probs[t, n, index[t, n, s]]
        alpha = log_probs.new_empty((T, N, L + 2))
        alpha[:, :, :2].fill_(-math.inf)
        torch.gather(log_probs, 2, index, out=alpha[:, :, 2:])  # y, to become alpha
        beta = None
        if need_grad:
            beta = log_probs.new_empty((T, N, L + 2))
            beta[:, :, L:].fill_(-math.inf)
            torch.gather(log_probs, 2, index, out=beta[:, :, :L])  # y, to become beta
        skip_bias = _skip_bias(labels, blank).to(alpha.dtype)  # (N, L)
        _recursions(alpha, beta, skip_bias, input_lengths, label_lengths)

        # log p(l|x) = logaddexp(alpha_{T_n-1}(L_n - 1), alpha_{T_n-1}(L_n - 2)); column s + 2
        last = (input_lengths - 1).clamp(min=0)[None, :, None].expand(1, N, 2)  # (1, N, 2)
        ends = torch.stack([label_lengths + 1, label_lengths], 1)  # (N, 2), -inf column if S = 0
        log_p = alpha.gather(2, ends.expand(T, N, 2)).gather(0, last)[0]  # (N, 2)
        log_p = torch.logsumexp(log_p, 1)  # (N,)
        log_p.masked_fill_(log_p < _log_zero(log_p.dtype) / 2, -math.inf)  # no path reaches
        # no frames at all: only the empty label (L_n = 1) is possible
        empty = torch.where(label_lengths == 1, 0.0, -math.inf).to(log_p.dtype)
        nll = -torch.where(input_lengths == 0, empty, log_p)
        impossible = nll == math.inf
        if need_grad:
            ctx.save_for_backward(log_probs, labels, input_lengths, nll, alpha, beta)
            ctx.zero_infinity = zero_infinity
        return nll.masked_fill(impossible, 0.0) if zero_infinity else nll

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_output):
        log_probs, labels, input_lengths, nll, alpha, beta = ctx.saved_tensors
        T, N, C = log_probs.shape
        L = labels.shape[1]
        index = labels.expand(T, N, L)  # y_t(s) = log_probs[t, n, index[t, n, s]]
        impossible = nll == math.inf
        # log gamma_t(s) = alpha_t(s) + beta_t(s) - y_t(s) + nll, floored as in _recursions.
        # Frames past T_n are masked below; states past L_n are unreachable in beta.
        log_gamma = log_probs.gather(2, index).neg_()  # (T, N, L)
        log_gamma += alpha[:, :, 2:]
        log_gamma += beta[:, :, :L]
        log_gamma += nll.masked_fill(impossible, 0.0)[:, None]
        gamma = log_gamma.clamp_min_(_exp_floor(log_gamma.dtype)).exp_()
        # occupancy_t(c) = sum of gamma_t(s) over the states s whose symbol is c;
        # d nll / d x_t(c) = exp(log_probs_t(c)) - occupancy_t(c), scaled by grad_output
        grad = log_probs.exp().neg_().scatter_add_(2, index, gamma)  # (T, N, C), its negative
        # an impossible sample: zero gradient with zero_infinity, else undefined (nan), as torch
        undefined = 0.0 if ctx.zero_infinity else math.nan
        grad.mul_(-grad_output.masked_fill(impossible, undefined)[:, None])
        time = torch.arange(T, device=labels.device)[:, None]  # (T, 1)
        grad.masked_fill_((time >= input_lengths)[:, :, None], 0.0)  # frames past T_n
        return grad, None, None, None, None, None, None


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
    lengths = value.reshape(-1) if value.dim() == 0 else value
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
            f"{float(deviation[t, n]):.3g}; expected 1). CTC needs normalised rows and its "
            f"gradient assumes them: pass `logits.log_softmax(-1)`, not raw logits or "
            f"probabilities.",
            UserWarning,
            stacklevel=3,
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
            stacklevel=3,
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
    blank-extended label; the gradient is torch's, through the backward (beta) recursion. Like
    torch's, it is the gradient for normalised ``log_probs`` (the derivative with respect to
    the logits behind a log_softmax), hence the warning when the rows do not sum to 1.
    A target that no alignment reaches (it needs more frames than it has) has ``l_n = inf``,
    or 0 with a zero gradient when ``zero_infinity``; a warning names the first such sample.

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
    unbatched = isinstance(log_probs, torch.Tensor) and log_probs.dim() == 2
    log_probs, padded, input_lengths, target_lengths = _check_inputs(
        log_probs, targets, input_lengths, target_lengths, blank, reduction
    )
    _warn_unnormalised(log_probs, input_lengths)
    if not zero_infinity:
        _warn_impossible(padded, target_lengths, input_lengths)

    # the blank-extended label l' = (-, l_1, -, ..., l_S, -), padded with blanks
    N, S = padded.shape
    labels = torch.full((N, 2 * S + 1), blank, dtype=torch.long, device=padded.device)
    inside = torch.arange(S, device=padded.device) < target_lengths[:, None]  # (N, S)
    labels[:, 1::2] = padded.masked_fill(~inside, blank)
    need_grad = torch.is_grad_enabled() and log_probs.requires_grad
    nll = _CTC.apply(log_probs, labels, input_lengths, 2 * target_lengths + 1, blank,
                     zero_infinity, need_grad)  # (N,)
    if reduction == "mean":
        nll = nll / target_lengths.clamp(min=1).to(nll.dtype)
    loss = reduce(nll, reduction)
    return loss[0] if unbatched and reduction == "none" else loss
