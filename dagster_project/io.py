"""Where the stages' results rest between steps: under the county-year's internal/ folder (mode 0700), never in
DAGSTER_HOME. They hold full ID and account numbers, exactly like the other files of internal/."""

import pickle
from pathlib import Path

import dagster as dg

from subsidy.writing import atomic_write_bytes, internal_dir

from .resources import SubsidySettings


class InternalIOManager(dg.ConfigurableIOManager):
    """Pickles each asset's result to <outputs>/<year>/<county>/internal/dagster/<asset>.pickle (owner only)."""

    settings: dg.ResourceDependency[SubsidySettings]

    def _path(self, asset_key: dg.AssetKey, partition_key: str) -> Path:
        folder = internal_dir(self.settings.locate(partition_key).outputs) / "dagster"
        folder.mkdir(mode=0o700, exist_ok=True)
        return folder / f"{'__'.join(asset_key.path)}.pickle"

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        atomic_write_bytes(self._path(context.asset_key, context.partition_key), pickle.dumps(obj, protocol=5))

    def load_input(self, context: dg.InputContext):
        path = self._path(context.asset_key, context.asset_partition_key)
        return pickle.loads(path.read_bytes())
