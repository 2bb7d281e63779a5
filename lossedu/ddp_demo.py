"""DistributedDataParallel on CPU: P processes give the numbers of one process on the full batch.

    python -m lossedu.ddp_demo --nproc 2               # starts the two processes itself
    torchrun --nproc-per-node 2 -m lossedu.ddp_demo    # or lets torchrun start them

Every process builds the same model and data; DistributedSampler gives process r the samples
r, r + P, r + 2P, ... Each process computes the mean loss of its own samples, and during
``backward()`` DDP all-reduces the gradients and divides them by P. With shards of equal size
the mean of the P shard means is the mean over the whole batch:

    (1/P) sum_r (P/B) sum_{n in shard r} grad l_n  =  (1/B) sum_n grad l_n

so every process holds the full batch's gradient, takes the same step, and the copies never
drift apart. The demo checks this in float64, where only rounding can differ: first on one
batch (losses and gradients), then over one epoch of ``train_one_epoch`` (the epoch's loss,
averaged with ``all_reduce_mean``, and the final weights). The processes talk through the
gloo backend on 127.0.0.1; nothing leaves the machine.
"""

import argparse
import datetime
import io
import os
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from lossedu.classification import cross_entropy
from lossedu.training import all_reduce_mean, train_one_epoch

SAMPLES, BATCH, LR = 64, 16, 0.5  # BATCH is the global batch: BATCH // P on each process


def make_problem(seed: int = 0) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """What every process builds alike: a float64 MLP 8 -> 16 -> 3, and 64 samples labelled
    by a random linear teacher. The caller's random state is left alone."""
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(SAMPLES, 8, generator=generator, dtype=torch.float64)  # (64, 8)
    teacher = torch.randn(8, 3, generator=generator, dtype=torch.float64)
    targets = (inputs @ teacher).argmax(dim=1)                                   # (64,)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 3)).double()
    return model, inputs, targets


def _weights(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in model.named_parameters()}


def _grads(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.grad.clone() for name, p in model.named_parameters()}


def one_process() -> dict:
    """The reference: one process, the whole batch, no DDP."""
    model, inputs, targets = make_problem()
    loss = cross_entropy(model(inputs[:BATCH]), targets[:BATCH])
    loss.backward()
    grads = _grads(model)
    loader = DataLoader(TensorDataset(inputs, targets), batch_size=BATCH)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    epoch = train_one_epoch(model, loader, cross_entropy, optimizer, progress=False)
    return {"loss": loss.item(), "grads": grads, "epoch_loss": epoch["loss"],
            "weights": _weights(model)}


