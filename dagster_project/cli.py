"""The `subsidy` command line.

    subsidy run --inputs inputs --outputs outputs [--year 2022]

Materializes the same Dagster assets as the UI, in this process. An inputs folder laid out as
inputs/<year>/<county>/… runs each county-year into outputs/<year>/<county>/; a plain folder is one
county-year whose results go straight into --outputs. With DAGSTER_HOME set, the runs appear in the UI's run
history. Exit status: 0 when outputs were written (data problems are reported, not fatal), 1 when a run cannot
go on at all (one line on stderr says why), 2 for a usage error.

    subsidy verify --archive outputs/archive

Recomputes every hash of every archived version and checks the register; exits non-zero on any finding.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from subsidy import __version__, locking
from subsidy.layout import Partition, partitions
from subsidy.problems import KINDS
from subsidy.rosters import REASONS


def _progress_printer(stream):
    started = time.monotonic()

    def show(message: str) -> None:
        print(f"  {time.monotonic() - started:6.1f}s {message}", file=stream, flush=True)

    return show


class RunFailed(Exception):
    """A county-year could not be run; the message is the clerk's one-line reason."""


def materialize_partition(key: str, settings, progress=None) -> dict:
    """Materialize the whole asset graph for one partition in this process; returns the run report."""
    import dagster as dg

    from .assets import ASSETS
    from .partitions import county_year
    from .progress import set_printer
    from .sensors import CONCURRENCY_TAG

    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    if not instance.has_dynamic_partition(county_year.name, key):
        instance.add_dynamic_partitions(county_year.name, [key])
    set_printer(progress)
    try:
        result = dg.materialize(
            ASSETS, partition_key=key, instance=instance, raise_on_error=False,
            resources={"settings": settings, "io_manager": dg.mem_io_manager},
            tags={CONCURRENCY_TAG: key, "subsidy/started_by": "command line"},
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        )
    finally:
        set_printer(None)
        locking.release(settings.locate(key).outputs)
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure:
                data = event.step_failure_data
                if data.user_failure_data and data.user_failure_data.description:
                    raise RunFailed(data.user_failure_data.description)
                raise RunFailed(data.error.message.strip().splitlines()[-1] if data.error else "运行失败")
        failed_checks = [e.asset_check_evaluation_data.check_name for e in result.all_events
                         if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.asset_check_evaluation_data.passed]
        raise RunFailed(f"运行未完成（未通过的检查：{'、'.join(failed_checks) or '未知'}）")
    report = result.output_for_node("problem_report")
    report["archive"] = result.output_for_node("village_archive")
    return report


def cmd_run(args: argparse.Namespace) -> int:
    from .resources import SubsidySettings

    inputs, outputs = Path(args.inputs), Path(args.outputs)
    progress = None if args.quiet else _progress_printer(sys.stderr)
    if not inputs.is_dir():
        print(f"subsidy: 无法运行：输入文件夹不存在：{inputs}", file=sys.stderr)
        return 1
    parts = [p for p in partitions(inputs) if not args.year or p.year == args.year]
    if parts:
        jobs = [(p.key, SubsidySettings(inputs_dir=str(inputs), outputs_dir=str(outputs)), p.outputs(outputs))
                for p in parts]
    elif partitions(inputs):
        print(f"subsidy: 无法运行：{inputs} 中没有 {args.year} 年度的文件夹", file=sys.stderr)
        return 1
    else:
        key = f"{args.year or 'auto'}-{inputs.resolve().name}"
        jobs = [(key, SubsidySettings(inputs_dir=str(inputs), outputs_dir=str(outputs), flat=True, year=args.year),
                 outputs)]
    failures = 0
    for key, settings, out in jobs:
        if len(jobs) > 1:
            print(f"== {Partition.from_key(key).year}年度 {Partition.from_key(key).county} ==")
        try:
            report = materialize_partition(key, settings, progress)
        except RunFailed as exc:
            print(f"subsidy: 无法运行：{exc}", file=sys.stderr)
            failures += 1
            continue
        print_report(report, out)
    return 1 if failures == len(jobs) else 0


