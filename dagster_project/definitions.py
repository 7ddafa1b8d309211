"""Dagster definitions: `dagster dev -w workspace.yaml` (or `make ui`) loads these."""

from __future__ import annotations

import dagster as dg

from .assets import village_summary
from .resources import SubsidySettings

defs = dg.Definitions(
    assets=[village_summary],
    resources={"settings": SubsidySettings()},
)
