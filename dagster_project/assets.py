"""The county pipeline as Dagster assets, one per stage of the `subsidy` library, partitioned by county-year.

input_files -> household_records -> reconciliation -> village_summary -> village_notices -> problem_report

Each asset only calls the library. Metadata never holds a full ID or account number (open-source Dagster has
no login): counts, totals, village names and paths only.
"""

import functools
import inspect
from collections import Counter
from decimal import Decimal

import dagster as dg

from subsidy import locking, pipeline
from subsidy.notices import money
from subsidy.privacy import find_unmasked, mask_numbers
from subsidy.problems import KINDS

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


def _asset(**kwargs):
    """A county-year asset of this pipeline (same partitions, group and owners for every stage)."""
    return dg.asset(partitions_def=county_year, group_name=GROUP, owners=OWNERS, **kwargs)


STAGES = {"input_files": "读取文件", "household_records": "核对清册", "reconciliation": "银行对账",
          "village_summary": "分村汇总", "village_notices": "生成公示", "problem_report": "问题清单和对账工作簿",
          "village_archive": "留存备查"}


def _failure(fn, args, kwargs, exc: Exception) -> dg.Failure:
    """The clerk's one-line reason: a PipelineError says it itself; anything else names the stage and the
    county-year, and the full traceback goes to internal/error.log (never to the clerk's screen)."""
    if isinstance(exc, pipeline.PipelineError):
        return dg.Failure(description=str(exc))
    context, settings = args[0] if args else kwargs["context"], kwargs["settings"]
    key = context.partition_key
    log = pipeline.record_failure(settings.locate(key).outputs, exc)
    return dg.Failure(description=pipeline.failure_message(STAGES.get(fn.__name__, fn.__name__), key, log))


