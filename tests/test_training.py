"""The training loop: epochs, accumulation, clipping, the nan guard, EMA, the schedule,
evaluation, the history's plot, logging, bf16 autocast, DDP on two processes, bad arguments."""

import math

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lossedu import (
    EMA,
    History,
    accuracy,
    all_reduce_mean,
    cross_entropy,
    ddp_demo,
    evaluate,
    fit,
    mse_loss,
    train_one_epoch,
    warmup_cosine_lr,
    warmup_cosine_schedule,
)

plt.switch_backend("Agg")

TRUE_WEIGHTS = [[1.0], [-2.0], [0.5]]


def regression_data(samples=32, dtype=torch.float64, seed=0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(samples, 3, generator=generator, dtype=dtype)
    y = x @ torch.tensor(TRUE_WEIGHTS, dtype=dtype) + 0.3
    return x, y


def batches_of(x, y, size):
    return [(x[i:i + size], y[i:i + size]) for i in range(0, len(x), size)]


def linear(dtype=torch.float64, seed=0):
    torch.manual_seed(seed)
    return nn.Linear(3, 1).to(dtype)


def flat_weights(model):
    return torch.cat([p.detach().flatten() for p in model.parameters()])


class RecordingWriter:
    """Stands in for a SummaryWriter: keeps every add_scalar call."""

    def __init__(self):
        self.calls = []

    def add_scalar(self, tag, value, step):
        self.calls.append((tag, value, step))

    def series(self, tag):
        return [(step, value) for t, value, step in self.calls if t == tag]


# --- one epoch ------------------------------------------------------------------------------


def test_train_one_epoch_reduces_the_loss():
    x, y = regression_data()
    batches = batches_of(x, y, 8)
    model = linear()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    before = evaluate(model, batches, mse_loss)["loss"]
    epochs = [train_one_epoch(model, batches, mse_loss, optimizer, progress=False)
              for _ in range(5)]
    after = evaluate(model, batches, mse_loss)["loss"]
    assert after < 0.05 * before
    losses = [m["loss"] for m in epochs]
    assert losses == sorted(losses, reverse=True)
    assert epochs[-1]["steps"] == 4 and epochs[-1]["lr"] == 0.1
    assert model.training


@pytest.mark.parametrize(
    "micro, grad_accum, full",
    [
        (2, 4, 8),  # 6 groups of 4 micro-batches of 2 = 6 batches of 8
        (3, 2, 6),
        (2, 5, 10),  # 48 / 2 = 24 micro-batches: groups of 5, 5, 5, 5 and a shorter 4
    ],
)
def test_grad_accum_gives_the_full_batch_update(micro, grad_accum, full):
    x, y = regression_data(48)
    runs = {}
    for name, size, accum in (("accumulated", micro, grad_accum), ("full", full, 1)):
        model = linear()
        # momentum makes every step depend on the gradient's scale, not only its direction
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        writer = RecordingWriter()
        metrics = train_one_epoch(model, batches_of(x, y, size), mse_loss, optimizer,
                                  grad_accum=accum, writer=writer, progress=False)
        runs[name] = (flat_weights(model), metrics, writer.series("train/loss"))
    (w_acc, m_acc, log_acc), (w_full, m_full, log_full) = runs["accumulated"], runs["full"]
    assert not torch.equal(w_acc, linear().weight.detach().flatten())
    torch.testing.assert_close(w_acc, w_full, rtol=1e-12, atol=1e-12)
    assert m_acc["steps"] == m_full["steps"] == math.ceil(48 / full)
    assert m_acc["loss"] == pytest.approx(m_full["loss"], rel=1e-12)
    assert [s for s, _ in log_acc] == [s for s, _ in log_full] == list(range(m_full["steps"]))
    np.testing.assert_allclose([v for _, v in log_acc], [v for _, v in log_full], rtol=1e-12)


def test_scheduler_and_ema_step_once_per_optimiser_step():
    x, y = regression_data(32)
    model = linear()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    ema = EMA(model, decay=0.5)
    metrics = train_one_epoch(model, batches_of(x, y, 4), mse_loss, optimizer, grad_accum=3,
                              scheduler=scheduler, ema=ema, progress=False)
    assert metrics["steps"] == 3  # 8 micro-batches: groups of 3, 3, 2
    assert scheduler.last_epoch == 3 and ema.updates == 3
    assert metrics["lr"] == pytest.approx(0.1 * 0.5**2)  # the rate the last step used
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**3)


