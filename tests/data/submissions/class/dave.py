"""Dave's file does not even parse."""


def my_mse_loss(input, target, reduction="mean")
    return ((input - target) ** 2).mean()
