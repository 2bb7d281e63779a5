"""Input validation shared by every loss: each message names the argument, echoes what came
in, says what was expected and the usual cause."""

import functools
import inspect
import math
from collections.abc import Callable, Sequence

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


def check_positive(name: str, value: float, why: str = "", allow_zero: bool = False) -> float:
    """Raise ValueError unless ``value`` > 0 (>= 0 with ``allow_zero``); ``why`` says what the
    value does. nan fails both."""
    if not (value >= 0 if allow_zero else value > 0):
        bound = ">= 0" if allow_zero else "> 0"
        reason = f": {why}." if why else "."
        raise ValueError(f"Expected `{name}` {bound}, got {value!r}{reason}")
    return value


def check_fraction(name: str, value: float) -> float:
    """Raise ValueError unless ``value`` is in [0, 1]."""
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"Expected `{name}` in [0, 1], got {value!r}.")
    return value


def check_not_legacy(name: str, value: object) -> None:
    """Raise TypeError when an argument holds what an old positional call meant for torch's
    deprecated ``size_average`` / ``reduce`` (None or a bool), which lossedu leaves out."""
    if value is None or isinstance(value, bool):
        raise TypeError(
            f"Expected `{name}` of its own kind, got {value!r}: this looks like an old positional "
            f"call passing torch's deprecated `size_average` / `reduce`, which lossedu leaves "
            f"out; pass `reduction='mean'`, `'sum'` or `'none'` by keyword."
        )


def positional_limit(function: Callable) -> int:
    """How many arguments ``function`` takes by position (``self`` counts for a method)."""
    parameters = inspect.signature(function).parameters.values()
    return sum(p.kind == p.POSITIONAL_OR_KEYWORD for p in parameters)


def refuse_extra_positions(name: str, args: tuple, most: int, options: str) -> None:
    """Raise TypeError where ``args`` holds more than ``most`` arguments: an old call that
    passed torch's deprecated ``size_average`` / ``reduce`` by position."""
    if len(args) > most:
        raise TypeError(
            f"`{name}` takes at most {most} positional arguments, got {len(args)}: an old "
            f"positional call passing torch's deprecated `size_average` / `reduce`, which "
            f"lossedu leaves out? Pass {options} by keyword."
        )


def no_legacy_positions(loss: Callable) -> Callable:
    """Decorate a loss whose torch twin still takes ``size_average`` / ``reduce`` by position:
    a call with more positional arguments than lossedu's signature has fails saying why."""
    most = positional_limit(loss)

    @functools.wraps(loss)
    def wrapper(*args, **kwargs):
        refuse_extra_positions(loss.__name__, args, most, "the options after `target`")
        return loss(*args, **kwargs)

    return wrapper


def check_dim(dim: object) -> int:
    """Raise TypeError unless ``dim`` is an int: torch's implicit choice when it is None is
    deprecated (torch warns and guesses), and lossedu does not guess."""
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(
            f"Expected `dim`, the dimension to normalise along, as an int, got {dim!r}: torch's "
            f"implicit choice of dimension is deprecated (it warns, then takes 0 for 0-, 1- and "
            f"3-d inputs, else 1). Pass it: dim=-1 for classes on the last dimension, dim=1 for "
            f"(N, C, ...)."
        )
    return dim


def check_reduction(reduction: object, allowed: Sequence[str] = REDUCTIONS) -> str:
    """Raise ValueError unless ``reduction`` is one of ``allowed`` (TypeError for None or a
    bool, torch's deprecated ``size_average`` / ``reduce`` landing on it)."""
    check_not_legacy("reduction", reduction)
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


def check_pair(input, target, reduction, weight=None) -> None:
    """The checks of an elementwise loss (regression): tensors, reduction, one device, one
    shape, and a ``weight`` of the input's shape if given."""
    check_floating("input", check_tensor("input", input))
    check_tensor("target", target)
    check_reduction(reduction)
    if weight is not None:
        check_floating("weight", check_tensor("weight", weight))
    check_same_device(input=input, target=target, weight=weight)
    check_same_shape(input, target)
    if weight is not None and weight.shape != input.shape:
        raise ValueError(
            f"Expected `weight` of the input's shape {shape_str(input.shape)}, got "
            f"{shape_str(weight.shape)}: one weight per element, as torch requires."
        )


