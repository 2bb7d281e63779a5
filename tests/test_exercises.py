"""The exercise checker: every exercise passes a right answer written from scratch and names
the mistake of at least two realistic wrong ones; the report's form; check() on bad input."""

import importlib.util
import math
from pathlib import Path

import pytest
import torch
from skimage.metrics import structural_similarity
from test_exercises_nll_margin import WRONG as WRONG_NLL_MARGIN
from wrong_training import CALLS_A_BUILT_IN, WRONG_TRAINING

import lossedu
from lossedu.exercises import EXERCISES, Report, case_args, check

SUBMISSIONS = Path(__file__).parent / "data" / "submissions"


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


solutions = _load(SUBMISSIONS / "solutions.py")


def _reduce(loss, reduction):
    return {"mean": loss.mean, "sum": loss.sum}.get(reduction, lambda: loss)()


# --- right answers -------------------------------------------------------------------------

def test_every_exercise_of_the_issue_is_listed_with_statements_in_both_languages():
    assert list(EXERCISES) == [
        "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "gaussian_nll_loss",
        "poisson_nll_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
        "binary_cross_entropy_with_logits", "kl_div", "entropy", "sigmoid_focal_loss",
        "triplet_margin_loss", "cosine_embedding_loss", "hinge_embedding_loss",
        "multi_margin_loss", "ctc_loss", "dice_loss", "ssim", "accumulate_and_clip",
        "log_softmax", "loss_at_init"]
    for exercise_id, exercise in EXERCISES.items():
        assert exercise.signature.startswith(exercise_id + "(")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in exercise.zh)  # written in Chinese
        assert exercise.en.isascii() is False or exercise.en[0].isupper()
        assert len(exercise.make_cases()) >= 6


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_a_right_answer_from_scratch_passes(exercise_id):
    report = check(exercise_id, getattr(solutions, f"my_{exercise_id}"), quiet=True)
    assert report.passed, str(report)
    assert report.score == 1.0
    assert "All cases pass" in str(report)


def test_the_ssim_answer_is_scikit_image_gaussian_ssim():
    """The ssim exercise's semantics, checked against scikit-image itself (the reference the
    lossedu implementation follows), so the right answer above is right."""
    for case in EXERCISES["ssim"].make_cases():
        a = dict(case.args)
        x, y = a.pop("img1").double().numpy(), a.pop("img2").double().numpy()
        ours = solutions.my_ssim(torch.from_numpy(x), torch.from_numpy(y), **a).item()
        theirs = [structural_similarity(
            x[n], y[n], channel_axis=0, gaussian_weights=True, sigma=1.5,
            use_sample_covariance=False, data_range=a.get("data_range", 1.0),
            K1=a.get("k1", 0.01), K2=a.get("k2", 0.03)) for n in range(len(x))]
        assert ours == pytest.approx(sum(theirs) / len(theirs), rel=1e-10), case.label


def test_a_sound_formula_that_differs_from_torch_in_rounding_still_passes():
    """No eps in the triplet distances (torch adds 1e-6 inside the norm), an eps-free cosine:
    the tolerance accepts them."""

    def triplet(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False,
                reduction="mean"):
        def d(x, y):
            return (x - y).abs().pow(p).sum(-1).pow(1 / p)
        d_an = d(anchor, negative)
        if swap:
            d_an = torch.minimum(d_an, d(positive, negative))
        return _reduce((d(anchor, positive) - d_an + margin).clamp(min=0), reduction)

    assert check("triplet_margin_loss", triplet, quiet=True).passed


# --- wrong answers: each fails, and the checker names its mistake --------------------------

def mse_rmse(input, target, reduction="mean"):
    squared = (input - target) ** 2
    return squared.mean().sqrt() if reduction == "mean" else _reduce(squared, reduction)


def mse_half(input, target, reduction="mean"):
    return _reduce(0.5 * (input - target) ** 2, reduction)


def l1_without_abs(input, target, reduction="mean"):
    return _reduce(input - target, reduction)


def l1_squared(input, target, reduction="mean"):
    return _reduce((input - target) ** 2, reduction)


def smooth_l1_as_huber(input, target, reduction="mean", beta=1.0):
    r = (input - target).abs()
    return _reduce(torch.where(r < beta, 0.5 * r**2, beta * (r - 0.5 * beta)), reduction)


