"""lossedu.nn beyond parity: each own-loss Module equals its function (values and gradients)
and is tied to torch where a special case is torch's loss; constructor errors, torch's
deprecated size_average / reduce refused by name and by position."""

import inspect

import pytest
import torch
import torch.nn.functional as F
from nn_cases import REDUCTIONS, C, N, class_weight, indices, rand, randn
from parity import assert_parity

import lossedu
import lossedu.nn
from lossedu.nn._base import legacy_reduction

F64 = torch.float64


def module_equals_function(module, function, *args, grad=(0,), **options):
    """``module(*args)`` equals ``function(*args, **options)``, value and gradients."""
    assert_parity(module, lambda *a: function(*a, **options), *args, grad=grad)


# --- lossedu's own losses: the Module is its function ------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("gamma", [0.0, 2.0])
@pytest.mark.parametrize("weight", [None, "C"])
@pytest.mark.parametrize("ignore_index", [-100, 1])
def test_focal_loss_module(reduction, gamma, weight, ignore_index):
    options = dict(gamma=gamma, weight=class_weight(weight, F64), ignore_index=ignore_index,
                   reduction=reduction)
    x, y = randn(N, C, dtype=F64), indices(N, seed=1)
    module_equals_function(lossedu.nn.FocalLoss(**options), lossedu.focal_loss, x, y, **options)
    if gamma == 0:  # no focusing: torch's cross-entropy
        options.pop("gamma")
        assert_parity(lossedu.nn.FocalLoss(0.0, **options), torch.nn.CrossEntropyLoss(**options),
                      x, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("alpha", [0.25, -1.0])
@pytest.mark.parametrize("gamma", [0.0, 2.0])
def test_sigmoid_focal_loss_module(reduction, alpha, gamma):
    x, y = randn(N, C, dtype=F64), rand(N, C, dtype=F64, seed=1).round()
    options = dict(alpha=alpha, gamma=gamma, reduction=reduction)
    module_equals_function(lossedu.nn.SigmoidFocalLoss(**options), lossedu.sigmoid_focal_loss,
                           x, y, **options)
    if alpha < 0 and gamma == 0:  # neither weighting nor focusing: BCE with logits
        assert_parity(lossedu.nn.SigmoidFocalLoss(**options),
                      torch.nn.BCEWithLogitsLoss(reduction=reduction), x, y)


def test_sigmoid_focal_loss_keeps_torchvisions_defaults():
    loss = lossedu.nn.SigmoidFocalLoss()
    assert (loss.alpha, loss.gamma, loss.reduction) == (0.25, 2, "none")


OVERLAP = {"DiceLoss": lossedu.dice_loss, "IoULoss": lossedu.iou_loss,
           "TverskyLoss": lossedu.tversky_loss}


@pytest.mark.parametrize("name", OVERLAP)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("activation", [None, "sigmoid", "softmax"])
@pytest.mark.parametrize("per_class", [False, True])
@pytest.mark.parametrize("batch", [False, True])
def test_overlap_loss_modules(name, reduction, activation, per_class, batch):
    x = randn(2, C, 4, 4, dtype=F64)
    x = x.sigmoid() if activation is None else x
    y = indices(2, 4, 4, seed=1)  # class indices, one-hot encoded by the loss
    options = dict(activation=activation, per_class=per_class, batch=batch, smooth=0.5,
                   reduction=reduction, include_background=activation != "softmax")
    if name == "TverskyLoss":
        options.update(alpha=0.3, beta=0.7)
    module = getattr(lossedu.nn, name)(**options)
    module_equals_function(module, OVERLAP[name], x, y, **options)


def test_tversky_module_at_one_half_is_dice_with_twice_the_smoothing():
    x, y = rand(2, 1, 4, 4, dtype=F64), rand(2, 1, 4, 4, dtype=F64, seed=1).round()
    assert_parity(lossedu.nn.TverskyLoss(0.5, 0.5, smooth=0.2), lossedu.nn.DiceLoss(0.4), x, y)


@pytest.mark.parametrize("activation", [None, "sigmoid"])
@pytest.mark.parametrize("weights", [(1.0, 1.0), (0.3, 2.0)])
def test_bce_dice_loss_module(activation, weights):
    x = randn(2, 1, 4, 4, dtype=F64)
    x = x.sigmoid() if activation is None else x
    y = rand(2, 1, 4, 4, dtype=F64, seed=1).round()
    options = dict(bce_weight=weights[0], dice_weight=weights[1], activation=activation)
    module_equals_function(lossedu.nn.BCEDiceLoss(0.1, **options), lossedu.bce_dice_loss, x, y,
                           smooth=0.1, **options)


IMAGES = dict(dtype=F64)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"win_size": 7, "sigma": 1.0, "data_range": 2.0}])
def test_ssim_loss_module(reduction, options):
    x, y = rand(2, 2, 16, 16, **IMAGES), rand(2, 2, 16, 16, **IMAGES, seed=1)
    module_equals_function(lossedu.nn.SSIMLoss(**options, reduction=reduction),
                           lossedu.ssim_loss, x, y, grad=(0, 1), **options, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ms_ssim_loss_module_is_one_minus_ms_ssim(reduction):
    options = dict(win_size=5, weights=(0.3, 0.7))
    x, y = rand(2, 1, 16, 16, **IMAGES), rand(2, 1, 16, 16, **IMAGES, seed=1)

    def one_minus_ms_ssim(a, b):
        loss = 1 - lossedu.ms_ssim(a, b, **options, reduction="none")
        return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]

    assert_parity(lossedu.nn.MSSSIMLoss(**options, reduction=reduction), one_minus_ms_ssim, x, y,
                  grad=(0, 1))


