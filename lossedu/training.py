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

import copy
import math
import warnings
from collections.abc import Callable, Iterable, Mapping

import torch
import torch.distributed as dist
from torch import nn

# --- argument checks ------------------------------------------------------------------------


def _check_positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"Expected `{name}` to be a positive int, got {type(value).__name__} "
                        f"{value!r}.")
    if value < 1:
        raise ValueError(f"Expected `{name}` to be a positive int, got {value}.")
    return value


def _check_amp_dtype(amp_dtype: object) -> torch.dtype | None:
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


def _check_clip(clip_grad_norm: object) -> float | None:
    if clip_grad_norm is None:
        return None
    if isinstance(clip_grad_norm, bool) or not isinstance(clip_grad_norm, int | float):
        raise TypeError(f"Expected `clip_grad_norm` to be None or a number, got "
                        f"{type(clip_grad_norm).__name__}.")
    if not (math.isfinite(clip_grad_norm) and clip_grad_norm > 0):
        raise ValueError(f"Expected `clip_grad_norm` to be a positive finite number (the "
                         f"largest gradient norm allowed), got {clip_grad_norm!r}.")
    return float(clip_grad_norm)


def _check_loader(loader: object) -> int:
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


def _check_writer(writer: object) -> None:
    if writer is not None and not callable(getattr(writer, "add_scalar", None)):
        raise TypeError(
            f"Expected `writer` to have an add_scalar(tag, value, step) method, such as "
            f"torch.utils.tensorboard.SummaryWriter(log_dir), got {type(writer).__name__}."
        )


# --- the pieces of one step -----------------------------------------------------------------


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


# --- one epoch, evaluation, fit -------------------------------------------------------------


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
    n_batches = _check_loader(loader)
    grad_accum = _check_positive_int("grad_accum", grad_accum)
    clip_grad_norm = _check_clip(clip_grad_norm)
    amp_dtype = _check_amp_dtype(amp_dtype)
    _check_writer(writer)
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
    _check_loader(loader)
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


class History:
    """What :func:`fit` recorded, one row per epoch: ``history["val_loss"]`` is the list of
    validation losses; the keys are ``epoch`` (epochs completed: 1, 2, ...), ``train_*``
    (``loss``, ``lr``, ``grad_norm``), ``val_*`` and ``ema_val_*`` (the loss and each metric).

    Example:
        >>> from lossedu import History
        >>> history = History([{"epoch": 1, "train_loss": 0.9}, {"epoch": 2, "train_loss": 0.5}])
        >>> history["train_loss"], len(history)
        ([0.9, 0.5], 2)
    """

    def __init__(self, rows: Iterable[dict[str, float]] = ()):
        self.rows = list(rows)

    def append(self, row: dict[str, float]) -> None:
        self.rows.append(dict(row))

    def keys(self) -> list[str]:
        return list(self.rows[0]) if self.rows else []

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.keys():
            raise KeyError(f"No {key!r} in the history; it has {self.keys()}.")
        return [row[key] for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return f"History({len(self)} epochs, keys={self.keys()})"

    def plot(self, metric: str = "loss", ax=None):
        """Training and validation curves of ``metric`` against the epoch, on ``ax`` (a new
        figure when None); returns the figure.

        Raises:
            ValueError: no curve of that metric in the history.
        """
        curves = {"train": "training", "val": "validation", "ema_val": "validation, EMA weights"}
        found = {label: f"{prefix}_{metric}" for prefix, label in curves.items()
                 if f"{prefix}_{metric}" in self.keys()}
        if not found:
            names = sorted({key.split("_", 1)[1] for key in self.keys()
                            if key.startswith(("train_", "val_"))})
            raise ValueError(f"Expected `metric` to be one of {names}, got {metric!r}.")
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(6, 3.5))
        for label, key in found.items():
            ax.plot(self["epoch"], self[key], label=label)
        ax.set(xlabel="epoch", ylabel=metric.replace("_", " "))
        ax.legend()
        return ax.figure


def fit(
    model: nn.Module,
    train_loader,
    loss_fn: Callable,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    device="cpu",
    *,
    val_loader=None,
    metrics: Mapping[str, Callable] | None = None,
    writer=None,
    progress: bool = True,
    **options,
) -> History:
    """Train for ``epochs`` epochs with :func:`train_one_epoch`, evaluating on ``val_loader``
    after each one (and the EMA weights too when an ``ema`` is among the options).

    The writer gets the per-step scalars of :func:`train_one_epoch`, and at each epoch's last
    step ``val/<name>`` and ``ema_val/<name>``.

    Args:
        model, train_loader, loss_fn, optimizer, device: as in :func:`train_one_epoch`.
        epochs: the number of passes over ``train_loader``.
        val_loader: batches to :func:`evaluate` on after each epoch. Default: None.
        metrics: as in :func:`evaluate`. Default: None (the loss only).
        writer: as in :func:`train_one_epoch`. Default: None.
        progress: progress bars over the epochs and the batches. Default: True.
        **options: ``grad_accum``, ``clip_grad_norm``, ``amp_dtype``, ``scheduler``, ``ema``,
            passed to :func:`train_one_epoch`.

    Returns:
        A :class:`History`, one row per epoch.

    Raises:
        ValueError: ``epochs`` < 1; and whatever :func:`train_one_epoch` or :func:`evaluate`
            raise.

    Example:
        >>> import torch
        >>> from lossedu import fit, mse_loss
        >>> _ = torch.manual_seed(0)
        >>> x = torch.randn(64, 2)
        >>> y = x.sum(dim=1, keepdim=True)
        >>> train = [(x[i:i + 16], y[i:i + 16]) for i in range(0, 48, 16)]
        >>> model = torch.nn.Linear(2, 1)
        >>> history = fit(model, train, mse_loss, torch.optim.SGD(model.parameters(), lr=0.2),
        ...               epochs=5, val_loader=[(x[48:], y[48:])], progress=False)
        >>> history["epoch"]
        [1, 2, 3, 4, 5]
        >>> history["val_loss"][-1] < history["val_loss"][0]
        True
    """
    epochs = _check_positive_int("epochs", epochs)
    _check_writer(writer)
    ema = options.get("ema")
    history, step = History(), 0
    bar = _progress(range(epochs), progress, desc="fit")
    for epoch in bar:
        train = train_one_epoch(model, train_loader, loss_fn, optimizer, device, writer=writer,
                                progress=progress, epoch=epoch, **options)
        step += train.pop("steps")
        row = {"epoch": epoch + 1, **{f"train_{k}": v for k, v in train.items()}}
        evaluated = {"val": model, "ema_val": ema.module if ema is not None else None}
        for prefix, net in evaluated.items():
            if val_loader is None or net is None:
                continue
            for name, value in evaluate(net, val_loader, loss_fn, metrics, device).items():
                row[f"{prefix}_{name}"] = value
                if writer is not None:
                    writer.add_scalar(f"{prefix}/{name}", value, step - 1)
        history.append(row)
        bar.set_postfix({k: f"{v:.4f}" for k, v in row.items() if k.endswith("_loss")})
    return history


