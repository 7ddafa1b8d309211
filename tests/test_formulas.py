"""Workbooks written by a script hold formulas without results: the roster arithmetic is worked out exactly."""

from decimal import Decimal

import openpyxl
import pytest

from subsidy.intake.formulas import FormulaError, _FormulaSheet, _Parser, saved_without_results
from tests.builders import make_id, write_xlsx

GRID = [["序号", "面积", "标准", "金额", "备注"],
        [1, 1.5, 112.3, "", "甲"],
        [2, "2.25亩", 100, "", ""],
        [3, None, 100, "", ""]]
FORMULAS = {(1, 3): "=B2*C2", (2, 3): "=ROUND(B3*C3,2)", (3, 3): "=B4*C4"}


def evaluate(formula: str, grid=GRID, formulas=FORMULAS) -> Decimal:
    return _Parser(formula, _FormulaSheet(grid, formulas)).parse()


@pytest.mark.parametrize("formula, expected", [
    ("=B2*C2", "168.450"),  # exact: 1.5 × 112.3, not 168.45000000000002
    ("=ROUND(B2*C2,1)", "168.5"), ("=ROUNDDOWN(B2*C2,1)", "168.4"), ("=ROUNDUP(1.21,1)", "1.3"),
    ("=ROUND(-2.5,0)", "-3"), ("=INT(-2.5)", "-3"), ("=ABS(-4)", "4"),
    ("=SUM(D2:D4)", "393.450"),  # formulas inside the range are worked out first
    ("=SUM(B2:B4)", "1.5"),  # in a range, text ('2.25亩') and empty cells are skipped, as Excel does
    ("=B3*2", "4.50"),  # a single cell holding '2.25亩' is a number
    ("=SUM(D2,D3)+1", "394.450"), ("=(1+2)*3-4/2", "7"), ("=-B2^2", "2.25"), ("=2-B2^2", "-0.25"), ("=50%*C4", "50.00"),
    ("=MAX(D2:D4)-MIN(1,2)", "224"), ("=$B$2*$C2", "168.450"), ("=b2*c2", "168.450"),
])
def test_roster_arithmetic_is_exact(formula, expected):
    assert evaluate(formula) == Decimal(expected)


@pytest.mark.parametrize("formula", ["=VLOOKUP(A2,Sheet2!A:B,2,0)", "=Sheet2!A1", "=B2/0", "=E2*2", "=A1&B1",
                                     "=SUM(", "=D9*"])
def test_what_cannot_be_worked_out_is_an_error(formula):
    with pytest.raises((FormulaError, ArithmeticError)):
        evaluate(formula)


def test_a_cycle_is_an_error_not_a_hang():
    with pytest.raises(FormulaError):
        evaluate("=A1", grid=[["", ""]], formulas={(0, 0): "=B1", (0, 1): "=A1"})


def _scripted_roster(path, amount_formula="=E{r}*F{r}", extra=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "清册"
    ws.append(["岩头镇2022年度耕地地力保护补贴发放清册"])
    ws.append(["序号", "村名", "户主姓名", "身份证号码", "补贴面积", "补贴标准", "补贴金额"])
    for i in range(3):
        r = i + 3
        ws.append([i + 1, "苍坡村", f"周{i}", make_id(seq=i + 1), 1.5, 112.3, amount_formula.format(r=r)])
    ws.append(["合计", None, None, None, "=SUM(E3:E5)", None, "=SUM(G3:G5)"])
    if extra:
        ws.append(extra)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def test_a_roster_written_by_a_script_gets_its_amounts_worked_out(inputs, run_on):
    path = _scripted_roster(inputs / "清册.xlsx")
    assert saved_without_results(path)
    res = run_on(inputs)
    assert res.problems() == []
    assert res.due() == {("苍坡村", "耕地地力保护补贴"): "505.35"}  # 3 × 168.45, to the fen
    assert "3" in res.files[0]["note"] and "已按公式算出" in res.files[0]["note"]
    assert "G3、G4、G5" in res.files[0]["note"]


def test_a_formula_that_cannot_be_worked_out_is_named_and_the_row_reported(inputs, run_on):
    _scripted_roster(inputs / "清册.xlsx", amount_formula="=VLOOKUP(D{r},标准!A:B,2,0)")
    res = run_on(inputs)
    assert [p[0] for p in res.problems()] == ["missing_field"] * 3
    assert "无法计算" in res.files[0]["note"] and "G3（=VLOOKUP(D3,标准!A:B,2,0)" in res.files[0]["note"]


def test_a_workbook_without_formulas_is_left_alone(inputs):
    path = write_xlsx(inputs / "a.xlsx", {"清册": [["姓名", "金额"], ["张三", 5]]})
    assert not saved_without_results(path)
