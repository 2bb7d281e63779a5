"""``python -m benchmarks``: lossedu / torch forward + backward time per loss, as a table."""

import argparse

import torch

from benchmarks.core import CASES as CORE
from benchmarks.harness import measure
from benchmarks.perceptual import CASES as PERCEPTUAL
from benchmarks.sequence import CASES as SEQUENCE

CASES = [*CORE, *SEQUENCE, *PERCEPTUAL]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help="run the cases whose name contains this")
    parser.add_argument("--repeats", type=int, default=15, help="interleaved pairs (default 15)")
    args = parser.parse_args()
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    print("| loss | device | lossedu ms | torch ms | time ratio | peak memory ratio |")
    print("|---|---|---:|---:|---:|---:|")
    for device in devices:
        for case in CASES:
            if args.only and args.only not in case.name:
                continue
            r = measure(case, device, args.repeats)
            memory = f"{r['memory_ratio']:.2f}" if r["memory_ratio"] is not None else "n/a"
            print(f"| {case.name} | {device.type} | {r['ours_ms']:.2f} | {r['theirs_ms']:.2f} | "
                  f"{r['ours_ms'] / r['theirs_ms']:.2f} | {memory} |", flush=True)


if __name__ == "__main__":
    main()