# --- EMA, schedule, processes ---------------------------------------------------------------


class EMA:
    r"""An exponential moving average of a model's weights, updated after each optimiser step:

    .. math:: \bar\theta \leftarrow \beta \, \bar\theta + (1 - \beta) \, \theta

    so after n steps from :math:`\bar\theta_0` with constant weights :math:`\theta`,
    :math:`\bar\theta_n = \theta + \beta^n (\bar\theta_0 - \theta)`. It averages roughly the
    last :math:`1 / (1 - \beta)` steps, which smooths out the noise of the last few updates.
    Buffers (BatchNorm's running statistics) are copied, not averaged.

    Args:
        model: the model to follow (the unwrapped module under DistributedDataParallel).
        decay: :math:`\beta` in [0, 1). Default: 0.999.

    Attributes:
        module: a copy of the model that holds the averaged weights, in eval mode and without
            gradients; evaluate it like the model, save ``ema.module.state_dict()``.
        updates: how many times :meth:`update` ran.

    Raises:
        ValueError: ``decay`` outside [0, 1).
        TypeError: ``model`` not an ``nn.Module``.
        ValueError: in :meth:`update`, a model whose parameters do not match.

    Example:
        >>> import torch
        >>> from lossedu import EMA
        >>> model = torch.nn.Linear(1, 1, bias=False)
        >>> _ = model.weight.data.fill_(0.0)
        >>> ema = EMA(model, decay=0.9)
        >>> _ = model.weight.data.fill_(1.0)
        >>> ema.update(model); ema.update(model)
        >>> round(ema.module.weight.item(), 6)  # 1 + 0.9**2 * (0 - 1)
        0.19
    """

    def __init__(self, model: nn.Module, decay: float = 0.999):
        if not isinstance(model, nn.Module):
            raise TypeError(f"Expected `model` to be a torch.nn.Module, got "
                            f"{type(model).__name__}.")
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"Expected `decay` in [0, 1), got {decay!r}: 0.999 averages about "
                             f"the last 1000 steps; 1 would never move.")
        self.decay = float(decay)
        self.module = copy.deepcopy(model).eval().requires_grad_(False)
        self.updates = 0

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """One step of the average towards ``model``'s current weights."""
        averages, weights = list(self.module.parameters()), list(model.parameters())
        if [a.shape for a in averages] != [w.shape for w in weights]:
            raise ValueError("Expected `model` to be the model this EMA was built from (the "
                             "same parameters, in the same order and shapes).")
        for average, weight in zip(averages, weights, strict=True):
            average.lerp_(weight.detach(), 1.0 - self.decay)  # β·avg + (1 − β)·weight
        for average, buffer in zip(self.module.buffers(), model.buffers(), strict=True):
            average.copy_(buffer)
        self.updates += 1

    def __repr__(self) -> str:
        return f"EMA(decay={self.decay}, updates={self.updates})"


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
    if not 0.0 <= min_lr <= base_lr or base_lr <= 0:
        raise ValueError(f"Expected 0 <= `min_lr` <= `base_lr` and `base_lr` > 0, got min_lr="
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


def all_reduce_mean(value: float | torch.Tensor) -> float | torch.Tensor:
    """The mean of ``value`` over all processes of the default ``torch.distributed`` group:
    the sum from ``all_reduce`` divided by the world size. Without an initialised process
    group it returns ``value`` itself. A number comes back as a float, a tensor as a new
    tensor (the input is left alone). Every process must call it, in the same order.

    Raises:
        TypeError: ``value`` neither a number nor a tensor.

    Example:
        >>> from lossedu import all_reduce_mean
        >>> all_reduce_mean(0.25)  # one process: the value itself
        0.25
    """
    if isinstance(value, bool) or not isinstance(value, int | float | torch.Tensor):
        raise TypeError(f"Expected `value` to be a number or a tensor, got "
                        f"{type(value).__name__}.")
    if not (dist.is_available() and dist.is_initialized()):
        return value
    if isinstance(value, torch.Tensor):
        tensor = value.detach().clone()
    else:
        cuda = dist.get_backend() == "nccl"  # NCCL reduces only CUDA tensors
        device = torch.device("cuda", torch.cuda.current_device()) if cuda else None
        tensor = torch.tensor(float(value), dtype=torch.float64, device=device)
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    mean = tensor / dist.get_world_size()
    return mean if isinstance(value, torch.Tensor) else mean.item()
