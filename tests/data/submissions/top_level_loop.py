"""A right answer, then a "training loop" at the top level that never ends."""


def my_mse_loss(input, target, reduction="mean"):
    squared = (input - target) ** 2
    if reduction == "mean":
        return squared.mean()
    return squared.sum() if reduction == "sum" else squared


steps = 0
while steps >= 0:
    steps += 1