def smooth_l1_beta_ignored(input, target, reduction="mean", beta=1.0):
    r = (input - target).abs()
    return _reduce(torch.where(r < 1, 0.5 * r**2, r - 0.5), reduction)


def huber_as_smooth_l1(input, target, reduction="mean", delta=1.0):
    r = (input - target).abs()
    return _reduce(torch.where(r < delta, 0.5 * r**2 / delta, r - 0.5 * delta), reduction)


def huber_delta_ignored(input, target, reduction="mean", delta=1.0):
    r = (input - target).abs()
    return _reduce(torch.where(r <= 1, 0.5 * r**2, r - 0.5), reduction)


def _with_log_softmax(log_softmax):
    """A cross-entropy that is right but for how it takes the log-softmax."""

    def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                      label_smoothing=0.0):
        log_q = log_softmax(input)
        if target.is_floating_point():
            return solutions.my_cross_entropy(input, target, weight, ignore_index, reduction,
                                              label_smoothing)
        return solutions._picked(log_q, target, weight, ignore_index, reduction,
                                 label_smoothing)

    return cross_entropy


ce_naive_softmax = _with_log_softmax(lambda x: (x.exp() / x.exp().sum(1, keepdim=True)).log())
ce_softmax_plus_eps = _with_log_softmax(lambda x: (torch.softmax(x, 1) + 1e-8).log())


def ce_weighted_mean_over_n(input, target, weight=None, ignore_index=-100, reduction="mean",
                            label_smoothing=0.0):
    loss = solutions.my_cross_entropy(input, target, weight, ignore_index, "none",
                                      label_smoothing)
    return loss.mean() if reduction == "mean" else _reduce(loss, reduction)


def ce_smoothing_over_others(input, target, weight=None, ignore_index=-100, reduction="mean",
                             label_smoothing=0.0):
    if not label_smoothing:
        return solutions.my_cross_entropy(input, target, weight, ignore_index, reduction)
    log_q = torch.log_softmax(input, 1)
    c = input.shape[1]
    q = torch.full_like(log_q, label_smoothing / (c - 1))
    q.scatter_(1, target.unsqueeze(1), 1 - label_smoothing)
    return _reduce(-(q * log_q).sum(1), reduction)


def nll_without_minus(input, target, weight=None, ignore_index=-100, reduction="mean"):
    return -solutions.my_nll_loss(input, target, weight, ignore_index, reduction)


def nll_ignored_counted(input, target, weight=None, ignore_index=-100, reduction="mean"):
    loss = solutions.my_nll_loss(input, target, weight, ignore_index, "none")
    return loss.mean() if reduction == "mean" else _reduce(loss, reduction)


def bce_unclamped(input, target, weight=None, reduction="mean"):
    loss = -(target * input.log() + (1 - target) * (1 - input).log())
    return _reduce(loss if weight is None else loss * weight, reduction)


def bce_eps(input, target, weight=None, reduction="mean"):
    p = input.clamp(1e-7, 1 - 1e-7)
    loss = -(target * p.log() + (1 - target) * (1 - p).log())
    return _reduce(loss if weight is None else loss * weight, reduction)


def bce_logits_naive(input, target, weight=None, reduction="mean", pos_weight=None):
    p = torch.sigmoid(input)
    w = 1 if pos_weight is None else pos_weight
    loss = -(w * target * p.log() + (1 - target) * (1 - p).log())
    return _reduce(loss if weight is None else loss * weight, reduction)


def bce_logits_pos_weight_on_negatives(input, target, weight=None, reduction="mean",
                                       pos_weight=None):
    w = 1 if pos_weight is None else pos_weight
    loss = -(target * torch.nn.functional.logsigmoid(input)
             + w * (1 - target) * torch.nn.functional.logsigmoid(-input))
    return _reduce(loss if weight is None else loss * weight, reduction)


def kl_batchmean_as_mean(input, target, reduction="mean", log_target=False):
    return solutions.my_kl_div(input, target, "mean" if reduction == "batchmean" else reduction,
                               log_target)


def kl_reversed(input, target, reduction="mean", log_target=False):
    log_p = target if log_target else target.log()
    loss = input.exp() * (input - log_p)
    return loss.sum() / input.size(0) if reduction == "batchmean" else _reduce(loss, reduction)


