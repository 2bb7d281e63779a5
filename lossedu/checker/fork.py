"""``check()`` in a notebook: the answer runs in a child forked from the kernel.

The child is forked before any expected value exists, limits its own memory, swallows what
the answer prints, runs the cases under the guard and sends one message per case. The parent
reads them with a deadline and a cap on the bytes, then kills the child's whole process group,
so ``check`` returns whatever the answer does.
"""

import faulthandler
import os
import resource
import signal
import time
from dataclasses import dataclass, field

import torch

from lossedu.checker import frames
from lossedu.checker.guard import Guard
from lossedu.checker.runner import run_cases

MESSAGE_CAP = 64 * 1024**2  # bytes the child may send back in all


@dataclass
class Run:
    """What came back: the messages, and how the run ended ('ok', 'timeout', 'died',
    'too_much' or 'garbled'), with the child's exit status."""

    messages: list = field(default_factory=list)
    outcome: str = "ok"
    exit: str = ""
    isolated: bool = True


def run(fn, cases: list[dict], positional: int, forbidden, timeout: float,
        memory_limit: int) -> Run:
    """Run ``fn`` on every case (plain data) in a forked child."""
    if not hasattr(os, "fork"):  # Windows: in this process, without limits
        return _run_here(fn, cases, positional, forbidden)
    receive, send = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        _child(send, receive, fn, cases, positional, forbidden, memory_limit)
    os.close(send)
    wanted = len(cases)
    try:
        inbox = frames.read(receive, time.monotonic() + timeout, MESSAGE_CAP,
                            until=lambda box: _cases(box.messages) >= wanted)
    finally:
        os.close(receive)
        code = _stop(pid)
    run = Run(inbox.messages)
    if _cases(inbox.messages) < wanted:
        run.outcome = {"eof": "died", "deadline": "timeout"}.get(inbox.ended, inbox.ended)
        run.exit = _exit_status(code)
    return run


def _cases(messages: list) -> int:
    return sum(isinstance(m, dict) and m.get("kind") == "case" for m in messages)


def _child(send: int, receive: int, fn, cases, positional, forbidden, memory_limit) -> None:
    try:
        os.close(receive)
        os.setpgid(0, 0)  # a group of its own, which the parent kills as a whole
        _limit_memory(memory_limit)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        torch.set_num_threads(1)  # tiny tensors; and no thread pool inherited across fork
        faulthandler.disable()  # a crash is reported by the parent, not dumped on stderr
        devnull = os.open(os.devnull, os.O_WRONLY)
        for fd in (1, 2):  # C-level writes too
            os.dup2(devnull, fd)
        guard = Guard(send)
        run_cases(fn, cases, positional, guard, forbidden, lambda m: frames.send(send, m))
    finally:
        os._exit(0)


def _stop(pid: int) -> int | None:
    """Kill the child's process group, reap the child; its wait status."""
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except OSError:
            pass
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return None


def _exit_status(status: int | None) -> str:
    if status is None:
        return "?"
    if os.WIFSIGNALED(status):
        try:
            return signal.Signals(os.WTERMSIG(status)).name
        except ValueError:
            return f"signal {os.WTERMSIG(status)}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"


def _limit_memory(extra: int) -> None:
    """Allow the address space in use now plus ``extra`` bytes (never more than allowed)."""
    try:
        with open("/proc/self/status") as status:
            kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):
        return  # no /proc: leave the limit as it is
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = kb * 1024 + extra
    for bound in (soft, hard):
        if bound != resource.RLIM_INFINITY:
            limit = min(limit, bound)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _run_here(fn, cases, positional, forbidden) -> Run:
    """Without fork: the same calls in this process (no time or memory limit)."""
    read, write = os.pipe()
    messages = []
    guard = Guard(write)

    def keep(message):
        messages.append(frames.decode(frames.encode(message)[frames.HEADER + frames.TOKEN:]))

    run_cases(fn, cases, positional, guard, forbidden, keep)
    os.close(write)
    inbox = frames.read(read, time.monotonic() + 1, MESSAGE_CAP)
    os.close(read)
    return Run(inbox.messages + messages, isolated=False)
