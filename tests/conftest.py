"""Fixtures shared by every test module: one headless Chromium for all the browser tests
(Playwright's sync API allows one at a time), its tabs, and a local server of the built site.

And the split between ``make unit`` (quick) and ``make slow``: in the large parameter grids
below, one case in ``k`` (every k-th by test id, so always the same ones) runs in the quick
set and the others are marked ``slow``; ``make test`` runs both, so every case still runs."""

from collections import defaultdict

import pytest
from site_browser import browser, server, tab  # noqa: F401

# test function: k, the quick run's share of its grid (1 in k)
GRIDS = {
    "test_multiclass_options_against_loops": 10,   # segmentation: 1051 cases
    "test_cross_entropy_class_indices": 5,          # 572
    "test_reference_matches_torch": 5,              # linear_cross_entropy: 214
    "test_chunked_matches_torch": 4,                # 204
    "test_poisson_nll_matches_torch": 5,            # 446
    "test_gaussian_nll_matches_torch": 5,           # 404
    "test_matches_torch": 4,                        # regression, CTC (readable and fast), ...
    "test_multilabel_soft_margin_matches_torch": 4,
    "test_multi_margin_matches_torch": 4,
    "test_triplet_matches_torch": 3,
    "test_cross_entropy_probability_targets": 3,
    "test_a_wrong_answer_fails_with_the_hint_for_its_mistake": 3,  # a forked check each
    "test_a_right_answer_from_scratch_passes": 2,
}


def pytest_collection_modifyitems(items):
    grids = defaultdict(list)
    for item in items:
        name = getattr(item, "originalname", item.name)
        if name in GRIDS and "[" in item.nodeid:
            grids[name].append(item)
    for name, members in grids.items():
        for i, item in enumerate(sorted(members, key=lambda item: item.nodeid)):
            if i % GRIDS[name]:
                item.add_marker(pytest.mark.slow)
