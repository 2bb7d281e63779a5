"""Fixed weighted sums and learned uncertainty weighting of task losses."""

import math

import pytest
import torch

from lossedu import UncertaintyWeightedLoss, WeightedSumLoss


def task_losses(*values, dtype=torch.float64):
    return [torch.tensor(v, dtype=dtype, requires_grad=True) for v in values]


def test_weighted_sum_value_and_gradients():
    losses = task_losses(0.8, 2.0, 0.1)
    total = WeightedSumLoss([1.0, 0.5, 10.0])(losses)
    torch.testing.assert_close(total, torch.tensor(0.8 + 1.0 + 1.0, dtype=torch.float64))
    total.backward()
    assert [loss.grad.item() for loss in losses] == [1.0, 0.5, 10.0]


def test_weighted_sum_by_name_follows_the_names_not_the_order():
    weights = WeightedSumLoss({"segmentation": 1.0, "depth": 0.25})
    a = weights({"segmentation": torch.tensor(2.0), "depth": torch.tensor(4.0)})
    b = weights({"depth": torch.tensor(4.0), "segmentation": torch.tensor(2.0)})
    assert a.item() == b.item() == 3.0
    assert "segmentation" in repr(weights) and "0.25" in repr(weights)


def test_weighted_sum_weights_are_a_buffer():
    module = WeightedSumLoss([1.0, 2.0])
    assert list(module.parameters()) == []
    assert torch.equal(module.state_dict()["weights"], torch.tensor([1.0, 2.0]))
    assert module.double().weights.dtype == torch.float64


def test_uncertainty_weighting_formula_and_gradient():
    module = UncertaintyWeightedLoss(3)
    with torch.no_grad():
        module.log_vars.copy_(torch.tensor([0.0, 1.0, -0.5]))
    losses = task_losses(0.8, 2.0, 0.1, dtype=torch.float32)
    total = module(losses)
    s = module.log_vars.detach()
    values = torch.tensor([0.8, 2.0, 0.1])
    # L = sum exp(-s) L / 2 + s / 2 = sum L / (2 sigma^2) + log sigma
    expected = (0.5 * torch.exp(-s) * values + 0.5 * s).sum()
    sigma = torch.exp(s / 2)
    torch.testing.assert_close(total, expected)
    torch.testing.assert_close(total, (values / (2 * sigma**2) + sigma.log()).sum())
    total.backward()
    # dL/ds_i = (1 - exp(-s_i) L_i) / 2, dL/dL_i = exp(-s_i) / 2 = the weight
    torch.testing.assert_close(module.log_vars.grad, 0.5 * (1 - torch.exp(-s) * values))
    torch.testing.assert_close(torch.stack([loss.grad for loss in losses]), module.weights)


def test_uncertainty_weighting_learns_log_of_each_loss():
    # for fixed task losses the optimum is s_i = log L_i: a noisy task gets a small weight
    module = UncertaintyWeightedLoss(["noisy", "clean"])
    optimiser = torch.optim.Adam(module.parameters(), lr=0.05)
    losses = {"noisy": torch.tensor(4.0), "clean": torch.tensor(0.25)}
    for _ in range(600):
        optimiser.zero_grad()
        module(losses).backward()
        optimiser.step()
    torch.testing.assert_close(module.log_vars.detach(), torch.tensor([math.log(4.0),
                                                                       math.log(0.25)]),
                               atol=1e-3, rtol=0)
    torch.testing.assert_close(module.weights, torch.tensor([1 / 8, 2.0]), atol=1e-3, rtol=0)


def test_uncertainty_weighting_is_a_trainable_module():
    module = UncertaintyWeightedLoss(2)
    assert [name for name, _ in module.named_parameters()] == ["log_vars"]
    assert torch.equal(module.weights, torch.tensor([0.5, 0.5]))
    assert not module.weights.requires_grad
    assert "tasks=2" in repr(module)
    total = module(task_losses(1.0, 3.0))  # float64 losses, float32 parameters
    assert total.dtype == torch.float64 and total.item() == 2.0


@pytest.mark.parametrize(
    ("weights", "match"),
    [([], "one finite, non-negative weight"), ([1.0, -0.5], r"got \[1.0, -0.5\]"),
     ({"a": math.nan}, "non-negative weight")],
)
def test_bad_weights(weights, match):
    with pytest.raises(ValueError, match=match):
        WeightedSumLoss(weights)


@pytest.mark.parametrize("tasks", [0, -1, [], "depth", 2.5, True])
def test_bad_task_count(tasks):
    with pytest.raises(ValueError, match="number of tasks >= 1 or a sequence of task names"):
        UncertaintyWeightedLoss(tasks)


@pytest.mark.parametrize("module", [WeightedSumLoss([1.0, 1.0]), UncertaintyWeightedLoss(2)])
def test_bad_losses_by_position(module):
    with pytest.raises(ValueError, match="Expected 2 task losses, one per weight, got 3"):
        module(task_losses(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match=r"`losses\[1\]` to be a scalar, got shape \(4,\).*"
                                         r"reduce each task's loss first"):
        module([torch.tensor(1.0), torch.ones(4)])
    with pytest.raises(TypeError, match=r"`losses\[0\]` to be a torch.Tensor"):
        module([1.0, torch.tensor(1.0)])
    with pytest.raises(TypeError, match=r"`losses\[1\]` to be a floating-point tensor"):
        module([torch.tensor(1.0), torch.tensor(1)])
    with pytest.raises(TypeError, match="built without task names"):
        module({"a": torch.tensor(1.0), "b": torch.tensor(1.0)})


@pytest.mark.parametrize(
    "module", [WeightedSumLoss({"a": 1.0, "b": 2.0}), UncertaintyWeightedLoss(["a", "b"])]
)
def test_bad_losses_by_name(module):
    with pytest.raises(ValueError, match=r"mapping with the tasks \['a', 'b'\], got \['a', 'c'\]"):
        module({"a": torch.tensor(1.0), "c": torch.tensor(1.0)})
    with pytest.raises(ValueError, match="got list: the module was built with named tasks"):
        module([torch.tensor(1.0), torch.tensor(1.0)])
