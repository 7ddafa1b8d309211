"""Random roster shapes for a property test: titles or none, 填报单位 rows, synonyms in the header, areas or
not, villages written out, merged over their rows or only on each group's first row, 小计 for some villages,
合计 and footers, amounts as numbers or text with 元 and separators, in .xlsx, .xls or CSV (UTF-8, GBK,
GB18030); and mostly a bank result file in which each household was paid, failed or is missing, or else a
few planted problems (a bad check digit, an ID typed into a number cell, area × rate not the amount, no name,
a misspelt village). Whatever the shape, the run must account for every row, add up to what was written and
paid, and report exactly the planted problems at their file, sheet and row.

    python -m tests.fuzz_county 200 [seed]     # many counties, prints any that go wrong
"""
import random
import sys
import tempfile
import traceback
from decimal import Decimal
from pathlib import Path

from subsidy.stages import assemble, read_inputs, reconcile_books, summarise
from tests.builders import bad_check, county_year, make_id, write_csv, write_xls, write_xlsx

VILLAGES = [("岩头镇", "苍坡村"), ("岩头镇", "周宅村"), ("岩头镇", "芙蓉村"), ("桥下镇", "梅岙村"), ("桥下镇", "韩埠村")]
NAME_H = ["户主姓名", "姓名", "户名", "农户姓名", "补贴对象", "承包方名称"]
ID_H = ["身份证号码", "身份证号", "证件号码", "公民身份号码", "身份证号码（18位）"]
AREA_H = ["补贴面积（亩）", "计补面积", "面积", "种植面积(亩)"]
RATE_H = ["补贴标准（元/亩）", "标准", "补贴标准"]
AMT_H = ["补贴金额（元）", "应发金额", "金额", "补贴金额"]
VIL_H = ["村名", "所在村", "行政村", "村（社区）", "村"]
SURN = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "建国伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚"


