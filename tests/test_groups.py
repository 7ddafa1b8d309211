"""Rosters kept per 村民组: group subtotals under village totals under a 合计, each checked against exactly its own
rows; the group of each household kept; one person under two villages reported."""

import pytest

from tests.builders import make_id, write_xlsx

TITLE = "永嘉县岩头镇2022年度耕地地力保护补贴资金发放清册"
HEAD = ["序号", "村名", "户主姓名", "身份证号码", "补贴面积", "补贴标准", "补贴金额"]
# village -> groups -> household areas (rate 112)
LAYOUT = {"苍坡村": {"一组": [1, 2], "二组": [1.5]}, "周宅村": {"一组": [1], "二组": [2, 0.5], "三组": [3]}}


def grouped(group_column=False, wrong=None, counts=None):
    """Rows of a per-group roster; `wrong`: {label: stated amount} for subtotal rows that do not add up; `counts`:
    {label: households} written as 'N户' in subtotal rows (every group's and village's right count when {})."""
    wrong = wrong or {}
    head = HEAD[:2] + (["组别"] if group_column else []) + HEAD[2:]
    rows, seq, total_area, grand = [[TITLE], head], 0, 0, 0
    for village, groups in LAYOUT.items():
        v_area = v_amount = 0
        for group, areas in groups.items():
            g_area = g_amount = 0
            for area in areas:
                seq += 1
                amount = area * 112
                row = [seq, village] + ([group] if group_column else []) + [f"户{seq}", make_id(seq=seq), area, 112,
                                                                           amount]
                rows.append(row)
                g_area, g_amount = g_area + area, g_amount + amount
            label = "小计" if group_column else f"{group}小计"
            stated = wrong.get(f"{village}{group}", g_amount)
            count = None if counts is None else f"{counts.get(f'{village}{group}', len(areas))}户"
            rows.append([label, None] + ([group] if group_column else []) + [count, None, g_area, None, stated])
            v_area, v_amount = v_area + g_area, v_amount + g_amount
        stated = wrong.get(village, v_amount)
        count = None if counts is None else f"{counts.get(village, sum(len(a) for a in groups.values()))}户"
        if group_column:
            rows.append(["小计", village, None, count, None, v_area, None, stated])
        else:
            rows.append([f"{village}小计", None, count, None, v_area, None, stated])
        total_area, grand = total_area + v_area, grand + v_amount
    rows.append(["合计"] + [None] * (len(head) - 4) + [total_area, None, grand])
    return rows


def row_of(rows, first, village=None):
    return next(i + 1 for i, r in enumerate(rows) if r[0] == first and (village is None or village in r))


@pytest.mark.parametrize("group_column", [False, True])
def test_right_nested_totals_raise_nothing_and_keep_the_group(inputs, run_on, group_column):
    write_xlsx(inputs / "清册.xlsx", {"清册": grouped(group_column)})
    res = run_on(inputs)
    assert res.problems() == []
    assert [h["group"] for h in res.households] == ["一组", "一组", "二组", "一组", "二组", "二组", "三组"]
    assert res.due() == {("苍坡村", "耕地地力保护补贴"): "504.00", ("周宅村", "耕地地力保护补贴"): "728.00"}
    assert sorted({r[3] for r in res.reasons()}) == ["header", "subtotal", "title", "total"]


def test_a_wrong_group_subtotal_and_a_wrong_village_total_each_at_its_own_row(inputs, run_on):
    rows = grouped(wrong={"周宅村二组": 250, "苍坡村": 500})
    write_xlsx(inputs / "清册.xlsx", {"清册": rows})
    res = run_on(inputs)
    group_row = next(i + 1 for i, r in enumerate(rows) if r[0] == "二组小计" and r[-1] == 250)
    village_row = row_of(rows, "苍坡村小计")
    assert res.problems() == [("subtotal_mismatch", "清册.xlsx", "清册", village_row),
                              ("subtotal_mismatch", "清册.xlsx", "清册", group_row)]
    # the village's own three rows (504.00), not '0 rows'; the group's two rows (280.00)
    assert res.facts("subtotal_mismatch") == [(village_row, "504.00", "500.00"), (group_row, "280.00", "250.00")]
    codes = [e["village_code"] for e in res.exceptions]
    assert codes == ["330324108224", "330324108225"]


