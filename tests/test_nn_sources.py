"""The loss Module usages of the course's five source documents, written again here: each
runs once with ``torch.nn`` and once with ``lossedu.nn`` in its place, unchanged; the results
(and gradients, where the usage trains) agree, and the numbers the documents print come out."""

import pytest
import torch
import torch.nn.functional as F

import lossedu.nn

BOTH = pytest.mark.parametrize("nn", [torch.nn, lossedu.nn], ids=["torch", "lossedu"])


def agree(usage, tolerance=None):
    """``usage(nn)`` with torch.nn and with lossedu.nn: the same tensors, in the same order."""
    theirs, ours = usage(torch.nn), usage(lossedu.nn)
    assert len(ours) == len(theirs)
    for mine, torchs in zip(ours, theirs, strict=True):
        torch.testing.assert_close(mine, torchs, **(tolerance or {}))
    return ours


def printed(tensor) -> list:
    """Values as the documents print them, to 4 decimals."""
    return torch.as_tensor(tensor).detach().double().round(decimals=4).flatten().tolist()


# --- regression: MSE, L1, smooth L1 ---------------------------------------------------------


def small_regression(nn):
    """Predictions [1, 2, 3] against [2, 2, 4], by class imported from the namespace."""
    MSELoss, L1Loss, SmoothL1Loss = nn.MSELoss, nn.L1Loss, nn.SmoothL1Loss
    x = torch.tensor([1, 2, 3], dtype=torch.float32)
    y = torch.tensor([2, 2, 4], dtype=torch.float32)
    return (MSELoss()(x, y), MSELoss(reduction="sum")(x, y), MSELoss(reduction="none")(x, y),
            L1Loss()(x, y), SmoothL1Loss()(x, y))


def test_mse_l1_smooth_l1_by_class_name():
    values = agree(small_regression)
    assert [printed(v) for v in values] == [[0.6667], [2.0], [1.0, 0.0, 1.0], [0.6667],
                                            [0.3333]]


def test_the_deprecated_arguments_say_what_they_meant():
    """One document builds MSELoss(size_average=False, reduce=False, reduction='sum') and gets
    one loss per element: torch lets ``reduce=False`` override ``reduction``."""
    x, y = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 2.0, 4.0])
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        old = torch.nn.MSELoss(size_average=False, reduce=False, reduction="sum")(x, y)
    with pytest.raises(TypeError, match="reduction='none'"):
        lossedu.nn.MSELoss(size_average=False, reduce=False, reduction="sum")
    assert torch.equal(lossedu.nn.MSELoss(reduction="none")(x, y), old)


def integer_targets(nn):
    """Float predictions against integer targets [1, 2, 5]: the dtypes promote."""
    x, y = torch.tensor([1.0, 2, 3]), torch.tensor([1, 2, 5])
    return nn.L1Loss()(x, y), nn.MSELoss()(x, y)


def test_l1_and_mse_with_integer_targets():
    assert [printed(v) for v in agree(integer_targets)] == [[0.6667], [1.3333]]


def half_apart(nn):
    pred, target = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.5, 2.5, 3.5])
    return (*(nn.MSELoss(reduction=r)(pred, target) for r in ("mean", "sum", "none")),
            nn.L1Loss()(pred, target), nn.SmoothL1Loss()(pred, target))


def test_mse_reductions_and_l1_on_a_constant_gap():
    values = agree(half_apart)
    assert [printed(v) for v in values] == [[0.25], [0.75], [0.25] * 3, [0.5], [0.125]]


def linear_regression_step(nn):
    """A 10 -> 1 linear model, MSE against (4, 1) labels, one SGD step."""
    torch.manual_seed(0)
    model = nn.Linear(10, 1)
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    inputs, labels = torch.randn(4, 10), torch.randn(4, 1)
    loss = criterion(model(inputs), labels)
    optimizer.zero_grad()
    loss.backward()
    grads = [p.grad.clone() for p in model.parameters()]
    optimizer.step()
    return loss, *grads, *model.parameters()


def test_a_training_step_with_mse():
    agree(linear_regression_step)


