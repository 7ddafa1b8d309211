"""Benchmark of the whole run at prefecture scale (`make bench`; a script, not a timed test).

    python benchmarks/bench_run.py --rows 100000 [--repeat 3] [--layout prefecture|county] [--incremental]

Generates (once, cached under benchmarks/out/) the prefecture-shaped inputs of benchmarks/prefecture.py: all
2,951 villages, one roster per town and subsidy in the shapes counties send, and as many bank rows as roster rows.
Then, in fresh output folders, runs the commands a clerk runs, each in its own process as `subsidy` would:
`subsidy run` (drafts) and `subsidy publish` (final notices, archive, site), all on one Dagster instance (as a
clerk's DAGSTER_HOME: a fresh one per command cost a second of set-up each). It prints per stage the seconds
(from the Dagster run's step events), rows/s and pages/s, and the peak memory of the largest process.

The floor is the same work done as bare as possible, measured in the same run: every input file read with
python-calamine (CSV with the csv module), and the same number of pages, in as many PDF files, drawn with the
same fonts on a bare reportlab canvas (a title and a 25-row table per page) on all cores. The ratio is the
whole run over the floor.

--incremental then changes one town's roster (a name corrected) and times `subsidy run` again on the same
outputs (its cache under internal/ reused), against the full run: as many times as --repeat, a different town each
time, and prints the median.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

GENERATOR_VERSION = "1"
STAGES = (("读取 read", ("input_files",)), ("核对 check", ("household_records",)),
          ("对账 reconcile", ("reconciliation",)), ("汇总 summary", ("village_summary",)),
          ("公示草稿 notices", ("village_notices",)), ("工作簿 workbook", ("problem_report", "village_status")),
          ("公示归档 archive/publish", ("publication",)), ("网站 site", ("site",)))
SITE_MESSAGE = "更新公开网站和开放数据"
_COUNT = re.compile(rb"/Type /Pages\s*/Count (\d+)|/Count (\d+)\s*/Kids")


# ---------------------------------------------------------------- the inputs


def inputs_for(rows: int, layout: str) -> Path:
    """The generated inputs (cached by size and generator version): prefecture or per-county layout."""
    from benchmarks.prefecture import county_layout, generate

    base = HERE / "out" / f"prefecture_{rows}"
    stamp = base / "generated.json"
    if not stamp.exists() or json.loads(stamp.read_text()).get("version") != GENERATOR_VERSION:
        shutil.rmtree(base, ignore_errors=True)
        t = time.perf_counter()
        facts = generate(base / "prefecture", rows, rows)
        print(f"生成输入：{facts['files']}个文件，{rows}行清册，{facts['villages']}个村，{time.perf_counter() - t:.0f}秒")
        stamp.write_text(json.dumps({"version": GENERATOR_VERSION, **facts}))
    if layout == "county":
        return county_layout(base / "prefecture", base / "county")
    return base / "prefecture"


def input_rows(folder: Path) -> int:
    return json.loads((folder.parent / "generated.json").read_text())["rows"]


# ---------------------------------------------------------------- one command, in its own process


def child(command: str, inputs: Path, outputs: Path, home: Path) -> None:
    """Run one `subsidy` command in this process and print what it took as JSON (the last line)."""
    os.environ["DAGSTER_HOME"] = str(home)
    home.mkdir(parents=True, exist_ok=True)
    since = time.time()
    from dagster_project.cli import main

    argv = [command, "--inputs", str(inputs), "--outputs", str(outputs), "--quiet"]
    if command == "publish":
        argv += ["--date", "2022-12-01", "--by", "基准测试"]
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        stdout, sys.stdout = sys.stdout, quiet
        try:
            code = main(argv)
        finally:
            sys.stdout = stdout
    wall = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"exit": code, "wall": wall, "stages": stage_seconds(since),
                      "rss_mb": [own / 1024, workers / 1024]}))


def stage_seconds(since: float) -> dict[str, float]:
    """Seconds per asset step over the runs this command made (the publication split at the site's start)."""
    import dagster as dg

    instance = dg.DagsterInstance.get()
    seconds: dict[str, float] = {}
    for record in instance.get_run_records():
        if record.create_timestamp.timestamp() < since:
            continue
        run = record.dagster_run
        started: dict[str, float] = {}
        site_start = None
        for entry in instance.all_logs(run.run_id):
            event = entry.dagster_event
            if entry.user_message == SITE_MESSAGE:
                site_start = entry.timestamp
            if event is None or not entry.step_key:
                continue
            if event.event_type_value == "STEP_START":
                started[entry.step_key] = entry.timestamp
            elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
                end = entry.timestamp
                if entry.step_key == "publication" and site_start is not None:
                    seconds["site"] = seconds.get("site", 0) + end - site_start
                    end = site_start
                seconds[entry.step_key] = seconds.get(entry.step_key, 0) + end - started[entry.step_key]
    return seconds


_HOME: list[tempfile.TemporaryDirectory] = []  # one Dagster instance for all the commands, as a clerk has one


def command(name: str, inputs: Path, outputs: Path) -> dict:
    if not _HOME:
        _HOME.append(tempfile.TemporaryDirectory(prefix="bench-dagster-home."))
    done = subprocess.run([sys.executable, __file__, "--child", name, "--inputs", str(inputs), "--outputs",
                           str(outputs), "--home", _HOME[0].name], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{name} 失败：\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["exit"] not in (0, 3):
        sys.exit(f"{name} 退出状态 {result['exit']}：\n{done.stderr[-3000:]}")
    return result


# ---------------------------------------------------------------- pages and the floor


def pdf_pages(folder: Path) -> tuple[int, int]:
    """(files, pages) of the PDFs under `folder` (the page count read from each file's page tree)."""
    files = pages = 0
    for path in folder.rglob("*.pdf"):
        found = _COUNT.search(path.read_bytes())
        files += 1
        pages += int(found.group(1) or found.group(2)) if found else 0
    return files, pages


def read_floor(inputs: Path) -> float:
    """Seconds to read every input file bare: calamine for workbooks, the csv module for text."""
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    for path in sorted(inputs.rglob("*")):
        if path.suffix in (".xlsx", ".xls"):
            book = CalamineWorkbook.from_path(str(path))
            for name in book.sheet_names:
                book.get_sheet_by_name(name).to_python()
        elif path.suffix == ".csv":
            data = path.read_bytes()
            for encoding in ("utf-8", "gb18030"):
                try:
                    list(csv.reader(io.StringIO(data.decode(encoding))))
                    break
                except UnicodeDecodeError:
                    continue
    return time.perf_counter() - started


def _bare_document(job: tuple[str, int]) -> int:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from subsidy.notices import fonts

    path, pages = job
    fonts.register()
    c = Canvas(path, pagesize=A4, invariant=1, pageCompression=1, initialFontName=fonts.REGULAR)
    for page in range(pages):
        c.setFont(fonts.BOLD, 16)
        c.drawCentredString(297, 800, "岩头镇苍坡村2022年度惠农补贴资金发放结果公示")
        c.setFont(fonts.REGULAR, 10.5)
        for r in range(25):
            y = 760 - r * 26
            for k, text in enumerate((str(r + 1), "王建国", "耕地地力保护补贴", "3.50", "112.00", "392.00", "已发放")):
                c.rect(40 + k * 73, y - 6, 73, 26)
                c.drawString(44 + k * 73, y + 2, text)
        c.drawCentredString(297, 30, f"第 {page + 1} 页 共 {pages} 页")
        c.showPage()
    c.save()
    return pages


def draw_floor(files: int, pages: int) -> float:
    """Seconds to draw `pages` pages in `files` PDF files on a bare canvas, on all cores, written to disk."""
    from subsidy.notices import fonts

    fonts.register()
    with tempfile.TemporaryDirectory() as folder:
        jobs = [(f"{folder}/{n}.pdf", pages // files + (n < pages % files)) for n in range(files)]
        started = time.perf_counter()
        with ProcessPoolExecutor(os.cpu_count()) as pool:
            drawn = sum(pool.map(_bare_document, jobs, chunksize=8))
        elapsed = time.perf_counter() - started
    assert drawn == pages
    return elapsed


# ---------------------------------------------------------------- the whole run


def once(inputs: Path, outputs: Path, rows: int, publishing: bool = True) -> dict:
    shutil.rmtree(outputs, ignore_errors=True)
    run = command("run", inputs, outputs)
    run_files, run_pages = pdf_pages(outputs)
    publish = command("publish", inputs, outputs) if publishing else {"wall": 0.0, "stages": {}, "rss_mb": [0, 0]}
    archived = [p for p in outputs.rglob("archive") if p.is_dir()]
    pub_files, pub_pages = (sum(x) for x in zip(*(pdf_pages(a) for a in archived), strict=True)) if archived else (0, 0)
    read = read_floor(inputs)
    draw = draw_floor(run_files + pub_files, run_pages + pub_pages)
    whole = run["wall"] + publish["wall"]
    return {"run": run, "publish": publish, "pages": (run_pages, pub_pages), "files": (run_files, pub_files),
            "floor": (read, draw), "whole": whole, "ratio": whole / (read + draw), "rows": rows,
            "rss_mb": max(run["rss_mb"] + publish["rss_mb"])}


def report(result: dict) -> None:
    run, publish = result["run"]["stages"], result["publish"]["stages"]
    rows = result["rows"] * 2  # roster rows and as many bank rows
    run_pages, pub_pages = result["pages"]
    print(f"  {'阶段 stage':<28}{'run s':>8}{'publish s':>11}")
    for label, steps in STAGES:
        a, b = sum(run.get(s, 0) for s in steps), sum(publish.get(s, 0) for s in steps)
        if not (a or b):
            continue
        rate = ""
        if steps[0] == "input_files" and a:
            rate = f"{rows / a:,.0f} 行/s rows/s"
        elif steps[0] == "village_notices" and a:
            rate = f"{run_pages / a:,.0f} 页/s pages/s（{run_pages}页）"
        elif steps[0] == "publication" and b:
            rate = f"{pub_pages / b:,.0f} 页/s pages/s（{pub_pages}页）"
        print(f"  {label:<28}{a:8.1f}{b:11.1f}   {rate}")
    read, draw = result["floor"]
    print(f"  命令用时 commands: run {result['run']['wall']:.1f}s + publish {result['publish']['wall']:.1f}s = "
          f"{result['whole']:.1f}s；最大进程内存 peak RSS of the largest process {result['rss_mb']:.0f} MB "
          f"(run: main {result['run']['rss_mb'][0]:.0f} MB, workers {result['run']['rss_mb'][1]:.0f} MB; "
          f"publish: main {result['publish']['rss_mb'][0]:.0f} MB, workers {result['publish']['rss_mb'][1]:.0f} MB)")
    print(f"  下限 floor: calamine 读 {read:.1f}s + 裸画布 {run_pages + pub_pages} 页 {draw:.1f}s = {read + draw:.1f}s；"
          f"比值 ratio {result['ratio']:.2f}")


def incremental(inputs: Path, outputs: Path, full_run: float, times: int) -> None:
    """Correct one name in one town's roster and run again on the same outputs; `times` times, a different town
    each time (so each re-run finds exactly one town's file changed), and the median."""
    from benchmarks.prefecture import SHAPES, WRITERS, _title, rows_of, villages

    everything = sorted(rows_of(villages(), input_rows(inputs)).items())
    merged = [i for i in range(len(everything)) if SHAPES[i % len(SHAPES)] == "xlsx_merged"]
    root = inputs if (inputs / everything[0][0][0]).is_dir() else inputs / "2022"
    seconds = []
    try:
        for k in merged[:times]:
            (county, town, subsidy), members = everything[k]
            members[0] = members[0].__class__(**{**members[0].__dict__, "name": members[0].name + "某"})
            target = root / county / town / f"{town}2022年{subsidy}.xlsx"
            target.unlink()  # a hard link shared with the other layout: write a new file
            WRITERS["xlsx_merged"][0](target, _title(county, town, subsidy), members)
            again = command("run", inputs, outputs)
            seconds.append(again["wall"])
            print(f"  改{town}的清册后重跑 re-run after one town's file changed: {again['wall']:.1f}s = "
                  f"{again['wall'] / full_run:.2f} × 全量 full run ({full_run:.1f}s)")
            for label, steps in STAGES[:6]:
                print(f"    {label:<26}{sum(again['stages'].get(s, 0) for s in steps):8.1f}")
    finally:
        shutil.rmtree(inputs.parent, ignore_errors=True)  # the inputs changed: generate them afresh next time
    if len(seconds) > 1:
        middle = statistics.median(seconds)
        print(f"  重跑{len(seconds)}次的中位数 median re-run: {middle:.1f}s = {middle / full_run:.2f} × 全量 full run")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--layout", choices=("prefecture", "county"), default="prefecture")
    parser.add_argument("--incremental", action="store_true")
    parser.add_argument("--run-only", action="store_true", help="time `subsidy run` only (no publication)")
    parser.add_argument("--child")
    parser.add_argument("--inputs", type=Path)
    parser.add_argument("--outputs", type=Path)
    parser.add_argument("--home", type=Path)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.inputs, args.outputs, args.home)
    inputs = inputs_for(args.rows, args.layout)
    outputs = HERE / "out" / f"outputs_{args.rows}_{args.layout}"
    print(f"== 全流程 whole run：{args.rows}行清册 + {args.rows}行银行结果，2951个村，"
          f"{'每县一个文件夹、作为一个县年度' if args.layout == 'prefecture' else 'inputs/2022/<县>/（每县一个县年度）'}，"
          f"{os.cpu_count()}核 ==")
    results = []
    for n in range(args.repeat):
        results.append(once(inputs, outputs, args.rows, not args.run_only))
        print(f"-- 第{n + 1}次 run {n + 1}")
        report(results[-1])
    if args.repeat > 1:
        print(f"-- {args.repeat}次的中位数 median: 用时 {statistics.median(r['whole'] for r in results):.1f}s，"
              f"下限 {statistics.median(sum(r['floor']) for r in results):.1f}s，"
              f"比值 ratio {statistics.median(r['ratio'] for r in results):.2f}，"
              f"内存 {statistics.median(r['rss_mb'] for r in results):.0f} MB")
    if args.incremental:
        incremental(inputs, outputs, statistics.median(r["run"]["wall"] for r in results), args.repeat)


if __name__ == "__main__":
    main()
