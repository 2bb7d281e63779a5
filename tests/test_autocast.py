"""Under torch.autocast every loss runs in float32, as torch's do: the same dtype, the same
values and gradients, for low-precision inputs from an autocast forward pass."""

import inspect
import warnings

import pytest
import torch
import torch.nn.functional as F

import lossedu
import lossedu.fast


def _pair():
    g = torch.Generator().manual_seed(0)
    return torch.randn(6, 5, generator=g), torch.randn(6, 5, generator=g)


def _classes():
    x, _ = _pair()
    return x, torch.tensor([0, 4, 2, 1, 3, 0])


def _log_classes():
    x, target = _classes()
    return x.log_softmax(-1), target


def _probabilities():
    x, y = _pair()
    return x.sigmoid(), (y > 0).float()


def _log_probs():
    x, y = _pair()
    return x.log_softmax(-1), y.softmax(-1)


def _triplet():
    g = torch.Generator().manual_seed(1)
    return tuple(torch.randn(6, 5, generator=g) for _ in range(3))


def _cosine():
    x, y = _pair()
    return x, y, torch.tensor([1, -1, 1, 1, -1, -1])


def _ranking():
    x, y = _pair()
    return x[:, 0], y[:, 0], torch.tensor([1.0, -1, 1, 1, -1, -1])


def _ctc():
    g = torch.Generator().manual_seed(2)
    log_probs = torch.randn(8, 2, 4, generator=g).log_softmax(-1)
    return log_probs, torch.tensor([[1, 2, 2], [3, 1, 0]]), torch.tensor([8, 7]), torch.tensor(
        [3, 2])


LOSSES = {  # name: (make the arguments, how many leading float arguments are inputs)
    "mse_loss": (_pair, 2), "l1_loss": (_pair, 2), "smooth_l1_loss": (_pair, 2),
    "huber_loss": (_pair, 2), "cross_entropy": (_classes, 1), "nll_loss": (_log_classes, 1),
    "binary_cross_entropy": (_probabilities, 2),
    "binary_cross_entropy_with_logits": (_pair, 1), "kl_div": (_log_probs, 2),
    "triplet_margin_loss": (_triplet, 3), "cosine_embedding_loss": (_cosine, 2),
    "margin_ranking_loss": (_ranking, 2), "ctc_loss": (_ctc, 1),
}


def _low(args, n_float, dtype):
    """The first ``n_float`` arguments in ``dtype``, as an autocast forward pass leaves them;
    the first one is a leaf that needs a gradient."""
    leaf = args[0].to(dtype).requires_grad_()
    return leaf, [a.to(dtype) if i < n_float else a for i, a in enumerate(args[1:], 1)]


# the leaf is log_probs: torch's CTC gradient there is the logits' one (it adds exp(log_probs),
# see lossedu.ctc_loss), which lossedu.fast.ctc_loss writes by hand
OURS = {"ctc_loss": lossedu.fast.ctc_loss}


@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_under_autocast_a_loss_is_float32_and_equals_torch(name, dtype):
    make, n_float = LOSSES[name]
    args = make()
    results = []
    for fn in (OURS.get(name, getattr(lossedu, name)), getattr(F, name)):
        leaf, rest = _low(args, n_float, dtype)
        with torch.autocast("cpu", dtype=torch.bfloat16), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # kl_div's 'mean', in torch
            out = fn(leaf, *rest)
        (grad,) = torch.autograd.grad(out, leaf)
        results.append((out, grad))
    (ours, our_grad), (theirs, their_grad) = results
    assert ours.dtype == theirs.dtype == torch.float32
    torch.testing.assert_close(ours, theirs, rtol=1e-6, atol=1e-7)
    assert our_grad.dtype == their_grad.dtype == dtype
    torch.testing.assert_close(our_grad, their_grad)  # float32 gradients, rounded to dtype


def test_outside_autocast_low_precision_stays_low_precision():
    x, y = _pair()
    assert lossedu.mse_loss(x.bfloat16(), y.bfloat16()).dtype == torch.bfloat16
    assert F.mse_loss(x.bfloat16(), y.bfloat16()).dtype == torch.bfloat16


def test_the_wrapper_keeps_the_name_docstring_and_signature():
    assert lossedu.cross_entropy.__name__ == "cross_entropy"
    assert lossedu.cross_entropy.__module__ == "lossedu.classification"
    assert "label_smoothing" in lossedu.cross_entropy.__doc__
    assert "label_smoothing" in str(inspect.signature(lossedu.cross_entropy))