def _fail_clearly(fn):
    """Every failure of a stage becomes a Failure whose description is the clerk's one-line reason."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def generator(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except dg.Failure:
                raise
            except Exception as exc:
                raise _failure(fn, args, kwargs, exc) from None
        return generator

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except dg.Failure:
            raise
        except Exception as exc:
            raise _failure(fn, args, kwargs, exc) from None
    return wrapped


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
    where = settings.locate(context.partition_key)
    # held for the whole run (released by problem_report, or when the run's process ends)
    locking.acquire(where.outputs, notify=context.log.info)
    # a bad notice.toml stops the run now, not after reading everything
    pipeline.notice_settings(where.inputs, shared_dirs=where.shared_dirs, overrides=settings.notice_overrides)
    intake = pipeline.read_inputs(where.inputs, latest_year=where.year, progress=reporter(context),
                                  shared_dirs=where.shared_dirs)
    kinds = Counter(f.recognised_as for f in intake.files)
    return dg.Output(intake, metadata={
        "files": len(intake.files),
        "files_by_kind": _md_table(["识别为", "文件数"], sorted(kinds.items())),
        "rows_read": sum(sum(r.counts.values()) for r in intake.sheets),
        "reading_notes": _md_table(["文件", "说明"], [[f.file, mask_numbers(f.note)] for f in intake.files
                                                      if f.sheets and f.note]),
        "inputs_folder": dg.MetadataValue.path(str(where.inputs)),
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
    books = pipeline.assemble(input_files, where.year)
    pipeline.check_runnable(books, where.inputs, where.outputs)
    read = sum(r.nonblank for r in books.sheets)
    accounted = sum(books.row_counts.values())
    yield dg.Output(books, metadata={
        "year": books.year, "households": len(books.households), "rows_read": read,
        "rows_used": books.row_counts.get("household", 0) + books.row_counts.get("payment", 0),
        "villages": len({h.village_code for h in books.households}),
    })
    yield dg.AssetCheckResult(check_name=ROWS_ACCOUNTED, passed=read == accounted, metadata={
        "nonblank_rows": read, "accounted_rows": accounted,
        "by_reason": _md_table(["原因", "行数"], sorted(books.row_counts.items())),
    })


@_asset(
    kinds={"python"},
    description="把银行代发结果逐笔对到清册中的户：先按身份证号，再按姓名和金额；得出每户已发放、发放失败或未发放。",
    check_specs=[dg.AssetCheckSpec(BALANCED, asset="reconciliation",
                                   description="每个村每项补贴：应发 = 实发 + 失败 + 未发 + 差额。")],
)
@_fail_clearly
def reconciliation(context: dg.AssetExecutionContext, settings: SubsidySettings, household_records):
    books = pipeline.reconcile_books(household_records)
    summary = pipeline.summarise(books)
    report = pipeline.run_report(books, summary)["reconciliation"]
    off = [r for r in summary if not r.balances()]
    yield dg.Output(books, metadata={
        "bank_rows": report["bank_rows"], "subsidies_covered": ", ".join(report["subsidies_covered"]) or "无",
        "due": report["due"], "paid": report["paid"], "failed": report["failed"], "unpaid": report["unpaid"],
        "differences": report["differences"],
    })
    yield dg.AssetCheckResult(check_name=BALANCED, passed=not off, metadata={
        "villages_checked": len(summary),
        "not_balanced": _md_table(["村代码", "村", "补贴"], [[r.village_code, r.village_name, r.subsidy_type] for r in off]),
    })


@_asset(
    kinds={"python", "csv"},
    description="分村汇总 summary.csv（可公开）：每个村每项补贴的户数、应发、实发、失败金额。",
    check_specs=[dg.AssetCheckSpec(SUMMARY_TOTALS, asset="village_summary",
                                   description="汇总表的应发合计等于清册各户金额之和，户数等于清册中的户数。")],
)
@_fail_clearly
def village_summary(context: dg.AssetExecutionContext, settings: SubsidySettings, reconciliation):
    where = settings.locate(context.partition_key)
    summary = pipeline.summarise(reconciliation)
    path = pipeline.write_summary(summary, where.outputs)
    due = sum((r.amount_due for r in summary), Decimal(0))
    roster = sum((h.amount for h in reconciliation.households if h.amount is not None), Decimal(0))
    yield dg.Output(summary, metadata={
        "villages": len({r.village_code for r in summary}), "rows": len(summary), "amount_due": money(due),
        "summary_csv": dg.MetadataValue.path(str(path)),
    })
    yield dg.AssetCheckResult(check_name=SUMMARY_TOTALS, passed=due == roster, metadata={
        "summary_due": money(due), "roster_total": money(roster)})


def _public_texts(where, published):
    for name in ("summary.csv", "notices/index.csv"):
        path = where.outputs / name
        if path.exists():
            yield name, path.read_text(encoding="utf-8-sig")
    for item in published:
        if item.path is not None:
            for text, _ in item.notice.texts():
                yield str(item.path.relative_to(where.outputs)), text


@_asset(
    kinds={"python", "pdf"},
    description="每村一份村务公开栏公示（A4/A3）和一份大字版 PDF，身份证号脱敏；发现完整证件号或无法显示的字时暂扣该村公示。",
    check_specs=[
        dg.AssetCheckSpec(NO_FULL_IDS, asset="village_notices", blocking=True,
                          description="可公开的结果（汇总表、公示、公示清单）中没有完整的身份证号或银行账号；不通过则后续步骤不运行。"),
        dg.AssetCheckSpec(EVERY_VILLAGE_HAS_NOTICE, asset="village_notices",
                          description="每个有发放的村都生成了公示；列出被暂扣的村。"),
    ],
)
@_fail_clearly
def village_notices(context: dg.AssetExecutionContext, settings: SubsidySettings, reconciliation, village_summary):
    where = settings.locate(context.partition_key)
    published, notice_settings = pipeline.publish(reconciliation, where.inputs, where.outputs, reporter(context),
                                                  where.shared_dirs, where.archive, settings.notice_overrides)
    withheld = [p.notice for p in published if p.path is None]
    leaks = [name for name, text in _public_texts(where, published) if find_unmasked(text)]
    yield dg.Output((published, notice_settings), metadata={
        "kind": notice_settings.kind_title, "publish_date": notice_settings.publish_date.isoformat(),
        "notices": len(published) - len(withheld), "withheld": len(withheld),
        "pages": sum(p.pages for p in published), "large_print_pages": sum(p.large_pages for p in published),
        "notices_folder": dg.MetadataValue.path(str(where.outputs / "notices")),
    })
    yield dg.AssetCheckResult(check_name=NO_FULL_IDS, passed=not leaks, severity=dg.AssetCheckSeverity.ERROR,
                              metadata={"files_with_full_numbers": ", ".join(sorted(set(leaks))) or "无"})
    yield dg.AssetCheckResult(
        check_name=EVERY_VILLAGE_HAS_NOTICE, passed=not withheld, severity=dg.AssetCheckSeverity.WARN,
        metadata={"withheld": _md_table(["村代码", "村", "原因"], [
            [n.village_code, n.village_name, "、".join(sorted({KINDS[p.kind].title for p in n.problems}))]
            for n in withheld])})


@_asset(
    kinds={"python", "excel"},
    description="给财政所工作人员的结果（internal/，含完整身份证号，不可公开）：问题清单、对账工作簿、户明细、文件清单。",
)
@_fail_clearly
def problem_report(context: dg.AssetExecutionContext, settings: SubsidySettings, reconciliation, village_summary,
                   village_notices):
    where = settings.locate(context.partition_key)
    published, notice_settings = village_notices
    report = pipeline.finish(reconciliation, village_summary, published, notice_settings, where.inputs, where.outputs)
    locking.release(where.outputs)
    per_village: dict[str, Counter] = {}
    names = {h.village_code: h.village_name for h in reconciliation.households}
    for p in reconciliation.problems:
        if p.village_code:
            per_village.setdefault(p.village_code, Counter())[p.kind] += 1
    rows = [[code, names.get(code, ""), sum(c.values()), "、".join(f"{KINDS[k].title}{n}" for k, n in sorted(c.items()))]
            for code, c in sorted(per_village.items())]
    return dg.Output(report, metadata={
        "problems": report["problems"],
        "problems_by_kind": _md_table(["问题", "代码", "数量"], [[KINDS[k].title, k, n]
                                                              for k, n in report["problems_by_kind"].items()]),
        "villages_with_problems": _md_table(["村代码", "村", "问题数", "问题"], rows),
        "hints": dg.MetadataValue.md("\n".join(f"- {h}" for h in report["hints"]) or "（无）"),
        "amount_due": report["amount_due"], "households": report["households"], "villages": report["villages"],
        "staff_workbook": dg.MetadataValue.path(report["outputs"]["workbook"]),
        "exceptions_csv": dg.MetadataValue.path(report["outputs"]["exceptions"]),
        "notices_folder": dg.MetadataValue.path(report["outputs"]["notices"]),
    })


@_asset(
    kinds={"python", "pdf"},
    description="留存各村备查：公示内容有变化的村写入新版本（第二版起为更正公示），旧版本永不改动；登记簿 register.csv 只增不改。",
)
@_fail_clearly
def village_archive(context: dg.AssetExecutionContext, settings: SubsidySettings, village_summary, village_notices):
    where = settings.locate(context.partition_key)
    published, notice_settings = village_notices
    result = pipeline.archive(published, notice_settings, village_summary, where.inputs, where.archive,
                              where.shared_dirs)
    return dg.Output(result, metadata={
        "new_versions": result["new_versions"], "corrections": result["corrections"],
        "versions_written": _md_table(["村与版本"], [[v] for v in result["versions"]]),
        "register": dg.MetadataValue.path(result["register"]),
    })


ASSETS = [input_files, household_records, reconciliation, village_summary, village_notices, problem_report,
          village_archive]
