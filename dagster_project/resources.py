"""Settings of a run, as a Dagster resource (the UI shows and edits them in the launchpad)."""


from pathlib import Path

import dagster as dg


class SubsidySettings(dg.ConfigurableResource):
    """Where the county's spreadsheets are and where results go."""

    inputs_dir: str = "inputs"
    outputs_dir: str = "outputs"
    year: int | None = None

    @property
    def inputs(self) -> Path:
        return Path(self.inputs_dir)

    @property
    def outputs(self) -> Path:
        return Path(self.outputs_dir)
