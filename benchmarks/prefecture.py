"""A prefecture-shaped input set for the whole-run benchmark: every 村委会 of the bundled roster (2,951 villages
in 11 counties and 169 towns), one roster file per town and subsidy, plus one bank result file per county.

    python -m benchmarks.prefecture --rows 100000 --out benchmarks/out/pref_100000

The rosters come in the shapes counties send (rotating by town): a title and a two-row merged header with a
village column, 村小计 rows and a 合计 (.xlsx); one sheet per village named after it, amounts typed as text
(.xlsx); a GB18030 CSV with a title; an Excel 97-2003 .xls with each village merged over its rows. The bank
results pay every roster row (1 in 100 first fails and is paid again later), as .xlsx or GBK CSV by county.
Every ID is made up (valid check digit). The same seed gives the same files.

Layouts: "prefecture" puts one folder per county directly under the inputs folder (no year folder), which the
tool reads as one county-year of all villages; "county" puts them under inputs/2022/<county>/ (one county-year
per county).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
DIVISIONS = HERE.parent / "subsidy" / "data" / "wenzhou_divisions.csv"
YEAR = 2022
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程苏魏吕丁任沈姚卢"
GIVEN = "建国伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂芬玉珍志华德福海林春"
SUBSIDIES = (("耕地地力保护补贴", Decimal(112)), ("稻谷补贴", Decimal(80)), ("生态公益林补偿", None))
SHAPES = ("xlsx_merged", "xlsx_by_sheet", "csv_gb18030", "xls_merged")


@dataclass(frozen=True)
class Village:
    county: str
    county_code: str
    town: str
    code: str
    name: str  # as written in a roster: 岩头村, not 岩头村委会

    @property
    def short(self) -> str:
        return self.name


@dataclass(frozen=True)
class Row:
    village: Village
    name: str
    id: str
    account: str
    subsidy: str
    area: Decimal | None
    rate: Decimal | None
    amount: Decimal


def villages() -> list[Village]:
    with open(DIVISIONS, encoding="utf-8") as f:
        return [Village(county=r["county_name"], county_code=r["county_code"], town=r["town_name"],
                        code=r["village_code"], name=r["village_name"].removesuffix("委会"))
                for r in csv.DictReader(f) if r["village_name"].endswith("村委会")]


def _id(area: str, n: int) -> str:
    from subsidy.intake.normalising import id_check_char

    day = n // 1000  # a different birthday per thousand people keeps every ID unique
    year, month, dom = 1940 + day // 336 % 60, 1 + day // 28 % 12, 1 + day % 28
    first17 = f"{area}{year:04d}{month:02d}{dom:02d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def _name(n: int) -> str:
    given = GIVEN[n % len(GIVEN)] + (GIVEN[n // 7 % len(GIVEN)] if n % 3 else "")
    return SURNAMES[n // 11 % len(SURNAMES)] + given


def rows_of(all_villages: list[Village], total: int) -> dict[tuple[str, str, str], list[Row]]:
    """(county, town, subsidy) -> the roster rows, `total` in all, spread evenly over the villages: about half
    耕地地力保护补贴, three in ten 稻谷补贴 (the same people), two in ten 生态公益林补偿 (others)."""
    out: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    base, extra = divmod(total, len(all_villages))
    person = 0
    for k, v in enumerate(all_villages):
        size = base + (k < extra)
        land, rice = size * 5 // 10, size * 3 // 10
        forest = size - land - rice
        people = [(person + i, _name(person + i), _id(v.county_code, person + i)) for i in range(land + forest)]
        person += len(people)
        for which, chosen in ((0, people[:land]), (1, people[:rice]), (2, people[land:])):
            subsidy, rate = SUBSIDIES[which]
            for n, name, id_ in chosen:
                area = Decimal(n % 40 + 1) / 4 if rate else None
                amount = area * rate if rate else Decimal(50 + n % 500) + Decimal("0.5")
                out[(v.county, v.town, subsidy)].append(Row(
                    village=v, name=name, id=id_, account=f"623091{n:013d}", subsidy=subsidy, area=area, rate=rate,
                    amount=amount))
    return out


HEAD = ["序号", "村名", "户主姓名", "身份证号码", "一卡通账号", "补贴面积", "补贴标准", "补贴金额", "备注"]
UNITS = ["", "", "", "", "", "（亩）", "（元/亩）", "（元）", ""]


def _cells(row: Row, seq: int, village_column: bool, text_amounts: bool = False) -> list:
    amount = f"{row.amount:.2f}元" if text_amounts else float(row.amount)
    cells = [seq] + ([row.village.short] if village_column else []) + [row.name, row.id, row.account]
    if row.rate is not None:
        cells += [float(row.area), float(row.rate)]
    return cells + [amount, ""]


def _head(rows: list[Row], village_column: bool) -> tuple[list, list]:
    keep = [i for i in range(len(HEAD)) if (village_column or i != 1) and (rows[0].rate is not None or i not in (5, 6))]
    return [HEAD[i] for i in keep], [UNITS[i] for i in keep]


def _by_village(rows: list[Row]) -> dict[Village, list[Row]]:
    out: dict[Village, list[Row]] = defaultdict(list)
    for r in rows:
        out[r.village].append(r)
    return out


def _title(county: str, town: str, subsidy: str) -> str:
    return f"{county}{town}{YEAR}年度{subsidy}资金发放清册"


def _total_row(label: str, width: int, amount: Decimal) -> list:
    return [label] + [None] * (width - 3) + [float(amount), None]


def xlsx_merged(path: Path, title: str, rows: list[Row]) -> None:
    """A title, a two-row header (names merged over their units), 村小计 after each village and a 合计."""
    import openpyxl

    head, units = _head(rows, True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "发放清册"
    ws.append([title])
    ws.append(head)
    ws.append(units)
    for c in range(1, len(head) + 1):
        if not units[c - 1]:
            ws.merge_cells(start_row=2, start_column=c, end_row=3, end_column=c)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(head))
    seq, total = 0, Decimal(0)
    for village, members in _by_village(rows).items():
        for r in members:
            seq += 1
            ws.append(_cells(r, seq, True))
        sub = sum((r.amount for r in members), Decimal(0))
        ws.append(_total_row(f"{village.short}小计", len(head), sub))
        total += sub
    ws.append(_total_row("合计", len(head), total))
    wb.save(path)


def xlsx_by_sheet(path: Path, title: str, rows: list[Row]) -> None:
    """One sheet per village, named after it, no village column; amounts typed as text with 元."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    head, _ = _head(rows, False)
    for village, members in _by_village(rows).items():
        ws = wb.create_sheet(village.short)
        ws.append([f"{title}（{village.short}）"])
        ws.append(head)
        for seq, r in enumerate(members, 1):
            ws.append(_cells(r, seq, False, text_amounts=True))
    wb.save(path)


