"""The bundled sample inputs: the pipeline finds exactly the planted problems and the exact figures."""

from pathlib import Path

import pytest

from tests.sample_county import build

ROOT = Path(__file__).parent.parent
MAIN = "岩头镇/永嘉县岩头镇2022年度耕地地力保护补贴发放清册.xlsx"
FOREST = "岩头镇/2022年生态公益林补偿.xlsx"
SUPPLEMENT = "岩头镇/岩头镇耕地地力保护补贴补报清册.xlsx"
RICE = "桥下镇/桥下镇2022年稻谷补贴.xls"
GRAIN = "沙头镇/沙头镇实际种粮一次性补贴.csv"

BANK = "一卡通代发结果/耕地地力保护补贴代发结果.xlsx"

EXPECTED_PROBLEMS = [
    ("payment_failed", BANK, "代发结果", 4),  # 账户已销户, re-issued in the second file
    ("payment_failed", BANK, "代发结果", 6),  # 户名不符
    ("ambiguous_match", BANK, "代发结果", 7),  # paid once, listed in two rosters
    ("paid_amount_differs", BANK, "代发结果", 9),
    ("unexpected_payment", BANK, "代发结果", 16),
    ("duplicate_payment", FOREST, "周宅村委会", 6),
    ("duplicate_payment", FOREST, "周宅村委会", 7),
    ("duplicate_payment", SUPPLEMENT, "补报", 3),
    ("unpaid", SUPPLEMENT, "补报", 3),
    ("unreadable_file", "岩头镇/已损坏的清册.xlsx", "", None),
    ("id_precision_lost", MAIN, "发放清册", 7),
    ("unpaid", MAIN, "发放清册", 9),
    ("duplicate_payment", MAIN, "发放清册", 11),
    ("unpaid", MAIN, "发放清册", 11),
    ("amount_mismatch", MAIN, "发放清册", 13),
    ("subtotal_mismatch", MAIN, "发放清册", 20),
    ("subtotal_mismatch", MAIN, "分村汇总表", 4),
    ("invalid_id", RICE, "Sheet1", 4),
    ("missing_field", RICE, "Sheet1", 6),
    ("unpaid", RICE, "Sheet1", 6),
    ("unknown_village", GRAIN, "沙头镇实际种粮一次性补贴", 5),
]

EXPECTED_SUMMARY = [
    ("330324104215", "韩埠村", "稻谷补贴", "1", "400.00", "400.00", "0.00"),
    ("330324104222", "梅岙村", "稻谷补贴", "2", "560.00", "240.00", "0.00"),
    ("330324104225", "西岙村", "稻谷补贴", "2", "880.00", "880.00", "0.00"),
    ("330324108224", "苍坡村", "耕地地力保护补贴", "5", "1400.00", "840.00", "100.80"),
    ("330324108224", "苍坡村", "生态公益林补偿", "3", "1295.00", "", ""),
    ("330324108225", "周宅村", "耕地地力保护补贴", "4", "1524.00", "1103.20", "0.00"),
    ("330324108225", "周宅村", "生态公益林补偿", "4", "2415.00", "", ""),
    ("330324108226", "方岙村", "耕地地力保护补贴", "4", "862.40", "862.40", "0.00"),
    ("330324108229", "霞美村", "耕地地力保护补贴", "1", "168.00", "168.00", "0.00"),
    ("330324111202", "渔田村", "实际种粮农民一次性补贴", "1", "1550.00", "", ""),
    ("330324111204", "潮际村", "实际种粮农民一次性补贴", "1", "1525.00", "", ""),
    ("330324111220", "北山村", "实际种粮农民一次性补贴", "2", "3012.50", "", ""),
]


@pytest.fixture
def sample(tmp_path):
    return build(tmp_path / "inputs")


def test_generated_county_gives_exact_figures_and_problem_locations(sample, run_on):
    res = run_on(sample, year=None)
    assert res.report["year"] == 2022
    assert res.problems() == EXPECTED_PROBLEMS
    assert [tuple(r.values()) for r in res.summary] == EXPECTED_SUMMARY
    assert res.report["reconciliation"]["balanced"]
    assert res.report["rows_read"] == sum(int(f["rows_read"]) for f in res.files)
    notes = {f["file"]: f["note"] for f in res.files if f["note"]}
    assert "已按公式算出（G3、G4）" in notes["岩头镇/岩头镇耕地地力保护补贴补报清册.xlsx"]


def test_bundled_inputs_match_the_generator(tmp_path, run_on):
    """inputs/ is what tests/sample_county.py writes (run `make sample` after changing it)."""
    res = run_on(ROOT / "inputs" / "2022" / "永嘉县", year=None)
    assert res.problems() == EXPECTED_PROBLEMS
    assert len(res.summary) == len(EXPECTED_SUMMARY)


def test_outputs_are_deterministic(sample, tmp_path):
    from tests.conftest import run

    run(sample, tmp_path / "a", year=2022)
    run(sample, tmp_path / "b", year=2022)
    for name in ["summary.csv", "internal/exceptions.csv", "internal/households.csv", "internal/files.csv",
                 "internal/rows_not_used.csv", "internal/run_report.json", "internal/reconciliation.xlsx"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_public_summary_never_shows_an_id(sample, run_on):
    import re

    res = run_on(sample)
    text = (res.outputs / "summary.csv").read_text(encoding="utf-8-sig")
    assert not re.search(r"\d{15,}", text)
    assert (res.outputs / "internal").stat().st_mode & 0o077 == 0
