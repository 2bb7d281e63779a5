"""Carol's my_mse_loss never returns; her my_l1_loss is right."""


def my_mse_loss(input, target, reduction="mean"):
    total = 0
    while total >= 0:  # never false
        total += 1
    return total


def my_l1_loss(input, target, reduction="mean"):
    loss = (input - target).abs()
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss
