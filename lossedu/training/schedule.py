"""A linear warm-up followed by a half-cosine decay of the learning rate."""

import math

import torch

from lossedu._checks import check_positive


def warmup_cosine_lr(
    step: int, base_lr: float, warmup_steps: int, total_steps: int, min_lr: float = 0.0
) -> float:
    r"""The learning rate at ``step`` of a linear warm-up followed by a half-cosine decay:

    .. math::
        \eta_t = \begin{cases}
          \eta \, t / W & t < W \\
          \eta_{\min} + (\eta - \eta_{\min}) \, \tfrac12 \left(1 + \cos \pi \tfrac{t - W}{T - W}
          \right) & W \le t \le T \\
          \eta_{\min} & t > T
        \end{cases}

    with warm-up length W and total length T, counted in optimiser steps: it rises from 0 to
    ``base_lr`` at ``t = W``, is halfway down at ``t = (W + T) / 2`` and reaches ``min_lr`` at
    ``t = T``.

    Raises:
        ValueError: a negative ``warmup_steps``, ``total_steps`` <= ``warmup_steps``, a
            ``base_lr`` <= 0, or ``min_lr`` outside [0, base_lr].

    Example:
        >>> from lossedu import warmup_cosine_lr
        >>> [warmup_cosine_lr(t, 0.1, warmup_steps=2, total_steps=6) for t in (0, 1, 2, 4, 6)]
        [0.0, 0.05, 0.1, 0.05, 0.0]
    """
    if warmup_steps < 0 or total_steps <= warmup_steps:
        raise ValueError(f"Expected 0 <= `warmup_steps` < `total_steps`, got {warmup_steps} and "
                         f"{total_steps}: count both in optimiser steps (epochs x steps per "
                         f"epoch).")
    check_positive("base_lr", base_lr, "it is the rate at the end of the warm-up")
    if not 0.0 <= min_lr <= base_lr:
        raise ValueError(f"Expected 0 <= `min_lr` <= `base_lr`, got min_lr="
                         f"{min_lr} and base_lr={base_lr}: min_lr is the rate at the end, not a "
                         f"fraction of it.")
    if step < warmup_steps:
        return base_lr * step / warmup_steps
    progress = min(step - warmup_steps, total_steps - warmup_steps) / (total_steps - warmup_steps)
    cosine = 0.5 * (1.0 + math.cos(math.pi * progress))  # 1 -> 0 over the decay
    return min_lr + (base_lr - min_lr) * cosine


def warmup_cosine_schedule(
    optimizer: torch.optim.Optimizer, warmup_steps: int, total_steps: int, min_lr: float = 0.0
) -> torch.optim.lr_scheduler.LambdaLR:
    """A scheduler that sets each parameter group's rate to :func:`warmup_cosine_lr` of its
    own initial rate; call ``scheduler.step()`` after every optimiser step (train_one_epoch
    does). Right after construction the rate is that of step 0 (0 when warming up).

    Raises:
        ValueError: as :func:`warmup_cosine_lr`, checked for every parameter group.

    Example:
        >>> import torch
        >>> from lossedu import warmup_cosine_schedule
        >>> optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        >>> scheduler = warmup_cosine_schedule(optimizer, warmup_steps=2, total_steps=6)
        >>> rates = []
        >>> for _ in range(7):
        ...     rates.append(round(optimizer.param_groups[0]["lr"], 4))
        ...     optimizer.step(); scheduler.step()
        >>> rates
        [0.0, 0.05, 0.1, 0.0854, 0.05, 0.0146, 0.0]
    """
    factors = []
    for group in optimizer.param_groups:
        base = group.get("initial_lr", group["lr"])
        warmup_cosine_lr(0, base, warmup_steps, total_steps, min_lr)  # validate once, up front

        def factor(step: int, base: float = base) -> float:
            return warmup_cosine_lr(step, base, warmup_steps, total_steps, min_lr) / base

        factors.append(factor)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factors)
