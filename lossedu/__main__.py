"""``python -m lossedu``: the exercise checker from a shell.

    python -m lossedu check FILE [--exercise ID] [--json]
    python -m lossedu grade DIR --out grades.csv [--jobs N]

``check`` grades one notebook or .py file and exits with 0 only when every exercise found
passes; ``grade`` grades every submission in a folder into a CSV (a row per submission, a
column per exercise) with the details in a JSON file beside it.
"""

import argparse
import json
import sys
from pathlib import Path

from lossedu.exercises.batch import Limits, grade_folder, run_submission
from lossedu.exercises.catalog import EXERCISES
from lossedu.exercises.worker import candidates


def _limits(args) -> Limits:
    return Limits(timeout=args.timeout, cell_timeout=args.cell_timeout,
                  time_limit=args.time_limit, memory=int(args.memory * 1024**3))


def _check(args) -> int:
    if not args.file.is_file():
        print(f"No such file: {args.file}", file=sys.stderr)
        return 2
    submission = run_submission(args.file, args.exercise or list(EXERCISES), _limits(args))
    if args.json:
        print(json.dumps(submission.to_dict(), ensure_ascii=False, indent=1))
        return 0 if submission.passed else 1
    print(submission.name)
    for report in submission.reports.values():
        print(f"\n{report}")
    for zh, en in submission.problems:
        print(f"\n! {zh}\n  {en}")
    if submission.status == "no answers":
        names = ", ".join(candidates("mse_loss"))
        print("没有找到以练习命名的函数（例如 " + names + "）。\n"
              "No function named after an exercise was found (such as " + names + ").")
    return 0 if submission.passed else 1


def _grade(args) -> int:
    if not args.folder.is_dir():
        print(f"No such folder: {args.folder}", file=sys.stderr)
        return 2
    results = grade_folder(args.folder, args.out, args.exercise, args.jobs, _limits(args))
    counts = {status: sum(s.status == status for s in results)
              for status in ("ok", "no answers", "timeout", "crashed")}
    summary = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    print(f"{len(results)} submissions ({summary or 'none'}): "
          f"{args.out}, {Path(args.out).with_suffix('.json')}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lossedu", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="grade one notebook or .py file")
    check.add_argument("file", type=Path)
    check.add_argument("--json", action="store_true", help="print the reports as JSON")
    grade = commands.add_parser("grade", help="grade every submission in a folder")
    grade.add_argument("folder", type=Path)
    grade.add_argument("--out", type=Path, required=True, help="the CSV to write")
    grade.add_argument("--jobs", type=int, default=2, help="submissions at a time (default 2)")
    for command in (check, grade):
        command.add_argument("--exercise", action="append", choices=list(EXERCISES),
                             metavar="ID", help="grade only this exercise (repeatable)")
        command.add_argument("--timeout", type=float, default=10.0,
                             help="seconds per exercise (default 10)")
        command.add_argument("--cell-timeout", type=float, default=60.0,
                             help="seconds per notebook cell (default 60)")
        command.add_argument("--time-limit", type=float, default=600.0,
                             help="seconds per submission (default 600)")
        command.add_argument("--memory", type=float, default=8.0,
                             help="GiB of address space per process (default 8)")
    args = parser.parse_args(argv)
    return _check(args) if args.command == "check" else _grade(args)


if __name__ == "__main__":
    sys.exit(main())
