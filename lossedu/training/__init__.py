"""The training loop: one epoch, evaluation, ``fit`` with a history, an exponential moving
average of the weights, a warm-up + cosine learning-rate schedule, and the mean of a value
over processes.

One optimiser step is four moves, always in this order:

    optimizer.zero_grad()              # 0. clear .grad: backward() adds into it
    outputs = model(inputs)            # 1. forward
    loss = loss_fn(outputs, targets)   # 2. the loss, one number
    loss.backward()                    # 3. d loss / d parameter, added into each .grad
    optimizer.step()                   # 4. move every parameter against its gradient

``train_one_epoch`` wraps them with what real training adds: gradient accumulation, clipping,
bf16 autocast, a per-step schedule, an EMA, logging, and a guard that stops on a loss that is
nan or infinite instead of training on it. Steps, batches and epochs count from 0.
"""

from lossedu.training.distributed import all_reduce_mean
from lossedu.training.ema import EMA
from lossedu.training.history import History, fit
from lossedu.training.loop import accuracy, evaluate, train_one_epoch
from lossedu.training.schedule import warmup_cosine_lr, warmup_cosine_schedule

__all__ = [
    "train_one_epoch",
    "evaluate",
    "accuracy",
    "fit",
    "History",
    "EMA",
    "warmup_cosine_lr",
    "warmup_cosine_schedule",
    "all_reduce_mean",
]
