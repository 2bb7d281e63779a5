"""The cases on which each lossedu.nn Module is compared with torch.nn's: for every Module, a
grid of constructor options and of data (shapes, target kinds), and a builder of the forward
arguments for a dtype."""

import itertools

import pytest
import torch
import torch.nn.functional as F

N, C = 4, 3  # batch, classes
REDUCTIONS = ["none", "mean", "sum"]


def randn(*shape, dtype, seed=0):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed),
                       dtype=torch.float64).to(dtype)


def rand(*shape, dtype, seed=0):
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed),
                      dtype=torch.float64).to(dtype)


def indices(*shape, high=C, seed=0):
    return torch.randint(0, high, shape, generator=torch.Generator().manual_seed(seed))


def signs(*shape, dtype, seed=0):
    return torch.where(rand(*shape, dtype=dtype, seed=seed) > 0.5, 1.0, -1.0).to(dtype)


def class_weight(name, dtype):
    """The constructor tensors by name: ``'C'`` one weight per class, ``'NC'`` one per element
    of an (N, C) input."""
    if name is None:
        return None
    return {"C": rand(C, dtype=dtype, seed=7) + 0.5,
            "NC": rand(N, C, dtype=dtype, seed=8) + 0.5}[name]


# --- forward arguments: (args, positions to differentiate) -------------------------------


def pair(dtype, shape=(N, C)):
    return (randn(*shape, dtype=dtype), randn(*shape, dtype=dtype, seed=1)), (0, 1)


def gaussian(dtype, var="same"):
    var = {"same": rand(N, C, dtype=dtype, seed=2) + 0.1, "column": rand(N, 1, dtype=dtype) + 0.1,
           "float": 0.7}[var]
    (x, y), _ = pair(dtype)
    return (x, y, var), (0, 1, 2) if isinstance(var, torch.Tensor) else (0, 1)


def poisson(dtype):
    x = rand(N, C, dtype=dtype) + 0.2  # a rate, or a log-rate, for log_input either way
    return (x, indices(N, C, high=5).to(dtype)), (0,)


def kl(dtype, log_target=False):
    target = randn(N, C, dtype=dtype, seed=1).log_softmax(1)
    return (randn(N, C, dtype=dtype).log_softmax(1),
            target if log_target else target.exp()), (0, 1)


def classes(dtype, shape="NC", target="index", log=False):
    """Logits (or log-probabilities) of shape (C), (N, C) or (N, C, 2, 2) and class indices
    (one of them 1, the ignore_index tried) or probabilities."""
    full = {"C": (C,), "NC": (N, C), "NCHW": (N, C, 2, 2)}[shape]
    x = randn(*full, dtype=dtype)
    x = x.log_softmax(0 if shape == "C" else 1) if log else x
    index_shape = full[:1] + full[2:] if shape != "C" else ()
    y = (randn(*full, dtype=dtype, seed=1).softmax(0 if shape == "C" else 1) if target == "probs"
         else indices(*index_shape, seed=1))
    return (x, y), (0,)


def binary(dtype, logits=False):
    x = randn(N, C, dtype=dtype)
    return (x if logits else x.sigmoid(), rand(N, C, dtype=dtype, seed=1).round()), (0,)


def labelled(dtype, shape=(N, C)):
    """Scores and ±1 labels of one shape."""
    return (randn(*shape, dtype=dtype), signs(*shape, dtype=dtype, seed=1)), (0,)


def multilabel_indices(dtype, unbatched=False):
    """Scores and class-index targets padded with -1 (the first -1 ends a row's labels)."""
    y = torch.tensor([[2, 0, -1], [1, -1, 0], [-1, 1, 2], [0, 1, 2]])
    x = randn(N, C, dtype=dtype)
    return ((x[0], y[0]) if unbatched else (x, y)), (0,)


def multi_class(dtype, unbatched=False):
    x, y = randn(N, C, dtype=dtype), indices(N, seed=1)
    return ((x[0], y[0]) if unbatched else (x, y)), (0,)


def embeddings(dtype, unbatched=False):
    x1, x2 = randn(N, 5, dtype=dtype), randn(N, 5, dtype=dtype, seed=1)
    y = signs(N, dtype=dtype, seed=2)
    return ((x1[0], x2[0], y[0]) if unbatched else (x1, x2, y)), (0, 1)


def ranking(dtype):
    return (randn(N, dtype=dtype), randn(N, dtype=dtype, seed=1),
            signs(N, dtype=dtype, seed=2)), (0, 1)


def triplets(dtype, unbatched=False):
    a, p, n = (randn(N, 5, dtype=dtype, seed=s) for s in range(3))
    return ((a[0], p[0], n[0]) if unbatched else (a, p, n)), (0, 1, 2)


def ctc(dtype, feasible=True):
    """Logits (T, N, C) = (6, 2, 4) (the test takes their log_softmax), padded targets with
    neither blank tried (0 or 3), lengths; with ``feasible=False`` the second target is longer
    than its input."""
    targets = torch.tensor([[1, 2, 2], [2, 1, 1]])
    input_lengths = torch.tensor([6, 5 if feasible else 2])
    return (randn(6, 2, 4, dtype=dtype), targets, input_lengths, torch.tensor([3, 2])), (0,)


