"""lossedu.fast.ctc_loss (the hand-written alpha-beta gradient) against torch and against the
readable lossedu.ctc_loss: values, gradients, gradcheck."""

import math
import warnings

import pytest
import torch
import torch.nn.functional as F
from test_sequence import TOLERANCE, assert_matches_torch, impossible_case, loss_and_grad, make_case

import lossedu
from lossedu import fast


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("shape", [(6, 2, 4, 2), (20, 3, 5, 7), (30, 4, 6, 12)])
def test_matches_torch(dtype, reduction, zero_infinity, shape):
    logits, targets, input_lengths, target_lengths = make_case(*shape, dtype=dtype)
    assert_matches_torch(logits, targets, input_lengths, target_lengths, loss=fast.ctc_loss,
                         reduction=reduction, zero_infinity=zero_infinity)


@pytest.mark.parametrize("blank", [0, 3])
def test_equals_the_readable_form(blank):
    logits, targets, input_lengths, target_lengths = make_case(25, 4, 6, 8, blank=blank, seed=3)
    args = (targets, input_lengths, target_lengths, blank)
    fast_loss, fast_grad = loss_and_grad(fast.ctc_loss, logits, *args, reduction="none")
    loss, grad = loss_and_grad(lossedu.ctc_loss, logits, *args, reduction="none")
    torch.testing.assert_close(fast_loss, loss, **TOLERANCE[torch.float64])
    torch.testing.assert_close(fast_grad, grad, **TOLERANCE[torch.float64])


def test_log_probs_gradient_is_torchs_the_readable_one_lacks_exp_log_probs():
    logits, targets, input_lengths, target_lengths = make_case(12, 3, 5, 4, seed=4)
    grads = []
    for loss in (F.ctc_loss, fast.ctc_loss, lossedu.ctc_loss):
        log_probs = logits.log_softmax(-1).requires_grad_()
        loss(log_probs, targets, input_lengths, target_lengths, reduction="sum").backward()
        grads.append(log_probs.grad)
    torch_grad, fast_grad, readable_grad = grads
    torch.testing.assert_close(fast_grad, torch_grad, rtol=1e-10, atol=1e-12)
    inside = (torch.arange(12)[:, None] < input_lengths)[..., None]  # (T, N, 1)
    exp_log_probs = logits.softmax(-1) * inside  # frames past T_n have no gradient
    torch.testing.assert_close(readable_grad + exp_log_probs, torch_grad, rtol=1e-10, atol=1e-12)


def test_gradcheck():
    logits, targets, input_lengths, target_lengths = make_case(5, 3, 4, 2, seed=7)
    logits.requires_grad_()
    for zero_infinity in (False, True):
        assert torch.autograd.gradcheck(
            lambda x, z=zero_infinity: fast.ctc_loss(x.log_softmax(-1), targets, input_lengths,
                                                    target_lengths, reduction="sum",
                                                    zero_infinity=z), (logits,),
            fast_mode=True)  # one random direction: the full gradients are compared above


def test_impossible_target_nan_gradient_as_torch_zero_with_zero_infinity():
    logits, targets, input_lengths, target_lengths = impossible_case()
    with pytest.warns(UserWarning, match="cannot be aligned"):
        assert_matches_torch(logits, targets, input_lengths, target_lengths, loss=fast.ctc_loss,
                             reduction="sum")
    _, grad = loss_and_grad(fast.ctc_loss, logits, targets, input_lengths, target_lengths,
                            zero_infinity=True, reduction="none")
    assert (grad[:, 0] == 0).all() and grad[:, 1].isfinite().all()


def test_no_grad_and_empty_inputs():
    logits, targets, input_lengths, target_lengths = make_case(8, 3, 4, 3, seed=9)
    input_lengths[1], target_lengths[2] = 0, 0
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sample 1 has no frames for its labels
        got = fast.ctc_loss(logits.log_softmax(-1), targets, input_lengths, target_lengths,
                            reduction="none")
        expected = F.ctc_loss(logits.log_softmax(-1), targets, input_lengths, target_lengths,
                              reduction="none")
    torch.testing.assert_close(got, expected)
    assert got[1] == math.inf


def test_errors_are_the_readable_forms():
    with pytest.raises(ValueError, match="blank"):
        fast.ctc_loss(torch.zeros(4, 1, 3), torch.tensor([[1]]), (4,), (1,), blank=3)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_both_forms_under_autocast_in_float32(dtype):
    logits, targets, input_lengths, target_lengths = make_case(8, 2, 4, 3, seed=2)
    log_probs = logits.float().log_softmax(-1).to(dtype)
    with torch.autocast("cpu", dtype=torch.bfloat16), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rows rounded to bfloat16 no longer sum to 1 exactly
        losses = [loss(log_probs, targets, input_lengths, target_lengths)
                  for loss in (F.ctc_loss, fast.ctc_loss, lossedu.ctc_loss)]
    assert all(loss.dtype == torch.float32 for loss in losses)
    torch.testing.assert_close(losses[1], losses[0], rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(losses[2], losses[0], rtol=1e-6, atol=1e-6)
