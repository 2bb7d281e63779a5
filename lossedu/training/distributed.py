"""The mean of a value over the processes of a ``torch.distributed`` run."""

import torch
import torch.distributed as dist


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
