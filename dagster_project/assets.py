"""The county pipeline as Dagster assets, one per stage of the `subsidy` library, partitioned by county-year.

input_files -> household_records -> reconciliation -> village_summary -> village_notices
    -> (publication, publish_job only) -> problem_report -> village_status

Each asset only calls the library. Metadata never holds a full ID or account number (open-source Dagster has
no login): counts, totals, village names and paths only.
"""

import functools
import inspect
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import dagster as dg

from subsidy import stages
from subsidy.base.caching import ParseCache
from subsidy.base.files import sweep_temporary
from subsidy.base.workers import cyclic_gc
from subsidy.books import household_count, reconciliation_report
from subsidy.intake.parsed import REASONS
from subsidy.notices.content import money
from subsidy.privacy import find_unmasked, mask_numbers
from subsidy.problems import KINDS
from subsidy.season.status import StatusError

from .partitions import county_year
from .progress import reporter
from .resources import SubsidySettings

GROUP = "county_pipeline"
OWNERS = ["team:county-finance"]

ROWS_ACCOUNTED = "every_row_accounted_for"
BALANCED = "due_equals_paid_failed_unpaid_differences"
SUMMARY_TOTALS = "summary_totals_equal_roster_totals"
NO_FULL_IDS = "no_full_id_in_public_outputs"
EVERY_VILLAGE_HAS_NOTICE = "every_village_has_a_notice"
NO_OPEN_PROBLEMS = "no_open_blocking_problems"
ARCHIVE_PUBLISHED = "every_archived_version_was_published"
PUBLISH_JOB = "publish_job"


def _asset(**kwargs):
    """A county-year asset of this pipeline (same partitions, group and owners for every stage)."""
    return dg.asset(partitions_def=county_year, group_name=GROUP, owners=OWNERS, **kwargs)


STAGES = {"input_files": "读取文件", "household_records": "核对清册", "reconciliation": "银行对账",
          "village_summary": "分村汇总", "village_notices": "生成公示", "problem_report": "问题清单和对账工作簿",
          "publication": "正式公示"}


def _failure(fn, args, kwargs, exc: Exception) -> dg.Failure:
    """The clerk's one-line reason: a PipelineError says it itself; anything else names the stage and the
    county-year, and the full traceback goes to internal/error.log (never to the clerk's screen)."""
    if isinstance(exc, stages.PipelineError):
        return dg.Failure(description=str(exc))
    context, settings = args[0] if args else kwargs["context"], kwargs["settings"]
    key = context.partition_key
    log = stages.record_failure(settings.locate(key).outputs, exc)
    return dg.Failure(description=stages.failure_message(STAGES.get(fn.__name__, fn.__name__), key, log))


