"""A lossedu loss against torch's: the same output (shape, dtype, values) and the same gradient
for every floating tensor argument that torch can differentiate."""

import torch

TOLERANCE = {
    torch.float64: dict(rtol=1e-7, atol=1e-10),
    torch.float32: dict(rtol=2e-5, atol=2e-6),
    torch.bfloat16: dict(rtol=2e-2, atol=2e-2),
}


def _run(fn, args, kwargs, grad):
    """``fn`` on fresh leaves: the output and the gradients of the arguments at ``grad``."""
    leaves = [a.detach().clone().requires_grad_(i in grad) if isinstance(a, torch.Tensor) else a
              for i, a in enumerate(args)]
    out = fn(*leaves, **kwargs)
    grads = torch.autograd.grad(out.sum(), [leaves[i] for i in grad]) if grad else ()
    return out, grads


def assert_parity(ours, theirs, *args, grad=(0,), tolerance=None, **kwargs):
    """``ours(*args, **kwargs)`` equals ``theirs(...)``, value and gradients (of the arguments at
    the positions in ``grad``); nan where torch has nan."""
    our_out, our_grads = _run(ours, args, kwargs, grad)
    their_out, their_grads = _run(theirs, args, kwargs, grad)
    tol = tolerance or TOLERANCE[their_out.dtype]
    assert our_out.shape == their_out.shape and our_out.dtype == their_out.dtype
    torch.testing.assert_close(our_out, their_out, equal_nan=True, **tol)
    for mine, torchs in zip(our_grads, their_grads, strict=True):
        torch.testing.assert_close(mine, torchs, equal_nan=True, **tol)
