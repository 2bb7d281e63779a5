"""Grading files from a shell: each submission in a sandbox of its own (:mod:`sandbox`), the
grading here (:mod:`grading`), the result files written here once every sandbox has ended."""

import csv
import json
import os
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from lossedu.checker import sandbox, scan
from lossedu.checker.grading import forbidden, grade
from lossedu.checker.report import CaseResult, Report
from lossedu.checker.sandbox import Limits
from lossedu.exercises.catalog import EXERCISES

SUFFIXES = (".ipynb", ".py")
MAX_FILE = 20 * 1024**2  # bytes of a submission
OUTCOME = {  # how a sandbox ended: the submission's status, and the problem in both languages
    "timeout": ("timeout", "超过时间限制，已终止。", "Over its time limit; stopped."),
    "cell_timeout": ("timeout", "有一个单元格（或文件顶层）运行超时，已终止。",
                     "A cell (or the file's top level) ran over its time limit; stopped."),
    "memory": ("limit", "超过内存限制，已终止。", "Over its memory limit; stopped."),
    "disk": ("limit", "写入的文件超过磁盘限制，已终止。",
             "Wrote more than its disk limit; stopped."),
    "died": ("crashed", "运行提交的进程意外结束。", "The process running the submission ended "
             "abruptly."),
    "too_much": ("crashed", "送回的数据超过上限。", "It sent back more than the checker reads."),
    "garbled": ("crashed", "送回的数据无法读取。", "It sent back something that is not a result."),
}


@dataclass
class Submission:
    """One graded file: ``status`` is 'ok' (it ran and was graded), 'no answers' (no function
    named after an exercise), 'invalid' (not a notebook or .py file that can be read),
    'timeout', 'limit' (memory or disk) or 'crashed'; ``isolation`` is 'bubblewrap' or
    'fallback'; ``flags`` name what a teacher should look at."""

    name: str
    status: str = "ok"
    isolation: str = ""
    problems: list[tuple[str, str]] = field(default_factory=list)
    found: dict[str, str] = field(default_factory=dict)
    reports: dict[str, Report] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    output: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "ok" and bool(self.reports) and all(
            r.passed for r in self.reports.values())

    def to_dict(self) -> dict:
        return {"submission": self.name, "status": self.status, "isolation": self.isolation,
                "passed": self.passed, "problems": [list(p) for p in self.problems],
                "found": self.found, "flags": self.flags, "output": self.output,
                "reports": {k: r.to_dict() for k, r in self.reports.items()}}


def read_source(path: Path) -> tuple[list[str] | None, str]:
    """The code of a submission (the code cells of a notebook, or the one file), or None and
    why it cannot be read."""
    if path.stat().st_size > MAX_FILE:
        return None, f"larger than {MAX_FILE // 1024**2} MB"
    text = path.read_bytes().decode("utf-8", "replace")
    if path.suffix != ".ipynb":
        return [text], ""
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        return None, f"JSON error at line {error.lineno}, column {error.colno}: {error.msg}"
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        return None, "no list of cells"
    sources = []
    for cell in cells:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            sources.append("".join(source) if isinstance(source, list) else str(source))
    return sources, ""


def run_submission(path: Path, exercise_ids: Iterable[str], limits: Limits | None = None,
                   name: str | None = None,
                   allow_builtins: bool = False) -> Submission:
    """Grade one notebook or .py file in a sandbox; never raises for what the file does."""
    limits = limits or Limits()
    path = Path(path)
    result = Submission(name or path.name, isolation=sandbox.isolation())
    sources, why = read_source(path)
    if sources is None:
        result.status = "invalid"
        result.problems.append((f"不是有效的笔记本或文件（{why}）。",
                                f"Not a valid notebook or file ({why})."))
        return result
    ids = list(exercise_ids)
    cases = {i: EXERCISES[i].make_cases() for i in ids}
    evasions = [f"{what} ({_where(path, n, line)})" for n, source in enumerate(sources)
                for line, what in scan.scan(source)]
    deadline = time.monotonic() + limits.time_limit
    remaining, runs = ids, 0
    while remaining and runs <= len(ids):
        left = replace(limits, time_limit=max(1.0, deadline - time.monotonic()))
        run = sandbox.run(path, _job(sources, remaining, cases, limits), left)
        runs += 1
        stopped = _grade_run(result, run, cases, sources, evasions, limits, allow_builtins)
        # an answer that hung or ended the process: the others get a fresh sandbox
        remaining = [i for i in remaining if i not in result.reports and i != stopped]
        if stopped is None or run.outcome == "timeout" and time.monotonic() >= deadline:
            break
    _conclude(result, run)
    return result


