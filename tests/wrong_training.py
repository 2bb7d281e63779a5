"""Realistic wrong answers to the exercises of the training, pitfalls and closing chapters, each
with the hint the checker should give (tests/test_exercises.py grades them)."""

import math

import torch


def clip_sum_not_mean(grads, max_norm):
    g = grads.sum(0)                                           # forgot to divide by k
    return g * (max_norm / (g.norm() + 1e-6)).clamp(max=1)


def clip_each_micro_batch(grads, max_norm):
    clipped = [g * (max_norm / (g.norm() + 1e-6)).clamp(max=1) for g in grads]
    return torch.stack(clipped).mean(0)


def clip_by_value(grads, max_norm):
    return grads.mean(0).clamp(-max_norm, max_norm)


def clip_always_rescales(grads, max_norm):
    g = grads.mean(0)
    return g * max_norm / g.norm()


def clip_with_torch(grads, max_norm):
    g = torch.nn.Parameter(grads.mean(0).clone())
    g.grad = g.detach().clone()
    torch.nn.utils.clip_grad_norm_([g], max_norm)
    return g.grad


def log_softmax_naive(input, dim):
    e = input.exp()
    return (e / e.sum(dim, keepdim=True)).log()


def log_softmax_of_softmax(input, dim):
    return torch.softmax(input, dim).log()


def log_softmax_global_max(input, dim):
    shifted = input - input.max()
    return shifted - shifted.exp().sum(dim, keepdim=True).log()


def log_softmax_max_inside_only(input, dim):
    shifted = input - input.amax(dim, keepdim=True)
    return input - shifted.exp().sum(dim, keepdim=True).log()


def log_softmax_with_torch(input, dim):
    return torch.log_softmax(input, dim)


def init_probability(num_classes, batch_size, reduction="mean", multi_label=False):
    losses = torch.full((batch_size,), 1 / num_classes)       # p, not -log p
    return {"mean": losses.mean(), "sum": losses.sum()}.get(reduction, losses)


def init_log10(num_classes, batch_size, reduction="mean", multi_label=False):
    per = math.log10(2) if multi_label else math.log10(num_classes)
    losses = torch.full((batch_size, num_classes) if multi_label else (batch_size,), per)
    return {"mean": losses.mean(), "sum": losses.sum()}.get(reduction, losses)


def init_ignores_multi_label(num_classes, batch_size, reduction="mean", multi_label=False):
    losses = torch.full((batch_size,), math.log(num_classes))
    return {"mean": losses.mean(), "sum": losses.sum()}.get(reduction, losses)


def init_sum_is_mean(num_classes, batch_size, reduction="mean", multi_label=False):
    per = math.log(2) if multi_label else math.log(num_classes)
    losses = torch.full((batch_size, num_classes) if multi_label else (batch_size,), per)
    return losses if reduction == "none" else losses.mean()


WRONG_TRAINING = [
    ("accumulate_and_clip", clip_sum_not_mean, "not divided by k"),
    ("accumulate_and_clip", clip_each_micro_batch, "clipped on its own"),
    ("accumulate_and_clip", clip_by_value, "clip_grad_value_"),
    ("accumulate_and_clip", clip_always_rescales, "Rescaled even when the norm was below"),
    ("log_softmax", log_softmax_naive, "naive formula overflows"),
    ("log_softmax", log_softmax_of_softmax, "softmax first, log after"),
    ("log_softmax", log_softmax_global_max, "maximum of the whole tensor"),
    ("log_softmax", log_softmax_max_inside_only, "inside the exp only"),
    ("loss_at_init", init_probability, "the probability 1/C"),
    ("loss_at_init", init_log10, "Base-10 or base-2"),
    ("loss_at_init", init_ignores_multi_label, "`multi_label` is ignored"),
    ("loss_at_init", init_sum_is_mean, "asks for the sum; your result is the mean"),
]

# Answers that call the function they should write: not a pass, whatever they return.
CALLS_A_BUILT_IN = [
    ("accumulate_and_clip", clip_with_torch, "clip_grad_norm_"),
    ("log_softmax", log_softmax_with_torch, "log_softmax"),
]
