"""What the process that ran an answer may send back, checked before anything is believed.

Every message is a dict with a ``kind``: ``case`` (one per case, in order), ``builtin`` or
``tamper`` (a finding of the guard, at the moment it happened). A case message must have
exactly the fields of its status, each of the right type: plain ``torch.Tensor`` values (no
subclass), shapes as lists of ints, strings of bounded length. Anything else is not a result.
"""

import torch

TEXT = 1000  # characters in any string field

_ERROR = {"type": str, "message": str, "where": (dict, type(None))}
_WHERE = {"line": (int, type(None)), "function": str, "code": str}
_OUTPUT = {
    "none": {},
    "other": {"type": str},
    "number": {"type": str, "value": float},
    "tensor": {"shape": list, "dtype": str, "requires_grad": bool,
               "value": (torch.Tensor, type(None))},
}


def split(messages: list, n: int) -> tuple[list, list]:
    """The ``n`` case results (None for a case that never came back, an ``invalid`` status for
    one that is not a result) and, per case, the findings made while it ran."""
    raws, findings, pending = [], [], []
    for message in messages:
        kind = message.get("kind") if isinstance(message, dict) else None
        if kind in ("builtin", "tamper") and isinstance(message.get("name"), str):
            pending.append((kind, message["name"][:TEXT]))
        elif kind == "case" and len(raws) < n:
            why = problem(message)
            raws.append({"status": "invalid", "why": why} if why else message)
            findings.append(pending)
            pending = []
    if len(raws) < n:  # the case that was running when the process stopped
        raws.append(None)
        findings.append(pending)
    raws += [None] * (n - len(raws))
    findings += [[] for _ in range(n - len(findings))]
    return raws, findings


def problem(message: dict) -> str:
    """What is wrong with a case message, or "" if it is a well-formed result."""
    status = message.get("status")
    if status == "exit":
        return _fields(message, {"code": str})
    if status == "raised":
        return _fields(message, _ERROR) or (
            _fields(message["where"], _WHERE) if message["where"] else "")
    if status != "returned":
        return f"status {str(status)[:40]!r}"
    kind = message.get("output")
    if kind not in _OUTPUT:
        return f"output {str(kind)[:40]!r}"
    wanted = {"mutated": list, "output": str, **_OUTPUT[kind]}
    optional = {"grads": dict, "backward_error": dict} if kind == "tensor" else {}
    why = _fields(message, wanted, optional)
    if why:
        return why
    if not all(isinstance(name, str) for name in message["mutated"]):
        return "mutated"
    if kind == "tensor":
        why = _tensor(message["value"], message["shape"])
        grads = message.get("grads", {})
        for name, grad in grads.items():
            why = why or ("" if isinstance(name, str) and (
                grad is None or type(grad) is torch.Tensor) else "grads")
        if "backward_error" in message:
            why = why or _fields(message["backward_error"], {"type": str, "message": str},
                                 {"where": (dict, type(None))})
        return why
    return ""


def _fields(message: dict, wanted: dict, optional: dict | None = None) -> str:
    optional = optional or {}
    extra = set(message) - set(wanted) - set(optional) - {"kind", "status", "printed"}
    if extra:
        return f"unexpected field {sorted(extra)[0][:40]!r}"
    if "printed" in message and type(message["printed"]) is not int:
        return "printed"
    for name, kinds in {**wanted, **{k: v for k, v in optional.items() if k in message}}.items():
        if name not in message:
            return f"missing {name!r}"
        value = message[name]
        kinds = kinds if isinstance(kinds, tuple) else (kinds,)
        if type(value) not in kinds:
            return f"{name!r} is a {type(value).__name__}"
        if isinstance(value, str) and len(value) > TEXT:
            return f"{name!r} too long"
    return ""


def _tensor(value, shape: list) -> str:
    if not all(type(d) is int and d >= 0 for d in shape) or len(shape) > 16:
        return "shape"
    if value is None:
        return ""
    if type(value) is not torch.Tensor or list(value.shape) != shape:
        return "value does not match its shape"
    return ""
