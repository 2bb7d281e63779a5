"""Watching an answer run: which built-in losses it calls, and whether it reaches for the
checker.

While an answer (and the backward pass through its output) runs, three things watch it:

1. a profile function (``sys.setprofile``) sees every Python call and every call of a C
   function: a call into lossedu's own code, into torch's Python loss functions (``F.*``, a
   loss Module's ``forward``) or of a C loss kernel (``torch._C._nn.*``, ``torch.ops.aten.*``)
   is recorded under its name, whatever alias or ``__module__`` label reached it;
2. a torch function mode sees every route into torch's functions, ``torch.ops`` included;
3. an audit hook, which no code can remove, blocks and records what could hide a call or read
   the checker: frames, the garbage collector, new code objects, ctypes, threads, processes,
   and switching the profile off.

Every finding is written to the parent at once, so nothing the answer does afterwards can take
it back. The checker's parent decides what a finding costs (``--allow-builtins``).
"""

import inspect
import os
import sys
import sysconfig
import threading

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from lossedu.checker import frames

LOSSEDU_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "")
CHECKER_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "")

# torch's losses under every name they have: F's functions, the C kernels and aten ops they
# reach (an overload's name loses its ".default"; a leading "_" is dropped).
TORCH_LOSSES = frozenset({
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cosine_embedding_loss",
    "cross_entropy", "cross_entropy_loss", "ctc_loss", "gaussian_nll_loss",
    "hinge_embedding_loss", "huber_loss", "kl_div", "l1_loss", "linear_cross_entropy",
    "margin_ranking_loss", "mse_loss", "multi_margin_loss", "multilabel_margin_loss",
    "multilabel_margin_loss_forward", "multilabel_soft_margin_loss", "nll_loss", "nll_loss2d",
    "nll_loss2d_forward", "nll_loss_forward", "nll_loss_nd", "poisson_nll_loss",
    "smooth_l1_loss", "soft_margin_loss", "triplet_margin_loss",
    "triplet_margin_with_distance_loss", "sigmoid_focal_loss",
})

# torch's functions that clip gradients, which the exercise on clipping forbids.
CLIPPING = ("clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "clip_grads_with_norm_",
            "get_total_norm")

# What an answer may not do while it runs (events of the audit hook).
BLOCKED_EVENTS = frozenset({
    "sys.setprofile", "sys.settrace", "sys._getframe", "sys._current_frames",
    "gc.get_objects", "gc.get_referrers", "gc.get_referents", "code.__new__",
    "function.__new__", "os.fork", "os.forkpty",
    "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.kill", "os.killpg",
    "subprocess.Popen", "signal.pthread_kill", "sys.addaudithook",
})
# Events that the standard library and installed packages raise in their own work (an import,
# a context manager's exit): allowed from there, blocked from the answer's own code.
LIBRARY_MAY = frozenset({"sys._getframe", "object.__getattr__"})
LIBRARY_DIRS = tuple({os.path.join(sysconfig.get_paths()[key], "")
                      for key in ("stdlib", "purelib", "platlib")})
FRAME_ATTRIBUTES = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame", "gi_code",
                              "cr_code", "ag_code", "__code__"})


def name_of(fn) -> str:
    """A loss function's own name: ``mse_loss`` for F.mse_loss, torch._C._nn.mse_loss and
    torch.ops.aten.mse_loss.default."""
    name = getattr(fn, "__name__", "") or ""
    return name.split(".")[0].lstrip("_").removeprefix("aten::")


