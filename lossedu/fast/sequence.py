"""CTC with both recursions and the gradient written by hand: :func:`ctc_loss` here equals
:func:`lossedu.ctc_loss` (the readable form, alpha only, autograd's gradient) and torch's.

The forward pass runs the alpha recursion (forwards in time) and, when a gradient is needed,
the beta recursion (backwards) as one batch of 2N sequences in a single loop over time, on
preallocated buffers; the backward pass is then one elementwise formula, no loop.
"""

import math
from collections.abc import Sequence

import torch

from lossedu._autocast import float32_under_autocast
from lossedu.sequence import _can_skip, _prepare, _reduce_ctc


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
    r""":func:`lossedu.ctc_loss`, with torch's gradient written by hand:

    .. math::
        \frac{\partial l_n}{\partial x_t(c)} = e^{x_t(c)} - \sum_{s:\, l'_s = c} \gamma_t(s),
        \qquad \gamma_t(s) = \frac{\alpha_t(s)\, \beta_t(s)}{y_t(s)\, p(\mathbf{l} \mid x)}

    for ``x = log_probs`` (alpha, beta and y as probabilities here), the state posterior gamma
    from the forward and backward recursions. Minus gamma alone is the derivative with respect
    to ``log_probs``; the ``e^x`` term is what makes it torch's, the derivative with respect to
    the logits behind a log_softmax, which passes it on unchanged (and which it assumes).
    Frames past T_n get 0; an impossible target gets nan (0 with ``zero_infinity``), as in torch.

    Args, Shape, Raises, Warns: as :func:`lossedu.ctc_loss`.

    Example:
        >>> import torch
        >>> from lossedu import fast
        >>> logits = torch.zeros(3, 1, 3, requires_grad=True)
        >>> loss = fast.ctc_loss(logits.log_softmax(2), torch.tensor([[1, 2]]), (3,), (2,))
        >>> loss.backward()
        >>> logits.grad[0, 0]  # (1/3 - gamma_0) / S: of the 5 paths, 1 starts on -, 4 on "1"
        tensor([ 0.0667, -0.2333,  0.1667])

        tensor(1.6864, grad_fn=<_CTCBackward>)
    """
    log_probs, labels, input_lengths, target_lengths, unbatched = _prepare(
        log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity)
    need_grad = torch.is_grad_enabled() and log_probs.requires_grad
    nll = _CTC.apply(log_probs, labels, input_lengths, 2 * target_lengths + 1, blank,
                     zero_infinity, need_grad)  # (N,)
    return _reduce_ctc(nll, target_lengths, reduction, unbatched)


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
    """(N, L): 0 where state s may be entered from s - 2, -inf where not (see ``_can_skip``)."""
    bias = torch.zeros(labels.shape, dtype=torch.get_default_dtype(), device=labels.device)
    return bias.masked_fill_(~_can_skip(labels, blank), -math.inf)


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