def logits(dtype, shape=(N, C)):
    return (randn(*shape, dtype=dtype),), (0,)


# --- the grids ---------------------------------------------------------------------------


def _label(value) -> str:
    """A test id's word for an option: shapes as 4x3 (``scalar`` for ())."""
    if isinstance(value, tuple):
        return "x".join(map(str, value)) or "scalar"
    return str(value)


def grid(name, build, options=None, data=None):
    """One pytest.param per combination of constructor ``options`` and ``data`` options."""
    options, data = options or {}, data or {}
    keys = [*options, *data]
    for values in itertools.product(*options.values(), *data.values()):
        chosen = dict(zip(keys, values, strict=True))
        ctor = {k: chosen[k] for k in options}
        inputs = {k: chosen[k] for k in data}
        label = "-".join(f"{k}={_label(v)}" for k, v in chosen.items())
        yield pytest.param(name, ctor, build, inputs, id=f"{name}-{label}" if label else name)


R = {"reduction": REDUCTIONS}
SHAPES = [(N, C), (2, 3, 2), ()]
CASES = [
    *grid("L1Loss", pair, R, {"shape": SHAPES}),
    *grid("MSELoss", pair, R, {"shape": SHAPES}),
    *grid("SmoothL1Loss", pair, {**R, "beta": [1.0, 0.5, 0.0]}),
    *grid("HuberLoss", pair, {**R, "delta": [1.0, 0.3]}),
    *grid("GaussianNLLLoss", gaussian, {**R, "full": [False, True]},
          {"var": ["same", "column", "float"]}),
    *grid("PoissonNLLLoss", poisson, {**R, "full": [False, True], "log_input": [True, False]}),
    *grid("KLDivLoss", kl, {"reduction": [*REDUCTIONS, "batchmean"], "log_target": [False, True]}),
    *grid("NLLLoss", lambda dtype, **o: classes(dtype, log=True, **o),
          {**R, "weight": [None, "C"], "ignore_index": [-100, 1]}, {"shape": ["C", "NC", "NCHW"]}),
    *grid("CrossEntropyLoss", classes,
          {**R, "weight": [None, "C"], "ignore_index": [-100, 1], "label_smoothing": [0.0, 0.2]},
          {"shape": ["C", "NC", "NCHW"], "target": ["index", "probs"]}),
    *grid("BCELoss", binary, {**R, "weight": [None, "C", "NC"]}),
    *grid("BCEWithLogitsLoss", lambda dtype: binary(dtype, logits=True),
          {**R, "weight": [None, "C", "NC"], "pos_weight": [None, "C"]}),
    *grid("HingeEmbeddingLoss", labelled, {**R, "margin": [1.0, 0.5]}, {"shape": [(N, C), ()]}),
    *grid("MultiLabelMarginLoss", multilabel_indices, R, {"unbatched": [False, True]}),
    *grid("SoftMarginLoss", labelled, R, {"shape": [(N, C), (N,)]}),
    *grid("MultiLabelSoftMarginLoss", binary, {**R, "weight": [None, "C"]}),
    *grid("CosineEmbeddingLoss", embeddings, {**R, "margin": [0.0, 0.3]},
          {"unbatched": [False, True]}),
    *grid("MarginRankingLoss", ranking, {**R, "margin": [0.0, 0.5]}),
    *grid("MultiMarginLoss", multi_class,
          {**R, "p": [1, 2], "margin": [1.0, 0.5], "weight": [None, "C"]},
          {"unbatched": [False, True]}),
    *grid("TripletMarginLoss", triplets,
          {**R, "margin": [1.0, 0.5], "p": [2.0, 1.0], "swap": [False, True]},
          {"unbatched": [False, True]}),
    *grid("TripletMarginWithDistanceLoss", triplets,
          {**R, "distance_function": [None, "cosine"], "margin": [1.0, 0.5],
           "swap": [False, True]}),
    *grid("CTCLoss", ctc, {**R, "zero_infinity": [False, True], "blank": [0, 3]}),
    *grid("CTCLoss", ctc, {**R, "zero_infinity": [True]}, {"feasible": [False]}),
    *grid("Softmax", logits, {"dim": [0, 1, -1]}, {"shape": [(N, C), (2, 3, 2)]}),
    *grid("LogSoftmax", logits, {"dim": [0, 1, -1]}, {"shape": [(N, C), (2, 3, 2)]}),
    *grid("PairwiseDistance", lambda dtype: pair(dtype, (N, 5)),
          {"p": [2.0, 1.0, 3.0], "eps": [1e-6, 0.0], "keepdim": [False, True]}),
]


def cosine_distance(x, y):
    return 1 - F.cosine_similarity(x, y, dim=-1)


def constructor(options, dtype):
    """The constructor keywords of a case, with named weights and distances made real."""
    made = dict(options)
    for key in ("weight", "pos_weight"):
        if key in made:
            made[key] = class_weight(made[key], dtype)
    if made.get("distance_function") == "cosine":
        made["distance_function"] = cosine_distance
    return made