class Guard:
    """Installed once in the process that runs submissions, before any of their code runs.

    Args:
        report_fd: where findings are written, as they happen.
        forbidden: loss names an answer may not call (torch's or lossedu's functions).
        token: the run's token, which every message carries (see :mod:`frames`).
    """

    def __init__(self, report_fd: int, forbidden=TORCH_LOSSES,
                 token: bytes = frames.NO_TOKEN) -> None:
        self._fd, self._token = report_fd, token
        self.forbidden = frozenset(forbidden)
        self._armed = False
        self._seen: set[str] = set()
        self._setprofile = sys.setprofile  # the real ones, before any submission runs
        self._current_frames = sys._current_frames
        self._getframe = sys._getframe
        self._mode = _Mode(self)
        self._torch_codes = _torch_loss_codes()
        with self.watch():  # a first watched call imports what the mode needs (1 s)
            _warm_up()
        sys.addaudithook(self._audit)

    def _found(self, kind: str, name: str) -> None:
        if (kind, name) in self._seen:
            return
        self._seen.add((kind, name))
        armed, self._armed = self._armed, False  # sending is the checker's own doing
        try:
            frames.send(self._fd, {"kind": kind, "name": name}, self._token)
        finally:
            self._armed = armed

    def watch(self, forbidden=None) -> "_Watch":
        """A context in which the code that runs is watched; ``forbidden`` overrides the
        names for it."""
        return _Watch(self, self.forbidden if forbidden is None else frozenset(forbidden))

    def _profile(self, frame, event, arg) -> None:
        if event == "call":
            code = frame.f_code
            module = _lossedu_module(code)
            if _public(module) and not _public(_lossedu_module(frame.f_back.f_code)):
                self._found("builtin", f"lossedu.{module}.{code.co_name}")
            elif self._torch_codes.get(code, ".").rpartition(".")[2] in self.forbidden:
                self._found("builtin", self._torch_codes[code])
        elif event == "c_call" and name_of(arg) in self.forbidden:
            self._found("builtin", f"{getattr(arg, '__module__', None) or 'torch'}."
                                   f"{getattr(arg, '__name__', '?')}")

    def _audit(self, event: str, args: tuple) -> None:
        if not self._armed:
            return
        if event.startswith("ctypes.") or event in BLOCKED_EVENTS or (
                event == "object.__getattr__" and args[1] in FRAME_ATTRIBUTES):
            if event in LIBRARY_MAY and self._from_library():
                return
            name = f"{event} {args[1]}" if event == "object.__getattr__" else event
            self._found("tamper", name)
            raise RuntimeError(f"the checker does not allow {name} in an answer")


    def _from_library(self) -> bool:
        """Whether the code that raised the event is the standard library's or an installed
        package's (typing reads its caller's frame while a module is imported)."""
        self._armed = False
        try:
            path = self._getframe(2).f_code.co_filename
        finally:
            self._armed = True
        return path.startswith(LIBRARY_DIRS)


class _Watch:
    """Arms the guard on entry, disarms it on exit (a plain class: a generator-based context
    manager would touch frames on the way out)."""

    def __init__(self, guard: Guard, forbidden: frozenset) -> None:
        self.guard, self.forbidden = guard, forbidden

    def __enter__(self) -> None:
        guard = self.guard
        self.saved, guard.forbidden = guard.forbidden, self.forbidden
        guard._seen.clear()  # each case reports what it called
        self.threads = len(guard._current_frames())
        if self.threads > 1:  # a thread the submission left running
            guard._found("tamper", "threads")
        guard._mode.__enter__()
        threading.setprofile(guard._profile)  # a thread the answer starts is watched too
        guard._setprofile(guard._profile)
        guard._armed = True

    def __exit__(self, *exc) -> None:
        guard = self.guard
        guard._armed = False
        guard._setprofile(None)
        threading.setprofile(None)
        if len(guard._current_frames()) > self.threads:  # one the answer started (no audit
            guard._found("tamper", "threads")            # event for threads in Python 3.11)
        guard._mode.__exit__(None, None, None)
        guard.forbidden = self.saved


class _Mode(TorchFunctionMode):
    """Sees every call into torch (``torch.ops`` and ``torch._C`` included)."""

    def __init__(self, guard: Guard) -> None:
        super().__init__()
        self.guard = guard

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if name_of(func) in self.guard.forbidden:
            self.guard._found("builtin", f"{getattr(func, '__module__', None) or 'torch'}."
                                         f"{getattr(func, '__name__', '?')}")
        return func(*args, **(kwargs or {}))


def _warm_up() -> None:
    """Import what sending a message and a backward pass need, before any answer runs."""
    x = torch.ones(2, dtype=torch.float64, requires_grad=True)
    out = (x * x).sum()
    torch.autograd.grad(out, [x], torch.ones_like(out), allow_unused=True)  # as the runner
    frames.encode({"kind": "warm-up", "value": x.detach()})


def _lossedu_module(code) -> str:
    """``regression`` for code in lossedu/regression.py; "" outside lossedu and for the
    checker's own code."""
    path = code.co_filename
    if not path.startswith(LOSSEDU_DIR) or path.startswith(CHECKER_DIR):
        return ""
    return os.path.relpath(path, LOSSEDU_DIR).removesuffix(".py").replace(os.sep, ".")


def _public(module: str) -> bool:
    """A module of lossedu's losses, not a private helper (``_autocast``, ``_checks``)."""
    return bool(module) and not module.startswith("_")


def _torch_loss_codes() -> dict:
    """The code objects of torch's Python-level losses (F's functions) and of the gradient
    clipping of ``torch.nn.utils`` (which an exercise may forbid), by qualified name."""
    codes = {fn.__code__: f"torch.nn.functional.{name}" for name in TORCH_LOSSES
             if hasattr(fn := getattr(F, name, None), "__code__")}
    for name in CLIPPING:  # each one sits in a no_grad wrapper: the code is the inner one
        fn = inspect.unwrap(getattr(torch.nn.utils, name, None) or (lambda: None))
        if getattr(fn, "__name__", "") == name:
            codes[fn.__code__] = f"torch.nn.utils.{name}"
    return codes
