"""End to end: the real Dagster web server on a free loopback port, asked over GraphQL for the assets, the
checks, and the status of a run materialized in-process in the same (temporary) instance."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.assets import ASSETS
from dagster_project.partitions import county_year
from dagster_project.resources import SubsidySettings
from tests.sample_county import build

ROOT = Path(__file__).resolve().parent.parent
QUERY = """{
  assetNodes { assetKey { path } assetChecksOrError { ... on AssetChecks { checks { name } } } }
  runsOrError { ... on Runs { results { runId status tags { key value } } } }
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["data"]


@pytest.fixture
def dagster_home(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((ROOT / "dagster_home_template" / "dagster.yaml").read_text())
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def test_web_server_shows_assets_checks_and_a_finished_run(tmp_path, dagster_home):
    build(tmp_path / "inputs" / "2022" / "永嘉县")
    with dg.DagsterInstance.get() as instance:
        instance.add_dynamic_partitions(county_year.name, ["2022-永嘉县"])
        settings = SubsidySettings(inputs_dir=str(tmp_path / "inputs"), outputs_dir=str(tmp_path / "outputs"))
        result = dg.materialize(ASSETS, partition_key="2022-永嘉县", instance=instance, resources={"settings": settings})
        assert result.success
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home), "SUBSIDY_INPUTS": str(tmp_path / "inputs"),
           "SUBSIDY_OUTPUTS": str(tmp_path / "outputs")}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port), "-w",
         str(ROOT / "workspace.yaml")], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        data = None
        while time.monotonic() < deadline:
            try:
                data = _graphql(port, QUERY)
                if data["assetNodes"]:
                    break
            except OSError:
                pass
            assert server.poll() is None, server.stdout.read().decode(errors="replace")[-2000:]
            time.sleep(0.5)
        assert data and data["assetNodes"], "the web server did not answer in time"
        assets = {tuple(n["assetKey"]["path"]): {c["name"] for c in n["assetChecksOrError"]["checks"]}
                  for n in data["assetNodes"]}
        assert set(assets) == {("input_files",), ("household_records",), ("reconciliation",), ("village_summary",),
                               ("village_notices",), ("problem_report",), ("publication",), ("village_status",)}
        assert assets[("village_notices",)] == {"no_full_id_in_public_outputs", "every_village_has_a_notice",
                                                "no_open_blocking_problems", "every_archived_version_was_published"}
        [run] = data["runsOrError"]["results"]
        assert run["runId"] == result.run_id and run["status"] == "SUCCESS"
        assert {"key": "dagster/partition", "value": "2022-永嘉县"} in run["tags"]
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
