"""Dagster definitions: `make ui` (dagster dev -w workspace.yaml) loads these.

All of a run's steps execute in one process (in_process_executor), so the county-year's output folder stays
locked for the whole run and a command-line run cannot interleave with it.
"""

import os

import dagster as dg

from .assets import ALL_ASSETS, ASSETS, PUBLISH_JOB
from .resources import SubsidySettings
from .sensors import JOB_NAME, make_sensor

county_pipeline_job = dg.define_asset_job(
    JOB_NAME, selection=dg.AssetSelection.assets(*ASSETS),
    description="一个县一个年度的完整流程：读取、对账、汇总、公示草稿、问题清单和公示准备。不写档案。",
)
publish_job = dg.define_asset_job(
    PUBLISH_JOB, selection=dg.AssetSelection.assets(*ALL_ASSETS),
    description="正式公示（只能人工启动）：重新读取本县本年度的文件，对可公示的村写正式公示和留存备查的版本。"
                "在 Launchpad 中选择分区并填写 ops.publication.config：date（公示日期）、by（公示人）、villages（可不填）。",
)

defs = dg.Definitions(
    assets=ALL_ASSETS,
    jobs=[county_pipeline_job, publish_job],
    sensors=[make_sensor()],
    resources={"settings": SubsidySettings(inputs_dir=os.environ.get("SUBSIDY_INPUTS", "inputs"),
                                           outputs_dir=os.environ.get("SUBSIDY_OUTPUTS", "outputs"))},
    executor=dg.in_process_executor,
)
