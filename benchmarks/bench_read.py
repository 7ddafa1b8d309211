"""Benchmark: read and validate N roster rows of .xlsx (not a unit test; run with `make bench`).

    python benchmarks/bench_read.py --rows 200000 [--files 1]

Writes the files once under benchmarks/out/ (cached by size), then times `read_inputs` + `assemble` +
`summarise` + writing the outputs in this process, and prints wall time and peak memory (ru_maxrss).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from subsidy.county_year import CountyYear  # noqa: E402
from subsidy.stages import assemble, read_inputs, summarise, write_outputs  # noqa: E402
from tests.builders import county_year, make_id  # noqa: E402


def villages_of(town: str) -> list[str]:
    import csv

    with open(HERE.parent / "subsidy" / "data" / "wenzhou_divisions.csv", encoding="utf-8") as f:
        return [r["village_name"] for r in csv.DictReader(f) if r["town_name"] == town]


def make_file(path: Path, rows: int, first_seq: int) -> None:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("清册")
    names = villages_of("岩头镇")
    ws.append(["永嘉县岩头镇2022年度耕地地力保护补贴资金发放清册"])
    ws.append(["序号", "村名", "户主姓名", "身份证号码", "一卡通账号", "补贴面积（亩）", "补贴标准（元/亩）", "补贴金额（元）", "备注"])
    for i in range(rows):
        n = first_seq + i
        born = f"19{40 + n % 50:02d}{1 + n % 12:02d}{1 + n % 28:02d}"
        id_ = make_id("330324", born, n % 997)
        area = (n % 40 + 1) / 4
        ws.append([i + 1, names[n % len(names)].replace("村委会", "村"), f"农户{n}", id_, f"62300{n:014d}", area, 112,
                   round(area * 112, 2), ""])
    wb.save(path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--files", type=int, default=1)
    args = parser.parse_args()
    folder = HERE / "out" / f"in_{args.rows}_{args.files}"
    if not folder.exists():
        folder.mkdir(parents=True)
        per = args.rows // args.files
        t = time.perf_counter()
        for f in range(args.files):
            make_file(folder / f"roster_{f:03d}.xlsx", per, f * per)
        print(f"generated {args.rows} rows in {args.files} files: {time.perf_counter() - t:.1f}s")
    t0 = time.perf_counter()
    intake = read_inputs(county_year(folder, 2022))
    t1 = time.perf_counter()
    books = assemble(intake, 2022)
    summary = summarise(books)
    t2 = time.perf_counter()
    peak_validated = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    write_outputs(books, summary, CountyYear.flat(folder, HERE / "out" / f"result_{args.rows}_{args.files}", 2022))
    t3 = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows={len(books.households)} problems={len(books.problems)} villages={len(summary)}")
    print(f"read+parse {t1 - t0:.2f}s  validate+summarise {t2 - t1:.2f}s  (read and validate: {t2 - t0:.2f}s, "
          f"peak RSS {peak_validated:.0f} MB)")
    print(f"write CSVs and the staff workbook {t3 - t2:.2f}s  total {t3 - t0:.2f}s  peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
