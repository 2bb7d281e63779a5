"""``python -m benchmarks``: forward + backward time and peak memory per loss, torch beside
``lossedu.fast`` and readable ``lossedu``, as a table of ratios to torch."""

import argparse

import torch

from benchmarks import harness
from benchmarks.core import CASES as CORE
from benchmarks.harness import measure
from benchmarks.perceptual import CASES as PERCEPTUAL
from benchmarks.sequence import CASES as SEQUENCE

CASES = [*CORE, *SEQUENCE, *PERCEPTUAL]


def _ratio(value: float, reference: float) -> str:
    return f"{value / reference:.2f}" if reference else "n/a"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", help="run the cases whose name contains this")
    parser.add_argument("--repeats", type=int, default=15, help="rounds per case (default 15)")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads before measuring")
    parser.add_argument("--tiny", action="store_true",
                        help="every case at a tiny size: a check that the benchmark runs")
    args = parser.parse_args(argv)
    harness.TINY = args.tiny
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    print(f"threads: {torch.get_num_threads()} (unless the loss says); forward + backward, "
          f"median of {args.repeats} interleaved rounds; time and memory: ratios to torch")
    print("| loss | device | torch ms | fast × | readable × | torch peak MiB | fast mem × "
          "| readable mem × |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for device in devices:
        for case in CASES:
            if args.only and args.only not in case.name:
                continue
            r = measure(case, device, args.repeats)
            t = r["torch"]
            fast = r.get("fast", {"ms": None, "peak": None})
            cells = [
                case.name, device.type, f"{t['ms']:.2f}",
                _ratio(fast["ms"], t["ms"]) if fast["ms"] is not None else "-",
                _ratio(r["readable"]["ms"], t["ms"]), f"{t['peak'] / 2**20:.1f}",
                _ratio(fast["peak"], t["peak"]) if fast["peak"] is not None else "-",
                _ratio(r["readable"]["peak"], t["peak"]),
            ]
            print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
