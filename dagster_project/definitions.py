"""Dagster definitions: `make ui` (dagster dev -w workspace.yaml) loads these.

All of a run's steps execute in one process (in_process_executor), so the county-year's output folder stays
locked for the whole run and a command-line run cannot interleave with it.
"""

import os

import dagster as dg

from .assets import ALL_ASSETS
from .jobs import JOBS
from .resources import SubsidySettings
from .sensors import make_sensor

defs = dg.Definitions(
    assets=ALL_ASSETS,
    jobs=JOBS,
    sensors=[make_sensor()],
    resources={"settings": SubsidySettings(inputs_dir=os.environ.get("SUBSIDY_INPUTS", "inputs"),
                                           outputs_dir=os.environ.get("SUBSIDY_OUTPUTS", "outputs"))},
    executor=dg.in_process_executor,
)
