"""lossedu.fast: every hand-written gradient equal to the readable form's autograd and to
torch, values and gradients, with gradcheck in float64 (the full tests per family run both
implementations against torch in test_regression, test_classification, test_binary and
test_information)."""

import pytest
import torch
import torch.nn.functional as F
from loss_checks import TOLERANCE

import lossedu
import lossedu.fast


def _regression(dtype):
    g = torch.Generator().manual_seed(0)
    x, y, w = (torch.randn(3, 4, generator=g, dtype=dtype) for _ in range(3))
    return (x.requires_grad_(), y.requires_grad_()), w.abs()


def _classes(dtype):
    g = torch.Generator().manual_seed(0)
    x = (3 * torch.randn(6, 5, generator=g, dtype=dtype)).requires_grad_()
    t = torch.tensor([0, 4, -100, 2, 1, 3])
    return (x, t), torch.tensor([1.0, 2.0, 0.5, 3.0, 1.5], dtype=dtype)


def _log_probs(dtype):
    (x, t), w = _classes(dtype)
    return (x.detach().log_softmax(1).requires_grad_(), t), w


def _probabilities(dtype):
    g = torch.Generator().manual_seed(0)
    p = torch.rand(3, 4, generator=g, dtype=dtype).clamp(0.05, 0.95).requires_grad_()
    return (p, torch.rand(3, 4, generator=g, dtype=dtype).requires_grad_()), torch.rand(
        4, generator=g, dtype=dtype)


def _logits(dtype):
    (x, y), w = _regression(dtype)
    return (x, torch.sigmoid(y.detach()).requires_grad_()), w


# (name, arguments, option sets); `weight` in an option set is replaced by the case's weight
CASES = [
    *((name, _regression, [{}, {"reduction": "sum"}, {"reduction": "none"},
                           {"weight": True}, {"weight": True, "reduction": "sum"}])
      for name in ("mse_loss", "l1_loss", "huber_loss")),
    ("smooth_l1_loss", _regression, [{}, {"beta": 0.5, "reduction": "none"}, {"beta": 0.0}]),
    ("nll_loss", _log_probs, [{}, {"weight": True}, {"reduction": "sum"},
                              {"weight": True, "reduction": "none"}]),
    ("cross_entropy", _classes, [{}, {"weight": True}, {"label_smoothing": 0.2},
                                 {"weight": True, "label_smoothing": 0.1, "reduction": "sum"}]),
    ("binary_cross_entropy", _probabilities, [{}, {"weight": True}, {"reduction": "none"}]),
    ("binary_cross_entropy_with_logits", _logits,
     [{}, {"weight": True}, {"pos_weight": True}, {"reduction": "sum"}]),
]
IDS = [name for name, _, _ in CASES]


def _options(options, weight):
    """The option set with the case's weight in place of True."""
    return {k: (weight if v is True else v) for k, v in options.items()}


def _grads(out, leaves):
    weights = torch.linspace(0.5, 1.5, out.numel(), dtype=out.dtype).view_as(out)
    return torch.autograd.grad((out * weights).sum(), leaves)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("name, make, option_sets", CASES, ids=IDS)
def test_fast_equals_readable_and_torch(name, make, option_sets, dtype):
    args, weight = make(dtype)
    leaves = [a for a in args if a.requires_grad]
    for options in option_sets:
        options = _options(options, weight)
        results = [getattr(m, name)(*args, **options) for m in (lossedu.fast, lossedu, F)]
        grads = [_grads(out, leaves) for out in results]
        for out, grad in zip(results[1:], grads[1:], strict=True):
            torch.testing.assert_close(results[0], out, **TOLERANCE[dtype])
            for a, b in zip(grads[0], grad, strict=True):
                torch.testing.assert_close(a, b, **TOLERANCE[dtype])


@pytest.mark.parametrize("name, make, option_sets", CASES, ids=IDS)
def test_fast_gradcheck(name, make, option_sets):
    args, weight = make(torch.float64)
    leaves = tuple(a for a in args if a.requires_grad)
    for options in option_sets:
        options = _options(options, weight)

        def loss(*tensors, options=options):
            filled = iter(tensors)
            call = [next(filled) if a.requires_grad else a for a in args]
            return getattr(lossedu.fast, name)(*call, **options)

        assert torch.autograd.gradcheck(loss, leaves)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_fast_softmax_equals_readable_and_torch(name, dim):
    x = (5 * torch.randn(4, 6, dtype=torch.float64)).requires_grad_()
    results = [getattr(m, name)(x, dim) for m in (lossedu.fast, lossedu, torch)]
    grads = [_grads(out, [x]) for out in results]
    for out, grad in zip(results[1:], grads[1:], strict=True):
        torch.testing.assert_close(results[0], out)
        torch.testing.assert_close(grads[0], grad)
    assert torch.autograd.gradcheck(lambda a: getattr(lossedu.fast, name)(a, dim), (x,))


def test_fast_focal_loss_equals_readable():
    (x, t), w = _classes(torch.float64)
    ignored = t.clone()
    ignored[..., :1] = -100
    for options in ({}, {"gamma": 0.5, "weight": w}, {"reduction": "none"}, {"gamma": 1.0},
                    {"gamma": 3.0, "reduction": "sum"}, {"ignore_index": -100, "weight": w}):
        target = ignored if "ignore_index" in options else t
        a = lossedu.fast.focal_loss(x, target, **options)
        b = lossedu.focal_loss(x, target, **options)
        torch.testing.assert_close(a, b)
        torch.testing.assert_close(_grads(a, [x]), _grads(b, [x]))
    for gamma in (0.0, 0.5, 2.0):
        assert torch.autograd.gradcheck(
            lambda a, gamma=gamma: lossedu.fast.focal_loss(a, t, gamma, weight=w), (x,))
    # gamma = 0 is cross-entropy: torch's values and gradients
    a, b = lossedu.fast.focal_loss(x, ignored, 0.0, w), F.cross_entropy(x, ignored, w)
    torch.testing.assert_close(a, b)
    torch.testing.assert_close(_grads(a, [x]), _grads(b, [x]))


def test_fast_exports_the_readable_names():
    import lossedu.fast as fast

    for name in dir(fast):
        if not name.startswith("_") and callable(getattr(fast, name)):
            assert getattr(lossedu, name).__name__ == getattr(fast, name).__name__ == name