def csv_gb18030(path: Path, title: str, rows: list[Row]) -> None:
    head, _ = _head(rows, True)
    buffer = io.StringIO(newline="")
    out = csv.writer(buffer, lineterminator="\r\n")
    out.writerow([title])
    out.writerow(head)
    total = Decimal(0)
    for seq, r in enumerate(rows, 1):
        cells = _cells(r, seq, True)
        cells[-2] = f"{r.amount:.2f}"
        out.writerow(cells)
        total += r.amount
    out.writerow(["合计"] + [""] * (len(head) - 3) + [f"{total:.2f}", ""])
    path.write_bytes(buffer.getvalue().encode("gb18030"))


def xls_merged(path: Path, title: str, rows: list[Row]) -> None:
    """Excel 97-2003: each village's name merged over its rows, a 合计."""
    import xlwt

    head, _ = _head(rows, True)
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("清册")
    ws.write(0, 0, title)
    for c, text in enumerate(head):
        ws.write(1, c, text)
    line, seq, total = 2, 0, Decimal(0)
    for village, members in _by_village(rows).items():
        ws.write_merge(line, line + len(members) - 1, 1, 1, village.short)
        for r in members:
            seq += 1
            for c, value in enumerate(_cells(r, seq, True)):
                if c != 1 and value != "":
                    ws.write(line, c, value)
            line += 1
        total += sum((r.amount for r in members), Decimal(0))
    for c, value in enumerate(_total_row("合计", len(head), total)):
        if value is not None:
            ws.write(line, c, value)
    wb.save(str(path))