def test_a_wrong_village_total_with_the_group_in_its_own_column(inputs, run_on):
    rows = grouped(group_column=True, wrong={"周宅村": 700})
    write_xlsx(inputs / "清册.xlsx", {"清册": rows})
    res = run_on(inputs)
    assert res.problems() == [("subtotal_mismatch", "清册.xlsx", "清册", row_of(rows, "小计", "周宅村"))]


def _person_rows(id_twice, amounts):
    rows = [[TITLE], HEAD]
    for n, (village, amount) in enumerate(zip(("苍坡村", "周宅村"), amounts, strict=True)):
        rows.append([n + 1, village, "张三", id_twice, amount / 112, 112, amount])
    return rows


def test_one_id_under_two_villages_of_one_sheet_is_a_duplicate(inputs, run_on):
    write_xlsx(inputs / "清册.xlsx", {"清册": _person_rows(make_id(seq=1), (112, 224))})
    res = run_on(inputs)
    assert res.problems("duplicate_payment") == [("duplicate_payment", "清册.xlsx", "清册", 3),
                                                 ("duplicate_payment", "清册.xlsx", "清册", 4)]


def test_one_id_under_two_villages_in_two_files_is_a_duplicate(inputs, run_on):
    rows = _person_rows(make_id(seq=1), (112, 224))
    write_xlsx(inputs / "a.xlsx", {"清册": rows[:3]})
    write_xlsx(inputs / "b.xlsx", {"清册": rows[:2] + rows[3:]})
    res = run_on(inputs)
    assert res.problems("duplicate_payment") == [("duplicate_payment", "a.xlsx", "清册", 3),
                                                 ("duplicate_payment", "b.xlsx", "清册", 3)]


def test_parcels_of_one_household_in_its_own_village_stay_allowed(inputs, run_on):
    rows = [[TITLE], HEAD, [1, "苍坡村", "张三", make_id(seq=1), 1, 112, 112], [2, "苍坡村", "张三", make_id(seq=1), 2, 112, 224]]
    write_xlsx(inputs / "清册.xlsx", {"清册": rows})
    assert run_on(inputs).problems() == []


def test_without_ids_the_same_name_area_and_amount_under_two_villages(inputs, run_on):
    head = ["序号", "村名", "户主姓名", "补贴面积", "补贴标准", "补贴金额"]
    rows = [[TITLE], head, [1, "苍坡村", "张三", 1, 112, 112], [2, "周宅村", "张三", 1, 112, 112],
            [3, "苍坡村", "李四", 1, 112, 112], [4, "周宅村", "李四", 2, 112, 224]]  # 李四: two different people
    write_xlsx(inputs / "清册.xlsx", {"清册": rows})
    res = run_on(inputs)
    assert res.problems("duplicate_payment") == [("duplicate_payment", "清册.xlsx", "清册", 3),
                                                 ("duplicate_payment", "清册.xlsx", "清册", 4)]


def test_household_counts_in_total_rows_are_checked_too(inputs, run_on):
    write_xlsx(inputs / "清册.xlsx", {"清册": grouped(counts={})})
    assert run_on(inputs).problems() == []
    rows = grouped(counts={"周宅村二组": 3, "苍坡村": 4})
    write_xlsx(inputs / "清册.xlsx", {"清册": rows})
    res = run_on(inputs)
    group_row = next(i + 1 for i, r in enumerate(rows) if r[0] == "二组小计" and r[2] == "3户")
    assert res.problems() == [("subtotal_mismatch", "清册.xlsx", "清册", row_of(rows, "苍坡村小计")),
                              ("subtotal_mismatch", "清册.xlsx", "清册", group_row)]
    assert [f[1:] for f in res.facts("subtotal_mismatch")] == [("3户", "4户"), ("2户", "3户")]
