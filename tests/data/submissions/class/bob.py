"""Bob's answers: MSE right; L1 without the absolute value."""


def my_mse_loss(input, target, reduction="mean"):
    squared = (input - target) ** 2
    if reduction == "mean":
        return squared.mean()
    return squared.sum() if reduction == "sum" else squared


def my_l1(input, target, reduction="mean"):
    residual = input - target
    if reduction == "mean":
        return residual.mean()
    return residual.sum() if reduction == "sum" else residual
