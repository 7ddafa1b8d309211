"""The `subsidy` command line.

    subsidy run --inputs inputs --outputs outputs [--year 2022]

Materializes the same Dagster assets as the UI, in this process. An inputs folder laid out as
inputs/<year>/<county>/… runs each county-year into outputs/<year>/<county>/; a plain folder is one
county-year whose results go straight into --outputs. With DAGSTER_HOME set, the runs appear in the UI's run
history. Exit status: 0 when outputs were written (data problems are reported, not fatal), 1 when a run cannot
go on at all (one line on stderr says why), 2 for a usage error.

    subsidy publish --inputs inputs --outputs outputs --date 2022-12-01 --by 王会计 [--village CODE]...

Publishes the villages that are ready (exit 0; 3 when some were refused, with the reasons; 1 when it cannot run).
Runs never write the archive: their notices are drafts.

    subsidy verify --archive outputs/archive

Recomputes every hash of every archived version and checks the register; exits non-zero on any finding.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from subsidy import __version__
from subsidy.county_year import Partition, partitions
from subsidy.intake.parsed import REASONS
from subsidy.problems import KINDS


def _progress_printer(stream):
    started = time.monotonic()

    def show(message: str) -> None:
        print(f"  {time.monotonic() - started:6.1f}s {message}", file=stream, flush=True)

    return show


class RunFailed(Exception):
    """A county-year could not be run; the message is the clerk's one-line reason."""


def materialize_partition(key: str, settings, progress=None, request: dict | None = None) -> dict:
    """Materialize the asset graph for one partition in this process (with `request`, the publication too:
    {"date": …, "by": …, "villages": […]}); returns the run report."""
    import dagster as dg

    from .assets import ALL_ASSETS, ASSETS
    from .io import ReleasingMemIOManager, consumers
    from .partitions import county_year
    from .progress import set_printer
    from .sensors import CONCURRENCY_TAG

    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    if not instance.has_dynamic_partition(county_year.name, key):
        instance.add_dynamic_partitions(county_year.name, [key])
    set_printer(progress, notice=lambda m: print(f"  {m}", file=sys.stderr, flush=True))
    run_config: dict = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
    if request is not None:
        run_config["ops"] = {"publication": {"config": request}}
    assets = ALL_ASSETS if request is not None else ASSETS
    try:
        result = dg.materialize(
            assets, partition_key=key, instance=instance, raise_on_error=False,
            resources={"settings": settings, "io_manager": ReleasingMemIOManager(consumers(assets))},
            tags={CONCURRENCY_TAG: key, "subsidy/started_by": "command line"}, run_config=run_config,
        )
    finally:
        set_printer(None)
    if not result.success:
        _raise_failure(result)
    report = result.output_for_node("problem_report")
    if request is not None:
        report["publication"] = result.output_for_node("publication")
    return report


def _raise_failure(result) -> None:
    for event in result.all_events:
        if event.event_type_value == "RESOURCE_INIT_FAILURE":  # the run could not take its county-year's lock
            error = event.event_specific_data.error
            raise RunFailed(error.message.strip().splitlines()[0].split(": ", 1)[-1] if error else "运行失败")
        if event.is_step_failure:
            data = event.step_failure_data
            if data.user_failure_data and data.user_failure_data.description:
                raise RunFailed(data.user_failure_data.description)
            raise RunFailed(data.error.message.strip().splitlines()[-1] if data.error else "运行失败")
    failed_checks = [e.asset_check_evaluation_data.check_name for e in result.all_events
                     if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.asset_check_evaluation_data.passed]
    raise RunFailed(f"运行未完成（未通过的检查：{'、'.join(failed_checks) or '未知'}）")


def _jobs(args: argparse.Namespace) -> list[tuple] | None:
    """(partition key, settings, outputs folder) per county-year to run; None after printing why there is none."""
    from .resources import SubsidySettings

    inputs, outputs = Path(args.inputs), Path(args.outputs)
    if not inputs.is_dir():
        print(f"subsidy: 无法运行：输入文件夹不存在：{inputs}", file=sys.stderr)
        return None
    laid_out = partitions(inputs, exclude=(outputs,))
    parts = [p for p in laid_out if not args.year or p.year == args.year]
    if parts:
        return [(p.key, SubsidySettings(inputs_dir=str(inputs), outputs_dir=str(outputs)), p.outputs(outputs))
                for p in parts]
    if laid_out:
        print(f"subsidy: 无法运行：{inputs} 中没有 {args.year} 年度的文件夹", file=sys.stderr)
        return None
    key = f"{args.year or 'auto'}-{inputs.resolve().name}"
    return [(key, SubsidySettings(inputs_dir=str(inputs), outputs_dir=str(outputs), flat=True, year=args.year),
             outputs)]


