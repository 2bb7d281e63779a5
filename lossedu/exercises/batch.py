"""Grading files from a shell: each submission in a process of its own, with a time limit and
a memory limit, so that a broken, hanging or hostile one is recorded and the batch goes on."""

import csv
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from lossedu.exercises.catalog import EXERCISES
from lossedu.exercises.report import CaseResult, Report

PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder that holds lossedu/
SUFFIXES = (".ipynb", ".py")


@dataclass
class Limits:
    """timeout: seconds per exercise; cell_timeout: per notebook cell (or a .py file's top
    level); time_limit: for the whole submission; memory: bytes of address space per
    process."""

    timeout: float = 10.0
    cell_timeout: float = 60.0
    time_limit: float = 600.0
    memory: int = 8 * 1024**3


@dataclass
class Submission:
    """One graded file: ``status`` is 'ok' (it ran and was graded), 'no answers' (it ran, but
    defines no function named after an exercise, or does not even parse), 'timeout' or
    'crashed'."""

    name: str
    status: str = "ok"
    problems: list[tuple[str, str]] = field(default_factory=list)
    found: dict[str, str] = field(default_factory=dict)
    reports: dict[str, Report] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.status == "ok" and bool(self.reports) and all(
            r.passed for r in self.reports.values())

    def to_dict(self) -> dict:
        return {"submission": self.name, "status": self.status, "passed": self.passed,
                "problems": [list(p) for p in self.problems], "found": self.found,
                "reports": {k: r.to_dict() for k, r in self.reports.items()}}


def report_from_dict(data: dict) -> Report:
    """A report back from its JSON form."""
    cases = [CaseResult(c["n"], c["label"], c["call"], c["passed"], c["status"],
                        tuple(c["short"]), [tuple(d) for d in c["details"]], c["expected"],
                        c["got"], tuple(c["hint"]) if c["hint"] else None)
             for c in data["cases"]]
    return Report(data["exercise"], cases, [tuple(n) for n in data["notes"]],
                  tuple(data["error"]) if data["error"] else None, data.get("function", "fn"))


def run_submission(path: Path, exercise_ids: Iterable[str], limits: Limits | None = None,
                   name: str | None = None) -> Submission:
    """Grade one notebook or .py file in a worker process; never raises for what the file
    does."""
    limits = limits or Limits()
    path = Path(path).resolve()
    result = Submission(name or path.name)
    with tempfile.TemporaryDirectory(prefix="lossedu-") as folder:
        out, errors = Path(folder) / "result.json", Path(folder) / "stderr.txt"
        command = [sys.executable, "-m", "lossedu.exercises.worker", str(path), "--out",
                   str(out), "--timeout", str(limits.timeout), "--cell-timeout",
                   str(limits.cell_timeout), "--memory", str(limits.memory),
                   *(f"--exercise={e}" for e in exercise_ids)]
        env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "PYTHONPATH": os.pathsep.join(filter(None, [PACKAGE_ROOT,
                                                           os.environ.get("PYTHONPATH")]))}
        with open(errors, "wb") as stderr:
            worker = subprocess.Popen(command, cwd=path.parent, env=env, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL, stderr=stderr,
                                      start_new_session=True)  # a group to kill as a whole
            try:
                code = worker.wait(limits.time_limit)
            except subprocess.TimeoutExpired:
                _kill(worker)
                code = None
        data = json.loads(out.read_text()) if out.exists() and out.stat().st_size else {}
        if code is None:
            result.status = "timeout"
            result.problems.append((f"超过 {limits.time_limit:g} 秒仍未评完，已终止。",
                                    f"Not graded within {limits.time_limit:g} s; stopped."))
        elif code != 0:
            result.status = "crashed"
            why = _last_error(errors.read_text(errors="replace")) or f"exit code {code}"
            result.problems.append((f"评分进程异常退出：{why}",
                                    f"The grading process failed: {why}"))
    result.problems[:0] = [tuple(p) for p in data.get("problems", [])]
    result.found = data.get("found", {})
    result.reports = {k: report_from_dict(v) for k, v in data.get("reports", {}).items()}
    if result.status == "ok" and not result.reports:
        result.status = "no answers"
    return result


def _last_error(stderr: str) -> str:
    """The last line that names an exception, if any (kernels also log warnings there)."""
    lines = [line for line in stderr.splitlines()
             if re.match(r"\w+(Error|Exception|Exit|Interrupt)\b", line)]
    return lines[-1][:200] if lines else ""


def _kill(worker: subprocess.Popen) -> None:
    try:
        os.killpg(worker.pid, signal.SIGKILL)
    except OSError:
        worker.kill()
    worker.wait()


def find_submissions(folder: Path) -> list[Path]:
    """Every notebook and .py file under ``folder``, hidden folders and checkpoints aside."""
    folder = Path(folder)
    return sorted(p for p in folder.rglob("*") if p.suffix in SUFFIXES and p.is_file() and not any(
        part.startswith((".", "__")) for part in p.relative_to(folder).parts))


def _progress(futures: Iterable, total: int) -> Iterator:
    try:
        from tqdm import tqdm
    except ImportError:
        yield from futures
        return
    yield from tqdm(futures, total=total, unit="submission", file=sys.stderr)


def grade_folder(folder: Path, out: Path, exercise_ids: list[str] | None = None, jobs: int = 2,
                 limits: Limits | None = None) -> list[Submission]:
    """Grade every submission under ``folder``, ``jobs`` at a time; write ``out`` (CSV: a row
    per submission, a column per exercise) and the details beside it (``out`` with .json)."""
    folder = Path(folder)
    files = find_submissions(folder)
    ids = exercise_ids or list(EXERCISES)
    results = []
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        futures = [pool.submit(run_submission, f, ids, limits, f.relative_to(folder).as_posix())
                   for f in files]
        for future in _progress(as_completed(futures), total=len(futures)):
            results.append(future.result())
    results.sort(key=lambda s: s.name)
    columns = exercise_ids or [e for e in EXERCISES if any(e in s.reports for s in results)]
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    _write_csv(Path(out), results, columns)
    Path(out).with_suffix(".json").write_text(json.dumps(
        {"exercises": columns, "submissions": [s.to_dict() for s in results]},
        ensure_ascii=False, indent=1))
    return results


def _write_csv(out: Path, results: list[Submission], columns: list[str]) -> None:
    with open(out, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["submission", "status", *columns, "total", "problems"])
        for s in results:
            scores = [s.reports[c].score if c in s.reports else None for c in columns]
            writer.writerow([s.name, s.status,
                             *("" if v is None else f"{v:.2f}" for v in scores),
                             f"{sum(v or 0 for v in scores):.2f}",
                             " | ".join(f"{zh} / {en}" for zh, en in s.problems)])
