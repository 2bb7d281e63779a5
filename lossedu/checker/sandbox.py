"""A sandbox per submission, for ``python -m lossedu check FILE`` and ``grade``.

With bubblewrap (``bwrap``): a read-only view of the system, Python and the course's
environment (the lossedu package only, never the class folder), a private writable folder
holding a copy of the one submission, a 16 MiB /dev/shm of its own, no network, its own PID
namespace (every process it starts dies with it) and ``--die-with-parent``; Python started
isolated (``-I``), and a Python it starts finds the same lossedu. Run as root,
the submission runs as an unprivileged uid of its own, which no other sandbox on the machine
holds while it runs (the watchdog counts and kills every process of that uid). Limits: address
space, file size, processes and CPU time by rlimits; the whole sandbox's memory (the sum over
its processes) and its folder's size by a watchdog here; stdout and stderr through pipes of
which only the tail is kept. Without bubblewrap (macOS, a locked-down host) the same runs in a
new session, as an unprivileged uid where this runs as root, under the same rlimits and
watchdog; the report and the CSV say which isolation applied.
"""

import ctypes
import fcntl
import os
import resource
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import torch

from lossedu.checker import frames

PACKAGE = Path(__file__).resolve().parents[1]  # lossedu/
# This interpreter, without "..": "book/../.venv/bin/python" names a folder that the
# sandbox does not mount. Not resolved further: a virtualenv's python is a symlink.
PYTHON = os.path.normpath(sys.executable)
BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); del sys.argv[1]; "
        "from lossedu.checker.box import main; main()")
FIRST_UID, UIDS = 61000, 1024  # as root, each running sandbox holds one of these uids
TAIL = 4096  # bytes of stdout and stderr kept for the report
SHM = 16 * 1024**2  # bytes of the sandbox's own /dev/shm
ACTIVE: set[int] = set()  # the sandboxes running now (grade runs several at a time)
_STARTING = threading.Lock()  # a sandbox being started is not yet a stray


@dataclass
class Limits:
    """timeout: seconds per exercise; cell_timeout: per notebook cell (or a .py file's top
    level); time_limit: for the whole submission; memory: bytes for all the sandbox's
    processes together; disk: bytes in its folder; processes: how many it may run."""

    timeout: float = 10.0
    cell_timeout: float = 60.0
    time_limit: float = 600.0
    memory: int = 2 * 1024**3
    disk: int = 64 * 1024**2
    processes: int = 64


@dataclass
class BoxRun:
    """What came back from one sandbox: the messages in order, how it ended ('ok',
    'timeout', 'cell_timeout', 'memory', 'disk', 'died', 'too_much', 'garbled'), what
    isolation applied, and the tails of what it printed."""

    messages: list = field(default_factory=list)
    outcome: str = "ok"
    isolation: str = "bubblewrap"
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    exit_code: int | None = None


def isolation() -> str:
    """'bubblewrap' where bwrap runs here, else 'fallback' (a run reports 'fallback as root'
    where no unprivileged uid could run Python)."""
    if not hasattr(isolation, "cached"):
        works = shutil.which("bwrap") is not None and subprocess.run(
            ["bwrap", *_namespaces(), "--ro-bind", "/", "/", "true"],
            capture_output=True).returncode == 0
        isolation.cached = "bubblewrap" if works else "fallback"
    return isolation.cached


