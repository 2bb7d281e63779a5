"""Exercises on the likelihood losses of regression: Gaussian NLL (a predicted variance) and
Poisson NLL (counts). torch is the reference."""

import math

import torch
import torch.nn.functional as F

from lossedu._reduction import reduce
from lossedu.exercises.spec import (
    F32,
    Case,
    Exercise,
    Mistake,
    bilingual,
    generator,
    ignored,
    option_ignored,
    rand,
    randint,
    randn,
    reduction_mistakes,
)

# --- gaussian_nll_loss ---------------------------------------------------------------------


def _gaussian_cases() -> list[Case]:
    g = generator(21)

    def triple(*shape, var_shape=None, dtype=torch.float64, spread=1.0):
        """Means, targets and positive variances (from about 0.2 to 2.2)."""
        var_shape = shape if var_shape is None else var_shape
        return {"input": randn(g, *shape, dtype=dtype),
                "target": spread * randn(g, *shape, dtype=dtype),
                "var": 2 * rand(g, *var_shape, dtype=dtype) + 0.2}

    grad = ("input", "target", "var")
    tiny = triple(6)
    tiny["var"][::2] = torch.tensor([1e-9, 0.0, 3e-7], dtype=torch.float64)  # below eps = 1e-6
    small = triple(2, 4)
    small["var"][0] = torch.tensor([1e-3, 5e-3, 2e-2, 0.5], dtype=torch.float64)  # eps = 1e-2
    n, d = (int(v) for v in randint(g, 4, 2) + 2)
    return [
        Case("default", triple(6), grad),
        Case("reduction='none'", {**triple(3, 4), "reduction": "none"}, grad),
        Case("reduction='sum'", {**triple(3, 4), "reduction": "sum"}, grad),
        Case("full=True", {**triple(5), "full": True}, grad),
        Case("full=True, 'none'", {**triple(2, 3), "full": True, "reduction": "none"}, grad),
        Case("var (N,), D = N, 'none'", {**triple(4, 4, var_shape=(4,)),
                                             "reduction": "none"}, grad),
        Case("var (N, 1)", {**triple(3, 5, var_shape=(3, 1)), "reduction": "sum"}, grad),
        Case("var=0.5", {**{k: v for k, v in triple(5).items() if k != "var"},
                                   "var": 0.5}, ("input", "target")),
        Case("var < eps, 'none'", {**tiny, "reduction": "none"}, grad),
        Case("eps=1e-2, 'sum'", {**small, "eps": 1e-2, "reduction": "sum"}, grad),
        Case("float32", triple(4, 3, dtype=F32), grad),
        Case(f"random ({n}, {d}), 'sum'", {**triple(n, d, spread=2.0), "reduction": "sum"},
             grad),
    ]


def _gaussian(args: dict, half: float = 0.5, clamp=None, std: bool = False,
              constant: float = 0.5 * math.log(2 * math.pi), per_column: bool = False):
    """The Gaussian NLL with the parts a mistake may change: the factor in front (``half``),
    how the variance is kept above eps (``clamp(var, eps)``), var read as a standard deviation,
    the constant that ``full`` adds, and a per-sample var broadcast along the wrong axis."""
    x, y, var = args["input"], args["target"], args["var"]
    eps, full = args.get("eps", 1e-6), args.get("full", False)
    per_row = isinstance(var, torch.Tensor) and var.dim() == x.dim() - 1
    if per_column and not per_row:
        return None  # the mistake needs a var of shape (N,)
    if not isinstance(var, torch.Tensor):
        var = torch.full_like(x, var)
    elif per_row:
        var = var if per_column else var.unsqueeze(-1)  # (N, 1): one variance per row
    if clamp is None:
        var = var.clone()
        with torch.no_grad():
            var.clamp_(min=eps)
    else:
        var = clamp(var, eps)
    variance = var**2 if std else var
    loss = half * (torch.log(variance) + (x - y) ** 2 / variance)
    return reduce(loss + constant if full else loss, args.get("reduction", "mean"))


def _when_var_is_small(variant):
    """A mistake about eps shows only where some variance lies below it."""
    def guarded(**args):
        var, eps = args["var"], args.get("eps", 1e-6)
        if not isinstance(var, torch.Tensor) or bool((var >= eps).all()):
            return None
        return variant(**args)
    return guarded


def _clamped(var, eps):
    return var.clamp(min=eps)  # the gradient of var is 0 where the clamp acts


