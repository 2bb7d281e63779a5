"""Inside the sandbox: run one submission, find its answers, run them on the cases' inputs.

``python -I -c "...; from lossedu.checker.box import main; main()" JOB FD`` reads the job (the
submission's file name, and per exercise the case inputs, never an expected value), installs
the guard before any of the submission's code runs, executes the file (a .py file at top level,
a notebook's code cells one by one in an in-process IPython shell), then calls each answer it
finds and sends the raw results to the parent on the file descriptor FD (see :mod:`frames`).
"""

import os
import signal
import sys
import types
from pathlib import Path

import torch

from lossedu.checker import frames
from lossedu.checker.guard import Guard
from lossedu.checker.runner import run_cases

RESULTS = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 3  # to the parent


def candidates(exercise_id: str) -> list[str]:
    """The names under which a submission may define its answer to ``exercise_id``."""
    names = [f"my_{exercise_id}", f"my_{exercise_id.removesuffix('_loss')}", exercise_id]
    return list(dict.fromkeys(names))


def main() -> None:
    job = torch.load(sys.argv[1], weights_only=True)
    os.unlink(sys.argv[1])  # the token in it stays in this function only
    token = bytes.fromhex(job["token"])

    def send(message: dict) -> None:
        frames.send(RESULTS, message, token)

    _no_monitor_thread()
    guard = Guard(RESULTS, token=token)
    checked: dict = {}
    _record_checks(checked)
    path = Path(job["submission"])
    signal.signal(signal.SIGALRM, _on_alarm)
    if path.suffix == ".ipynb":
        namespace, own = _run_notebook(job["cells"], send, job["cell_timeout"])
    else:
        namespace, own = _run_python(path, send, job["cell_timeout"])
    signal.alarm(0)
    for exercise_id, exercise in job["exercises"].items():
        found = _find(namespace, exercise_id, checked.get(exercise_id), own)
        if found is None:
            continue
        name, fn = found
        send({"kind": "found", "exercise": exercise_id, "name": name})
        run_cases(fn, exercise["cases"], exercise["positional"], guard, exercise["forbidden"],
                  send)
    send({"kind": "done"})
    sys.stdout.flush()
    os._exit(0)


def _no_monitor_thread() -> None:
    """tqdm starts a monitor thread with its first bar (``lossedu.fit`` draws one), and a
    thread left running fails every case: bars here do without it."""
    try:
        import tqdm
    except ImportError:
        return
    tqdm.tqdm.monitor_interval = 0


def _record_checks(checked: dict) -> None:
    """The submission's own ``check("<id>", fn)`` calls name its answers; here they only note
    the function (the grading is the parent's) and return a report saying so."""
    import lossedu
    import lossedu.exercises
    from lossedu.checker.report import Report

    def recording_check(exercise_id, fn, *args, **kwargs):
        if isinstance(exercise_id, str):
            checked[exercise_id] = fn
        return Report(str(exercise_id), error=("由批改程序评分。", "Graded by the grader."))

    lossedu.check = lossedu.exercises.check = recording_check


def _find(namespace: dict, exercise_id: str, checked, own) -> tuple[str, object] | None:
    """The answer to ``exercise_id``: a function the submission itself defined, under one of
    the candidate names or handed to ``check()``."""
    named = [(name, namespace.get(name)) for name in candidates(exercise_id)]
    named.append((getattr(checked, "__name__", "fn"), checked))
    for name, fn in named:
        if isinstance(fn, types.FunctionType) and own(fn.__code__.co_filename):
            return str(name)[:80], fn
    return None


def _problem(send, zh: str, en: str) -> None:
    send({"kind": "problem", "zh": zh[:500], "en": en[:500]})


class _TooLong(Exception):
    """A cell ran past its time: raised by SIGALRM, so what it defined before still counts.
    (Code that ignores the alarm is killed by the parent a little later.)"""


def _on_alarm(signum, frame):
    raise _TooLong


def _too_long(send, seconds: float, where: tuple[str, str]) -> None:
    _problem(send, f"{where[0]}运行超过 {seconds:g} 秒，已中断。",
             f"{where[1]} ran for over {seconds:g} s and was stopped.")


def _run_python(path: Path, send, seconds: float):
    namespace = {"__name__": "__main__", "__file__": str(path), "__builtins__": __builtins__}
    send({"kind": "cell", "n": 0})
    signal.alarm(max(1, int(seconds)))
    try:
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    except _TooLong:
        _too_long(send, seconds, ("文件顶层", "The file's top level"))
    except SystemExit:
        _problem(send, "文件调用了 exit()。", "The file called exit().")
    except BaseException as error:  # a broken submission: grade what it defined before
        line = _error_line(error, str(path))
        _problem(send, f"文件第 {line} 行抛出 {type(error).__name__}: {error}",
                 f"Line {line} of the file raised {type(error).__name__}: {error}")
    signal.alarm(0)
    _restore_streams()
    return namespace, lambda filename: filename == str(path)


def _run_notebook(cells: list[str], send, seconds: float):
    """Each code cell in turn, in one IPython shell (magics work; no kernel is started)."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False  # no history thread (a thread blocks the answers)
    shell = InteractiveShell.instance(config=config)
    for number, source in enumerate(cells, start=1):
        send({"kind": "cell", "n": number})
        signal.alarm(max(1, int(seconds)))
        try:
            result = shell.run_cell(source, store_history=False, silent=True)
            error = result.error_in_exec or result.error_before_exec
        except BaseException as raised:  # SystemExit and friends that IPython lets through
            error = raised
        signal.alarm(0)
        _restore_streams()
        if isinstance(error, _TooLong):
            _too_long(send, seconds, (f"第 {number} 个代码单元格", f"Code cell {number}"))
        elif error is not None:
            _problem(send, f"第 {number} 个代码单元格抛出 {type(error).__name__}: {error}",
                     f"Code cell {number} raised {type(error).__name__}: {error}")
    return shell.user_ns, lambda filename: filename.startswith("<ipython-input-")


def _restore_streams() -> None:
    """The submission may have replaced stdout and stderr; what it prints later stays in the
    capped pipes the parent reads."""
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__


def _error_line(error: BaseException, filename: str) -> int | None:
    import traceback

    lines = [f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
    return lines[-1] if lines else getattr(error, "lineno", None)
