"""``python -m benchmarks.checker``: how long the exercise checker takes.

1. ``check()`` of each exercise on a right answer (median of a few runs): a student waits this
   long after running a check cell.
2. A class of 30 submissions with 10 exercises each, graded by ``grade_folder`` (one worker
   process per submission, ``--jobs`` at a time), as ``python -m lossedu grade`` does.

The right answers are the ones the checker's tests use (tests/data/submissions/solutions.py).
"""

import argparse
import importlib.util
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from lossedu.exercises.batch import grade_folder

from lossedu.exercises import EXERCISES, check

SOLUTIONS = Path(__file__).parents[1] / "tests" / "data" / "submissions" / "solutions.py"


def _solutions():
    spec = importlib.util.spec_from_file_location("solutions", SOLUTIONS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def time_checks(repeats: int) -> None:
    solutions = _solutions()
    print("| exercise | cases | check() s (median) |")
    print("|---|---:|---:|")
    for exercise_id in EXERCISES:
        fn = getattr(solutions, f"my_{exercise_id}")
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            report = check(exercise_id, fn, quiet=True)
            times.append(time.perf_counter() - start)
        assert report.passed, str(report)
        print(f"| {exercise_id} | {len(report.cases)} | {statistics.median(times):.2f} |",
              flush=True)


def time_class(students: int, exercises: int, jobs: int) -> None:
    ids = list(EXERCISES)[:exercises]
    with tempfile.TemporaryDirectory(prefix="lossedu-class-") as folder:
        for k in range(students):
            shutil.copy(SOLUTIONS, Path(folder) / f"student{k:02d}.py")
        start = time.perf_counter()
        graded = grade_folder(Path(folder), Path(folder) / "grades.csv", ids, jobs=jobs)
        seconds = time.perf_counter() - start
    passed = sum(s.passed for s in graded)
    print(f"\n{students} submissions x {exercises} exercises, {jobs} jobs: {seconds:.1f} s "
          f"({passed} passed every exercise)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each check (default 3)")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--exercises", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    time_checks(args.repeats)
    time_class(args.students, args.exercises, args.jobs)


if __name__ == "__main__":
    main()