# --- cross-entropy, NLL ---------------------------------------------------------------------


def one_sample(nn):
    """One row of three logits, class 1."""
    loss = nn.CrossEntropyLoss()
    return (loss(torch.tensor([0.5, 0.2, 0.3]).reshape(1, 3), torch.tensor([1])),
            loss(torch.tensor([0.1, 0.2, 0.3]).reshape(1, -1), torch.tensor([1])))


def test_cross_entropy_of_one_sample():
    assert [printed(v) for v in agree(one_sample)] == [[1.2398], [1.1019]]


THREE = torch.tensor([[1, 2], [1, 3], [1, 3]], dtype=torch.float)
LABELS = torch.tensor([0, 1, 1], dtype=torch.long)


def three_samples(nn, weight=None):
    return tuple(nn.CrossEntropyLoss(weight=weight, reduction=r)(THREE, LABELS)
                 for r in ("none", "sum", "mean"))


def test_cross_entropy_reductions_and_class_weights():
    assert [printed(v) for v in agree(three_samples)] == [[1.3133, 0.1269, 0.1269], [1.5671],
                                                          [0.5224]]
    weighted = agree(lambda nn: three_samples(nn, torch.tensor([1, 2], dtype=torch.float)))
    # 'mean' with weights divides by the targets' weights, 1 + 2 + 2 = 5
    assert [printed(v) for v in weighted] == [[1.3133, 0.2539, 0.2539], [1.821], [0.3642]]


def nll_picks_and_negates(nn):
    weight = torch.tensor([1, 1], dtype=torch.float)
    return tuple(nn.NLLLoss(weight=weight, reduction=r)(THREE, LABELS)
                 for r in ("none", "sum", "mean"))


def test_nll_only_picks_and_negates():
    assert [printed(v) for v in agree(nll_picks_and_negates)] == [[-1.0, -3.0, -3.0], [-7.0],
                                                                  [-2.3333]]


def cross_entropy_options(nn):
    pred, target = torch.tensor([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]), torch.tensor([2, 0])
    return (nn.CrossEntropyLoss()(pred, target),
            -F.log_softmax(pred, dim=1)[range(2), target].mean(),
            nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 3.0]))(pred, target),
            nn.CrossEntropyLoss(ignore_index=-100)(pred, torch.tensor([2, -100])),
            nn.CrossEntropyLoss(label_smoothing=0.1)(pred, target))


def test_cross_entropy_weight_ignore_index_label_smoothing():
    plain, by_hand, *_ = agree(cross_entropy_options)
    torch.testing.assert_close(plain, by_hand)


def log_softmax_then_nll(nn):
    torch.manual_seed(0)
    pred, target = torch.randn(10, 5), torch.randint(0, 5, (10,))
    log_probs = nn.LogSoftmax(dim=1)(pred)
    return nn.NLLLoss()(log_probs, target), nn.CrossEntropyLoss()(pred, target)


def test_log_softmax_plus_nll_is_cross_entropy():
    nll, ce = agree(log_softmax_then_nll)
    torch.testing.assert_close(nll, ce)


def float_targets(nn):
    """Float (10, 5) targets are class probabilities (not an error, in torch 2.13); one-hot
    rows give the index loss."""
    torch.manual_seed(0)
    pred, soft = torch.randn(10, 5), torch.randn(10, 5)
    target = torch.randint(0, 5, (10,))
    one_hot = torch.zeros(10, 5).scatter(1, target.unsqueeze(1), 1)
    criterion = nn.CrossEntropyLoss()
    return criterion(pred, soft), criterion(pred, one_hot), criterion(pred, target)


def test_float_targets_are_probabilities():
    _, by_one_hot, by_index = agree(float_targets)
    torch.testing.assert_close(by_one_hot, by_index)


def softmax_twice(nn):
    """Softmax before CrossEntropyLoss normalises twice: a different, wrong loss."""
    torch.manual_seed(0)
    logits, target = torch.randn(6, 10), torch.randint(0, 10, (6,))
    criterion = nn.CrossEntropyLoss()
    return criterion(logits, target), criterion(torch.softmax(logits, dim=1), target)