def test_ms_ssim_loss_module_defaults_are_the_functions():
    big, other = rand(1, 1, 161, 161, **IMAGES), rand(1, 1, 161, 161, **IMAGES, seed=1)
    assert lossedu.nn.MSSSIMLoss()(big, big).abs() < 1e-6
    torch.testing.assert_close(lossedu.nn.MSSSIMLoss()(big, other),
                               1 - lossedu.ms_ssim(big, other))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("temperature", [0.1, 1.0])
def test_info_nce_module(reduction, temperature):
    z1, z2 = randn(N, 5, dtype=F64), randn(N, 5, dtype=F64, seed=1)
    module_equals_function(lossedu.nn.InfoNCELoss(temperature, reduction), lossedu.info_nce,
                           z1, z2, grad=(0, 1), temperature=temperature, reduction=reduction)


def test_focal_weight_is_a_buffer_as_cross_entropys():
    focal = lossedu.nn.FocalLoss(weight=torch.ones(C))
    focal.load_state_dict(torch.nn.CrossEntropyLoss(weight=torch.arange(1.0, C + 1)).state_dict())
    assert focal.weight.tolist() == [1.0, 2.0, 3.0]


# --- torch's deprecated size_average / reduce ----------------------------------------------

LOSSES = [name for name in lossedu.nn.TORCH_MODULES
          if name not in {"Softmax", "LogSoftmax", "PairwiseDistance"}]
LEADING = {"LinearCrossEntropyLoss": (5, C)}  # its required arguments


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize(("legacy", "meant"), [({"size_average": False}, "sum"),
                                               ({"reduce": False}, "none"),
                                               ({"size_average": True, "reduce": True}, "mean")])
def test_legacy_keywords_refused_with_the_reduction_they_meant(name, legacy, meant):
    with pytest.raises(TypeError, match=f"does not take .*reduction='{meant}'"):
        getattr(lossedu.nn, name)(*LEADING.get(name, ()), **legacy)


@pytest.mark.parametrize("size_average", [None, True, False])
@pytest.mark.parametrize("reduce", [None, True, False])
def test_legacy_reduction_as_torch_reads_it(size_average, reduce):
    expected = torch.nn._reduction.legacy_get_string(size_average, reduce, emit_warning=False)
    assert legacy_reduction(size_average, reduce) == expected


def torch_positional_defaults(name):
    """A call passing every positional parameter of torch's constructor, size_average and
    reduce included, with its default."""
    parameters = list(inspect.signature(getattr(torch.nn, name)).parameters.values())
    return [p.default for p in parameters if p.kind == p.POSITIONAL_OR_KEYWORD]


@pytest.mark.parametrize("name", [n for n in LOSSES if "size_average" in
                                  inspect.signature(getattr(torch.nn, n)).parameters])
def test_an_old_positional_call_fails_saying_why(name):
    args = torch_positional_defaults(name)
    getattr(torch.nn, name)(*args)  # torch takes it
    with pytest.raises(TypeError, match=rf"`{name}` takes at most \d positional arguments, got "
                                        rf"{len(args)}: .*deprecated `size_average`"):
        getattr(lossedu.nn, name)(*args)


@pytest.mark.parametrize("call", [
    lambda nn: nn.CrossEntropyLoss(None, None),  # torch: weight, size_average
    lambda nn: nn.NLLLoss(None, True),
    lambda nn: nn.MSELoss(False),  # torch: size_average=False
    lambda nn: nn.KLDivLoss(None),
    lambda nn: nn.PoissonNLLLoss(True, False, None),
    lambda nn: nn.MultiMarginLoss(1, 1.0, None, None),
])
@pytest.mark.filterwarnings("ignore:size_average and reduce args will be deprecated")
def test_a_short_positional_call_landing_on_a_legacy_slot_fails(call):
    call(torch.nn)  # torch takes it
    with pytest.raises(TypeError, match="deprecated `size_average` / `reduce`"):
        call(lossedu.nn)