def cmd_run(args: argparse.Namespace) -> int:
    jobs = _jobs(args)
    if jobs is None:
        return 1
    progress = None if args.quiet else _progress_printer(sys.stderr)
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


def cmd_publish(args: argparse.Namespace) -> int:
    from subsidy.stages import PipelineError, publish_request

    try:
        publish_request(args.date, args.by, args.village or [])
    except PipelineError as exc:
        print(f"subsidy: 无法公示：{exc}", file=sys.stderr)
        return 1
    jobs = _jobs(args)
    if jobs is None:
        return 1
    progress = None if args.quiet else _progress_printer(sys.stderr)
    # several county-years: the public site and open data are rebuilt once, after the last of them
    request = {"date": args.date, "by": args.by, "villages": list(args.village or []), "public": len(jobs) == 1}
    refused = failures = 0
    for key, settings, _out in jobs:
        if len(jobs) > 1:
            print(f"== {Partition.from_key(key).year}年度 {Partition.from_key(key).county} ==")
        try:
            report = materialize_partition(key, settings, progress, request)
        except RunFailed as exc:
            print(f"subsidy: 无法公示：{exc}", file=sys.stderr)
            failures += 1
            continue
        refused += print_publication(report["publication"])
    if len(jobs) > 1 and failures < len(jobs):
        public = _public_channel(jobs[0][1].locate(jobs[0][0]).archive, progress)
        print_public(public)
        if public["public_findings"]:  # the site and open data stay as they were
            return 1
    if failures == len(jobs):
        return 1
    return 3 if refused or failures else 0


def _public_channel(archive: Path, progress) -> dict:
    from subsidy.stages import build_public

    if progress:
        progress("更新公开网站和开放数据")
    return build_public(archive)


def print_publication(result: dict) -> int:
    """The publication per village; returns how many villages were refused."""
    print(f"正式公示：{result['date']}，公示人 {result['by']}：新公示{result['published']}个村，"
          f"此前已公示且无变化{result['unchanged']}个村，未公示{result['refused']}个村")
    for o in result["outcomes"]:
        what = o.result + ("（更正公示）" if o.correction else "") + (f" 第{o.version}版" if o.version else "")
        print(f"    {o.village_code} {o.town}{o.village_name}：{what}" + (f"：{'；'.join(o.reasons)}" if o.reasons else ""))
    print(f"档案：{result['archive']}（登记簿 {result['register']}）")
    if result["site"]:
        print_public(result)
    return result["refused"]


def print_public(public: dict) -> None:
    print(f"网站：{public['site']}/index.html（可直接用浏览器打开）    开放数据：{public['open_data']}")
    for finding in public["public_findings"]:
        print(f"subsidy: 公开网站和开放数据未更新：{finding}", file=sys.stderr)


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
    notices = report["notices"]
    for note in notices["settings_notes"]:
        print(f"提示：{note}")
    print(f"公示：{notices['kind']}：草稿{notices['drafts']}个村，已公示（内容无变化）{notices['published']}个村"
          f"（{notices['pages']}页，大字版{notices['large_pages']}页）")
    if notices.get("drafts_reused") or report.get("files_reused"):
        print(f"    沿用上次运行：{report.get('files_reused', 0)}个文件的读取结果，{notices.get('drafts_reused', 0)}个村的草稿"
              "（内容未变，未重新读取或生成）")
    if notices["withheld"]:
        print(f"    已暂扣{len(notices['withheld'])}个村（见问题清单）：{'、'.join(notices['withheld'][:10])}")
    print_readiness(report["readiness"])
    for line in report.get("interrupted", []):  # a cut publication: only `subsidy publish` finishes it
        print(f"注意：{line}")
    print(f"结果：分村汇总 {outputs / 'summary.csv'}")
    print(f"      村务公开栏公示 {outputs / 'notices'}（每村一份普通版和一份大字版；未公示的是草稿）")
    print(f"      公示准备（内部）{outputs / 'internal' / 'readiness.csv'}")
    print(f"      问题清单（内部，含完整身份证号）{outputs / 'internal' / 'exceptions.csv'}")
    print(f"      对账工作簿（内部）{outputs / 'internal' / 'reconciliation.xlsx'}")


