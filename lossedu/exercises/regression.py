"""Exercises on the regression losses: MSE, L1, Smooth L1 and Huber. torch is the reference."""

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
    randint,
    randn,
    reduction_mistakes,
    with_,
)

GRAD = ("input", "target")


def _pair(g, *shape, dtype=torch.float64) -> dict:
    """Predictions and targets whose residuals (std ~1.8) cross every threshold used below."""
    return {"input": randn(g, *shape, dtype=dtype), "target": 1.5 * randn(g, *shape, dtype=dtype)}


def _common_cases(seed: int) -> list[Case]:
    """Every reduction, several shapes, float32, and a random shape: the same for all four."""
    g = generator(seed)
    n, d = (int(v) for v in randint(g, 5, 2) + 2)
    return [
        Case("default", _pair(g, 5), GRAD),
        Case("reduction='none'", {**_pair(g, 3, 4), "reduction": "none"}, GRAD),
        Case("reduction='sum'", {**_pair(g, 3, 4), "reduction": "sum"}, GRAD),
        Case("(2, 3, 4), 'mean'", {**_pair(g, 2, 3, 4), "reduction": "mean"}, GRAD),
        Case("float32", _pair(g, 4, 3, dtype=F32), GRAD),
        Case(f"random ({n}, {d})", {**_pair(g, n, d), "reduction": "sum"}, GRAD),
    ]


def _residual(args: dict) -> torch.Tensor:
    return args["input"] - args["target"]


def _reduction(args: dict) -> str:
    return args.get("reduction", "mean")


# --- mse_loss ------------------------------------------------------------------------------

def _rmse(**args):
    if _reduction(args) == "none":
        return None
    return F.mse_loss(**args).sqrt()


def _square_of_mean(**args):
    if _reduction(args) != "mean":
        return None
    return _residual(args).mean() ** 2


MSE = Exercise(
    id="mse_loss",
    signature="mse_loss(input, target, reduction='mean')",
    zh="均方误差：预测与目标之差的平方，再按 reduction 取平均、求和或逐个返回。",
    en="Mean squared error: the squared difference of prediction and target, averaged, "
       "summed or kept per element as `reduction` says.",
    reference=F.mse_loss,
    make_cases=lambda: bilingual(_common_cases(1)),
    mistakes=(
        Mistake("开了平方根：这是 RMSE，不是 MSE。", "A square root was taken: that is the RMSE, "
                "not the MSE.", (_rmse,)),
        Mistake("多乘了 1/2：½(x − y)² 是有些教材的写法，torch 的 MSE 没有这个系数。",
                "An extra factor 1/2: some textbooks write ½(x − y)², torch's MSE has no such "
                "factor.", (lambda **a: 0.5 * F.mse_loss(**a),)),
        Mistake("用了绝对值 |x − y|，没有平方：那是 L1 损失。",
                "|x − y| without the square: that is the L1 loss.", (F.l1_loss,)),
        Mistake("先平均残差再平方：(mean(x − y))² 里正负误差会相互抵消。",
                "The mean residual was squared: in (mean(x − y))² positive and negative errors "
                "cancel.", (_square_of_mean,)),
        *reduction_mistakes(F.mse_loss, "mean"),
    ),
)


# --- l1_loss -------------------------------------------------------------------------------

def _l1_cases() -> list[Case]:
    g = generator(2)
    ties = _pair(g, 6)
    ties["target"][::2] = ties["input"][::2]  # residual 0: L1 has a kink there
    return [*_common_cases(2), Case("input == target at some", {**ties, "reduction": "none"},
                                    GRAD, values_only=True)]


L1 = Exercise(
    id="l1_loss",
    signature="l1_loss(input, target, reduction='mean')",
    zh="平均绝对误差：预测与目标之差的绝对值，再按 reduction 汇总。",
    en="Mean absolute error: the absolute difference of prediction and target, reduced as "
       "`reduction` says.",
    reference=F.l1_loss,
    make_cases=lambda: bilingual(_l1_cases()),
    mistakes=(
        Mistake("忘了取绝对值：正负误差相互抵消了。",
                "The absolute value is missing: positive and negative errors cancel.",
                (lambda **a: reduce(_residual(a), _reduction(a)),)),
        Mistake("平方了残差：那是 MSE，不是 L1。", "The residual was squared: that is the MSE, "
                "not L1.", (F.mse_loss,)),
        *reduction_mistakes(F.l1_loss, "mean"),
    ),
)