def _job(sources: list[str], ids: list[str], cases: dict, limits: Limits) -> dict:
    """What the sandbox gets: the code, and per exercise the case inputs and the built-ins
    it forbids; never an expected value."""
    return {"cells": sources, "cell_timeout": limits.cell_timeout, "exercises": {
        i: {"cases": [c.to_plain() for c in cases[i]], "positional": EXERCISES[i].positional,
            "forbidden": sorted(forbidden(EXERCISES[i]))} for i in ids}}


def _grade_run(result: Submission, run, cases, sources, evasions, limits,
               allow_builtins) -> str | None:
    """Grade the answers one sandbox ran; the exercise it was running when it stopped
    early (None if it ran to the end, or stopped before any answer)."""
    result.output = (run.stdout + run.stderr)[-sandbox.TAIL:]
    result.isolation = run.isolation
    by_exercise, current = {}, None
    for message in run.messages:
        kind = message.get("kind") if isinstance(message, dict) else None
        if kind == "found" and message.get("exercise") in cases and \
                isinstance(message.get("name"), str):
            current = message["exercise"]
            result.found[current] = message["name"][:80]
            by_exercise[current] = []
        elif kind == "problem" and isinstance(message.get("zh"), str) and \
                isinstance(message.get("en"), str) and not result.reports:
            if (message["zh"][:500], message["en"][:500]) not in result.problems:
                result.problems.append((message["zh"][:500], message["en"][:500]))
        elif kind in ("case", "builtin", "tamper") and current is not None:
            by_exercise[current].append(message)
    stopped = current if run.outcome != "ok" else None
    for exercise_id, messages in by_exercise.items():
        exercise = EXERCISES[exercise_id]
        findings = [{"kind": "tamper", "name": e} for e in evasions]
        findings += [{"kind": "builtin", "name": f"{name} (line {line})"}
                     for source in sources for line, name in
                     scan.builtins_in(source, result.found[exercise_id], forbidden(exercise))]
        outcome = run.outcome if exercise_id == stopped else "ok"
        result.reports[exercise_id] = grade(
            exercise, cases[exercise_id], _with_findings(messages, findings),
            outcome=_case_outcome(outcome), exit=_exit(run.exit_code),
            timeout=limits.timeout, function=result.found[exercise_id],
            allow_builtins=allow_builtins)
    return stopped


def _exit(code: int | None) -> str:
    if code is None:
        return "?"
    return f"signal {-code}" if code < 0 else f"exit code {code}"


def _where(path: Path, cell: int, line: int) -> str:
    if path.suffix == ".ipynb":
        return f"cell {cell + 1}, line {line}"
    return f"line {line}"


def _with_findings(messages: list, findings: list[dict]) -> list:
    """The source scan's findings count against every case the answer ran."""
    if not findings:
        return messages
    out = []
    for message in messages:
        if isinstance(message, dict) and message.get("kind") == "case":
            out += findings
        out.append(message)
    return out


def _case_outcome(outcome: str) -> str:
    return {"cell_timeout": "timeout", "memory": "died", "disk": "died"}.get(outcome, outcome)


