"""Property test on real files: random roster shapes (tests/fuzz_county.py) read without a crash, every row
accounted for, the summary adds up to exactly what the rosters list, and to what the bank paid and failed. `python -m tests.fuzz_county 500`
runs many more."""

import pytest

from tests.fuzz_county import check, generate


@pytest.mark.parametrize("seed", range(12))
def test_random_county_shapes_read_exactly(tmp_path, seed):
    expected, rows, bank_figures, planted = generate(tmp_path / "in", seed)
    assert rows > 0
    assert check(tmp_path / "in", expected, rows, bank_figures, planted) == []