# --- smooth_l1_loss and huber_loss ---------------------------------------------------------

def _threshold_cases(seed: int, name: str) -> list[Case]:
    g = generator(seed)
    cases = [
        Case(f"{name}=0.5", {**_pair(g, 8), name: 0.5}, GRAD),
        Case(f"{name}=2.0, 'sum'", {**_pair(g, 3, 4), "reduction": "sum", name: 2.0}, GRAD),
        Case(f"{name}=0.5, 'none'", {**_pair(g, 2, 5), "reduction": "none", name: 0.5}, GRAD),
    ]
    if name == "beta":  # beta = 0 is the L1 loss; a kink at every zero residual
        cases.append(Case("beta=0.0", {**_pair(g, 6), "beta": 0.0}, GRAD, values_only=True))
    return cases


def _huber_as_smooth_l1(**args):
    beta = args.get("beta", 1.0)
    if beta <= 0:
        return None
    return F.huber_loss(**with_({k: v for k, v in args.items() if k != "beta"}, delta=beta))


def _smooth_l1_as_huber(**args):
    delta = args.get("delta", 1.0)
    return F.smooth_l1_loss(**with_({k: v for k, v in args.items() if k != "delta"}, beta=delta))


def _unscaled_quadratic(**args):
    """0.5 r^2 below beta (no division by beta), |r| - beta/2 above: a jump at beta."""
    beta = args.get("beta", 1.0)
    r = _residual(args).abs()
    return reduce(torch.where(r < beta, 0.5 * r**2, r - 0.5 * beta), _reduction(args))


SMOOTH_L1 = Exercise(
    id="smooth_l1_loss",
    signature="smooth_l1_loss(input, target, reduction='mean', beta=1.0)",
    zh="Smooth L1 损失：|x − y| < beta 时为 0.5(x − y)²/beta，否则为 |x − y| − 0.5·beta。",
    en="Smooth L1 loss: 0.5 (x − y)² / beta where |x − y| < beta, |x − y| − 0.5 beta "
       "elsewhere.",
    reference=F.smooth_l1_loss,
    make_cases=lambda: bilingual(_common_cases(3) + _threshold_cases(3, "beta")),
    mistakes=(
        Mistake("算成了 Huber 损失：Smooth L1 的二次段要除以 beta，线性段斜率是 1；Huber 是它的 "
                "beta 倍。",
                "This is the Huber loss: Smooth L1 divides the quadratic part by beta and has "
                "slope 1 beyond it; Huber is beta times Smooth L1.", (_huber_as_smooth_l1,)),
        Mistake("忽略了 beta：结果与 beta=1 时相同。", "`beta` is ignored: the result is the one "
                "for beta=1.", (lambda **a: F.smooth_l1_loss(**with_(a, beta=1.0)),)),
        Mistake("二次段忘了除以 beta：两段在 |x − y| = beta 处接不上。",
                "The quadratic part is not divided by beta, so the two parts do not meet at "
                "|x − y| = beta.", (_unscaled_quadratic,)),
        *reduction_mistakes(F.smooth_l1_loss, "mean"),
    ),
)

HUBER = Exercise(
    id="huber_loss",
    signature="huber_loss(input, target, reduction='mean', delta=1.0)",
    zh="Huber 损失：|x − y| ≤ delta 时为 0.5(x − y)²，否则为 delta·(|x − y| − 0.5·delta)。",
    en="Huber loss: 0.5 (x − y)² where |x − y| ≤ delta, delta (|x − y| − 0.5 delta) "
       "elsewhere.",
    reference=F.huber_loss,
    make_cases=lambda: bilingual(_common_cases(4) + _threshold_cases(4, "delta")),
    mistakes=(
        Mistake("算成了 Smooth L1 损失：Huber 的二次段不除以 delta，线性段斜率是 delta。",
                "This is the Smooth L1 loss: Huber does not divide the quadratic part by "
                "delta, and its slope beyond delta is delta.", (_smooth_l1_as_huber,)),
        Mistake("忽略了 delta：结果与 delta=1 时相同。", "`delta` is ignored: the result is the "
                "one for delta=1.", (lambda **a: F.huber_loss(**with_(a, delta=1.0)),)),
        *reduction_mistakes(F.huber_loss, "mean"),
    ),
)

EXERCISES = (MSE, L1, SMOOTH_L1, HUBER)