def _fail_clearly(fn):
    """Every failure of a stage becomes a Failure whose description is the clerk's one-line reason. A stage runs
    with the cyclic garbage collector off (workers.cyclic_gc: the records it builds have no cycles; workers that
    draw turn it on for themselves)."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def generator(*args, **kwargs):
            try:
                with cyclic_gc(False):
                    yield from fn(*args, **kwargs)
            except dg.Failure:
                raise
            except Exception as exc:
                raise _failure(fn, args, kwargs, exc) from None
        return generator

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        try:
            with cyclic_gc(False):
                return fn(*args, **kwargs)
        except dg.Failure:
            raise
        except Exception as exc:
            raise _failure(fn, args, kwargs, exc) from None
    return wrapped


def _md_list(items: list[tuple[str, str]]) -> dg.MetadataValue:
    """'- **梅岙村**：须在源表改正…' per item: a list where a table would squeeze a short column to one character a
    line (Chinese text may break between any two characters)."""
    return dg.MetadataValue.md("\n".join(f"- **{head}**：{text}" for head, text in items) if items else "（无）")


def _md_table(header: list[str], rows: list[list]) -> dg.MetadataValue:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return dg.MetadataValue.md("\n".join(lines) if rows else "（无）")


@_asset(
    kinds={"python", "excel"},
    description="读取本县本年度 inputs/<年度>/<县>/ 下的全部文件：发放清册、银行代发结果、汇总表；"
                "每张表找表头、识别列，逐行记下来源（文件、工作表、行号）。",
)
@_fail_clearly
def input_files(context: dg.AssetExecutionContext, settings: SubsidySettings):
    where = settings.locate(context.partition_key)  # the run holds the county-year's lock (the settings resource)
    if sweep_temporary(where.outputs):  # what a killed run left half-written
        context.log.info("已清理上次中断的运行留下的临时文件")
    # a bad notice.toml stops the run now, not after reading everything
    stages.notice_settings(where, overrides=settings.notice_overrides)
    cache = ParseCache(where.outputs)  # files unchanged since the last run are not parsed again
    intake = stages.read_inputs(where, progress=reporter(context), cache=cache)
    kinds = Counter(f.recognised_as for f in intake.files)
    return dg.Output(intake, metadata={
        "文件数": len(intake.files),
        "按识别结果": _md_table(["识别为", "文件数"], sorted(kinds.items())),
        "非空行数": sum(sum(r.counts.values()) for r in intake.sheets),
        "沿用上次读取结果的文件数": cache.reused,
        "读取说明": _md_list([(f.file, _short(mask_numbers(f.note), 80)) for f in intake.files if f.sheets and f.note]),
        "输入文件夹": dg.MetadataValue.path(str(where.inputs.resolve())),
    })


@_asset(
    kinds={"python"},
    description="把每一行归到官方村名册中的村，识别补贴项目和年度，核对小计合计、汇总表和村干部清册，找出重复发放。",
    check_specs=[dg.AssetCheckSpec(ROWS_ACCOUNTED, asset="household_records",
                                   description="每个非空行都有去处：用作户明细、银行记录，或列出未用的原因。")],
)
@_fail_clearly
def household_records(context: dg.AssetExecutionContext, settings: SubsidySettings, input_files):
    where = settings.locate(context.partition_key)
    books = stages.assemble(input_files, where.year)
    stages.check_runnable(books, where)
    read = sum(r.nonblank for r in books.sheets)
    accounted = sum(books.row_counts.values())
    yield dg.Output(books, metadata={
        "年度": books.year, "户数": household_count(books), "户明细行数": len(books.households),
        "非空行数": read, "已使用行数": books.row_counts.get("household", 0) + books.row_counts.get("payment", 0),
        "村数": len({h.village_code for h in books.households}),
    })
    yield dg.AssetCheckResult(check_name=ROWS_ACCOUNTED, passed=read == accounted, metadata={
        "非空行数": read, "有去处的行数": accounted,
        "按原因": _md_table(["原因", "行数"], [[REASONS[k], n] for k, n in sorted(books.row_counts.items())]),
    })


@_asset(
    kinds={"python"},
    description="把银行代发结果逐笔对到清册中的户：先按身份证号，再按姓名和金额；得出每户已发放、发放失败或未发放。",
)
@_fail_clearly
def reconciliation(context: dg.AssetExecutionContext, settings: SubsidySettings, household_records):
    books = stages.reconcile_books(household_records)
    covered = sorted({subsidy for subsidy, _ in books.covered})
    return dg.Output(books, metadata={"银行记录行数": len(books.payments), "有银行结果的补贴": "、".join(covered) or "无"})


@_asset(
    kinds={"python", "csv"},
    description="分村汇总 summary.csv（可公开）：每个村每项补贴的户数、应发、实发、失败金额。",
    check_specs=[dg.AssetCheckSpec(SUMMARY_TOTALS, asset="village_summary",
                                   description="汇总表的应发合计等于清册各户金额之和，户数等于清册中的户数。"),
                 dg.AssetCheckSpec(BALANCED, asset="village_summary",
                                   description="每个村每项补贴：应发 = 实发 + 失败 + 未发 + 差额。")],
)
@_fail_clearly
def village_summary(context: dg.AssetExecutionContext, settings: SubsidySettings, reconciliation):
    where = settings.locate(context.partition_key)
    summary = stages.summarise(reconciliation)  # made here, once, and passed on to the steps after
    path = stages.write_summary(summary, where.outputs)
    due = sum((r.amount_due for r in summary), Decimal(0))
    roster = sum((h.amount for h in reconciliation.households if h.amount is not None), Decimal(0))
    report = reconciliation_report(reconciliation, summary)
    off = [r for r in summary if not r.balances()]
    yield dg.Output(summary, metadata={
        "村数": len({r.village_code for r in summary}), "汇总行数": len(summary), "应发合计（元）": money(due),
        "实发（元）": report["paid"], "失败（元）": report["failed"], "未发（元）": report["unpaid"],
        "差额（元）": report["differences"], "分村汇总表": dg.MetadataValue.path(str(path.resolve())),
    })
    yield dg.AssetCheckResult(check_name=SUMMARY_TOTALS, passed=due == roster, metadata={
        "汇总表应发合计（元）": money(due), "清册各户合计（元）": money(roster)})
    yield dg.AssetCheckResult(check_name=BALANCED, passed=not off, metadata={
        "核对的村和补贴": len(summary),
        "不相符": _md_table(["村", "补贴"], [[r.village_name, r.subsidy_type] for r in off]),
    })


def _public_texts(where, shown):
    for name in ("summary.csv", "notices/index.csv"):
        path = where.outputs / name
        if path.exists():
            yield name, path.read_text(encoding="utf-8-sig")
    for item in shown:
        if item.path is not None:  # one text per notice (no pattern spans a line break)
            yield str(item.path.relative_to(where.outputs)), "\n".join(text for text, _ in item.notice.texts() if text)


def _short(text: str, limit: int) -> str:
    """A table cell short enough that the UI never squeezes its neighbours to one character a line."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _held_table(stage) -> dg.MetadataValue:
    ready = stage.readiness
    return _md_list([(f"{v.town}{v.village_name}", _short("；".join(ready.reasons(c)), 80))
                     for c, v in ready.villages.items() if not ready.ready(c)])


