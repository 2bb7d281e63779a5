"""What an exercise is made of: the cases it runs, the reference it trusts, the mistakes it
recognises. The exercise modules (``regression``, ``classification``, ...) fill these in."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import torch
import torch.nn.functional as F

from lossedu._checks import shape_str

F64 = torch.float64
F32 = torch.float32

# Agreement with the reference, per dtype of the case. Loose enough for any sound from-scratch
# formula (no eps inside a norm where torch has 1e-6, log1p against log, another summation
# order), tight enough for every mistake the exercises name: those move the loss by 1e-2 or
# more.
TOLERANCE = {F64: {"rtol": 1e-4, "atol": 1e-6}, F32: {"rtol": 5e-4, "atol": 1e-5}}


# What a case may apply to a leaf before the submission sees it, by name (a case travels to
# the process that runs the submission as plain data).
TRANSFORMS = {"log_softmax": lambda logits: F.log_softmax(logits, -1)}


@dataclass(frozen=True)
class Case:
    """One call of the submission: ``args`` by torch's argument names, in signature order.

    Attributes:
        label: a short name shown in the report, language-neutral ("reduction='sum'") or in
            English beside ``label_zh``.
        args: the arguments; tensors are copied before every call.
        grad: the floating inputs handed with ``requires_grad``; their gradients are compared.
        values_only: compare values, not gradients (cases at a kink or a clamp, where a
            sound formula may pick another subgradient).
        through: ``{name: transform}``: the submission gets ``TRANSFORMS[transform](leaf)``
            instead of the leaf (CTC takes log_softmax of logits, and the gradient is compared
            with respect to the logits).
        label_zh: the label in Chinese, where the label has words; None where it has none.
    """

    label: str
    args: dict[str, Any]
    grad: tuple[str, ...] = ()
    values_only: bool = False
    through: dict[str, str] = field(default_factory=dict)
    label_zh: str | None = None

    @property
    def compares_gradients(self) -> bool:
        return bool(self.grad) and not self.values_only

    @property
    def dtype(self) -> torch.dtype:
        floats = [v.dtype for v in self.args.values()
                  if isinstance(v, torch.Tensor) and v.is_floating_point()]
        return floats[0] if floats else F64

    @property
    def tolerance(self) -> dict[str, float]:
        return TOLERANCE.get(self.dtype, TOLERANCE[F32])

    def prepare(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        """Fresh copies of the arguments, and the leaves whose gradients are checked."""
        args, leaves = {}, {}
        for name, value in self.args.items():
            if isinstance(value, torch.Tensor):
                value = value.detach().clone()
                if name in self.grad:
                    leaves[name] = value.requires_grad_(True)
                    if name in self.through:
                        value = TRANSFORMS[self.through[name]](value)
            args[name] = value
        return args, leaves

    def to_plain(self) -> dict:
        """The case as plain data, for the process that runs the submission."""
        return {"label": self.label, "args": self.args, "grad": list(self.grad),
                "values_only": self.values_only, "through": self.through}

    @classmethod
    def from_plain(cls, data: dict) -> "Case":
        return cls(data["label"], data["args"], tuple(data["grad"]), data["values_only"],
                   data["through"])

    def describe(self, exercise_id: str) -> str:
        """The call in one line: ``mse_loss(input (3,) float64, target (3,) float64)``."""
        parts = []
        for name, value in self.args.items():
            if isinstance(value, torch.Tensor):
                dtype = str(value.dtype).removeprefix("torch.")
                parts.append(f"{name} {shape_str(value.shape)} {dtype}")
            else:
                parts.append(f"{name}={value!r}")
        return f"{exercise_id}({', '.join(parts)})"


@dataclass(frozen=True)
class Mistake:
    """A classic mistake: its name in both languages and how to compute what it returns.

    Each variant takes the case's arguments (by torch's names) and returns the mistaken output,
    or None where the mistake cannot show (no ``weight`` given, say).
    """

    zh: str
    en: str
    variants: tuple[Callable[..., torch.Tensor | None], ...]


@dataclass(frozen=True)
class Exercise:
    """An exercise: write ``id`` with ``signature``.

    Attributes:
        id: the lossedu function asked for; the submission takes the same arguments.
        signature: torch's (or the reference's) signature, as students should write it.
        zh, en: the statement in one line.
        reference: the trusted implementation, called as ``reference(**case.args)``.
        make_cases: builds the cases, the same ones every time (fixed seeds).
        mistakes: checked in order on a failing case; the first that matches is named.
        positional: how many leading arguments are passed by position; the others go by
            keyword, and only where the case sets them.
        forbids: built-ins the answer may not call beyond torch's and lossedu's losses (by
            name: ``"log_softmax"`` for cross-entropy).
        allows: torch losses the answer may call all the same (focal loss is built on
            ``binary_cross_entropy_with_logits``).
    """

    id: str
    signature: str
    zh: str
    en: str
    reference: Callable[..., torch.Tensor]
    make_cases: Callable[[], list[Case]]
    mistakes: tuple[Mistake, ...] = ()
    positional: int = 2
    forbids: tuple[str, ...] = ()
    allows: tuple[str, ...] = ()


# Case labels with words, in Chinese. An exercise passes its cases through `bilingual` to show
# them in both languages (a label that is code or a shape needs no translation).
LABELS_ZH = {
    "default": "默认参数",
    "zeros in p": "p 中有 0",
    "one-hot rows": "独热行",
    "zeros in target": "target 中有 0",
    "empty masks": "空掩码",
    "identical images": "两幅相同的图像",
    "input == target at some": "部分位置 input == target",
    "probability targets": "概率形式的 target",
    "log-probs (2, 3, 2, 2), 'none'": "对数概率 (2, 3, 2, 2)，'none'",
    "p = 0 and p = 1": "p = 0 与 p = 1",
    "soft targets": "软标签",
    "weight and pos_weight": "weight 与 pos_weight",
    "alpha=-1 (no alpha)": "alpha=-1（不用 alpha）",
    "easy triplets, 'none'": "容易的三元组，'none'",
    "all targets 1": "target 全为 1",
    "all targets -1, 'none'": "target 全为 -1，'none'",
    "1-D targets": "一维 targets",
    "impossible target, 'none'": "无法对齐的 target，'none'",
}


def bilingual(cases: list[Case]) -> list[Case]:
    """The cases, each label that has words given its Chinese name from LABELS_ZH."""
    return [replace(c, label_zh=LABELS_ZH[c.label]) if c.label in LABELS_ZH and not c.label_zh
            else c for c in cases]


def generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def randn(g: torch.Generator, *shape: int, dtype: torch.dtype = F64) -> torch.Tensor:
    return torch.randn(shape, generator=g, dtype=dtype)


def rand(g: torch.Generator, *shape: int, dtype: torch.dtype = F64) -> torch.Tensor:
    return torch.rand(shape, generator=g, dtype=dtype)


def randint(g: torch.Generator, high: int, *shape: int) -> torch.Tensor:
    return torch.randint(high, shape, generator=g)


def with_(args: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``args`` with some values changed (keeping the signature order)."""
    return {**args, **changes}


def option_ignored(name: str, default: Any, reference: Callable) -> Callable:
    """A variant for "the option ``name`` is ignored": the reference with ``name`` back at its
    default, on the cases that set it otherwise."""

    def variant(**args):
        value = args.get(name, default)
        if value is default or (not isinstance(value, torch.Tensor) and value == default):
            return None
        return reference(**with_(args, **{name: default}))

    return variant


def negated(reference: Callable) -> Callable:
    """A variant for "the minus sign is missing": minus the reference."""
    return lambda **args: -reference(**args)


def ignored(name: str, default: Any, reference: Callable) -> Mistake:
    """The mistake "the option ``name`` is ignored", named where a case sets it otherwise."""
    return Mistake(f"忽略了 {name}：结果与 {name}={default} 时相同。",
                   f"`{name}` is ignored: the result is the one for {name}={default}.",
                   (option_ignored(name, default, reference),))


# --- mistakes every exercise with a `reduction` can make ---------------------------------

_REDUCED = {
    "mean": ("平均", "the mean"),
    "sum": ("总和", "the sum"),
    "batchmean": ("总和除以批大小", "the sum divided by the batch size"),
}


def reduction_mistakes(reference: Callable, default: str, choices=("none", "mean", "sum")):
    """One mistake per pair (asked, returned) of reductions: the submission ignored
    ``reduction`` or applied another one."""
    mistakes = []
    for asked in choices:
        for returned in choices:
            if asked == returned:
                continue

            def variant(_asked=asked, _returned=returned, **args):
                if args.get("reduction", default) != _asked:
                    return None
                return reference(**with_(args, reduction=_returned))

            if asked == "none":
                zh = (f"reduction='none' 应逐个返回损失，你的结果却是{_REDUCED[returned][0]}。")
                en = (f"reduction='none' keeps one loss per element; your result is "
                      f"{_REDUCED[returned][1]}.")
            elif returned == "none":
                zh = f"没有做汇总：reduction='{asked}' 要的是{_REDUCED[asked][0]}，不是逐个的损失。"
                en = (f"Nothing was reduced: reduction='{asked}' asks for {_REDUCED[asked][1]}, "
                      f"not one loss per element.")
            else:
                zh = (f"reduction='{asked}' 要的是{_REDUCED[asked][0]}，"
                      f"你的结果却是{_REDUCED[returned][0]}。")
                en = (f"reduction='{asked}' asks for {_REDUCED[asked][1]}; your result is "
                      f"{_REDUCED[returned][1]}.")
            mistakes.append(Mistake(zh, en, (variant,)))
    return tuple(mistakes)