def _conclude(result: Submission, run) -> None:
    if run.outcome in OUTCOME and not result.reports:  # it stopped before any answer ran
        status, zh, en = OUTCOME[run.outcome]
        result.status = status
        if run.outcome == "died":
            zh, en = f"{zh}（{_exit(run.exit_code)}）", f"{en} ({_exit(run.exit_code)})"
        result.problems.append((zh, en))
        result.flags.append(run.outcome)
    elif not result.reports:
        result.status = "no answers"
    statuses = {c.status for r in result.reports.values() for c in r.cases}
    for flag in ("timeout", "died"):
        if flag in statuses and flag not in result.flags:
            result.flags.append(flag)
    for flag in ("builtin", "tamper"):
        if flag in statuses:
            result.flags.append(flag)


def find_submissions(folder: Path) -> list[Path]:
    """Every notebook and .py file under ``folder``, hidden folders and checkpoints aside;
    links are not followed (a link could point anywhere)."""
    folder = Path(folder)
    return sorted(p for p in folder.rglob("*") if p.suffix in SUFFIXES and p.is_file()
                  and not p.is_symlink() and not any(
                      part.startswith((".", "__")) for part in p.relative_to(folder).parts))


def grade_folder(folder: Path, out: Path, exercise_ids: list[str] | None = None, jobs: int = 2,
                 limits: Limits | None = None, allow_builtins: bool = False,
                 progress=None) -> list[Submission]:
    """Grade every submission under ``folder``, ``jobs`` at a time, each in its own sandbox;
    then write ``out`` (CSV: a row per submission, a column per exercise) and its details
    (``out`` with .json). One broken result never stops the batch."""
    folder = Path(folder)
    files = find_submissions(folder)
    ids = exercise_ids or list(EXERCISES)

    def one(file):
        name = file.relative_to(folder).as_posix()
        try:
            return run_submission(file, ids, limits, name, allow_builtins=allow_builtins)
        except Exception as error:  # the checker's own failure: a row that says so
            return Submission(name, "crashed", sandbox.isolation(), [(
                f"检查器自身出错：{type(error).__name__}", f"The checker failed: "
                f"{type(error).__name__}: {error}")])

    with ThreadPoolExecutor(max(1, jobs)) as pool:
        results = []
        for submission in pool.map(one, files):
            results.append(submission)
            if progress:
                progress(submission, len(results), len(files))
    results.sort(key=lambda s: s.name)
    columns = exercise_ids or [e for e in EXERCISES if any(e in s.reports for s in results)]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    _write_csv(out, results, columns)
    _write_atomic(out.with_suffix(".json"), json.dumps(
        {"exercises": columns, "submissions": [s.to_dict() for s in results]},
        ensure_ascii=False, indent=1))
    return results


def cell(value) -> str:
    """A CSV cell that a spreadsheet shows as text: a leading = + - @ (a formula) is quoted."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _write_csv(out: Path, results: list[Submission], columns: list[str]) -> None:
    rows = [["submission", "status", "isolation", *columns, "total", "flags", "problems"]]
    for s in results:
        scores = [s.reports[c].score if c in s.reports else None for c in columns]
        rows.append([cell(s.name), s.status, s.isolation,
                     *("" if v is None else f"{v:.2f}" for v in scores),
                     f"{sum(v or 0 for v in scores):.2f}", " ".join(s.flags),
                     cell(" | ".join(f"{zh} / {en}" for zh, en in s.problems))])
    temporary = out.with_name(out.name + ".part")
    with open(temporary, "w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(rows)
    os.replace(temporary, out)


def _write_atomic(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".part")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def report_from_dict(data: dict) -> Report:
    """A report back from its JSON form."""
    cases = [CaseResult(c["n"], c["label"], c["call"], c["passed"], c["status"],
                        tuple(c["short"]), [tuple(d) for d in c["details"]], c["expected"],
                        c["got"], tuple(c["hint"]) if c["hint"] else None, c.get("label_zh"))
             for c in data["cases"]]
    return Report(data["exercise"], cases, [tuple(n) for n in data["notes"]],
                  tuple(data["error"]) if data["error"] else None, data.get("function", "fn"),
                  data.get("not_attempted", False))