def check_binary(input, target, reduction, weight=None, pos_weight=None) -> None:
    """The checks of a binary loss: float tensors of one shape, reduction, one device."""
    check_reduction(reduction)
    check_floating("input", check_tensor("input", input))
    check_floating("target", check_tensor("target", target))
    if target.shape != input.shape:
        raise ValueError(
            f"Expected `target` of the input's shape {shape_str(input.shape)}, got "
            f"{shape_str(target.shape)}: binary losses compare element by element."
        )
    if weight is not None:
        check_floating("weight", check_tensor("weight", weight))
    check_same_device(input=input, target=target, weight=weight, pos_weight=pos_weight)


def check_focal(inputs, targets, gamma, reduction) -> None:
    """The checks of the sigmoid focal loss, in torchvision's names (``inputs``, ``targets``)."""
    check_reduction(reduction)
    check_floating("inputs", check_tensor("inputs", inputs))
    check_floating("targets", check_tensor("targets", targets))
    if inputs.shape != targets.shape:
        raise ValueError(
            f"Expected `targets` of the shape of `inputs`, {shape_str(inputs.shape)}, got "
            f"{shape_str(targets.shape)}: one 0/1 label per logit (one-hot rows for several "
            f"classes)."
        )
    check_positive("gamma", gamma, "it is the focusing exponent", allow_zero=True)


def check_bce(input, target, reduction, weight=None) -> None:
    """The checks of binary cross-entropy on probabilities: as :func:`check_binary`, one dtype
    (torch refuses the mix too), and every input a probability."""
    check_binary(input, target, reduction, weight)
    if target.dtype != input.dtype:
        raise TypeError(
            f"Expected `target` of the input's dtype {input.dtype}, got {target.dtype}: targets "
            f"made from a NumPy array are float64 while models are float32; convert them with "
            f"`target.to(input.dtype)`."
        )
    check_probabilities("input", input, "Apply torch.sigmoid first, or better, use "
                        "binary_cross_entropy_with_logits, which takes logits and stays exact "
                        "for large values.")


def check_class_target(input, target, weight, ignore_index, reduction) -> bool:
    """Validate a cross-entropy / NLL call; True for probability targets."""
    check_reduction(reduction)
    check_not_legacy("ignore_index", ignore_index)
    check_floating("input", check_tensor("input", input))
    check_tensor("target", target)
    if input.dim() == 0:
        raise ValueError("Expected `input` of shape (C), (N, C) or (N, C, d1, ...), got a scalar.")
    class_dim = 0 if input.dim() == 1 else 1
    index_shape = input.shape[:class_dim] + input.shape[class_dim + 1 :]
    C = input.shape[class_dim]
    _check_class_weight(weight, C)
    check_same_device(input=input, target=target, weight=weight)
    if target.is_floating_point():
        if target.shape == input.shape:
            if ignore_index != -100:  # torch refuses it too
                raise ValueError(
                    f"Expected `ignore_index` -100 (the default) with probability targets, got "
                    f"{ignore_index!r}: it picks out class indices; to leave a sample out of "
                    f"probability targets, drop its row."
                )
            return True
        raise ValueError(
            f"Expected `target` of class indices with shape {shape_str(index_shape)} as integers, "
            f"or probabilities of the input's shape {shape_str(input.shape)} as floats, got float "
            f"shape {shape_str(target.shape)}: for class indices pass `target.long()`."
        )
    if target.dtype not in (torch.int64, torch.uint8):
        raise TypeError(
            f"Expected `target` of class indices as torch.int64 (long), got {target.dtype}: "
            f"convert it with `target.long()`."
        )
    if target.shape != index_shape:
        raise ValueError(
            f"Expected `target` of class indices with shape {shape_str(index_shape)}, got "
            f"{shape_str(target.shape)} for `input` of shape {shape_str(input.shape)}."
            f"{_target_shape_hint(input.shape, target.shape, class_dim)}"
        )
    if target.numel() == 0:
        return False
    low, high = torch.aminmax(target)
    if (low >= 0) & (high < C):  # every target a class index: one pass in the usual case
        return False
    outside = (target != ignore_index) & ((target < 0) | (target >= C))
    if outside.any():
        bad = target[outside][0].item()
        cause = (
            f"A negative label is usually padding: pass `ignore_index={bad}` to leave it out."
            if bad < 0
            else "Labels counted from 1 (use `target - 1`), or a wrong number of output units, "
            "are the usual causes."
        )
        raise ValueError(
            f"Expected class indices in [0, {C - 1}] (or ignore_index={ignore_index}), got {bad}: "
            f"the input has C = {C} classes. {cause}"
        )
    return False


