"""Where the stages' results rest between steps: under the county-year's internal/ folder (mode 0700), never in
DAGSTER_HOME. They hold full ID and account numbers, exactly like the other files of internal/."""

import pickle
from pathlib import Path

import dagster as dg

from subsidy.base.files import atomic_write, internal_dir

from .resources import SubsidySettings


class InternalIOManager(dg.ConfigurableIOManager):
    """Pickles each asset's result to <outputs>/<year>/<county>/internal/dagster/<asset>.pickle (owner only)."""

    settings: dg.ResourceDependency[SubsidySettings]

    def _path(self, asset_key: dg.AssetKey, partition_key: str) -> Path:
        folder = internal_dir(self.settings.locate(partition_key).outputs) / "dagster"
        folder.mkdir(mode=0o700, exist_ok=True)
        return folder / f"{'__'.join(asset_key.path)}.pickle"

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        # streamed: no whole pickle held in memory beside the object (hundreds of MB at a million rows)
        atomic_write(self._path(context.asset_key, context.partition_key), lambda f: pickle.dump(obj, f, protocol=5))

    def load_input(self, context: dg.InputContext):
        path = self._path(context.asset_key, context.asset_partition_key)
        with path.open("rb") as f:
            return pickle.load(f)


class ReleasingMemIOManager(dg.IOManager):
    """A command-line run's results, kept in memory (no pickling: the run is one process) and each dropped as soon
    as the last step that takes it has loaded it: a million-row run does not hold every stage's result to its end.
    `consumers`: asset name -> how many steps of the run take it as an input (0: kept, e.g. the run report)."""

    def __init__(self, consumers: dict[str, int]):
        self.consumers = consumers
        self.values: dict[str, object] = {}
        self.left: dict[str, int] = {}

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        name = context.asset_key.to_user_string()
        self.values[name] = obj
        self.left[name] = self.consumers.get(name, 0)

    def load_input(self, context: dg.InputContext):
        name = context.asset_key.to_user_string()
        value = self.values[name]
        if self.left.get(name, 0) > 0:
            self.left[name] -= 1
            if self.left[name] == 0:
                del self.values[name]
        return value


def consumers(assets: list[dg.AssetsDefinition]) -> dict[str, int]:
    """Asset name -> how many of these assets take it as an input (a dependency without an input loads nothing)."""
    counts: dict[str, int] = {}
    for asset in assets:
        for name, key in asset.keys_by_input_name.items():
            if not asset.op.ins[name].dagster_type.is_nothing:
                counts[key.to_user_string()] = counts.get(key.to_user_string(), 0) + 1
    return counts
