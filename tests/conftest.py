from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from subsidy.stages import assemble, read_inputs, summarise
from tests.builders import county_year, read_csv


def run(inputs: Path, outputs: Path, year: int | None = None, request: dict | None = None) -> dict:
    """A run as `subsidy run` (or, with `request` {"date", "by", "villages"}, `subsidy publish`) makes it: the asset
    graph materialized in this process for a plain inputs folder. The tests go through the one orchestration."""
    from dagster_project.cli import materialize_partition
    from dagster_project.resources import SubsidySettings

    settings = SubsidySettings(inputs_dir=str(inputs), outputs_dir=str(outputs), flat=True, year=year)
    return materialize_partition(f"{year or 'auto'}-{inputs.resolve().name}", settings, request=request)


def run_stages(inputs: Path, outputs: Path, year: int | None = None, request: dict | None = None) -> dict:
    """A run made of the library's stages alone, in the order the asset graph runs them (dagster_project/assets.py),
    without Dagster's instance and events (half a second a run); with `request`, as the publish job. A stage's
    error comes as it is (the graph's run() turns it into RunFailed). tests/test_stages_alone.py holds it to the
    graph: on the sample both leave the same files, for a run and for a publication."""
    from subsidy import stages
    from subsidy.base.caching import ParseCache
    from subsidy.county_year import CountyYear

    where = CountyYear.flat(inputs, outputs, year)
    books = stages.assemble(stages.read_inputs(where, cache=ParseCache(outputs)), year)
    stages.check_runnable(books, where)
    books = stages.reconcile_books(books)
    summary = stages.summarise(books)
    stages.write_summary(summary, outputs)
    stage = stages.write_notices(stages.prepare_notices(books, where), where)
    published = None
    if request is not None:  # as the publish job: the publication between the notices and the staff files
        asked = stages.publish_request(request["date"], request["by"], request.get("villages", []))
        published = stages.publish(books, summary, stage, asked, where, public=request.get("public", True))
    report = stages.finish(books, summary, stage, where)
    stages.season_status(where, date.today())
    return report | ({"publication": published} if published is not None else {})


class Result:
    """A finished run: its report, summary rows and problems as (kind, file, sheet, row) tuples."""

    def __init__(self, outputs: Path, report: dict):
        self.outputs = outputs
        self.report = report
        self.summary = read_csv(outputs / "summary.csv")
        self.exceptions = read_csv(outputs / "internal" / "exceptions.csv")
        self.households = read_csv(outputs / "internal" / "households.csv")
        self.not_used = read_csv(outputs / "internal" / "rows_not_used.csv")
        self.files = read_csv(outputs / "internal" / "files.csv")

    def problems(self, kind: str | None = None) -> list[tuple]:
        return [(e["kind"], e["source_file"], e["source_sheet"], int(e["source_row"]) if e["source_row"] else None)
                for e in self.exceptions if kind is None or e["kind"] == kind]

    def facts(self, kind: str) -> list[tuple]:
        """(row, expected, found) of each problem of a kind: what tests assert on, rather than its wording."""
        return [(int(e["source_row"]) if e["source_row"] else None, e["expected"], e["found"])
                for e in self.exceptions if e["kind"] == kind]

    def detail(self, kind: str) -> list[str]:
        return [e["detail"] for e in self.exceptions if e["kind"] == kind]

    def due(self) -> dict[tuple[str, str], str]:
        return {(r["village_name"], r["subsidy_type"]): r["amount_due"] for r in self.summary}

    def reasons(self) -> list[tuple]:
        return [(n["source_file"], n["source_sheet"], int(n["source_row"]), n["reason"]) for n in self.not_used]


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "inputs"
    folder.mkdir()
    return folder


@pytest.fixture
def run_on(tmp_path: Path):
    """A run of the library's stages on a folder (see run_stages); tests of the graph itself use run()."""
    def go(folder: Path, year: int | None = 2022) -> Result:
        outputs = tmp_path / "outputs"
        report = run_stages(folder, outputs, year=year)
        return Result(outputs, report)

    return go


@pytest.fixture
def books_of():
    def go(folder: Path, year: int | None = 2022):
        books = assemble(read_inputs(county_year(folder, year)), year)
        return books, summarise(books)

    return go
