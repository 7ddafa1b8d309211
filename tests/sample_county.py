"""A realistic made-up county (永嘉县, 2022) in the messy shapes county finance offices receive.

Real village names from the bundled roster, invented people with valid check digits (never real IDs), and
a few planted problems. `python -m tests.sample_county inputs` writes the bundled sample inputs;
tests/test_sample_inputs.py checks that the pipeline finds exactly the planted problems.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.builders import bad_check, county_year, make_id, write_csv, write_xls, write_xlsx

SURNAMES = "陈王李张林黄周吴徐郑胡金潘朱谢叶"
GIVEN = ["建平", "秀英", "志强", "美华", "国良", "素芬", "永清", "玉兰", "海军", "丽娟", "明德", "春燕", "福生", "桂香",
         "文彬", "雪琴", "德明", "月娥", "家兴", "爱珍"]


def person(n: int) -> tuple[str, str]:
    """The n-th invented person: (name, ID). IDs use 永嘉县's area code and invented birth dates."""
    name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)]
    born = f"19{45 + n % 40:02d}{1 + n % 12:02d}{1 + (n * 3) % 28:02d}"
    return name, make_id("330324", born, 100 + n)


def _roster_yantou(folder: Path) -> None:
    """岩头镇 耕地地力保护补贴: title rows, two-row header, village in merged cells, 小计/合计, footer,
    a 分村汇总表 and a 村干部清册 beside the roster."""
    rows = [
        ["永嘉县岩头镇2022年度耕地地力保护补贴资金发放清册"],
        ["填报单位：岩头镇人民政府（盖章）", "", "", "", "", "", "单位：亩、元"],
        ["序号", "村名", "户主姓名", "身份证号码", "补贴情况", "", "", "备注"],
        ["", "", "", "", "面积（亩）", "标准（元/亩）", "金额（元）", ""],
    ]
    merges = ["A1:H1", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:G3", "H3:H4"]
    plan = {"苍坡村": [(1, "2.50"), (2, "1.80"), (3, "3.20"), (4, "0.90"), (5, "4.10")],
            "周宅村": [(6, "2.00"), (7, "1.25"), (8, "5.60"), (9, "3.00")],
            "方岙村": [(10, "1.10"), (11, "2.70"), (12, "0.60"), (13, "3.30")]}
    seq = 1
    for village, people in plan.items():
        first = len(rows) + 1
        area_sum, amount_sum = 0, 0
        for n, area in people:
            name, id_ = person(n)
            amount = round(float(area) * 112, 2)
            id_cell: object = id_
            note = ""
            if n == 3:
                id_cell = int(id_)  # planted: ID typed into a number cell -> id_precision_lost
            if n == 8:
                amount = 600.00  # planted: 5.6 x 112 = 627.20 -> amount_mismatch
            rows.append([seq, village, name, id_cell, float(area), 112, amount, note])
            area_sum += float(area)
            amount_sum += amount
            seq += 1
        merges.append(f"B{first}:B{len(rows)}")
        stated = round(amount_sum, 2)
        if village == "方岙村":
            stated = round(amount_sum + 100, 2)  # planted: subtotal that does not add up -> subtotal_mismatch
        rows.append(["小计", "", "", "", round(area_sum, 2), "", stated, ""])
    total_area = sum(float(a) for people in plan.values() for _, a in people)
    total = sum(round(float(a) * 112, 2) for people in plan.values() for n, a in people if n != 8) + 600.00
    rows.append(["合计", "", "", "", round(total_area, 2), "", round(total, 2), ""])
    rows.append([])
    rows.append(["制表人：林晓梅", "", "审核人：陈志远", "", "", "日期：2022年12月5日"])

    summary = [
        ["岩头镇2022年度耕地地力保护补贴分村汇总表"],
        ["序号", "村名", "户数", "面积（亩）", "补贴金额（元）"],
        [1, "苍坡村委会", 5, 12.5, 1400.00],
        [2, "周宅村委会", 4, 11.85, 1327.20],  # planted: the roster's rows add up to 1,300.00 -> subtotal_mismatch
        [3, "方岙村委会", 4, 7.7, 862.40],
        ["合计", "", 13, 32.05, 3589.60],
    ]
    cadres = [
        ["岩头镇2022年度耕地地力保护补贴村干部清册"],
        ["序号", "村名", "姓名", "职务", "身份证号码", "面积", "金额"],
        [1, "苍坡村", person(1)[0], "村委会主任", person(1)[1], 2.5, 280.00],
        [2, "周宅村", person(7)[0], "村支部书记", person(7)[1], 1.25, 140.00],
    ]
    write_xlsx(folder / "岩头镇" / "永嘉县岩头镇2022年度耕地地力保护补贴发放清册.xlsx",
               {"发放清册": rows, "分村汇总表": summary, "村干部清册": cadres},
               merges={"发放清册": merges, "分村汇总表": ["A1:E1"], "村干部清册": ["A1:G1"]},
               text_columns={"发放清册": {3}, "村干部清册": {4}})


def _forest_by_sheet(folder: Path) -> None:
    """生态公益林补偿: one sheet per village, the village only in the sheet name; amounts typed as text."""
    sheets = {}
    for village, people in {"苍坡村": [20, 21, 22], "周宅村委会": [23, 24, 25, 26]}.items():
        rows = [["2022年度生态公益林补偿资金发放表"], ["序号", "户主 姓名", "证件号码", "公益林面积(亩)", "补偿标准(元/亩)", "补偿金额(元)"]]
        for i, n in enumerate(people, 1):
            name, id_ = person(n)
            area = 10 + n % 7
            rows.append([i, name, id_, area, 35, f"{area * 35:,.2f}元"])
        if village == "周宅村委会":
            rows.append(rows[-1][:])  # planted: the same household twice, same area and amount -> duplicate_payment
            rows[-1][0] = len(people) + 1
        rows.append(["合计", "", "", "", "", ""])
        sheets[village] = rows
    write_xlsx(folder / "岩头镇" / "2022年生态公益林补偿.xlsx", sheets)


def _rice_xls(folder: Path) -> None:
    """桥下镇 稻谷补贴 as an old .xls: a village name that exists in three towns (西岙村; the title's town decides),
    an invalid ID, a row without a name."""
    rows = [
        ["桥下镇2022年稻谷补贴发放清册"],
        ["序号", "所在村", "农户姓名", "公民身份号码", "种植面积", "补贴标准", "应发金额", "户主签字"],
    ]
    people = [(30, "西岙村"), (31, "西岙村"), (32, "梅岙村"), (33, "梅岙村"), (34, "韩埠村")]
    for i, (n, village) in enumerate(people, 1):
        name, id_ = person(n)
        if n == 31:
            id_ = bad_check(id_)  # planted: wrong check digit -> invalid_id
        if n == 33:
            name = ""  # planted: a row without a name -> missing_field
        area = 3 + n % 4
        rows.append([i, village, name, id_, area, 80, area * 80, ""])
    rows.append(["合计", "", "", "", sum(3 + n % 4 for n, _ in people), "", sum((3 + n % 4) * 80 for n, _ in people), ""])
    write_xls(folder / "桥下镇" / "桥下镇2022年稻谷补贴.xls", {"Sheet1": rows}, merges={"Sheet1": [(0, 0, 0, 7)]})


def _grain_csv(folder: Path) -> None:
    """沙头镇 实际种粮农民一次性补贴 as a GBK CSV exported from another system: a name shared by two towns
    (北山村; the file name's town decides), a misspelt village, amounts with thousands separators."""
    rows = [["序号", "乡镇", "村（社区）", "姓名", "身份证号", "补贴项目", "补贴金额（元）"]]
    people = [(40, "北山村"), (41, "北山村"), (42, "潮际村委会"), (43, "潮记村"), (44, "渔田村")]
    for i, (n, village) in enumerate(people, 1):
        name, id_ = person(n)
        rows.append([i, "沙头镇", village, name, id_, "2022年实际种粮农民一次性补贴", f"{1000 + 12.5 * n:,.2f}"])
    write_csv(folder / "沙头镇" / "沙头镇实际种粮一次性补贴.csv", rows, encoding="gbk")


def _supplement(folder: Path) -> None:
    """A late supplementary roster that lists a household already paid in the main roster; written by a script,
    its amounts are formulas saved without results."""
    name, id_ = person(6)
    rows = [["岩头镇2022年度耕地地力保护补贴补报清册"], ["序号", "村名", "户主姓名", "身份证号码", "补贴面积", "补贴标准", "补贴金额"],
            [1, "周宅村", name, id_, 2.0, 112, 224.00],  # planted: already in the main roster -> duplicate_payment
            [2, "霞美村", person(14)[0], person(14)[1], 1.5, 112, 168.00]]
    write_xlsx(folder / "岩头镇" / "岩头镇耕地地力保护补贴补报清册.xlsx", {"补报": rows}, text_columns={"补报": {3}},
               formulas={"补报": {"G3": "=ROUND(E3*F3,2)", "G4": "=ROUND(E4*F4,2)"}})


def _yantou_amounts() -> dict[int, float]:
    """What the main 岩头镇 roster lists per person (n -> amount)."""
    areas = {1: 2.5, 2: 1.8, 3: 3.2, 4: 0.9, 5: 4.1, 6: 2.0, 7: 1.25, 8: 5.6, 9: 3.0, 10: 1.1, 11: 2.7, 12: 0.6, 13: 3.3}
    return {n: round(a * 112, 2) for n, a in areas.items()}


def _bank_results(folder: Path) -> None:
    """一卡通代发结果 from the rural commercial bank, paid in January 2023 for 2022 subsidies.

    耕地地力保护补贴 (岩头镇): person 2 failed (账户已销户) and was re-issued in a second file; person 4 failed
    (户名不符) and was not; person 5 has no bank record; person 8 was paid 627.20 where the roster says 600.00;
    person 6, listed twice in the rosters, was paid once; person 50 is in no roster.
    稻谷补贴 (桥下镇): a GBK CSV without ID numbers, matched by name and amount.
    """
    head = ["序号", "户名", "证件号码", "账号", "金额", "摘要", "处理结果", "失败原因", "交易日期"]
    rows = [["永嘉农商银行一卡通代发结果（2023年1月）"], head]
    amounts = _yantou_amounts()
    amounts[14] = 168.00
    seq = 1
    for n in sorted(amounts):
        if n == 5:
            continue
        name, id_ = person(n)
        paid = 627.20 if n == 8 else amounts[n]
        status, reason = ("失败", "账户已销户") if n == 2 else ("失败", "户名不符") if n == 4 else ("成功", "")
        rows.append([seq, name, id_, f"6230910{n:012d}", paid, "2022年耕地地力保护补贴", status, reason, "2023-01-10"])
        seq += 1
    stranger = person(50)
    rows.append([seq, stranger[0], stranger[1], "6230910000000000050", 112.00, "2022年耕地地力保护补贴", "成功", "", "2023-01-10"])
    write_xlsx(folder / "一卡通代发结果" / "耕地地力保护补贴代发结果.xlsx", {"代发结果": rows},
               merges={"代发结果": ["A1:I1"]}, text_columns={"代发结果": {2, 3}})
    name, id_ = person(2)
    write_csv(folder / "一卡通代发结果" / "耕地地力保护补贴补发结果.csv",
              [head[1:], [name, id_, "6230910000000000202", f"{amounts[2]:.2f}", "2022年耕地地力保护补贴（补发）", "交易成功", "",
                          "2023-02-15"]], encoding="gb18030")
    rice = [["户名", "账号", "交易金额", "用途", "处理状态", "失败原因"]]
    for n in (30, 31, 32, 34):
        rice.append([person(n)[0], f"6230910{n:012d}", f"{(3 + n % 4) * 80:.2f}", "2022年稻谷补贴", "成功", ""])
    write_csv(folder / "一卡通代发结果" / "桥下镇稻谷补贴代发.csv", rice, encoding="gbk")


DECISIONS = {  # (kind, file, row) -> (decision, reason): what the county's clerk decided after the first run
    ("unreadable_file", "岩头镇/已损坏的清册.xlsx", None): ("已核实", "复制时损坏的旧版本，岩头镇已重报为补报清册"),
    ("unknown_village", "沙头镇/沙头镇实际种粮一次性补贴.csv", 5): ("已核实", "经沙头镇核实，该户不属本县，已从本批剔除"),
    ("unexpected_payment", "一卡通代发结果/耕地地力保护补贴代发结果.xlsx", 16): ("已核实", "银行错发，已追回"),
    ("duplicate_payment", "岩头镇/2022年生态公益林补偿.xlsx", 6): ("已核实", "同一户两块公益林，不是重复"),
    ("duplicate_payment", "岩头镇/2022年生态公益林补偿.xlsx", 7): ("已核实", "同一户两块公益林，不是重复"),
    ("subtotal_mismatch", "岩头镇/永嘉县岩头镇2022年度耕地地力保护补贴发放清册.xlsx", 20): ("暂缓", "等岩头镇重报小计"),
}


def write_decisions(folder: Path) -> None:
    """decisions.csv (GBK, as Excel saves it in China) with the clerk's decisions on the sample's problems, by
    the ids the tool gives them, plus one line whose problem no longer exists (listed as stale)."""
    from subsidy.stages import add_problems, assemble, read_inputs, reconcile_books

    books = reconcile_books(assemble(read_inputs(county_year(folder, 2022)), 2022))
    add_problems(books, [])
    rows = [["problem_id", "decision", "reason", "by", "date"]]
    for p in books.problems:
        decision = DECISIONS.get((p.kind, p.source_file, p.source_row))
        if decision:
            rows.append([p.problem_id, *decision, "王会计", "2022-11-28"])
    rows.append(["amount_mismatch-000000000000", "已核实", "上次运行的问题，已在源表改正", "王会计", "2022-11-20"])
    write_csv(folder / "decisions.csv", rows, encoding="gbk")


def build(folder: Path, decisions: bool = False) -> Path:
    """The sample county; with `decisions`, also the clerk's decisions.csv (the bundled inputs have one)."""
    folder.mkdir(parents=True, exist_ok=True)
    _roster_yantou(folder)
    _forest_by_sheet(folder)
    _rice_xls(folder)
    _grain_csv(folder)
    _supplement(folder)
    _bank_results(folder)
    (folder / "岩头镇" / "已损坏的清册.xlsx").write_bytes(b"PK\x03\x04 this workbook was cut off while copying")
    (folder / "notice.toml").write_text(
        "# 公示设置（见 README）\npublicity_days = 7\n"
        'county_bureau = "永嘉县农业农村局"\ncounty_bureau_phone = "0577-67221234"\n', encoding="utf-8")
    (folder / "contacts.csv").write_text(
        "town_name,village_name,village_code,phone\n,苍坡村,,0577-67351001\n,周宅村,,0577-67351002\n"
        "岩头镇,,,0577-67351000\n桥下镇,,,0577-67291000\n沙头镇,,,0577-67181000\n", encoding="utf-8")
    (folder / "说明.txt").write_text("样例输入：永嘉县2022年惠农补贴发放清册（人物和身份证号均为虚构）。\n", encoding="utf-8")
    if decisions:
        write_decisions(folder)
    return folder


if __name__ == "__main__":
    build(Path(sys.argv[1] if len(sys.argv) > 1 else "inputs"), decisions=True)