def print_readiness(readiness: dict) -> None:
    ready, held = readiness["ready"], readiness["held"]
    print(f"公示准备：可公示{len(ready)}个村，暂缓{len(held)}个村（已记录的决定{readiness['decisions']}条）")
    for line in held[:20]:
        print(f"    暂缓 {line}")
    if len(held) > 20:
        print(f"    ……另有{len(held) - 20}个村，见 internal/readiness.csv")
    for note in readiness["decision_notes"][:20]:
        print(f"    决定未起作用：{note}")
    if ready:
        print("    可公示的村请用 subsidy publish --date 公示日期 --by 公示人 正式公示（见 README）")


def cmd_posted(args: argparse.Namespace) -> int:
    from subsidy.season.posting import PostingRefused, record_posting

    try:
        posted_on = date.fromisoformat(args.date)
    except ValueError:
        print(f"subsidy: 无法登记：张贴日期“{args.date}”应写成 2022-12-02", file=sys.stderr)
        return 1
    photo = Path(args.photo) if args.photo else None
    if photo is not None and not photo.is_file():
        print(f"subsidy: 无法登记：找不到照片 {photo}", file=sys.stderr)
        return 1
    try:
        row = record_posting(Path(args.outputs) / "archive", args.village, posted_on, photo, args.by or "", args.year)
    except PostingRefused as exc:
        print(f"subsidy: 无法登记：{exc}", file=sys.stderr)
        return 1
    print(f"已登记张贴：{row['town']}{row['village_name']} 第{row['version']}版于{row['posted_on']}张贴"
          + (f"，照片 {row['photo']}（SHA-256 {row['photo_sha256'][:12]}…）" if row["photo"] else "，未附照片"))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from subsidy.season.status import StatusError
    from subsidy.stages import PipelineError, season_status

    jobs = _jobs(args)
    if jobs is None:
        return 1
    try:
        today = date.fromisoformat(args.today) if args.today else date.today()
    except ValueError:
        print(f"subsidy: --today “{args.today}”应写成 2022-12-10", file=sys.stderr)
        return 1
    built = 0
    for key, settings, _out in jobs:
        where = settings.locate(key)
        county = Partition.from_key(key).county if not settings.flat else ""
        if args.county and county and county != args.county:
            continue
        try:
            statuses, notes, path = season_status(where, today)
        except (StatusError, PipelineError) as exc:
            print(f"subsidy: {key}：{exc}", file=sys.stderr)
            continue
        built += 1
        print_status(key, statuses, notes, path, today)
    return 0 if built else 1


def print_status(key: str, statuses, notes: list[str], path: Path, today: date) -> None:
    print(f"== {key} 公示进度（{today.isoformat()}）==")
    overdue = [s for s in statuses if s.overdue]
    if overdue:
        print(f"逾期（乡镇督办）：{len(overdue)}个村")
        for s in overdue:
            print(f"    {s.town}{s.village_name}（{s.village_code}）：{s.overdue}")
    town = None
    for s in statuses:
        if s.town != town:
            town = s.town
            print(f"{town}：")
        print(f"    {s.line()}")
    for note in notes:
        print(f"提示：{note}")
    print(f"进度表：{path}")


def cmd_verify_notice(args: argparse.Namespace) -> int:
    from subsidy.season.check_codes import find_code

    found = find_code(Path(args.archive), args.code)
    if found is None:
        print(f"核验码 {args.code} 不存在：这不是本档案中任何正式公示的核验码，请核对是否抄错，或向县财政局核实。")
        return 1
    print(f"核验码 {args.code}：{found.county}{found.town}{found.village_name}（{found.village_code}）{found.year}年度"
          f"{found.kind_title} 第{found.version}版，{found.publish_date}公示。")
    if found.replaced_by:
        print(f"注意：此公示已被第{found.replaced_by}版更正公示（{found.replaced_on}）替代，请以更正后的为准。")
    else:
        print("这是该村该公示的最新版本。")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from subsidy.season.archive import read_register
    from subsidy.season.audit import verify

    root = Path(args.archive)
    findings = verify(root)
    for line in findings:
        print(f"  {line}")
    if findings:
        print(f"subsidy: 档案有{len(findings)}处问题：{root}", file=sys.stderr)
        return 1
    print(f"档案完好：{len(read_register(root))}个版本，每个文件的 SHA-256 都与清单相符：{root}")
    return 0


