"""``python -m lossedu``: the exercise checker from a shell.

    python -m lossedu check FILE [--exercise ID] [--json]
    python -m lossedu grade DIR --out grades.csv [--jobs N] [--allow-builtins]

``check`` grades one notebook or .py file and exits with 0 only when every exercise found
passes; ``grade`` grades every submission in a folder, each in a sandbox of its own, into a CSV
(a row per submission, a column per exercise), the details in a JSON file beside it, a
feedback page per student and a class summary page (``--feedback``).
"""

import argparse
import json
import sys
from pathlib import Path

from lossedu.checker.batch import grade_folder, run_submission
from lossedu.checker.box import candidates
from lossedu.checker.sandbox import Limits
from lossedu.exercises.catalog import EXERCISES


def _limits(args) -> Limits:
    return Limits(timeout=args.timeout, cell_timeout=args.cell_timeout,
                  time_limit=args.time_limit, memory=int(args.memory * 1024**3),
                  disk=int(args.disk * 1024**2))


def _check(args) -> int:
    if not args.file.is_file():
        print(f"No such file: {args.file}", file=sys.stderr)
        return 2
    submission = run_submission(args.file, args.exercise or list(EXERCISES), _limits(args),
                                allow_builtins=args.allow_builtins)
    if args.json:
        print(json.dumps(submission.to_dict(), ensure_ascii=False, indent=1))
        return 0 if submission.passed else 1
    print(f"{submission.name}  [{submission.isolation}]")
    for report in submission.reports.values():
        print(f"\n{report}")
    for zh, en in submission.problems:
        print(f"\n! {zh}\n  {en}")
    if submission.status == "no answers":
        names = ", ".join(candidates("mse_loss"))
        print("没有找到以练习命名的函数（例如 " + names + "）。\n"
              "No function named after an exercise was found (such as " + names + ").")
    if submission.isolation.startswith("fallback"):
        print("\n! 没有 bubblewrap：提交在新会话中运行，只受资源限制，"
              "可以读取你的用户能读的文件。\n"
              "  No bubblewrap: the submission ran in a new session under rlimits only, and "
              "could read what your user can read.")
    return 0 if submission.passed else 1


def _grade(args) -> int:
    if not args.folder.is_dir():
        print(f"No such folder: {args.folder}", file=sys.stderr)
        return 2

    def progress(submission, done, total):
        print(f"[{done}/{total}] {submission.name}: {submission.status}", file=sys.stderr)

    results = grade_folder(args.folder, args.out, args.exercise, args.jobs, _limits(args),
                           args.allow_builtins, progress)
    written = [args.out, Path(args.out).with_suffix(".json")]
    if args.feedback:
        from lossedu.checker.feedback import write_feedback

        written.append(write_feedback(results, args.feedback))
    statuses = sorted({s.status for s in results})
    summary = ", ".join(f"{sum(s.status == st for s in results)} {st}" for st in statuses)
    print(f"{len(results)} submissions ({summary or 'none'}): "
          + ", ".join(str(p) for p in written))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lossedu", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="grade one notebook or .py file")
    check.add_argument("file", type=Path, help="the notebook (.ipynb) or .py file")
    check.add_argument("--json", action="store_true", help="print the reports as JSON")
    grade = commands.add_parser("grade", help="grade every submission in a folder")
    grade.add_argument("folder", type=Path, help="the folder of submissions (.ipynb, .py)")
    grade.add_argument("--out", type=Path, required=True,
                       help="the CSV to write (the JSON details go beside it)")
    grade.add_argument("--jobs", type=int, default=2, help="submissions at a time (default 2)")
    grade.add_argument("--feedback", type=Path, metavar="DIR",
                       help="also write a feedback page per student and a class summary here")
    for command in (check, grade):
        command.add_argument("--exercise", action="append", choices=list(EXERCISES),
                             metavar="ID", help="grade only this exercise (repeatable)")
        command.add_argument("--timeout", type=float, default=10.0,
                             help="seconds per exercise (default 10)")
        command.add_argument("--cell-timeout", type=float, default=60.0,
                             help="seconds per notebook cell or a .py file's top level "
                                  "(default 60)")
        command.add_argument("--time-limit", type=float, default=600.0,
                             help="seconds per submission (default 600)")
        command.add_argument("--memory", type=float, default=2.0,
                             help="GiB for all of a submission's processes (default 2)")
        command.add_argument("--disk", type=float, default=64.0,
                             help="MiB a submission may write (default 64)")
        command.add_argument("--allow-builtins", action="store_true",
                             help="open book: calling torch's or lossedu's losses costs no marks")
    args = parser.parse_args(argv)
    return _check(args) if args.command == "check" else _grade(args)


if __name__ == "__main__":
    sys.exit(main())