def kl_naive(input, target, reduction="mean", log_target=False):
    p = target.exp() if log_target else target
    loss = p * (p.log() - input)
    return loss.sum() / input.size(0) if reduction == "batchmean" else _reduce(loss, reduction)


def entropy_naive(p, dim=-1):
    return -(p * p.log()).sum(dim)


def entropy_bits(p, dim=-1):
    return -torch.xlogy(p, p).sum(dim) / math.log(2)


def focal_alpha_everywhere(inputs, targets, alpha=0.25, gamma=2, reduction="none"):
    p = torch.sigmoid(inputs)
    bce = torch.nn.functional.binary_cross_entropy_with_logits(inputs, targets,
                                                               reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = bce * (1 - p_t) ** gamma
    return _reduce(alpha * loss if alpha >= 0 else loss, reduction)


def focal_one_minus_p(inputs, targets, alpha=0.25, gamma=2, reduction="none"):
    p = torch.sigmoid(inputs)
    bce = torch.nn.functional.binary_cross_entropy_with_logits(inputs, targets,
                                                               reduction="none")
    loss = bce * (1 - p) ** gamma
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return _reduce(loss, reduction)


def triplet_without_hinge(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False,
                          reduction="mean"):
    d_ap = (anchor - positive).norm(p=p, dim=-1)
    d_an = (anchor - negative).norm(p=p, dim=-1)
    if swap:
        d_an = torch.minimum(d_an, (positive - negative).norm(p=p, dim=-1))
    return _reduce(d_ap - d_an + margin, reduction)


def triplet_swap_ignored(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False,
                         reduction="mean"):
    return solutions.my_triplet_margin_loss(anchor, positive, negative, margin, p, eps, False,
                                            reduction)


def cosine_no_hinge(input1, input2, target, margin=0.0, reduction="mean"):
    cos = torch.nn.functional.cosine_similarity(input1, input2, dim=-1)
    return _reduce(torch.where(target == 1, 1 - cos, cos - margin), reduction)


def cosine_margin_ignored(input1, input2, target, margin=0.0, reduction="mean"):
    return solutions.my_cosine_embedding_loss(input1, input2, target, 0.0, reduction)


def ctc_plain_mean(log_probs, targets, input_lengths, target_lengths, blank=0,
                   reduction="mean", zero_infinity=False):
    losses = solutions.my_ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                                   "none", zero_infinity)
    return losses.mean() if reduction == "mean" else _reduce(losses, reduction)


def ctc_zero_infinity_ignored(log_probs, targets, input_lengths, target_lengths, blank=0,
                              reduction="mean", zero_infinity=False):
    return solutions.my_ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                                 reduction, False)


def dice_over_the_batch(input, target, smooth=1e-6):
    return 1 - (2 * (input * target).sum() + smooth) / (input.sum() + target.sum() + smooth)


def dice_smooth_below_only(input, target, smooth=1e-6):
    dims = tuple(range(1, input.dim()))
    dice = 2 * (input * target).sum(dims) / (input.sum(dims) + target.sum(dims) + smooth)
    return 1 - dice.mean()


def ssim_as_loss(img1, img2, data_range=1.0, win_size=11, sigma=1.5, k1=0.01, k2=0.03,
                 reduction="mean"):
    return 1 - solutions.my_ssim(img1, img2, data_range, win_size, sigma, k1, k2, reduction)


def ssim_range_ignored(img1, img2, data_range=1.0, win_size=11, sigma=1.5, k1=0.01, k2=0.03,
                       reduction="mean"):
    return solutions.my_ssim(img1, img2, 1.0, win_size, sigma, k1, k2, reduction)


