"""The benchmark itself: ``python -m benchmarks --tiny`` runs every case and prints its row."""

import re

import pytest

from benchmarks.__main__ import CASES, main


@pytest.mark.slow  # tiny tensors, but a profiler session per loss and side for the memory
def test_the_benchmark_runs_and_prints_every_loss(capsys):
    main(["--tiny", "--repeats", "1"])
    rows = [line for line in capsys.readouterr().out.splitlines()
            if line.startswith("| ") and not line.startswith("| loss")]
    names = [row.split(" | ")[0].removeprefix("| ") for row in rows]
    assert names == [case.name for case in CASES]
    assert any(name.startswith("ctc_loss (1 thread)") for name in names)
    assert any(name.startswith("ctc_loss (2 threads)") for name in names)
    for row in rows:
        torch_ms, fast, readable, peak, fast_mem, readable_mem = row.split(" | ")[2:8]
        assert re.fullmatch(r"\d+\.\d\d", torch_ms) and re.fullmatch(r"\d+\.\d\d", readable)
        assert re.fullmatch(r"\d+\.\d\d|-", fast) and re.fullmatch(r"\d+\.\d\d|-", fast_mem)
