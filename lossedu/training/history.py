"""``fit``: epochs of :func:`train_one_epoch`, each followed by :func:`evaluate`, recorded
in a :class:`History`."""

from collections.abc import Callable, Iterable, Mapping

import torch
from torch import nn

from lossedu._checks import check_positive_int, check_writer
from lossedu.training._step import _progress
from lossedu.training.loop import evaluate, train_one_epoch


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
    epochs = check_positive_int("epochs", epochs)
    check_writer(writer)
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
