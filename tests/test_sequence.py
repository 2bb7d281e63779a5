"""lossedu.ctc_loss, the readable form, against torch.nn.functional.ctc_loss: values and
gradients (with respect to the logits), every option, bad input."""

import math
import warnings

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from lossedu import ctc_loss

TOLERANCE = {
    torch.float64: {"rtol": 1e-7, "atol": 1e-9},
    torch.float32: {"rtol": 2e-4, "atol": 1e-5},
}


def make_case(T, N, C, S, blank=0, seed=0, dtype=torch.float64, min_length=1):
    """Raw logits (T, N, C), padded targets without the blank, and feasible lengths."""
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(T, N, C, generator=g, dtype=dtype)
    labels = torch.randint(0, C - 1, (N, S), generator=g)
    targets = labels + (labels >= blank).long()  # skip the blank's index
    target_lengths = torch.randint(min(min_length, S), S + 1, (N,), generator=g)
    # a feasible input length: the labels, plus a blank between repeated neighbours
    repeats = [int((targets[n, 1:k] == targets[n, : max(k - 1, 0)]).sum())
               for n, k in enumerate(target_lengths.tolist())]
    needed = target_lengths + torch.tensor(repeats)
    input_lengths = needed + (torch.rand(N, generator=g) * (T - needed + 1)).long()
    return logits, targets, input_lengths, target_lengths


def loss_and_grad(fn, logits, *args, **kwargs):
    """The loss and d(weighted loss)/d logits, through a log_softmax."""
    x = logits.clone().requires_grad_()
    loss = fn(x.log_softmax(-1), *args, **kwargs)
    weights = torch.linspace(0.5, 1.5, loss.numel(), dtype=loss.dtype).reshape(loss.shape)
    (loss * weights).sum().backward()
    return loss.detach(), x.grad


def assert_matches_torch(logits, *args, loss=ctc_loss, **kwargs):
    expected, expected_grad = loss_and_grad(F.ctc_loss, logits, *args, **kwargs)
    got, got_grad = loss_and_grad(loss, logits, *args, **kwargs)
    if loss is ctc_loss:  # an impossible target: torch's gradient is nan, autograd's here 0
        expected_grad = expected_grad.masked_fill(expected_grad.isnan(), 0.0)
    tol = TOLERANCE[logits.dtype]
    torch.testing.assert_close(got, expected, equal_nan=True, **tol)
    torch.testing.assert_close(got_grad, expected_grad, equal_nan=True, **tol)


def concatenate(targets, target_lengths):
    return torch.cat([targets[n, : int(k)] for n, k in enumerate(target_lengths)])


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("layout", ["padded", "concatenated"])
@pytest.mark.parametrize("shape", [(6, 2, 4, 2), (20, 3, 5, 7), (30, 4, 6, 12)])
def test_matches_torch(dtype, reduction, zero_infinity, layout, shape):
    logits, targets, input_lengths, target_lengths = make_case(*shape, dtype=dtype)
    if layout == "concatenated":
        targets = concatenate(targets, target_lengths)
    assert_matches_torch(logits, targets, input_lengths, target_lengths,
                         reduction=reduction, zero_infinity=zero_infinity)


@pytest.mark.parametrize("blank", [0, 2, 4])
@pytest.mark.parametrize("lengths_as", [torch.tensor, tuple, list])
def test_blank_anywhere_and_lengths_as_sequences(blank, lengths_as):
    logits, targets, input_lengths, target_lengths = make_case(15, 3, 5, 5, blank=blank, seed=1)
    input_lengths = lengths_as(input_lengths.tolist())
    target_lengths = lengths_as(target_lengths.tolist())
    assert_matches_torch(logits, targets, input_lengths, target_lengths, blank=blank,
                         reduction="none")