# --- constructor and forward errors ---------------------------------------------------------

@pytest.mark.parametrize(("build", "error", "message"), [
    (lambda: lossedu.nn.MSELoss(reduction="avg"), ValueError,
     r"`reduction` to be one of 'none', 'mean', 'sum', got 'avg'"),
    (lambda: lossedu.nn.MSELoss(reduction="batchmean"), ValueError, "got 'batchmean'"),
    (lambda: lossedu.nn.CrossEntropyLoss(weight=[1.0, 2.0]), TypeError,
     "`weight` to be a torch.Tensor, got list"),
    (lambda: lossedu.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([3])), TypeError,
     "`pos_weight` to be a floating-point tensor, got dtype torch.int64"),
    (lambda: lossedu.nn.CrossEntropyLoss(label_smoothing=1.5), ValueError,
     r"`label_smoothing` in \[0, 1\], got 1.5"),
    (lambda: lossedu.nn.HuberLoss(delta="1"), TypeError, "`delta` to be a number, got str"),
    (lambda: lossedu.nn.MultiMarginLoss(p=3), ValueError, "`p` to be 1 or 2, got 3"),
    (lambda: lossedu.nn.MultiMarginLoss(weight=torch.ones(2, 2)), ValueError,
     r"`weight` with one entry per class, a 1-D tensor, got 2-D shape \(2, 2\)"),
    (lambda: lossedu.nn.TripletMarginLoss(margin=0.0), ValueError, "`margin` > 0, got 0.0"),
    (lambda: lossedu.nn.TripletMarginWithDistanceLoss(margin=-1.0), ValueError,
     "`margin` > 0, got -1.0"),
    (lambda: lossedu.nn.TripletMarginWithDistanceLoss(distance_function=3), TypeError,
     "`distance_function` to be callable.* got int"),
    (lambda: lossedu.nn.LinearCrossEntropyLoss(5, C, weight=torch.ones(C + 1)), ValueError,
     r"`weight` with one entry per class, shape \(3,\), got \(4,\)"),
    (lambda: lossedu.nn.LinearCrossEntropyLoss(5, C, label_smoothing=-0.1), ValueError,
     "`label_smoothing`"),
    (lambda: lossedu.nn.InfoNCELoss(temperature=0.0), ValueError, "`temperature` > 0, got 0.0"),
    (lambda: lossedu.nn.LinearCrossEntropyLoss(5, C, weight=[1.0] * C), TypeError,
     "`weight` to be a torch.Tensor, got list"),
    (lambda: lossedu.nn.GaussianNLLLoss(True), TypeError,
     r"`GaussianNLLLoss` takes its options by keyword only, got 1 positional arguments \(True,\)"),
    (lambda: lossedu.nn.MultiMarginLoss(weight=[1.0, 2.0]), TypeError,
     "`weight` to be a torch.Tensor, got list"),
    (lambda: lossedu.nn.BCEDiceLoss(reduction="none"), TypeError,
     "`BCEDiceLoss` takes no `reduction`, got reduction='none'"),
])
def test_constructor_errors_name_the_argument(build, error, message):
    with pytest.raises(error, match=message):
        build()


@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax"])
def test_softmax_without_dim_asks_for_one(name):
    x = torch.zeros(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        getattr(torch.nn, name)()(x)  # torch guesses dim=1 and warns
    with pytest.raises(ValueError, match=rf"Expected `dim` for {name}, got None .* 2 dimensions"):
        getattr(lossedu.nn, name)()(x)


def test_forward_errors_are_the_functions():
    logits, one_hot = torch.zeros(4, 3), F.one_hot(torch.tensor([0, 1, 2, 0]), 3)
    with pytest.raises(ValueError, match=r"class indices with shape \(4,\), got \(4, 3\)"):
        lossedu.nn.CrossEntropyLoss()(logits, one_hot)
    with pytest.raises(ValueError, match="`input` has shape .* but `target` has"):
        lossedu.nn.MSELoss()(torch.zeros(4, 1), torch.zeros(4))


def test_a_module_is_no_faster_path():
    """The Modules call the readable functions, whose graph autograd builds op by op."""
    x = randn(N, C, dtype=F64).requires_grad_()
    loss = lossedu.nn.CrossEntropyLoss()(x, indices(N))
    assert "Backward" in type(loss.grad_fn).__name__
    assert not type(loss.grad_fn).__name__.startswith("_CrossEntropy")