def run(submission: Path, job: dict, limits: Limits) -> BoxRun:
    """Run the submission in a fresh sandbox with ``job`` (see :mod:`box`)."""
    folder = Path(tempfile.mkdtemp(prefix="lossedu-box-"))
    try:
        with _claim_uid() as uid:
            return _run(submission, job, limits, uid, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _claim_uid():
    """As root, a uid no other sandbox holds, in this grader or in any other running on the
    machine (each holds a lock on its uid's file): the watchdog counts and kills by uid.
    Without root, None (bubblewrap's user namespace gives the sandbox its own)."""
    if os.geteuid() != 0:
        yield None
        return
    locks = Path(tempfile.gettempdir()) / "lossedu-uids"
    locks.mkdir(mode=0o700, exist_ok=True)
    for uid in range(FIRST_UID, FIRST_UID + UIDS):
        with open(locks / str(uid), "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            if _processes_of(uid):  # something left under it (an older checker's run)
                continue
            yield uid
            return
    raise RuntimeError(f"all {UIDS} sandbox uids from {FIRST_UID} are in use")


def _run(submission, job, limits, uid: int | None, folder: Path) -> BoxRun:
    copy = folder / ("submission" + submission.suffix)
    shutil.copyfile(submission, copy)
    (folder / "tmp").mkdir()
    token = secrets.token_bytes(frames.TOKEN)
    torch.save({**job, "submission": str(copy), "token": token.hex()}, folder / "job.pt")
    way = isolation()
    if way == "fallback" and uid is not None and not _others_can_run_python():
        uid = None  # the fallback as root, where no other uid can reach Python (/root is 700)
    if uid is not None:
        for path in (folder, folder / "tmp", copy):
            os.chown(path, uid, uid)

    _become_subreaper()
    receive, send = os.pipe()
    python = [PYTHON, "-I", "-c", BOOT, str(PACKAGE.parent), str(folder / "job.pt"),
              str(send)]
    command = (_bwrap(folder, uid) + python) if way == "bubblewrap" else python
    started = time.monotonic()
    with _STARTING:
        process = subprocess.Popen(
            command, cwd=folder, env=_environment(folder), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=(send,),
            start_new_session=True,  # the fallback's process group, to kill as a whole
            preexec_fn=lambda: _limit(limits, uid if way == "fallback" else None))
        ACTIVE.add(process.pid)
    os.close(send)
    result = BoxRun(isolation=way if way == "bubblewrap" or uid is not None or os.geteuid()
                    else "fallback as root")
    try:
        _watch(process, receive, limits, folder, uid, result, token)
    finally:
        _kill_all(process.pid, uid)
        process.wait()
        ACTIVE.discard(process.pid)
        os.close(receive)
    result.seconds = time.monotonic() - started
    result.exit_code = process.returncode
    return result


def _others_can_run_python() -> bool:
    """Whether a uid other than ours may reach the interpreter and the environment."""
    paths = [Path(os.path.realpath(sys.executable)), Path(sys.prefix), PACKAGE]
    return all(os.stat(p).st_mode & 0o001 for path in paths for p in [path, *path.parents])


def _namespaces() -> list[str]:
    """Everything unshared; as root, no user namespace (the uid is switched inside)."""
    shared = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
              "--unshare-cgroup-try"]
    return shared if os.geteuid() == 0 else ["--unshare-all"]


def _bwrap(folder: Path, uid: int | None) -> list[str]:
    read_only = [sys.base_prefix, sys.prefix, str(PACKAGE)]
    # as root, setpriv needs CAP_SETUID to become the uid, and drops every capability itself
    drop = [] if uid is not None else ["--cap-drop", "ALL"]
    argv = ["bwrap", *_namespaces(), "--die-with-parent", "--new-session", *drop]
    for path in sorted({str(p) for ro in [*read_only, str(folder)]
                        for p in Path(ro).parents} - {"/"}):
        argv += ["--perms", "0755", "--dir", path]  # bwrap would make them 0700
    for path in ("/usr", "/bin", "/lib", "/lib64", "/etc/ld.so.cache", "/etc/fonts",
                 "/etc/localtime"):
        argv += ["--ro-bind-try", path, path]
    for path in read_only:
        argv += ["--ro-bind", path, path]
    argv += ["--proc", "/proc", "--dev", "/dev", "--bind", str(folder), str(folder),
             "--chdir", str(folder)]
    # a small private /dev/shm: multiprocessing's locks (a chapter's two-process DDP demo)
    argv += ["--perms", "1777", "--size", str(SHM), "--tmpfs", "/dev/shm"]
    if uid is not None:  # root outside: become an unprivileged uid inside
        argv += ["--", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all"]
    else:
        argv += ["--"]
    return argv


def _environment(folder: Path) -> dict[str, str]:
    return {"HOME": str(folder), "TMPDIR": str(folder / "tmp"), "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": str(folder / "tmp"), "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            # a Python the submission starts (a chapter's `python -m lossedu.ddp_demo`) finds
            # the lossedu that the box runs, the only folder of it the box can see
            "PYTHONPATH": str(PACKAGE.parent)}


def _limit(limits: Limits, uid: int | None) -> None:
    """In the child, before exec: the rlimits, and the uid (the fallback as root)."""
    if uid is not None:  # the fallback as root: an unprivileged uid
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    for kind, value in ((resource.RLIMIT_AS, limits.memory + 1024**3),  # + torch's mappings
                        (resource.RLIMIT_FSIZE, limits.disk),
                        (resource.RLIMIT_CPU, int(limits.time_limit) + 10),  # a backstop
                        (resource.RLIMIT_CORE, 0),
                        (resource.RLIMIT_NPROC, _processes_of(os.getuid()) + limits.processes)):
        resource.setrlimit(kind, (value, value))


def _watch(process, receive: int, limits: Limits, folder: Path, uid, result: BoxRun,
           token: bytes) -> None:
    """Read messages and output until the sandbox ends or breaks a limit."""
    inbox = frames.Inbox(token=token)
    tails = {process.stdout.fileno(): bytearray(), process.stderr.fileno(): bytearray()}
    open_fds = [receive, *tails]
    for fd in open_fds:
        os.set_blocking(fd, False)
    start = last = time.monotonic()
    cell_limit = limits.cell_timeout + 2  # the box's own alarm first; then the hard stop
    step_limit, next_check = cell_limit, 0.0
    while open_fds:
        now = time.monotonic()
        if now - start > limits.time_limit:
            result.outcome = "timeout"
            break
        if now - last > step_limit:
            result.outcome = "cell_timeout" if step_limit == cell_limit else "timeout"
            break
        if now >= next_check:
            over = _over_limits(process.pid, uid, folder, limits)
            if over:
                result.outcome = over
                break
            next_check = now + 0.25
        ready, _, _ = select.select(open_fds, [], [], 0.1)
        for fd in ready:
            try:
                data = os.read(fd, 1 << 16)
            except BlockingIOError:
                continue
            if not data:
                open_fds.remove(fd)
            elif fd == receive:
                count = len(inbox.messages)
                if not inbox.feed(data, 64 * 1024**2):
                    result.outcome = inbox.ended
                    open_fds = []
                for message in inbox.messages[count:]:
                    kind = message.get("kind") if isinstance(message, dict) else None
                    if kind in ("cell", "found"):
                        last = time.monotonic()
                        step_limit = cell_limit if kind == "cell" else limits.timeout
            else:
                tails[fd] += data
                del tails[fd][:-TAIL]
        if receive not in open_fds and result.outcome == "ok":
            break
    if result.outcome == "ok":  # a limit reached after the last check still counts
        result.outcome = _over_limits(process.pid, uid, folder, limits) or "ok"
    result.messages = inbox.messages
    if result.outcome == "ok" and not any(
            isinstance(m, dict) and m.get("kind") == "done" for m in inbox.messages):
        result.outcome = "died"
    out, err = tails.values()
    result.stdout = out.decode("utf-8", "replace")
    result.stderr = err.decode("utf-8", "replace")


def _over_limits(pid: int, uid, folder: Path, limits: Limits) -> str:
    """'memory' or 'disk' where the sandbox is over that limit, else ''."""
    rss = sum(_rss(p) for p in _tree(pid, uid))
    if rss > limits.memory:
        return "memory"
    size = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                size += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    # RLIMIT_FSIZE stops a file at the limit itself: a file that size tried to grow further
    return "disk" if size >= limits.disk else ""


def _stat(pid: str) -> tuple[int, int] | None:
    """(parent pid, real uid) of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            fields = dict(line.split(":", 1) for line in status if ":" in line)
        return int(fields["PPid"]), int(fields["Uid"].split()[0])
    except (OSError, KeyError, ValueError):
        return None


def _tree(pid: int, uid: int | None) -> set[int]:
    """The process ``pid``, its descendants (orphans come back to us: we are a subreaper)
    and, where the submission has a uid of its own, every process of that uid."""
    table = {int(p): s for p in os.listdir("/proc") if p.isdigit() and (s := _stat(p))}
    found, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, _) in table.items():
            if ppid == parent and child not in found:
                found.add(child)
                frontier.append(child)
    if uid is not None:
        found |= {p for p, (_, owner) in table.items() if owner == uid}
    return found


def _strays() -> set[int]:
    """Our children that are no sandbox: orphans a sandbox left (we are a subreaper)."""
    me = os.getpid()
    with _STARTING:
        return {int(p) for p in os.listdir("/proc") if p.isdigit() and (s := _stat(p))
                and s[0] == me and int(p) not in ACTIVE}


def _processes_of(uid: int) -> int:
    return sum(1 for p in os.listdir("/proc") if p.isdigit() and (s := _stat(p)) and s[1] == uid)


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def _kill_all(pid: int, uid: int | None) -> None:
    """SIGKILL the sandbox and everything it started, and reap what came back to us."""
    for _ in range(3):
        tree = (_tree(pid, uid) | _strays()) - {os.getpid()}
        if not tree:
            break
        for target in tree:
            try:
                os.kill(target, signal.SIGKILL)
            except OSError:
                pass
        for target in tree - {pid}:  # orphans reparented to us; the sandbox is Popen's
            try:
                os.waitpid(target, os.WNOHANG)
            except ChildProcessError:
                pass
        time.sleep(0.05)


def _become_subreaper() -> None:
    """Linux: orphans of the sandbox's processes become ours, so none escapes the watchdog."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass
