"""lossedu.nn against torch.nn: every Module torch has, over its options, values and gradients
in float64 and float32 (LinearCrossEntropyLoss with its parameters' gradients too), state_dict
loaded both ways, repr and constructor signatures."""

import inspect

import pytest
import torch
from nn_cases import CASES, REDUCTIONS, C, N, class_weight, constructor, indices, randn
from parity import TOLERANCE, assert_parity

import lossedu.nn

DTYPES = pytest.mark.parametrize("dtype", [torch.float64, torch.float32],
                                 ids=["float64", "float32"])
LEGACY = {"size_average", "reduce"}


def both(name, *args, **kwargs):
    """lossedu's Module and torch's, built with the same arguments."""
    return getattr(lossedu.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)


@DTYPES
@pytest.mark.parametrize(("name", "options", "build", "data"), CASES)
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss:UserWarning")
def test_matches_torch(name, options, build, data, dtype):
    ours, theirs = both(name, **constructor(options, dtype))
    args, grad = build(dtype, **data)
    if options.get("ignore_index", -100) != -100 and data.get("target") == "probs":
        with pytest.raises(RuntimeError, match="ignore_index is not supported"):
            theirs(*args)
        with pytest.raises(ValueError, match="Expected `ignore_index` -100 .* got 1"):
            ours(*args)
        return
    if name == "CTCLoss":  # torch's CTC gradient is the one through a log_softmax: take that
        ours, theirs = through_log_softmax(ours), through_log_softmax(theirs)
    assert_parity(ours, theirs, *args, grad=grad)


def through_log_softmax(ctc):
    return lambda logits, *lengths: ctc(logits.log_softmax(2), *lengths)


def test_every_torch_module_has_cases():
    tested = {case.values[0] for case in CASES} | {"LinearCrossEntropyLoss"}
    assert tested == set(lossedu.nn.TORCH_MODULES)
    torch_losses = {name for name in torch.nn.modules.loss.__all__ if name != "NLLLoss2d"}
    assert torch_losses <= set(lossedu.nn.TORCH_MODULES)


# --- LinearCrossEntropyLoss: its own parameters -------------------------------------------


def forward_backward(module, x, y):
    """The loss, d loss / d input and d loss / d parameters (in the order of parameters())."""
    x = x.detach().clone().requires_grad_()
    loss = module(x, y)
    grads = torch.autograd.grad(loss.sum(), [x, *module.parameters()])
    return loss, grads


@DTYPES
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("weight", [None, "C"])
@pytest.mark.parametrize("ignore_index", [None, 1])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("out_features", [(), (2,)], ids=["flat", "out2"])
def test_linear_cross_entropy_matches_torch(dtype, reduction, bias, weight, ignore_index,
                                            label_smoothing, out_features):
    options = dict(out_features=out_features, bias=bias, dtype=dtype, reduction=reduction,
                   weight=class_weight(weight, dtype), ignore_index=ignore_index,
                   label_smoothing=label_smoothing)
    torch.manual_seed(0)
    theirs = torch.nn.LinearCrossEntropyLoss(5, C, **options)
    torch.manual_seed(0)
    ours = lossedu.nn.LinearCrossEntropyLoss(5, C, **options)
    for mine, torchs in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert torch.equal(mine, torchs)  # built in torch's order: the same initial values
    x, y = randn(N, 5, dtype=dtype), indices(N, *out_features, seed=1)
    (our_loss, our_grads), (their_loss, their_grads) = (forward_backward(m, x, y)
                                                        for m in (ours, theirs))
    torch.testing.assert_close(our_loss, their_loss, **TOLERANCE[dtype])
    for mine, torchs in zip(our_grads, their_grads, strict=True):
        torch.testing.assert_close(mine, torchs, **TOLERANCE[dtype])


@pytest.mark.parametrize("chunk", [1, 3])
def test_linear_cross_entropy_chunked_matches_torch(chunk):
    options = torch.nn.LinearCrossEntropyOptions(batch_chunk_size=chunk)
    theirs = torch.nn.LinearCrossEntropyLoss(5, C, bias=True, options=options,
                                             dtype=torch.float64)
    ours = lossedu.nn.LinearCrossEntropyLoss(5, C, bias=True, options=options,
                                             dtype=torch.float64)
    ours.load_state_dict(theirs.state_dict())
    x, y = randn(N, 5, dtype=torch.float64), indices(N, seed=1)
    (our_loss, our_grads), (their_loss, their_grads) = (forward_backward(m, x, y)
                                                        for m in (ours, theirs))
    torch.testing.assert_close(our_loss, their_loss)
    for mine, torchs in zip(our_grads, their_grads, strict=True):
        torch.testing.assert_close(mine, torchs)


# --- state_dict, repr, signatures ---------------------------------------------------------

BUFFERS = {
    "NLLLoss": ["weight"],
    "CrossEntropyLoss": ["weight"],
    "BCELoss": ["weight"],
    "BCEWithLogitsLoss": ["weight", "pos_weight"],
    "MultiLabelSoftMarginLoss": ["weight"],
    "MultiMarginLoss": ["weight"],
}


def weights(names, seed):
    return {name: randn(C, dtype=torch.float32, seed=seed).abs() + 0.1 for name in names}


@pytest.mark.parametrize("name", BUFFERS)
def test_state_dict_loads_both_ways(name):
    keys = BUFFERS[name]
    trained = getattr(torch.nn, name)(**weights(keys, seed=1))
    ours = getattr(lossedu.nn, name)(**weights(keys, seed=2))
    ours.load_state_dict(trained.state_dict())
    assert list(ours.state_dict()) == keys == list(trained.state_dict())
    for key in keys:
        assert torch.equal(getattr(ours, key), getattr(trained, key))
    back = getattr(torch.nn, name)(**weights(keys, seed=3))
    back.load_state_dict(ours.state_dict())
    for key in keys:
        assert torch.equal(getattr(back, key), getattr(trained, key))
    # the buffers follow .to() as torch's do
    assert all(b.dtype == torch.float64 for b in ours.to(torch.float64).buffers())


@pytest.mark.parametrize("name", BUFFERS)
def test_unweighted_state_dict_is_empty_and_refuses_weights_as_torch(name):
    ours, theirs = both(name)
    assert ours.state_dict() == theirs.state_dict() == {}
    weighted = getattr(torch.nn, name)(**weights(BUFFERS[name], seed=1)).state_dict()
    for module in (ours, theirs):  # an unweighted loss has no buffer to load a weight into
        with pytest.raises(RuntimeError, match="Unexpected key"):
            module.load_state_dict(weighted)


def test_linear_cross_entropy_state_dict_loads_both_ways():
    options = dict(bias=True, out_features=(2,), weight=torch.ones(C))
    theirs = torch.nn.LinearCrossEntropyLoss(5, C, **options)
    ours = lossedu.nn.LinearCrossEntropyLoss(5, C, **options)
    ours.load_state_dict(theirs.state_dict())
    assert list(ours.state_dict()) == ["weight", "linear.weight", "linear.bias"]
    back = torch.nn.LinearCrossEntropyLoss(5, C, **options)
    back.load_state_dict(ours.state_dict())
    for key, value in theirs.state_dict().items():
        assert torch.equal(back.state_dict()[key], value)


REPR_CASES = [
    *((name, {}) for name in lossedu.nn.TORCH_MODULES
      if name not in {"LinearCrossEntropyLoss", "Softmax", "LogSoftmax"}),
    ("CrossEntropyLoss", {"weight": torch.ones(C), "label_smoothing": 0.1}),
    ("BCEWithLogitsLoss", {"pos_weight": torch.ones(C)}),
    ("TripletMarginWithDistanceLoss", {"distance_function": torch.nn.PairwiseDistance(p=1)}),
    ("Softmax", {"dim": 1}),
    ("Softmax", {}),
    ("LogSoftmax", {"dim": -1}),
]


@pytest.mark.parametrize(("name", "options"), REPR_CASES)
def test_repr_as_torch(name, options):
    ours, theirs = both(name, **options)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("options", [{}, {"bias": True, "out_features": (2, 3),
                                          "reduction": "sum", "label_smoothing": 0.1}])
def test_linear_cross_entropy_repr_as_torch(options):
    ours, theirs = both("LinearCrossEntropyLoss", 5, C, **options)
    assert repr(ours) == repr(theirs)


def parameters(function, drop=()):
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()
            if p.name not in drop]


@pytest.mark.parametrize("name", lossedu.nn.TORCH_MODULES)
def test_signatures_as_torch_without_the_deprecated(name):
    ours, theirs = getattr(lossedu.nn, name), getattr(torch.nn, name)
    assert parameters(ours.__init__) == parameters(theirs.__init__, drop=LEGACY)
    assert [p[0] for p in parameters(ours.forward)] == [p[0] for p in parameters(theirs.forward)]