GAUSSIAN_NLL = Exercise(
    id="gaussian_nll_loss",
    signature="gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction='mean')",
    zh="高斯负对数似然：l = ½·(log max(var, eps) + (x − y)²/max(var, eps))，full=True 时再加 "
       "½·log 2π；var 可以少最后一维（每行一个方差）或是一个数。",
    en="Gaussian negative log-likelihood: l = ½ (log max(var, eps) + (x − y)² / max(var, eps)), "
       "plus ½ log 2π with full=True; var may lack the last dimension (one variance per row) or "
       "be a number.",
    reference=F.gaussian_nll_loss,
    make_cases=lambda: bilingual(_gaussian_cases()),
    positional=3,
    mistakes=(
        Mistake("少了 ½：负对数似然是 ½·log σ² + (x − y)²/(2σ²)，你的结果是它的两倍。",
                "The ½ is missing: the negative log-likelihood is ½ log σ² + (x − y)² / (2σ²); "
                "your result is twice that.",
                (lambda **a: _gaussian(a, half=1.0),
                 lambda **a: _gaussian(a, half=1.0, constant=math.log(2 * math.pi)))),
        Mistake("截断 var 时把梯度也截断了：var.clamp(min=eps) 在 var < eps 处梯度为 0。torch "
                "只截断数值，梯度照样传给 var：在 torch.no_grad() 里原地截断一份副本。",
                "The clamp of var cut its gradient: var.clamp(min=eps) has a zero gradient "
                "where var < eps. torch clamps the value only and the gradient still reaches "
                "var: clamp a copy in place under torch.no_grad().",
                (lambda **a: _gaussian(a, clamp=_clamped),)),
        Mistake("把 eps 加到了 var 上：torch 是把 var 截断在 eps（max(var, eps)），"
                "不是 var + eps。",
                "eps was added to var: torch clamps var at eps (max(var, eps)), it does not "
                "compute var + eps.",
                (_when_var_is_small(lambda **a: _gaussian(a, clamp=lambda v, e: v + e)),)),
        Mistake("把 var 当成了标准差：var 是方差 σ²，不要再平方。",
                "var was read as a standard deviation: it is the variance σ², do not square it.",
                (lambda **a: _gaussian(a, std=True),)),
        Mistake("每行一个方差的 var (N,) 沿错误的维度广播了：先 var.unsqueeze(-1) 变成 (N, 1)，"
                "再与 (N, D) 的 input 对齐。",
                "A per-row var of shape (N,) was broadcast along the wrong dimension: make it "
                "(N, 1) with var.unsqueeze(-1) before it meets the (N, D) input.",
                (lambda **a: _gaussian(a, per_column=True),)),
        Mistake("full=True 加的常数是 ½·log 2π，不是 log 2π。",
                "full=True adds the constant ½ log 2π, not log 2π.",
                (lambda **a: _gaussian(a, constant=math.log(2 * math.pi)),)),
        Mistake("忽略了 full：full=True 时每一项都要加上常数 ½·log 2π。",
                "`full` is ignored: with full=True each term gains the constant ½ log 2π.",
                (option_ignored("full", False, F.gaussian_nll_loss),)),
        ignored("eps", 1e-06, F.gaussian_nll_loss),
        *reduction_mistakes(F.gaussian_nll_loss, "mean"),
    ),
)


# --- poisson_nll_loss ----------------------------------------------------------------------

def _poisson_cases() -> list[Case]:
    g = generator(22)

    def counts(rate):
        return torch.poisson(rate, generator=g)

    def log_rates(*shape, dtype=torch.float64):
        x = randn(g, *shape, dtype=dtype) + 0.5
        return {"input": x, "target": counts(x.detach().exp().double()).to(dtype)}

    def rates(*shape):
        lam = 3 * rand(g, *shape) + 0.05
        return {"input": lam, "target": counts(lam), "log_input": False}

    grad = ("input",)
    zero_rate = rates(6)
    zero_rate["input"][:3] = 0.0  # a zero rate: log(0 + eps), finite only with eps
    zero_rate["target"][:3] = torch.tensor([0.0, 1.0, 3.0], dtype=torch.float64)
    small_counts = torch.tensor([[0.0, 1.0, 2.0, 3.0], [5.0, 1.0, 0.0, 12.0]],
                                dtype=torch.float64)
    full_log = {"input": randn(g, 2, 4), "target": small_counts}
    n = int(randint(g, 5, 1)) + 4
    return [
        Case("default", log_rates(8), grad),
        Case("reduction='none'", {**log_rates(3, 4), "reduction": "none"}, grad),
        Case("reduction='sum'", {**log_rates(3, 4), "reduction": "sum"}, grad),
        Case("log_input=False", rates(8), grad),
        Case("log_input=False, input == 0", {**zero_rate, "reduction": "none"}, grad),
        Case("log_input=False, eps=0.1, 'sum'", {**rates(6), "eps": 0.1, "reduction": "sum"},
             grad),
        Case("full=True, y = 0..12, 'none'", {**full_log, "full": True, "reduction": "none"},
             grad),
        Case("full=True, log_input=False", {"input": 3 * rand(g, 2, 4) + 0.1,
                                            "target": small_counts.clone(), "log_input": False,
                                            "full": True}, grad),
        Case("float32", log_rates(6, dtype=F32), grad),
        Case(f"random ({n},), 'sum'", {**log_rates(n), "reduction": "sum"}, grad),
    ]


def _stirling(y):
    return y * torch.log(y) - y + 0.5 * torch.log(2 * math.pi * y)


def _poisson(args: dict, log_input=None, eps=None, stirling=None, sign: float = 1.0):
    """The Poisson NLL with the parts a mistake may change: how the input is read, the eps in
    log(rate + eps), and the term that ``full`` adds (a function of the counts)."""
    x, y = args["input"], args["target"]
    log_input = args.get("log_input", True) if log_input is None else log_input
    eps = args.get("eps", 1e-8) if eps is None else eps
    loss = x.exp() - y * x if log_input else x - y * torch.log(x + eps)
    if args.get("full", False):
        extra = _stirling(y).masked_fill(y <= 1, 0) if stirling is None else stirling(y)
        loss = loss + extra
    return reduce(sign * loss, args.get("reduction", "mean"))


def _full_only(variant):
    return lambda **a: variant(**a) if a.get("full", False) else None


POISSON_NLL = Exercise(
    id="poisson_nll_loss",
    signature="poisson_nll_loss(input, target, log_input=True, full=False, eps=1e-8, "
              "reduction='mean')",
    zh="泊松负对数似然：log_input=True 时 input 是 log λ，l = e^x − y·x；否则 input 是 λ，"
       "l = x − y·log(x + eps)。full=True 时对 y > 1 再加斯特林近似 y·log y − y + ½·log(2πy)。",
    en="Poisson negative log-likelihood: with log_input=True the input is log λ and "
       "l = e^x − y x; otherwise it is λ and l = x − y log(x + eps). full=True adds "
       "Stirling's approximation y log y − y + ½ log(2πy) where y > 1.",
    reference=F.poisson_nll_loss,
    make_cases=lambda: bilingual(_poisson_cases()),
    mistakes=(
        Mistake("log_input=False 时 input 就是速率 λ：l = λ − y·log(λ + eps)，不要再取指数。",
                "With log_input=False the input is the rate λ itself: l = λ − y log(λ + eps); "
                "do not exponentiate it.",
                (lambda **a: None if a.get("log_input", True) else _poisson(a, log_input=True),)),
        Mistake("log_input=True 时 input 是 log λ：l = e^x − y·x，不是 x − y·log x。",
                "With log_input=True the input is log λ: l = e^x − y x, not x − y log x.",
                (lambda **a: _poisson(a, log_input=False) if a.get("log_input", True)
                 else None,)),
        Mistake("log(λ) 里没有加 eps：λ = 0 时 log 0 = −inf。torch 算的是 log(λ + eps)。",
                "No eps inside log(λ): at λ = 0, log 0 = −inf. torch computes log(λ + eps).",
                (lambda **a: None if a.get("log_input", True) else _poisson(a, eps=0.0),)),
        Mistake("斯特林项只加在 y > 1 的目标上；y = 0 和 y = 1 时 log y! = 0，不加任何项。",
                "The Stirling term is added only where y > 1; for y = 0 and y = 1, log y! = 0 "
                "and nothing is added.",
                (_full_only(lambda **a: _poisson(a, stirling=_stirling)),
                 _full_only(lambda **a: _poisson(
                     a, stirling=lambda y: _stirling(y).masked_fill(y < 1, 0))))),
        Mistake("full=True 加的是斯特林近似，不是精确的 log y! = lgamma(y + 1)。",
                "full=True adds Stirling's approximation, not the exact log y! = "
                "lgamma(y + 1).",
                (_full_only(lambda **a: _poisson(a, stirling=lambda y: torch.lgamma(y + 1))),)),
        Mistake("忽略了 full：full=True 时要加上 log y! 的斯特林近似。",
                "`full` is ignored: with full=True, Stirling's approximation of log y! is "
                "added.", (option_ignored("full", False, F.poisson_nll_loss),)),
        ignored("eps", 1e-08, F.poisson_nll_loss),
        Mistake("符号反了：这是对数似然 y·log λ − λ，损失是它的相反数。",
                "The sign is reversed: that is the log-likelihood y log λ − λ; the loss is its "
                "negative.", (lambda **a: _poisson(a, sign=-1.0),)),
        *reduction_mistakes(F.poisson_nll_loss, "mean"),
    ),
)

EXERCISES = (GAUSSIAN_NLL, POISSON_NLL)