def _open_table(stage) -> dg.MetadataValue:
    return _md_table(["问题", "数量"], [[KINDS[k].title, n] for k, n in stage.readiness.open_problems.most_common()])


@_asset(
    kinds={"python", "pdf"},
    description="每村一份村务公开栏公示（A4/A3）和一份大字版 PDF，身份证号脱敏。未正式公示的是草稿（每页标“草稿（未公示）”，不写日期）；"
                "已公示且内容未变的村放已公示的版本。发现完整证件号或无法显示的字时暂扣该村公示；按问题和 decisions.csv 判断每村能否公示。",
    check_specs=[
        dg.AssetCheckSpec(NO_FULL_IDS, asset="village_notices", blocking=True,
                          description="可公开的结果（汇总表、公示、公示清单）中没有完整的身份证号或银行账号；不通过则后续步骤不运行。"),
        dg.AssetCheckSpec(EVERY_VILLAGE_HAS_NOTICE, asset="village_notices",
                          description="每个有发放的村都生成了公示；列出被暂扣的村。"),
        dg.AssetCheckSpec(NO_OPEN_PROBLEMS, asset="village_notices",
                          description="没有未处理（未改正、未核实）的阻止公示的问题；列出各类未处理问题和暂缓公示的村。"),
        dg.AssetCheckSpec(ARCHIVE_PUBLISHED, asset="village_notices",
                          description="档案中本县本年度的每个版本都有公示记录（谁在哪天公示）。"),
    ],
)
@_fail_clearly
def village_notices(context: dg.AssetExecutionContext, settings: SubsidySettings, reconciliation, village_summary):
    where = settings.locate(context.partition_key)
    stage = stages.prepare_notices(reconciliation, where, settings.notice_overrides)
    stage = stages.write_notices(stage, where, reporter(context))
    shown = stage.shown
    withheld = [p.notice for p in shown if p.path is None]
    leaks = [name for name, text in _public_texts(where, shown) if find_unmasked(text)]
    ready = stage.readiness
    held = ready.held()
    unrecorded = stages.unpublished_versions(where.archive, reconciliation.year, [n.county for n in stage.notices])
    yield dg.Output(stage, metadata={
        "暂缓公示的村": len(held), "可公示的村": len(ready.villages) - len(held),
        "未处理的问题": sum(ready.open_problems.values()),
        "公示类型": stage.settings.kind_title, "草稿": sum(1 for p in shown if p.state == "草稿"),
        "已公示": sum(1 for p in shown if p.state == "已公示"), "已暂扣": len(withheld),
        "页数": sum(p.pages for p in shown), "大字版页数": sum(p.large_pages for p in shown),
        "公示文件夹": dg.MetadataValue.path(str((where.outputs / "notices").resolve())),
    })
    yield dg.AssetCheckResult(check_name=NO_FULL_IDS, passed=not leaks, severity=dg.AssetCheckSeverity.ERROR,
                              metadata={"含完整号码的文件": "、".join(sorted(set(leaks))) or "无"})
    yield dg.AssetCheckResult(
        check_name=EVERY_VILLAGE_HAS_NOTICE, passed=not withheld, severity=dg.AssetCheckSeverity.WARN,
        metadata={"已暂扣的村": _md_list([
            (n.village_name, "、".join(sorted({KINDS[p.kind].title for p in n.problems}))) for n in withheld])})
    yield dg.AssetCheckResult(check_name=NO_OPEN_PROBLEMS, passed=not held and not ready.open_problems,
                              severity=dg.AssetCheckSeverity.WARN,
                              metadata={"未处理的问题": _open_table(stage), "暂缓公示的村": _held_table(stage)})
    yield dg.AssetCheckResult(check_name=ARCHIVE_PUBLISHED, passed=not unrecorded, severity=dg.AssetCheckSeverity.ERROR,
                              metadata={"没有公示记录的版本": _md_table(["版本"], [[v] for v in unrecorded])})