def _target_shape_hint(input_shape, target_shape, class_dim: int) -> str:
    """What a class-index target of the wrong shape usually means."""
    if target_shape == input_shape:
        return (" It has the input's shape: one-hot targets passed as indices? Pass "
                "`target.argmax(dim=1)`, or the one-hot rows as floats (probability targets).")
    if len(target_shape) == len(input_shape) and target_shape[class_dim] == 1:
        return (f" It keeps a class dimension of size 1: pass `target.squeeze({class_dim})`, "
                f"one index per sample (or pixel).")
    if class_dim == 1 and target_shape == input_shape[:-1]:
        return (" The classes are on the last dimension: torch expects them on dimension 1, "
                "so pass `input.movedim(-1, 1)`, shape (N, C, d1, ...).")
    return ""


def _check_class_weight(weight, C: int) -> None:
    if weight is None:
        return
    check_floating("weight", check_tensor("weight", weight))
    if weight.shape != (C,):
        raise ValueError(
            f"Expected `weight` with one entry per class, shape ({C},), got "
            f"{shape_str(weight.shape)}."
        )


# --- the training loop's options ---------------------------------------------------------


def check_positive_int(name: str, value: object) -> int:
    """Raise TypeError unless ``value`` is an int (not a bool), ValueError unless it is >= 1."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"Expected `{name}` to be a positive int, got {type(value).__name__} "
                        f"{value!r}.")
    if value < 1:
        raise ValueError(f"Expected `{name}` to be a positive int, got {value}.")
    return value


def check_amp_dtype(amp_dtype: object) -> torch.dtype | None:
    """None, or bfloat16: the dtype autocast runs the forward pass in."""
    if amp_dtype is None or amp_dtype in (torch.bfloat16, "bfloat16"):
        return None if amp_dtype is None else torch.bfloat16
    hint = (" float16 gradients underflow without loss scaling (torch.amp.GradScaler), which "
            "this loop leaves out; bfloat16 has float32's range and needs none."
            if amp_dtype in (torch.float16, "float16") else "")
    raise ValueError(
        f"Expected `amp_dtype` to be None or torch.bfloat16 (or 'bfloat16'), got "
        f"{amp_dtype!r}: autocast runs matrix products in bfloat16; leave it None to train in "
        f"the parameters' own dtype.{hint}"
    )


def check_clip(clip_grad_norm: object) -> float | None:
    """None, or the largest gradient norm allowed: a positive finite number."""
    if clip_grad_norm is None:
        return None
    if isinstance(clip_grad_norm, bool) or not isinstance(clip_grad_norm, int | float):
        raise TypeError(f"Expected `clip_grad_norm` to be None or a number, got "
                        f"{type(clip_grad_norm).__name__}.")
    check_positive("clip_grad_norm", clip_grad_norm, "it is the largest gradient norm allowed")
    if math.isinf(clip_grad_norm):
        raise ValueError("Expected a finite `clip_grad_norm`, got inf: leave it None not to clip.")
    return float(clip_grad_norm)


def check_loader(loader: object) -> int:
    """The number of batches; the loader must know it (a DataLoader, or a list of batches)."""
    try:
        count = len(loader)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"Expected `loader` with a length (a torch.utils.data.DataLoader or a list of "
            f"(inputs, targets) batches), got {type(loader).__name__}."
        ) from None
    if count == 0:
        raise ValueError("Expected a `loader` with at least one batch, got an empty one: a "
                         "DataLoader with drop_last=True and fewer samples than batch_size?")
    return count


def check_writer(writer: object) -> None:
    """Raise TypeError unless ``writer`` is None or has ``add_scalar`` (a SummaryWriter)."""
    if writer is not None and not callable(getattr(writer, "add_scalar", None)):
        raise TypeError(
            f"Expected `writer` to have an add_scalar(tag, value, step) method, such as "
            f"torch.utils.tensorboard.SummaryWriter(log_dir), got {type(writer).__name__}."
        )
