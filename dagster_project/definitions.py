"""Dagster definitions: `make ui` (dagster dev -w workspace.yaml) loads these.

All of a run's steps execute in one process (in_process_executor), so the county-year's output folder stays
locked for the whole run and a command-line run cannot interleave with it.
"""

import os

import dagster as dg

from .assets import ASSETS
from .resources import SubsidySettings
from .sensors import JOB_NAME, make_sensor

county_pipeline_job = dg.define_asset_job(
    JOB_NAME, selection=dg.AssetSelection.assets(*ASSETS),
    description="一个县一个年度的完整流程：读取、对账、汇总、公示、问题清单。",
)

defs = dg.Definitions(
    assets=ASSETS,
    jobs=[county_pipeline_job],
    sensors=[make_sensor()],
    resources={"settings": SubsidySettings(inputs_dir=os.environ.get("SUBSIDY_INPUTS", "inputs"),
                                           outputs_dir=os.environ.get("SUBSIDY_OUTPUTS", "outputs"))},
    executor=dg.in_process_executor,
)
