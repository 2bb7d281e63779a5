"""Reading a submission's source, on the trusted side: what the run-time guard cannot be
trusted to see for itself.

Two findings, each with its line:

* **evasions**, anywhere in the file: the means by which code could switch the guard off or
  reach the checker (``exec``, ``eval``, ``compile``, ``__import__``, ``importlib``,
  ``ctypes``, ``gc``, ``inspect``, frames and code objects, ``sys.setprofile``, ``torch._C``'s
  mode switches, ``getattr``/``setattr`` with a computed name, a module's attribute
  overwritten, ``sys.modules``). Without them no route to a built-in is hidden from the guard.
* **built-ins named in an answer**: inside an answer's function and the functions of the file
  it calls, a name or attribute that is one of the forbidden losses or their Modules
  (``F.cross_entropy``, ``nn.CrossEntropyLoss``, ``getattr(F, "cross_entropy")``).
"""

import ast

EVASIVE_CALLS = frozenset({"exec", "eval", "compile", "__import__", "globals", "locals",
                           "vars", "breakpoint", "attrgetter", "methodcaller"})
EVASIVE_MODULES = frozenset({"importlib", "ctypes", "gc", "inspect", "marshal", "builtins",
                             "imp", "pickle", "dill", "cffi", "_thread", "profile", "cProfile",
                             "trace", "bdb", "pdb", "lossedu.checker"})
EVASIVE_NAMES = frozenset({
    "__builtins__", "__code__", "__globals__", "__closure__", "__dict__", "__subclasses__",
    "__getattribute__", "__reduce__", "__reduce_ex__", "__torch_function__",
    "__torch_dispatch__", "f_back", "f_locals", "f_globals", "f_code", "f_builtins",
    "tb_frame", "gi_frame", "cr_frame", "ag_frame", "setprofile", "settrace", "getprofile",
    "gettrace", "_getframe", "_current_frames", "addaudithook",
    "DisableTorchFunction", "DisableTorchFunctionSubclass", "_pop_mode", "_push_mode",
    "_pop_torch_function_stack", "_push_on_torch_function_stack", "_disable_dynamo",
    "run_cell", "run_line_magic", "run_cell_magic",
})
# attributes evasive on one module only: (module, attribute)
EVASIVE_ATTRIBUTES = frozenset({("sys", "modules"), ("lossedu", "checker"), ("torch", "_C"),
                                ("torch", "overrides")})
ATTRIBUTE_FUNCTIONS = frozenset({"getattr", "setattr", "delattr", "hasattr"})


def scan(source: str, filename: str = "<submission>") -> list[tuple[int, str]]:
    """The evasions in ``source``: ``(line, what)``, in order of lines."""
    tree = _parse(source, filename)
    if tree is None:
        return []
    modules = _imported_modules(tree)
    found = []
    for node in ast.walk(tree):
        what = _evasion(node, modules)
        if what:
            found.append((getattr(node, "lineno", 0), what))
    return sorted(set(found))


def builtins_in(source: str, answer: str, forbidden) -> list[tuple[int, str]]:
    """The forbidden names used by the function ``answer`` and the file's functions it calls:
    ``(line, name)``."""
    tree = _parse(source)
    if tree is None:
        return []
    functions = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) and \
                hasattr(node, "name"):
            functions[node.name] = node  # the last definition wins, as when it runs
    names = {name.lower() for name in forbidden} | {_module_name(n) for n in forbidden}
    seen, todo, found = set(), [answer], []
    while todo:
        function = functions.get(todo.pop())
        if function is None or id(function) in seen:
            continue
        seen.add(id(function))
        for node in ast.walk(function):
            used = _used_name(node)
            if used and used.lower() in names:
                found.append((node.lineno, used))
            if isinstance(node, ast.Name) and node.id in functions:
                todo.append(node.id)
    return sorted(set(found))


def _parse(source: str, filename: str = "<submission>") -> ast.Module | None:
    try:
        return ast.parse(source, filename)
    except (SyntaxError, ValueError):
        return None  # the run reports a file that does not parse


def _module_name(loss: str) -> str:
    """``crossentropyloss`` for cross_entropy: the Module's class name, lowercased."""
    base = loss.removesuffix("_loss").replace("_", "")
    return f"{base}loss"


def _used_name(node) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.alias):
        return node.name.rsplit(".", 1)[-1]
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 60:
        return node.value
    return ""


def _imported_modules(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.asname or a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names |= {a.asname or a.name for a in node.names}
    return names


def _evasion(node, modules: set[str]) -> str:
    if isinstance(node, ast.Import | ast.ImportFrom):
        targets = [a.name for a in node.names] if isinstance(node, ast.Import) else [
            node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
        for target in targets:
            if target in EVASIVE_MODULES or target.split(".")[0] in EVASIVE_MODULES or \
                    target.startswith("lossedu.checker") or target == "torch._C":
                return f"import {target}"
        names = {a.name for a in node.names}
        return next((f"import {n}" for n in names & (EVASIVE_NAMES | EVASIVE_CALLS)), "")
    if isinstance(node, ast.Name) and (node.id in EVASIVE_CALLS or node.id in EVASIVE_NAMES):
        return node.id
    if isinstance(node, ast.Attribute):
        if node.attr in EVASIVE_NAMES:
            return f".{node.attr}"
        if (_base_name(node), node.attr) in EVASIVE_ATTRIBUTES:
            return f"{_base_name(node)}.{node.attr}"
        if isinstance(node.ctx, ast.Store | ast.Del) and _base_name(node) in modules and \
                "backends" not in ast.unparse(node):  # torch.backends' switches are settings
            return f"{_base_name(node)}.{node.attr} = …"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id in ATTRIBUTE_FUNCTIONS:
        name = node.args[1] if len(node.args) > 1 else None
        if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
            return f"{node.func.id}(…, <computed name>)"
        if name.value in EVASIVE_NAMES or name.value in ("_C", "modules", "overrides"):
            return f"{node.func.id}(…, {name.value!r})"
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
            node.value in EVASIVE_NAMES:
        return repr(node.value)
    return ""


def _base_name(node: ast.Attribute) -> str:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""
