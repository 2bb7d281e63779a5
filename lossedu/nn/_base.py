"""What every loss Module shares: the reduction, class weights as buffers, and the refusal of
torch's deprecated ``size_average`` / ``reduce`` with the ``reduction`` they meant."""

import functools

import torch
from torch import nn

from lossedu._checks import (
    check_floating,
    check_reduction,
    check_tensor,
    positional_limit,
    refuse_extra_positions,
)
from lossedu._reduction import REDUCTIONS

LEGACY = ("size_average", "reduce")


def legacy_reduction(size_average: object = None, reduce: object = None) -> str:
    """The ``reduction`` that torch reads from the deprecated pair: ``reduce=False`` is
    ``'none'`` whatever ``size_average`` says, else ``size_average=False`` is ``'sum'``, else
    ``'mean'`` (None counts as True)."""
    if reduce is not None and not reduce:
        return "none"
    if size_average is not None and not size_average:
        return "sum"
    return "mean"


def _refuse_legacy(init):
    """Wrap a loss Module's ``__init__``: a ``size_average=`` / ``reduce=`` keyword, or more
    positional arguments than the signature has (an old call that passed them by position),
    raise TypeError saying which ``reduction`` to pass instead."""
    most = positional_limit(init) - 1  # without self

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        name = type(self).__name__
        legacy = {key: kwargs.pop(key) for key in LEGACY if key in kwargs}
        if legacy:
            given = ", ".join(f"{key}={value!r}" for key, value in legacy.items())
            raise TypeError(
                f"`{name}` does not take `size_average` / `reduce`, got {given}: torch "
                f"deprecated them and lossedu leaves them out. What they ask for is "
                f"reduction={legacy_reduction(**legacy)!r} (they override `reduction` in torch)."
            )
        if args and not most:
            raise TypeError(f"`{name}` takes its options by keyword only, got {len(args)} "
                            f"positional arguments {args!r}, as torch's does.")
        refuse_extra_positions(name, args, most, "the options")
        init(self, *args, **kwargs)

    return __init__


def check_buffer(name: str, value: object) -> torch.Tensor | None:
    """None, or a floating-point tensor (a class weight or ``pos_weight``)."""
    if value is None:
        return None
    return check_floating(name, check_tensor(name, value))


class _Loss(nn.Module):
    """The base of lossedu's loss Modules: ``reduction``, checked when the Module is built.

    A subclass's own ``__init__`` refuses ``size_average`` / ``reduce`` as well.
    """

    reductions = REDUCTIONS  # the values ``reduction`` may take

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _refuse_legacy(cls.__dict__["__init__"])

    @_refuse_legacy
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = check_reduction(reduction, self.reductions)


class _WeightedLoss(_Loss):
    """A loss with a class weight, registered as the buffer ``weight`` (as torch does: it moves
    with ``.to()`` and is in ``state_dict()`` when it is not None)."""

    def __init__(self, weight: torch.Tensor | None = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", check_buffer("weight", weight))