def test_full_lengths_empty_targets_and_repeats():
    logits = torch.randn(8, 4, 4, dtype=torch.float64)
    targets = torch.tensor([[1, 1, 1], [2, 2, 3], [1, 2, 3], [3, 0, 0]])
    assert_matches_torch(logits, targets, (8, 8, 5, 3), (3, 3, 3, 0), reduction="none")
    assert_matches_torch(logits, targets, (8, 8, 5, 3), (3, 3, 3, 0), reduction="mean")


def test_worked_example():
    # uniform over {blank, 1, 2} for three frames: five of the 27 paths collapse to "1 2"
    log_probs = torch.full((3, 1, 3), 1 / 3, dtype=torch.float64).log()
    loss = ctc_loss(log_probs, torch.tensor([[1, 2]]), (3,), (2,), reduction="none")
    torch.testing.assert_close(loss, torch.tensor([math.log(27 / 5)], dtype=torch.float64))


def test_unbatched_equals_batch_of_one():
    logits, targets, input_lengths, target_lengths = make_case(12, 1, 5, 4, seed=3)
    n_labels = int(target_lengths[0])
    single = targets[0, :n_labels]
    for reduction in ("none", "mean", "sum"):
        expected, expected_grad = loss_and_grad(
            F.ctc_loss, logits[:, 0], single, input_lengths[0], target_lengths[0],
            reduction=reduction,
        )
        got, got_grad = loss_and_grad(ctc_loss, logits[:, 0], single, input_lengths[0],
                                      target_lengths[0], reduction=reduction)
        assert got.shape == expected.shape == ()
        torch.testing.assert_close(got, expected, rtol=1e-7, atol=1e-9)
        torch.testing.assert_close(got_grad, expected_grad, rtol=1e-7, atol=1e-9)
    # unbatched targets may also be padded, and lengths may be ints
    padded = torch.cat([single, torch.tensor([0, 0])])
    torch.testing.assert_close(
        ctc_loss(logits[:, 0].log_softmax(-1), padded, int(input_lengths[0]), n_labels),
        F.ctc_loss(logits[:, 0].log_softmax(-1), single, input_lengths[0], target_lengths[0]),
    )


def test_padding_may_hold_anything():
    logits, targets, input_lengths, target_lengths = make_case(10, 3, 5, 4, seed=4)
    inside = torch.arange(4) < target_lengths[:, None]
    junk = targets.masked_fill(~inside, -1)  # e.g. an ignore value
    torch.testing.assert_close(
        ctc_loss(logits.log_softmax(-1), junk, input_lengths, target_lengths),
        F.ctc_loss(logits.log_softmax(-1), targets, input_lengths, target_lengths),
    )


def test_batch_first_transposed_input():
    logits, targets, input_lengths, target_lengths = make_case(10, 3, 5, 4, seed=5)
    batch_first = logits.transpose(0, 1).contiguous()  # (N, T, C)
    assert_matches_torch(batch_first.transpose(0, 1), targets, input_lengths, target_lengths)


def test_no_grad_gives_the_same_loss():
    logits, targets, input_lengths, target_lengths = make_case(16, 3, 5, 5, seed=6)
    log_probs = logits.log_softmax(-1).requires_grad_()
    with torch.no_grad():
        without = ctc_loss(log_probs, targets, input_lengths, target_lengths, reduction="none")
    with_grad = ctc_loss(log_probs, targets, input_lengths, target_lengths, reduction="none")
    assert with_grad.requires_grad and not without.requires_grad
    torch.testing.assert_close(without, with_grad.detach(), rtol=0, atol=0)


def test_gradcheck():
    logits, targets, input_lengths, target_lengths = make_case(5, 3, 4, 2, seed=7)
    logits.requires_grad_()

    def loss(x, zero_infinity):
        return ctc_loss(x.log_softmax(-1), targets, input_lengths, target_lengths,
                        reduction="sum", zero_infinity=zero_infinity)

    # fast_mode: one random direction of the Jacobian, not all 60 columns (CTC's Python loop
    # over time makes every evaluation cost); the full gradients are compared with torch above
    assert torch.autograd.gradcheck(lambda x: loss(x, False), (logits,), fast_mode=True)
    assert torch.autograd.gradcheck(lambda x: loss(x, True), (logits,), fast_mode=True)


