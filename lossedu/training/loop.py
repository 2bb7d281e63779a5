"""One epoch of training (:func:`train_one_epoch`) and one pass of evaluation
(:func:`evaluate`), with the :func:`accuracy` metric."""

import math
from collections.abc import Callable, Mapping

import torch
from torch import nn

from lossedu._checks import (
    check_amp_dtype,
    check_clip,
    check_loader,
    check_positive_int,
    check_writer,
)
from lossedu.training._step import (
    _batch_size,
    _grad_norm,
    _move,
    _progress,
    _scalar_loss,
    _stop_on_non_finite,
)
from lossedu.training.distributed import all_reduce_mean
from lossedu.training.ema import EMA


def train_one_epoch(
    model: nn.Module,
    loader,
    loss_fn: Callable,
    optimizer: torch.optim.Optimizer,
    device="cpu",
    *,
    grad_accum: int = 1,
    clip_grad_norm: float | None = None,
    amp_dtype: torch.dtype | str | None = None,
    scheduler=None,
    ema: "EMA | None" = None,
    writer=None,
    progress: bool = True,
    epoch: int = 0,
) -> dict[str, float]:
    r"""Train ``model`` for one pass over ``loader`` and return the epoch's metrics.

    With ``grad_accum = k`` the gradients of k micro-batches are summed before one step, each
    loss divided by k, so the step is the one a batch k times larger would take (exactly, for
    a mean-reduced loss and micro-batches of equal size):

    .. math:: g = \frac{1}{k} \sum_{j=1}^{k} \nabla_\theta \, L(\text{micro-batch}_j)

    A shorter last group (the number of batches not a multiple of k) is divided by its own
    length. Per optimiser step, in order: measure and clip the gradient norm,
    ``optimizer.step()``, ``scheduler.step()``, ``ema.update(model)``, then
    ``writer.add_scalar`` of ``train/loss`` (the step's loss), ``train/lr`` (the rate that
    step used) and ``train/grad_norm`` (before clipping), at the global step
    ``epoch * steps_per_epoch + step``. Under autocast the loss is computed in float32, outside
    the bfloat16 region. Under ``torch.distributed`` the epoch's loss is averaged over
    processes; each process checks its own losses, and one that stops leaves the others
    waiting at their next all-reduce until the process group's timeout.

    Args:
        model: the network, already on ``device``; put in training mode here.
        loader: (inputs, targets) batches with a length: a DataLoader, or a list.
        loss_fn: ``loss_fn(outputs, targets)`` returning a scalar tensor.
        optimizer: a torch optimiser over the model's parameters.
        device: where each batch is moved. Default: ``"cpu"``.
        grad_accum: micro-batches per optimiser step. Default: 1.
        clip_grad_norm: clip the global gradient norm to this value. Default: None (no clip).
        amp_dtype: ``torch.bfloat16`` (or ``"bfloat16"``) to run the forward pass under
            ``torch.autocast`` in bfloat16, on CPU or GPU. Default: None.
        scheduler: a learning-rate scheduler stepped after every optimiser step (per step,
            not per epoch), e.g. :func:`warmup_cosine_schedule`. Default: None.
        ema: an :class:`EMA` updated after every optimiser step. Default: None.
        writer: anything with ``add_scalar(tag, value, step)``, such as a TensorBoard
            ``SummaryWriter``. Default: None.
        progress: show a tqdm progress bar over the batches. Default: True.
        epoch: this epoch's number, for the global step and the messages. Default: 0.

    Returns:
        ``{"loss": mean loss per sample, "lr": the last step's learning rate, "grad_norm": mean
        gradient norm before clipping, "steps": optimiser steps taken}``.

    Raises:
        FloatingPointError: the loss is nan or infinite; the message names the step and what
            is non-finite, and lists the usual causes.
        ValueError: ``grad_accum`` < 1, a non-positive ``clip_grad_norm``, an ``amp_dtype``
            other than bfloat16 (float16 would need loss scaling), an empty loader, or a
            ``loss_fn`` that does not return a scalar.
        TypeError: a loader without a length, a batch that is not a pair, a writer without
            ``add_scalar``.

    Example:
        >>> import torch
        >>> from lossedu import mse_loss, train_one_epoch
        >>> _ = torch.manual_seed(0)
        >>> x = torch.randn(32, 3)
        >>> y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
        >>> batches = [(x[i:i + 8], y[i:i + 8]) for i in range(0, 32, 8)]
        >>> model = torch.nn.Linear(3, 1)
        >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> losses = [train_one_epoch(model, batches, mse_loss, optimizer, progress=False)["loss"]
        ...           for _ in range(3)]
        >>> losses[0] > losses[1] > losses[2]
        True
    """
    n_batches = check_loader(loader)
    grad_accum = check_positive_int("grad_accum", grad_accum)
    clip_grad_norm = check_clip(clip_grad_norm)
    amp_dtype = check_amp_dtype(amp_dtype)
    check_writer(writer)
    device = torch.device(device)
    steps_per_epoch = math.ceil(n_batches / grad_accum)
    parameters = [p for p in model.parameters() if p.requires_grad]

    model.train()
    loss_sum, samples, norms, lr = 0.0, 0, [], optimizer.param_groups[0]["lr"]
    batches = _progress(loader, progress, total=n_batches, desc=f"epoch {epoch}", leave=False)
    for i, batch in enumerate(batches):
        first = i - i % grad_accum                       # the first batch of this step's group
        group = min(grad_accum, n_batches - first)       # the last group may be shorter
        step = epoch * steps_per_epoch + i // grad_accum
        if i == first:
            optimizer.zero_grad()                        # backward() adds into .grad
            step_loss = 0.0
        inputs, targets = _move(batch, device)
        with torch.autocast(device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
            outputs = model(inputs)
        if amp_dtype is not None and outputs.dtype == amp_dtype:
            outputs = outputs.float()                    # the loss in float32, not bfloat16
        loss = _scalar_loss(loss_fn(outputs, targets))
        value = loss.item()
        _stop_on_non_finite(value, inputs, outputs, step, epoch, i)
        (loss / group).backward()                        # 1/k: the group's mean gradient
        loss_sum += value * _batch_size(targets)
        samples += _batch_size(targets)
        step_loss += value / group
        if i - first + 1 < group:
            continue                                     # accumulate the next micro-batch
        norms.append(_grad_norm(parameters, clip_grad_norm))
        lr = optimizer.param_groups[0]["lr"]
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        if ema is not None:
            ema.update(model)
        if writer is not None:
            for tag, scalar in (("loss", step_loss), ("lr", lr), ("grad_norm", norms[-1])):
                writer.add_scalar(f"train/{tag}", scalar, step)
        batches.set_postfix(loss=f"{step_loss:.4f}", refresh=False)
    return {
        "loss": all_reduce_mean(loss_sum / samples),
        "lr": lr,
        "grad_norm": sum(norms) / len(norms),
        "steps": len(norms),
    }


def accuracy(input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    r"""The fraction of samples whose largest logit is the target class:
    :math:`\frac{1}{N} \sum_n [\arg\max_c x_{n,c} = y_n]`.

    Args:
        input: logits (or probabilities). target: class indices.

    Shape:
        input: (N, C). target: (N,). Output: a scalar.

    Raises:
        ValueError: shapes that are not (N, C) and (N,).

    Example:
        >>> import torch
        >>> from lossedu import accuracy
        >>> accuracy(torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.5]]), torch.tensor([0, 1, 1]))
        tensor(0.6667)
    """
    if input.dim() != 2 or target.shape != input.shape[:1]:
        raise ValueError(f"Expected `input` of shape (N, C) and `target` of shape (N,), got "
                         f"{tuple(input.shape)} and {tuple(target.shape)}.")
    return (input.argmax(dim=1) == target).float().mean()


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader,
    loss_fn: Callable,
    metrics: Mapping[str, Callable] | None = None,
    device="cpu",
) -> dict[str, float]:
    r"""The loss and ``metrics`` of ``model`` over ``loader``, in eval mode and without
    gradients; the model's mode is restored afterwards.

    Each value is the per-sample mean, :math:`\sum_b n_b m_b / \sum_b n_b` over batches b of
    size :math:`n_b` (exact for mean-reduced batch values), averaged over processes under
    ``torch.distributed``.

    Args:
        model: the network. loader: (inputs, targets) batches.
        loss_fn: ``loss_fn(outputs, targets)``, a scalar.
        metrics: names and functions ``fn(outputs, targets)`` returning a scalar, e.g.
            ``{"accuracy": accuracy}``. Default: None (the loss only).
        device: where each batch is moved. Default: ``"cpu"``.

    Returns:
        ``{"loss": ..., name: ... for each metric}``.

    Raises:
        ValueError: a metric called "loss", an empty loader, a non-scalar loss.
        TypeError: a loader without a length, a batch that is not a pair.

    Example:
        >>> import torch
        >>> from lossedu import accuracy, cross_entropy, evaluate
        >>> logits = torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.5], [0.2, 0.1]])
        >>> batches = [(logits[:2], torch.tensor([0, 1])), (logits[2:], torch.tensor([1, 1]))]
        >>> result = evaluate(torch.nn.Identity(), batches, cross_entropy, {"accuracy": accuracy})
        >>> round(result["accuracy"], 4), round(result["loss"], 4)
        (0.5, 0.5201)
    """
    metrics = dict(metrics or {})
    if "loss" in metrics:
        raise ValueError("Expected `metrics` without the name 'loss': the loss is always "
                         "computed, under that name.")
    check_loader(loader)
    device = torch.device(device)
    was_training = model.training
    model.eval()
    totals, samples = dict.fromkeys(["loss", *metrics], 0.0), 0
    try:
        for batch in loader:
            inputs, targets = _move(batch, device)
            outputs = model(inputs)
            n = _batch_size(targets)
            totals["loss"] += _scalar_loss(loss_fn(outputs, targets)).item() * n
            for name, metric in metrics.items():
                totals[name] += float(metric(outputs, targets)) * n
            samples += n
    finally:
        model.train(was_training)
    return {name: all_reduce_mean(total / samples) for name, total in totals.items()}