def test_softmax_before_cross_entropy_changes_the_loss():
    right, twice = agree(softmax_twice)
    assert not torch.isclose(right, twice)


# --- binary cross-entropy ---------------------------------------------------------------------

FOUR = torch.tensor([[1, 2], [2, 2], [3, 4], [4, 5]], dtype=torch.float)
MASK = torch.tensor([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=torch.float)
BCE_TABLE = [[0.3133, 2.1269, 0.1269, 2.1269, 3.0486, 0.0181, 4.0181, 0.0067], [11.7856],
             [1.4732]]


def bce_on_probabilities(nn):
    weight = torch.tensor([1, 1], dtype=torch.float)
    return tuple(nn.BCELoss(weight=weight, reduction=r)(torch.sigmoid(FOUR), MASK)
                 for r in ("none", "sum", "mean"))


def bce_on_logits(nn, **weights):
    return tuple(nn.BCEWithLogitsLoss(**weights, reduction=r)(FOUR, MASK)
                 for r in ("none", "sum", "mean"))


def test_bce_and_bce_with_logits_agree():
    assert [printed(v) for v in agree(bce_on_probabilities)] == BCE_TABLE
    assert [printed(v) for v in agree(lambda nn: bce_on_logits(
        nn, weight=torch.tensor([1, 1], dtype=torch.float)))] == BCE_TABLE


def test_pos_weight_scales_the_positive_terms():
    one = torch.tensor([1], dtype=torch.float)
    assert [printed(v) for v in agree(lambda nn: bce_on_logits(
        nn, weight=one, pos_weight=one))] == BCE_TABLE
    three = agree(lambda nn: bce_on_logits(nn, weight=one, pos_weight=torch.tensor([3.0])))
    assert [printed(v) for v in three] == [[0.9398, 2.1269, 0.3808, 2.1269, 3.0486, 0.0544,
                                            4.0181, 0.0201], [12.7158], [1.5895]]


def binary_and_multilabel(nn):
    torch.manual_seed(0)
    return (nn.BCELoss()(torch.tensor([0.5, 0.7, 0.3]), torch.tensor([1.0, 1.0, 0.0])),
            nn.BCEWithLogitsLoss()(torch.tensor([0.0, 0.8, -0.5]), torch.tensor([1.0, 1.0, 0.0])),
            nn.BCEWithLogitsLoss()(torch.randn(10, 5), torch.randint(0, 2, (10, 5)).float()))


def test_binary_and_multilabel_bce():
    agree(binary_and_multilabel)


# --- sequences and embeddings -----------------------------------------------------------------


def ctc_batch(nn):
    """(T, N, C) = (50, 16, 5) log-probabilities, targets of 10 to 29 labels from 1..4."""
    torch.manual_seed(0)
    logits = torch.randn(50, 16, 5, requires_grad=True)
    targets = torch.randint(1, 5, (16, 30), dtype=torch.long)
    input_lengths = torch.full((16,), 50, dtype=torch.long)
    target_lengths = torch.randint(10, 30, (16,), dtype=torch.long)
    loss = nn.CTCLoss()(logits.log_softmax(2), targets, input_lengths, target_lengths)
    return loss, *torch.autograd.grad(loss, logits)


def test_ctc_on_a_batch_of_sequences():
    agree(ctc_batch, tolerance=dict(rtol=1e-4, atol=1e-6))


def embedding_losses(nn):
    torch.manual_seed(0)
    anchor, positive, negative = (torch.randn(10, 128) for _ in range(3))
    x1, x2 = torch.randn(10, 128), torch.randn(10, 128)
    y = torch.tensor([1, -1, 1, -1, 1, -1, 1, -1, 1, -1])
    return (nn.TripletMarginLoss(margin=1.0, p=2)(anchor, positive, negative),
            nn.CosineEmbeddingLoss(margin=0.0)(x1, x2, y))


def test_triplet_and_cosine_embedding():
    agree(embedding_losses)


# --- models trained with a loss Module ------------------------------------------------------


def train(nn, model, criterion, x, target, steps=2):
    """A few SGD steps; the losses and the final parameters."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = criterion(model(x), target)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    return *losses, *model.parameters()


def classifier(nn):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    return train(nn, model, nn.CrossEntropyLoss(), torch.randn(8, 784), torch.randint(0, 10, (8,)))


def regressor(nn):
    torch.manual_seed(0)
    return train(nn, nn.Linear(10, 1), nn.MSELoss(), torch.randn(8, 10), torch.randn(8, 1))


def small_cnn(nn):
    """Convolutions, pooling, flatten, two linear layers on (1, 3, 32, 32) images: the shape of
    a CIFAR-10 network, on random images."""
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(3, 8, 5, padding=2), nn.MaxPool2d(2), nn.Conv2d(8, 8, 5, padding=2),
                nn.MaxPool2d(2), nn.Conv2d(8, 16, 5, padding=2), nn.MaxPool2d(2), nn.Flatten(),
                nn.Linear(16 * 4 * 4, 16), nn.Linear(16, 10))

        def forward(self, x):
            return self.body(x)

    torch.manual_seed(0)
    return train(nn, Net(), nn.CrossEntropyLoss(), torch.rand(2, 3, 32, 32),
                 torch.randint(0, 10, (2,)), steps=1)


@pytest.mark.parametrize("usage", [classifier, regressor, small_cnn])
def test_training_runs_the_same(usage):
    agree(usage, tolerance=dict(rtol=1e-5, atol=1e-6))


def test_lossedu_nn_keeps_torchs_layers():
    assert lossedu.nn.Module is torch.nn.Module and lossedu.nn.Conv2d is torch.nn.Conv2d
    assert lossedu.nn.CrossEntropyLoss is not torch.nn.CrossEntropyLoss
    with pytest.raises(AttributeError, match="NLLLoss2d.*NLLLoss takes"):
        lossedu.nn.NLLLoss2d  # noqa: B018


def two_tasks(nn):
    """A classification and a regression loss, weighted 1 and 0.5."""
    torch.manual_seed(0)
    logits, labels = torch.randn(4, 3), torch.randint(0, 3, (4,))
    values, targets = torch.randn(4), torch.randn(4)
    classification = nn.CrossEntropyLoss()(logits, labels)
    regression = nn.MSELoss()(values, targets)
    return 1.0 * classification + 0.5 * regression, classification, regression


def test_a_weighted_sum_of_two_losses():
    total, classification, regression = agree(two_tasks)
    summed = lossedu.nn.WeightedSumLoss([1.0, 0.5])([classification, regression])
    torch.testing.assert_close(summed, total)


# --- the documents' own Modules, and lossedu.nn's -----------------------------------------


def test_a_hand_written_focal_loss_is_focal_loss():
    """alpha (1 - p_t)^gamma CE with alpha = 1, the mean over the batch."""
    torch.manual_seed(0)
    logits, target = torch.randn(8, 4), torch.randint(0, 4, (8,))
    ce = F.cross_entropy(logits, target, reduction="none")
    by_hand = (1 * (1 - torch.exp(-ce)) ** 2 * ce).mean()
    torch.testing.assert_close(lossedu.nn.FocalLoss(gamma=2)(logits, target), by_hand)


@pytest.mark.parametrize("name", ["DiceLoss", "IoULoss"])
def test_hand_written_dice_and_iou_over_the_whole_batch(name):
    """Sigmoid, then one score over every element of the batch, smoothing 1."""
    torch.manual_seed(0)
    logits, mask = torch.randn(2, 1, 8, 8), torch.randint(0, 2, (2, 1, 8, 8)).float()
    p, g = torch.sigmoid(logits).flatten(), mask.flatten()
    overlap = (p * g).sum()
    by_hand = (1 - (2 * overlap + 1) / (p.sum() + g.sum() + 1) if name == "DiceLoss"
               else 1 - (overlap + 1) / (p.sum() + g.sum() - overlap + 1))
    module = getattr(lossedu.nn, name)(1.0, activation="sigmoid", batch=True)
    torch.testing.assert_close(module(logits, mask), by_hand)