WRONG = [
    ("mse_loss", mse_rmse, "RMSE"),
    ("mse_loss", mse_half, "extra factor 1/2"),
    ("l1_loss", l1_without_abs, "absolute value is missing"),
    ("l1_loss", l1_squared, "that is the MSE"),
    ("smooth_l1_loss", smooth_l1_as_huber, "This is the Huber loss"),
    ("smooth_l1_loss", smooth_l1_beta_ignored, "`beta` is ignored"),
    ("huber_loss", huber_as_smooth_l1, "This is the Smooth L1 loss"),
    ("huber_loss", huber_delta_ignored, "`delta` is ignored"),
    ("cross_entropy", ce_naive_softmax, "naive softmax overflows"),
    ("cross_entropy", ce_softmax_plus_eps, "softmax first, log after"),
    ("cross_entropy", ce_weighted_mean_over_n, "weighted mean was divided by N"),
    ("cross_entropy", ce_smoothing_over_others, "ε/(C−1)"),
    ("nll_loss", nll_without_minus, "minus sign is missing"),
    ("nll_loss", nll_ignored_counted, "Ignored targets still count"),
    ("binary_cross_entropy", bce_unclamped, "log is not clamped"),
    ("binary_cross_entropy", bce_eps, "p was clamped"),
    ("binary_cross_entropy_with_logits", bce_logits_naive, "naive log(sigmoid(x))"),
    ("binary_cross_entropy_with_logits", bce_logits_pos_weight_on_negatives,
     "pos_weight is in the wrong place"),
    ("kl_div", kl_batchmean_as_mean, "'batchmean' computed as 'mean'"),
    ("kl_div", kl_reversed, "direction is reversed"),
    ("kl_div", kl_naive, "0·log 0 gave nan"),
    ("entropy", entropy_naive, "0·log 0 gave nan"),
    ("entropy", entropy_bits, "Base-2 logarithms"),
    ("sigmoid_focal_loss", focal_alpha_everywhere, "Every term is multiplied by α"),
    ("sigmoid_focal_loss", focal_one_minus_p, "(1 − p)^γ"),
    ("triplet_margin_loss", triplet_without_hinge, "hinge is missing"),
    ("triplet_margin_loss", triplet_swap_ignored, "`swap` is ignored"),
    ("cosine_embedding_loss", cosine_no_hinge, "hinge is missing for negative pairs"),
    ("cosine_embedding_loss", cosine_margin_ignored, "`margin` is ignored"),
    ("ctc_loss", ctc_plain_mean, "'mean' averaged over the batch directly"),
    ("ctc_loss", ctc_zero_infinity_ignored, "`zero_infinity` is ignored"),
    ("dice_loss", dice_over_the_batch, "One Dice over the whole batch"),
    ("dice_loss", dice_smooth_below_only, "only in the denominator"),
    ("ssim", ssim_as_loss, "1 − SSIM, the loss"),
    ("ssim", ssim_range_ignored, "`data_range` is ignored"),
    *WRONG_NLL_MARGIN,  # tests/test_exercises_nll_margin.py
    *WRONG_TRAINING,
]


@pytest.mark.parametrize(("exercise_id", "fn", "hint"), WRONG,
                         ids=[f"{e}-{f.__name__}" for e, f, _ in WRONG])
def test_a_wrong_answer_fails_with_the_hint_for_its_mistake(exercise_id, fn, hint):
    report = check(exercise_id, fn, quiet=True)
    assert not report.passed
    assert report.score < 1
    hints = [case.hint[1] for case in report.cases if not case.passed and case.hint]
    assert any(hint in h for h in hints), str(report)
    named = next(m for m in EXERCISES[exercise_id].mistakes if hint in m.en)
    assert named.en in str(report) and named.zh in str(report)  # in both languages


@pytest.mark.parametrize(("exercise_id", "fn", "name"), CALLS_A_BUILT_IN,
                         ids=[f"{e}-{f.__name__}" for e, f, _ in CALLS_A_BUILT_IN])
def test_an_answer_that_calls_what_it_should_write_does_not_pass(exercise_id, fn, name):
    report = check(exercise_id, fn, quiet=True)
    assert report.score == 0 and all(case.status == "builtin" for case in report.cases)
    assert name in str(report)


def test_the_report_says_what_was_compared():
    """Values and gradients where the cases compare gradients; values alone where none does."""
    both = str(check("mse_loss", solutions.my_mse_loss, quiet=True))
    assert "values and gradients match" in both
    for exercise_id in ("accumulate_and_clip", "loss_at_init"):
        assert not any(case.compares_gradients for case in EXERCISES[exercise_id].make_cases())
        report = str(check(exercise_id, getattr(solutions, f"my_{exercise_id}"), quiet=True))
        assert "values match the reference (this exercise compares values only" in report
        assert "只比较数值，不比较梯度" in report and "gradients match" not in report