def test_clip_grad_norm_bounds_the_norm():
    x, y = regression_data(8)
    batches = [(x, 100 * y)]  # far from the fit: a gradient norm in the hundreds
    model = linear()
    params = list(model.parameters())
    expected_norm = torch.cat(
        [g.flatten() for g in torch.autograd.grad(F.mse_loss(model(x), 100 * y), params)]
    ).norm().item()
    steps = {}
    for clip in (None, 1.0):
        model = linear()
        before = flat_weights(model)
        optimizer = torch.optim.SGD(model.parameters(), lr=1.0)  # the step is minus the gradient
        metrics = train_one_epoch(model, batches, mse_loss, optimizer, clip_grad_norm=clip,
                                  progress=False)
        steps[clip] = (flat_weights(model) - before).norm().item()
        assert metrics["grad_norm"] == pytest.approx(expected_norm, rel=1e-10)  # before clipping
    assert expected_norm > 100
    assert steps[None] == pytest.approx(expected_norm, rel=1e-10)
    assert steps[1.0] == pytest.approx(1.0, rel=1e-6)


# --- the nan guard --------------------------------------------------------------------------


def test_a_nan_input_stops_training_and_names_the_step():
    x, y = regression_data(32)
    x[21, 1] = float("nan")  # batch 2 of 8 samples (samples 16..23)
    model = linear()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(FloatingPointError,
                       match=r"at step 6 \(epoch 1, batch 2\).*inputs hold nan or inf"):
        train_one_epoch(model, batches_of(x, y, 8), mse_loss, optimizer, epoch=1,
                        progress=False)
    assert torch.isfinite(flat_weights(model)).all()  # it never stepped on the nan


def test_the_nan_guard_counts_steps_with_accumulation():
    x, y = regression_data(32)
    x[13, 0] = float("inf")  # micro-batch 3 of 4 samples: with grad_accum=2, step 1
    model = linear()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(FloatingPointError, match=r"step 1 \(epoch 0, batch 3\)"):
        train_one_epoch(model, batches_of(x, y, 4), mse_loss, optimizer, grad_accum=2,
                        progress=False)


def test_a_diverging_learning_rate_is_named():
    x, y = regression_data(16, dtype=torch.float32)
    model = linear(torch.float32)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e30)
    with pytest.raises(FloatingPointError, match=r"at step 1 .*learning rate too large"):
        train_one_epoch(model, batches_of(x, y, 8), mse_loss, optimizer, progress=False)


def test_the_log_of_zero_is_named():
    def log_of_zero(outputs, targets):
        return -torch.log(torch.sigmoid(outputs) * 0).mean()

    x, y = regression_data(8)
    model = linear()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(FloatingPointError,
                       match=r"loss is inf at step 0.*outputs are finite.*the log of 0"):
        train_one_epoch(model, [(x, y)], log_of_zero, optimizer, progress=False)


# --- EMA, schedule --------------------------------------------------------------------------


def test_ema_follows_the_exponential_average():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2)).double()
    start = flat_weights(model)
    ema = EMA(model, decay=0.8)
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(3.0)
        model(torch.randn(5, 2, dtype=torch.float64))  # moves BatchNorm's running statistics
    for n in range(1, 6):
        ema.update(model)
        # s_n = w + decay^n (s_0 - w), computed here in closed form
        expected = 3.0 + 0.8**n * (start - 3.0)
        torch.testing.assert_close(flat_weights(ema.module), expected, rtol=1e-12, atol=1e-12)
    assert torch.equal(ema.module[1].running_mean, model[1].running_mean)
    assert ema.module[1].num_batches_tracked.item() == 1
    assert (flat_weights(model) == 3.0).all()  # the model itself is untouched
    assert not ema.module.training
    assert not any(p.requires_grad for p in ema.module.parameters())
    assert ema.updates == 5 and "decay=0.8" in repr(ema)


def test_fit_evaluates_the_ema_weights():
    x, y = regression_data(48)
    model = linear()
    ema = EMA(model, decay=0.5)
    history = fit(model, batches_of(x[:32], y[:32], 8), mse_loss,
                  torch.optim.SGD(model.parameters(), lr=0.1), epochs=2,
                  val_loader=[(x[32:], y[32:])], ema=ema, progress=False)
    assert ema.updates == 8
    expected = F.mse_loss(ema.module(x[32:]), y[32:]).item()
    assert history["ema_val_loss"][-1] == pytest.approx(expected, rel=1e-12)
    assert history["ema_val_loss"][-1] != history["val_loss"][-1]


