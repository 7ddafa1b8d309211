"""The jobs: the county pipeline (the sensor's), the publication (by hand only) and the season status."""

import dagster as dg

from .assets import ALL_ASSETS, ASSETS, PUBLISH_JOB, village_status

JOB_NAME = "county_pipeline_job"
STATUS_JOB = "status_job"

county_pipeline_job = dg.define_asset_job(
    JOB_NAME, selection=dg.AssetSelection.assets(*ASSETS),
    description="一个县一个年度的完整流程：读取、对账、汇总、公示草稿、问题清单和公示准备、公示进度。不写档案。",
)
publish_job = dg.define_asset_job(
    PUBLISH_JOB, selection=dg.AssetSelection.assets(*ALL_ASSETS),
    description="正式公示（只能人工启动）：重新读取本县本年度的文件，对可公示的村写正式公示和留存备查的版本。"
                "在 Launchpad 中选择分区并填写 ops.publication.config：date（公示日期）、by（公示人）、villages（可不填）。",
)
status_job = dg.define_asset_job(
    STATUS_JOB, selection=dg.AssetSelection.assets(village_status),
    description="只刷新公示进度（登记张贴后由传感器启动）：每村是否公示、张贴、公示期、异议，以及逾期名单。",
)
JOBS = [county_pipeline_job, publish_job, status_job]