def person(rng, seq):
    """A made-up person; IDs stay unique within a county (the sequence and area code differ per roster)."""
    name = rng.choice(SURN) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))
    area = ("330324", "330381", "330382")[seq // 1000 % 3]
    return name, make_id(area, f"19{rng.randint(40, 99)}0{rng.randint(1, 9)}1{rng.randint(0, 9)}", seq)


def roster_by_sheet(rng, folder: Path, k: int, seq0: int, people: list) -> tuple[Decimal, int]:
    """One sheet per village, named after it (sometimes numbered), with no village column."""
    town, _ = rng.choice(VILLAGES)
    villages = [v for t, v in VILLAGES if t == town]
    head = ["序号", rng.choice(NAME_H), rng.choice(ID_H), rng.choice(AMT_H)]
    sheets, total, count, seq = {}, Decimal(0), 0, seq0
    for n, v in enumerate(rng.sample(villages, k=rng.randint(1, len(villages))), 1):
        rows = [[f"{town}{v}2022年耕地地力保护补贴发放表"]] if rng.random() < 0.5 else []
        rows.append(head)
        for i in range(rng.randint(1, 5)):
            seq += 1
            name, id_ = person(rng, seq)
            amount = Decimal(rng.randint(500, 90000)) / 100
            rows.append([i + 1, name, id_, rng.choice([float(amount), f"{amount}元"])])
            total += amount
            count += 1
            people.append((name, id_, amount))
        sheets[rng.choice([v, f"{n}.{v}", f"{v}委会"])] = rows
    write_xlsx(folder / f"{town}2022年耕地地力保护补贴{k}.xlsx", sheets)
    return total, count


def roster_wide(rng, folder: Path, k: int, seq0: int) -> tuple[Decimal, int]:
    """One amount column per subsidy (and a row total), sometimes under subsidy names merged over 面积/金额."""
    town, _ = rng.choice(VILLAGES)
    villages = [v for t, v in VILLAGES if t == town]
    two_rows = rng.random() < 0.5  # the subsidy names merged over 面积/金额 sub-columns
    if two_rows:
        rows = [[f"{town}2022年惠农补贴发放清册"],
                ["序号", "村名", "户主姓名", "身份证号码", "耕地地力保护补贴", "耕地地力保护补贴", "稻谷补贴", "稻谷补贴", "合计"],
                ["", "", "", "", "面积", "金额", "面积", "金额", ""]]
        merges = ["A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:F2", "G2:H2", "I2:I3"]
    else:
        rows = [[f"{town}2022年惠农补贴发放清册"], ["序号", "村名", "户主姓名", "身份证号码", "耕地地力保护补贴（元）", "稻谷补贴（元）", "合计（元）"]]
        merges = []
    total, count, seq = Decimal(0), 0, seq0
    for v in villages:
        for _ in range(rng.randint(1, 4)):
            seq += 1
            name, id_ = person(rng, seq)
            a = Decimal(rng.randint(1, 50)) * 112 / 10
            b = Decimal(rng.choice([0, 0, rng.randint(1, 30) * 80])) / 10
            amounts = [float(a), float(b) if b else None]
            if two_rows:
                rows.append([seq - seq0, v, name, id_, float(a / 112), amounts[0], float(b / 80) if b else None, amounts[1],
                             float(a + b)])
            else:
                rows.append([seq - seq0, v, name, id_, amounts[0], amounts[1], float(a + b)])
            total += a + b
            count += 1
    write_xlsx(folder / f"{town}2022年惠农补贴{k}.xlsx", {"清册": rows}, merges={"清册": merges})
    return total, count


def roster(rng, folder: Path, k: int, seq0: int, people: list, planted: list | None = None) -> tuple[Decimal, int]:
    """Write one roster file; returns (expected total of used rows, expected household rows). Every household
    written is added to `people` as (name, id, amount). With `planted`, a few rows get a problem the run must
    find, added to it as (kind, file, sheet, row)."""
    fmt = rng.choice(["xlsx", "xlsx", "xls", "csv"])
    marks: list[tuple[str, int]] = []  # (kind, index in rows + 1)
    town, _ = rng.choice(VILLAGES)
    villages = [v for t, v in VILLAGES if t == town]
    title = f"永嘉县{town}2022年度耕地地力保护补贴资金发放清册"
    with_area = rng.random() < 0.7
    head = ["序号", rng.choice(VIL_H), rng.choice(NAME_H), rng.choice(ID_H)]
    if with_area:
        head += [rng.choice(AREA_H), rng.choice(RATE_H)]
    head += [rng.choice(AMT_H), "备注"]
    rows = []
    if rng.random() < 0.8:
        rows.append([title])
    if rng.random() < 0.5:
        rows.append([f"填报单位：{town}人民政府", None, None, None, "单位：元"])
    rows.append(head)
    if rng.random() < 0.3:  # units on a second header row
        rows.append(["", "", "", ""] + (["（亩）", "（元/亩）"] if with_area else []) + ["（元）", ""])
    total, count, seq, excluded = Decimal(0), 0, seq0, Decimal(0)
    by_village: dict[str, tuple[int, Decimal]] = {}  # what a 分村汇总表 beside the roster must say
    merges = []
    blank_below = rng.random() < 0.3
    merged = not blank_below and rng.random() < 0.4
    gaps = rng.random() < 0.2
    per_group = not (blank_below or merged) and rng.random() < 0.3  # 一组小计 … under each village's 苍坡村小计
    for v in rng.sample(villages, k=rng.randint(1, len(villages))):
        if gaps and len(rows) > 3:
            rows.append([])  # a blank row between villages
        start = len(rows)
        seg = group_seg = Decimal(0)
        group = 0
        size = rng.randint(1, 6)
        for i in range(size):
            seq += 1
            name, id_ = person(rng, seq)
            area = Decimal(rng.randint(1, 80)) / 10
            amount = area * 112 if with_area else Decimal(rng.randint(50, 900))
            amt_cell = rng.choice([float(amount), f"{amount:,.2f}", f"{amount}元", str(amount)])
            vcell = v if (i == 0 or not (blank_below or merged)) else None
            if rng.random() < 0.1:
                vcell = rng.choice([f"{v}委会", f"{town}{v}", f"{v}三组"]) if vcell else vcell
            id_cell, shown_name, plant = id_, name if rng.random() > 0.05 else f" {name} ", None
            if planted is not None and rng.random() < 0.2:
                plant = rng.choice(["invalid_id", "id_precision_lost", "amount_mismatch", "missing_field",
                                    "unknown_village"])
                if plant == "invalid_id":
                    id_cell = bad_check(id_)
                elif plant == "id_precision_lost" and not id_.endswith("X"):
                    id_cell = f"{int(id_):.5E}" if fmt == "csv" else float(int(id_))
                elif plant == "amount_mismatch" and with_area:
                    amount += 5
                    amt_cell = float(amount)
                elif plant == "missing_field" and not (blank_below or merged):
                    shown_name = ""
                elif plant == "unknown_village" and not (blank_below or merged):
                    vcell = "潮记村"
                else:
                    plant = None
            row = [seq - seq0, vcell, shown_name, id_cell]
            if with_area:
                row += [float(area), 112]
            row += [amt_cell, ""]
            rows.append(row)
            if plant:
                marks.append((plant, len(rows)))
            group_seg += amount
            if per_group and (i == size - 1 or rng.random() < 0.4):
                rows.append([f"{'一二三四五六'[group]}组小计", None, None, None] + ([None, None] if with_area else [])
                            + [float(group_seg)])
                group, group_seg = group + 1, Decimal(0)
            if plant == "unknown_village":  # left out of the books (and reported); its money still in the 小计
                seg += amount
                excluded += amount
                continue
            seg += amount
            count += 1
            people.append((name, id_, amount))
            by_village[v] = (by_village.get(v, (0, Decimal(0)))[0] + 1, by_village.get(v, (0, Decimal(0)))[1] + amount)
        if merged and len(rows) - start > 1:
            merges.append(f"B{start + 1}:B{len(rows)}")
        total += seg
        if rng.random() < 0.6 or blank_below or per_group:
            label = rng.choice([f"{v}小计", f"{v}合计"]) if per_group else "小计"
            households = f"{size}户" if rng.random() < 0.3 else None  # a count the run checks as well
            sub = [label, None, households, None] + ([None, None] if with_area else []) + [float(seg)]
            rows.append(sub)
    if rng.random() < 0.7:
        rows.append(["合计", None, None, None] + ([None, None] if with_area else []) + [float(total)])
    if rng.random() < 0.5:
        rows.append(["制表人：张某", None, "审核人：李某", None, "日期：2022年12月1日"])
    name = f"{town}2022年耕地地力保护补贴{k}"
    offset = 0
    sheets = {"清册": rows}
    if rng.random() < 0.3:  # a 分村汇总表 beside the roster, which must agree with it
        summary = [[f"{town}2022年耕地地力保护补贴分村汇总表"], ["村名", "户数", "补贴金额（元）"]]
        summary += [[v, n, float(a)] for v, (n, a) in by_village.items()]
        summary.append(["合计", sum(n for n, _ in by_village.values()), float(sum(a for _, a in by_village.values()))])
        sheets["汇总"] = summary
    if fmt == "xlsx" and not merges and rng.random() < 0.3:  # a table that does not start in A1
        start = rng.choice(["B2", "C4"])
        offset = int(start[1:]) - 1
        write_xlsx(folder / f"{name}.xlsx", sheets, start=start)
    elif fmt == "xlsx":
        write_xlsx(folder / f"{name}.xlsx", sheets, merges={"清册": merges})
    elif fmt == "xls":
        xls_merges = []
        for m in merges:
            a, b = m.split(":")
            xls_merges.append((int(a[1:]) - 1, int(b[1:]) - 1, 1, 1))
        write_xls(folder / f"{name}.xls", sheets, merges={"清册": xls_merges})
    else:
        if merged:  # CSV has no merged cells: write every village
            last = None
            for r in rows[1:]:
                if len(r) > 3 and isinstance(r[0], int):
                    if r[1]:
                        last = r[1]
                    else:
                        r[1] = last
        write_csv(folder / f"{name}.csv", [[("" if c is None else c) for c in r] for r in rows],
                  encoding=rng.choice(["utf-8-sig", "gbk", "gb18030"]))
    if planted is not None:
        sheet = name if fmt == "csv" else "清册"
        planted += [(kind, f"{name}.{fmt}", sheet, row + offset) for kind, row in marks]
    return total - excluded, count


BANK_HEADS = [("户名", "姓名", "账户名称"), ("证件号码", "身份证号"), ("账号", "卡号", "一卡通账号"), ("金额", "发放金额", "交易金额"),
              ("摘要", "用途"), ("处理结果", "状态", "交易状态"), ("失败原因", "备注")]
OK_STATUS = ("成功", "交易成功", "已入账", "处理成功")
FAILED_STATUS = ("失败", "退回", "交易失败")


def bank(rng, folder: Path, people: list) -> dict:
    """A bank result file for the county's rosters: each household paid, failed, or missing; without an ID
    column now and then (matched by name and amount). Returns the figures the run must find: paid, failed,
    and how many payment_failed and unpaid problems."""
    head = [rng.choice(h) for h in BANK_HEADS]
    rows = [["永嘉农商银行代发结果"], head] if rng.random() < 0.5 else [head]
    want = {"paid": Decimal(0), "failed": Decimal(0), "payment_failed": 0, "unpaid": 0}
    for n, (name, id_, amount) in enumerate(people):
        # the first household always has a bank row: a file without any names no subsidy, and covers nothing
        fate = "paid" if n == 0 else rng.choices(["paid", "failed", "none"], weights=[8, 1, 1])[0]
        if fate == "none":
            want["unpaid"] += 1
            continue
        status = rng.choice(OK_STATUS if fate == "paid" else FAILED_STATUS)
        rows.append([name, id_, f"62309100{n:011d}", rng.choice([float(amount), f"{amount:.2f}"]),
                     "2022年耕地地力保护补贴", status, "" if fate == "paid" else "账户已销户"])
        want[fate] += amount
        want["payment_failed"] += fate == "failed"
    names = [name for name, _, _ in people]
    if len(set(names)) == len(names) and rng.random() < 0.4:  # no ID column: matched by name and amount
        rows = [r[:1] + r[2:] if len(r) > 1 else r for r in rows]
    fmt = rng.choice(["xlsx", "xls", "csv"])
    if fmt == "xlsx":
        write_xlsx(folder / "银行" / "代发结果.xlsx", {"结果": rows})
    elif fmt == "xls":
        write_xls(folder / "银行" / "代发结果.xls", {"结果": rows})
    else:
        write_csv(folder / "银行" / "代发结果.csv", rows, encoding=rng.choice(["gbk", "gb18030", "utf-8-sig"]))
    return want


def generate(folder: Path, seed: int) -> tuple[Decimal, int, dict | None]:
    """A random county's rosters (and, mostly, bank results) in `folder`; returns (total the rosters list,
    household rows, what the bank results must come to or None)."""
    rng = random.Random(seed)
    expected, rows, people, planted = Decimal(0), 0, [], []
    with_bank = rng.random() < 0.6  # planted problems only without bank results, whose matching they would change
    for k in range(rng.randint(1, 3)):
        if not with_bank and rng.random() < 0.15:
            t, c = roster_wide(rng, folder, k, 1000 * k)
        elif rng.random() < 0.2:
            t, c = roster_by_sheet(rng, folder, k, 1000 * k, people)
        else:
            t, c = roster(rng, folder, k, 1000 * k, people, None if with_bank else planted)
        expected += t
        rows += c
    return expected, rows, bank(rng, folder, people) if with_bank else None, planted


def check(folder: Path, expected: Decimal, rows: int, bank_figures: dict | None = None,
          planted: list | None = None) -> list[str]:
    """What went wrong reading the county (empty when nothing did): every planted problem found at its file,
    sheet and row, and no other."""
    books = reconcile_books(assemble(read_inputs(county_year(folder, 2022)), 2022))
    summary = summarise(books)
    due = sum((r.amount_due for r in summary), Decimal(0))
    read, accounted = sum(r.nonblank for r in books.sheets), sum(books.row_counts.values())
    expected_kinds = {"payment_failed", "unpaid"} if bank_figures else set()
    planted_set = set(planted or ())
    found = {(p.kind, p.source_file, p.source_sheet, p.source_row) for p in books.problems}
    wrong = [f"{p.kind} {p.source_file} {p.source_sheet} {p.source_row}: {p.detail}" for p in books.problems
             if p.kind not in expected_kinds and (p.kind, p.source_file, p.source_sheet, p.source_row) not in planted_set]
    wrong += [f"planted {kind} at {file} {sheet} {row} not found" for kind, file, sheet, row in sorted(planted_set - found)]
    if bank_figures:
        found = {"paid": sum((r.amount_paid or 0 for r in summary), Decimal(0)),
                 "failed": sum((r.amount_failed or 0 for r in summary), Decimal(0)),
                 "payment_failed": sum(p.kind == "payment_failed" for p in books.problems),
                 "unpaid": sum(p.kind == "unpaid" for p in books.problems)}
        if found != bank_figures:
            wrong.append(f"bank results {found}, written {bank_figures}")
        if not all(r.balances() for r in summary):
            wrong.append("due != paid + failed + unpaid + differences")
    if due != expected:
        wrong.append(f"due {due}, written {expected}")
    if books.row_counts.get("household", 0) != rows:
        wrong.append(f"household rows {books.row_counts.get('household', 0)}, written {rows}")
    if read != accounted:
        wrong.append(f"rows accounted {accounted} of {read}")
    return wrong


def main(n: int, seed: int) -> None:
    failures = 0
    for trial in range(seed, seed + n):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "in"
            expected, rows, bank_figures, planted = generate(folder, trial)
            try:
                wrong = check(folder, expected, rows, bank_figures, planted)
            except Exception:  # noqa: BLE001 - a fuzzer reports every crash and goes on
                wrong = [traceback.format_exc()]
            if wrong:
                failures += 1
                print(f"seed {trial}:", *wrong[:5], sep="\n    ")
    print(f"{n} counties, {failures} went wrong")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100, int(sys.argv[2]) if len(sys.argv) > 2 else 0)