def print_report(report: dict, outputs: Path) -> None:
    print(f"年度：{report['year']}    村名册：{report['village_source']}")
    print(f"文件：共{report['files_total']}个，读取{report['files_read']}个，"
          f"无法读取{report['files_unreadable']}个，非表格/设置文件{report['files_skipped']}个")
    print(f"行数：非空行{report['rows_read']}行，其中户明细{report['rows_used']}行")
    for reason in REASONS:
        count = report["rows_by_reason"].get(reason)
        if count and reason != "household":
            print(f"    {REASONS[reason]}：{count}")
    for line in report.get("reading_notes", [])[:10]:
        print(f"    说明：{line}")
    print(f"村：{report['villages']}个    户：{report['households']}户    应发合计：{report['amount_due']}元")
    rec = report["reconciliation"]
    if rec["bank_rows"]:
        mark = "相符" if rec["balanced"] else "不相符！请检查"
        print(f"对账（有银行结果的补贴：{'、'.join(rec['subsidies_covered'])}）：银行记录{rec['bank_rows']}行")
        print(f"    应发{rec['due']} = 实发{rec['paid']} + 失败{rec['failed']} + 未发{rec['unpaid']} + 差额{rec['differences']}"
              f"（按村和补贴逐项核对：{mark}）")
    else:
        print("对账：没有银行代发结果，实发和失败金额暂空")
    for hint in report.get("hints", []):
        print(f"提示：{hint}")
    print(f"问题：{report['problems']}个")
    for kind, count in report["problems_by_kind"].items():
        print(f"    {kind}（{KINDS[kind].title}）：{count}")
    notices = report.get("notices")
    if notices:
        when = notices["publish_date"] + ("" if notices["publish_date_set"] else "（notice.toml 未设置 publish_date，使用今天）")
        print(f"公示：{notices['kind']}，公示日期 {when}；已生成{notices['written']}个村"
              f"（{notices['pages']}页，大字版{notices['large_pages']}页）")
        if notices["withheld"]:
            print(f"    已暂扣{len(notices['withheld'])}个村（见问题清单）：{'、'.join(notices['withheld'][:10])}")
    archive = report.get("archive")
    if archive:
        print(f"留存备查：新写入{archive['new_versions']}个版本（其中更正公示{archive['corrections']}个）"
              + ("；公示内容无变化，未写入新版本" if not archive["new_versions"] and notices and notices["written"] else ""))
    print(f"结果：分村汇总 {outputs / 'summary.csv'}")
    print(f"      村务公开栏公示 {outputs / 'notices'}（每村一份普通版和一份大字版）")
    print(f"      问题清单（内部，含完整身份证号）{outputs / 'internal' / 'exceptions.csv'}")
    print(f"      对账工作簿（内部）{outputs / 'internal' / 'reconciliation.xlsx'}")
    if archive:
        print(f"      档案 {archive['folder']}（登记簿 register.csv）")


def cmd_verify(args: argparse.Namespace) -> int:
    from subsidy.archiving import read_register, verify

    root = Path(args.archive)
    findings = verify(root)
    for line in findings:
        print(f"  {line}")
    if findings:
        print(f"subsidy: 档案有{len(findings)}处问题：{root}", file=sys.stderr)
        return 1
    print(f"档案完好：{len(read_register(root))}个版本，每个文件的 SHA-256 都与清单相符：{root}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="subsidy", description="惠农补贴发放清册 → 分村汇总、问题清单和村务公开栏公示")
    parser.add_argument("--version", action="version", version=f"subsidy {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="处理 inputs 中的全部清册", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--inputs", required=True, help="放清册的文件夹（含子文件夹；可按 <年度>/<县>/ 分开）")
    p.add_argument("--outputs", required=True, help="结果文件夹")
    p.add_argument("--year", type=int, help="补贴年度；不写则从文件夹、标题或文件名中识别")
    p.add_argument("--quiet", action="store_true", help="不显示逐个文件的进度")
    p.set_defaults(func=cmd_run)
    v = sub.add_parser("verify", help="核对留存备查的档案：每个文件的哈希、登记簿和清单",
                       description="重新计算档案中每个版本每个文件的 SHA-256，核对登记簿 register.csv 与各版本清单；"
                                   "有任何文件被改动、缺失或多出时以非零状态退出。例：subsidy verify --archive outputs/archive")
    v.add_argument("--archive", required=True, help="档案文件夹，如 outputs/archive")
    v.set_defaults(func=cmd_verify)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # `subsidy run ... | head`
        sys.stderr.close()
        return 0
    except Exception as exc:  # never a traceback on a clerk's screen: one line, the details in a log file
        from subsidy.pipeline import failure_message, record_failure

        folder = Path(getattr(args, "outputs", None) or getattr(args, "archive", None) or tempfile.mkdtemp())
        log = record_failure(folder, exc)
        print(f"subsidy: 无法运行：{failure_message(args.command, '全部', log)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