def test_warmup_cosine_values():
    base, low, warmup, total = 0.1, 0.001, 4, 12
    assert warmup_cosine_lr(0, base, warmup, total, low) == 0.0
    assert warmup_cosine_lr(2, base, warmup, total, low) == pytest.approx(base / 2)
    assert warmup_cosine_lr(warmup, base, warmup, total, low) == pytest.approx(base)
    assert warmup_cosine_lr(8, base, warmup, total, low) == pytest.approx((base + low) / 2)
    assert warmup_cosine_lr(6, base, warmup, total, low) == pytest.approx(
        low + (base - low) * (1 + math.sqrt(0.5)) / 2)  # a quarter of the way: cos(pi/4)
    assert warmup_cosine_lr(total, base, warmup, total, low) == pytest.approx(low)
    assert warmup_cosine_lr(total + 5, base, warmup, total, low) == pytest.approx(low)


def test_warmup_cosine_schedule_sets_each_group_per_step():
    a, b = (torch.zeros(1, requires_grad=True) for _ in range(2))
    optimizer = torch.optim.SGD([{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.02}])
    scheduler = warmup_cosine_schedule(optimizer, warmup_steps=4, total_steps=12, min_lr=0.001)
    rates = []
    for _ in range(14):
        rates.append([group["lr"] for group in optimizer.param_groups])
        optimizer.step()
        scheduler.step()
    first, second = zip(*rates, strict=True)
    assert first[0] == second[0] == 0.0
    assert first[4] == pytest.approx(0.1) and second[4] == pytest.approx(0.02)  # warm-up end
    assert first[8] == pytest.approx(0.0505) and second[8] == pytest.approx(0.0105)  # middle
    assert first[12] == pytest.approx(0.001) and second[12] == pytest.approx(0.001)  # end
    assert list(first[:5]) == sorted(first[:5]) and list(first[4:]) == sorted(first[4:])[::-1]


# --- evaluate, fit, history -----------------------------------------------------------------


def test_evaluate_metrics_are_per_sample_means_in_eval_mode():
    generator = torch.Generator().manual_seed(1)
    logits = torch.randn(10, 4, generator=generator)
    targets = torch.randint(0, 4, (10,), generator=generator)
    batches = [(logits[:4], targets[:4]), (logits[4:8], targets[4:8]), (logits[8:], targets[8:])]
    seen = []

    def grad_enabled(outputs, targets):
        seen.append(torch.is_grad_enabled())
        return 0.0

    model = nn.Dropout(0.9)  # in eval mode it passes the logits through
    result = evaluate(model, batches, cross_entropy,
                      {"accuracy": accuracy, "grad_enabled": grad_enabled})
    assert result["loss"] == pytest.approx(F.cross_entropy(logits, targets).item(), rel=1e-6)
    by_hand = float(np.mean(logits.numpy().argmax(axis=1) == targets.numpy()))
    assert result["accuracy"] == pytest.approx(by_hand)
    assert seen == [False, False, False]
    assert model.training  # restored


def test_history_plot_returns_a_figure_with_both_curves():
    x, y = regression_data(48)
    model = linear()
    history = fit(model, batches_of(x[:32], y[:32], 8), mse_loss,
                  torch.optim.SGD(model.parameters(), lr=0.1), epochs=3,
                  val_loader=[(x[32:], y[32:])], progress=False)
    figure = history.plot()
    assert isinstance(figure, matplotlib.figure.Figure)
    (ax,) = figure.axes
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["training", "validation"]
    assert list(lines[0].get_xdata()) == [1, 2, 3]
    assert list(lines[1].get_ydata()) == history["val_loss"]
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    plt.close(figure)
    assert history.keys() == ["epoch", "train_loss", "train_lr", "train_grad_norm", "val_loss"]
    with pytest.raises(ValueError, match=r"`metric` to be one of \['grad_norm', 'loss', 'lr'\]"):
        history.plot("accuracy")
    with pytest.raises(KeyError, match="val_accuracy"):
        history["val_accuracy"]


def test_history_plot_draws_on_a_given_axis():
    history = History([{"epoch": 1, "train_acc": 0.5}, {"epoch": 2, "train_acc": 0.7}])
    figure, ax = plt.subplots()
    assert history.plot("acc", ax=ax) is figure
    assert list(ax.get_lines()[0].get_ydata()) == [0.5, 0.7]
    plt.close(figure)