def distributed(rank: int, world_size: int) -> dict:
    """This process's part, inside an initialised process group."""
    model, inputs, targets = make_problem()
    ddp = DistributedDataParallel(model)  # broadcasts rank 0's weights; syncs every backward

    # 1. One batch: BATCH // P samples here, the same slice DistributedSampler would take.
    mine = slice(rank, BATCH, world_size)
    loss = cross_entropy(ddp(inputs[mine]), targets[mine])
    loss.backward()                        # all-reduce of the gradients, divided by P
    losses = [torch.zeros((), dtype=torch.float64) for _ in range(world_size)]
    dist.all_gather(losses, loss.detach())
    grads = _grads(model)

    # 2. One epoch of train_one_epoch, each process on its shard of every batch.
    dataset = TensorDataset(inputs, targets)
    sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=False)
    loader = DataLoader(dataset, batch_size=BATCH // world_size, sampler=sampler)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=LR)
    epoch = train_one_epoch(ddp, loader, cross_entropy, optimizer, progress=False)
    return {"world_size": world_size, "rank_losses": [t.item() for t in losses],
            "loss": all_reduce_mean(loss.item()), "grads": grads,
            "epoch_loss": epoch["loss"], "weights": _weights(model)}


def _max_difference(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> str:
    """The largest difference; below 1e-14 only that bound, since rounding-level digits
    depend on the order in which the processes' numbers are summed."""
    largest = max((a[name] - b[name]).abs().max().item() for name in a)
    return "< 1e-14 (float64 rounding)" if largest < 1e-14 else f"{largest:.1e}"


def report(ddp: dict, ref: dict) -> str:
    """The comparison, as the demo prints it."""
    P = ddp["world_size"]
    rows = [
        (f"loss of each process's {BATCH // P} samples",
         ", ".join(f"{v:.6f}" for v in ddp["rank_losses"])),
        ("all_reduce_mean of those", f"{ddp['loss']:.6f}"),
        (f"one process, all {BATCH} samples", f"{ref['loss']:.6f}"),
        ("max |gradient difference|", _max_difference(ddp["grads"], ref["grads"])),
        None,
        ("epoch loss, all_reduce_mean", f"{ddp['epoch_loss']:.6f}"),
        ("epoch loss, one process", f"{ref['epoch_loss']:.6f}"),
        ("max |weight difference|", _max_difference(ddp["weights"], ref["weights"])),
    ]
    width = max(len(row[0]) for row in rows if row)
    lines = [f"DistributedDataParallel, {P} processes (gloo on CPU), float64, a batch of {BATCH}"]
    for row in rows:
        lines.append(f"  {row[0]:<{width}} : {row[1]}" if row else
                     f"One epoch of train_one_epoch: {SAMPLES // BATCH} SGD steps of {BATCH} "
                     f"samples ({P} x {BATCH // P})")
    return "\n".join(lines)


def _check_nproc(nproc: int) -> int:
    if isinstance(nproc, bool) or not isinstance(nproc, int) or nproc < 1 or BATCH % nproc:
        divisors = [d for d in range(1, BATCH + 1) if BATCH % d == 0]
        raise ValueError(f"Expected `nproc` to divide the batch of {BATCH}, one of {divisors}, "
                         f"got {nproc!r}: DDP equals the full batch only when every process "
                         f"gets as many samples as the others.")
    return nproc


def _worker(rank: int, world_size: int, init_method: str, queue=None) -> None:
    """One process: join the group, do its part; rank 0 hands back or prints the result."""
    _check_nproc(world_size)
    dist.init_process_group("gloo", init_method=init_method, rank=rank,
                            world_size=world_size, timeout=datetime.timedelta(seconds=120))
    try:
        result = distributed(rank, world_size)
    finally:
        dist.destroy_process_group()
    if rank != 0:
        return
    if queue is None:                         # under torchrun: rank 0 prints
        print(report(result, one_process()), flush=True)
    else:                                     # spawned by run(): back to the parent
        buffer = io.BytesIO()
        torch.save(result, buffer)
        queue.put(buffer.getvalue())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(nproc: int = 2) -> dict:
    """Start ``nproc`` processes on this machine and return rank 0's numbers: ``world_size``,
    ``rank_losses``, ``loss`` (their mean), ``grads`` (after the synchronised backward),
    ``epoch_loss`` and ``weights`` (after one epoch).

    Raises:
        ValueError: ``nproc`` does not divide the batch of 16.
    """
    _check_nproc(nproc)
    queue = mp.get_context("spawn").SimpleQueue()
    init_method = f"tcp://127.0.0.1:{_free_port()}"
    mp.spawn(_worker, args=(nproc, init_method, queue), nprocs=nproc, join=True)
    return torch.load(io.BytesIO(queue.get()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m lossedu.ddp_demo",
        description="DDP on CPU: averaged loss and gradients equal the full batch's.",
    )
    parser.add_argument("--nproc", type=int, default=2,
                        help="processes to start (ignored under torchrun); default 2")
    args = parser.parse_args(argv)
    if "RANK" in os.environ and "WORLD_SIZE" in os.environ:  # started by torchrun
        _worker(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), "env://")
    else:
        print(report(run(args.nproc), one_process()))


if __name__ == "__main__":
    main()
