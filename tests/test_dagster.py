"""The Dagster layer loads and runs the same library code as the CLI."""

import dagster as dg

from dagster_project.definitions import defs
from dagster_project.resources import SubsidySettings
from tests.builders import read_csv
from tests.sample_county import build


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)


def test_materialize_on_the_sample_county(tmp_path):
    build(tmp_path / "in")
    result = dg.materialize(
        [defs.get_assets_def("village_summary")],
        resources={"settings": SubsidySettings(inputs_dir=str(tmp_path / "in"), outputs_dir=str(tmp_path / "out"),
                                               year=2022)},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    [mat] = result.asset_materializations_for_node("village_summary")
    assert mat.metadata["villages"].value == 10
    assert len(read_csv(tmp_path / "out" / "summary.csv")) == 12
