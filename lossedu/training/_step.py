"""The pieces of one training step: a progress bar, a batch moved to the device, its size, a
checked scalar loss, the guard against a non-finite loss, and the gradient norm."""

import math
import warnings
from collections.abc import Iterable

import torch
from torch import nn


def _progress(iterable: Iterable, enabled: bool, **kwargs):
    """A tqdm.auto bar over ``iterable`` (a widget in Jupyter, text elsewhere); a plain
    iteration when not ``enabled``."""
    import tqdm

    with warnings.catch_warnings():
        # Without ipywidgets, tqdm.auto warns once and draws the text bar, which is fine.
        warnings.simplefilter("ignore", tqdm.TqdmWarning)
        from tqdm.auto import tqdm as bar
    return bar(iterable, disable=not enabled, dynamic_ncols=True, **kwargs)


def _move(batch: object, device: torch.device) -> tuple:
    if not (isinstance(batch, tuple | list) and len(batch) == 2):
        raise TypeError(
            f"Expected each batch to be a pair (inputs, targets), got {type(batch).__name__}"
            f"{f' of length {len(batch)}' if isinstance(batch, tuple | list) else ''}: build the "
            f"loader on torch.utils.data.TensorDataset(inputs, targets)."
        )
    return tuple(t.to(device) if isinstance(t, torch.Tensor) else t for t in batch)


def _batch_size(targets: object) -> int:
    return targets.shape[0] if isinstance(targets, torch.Tensor) and targets.dim() else 1


def _scalar_loss(loss: object) -> torch.Tensor:
    if not (isinstance(loss, torch.Tensor) and loss.dim() == 0):
        is_tensor = isinstance(loss, torch.Tensor)
        got = f"shape {tuple(loss.shape)}" if is_tensor else type(loss).__name__
        raise ValueError(f"Expected `loss_fn` to return a scalar tensor, got {got}: use "
                         f"reduction='mean' (or 'sum').")
    return loss


def _stop_on_non_finite(value: float, inputs, outputs, step: int, epoch: int, batch: int) -> None:
    """Raise FloatingPointError when the loss is nan or infinite, saying where and why."""
    if math.isfinite(value):
        return
    if isinstance(inputs, torch.Tensor) and not torch.isfinite(inputs).all():
        found = "this batch's inputs hold nan or inf values (bad inputs)"
    elif isinstance(outputs, torch.Tensor) and not torch.isfinite(outputs).all():
        found = ("the inputs are finite but the model's outputs are not: its weights have "
                 "diverged (a learning rate too large?)")
    else:
        found = ("the inputs and outputs are finite, so the loss itself went non-finite (the "
                 "log of 0, or outputs so large that the loss overflows)")
    raise FloatingPointError(
        f"The loss is {value} at step {step} (epoch {epoch}, batch {batch}); training stops "
        f"here instead of stepping on it. Found: {found}. The usual causes: a learning rate "
        f"too large (the loss grows, then overflows: lower `lr`, warm it up, or clip the "
        f"gradients); the log of 0 (a probability of exactly 0 or 1 in a log-based loss: pass "
        f"logits to cross_entropy or binary_cross_entropy_with_logits); bad inputs (nan or "
        f"inf in the data: check `torch.isfinite(inputs).all()`)."
    )


def _grad_norm(parameters: list[nn.Parameter], max_norm: float | None) -> float:
    """The global L2 norm of the gradients, before clipping them to ``max_norm``."""
    if max_norm is not None:
        return torch.nn.utils.clip_grad_norm_(parameters, max_norm).item()
    grads = [p.grad for p in parameters if p.grad is not None]
    return torch.nn.utils.get_total_norm(grads).item() if grads else 0.0
