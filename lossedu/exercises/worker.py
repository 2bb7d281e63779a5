"""Grading one submission file, in a process of its own (started by :mod:`batch`).

``python -m lossedu.exercises.worker FILE --out RESULT.json [--exercise ID ...]`` runs FILE
(a .py file by ``exec``, a notebook through nbclient), finds the functions named after
exercises and writes what :func:`lossedu.exercises.check` says of each as JSON.

A function is found under ``my_<id>``, ``my_<id without _loss>`` or ``<id>`` (``my_mse_loss``,
``my_mse`` or ``mse_loss``), or as the function the submission itself hands to
``check("<id>", fn)``, and only if the submission defined it: ``from lossedu import mse_loss``
is not an answer.
"""

import argparse
import builtins
import functools
import json
import resource
import signal
import sys
import traceback
from pathlib import Path

import lossedu
import lossedu.exercises
from lossedu.exercises.catalog import EXERCISES
from lossedu.exercises.grading import check

CHECKED: dict[str, object] = {}  # exercise id: the last function the submission handed to check()


def candidates(exercise_id: str) -> list[str]:
    """The names under which a submission may define its answer to ``exercise_id``."""
    names = [f"my_{exercise_id}", f"my_{exercise_id.removesuffix('_loss')}", exercise_id]
    return list(dict.fromkeys(names))


def record_checks() -> None:
    """Make ``lossedu.check`` (and ``lossedu.exercises.check``) note the function it is given
    for each exercise, so that an answer under any name is found; the check runs as usual."""

    @functools.wraps(check)
    def recording_check(exercise_id, fn, *args, **kwargs):
        if isinstance(exercise_id, str):
            CHECKED[exercise_id] = fn
        return check(exercise_id, fn, *args, **kwargs)

    lossedu.check = lossedu.exercises.check = recording_check


def find_functions(namespace: dict, exercise_ids) -> dict[str, tuple[str, object]]:
    """``{exercise id: (name, function)}`` for the answers defined in ``namespace``: by name
    first, else the function handed to ``check()``."""
    found = {}
    for exercise_id in exercise_ids:
        named = [(name, namespace.get(name)) for name in candidates(exercise_id)]
        checked = CHECKED.get(exercise_id)
        named.append((getattr(checked, "__name__", "fn"), checked))
        for name, fn in named:
            if callable(fn) and getattr(fn, "__module__", None) == namespace.get("__name__"):
                found[exercise_id] = (name, fn)
                break
    return found


def grade_namespace(namespace: dict, exercise_ids, timeout: float, out: str) -> None:
    """Grade the answers found in ``namespace`` and add the reports to the JSON file ``out``
    (called inside the notebook's kernel, or in this process for a .py file)."""
    found = find_functions(namespace, exercise_ids)
    reports = {exercise_id: check(exercise_id, fn, timeout=timeout, quiet=True).to_dict()
               for exercise_id, (_, fn) in found.items()}
    path = Path(out)
    result = json.loads(path.read_text()) if path.exists() else {}
    result.update(found={k: name for k, (name, _) in found.items()}, reports=reports)
    path.write_text(json.dumps(result))


def _problem(zh: str, en: str) -> list[str]:
    return [zh, en]


def _error_line(error: BaseException, filename: str) -> int | None:
    lines = [f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
    return lines[-1] if lines else getattr(error, "lineno", None)


class _TooLong(Exception):
    pass


def _on_alarm(signum, frame):
    raise _TooLong


def run_python(path: Path, exercise_ids, timeout: float, cell_timeout: float, out: str):
    """exec the file (its top level may take ``cell_timeout`` seconds), then grade."""
    namespace = {"__name__": "__main__", "__file__": str(path), "__builtins__": builtins}
    problems = []
    record_checks()
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(max(1, int(cell_timeout)))
    try:
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    except _TooLong:
        problems.append(_problem(f"文件顶层运行超过 {cell_timeout:g} 秒，已中断。",
                                 f"The file's top level ran for over {cell_timeout:g} s and was "
                                 f"stopped."))
    except SystemExit:
        problems.append(_problem("文件调用了 exit()。", "The file called exit()."))
    except BaseException as error:  # a broken submission: grade what it defined before
        line = _error_line(error, str(path))
        problems.append(_problem(f"文件第 {line} 行抛出 {type(error).__name__}: {error}",
                                 f"Line {line} of the file raised {type(error).__name__}: "
                                 f"{error}"))
    finally:
        signal.alarm(0)
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    Path(out).write_text(json.dumps({"problems": problems}))
    grade_namespace(namespace, exercise_ids, timeout, out)


def run_notebook(path: Path, exercise_ids, timeout: float, cell_timeout: float, out: str):
    """Execute the notebook in a kernel, errors allowed, then a last cell that grades."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    notebook = nbformat.read(path, as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(
        "from lossedu.exercises.worker import record_checks as _lossedu_record\n"
        "_lossedu_record()"))
    grading = (f"from lossedu.exercises.worker import grade_namespace as _lossedu_grade\n"
               f"_lossedu_grade(globals(), {list(exercise_ids)!r}, {timeout!r}, {out!r})")
    notebook.cells.append(nbformat.v4.new_code_cell(grading))
    client = NotebookClient(notebook, timeout=cell_timeout, kernel_name="python3",
                            allow_errors=True, interrupt_on_timeout=True,
                            resources={"metadata": {"path": str(path.parent)}})
    problems = []
    try:
        client.execute()
    except DeadKernelError:
        problems.append(_problem("内核在运行笔记本时退出了。", "The kernel died while running the "
                                 "notebook."))
    except Exception as error:  # a cell over its time limit, a kernel that would not start
        problems.append(_problem(f"笔记本没有运行完：{type(error).__name__}",
                                 f"The notebook did not run to the end: {type(error).__name__}"))
    for number, cell in enumerate(notebook.cells):  # 0: the cell inserted first
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                kind, value = output.get("ename", ""), output.get("evalue", "")
                if number in (0, len(notebook.cells) - 1):  # the cells added above
                    problems.append(_problem(f"评分失败：{kind}: {value}",
                                             f"Grading failed: {kind}: {value}"))
                else:
                    problems.append(_problem(f"第 {number} 个单元格抛出 {kind}: {value}",
                                             f"Cell {number} raised {kind}: {value}"))
    path_out = Path(out)
    result = json.loads(path_out.read_text()) if path_out.exists() else {}
    result["problems"] = problems + result.get("problems", [])
    path_out.write_text(json.dumps(result))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--out", required=True)
    parser.add_argument("--exercise", action="append", choices=list(EXERCISES))
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--cell-timeout", type=float, default=60.0)
    parser.add_argument("--memory", type=int, help="bytes of address space, for the kernel too")
    args = parser.parse_args(argv)
    if args.memory:
        resource.setrlimit(resource.RLIMIT_AS, (args.memory, args.memory))
    exercise_ids = args.exercise or list(EXERCISES)
    runner = run_notebook if args.file.suffix == ".ipynb" else run_python
    runner(args.file.resolve(), exercise_ids, args.timeout, args.cell_timeout, args.out)


if __name__ == "__main__":
    main()
