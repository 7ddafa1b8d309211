"""The county pipeline as Dagster assets. Each asset only calls the `subsidy` library."""


import dagster as dg

from subsidy import pipeline

from .resources import SubsidySettings


def _markdown_counts(counts: dict[str, int]) -> str:
    lines = ["| 项目 | 数量 |", "|---|---|"] + [f"| {k} | {v} |" for k, v in counts.items()]
    return "\n".join(lines)


@dg.asset(
    group_name="county",
    kinds={"python", "csv"},
    owners=["team:county-finance"],
    description="读取 inputs/ 下全部发放清册，核对后写出分村汇总 summary.csv 和问题清单 internal/exceptions.csv。",
)
def village_summary(context: dg.AssetExecutionContext, settings: SubsidySettings) -> dg.MaterializeResult:
    report = pipeline.run(settings.inputs, settings.outputs, year=settings.year, progress=context.log.info)
    return dg.MaterializeResult(metadata={
        "year": report["year"],
        "files_read": report["files_read"],
        "rows_read": report["rows_read"],
        "rows_used": report["rows_used"],
        "villages": report["villages"],
        "households": report["households"],
        "amount_due": report["amount_due"],
        "problems": report["problems"],
        "problems_by_kind": dg.MetadataValue.md(_markdown_counts(report["problems_by_kind"])),
        "summary_csv": dg.MetadataValue.path(report["outputs"]["summary"]),
        "exceptions_csv": dg.MetadataValue.path(report["outputs"]["exceptions"]),
    })