def test_float32_peaked_logits_as_accurate_as_torch():
    # a blank-dominated model: the labelled paths lie hundreds of nats below the best one
    logits, targets, input_lengths, target_lengths = make_case(120, 3, 20, 30, seed=8)
    logits = 20 * logits
    logits[..., 0] += 60
    reference = F.ctc_loss(logits.log_softmax(-1), targets, input_lengths, target_lengths,
                           reduction="none")
    assert (reference > 300).all()
    x = logits.float().log_softmax(-1)
    ours = ctc_loss(x, targets, input_lengths, target_lengths, reduction="none").double()
    theirs = F.ctc_loss(x, targets, input_lengths, target_lengths, reduction="none").double()
    assert ((ours - reference).abs() <= (theirs - reference).abs() + 1e-3).all()
    torch.testing.assert_close(ours, reference, rtol=1e-5, atol=0)


@settings(max_examples=25, deadline=None)
@given(
    T=st.integers(1, 12), N=st.integers(1, 4), C=st.integers(2, 6), S=st.integers(0, 5),
    seed=st.integers(0, 2**16), reduction=st.sampled_from(["none", "mean", "sum"]),
)
def test_matches_torch_hypothesis(T, N, C, S, seed, reduction):
    logits, targets, _, target_lengths = make_case(T, N, C, S, seed=seed, min_length=0)
    input_lengths = torch.randint(0, T + 1, (N,), generator=torch.Generator().manual_seed(seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # some targets will not fit their inputs
        assert_matches_torch(logits, targets, input_lengths, target_lengths,
                             reduction=reduction, zero_infinity=seed % 2 == 0)


# -- impossible alignments: inf as in torch, with a warning; zero_infinity gives 0 ------------


def impossible_case():
    logits = torch.randn(4, 2, 3, dtype=torch.float64)
    # sample 0: "1 1 1" needs 5 frames (blanks between the repeats), it has 4
    return logits, torch.tensor([[1, 1, 1], [1, 2, 0]]), (4, 4), (3, 2)


def test_impossible_alignment_is_inf_and_warns():
    logits, targets, input_lengths, target_lengths = impossible_case()
    with pytest.warns(UserWarning, match=r"Sample 0 cannot be aligned.*at least 5 frames"):
        loss = ctc_loss(logits.log_softmax(-1), targets, input_lengths, target_lengths,
                        reduction="none")
    assert loss[0] == math.inf and torch.isfinite(loss[1])
    with pytest.warns(UserWarning, match="input_lengths"):
        assert_matches_torch(logits, targets, input_lengths, target_lengths, reduction="sum")


def test_zero_infinity_gives_zero_loss_and_gradient_silently():
    logits, targets, input_lengths, target_lengths = impossible_case()
    x = logits.clone().requires_grad_()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = ctc_loss(x.log_softmax(-1), targets, input_lengths, target_lengths,
                        reduction="none", zero_infinity=True)
    loss.sum().backward()
    assert loss[0] == 0 and loss[1] > 0
    assert (x.grad[:, 0] == 0).all() and (x.grad[:, 1] != 0).any()
    assert_matches_torch(logits, targets, input_lengths, target_lengths, zero_infinity=True)


def test_target_longer_than_input_and_empty_input():
    logits = torch.randn(5, 3, 4, dtype=torch.float64)
    targets = torch.tensor([[1, 2, 3], [1, 2, 3], [1, 2, 3]])
    with pytest.warns(UserWarning, match="cannot be aligned"):
        loss = ctc_loss(logits.log_softmax(-1), targets, (2, 0, 0), (3, 0, 1), reduction="none")
    expected = F.ctc_loss(logits.log_softmax(-1), targets, (2, 0, 0), (3, 0, 1),
                          reduction="none")
    torch.testing.assert_close(loss, expected)  # inf, 0 and inf
    assert loss[0] == loss[2] == math.inf and loss[1] == 0


# -- bad input ---------------------------------------------------------------------------------


def good_args():
    log_probs = torch.randn(6, 2, 4).log_softmax(-1)
    return log_probs, torch.tensor([[1, 2], [3, 3]]), (6, 5), (2, 2)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"targets": torch.tensor([[1, 0], [3, 3]])}, ValueError, r"no blank \(index 0\).*"
         r"got 0 at label 1 of sample 0"),
        ({"targets": torch.tensor([[1, 2], [3, 3]]), "blank": 3}, ValueError,
         "got 3 at label 0 of sample 1"),
        ({"targets": torch.tensor([[1, 4], [3, 3]])}, ValueError, r"class indices in \[0, 4\)"),
        ({"targets": torch.tensor([[1.0, 2.0], [3.0, 3.0]])}, TypeError, "targets.long()"),
        ({"targets": torch.tensor([[1, 2]])}, ValueError, "one row per sample, N = 2"),
        ({"targets": torch.ones(2, 2, 2, dtype=torch.long)}, ValueError, "padded"),
        ({"targets": torch.tensor([1, 2, 3])}, ValueError, r"sum\(target_lengths\) = 4"),
        ({"input_lengths": (7, 5)}, ValueError, r"at most 6.*input_lengths\[0\] = 7"),
        ({"target_lengths": (3, 2)}, ValueError, r"at most 2.*padded `targets`"),
        ({"input_lengths": (6, 5, 4)}, ValueError, "one length per sample, N = 2, got 3"),
        ({"target_lengths": torch.tensor([2])}, ValueError, "one length per sample"),
        ({"input_lengths": (6, -1)}, ValueError, r"non-negative.*input_lengths\[1\] = -1"),
        ({"input_lengths": torch.tensor([6.0, 5.0])}, TypeError, "integer tensor"),
        ({"target_lengths": (2.0, 2)}, TypeError, "to hold ints"),
        ({"input_lengths": "6"}, TypeError, "tensor or a tuple of ints"),
        ({"blank": 4}, ValueError, r"`blank` to be a class index in \[0, 4\), got 4"),
        ({"reduction": "average"}, ValueError, "reduction"),
        ({"log_probs": torch.zeros(2, 6, 2, 4)}, ValueError, "time first"),
        ({"log_probs": torch.zeros(6, 2, 4, dtype=torch.long)}, TypeError, "floating"),
        ({"log_probs": [[0.0]]}, TypeError, "torch.Tensor"),
    ],
)
def test_bad_input(change, error, match):
    log_probs, targets, input_lengths, target_lengths = good_args()
    args = {"log_probs": log_probs, "targets": targets, "input_lengths": input_lengths,
            "target_lengths": target_lengths, **change}
    with pytest.raises(error, match=match):
        ctc_loss(**args)


@pytest.mark.parametrize(
    ("log_probs", "deviation"),
    [(torch.randn(6, 2, 4), "exp\\(log_probs\\[\\d, \\d\\]\\) sums to"),  # raw logits
     (torch.rand(6, 2, 4).softmax(-1), "off by")],  # probabilities, not their logarithm
)
def test_warns_when_rows_are_not_log_probabilities(log_probs, deviation):
    _, targets, input_lengths, target_lengths = good_args()
    with pytest.warns(UserWarning, match=deviation + ".*log_softmax"):
        ctc_loss(log_probs, targets, input_lengths, target_lengths)


def test_frames_past_the_input_length_are_not_checked():
    log_probs, targets, _, target_lengths = good_args()
    log_probs[5:] = 0.0  # padding frames, ignored by torch too
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ctc_loss(log_probs, targets, (5, 5), target_lengths)
