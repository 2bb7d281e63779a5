"""``python -m benchmarks.checker``: how long the exercise checker takes.

1. ``check()`` of each exercise on a right answer (median of a few runs): a student waits this
   long after running a check cell.
2. A synthetic class: 30 notebooks, 5 exercises each (right answers and wrong ones), one plot
   cell. Graded by ``grade_folder`` with 2 jobs (a bubblewrap sandbox per notebook), and, in
   the same run, the same notebooks executed by ``jupyter nbconvert --execute`` two at a time:
   the plain cost of running them, against which grading is measured.

The right answers are the ones the checker's tests use (tests/data/submissions/solutions.py).
"""

import argparse
import importlib.util
import inspect
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from lossedu.checker.batch import grade_folder
from lossedu.checker.sandbox import isolation
from lossedu.exercises import EXERCISES, check

SOLUTIONS = Path(__file__).parents[1] / "tests" / "data" / "submissions" / "solutions.py"
CLASS_EXERCISES = ("mse_loss", "l1_loss", "cross_entropy", "binary_cross_entropy_with_logits",
                   "kl_div")


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


def _notebook(k: int) -> nbformat.NotebookNode:
    """Student k: the right answers, except that every third student gets one wrong."""
    solutions = _solutions()
    cells = [nbformat.v4.new_code_cell("import torch\nfrom lossedu import check")]
    for n, exercise_id in enumerate(CLASS_EXERCISES):
        source = inspect.getsource(getattr(solutions, f"my_{exercise_id}"))
        if (k + n) % 3 == 0:
            source = source.replace("return ", "return 2 * ", 1)  # a wrong answer
        cells.append(nbformat.v4.new_code_cell(
            f"{source}\nreport = check({exercise_id!r}, my_{exercise_id})"))
    cells.append(nbformat.v4.new_code_cell(
        "import matplotlib.pyplot as plt\nx = torch.linspace(-3, 3, 50)\n"
        "plt.plot(x, x ** 2)\nplt.show()"))
    cells.insert(1, nbformat.v4.new_code_cell(SOLUTIONS.read_text()))  # the helpers
    return nbformat.v4.new_notebook(cells=cells)


def _nbconvert(path: Path) -> None:
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
                    "--execute", "--output", str(path.with_suffix(".out.ipynb")), str(path)],
                   check=True, capture_output=True)


def time_class(students: int, jobs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="lossedu-class-") as folder:
        root = Path(folder)
        (root / "class").mkdir()
        for k in range(students):
            nbformat.write(_notebook(k), root / "class" / f"student{k:02d}.ipynb")
        start = time.perf_counter()
        graded = grade_folder(root / "class", root / "grades.csv", list(CLASS_EXERCISES),
                              jobs=jobs)
        grading = time.perf_counter() - start
        (root / "plain").mkdir()
        for k in range(students):
            nbformat.write(_notebook(k), root / "plain" / f"student{k:02d}.ipynb")
        start = time.perf_counter()
        with ThreadPoolExecutor(jobs) as pool:
            list(pool.map(_nbconvert, sorted((root / "plain").glob("*.ipynb"))))
        plain = time.perf_counter() - start
    scores = [sum(r.score for r in s.reports.values()) for s in graded]
    print(f"\n{students} notebooks x {len(CLASS_EXERCISES)} exercises, {jobs} jobs, "
          f"isolation: {isolation()}")
    print(f"grade: {grading:.1f} s; nbconvert --execute: {plain:.1f} s; "
          f"ratio {grading / plain:.2f}")
    print(f"mean score {statistics.mean(scores):.2f} of {len(CLASS_EXERCISES)}; "
          f"statuses: {sorted({s.status for s in graded})}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each check (default 3)")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    time_checks(args.repeats)
    time_class(args.students, args.jobs)


if __name__ == "__main__":
    main()
