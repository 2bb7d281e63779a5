"""Erin's file ends the process that runs it."""

import os


def my_mse_loss(input, target, reduction="mean"):
    return ((input - target) ** 2).mean()


os._exit(3)