@_asset(
    kinds={"python", "excel"}, deps=["publication"],  # in the publish job, after the publication (its states)
    description="给财政所工作人员的结果（internal/，含完整身份证号，不可公开）：公示准备、问题清单、对账工作簿、户明细、文件清单。",
)
@_fail_clearly
def problem_report(context: dg.AssetExecutionContext, settings: SubsidySettings, reconciliation, village_summary,
                   village_notices):
    where = settings.locate(context.partition_key)
    report = stages.finish(reconciliation, village_summary, village_notices, where)
    report["files_reused"] = sum(1 for f in reconciliation.files if f.reused)  # for the console (not in any file)
    per_village: dict[str, Counter] = {}
    names = {h.village_code: h.village_name for h in reconciliation.households}
    for p in reconciliation.problems:
        if p.village_code:
            per_village.setdefault(p.village_code, Counter())[p.kind] += 1
    rows = [(names.get(code, code), f"{sum(c.values())}个：" + "、".join(f"{KINDS[k].title}{n}" for k, n in c.most_common()))
            for code, c in sorted(per_village.items())]
    readiness = report["readiness"]
    return dg.Output(report, metadata={
        "暂缓公示的村": _held_table(village_notices), "未处理的问题": _open_table(village_notices),
        "决定文件中未起作用的行": dg.MetadataValue.md("\n".join(f"- {n}" for n in readiness["decision_notes"]) or "（无）"),
        "问题数": report["problems"],
        "按类别": _md_table(["问题", "数量"], [[KINDS[k].title, n] for k, n in report["problems_by_kind"].items()]),
        "有问题的村": _md_list(rows),
        "提示": dg.MetadataValue.md("\n".join(f"- {h}" for h in report["hints"]) or "（无）"),
        "应发合计（元）": report["amount_due"], "户数": report["households"], "村数": report["villages"],
        "沿用上次的草稿（村）": report["notices"]["drafts_reused"],
        "对账工作簿": dg.MetadataValue.path(str(Path(report["outputs"]["workbook"]).resolve())),
        "问题清单": dg.MetadataValue.path(str(Path(report["outputs"]["exceptions"]).resolve())),
        "公示文件夹": dg.MetadataValue.path(str(Path(report["outputs"]["notices"]).resolve())),
    })


