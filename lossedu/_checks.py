"""Input validation shared by every loss: each message names the argument, echoes what came
in, says what was expected and the usual cause."""

from collections.abc import Sequence

import torch

from lossedu._reduction import REDUCTIONS

PITFALLS = "see the book's pitfalls chapter"


def shape_str(shape: Sequence[int]) -> str:
    """``(4, 1)`` for a shape, ``()`` for a scalar, ``(4,)`` for a vector."""
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def check_tensor(name: str, value: object) -> torch.Tensor:
    """Raise TypeError unless ``value`` is a tensor."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(
            f"Expected `{name}` to be a torch.Tensor, got {type(value).__name__}: "
            f"wrap lists or arrays with torch.tensor(...) or torch.as_tensor(...)."
        )
    return value


def check_floating(name: str, value: torch.Tensor) -> torch.Tensor:
    """Raise TypeError unless ``value`` holds floating-point numbers."""
    if not value.is_floating_point():
        raise TypeError(
            f"Expected `{name}` to be a floating-point tensor, got dtype {value.dtype}: "
            f"convert it with `{name}.float()`."
        )
    return value


def check_probabilities(name: str, value: torch.Tensor, fix: str) -> None:
    """Raise ValueError unless every entry of ``value`` is a probability in [0, 1]; ``fix`` says
    what to do when they look like logits."""
    if value.isnan().any():
        raise ValueError(
            f"Expected `{name}` probabilities in [0, 1], got nan: the model's output already holds "
            f"nan, from nan in its inputs or a diverging run (too large a learning rate); "
            f"{PITFALLS}."
        )
    outside = (value < 0) | (value > 1)
    if outside.any():
        bad = value[outside][0].item()
        raise ValueError(
            f"Expected `{name}` probabilities in [0, 1], got {bad}: these look like logits. {fix}"
        )


def check_reduction(reduction: object, allowed: Sequence[str] = REDUCTIONS) -> str:
    """Raise ValueError unless ``reduction`` is one of ``allowed``."""
    if reduction not in allowed:
        choices = ", ".join(repr(r) for r in allowed)
        raise ValueError(f"Expected `reduction` to be one of {choices}, got {reduction!r}.")
    return reduction


def check_same_device(**tensors: torch.Tensor | None) -> None:
    """Raise ValueError if the given tensors do not all live on one device."""
    given = {name: t.device for name, t in tensors.items() if t is not None}
    if len(set(given.values())) > 1:
        where = ", ".join(f"`{name}` on {device}" for name, device in given.items())
        raise ValueError(
            f"Expected all tensors on one device, got {where}: "
            f"move them with `.to(input.device)`."
        )


def check_same_shape(input: torch.Tensor, target: torch.Tensor) -> None:
    """Raise ValueError unless ``input`` and ``target`` have the same shape.

    torch only warns when the shapes broadcast, and the loss then compares every prediction
    with every target; here that is an error that says what the broadcast would have done.
    """
    if input.shape == target.shape:
        return
    got = f"`input` has shape {shape_str(input.shape)} but `target` has {shape_str(target.shape)}"
    try:
        broadcast = torch.broadcast_shapes(input.shape, target.shape)
    except RuntimeError:
        raise ValueError(f"{got}: expected the same shape; these do not even broadcast.") from None
    raise ValueError(
        f"{got}: expected the same shape. They would broadcast to {shape_str(broadcast)}, "
        f"comparing every prediction with every target ({broadcast.numel()} terms instead of "
        f"{max(input.numel(), target.numel())}). The usual cause is a trailing dimension of 1 "
        f"on the model's output: use `input.squeeze(-1)` or `target.unsqueeze(-1)` "
        f"({PITFALLS})."
    )