def _folders(parser: argparse.ArgumentParser, year_help: str = "补贴年度（同 run）") -> None:
    """--inputs, --outputs and --year, which every command on a county's folders takes."""
    parser.add_argument("--inputs", required=True, help="放清册的文件夹（含子文件夹；可按 <年度>/<县>/ 分开）")
    parser.add_argument("--outputs", required=True, help="结果文件夹（档案、网站和开放数据在其中）")
    parser.add_argument("--year", type=int, help=year_help)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="subsidy", description="惠农补贴发放清册 → 分村汇总、问题清单和村务公开栏公示")
    parser.add_argument("--version", action="version", version=f"subsidy {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="处理 inputs 中的全部清册", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _folders(p, "补贴年度；不写则从文件夹、标题或文件名中识别")
    p.add_argument("--quiet", action="store_true", help="不显示逐个文件的进度")
    p.set_defaults(func=cmd_run)
    pub = sub.add_parser(
        "publish", help="正式公示：对可公示的村写正式公示和留存备查的版本",
        description="重新读取输入文件，对要求的村（默认本县本年度全部村）中可公示的村写正式公示（去掉草稿标记，落款写公示日期，"
                    "公示期从该日起算）和档案版本；暂缓的村不公示并说明原因。退出状态：0 全部已公示（或此前已公示且无变化），"
                    "3 有村未公示（其余已公示），1 无法运行。例：subsidy publish --inputs inputs --outputs outputs "
                    "--date 2022-12-01 --by 王会计 --village 330324108224")
    _folders(pub)
    pub.add_argument("--date", required=True, help="公示日期，如 2022-12-01（公示期第一天，落款日期）")
    pub.add_argument("--by", required=True, help="公示人姓名（记入档案）")
    pub.add_argument("--village", action="append", metavar="CODE", help="只公示这个村（12位村代码；可重复）")
    pub.add_argument("--quiet", action="store_true", help="不显示逐个文件的进度")
    pub.set_defaults(func=cmd_publish)
    posted = sub.add_parser(
        "posted", help="登记张贴：某村最新公示的版本已于某日张贴到公开栏（可附照片）",
        description="登记某村最新已公示的版本已张贴到村务公开栏；照片连同其 SHA-256 保存在档案旁（版本文件夹不变），"
                    "并记入 archive/postings.csv。没有已公示版本的村不能登记。例：subsidy posted --inputs inputs "
                    "--outputs outputs --village 330324108224 --date 2022-12-02 --photo 张贴照片.jpg")
    _folders(posted, "补贴年度（不写则为该村最近一个年度）")
    posted.add_argument("--village", required=True, metavar="CODE", help="12位村代码")
    posted.add_argument("--date", required=True, help="张贴日期，如 2022-12-02")
    posted.add_argument("--photo", help="张贴照片（jpg、png 等）")
    posted.add_argument("--by", help="登记人")
    posted.set_defaults(func=cmd_posted)
    status = sub.add_parser(
        "status", help="公示进度：每村草稿、可公示、暂缓、已公示、已张贴、公示期、异议，以及逾期名单",
        description="按乡镇和村列出公示进度，并列出逾期的村（公示超过 posting_days 天未张贴，或公示期已结束仍有异议未办结），"
                    "同时写入该县该年度结果文件夹中的 status.csv。例：subsidy status --inputs inputs --outputs outputs")
    _folders(status)
    status.add_argument("--county", help="只看这个县（按 <年度>/<县>/ 分开放时）")
    status.add_argument("--today", help="按这一天计算进度（默认今天），如 2022-12-10")
    status.set_defaults(func=cmd_status)
    vn = sub.add_parser("verify-notice", help="核验公示上的核验码：属于哪个村哪一版，是否已被更正",
                        description="说明核验码属于哪个县、年度、村和版本，公示日期，以及是否已被后来的更正公示替代（退出状态0）；"
                                    "不存在的核验码退出状态1。例：subsidy verify-notice ABCD-EFGH-JKLM --archive outputs/archive")
    vn.add_argument("code", help="公示上印的核验码，如 ABCD-EFGH-JKLM（不分大小写，可不写短横线）")
    vn.add_argument("--archive", required=True, help="档案文件夹，如 outputs/archive")
    vn.set_defaults(func=cmd_verify_notice)
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
        from subsidy.stages import failure_message, record_failure

        folder = Path(getattr(args, "outputs", None) or getattr(args, "archive", None) or tempfile.mkdtemp())
        log = record_failure(folder, exc)
        print(f"subsidy: 无法运行：{failure_message(args.command, '全部', log)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