WRITERS = {"xlsx_merged": (xlsx_merged, ".xlsx"), "xlsx_by_sheet": (xlsx_by_sheet, ".xlsx"),
           "csv_gb18030": (csv_gb18030, ".csv"), "xls_merged": (xls_merged, ".xls")}
BANK_HEAD = ["户名", "身份证号", "账号", "金额", "摘要", "处理结果", "失败原因", "处理日期"]


def bank_rows(rows: list[Row], limit: int) -> list[list]:
    """Every roster row paid once; one in a hundred fails first and is paid again later (up to `limit` rows)."""
    out = []
    for n, r in enumerate(rows):
        cells = [r.name, r.id, r.account, f"{r.amount:.2f}", f"{YEAR}年{r.subsidy}"]
        if n % 100 == 1:
            out.append(cells + ["失败", "账户已冻结", f"{YEAR}-12-10"])
        out.append(cells + ["成功", "", f"{YEAR}-12-20"])
        if len(out) >= limit:
            break
    return out


def write_bank(folder: Path, county: str, rows: list[list], as_csv: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if as_csv:
        buffer = io.StringIO(newline="")
        csv.writer(buffer, lineterminator="\r\n").writerows([BANK_HEAD, *rows])
        (folder / f"{county}一卡通代发结果.csv").write_bytes(buffer.getvalue().encode("gbk"))
        return
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("代发结果")
    ws.append([f"{county}惠农补贴一卡通代发结果"])
    ws.append(BANK_HEAD)
    for cells in rows:
        ws.append(cells)
    wb.save(folder / f"{county}一卡通代发结果.xlsx")


def generate(root: Path, rows: int, bank: int, counties: tuple[str, ...] = ()) -> dict:
    """Write the prefecture under `root` (root/<county>/<town>/… and root/<county>/银行/…), or only the named
    counties; returns counts."""
    everything = rows_of([v for v in villages() if not counties or v.county in counties], rows)
    by_county: dict[str, list[Row]] = defaultdict(list)
    files = 0
    for k, ((county, town, subsidy), members) in enumerate(sorted(everything.items())):
        writer, suffix = WRITERS[SHAPES[k % len(SHAPES)]]
        folder = root / county / town
        folder.mkdir(parents=True, exist_ok=True)
        writer(folder / f"{town}{YEAR}年{subsidy}{suffix}", _title(county, town, subsidy), members)
        by_county[county] += members
        files += 1
    share = bank / max(1, rows)
    for k, (county, members) in enumerate(sorted(by_county.items())):
        write_bank(root / county / "银行", county, bank_rows(members, round(len(members) * share * 1.01) + 1), k % 4 == 3)
        files += 1
    return {"files": files, "rows": rows, "villages": len({r.village for m in everything.values() for r in m})}


def county_layout(prefecture: Path, target: Path) -> Path:
    """The same files as inputs/2022/<county>/… (hard links): one county-year per county."""
    for path in sorted(prefecture.rglob("*")):
        if path.is_file():
            dest = target / str(YEAR) / path.relative_to(prefecture)
            dest.parent.mkdir(parents=True, exist_ok=True)
            if not dest.exists():
                os.link(path, dest)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bank", type=int, default=None, help="bank rows (default: as many as roster rows)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    print(generate(args.out, args.rows, args.rows if args.bank is None else args.bank))


if __name__ == "__main__":
    main()