def test_the_writer_receives_scalars():
    x, y = regression_data(48)
    model = linear()
    writer = RecordingWriter()
    history = fit(model, batches_of(x[:36], y[:36], 12), mse_loss,
                  torch.optim.SGD(model.parameters(), lr=0.1), epochs=2,
                  val_loader=[(x[36:], y[36:])], writer=writer, progress=False)
    assert {tag for tag, _, _ in writer.calls} == {
        "train/loss", "train/lr", "train/grad_norm", "val/loss"}
    assert [step for step, _ in writer.series("train/loss")] == list(range(6))
    assert [value for _, value in writer.series("train/lr")] == [0.1] * 6
    assert writer.series("val/loss") == list(zip([2, 5], history["val_loss"], strict=True))
    mean_per_epoch = [np.mean([v for _, v in writer.series("train/loss")][i:i + 3])
                      for i in (0, 3)]
    np.testing.assert_allclose(mean_per_epoch, history["train_loss"], rtol=1e-12)


def test_a_tensorboard_summary_writer_records_the_curves(tmp_path):
    tensorboard = pytest.importorskip("torch.utils.tensorboard")
    accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    x, y = regression_data(48)
    model = linear()
    writer = tensorboard.SummaryWriter(tmp_path)
    history = fit(model, batches_of(x[:32], y[:32], 8), mse_loss,
                  torch.optim.SGD(model.parameters(), lr=0.1), epochs=2,
                  val_loader=[(x[32:], y[32:])], writer=writer, progress=False)
    writer.close()
    events = accumulator.EventAccumulator(str(tmp_path))
    events.Reload()
    assert set(events.Tags()["scalars"]) == {"train/loss", "train/lr", "train/grad_norm",
                                             "val/loss"}
    assert [e.step for e in events.Scalars("train/loss")] == list(range(8))
    np.testing.assert_allclose([e.value for e in events.Scalars("val/loss")],
                               history["val_loss"], rtol=1e-6)  # stored as float32


def test_progress_bars_go_to_stderr(capsys):
    x, y = regression_data(16)
    model = linear()
    fit(model, batches_of(x, y, 4), mse_loss, torch.optim.SGD(model.parameters(), lr=0.1),
        epochs=2, progress=True)
    err = capsys.readouterr().err
    assert "fit" in err and "2/2" in err and "epoch 1" in err


# --- bf16 autocast --------------------------------------------------------------------------


def test_bf16_autocast_trains_close_to_float32():
    x, y = regression_data(64, dtype=torch.float32)
    batches = batches_of(x, y, 16)
    losses, dtypes = {}, {}
    for amp in (None, "bfloat16", torch.bfloat16):
        model = linear(torch.float32)
        seen = []
        model.register_forward_hook(lambda m, i, out, seen=seen: seen.append(out.dtype))

        def loss_fn(outputs, targets, seen=seen):
            seen.append(outputs.dtype)
            return mse_loss(outputs, targets)

        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        losses[amp] = [train_one_epoch(model, batches, loss_fn, optimizer, amp_dtype=amp,
                                       progress=False)["loss"] for _ in range(4)]
        dtypes[amp] = set(zip(seen[::2], seen[1::2], strict=True))  # (forward, loss input)
        assert model.weight.dtype == torch.float32
    assert dtypes[None] == {(torch.float32, torch.float32)}
    assert dtypes["bfloat16"] == dtypes[torch.bfloat16] == {(torch.bfloat16, torch.float32)}
    assert losses["bfloat16"][-1] < 0.2 * losses["bfloat16"][0]
    np.testing.assert_allclose(losses["bfloat16"], losses[None], rtol=0.05)


# --- bad arguments --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, error, match",
    [
        ({"grad_accum": 0}, ValueError, r"`grad_accum` to be a positive int, got 0"),
        ({"grad_accum": 2.0}, TypeError, r"`grad_accum` to be a positive int, got float"),
        ({"amp_dtype": torch.float32}, ValueError, r"`amp_dtype`.*got torch.float32"),
        ({"amp_dtype": "fp8"}, ValueError, r"`amp_dtype`.*got 'fp8'"),
        ({"amp_dtype": torch.float16}, ValueError, r"float16 gradients underflow"),
        ({"clip_grad_norm": 0.0}, ValueError, r"`clip_grad_norm` > 0, got 0.0: it is the largest"),
        ({"clip_grad_norm": "1"}, TypeError, r"`clip_grad_norm` to be None or a number"),
        ({"writer": "runs/exp"}, TypeError, r"`writer` to have an add_scalar"),
    ],
)
def test_bad_options_raise_clear_errors(options, error, match):
    x, y = regression_data(8)
    model = linear()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(error, match=match):
        train_one_epoch(model, [(x, y)], mse_loss, optimizer, progress=False, **options)
    assert model.weight.grad is None  # rejected before any work


