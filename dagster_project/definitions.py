"""Dagster definitions: `make ui` (dagster dev -w workspace.yaml) loads these.

All of a run's steps execute in one process (in_process_executor); the `settings` resource holds the county-year's
lock from the run's start to its end, so a command-line run cannot interleave with it. The stages' results rest
under the county-year's internal/ folder (InternalIOManager), never in DAGSTER_HOME.
"""

import os

import dagster as dg

from .assets import ALL_ASSETS
from .io import InternalIOManager
from .jobs import JOBS
from .resources import SubsidySettings
from .sensors import make_sensor

# the folders come from the environment (shown as such in the UI); `make ui` runs from the project folder
os.environ.setdefault("SUBSIDY_INPUTS", "inputs")
os.environ.setdefault("SUBSIDY_OUTPUTS", "outputs")
settings = SubsidySettings(inputs_dir=dg.EnvVar("SUBSIDY_INPUTS"), outputs_dir=dg.EnvVar("SUBSIDY_OUTPUTS"))

defs = dg.Definitions(
    assets=ALL_ASSETS,
    jobs=JOBS,
    sensors=[make_sensor()],
    resources={"settings": settings, "io_manager": InternalIOManager(settings=settings)},
    executor=dg.in_process_executor,
)