class PublishConfig(dg.Config):
    """正式公示：日期、公示人，以及要公示的村（村代码；不填则为本县本年度全部可公示的村）。"""

    date: str  # 公示日期，如 2022-12-01：公示期的第一天，落款日期
    by: str  # 公示人（谁决定公示），记入档案
    villages: list[str] = []  # 村代码；空：全部可公示的村
    public: bool = True  # 公示后更新公开网站和开放数据（命令行一次公示多个县年度时在最后统一更新一次）


@_asset(
    kinds={"python", "pdf"},
    description="正式公示（只由人工启动的 publish_job 运行，传感器从不运行它）：对可公示的村写正式公示（不带草稿标记，"
                "落款有日期，公示期从公示日期起算）和留存备查的新版本；暂缓的村不公示并说明原因。",
)
@_fail_clearly
def publication(context: dg.AssetExecutionContext, config: PublishConfig, settings: SubsidySettings, reconciliation,
                village_summary, village_notices):
    where = settings.locate(context.partition_key)
    request = stages.publish_request(config.date, config.by, config.villages)
    result = stages.publish(reconciliation, village_summary, village_notices, request, where, reporter(context),
                            public=config.public)
    outcomes = result["outcomes"]
    return dg.Output(result, metadata={
        "公示结果": _md_list([
            (o.village_name or o.village_code, o.result + ("（更正公示）" if o.correction else "")
             + (f" 第{o.version}版" if o.version else "") + (f"：{_short('；'.join(o.reasons), 80)}" if o.reasons else ""))
            for o in outcomes]),
        "新公示的村": result["published"], "此前已公示无变化的村": result["unchanged"], "未公示的村": result["refused"],
        "公示日期": result["date"], "公示人": result["by"],
        "登记簿": dg.MetadataValue.path(str(Path(result["register"]).resolve())),
    })


@_asset(
    kinds={"python", "csv"}, deps=["problem_report", "publication"],
    description="公示进度（status.csv）：每村草稿、可公示、暂缓、已公示、已张贴、公示期、异议；逾期名单排在最前"
                "（公示超过 posting_days 天未张贴，或公示期已结束仍有异议未办结）。",
)
@_fail_clearly
def village_status(context: dg.AssetExecutionContext, settings: SubsidySettings):
    where = settings.locate(context.partition_key)
    try:
        statuses, notes, path = stages.season_status(where, date.today())
    except StatusError as exc:
        raise stages.PipelineError(str(exc)) from exc
    overdue = [s for s in statuses if s.overdue]
    return dg.Output(len(statuses), metadata={
        "逾期（乡镇督办）": _md_list([(f"{s.town}{s.village_name}", s.overdue) for s in overdue]),
        "各村进度": _md_list([(f"{s.town}{s.village_name}", s.line().split("：", 1)[1]) for s in statuses]),
        "objections.csv 中未用的行": dg.MetadataValue.md("\n".join(f"- {n}" for n in notes) or "（无）"),
        "逾期村数": len(overdue), "进度表": dg.MetadataValue.path(str(path.resolve())),
    })


ASSETS = [input_files, household_records, reconciliation, village_summary, village_notices, problem_report,
          village_status]
ALL_ASSETS = [*ASSETS, publication]