@pytest.mark.parametrize(
    "loader, loss_fn, error, match",
    [
        ((b for b in []), mse_loss, TypeError, r"`loader` with a length.*got generator"),
        ([], mse_loss, ValueError, r"at least one batch"),
        ([(1, 2, 3)], mse_loss, TypeError, r"a pair \(inputs, targets\), got tuple of length 3"),
        ("data", mse_loss, TypeError, r"a pair \(inputs, targets\), got str"),
        (None, lambda o, t: mse_loss(o, t, reduction="none"), ValueError,
         r"`loss_fn` to return a scalar tensor, got shape \(8, 1\)"),
    ],
)
def test_bad_loaders_and_losses_raise_clear_errors(loader, loss_fn, error, match):
    x, y = regression_data(8)
    model = linear()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(error, match=match):
        train_one_epoch(model, [(x, y)] if loader is None else loader, loss_fn, optimizer,
                        progress=False)


def test_other_bad_arguments():
    x, y = regression_data(8)
    model = linear()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"`epochs` to be a positive int, got 0"):
        fit(model, [(x, y)], mse_loss, optimizer, epochs=0, progress=False)
    with pytest.raises(ValueError, match=r"without the name 'loss'"):
        evaluate(model, [(x, y)], mse_loss, {"loss": mse_loss})
    with pytest.raises(ValueError, match=r"`decay` in \[0, 1\), got 1.0"):
        EMA(model, decay=1.0)
    with pytest.raises(TypeError, match=r"`model` to be a torch.nn.Module, got dict"):
        EMA({}, decay=0.9)
    with pytest.raises(ValueError, match=r"the model this EMA was built from"):
        EMA(model).update(nn.Linear(4, 1))
    with pytest.raises(ValueError, match=r"0 <= `warmup_steps` < `total_steps`, got 10 and 10"):
        warmup_cosine_schedule(optimizer, warmup_steps=10, total_steps=10)
    with pytest.raises(ValueError, match=r"`min_lr` <= `base_lr`.*min_lr=0.5 and base_lr=0.1"):
        warmup_cosine_schedule(optimizer, warmup_steps=1, total_steps=10, min_lr=0.5)
    with pytest.raises(ValueError, match=r"`input` of shape \(N, C\)"):
        accuracy(torch.zeros(3), torch.zeros(3))
    with pytest.raises(TypeError, match=r"`value` to be a number or a tensor, got str"):
        all_reduce_mean("0.5")


# --- processes ------------------------------------------------------------------------------


def test_all_reduce_mean_without_a_process_group_is_the_value():
    tensor = torch.tensor([1.0, 2.0])
    assert all_reduce_mean(0.25) == 0.25
    assert all_reduce_mean(tensor) is tensor


def test_the_demo_rejects_an_uneven_split():
    with pytest.raises(ValueError, match=r"`nproc` to divide the batch of 16.*got 3"):
        ddp_demo.main(["--nproc", "3"])


@pytest.mark.slow
def test_ddp_on_two_processes_equals_one_process_on_the_full_batch():
    result = ddp_demo.run(nproc=2)

    # The reference, independently: torch's own cross-entropy and a hand-written SGD loop.
    model, inputs, targets = ddp_demo.make_problem()
    named = dict(model.named_parameters())
    batch = ddp_demo.BATCH
    loss = F.cross_entropy(model(inputs[:batch]), targets[:batch])
    grads = dict(zip(named, torch.autograd.grad(loss, list(named.values())), strict=True))
    epoch_losses = []
    for start in range(0, ddp_demo.SAMPLES, batch):
        step_loss = F.cross_entropy(model(inputs[start:start + batch]),
                                    targets[start:start + batch])
        step_grads = torch.autograd.grad(step_loss, list(named.values()))
        with torch.no_grad():
            for p, g in zip(named.values(), step_grads, strict=True):
                p -= ddp_demo.LR * g
        epoch_losses.append(step_loss.item())

    assert result["world_size"] == 2
    shard_losses = result["rank_losses"]
    assert shard_losses[0] != shard_losses[1]  # the processes saw different samples
    assert result["loss"] == pytest.approx(np.mean(shard_losses), rel=1e-14)
    assert result["loss"] == pytest.approx(loss.item(), rel=1e-12)
    for name, grad in grads.items():
        torch.testing.assert_close(result["grads"][name], grad, rtol=0, atol=1e-12)
    assert result["epoch_loss"] == pytest.approx(np.mean(epoch_losses), rel=1e-12)
    for name, weight in named.items():
        torch.testing.assert_close(result["weights"][name], weight.detach(), rtol=0, atol=1e-12)
