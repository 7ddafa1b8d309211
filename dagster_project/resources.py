"""Settings of a run, as a Dagster resource (shown and editable in the launchpad)."""

from pathlib import Path

import dagster as dg

from subsidy.base import locking
from subsidy.county_year import CountyYear, Partition

from .progress import tell


def _partition_of(context: dg.InitResourceContext) -> str | None:
    run = context.run
    return run.tags.get("dagster/partition") if run is not None else None


class SubsidySettings(dg.ConfigurableResource):
    """Where the county's spreadsheets are (inputs/<year>/<county>/…) and where results go
    (outputs/<year>/<county>/…). Notice settings come from notice.toml and contacts.csv in the inputs;
    notice_kind, publish_date and paper set here override them for one run.
    `flat`: the inputs folder is one county-year on its own (the command line on a plain folder)."""

    inputs_dir: str = "inputs"
    outputs_dir: str = "outputs"
    flat: bool = False
    year: int | None = None
    notice_kind: str | None = None  # results / application; over notice.toml for this run
    publish_date: str | None = None  # e.g. 2022-12-01; over notice.toml for this run
    paper: str | None = None  # A4 / A3; over notice.toml for this run

    @property
    def notice_overrides(self) -> dict:
        return {"kind": self.notice_kind, "publish_date": self.publish_date, "paper": self.paper}

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """The run holds its county-year's lock from its start to its end, whichever assets it materializes: a
        command-line run and a UI run of one county-year never interleave (the second waits, saying so)."""
        key = _partition_of(context)
        if key:
            outputs = self.locate(key).outputs
            locking.acquire(outputs, notify=lambda m: tell(m, context.log))

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        key = _partition_of(context)
        if key:
            locking.release(self.locate(key).outputs)

    def locate(self, partition_key: str) -> CountyYear:
        root_in, root_out = Path(self.inputs_dir), Path(self.outputs_dir)
        if self.flat:
            return CountyYear.flat(root_in, root_out, self.year)
        return CountyYear.of(Partition.from_key(partition_key), root_in, root_out)