def test_a_case_label_with_words_is_shown_in_both_languages():
    report = check("log_softmax", solutions.my_log_softmax, quiet=True)
    assert "两行相差 1000 · rows 1000 apart" in str(report)
    assert ("<span class='lang-zh'>两行相差 1000</span><span class='lang-sep'> · </span>"
            "<span class='lang-en'>rows 1000 apart</span>") in report._repr_html_()
    assert "<code>(3, 5), dim=1</code>" in report._repr_html_()  # a label without words
    assert report.to_dict()["cases"][6]["label_zh"] == "两行相差 1000"


def test_every_exercise_has_at_least_two_wrong_answers_tested():
    tested = [exercise_id for exercise_id, _, _ in WRONG]
    assert all(tested.count(exercise_id) >= 2 for exercise_id in EXERCISES)


# --- the report ----------------------------------------------------------------------------

def my_mse(input, target, reduction="mean"):
    ...


STUB_REPORT = "mse_loss：尚未作答 · not attempted yet"


def test_a_stub_gets_a_stable_helpful_report(capsys):
    report = lossedu.check("mse_loss", my_mse)
    printed = capsys.readouterr().out
    assert printed == STUB_REPORT + "\n"
    assert str(check("mse_loss", my_mse, quiet=True)) == STUB_REPORT  # the same every time
    assert (report.passed, report.score) == (False, 0.0)
    assert repr(report) == "<Report mse_loss: 0/6 passed>"


def test_a_bare_not_implemented_stub_is_named_once_and_gets_its_hint():
    def stub(input, target, reduction="mean"):
        raise NotImplementedError

    first = check("mse_loss", stub, quiet=True).cases[0]
    assert first.short == ("抛出 NotImplementedError", "raised NotImplementedError")
    assert not any(en.startswith("NotImplementedError") for _, en in first.details)  # no ": "
    assert first.hint == ("函数还没有写完。", "The function is not written yet.")


def test_the_html_table_has_a_row_per_case_marks_each_language_and_escapes_what_came_back():
    def raises(input, target, reduction="mean"):
        raise RecursionError("<b>not bold</b>")

    report = check("mse_loss", raises, quiet=True)
    page = report._repr_html_()
    assert page.count("<tr>") == 1 + len(report.cases)
    assert "&lt;b&gt;not bold&lt;/b&gt;" in page and "<b>not bold</b>" not in page
    head = "<span class='lang-zh'>结果</span><span class='lang-sep'> · </span>"
    assert head + "<span class='lang-en'>result</span>" in page
    hint_zh, hint_en = report.cases[0].hint
    assert f"<div class='lang-zh'>提示：{hint_zh}</div>" in page
    assert f"<div class='lang-en'>Hint: {hint_en}</div>" in page


def test_the_report_as_a_dict_is_plain_data():
    report = check("cross_entropy", ce_naive_softmax, quiet=True)
    data = report.to_dict()
    assert data["exercise"] == "cross_entropy" and data["passed"] is False
    assert 0 < data["score"] < 1
    failing = [c for c in data["cases"] if not c["passed"]]
    assert failing[0]["status"] == "nan" and failing[0]["got"] == "out = nan"
    assert isinstance(failing[0]["hint"], list) and len(failing[0]["hint"]) == 2


def test_a_wrong_value_shows_the_first_element_that_differs():
    report = check("l1_loss", l1_squared, quiet=True)
    case = next(c for c in report.cases if c.label == "reduction='none'")
    assert case.status == "value"
    assert case.expected.startswith("out[0, 0] = ") and case.got.startswith("out[0, 0] = ")


def test_case_args_repeats_a_case_with_fresh_copies():
    first, again = case_args("cross_entropy", 4), case_args("cross_entropy", 4)
    assert first["input"].abs().max() == 1e4  # the ±1e4 logits case
    assert first["input"] is not again["input"] and torch.equal(first["input"], again["input"])
    assert torch.isfinite(solutions.my_cross_entropy(**first))


# --- check() never raises ------------------------------------------------------------------

def test_an_unknown_exercise_gets_a_report_that_suggests_the_closest():
    report = check("mse", solutions.my_mse_loss, quiet=True)
    assert isinstance(report, Report) and not report.passed and report.score == 0
    assert "Did you mean 'mse_loss'?" in str(report)
    assert "No exercise is named 'mse'" in str(report)


def test_something_not_callable_gets_a_report():
    report = check("mse_loss", 3.0, quiet=True)
    assert not report.passed and "Expected a function to check, got a float" in str(report)
