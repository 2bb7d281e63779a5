"""Monkeypatches the comparison and the report, then returns nothing useful."""

import torch

import lossedu.checker.report as report  # noqa: F401

torch.isclose = lambda *args, **kwargs: torch.tensor(True)


class Liar(torch.Tensor):
    def numel(self):
        return 0


def my_mse_loss(input, target, reduction="mean"):
    return torch.zeros(()).as_subclass(Liar).requires_grad_()
