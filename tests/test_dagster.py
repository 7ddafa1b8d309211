"""The Dagster layer: definitions, the asset graph on a generated county, checks, metadata, the sensor."""

import json
import re

import dagster as dg
import pytest

from dagster_project.assets import (
    ALL_ASSETS,
    ARCHIVE_PUBLISHED,
    ASSETS,
    EVERY_VILLAGE_HAS_NOTICE,
    NO_FULL_IDS,
    NO_OPEN_PROBLEMS,
    ROWS_ACCOUNTED,
)
from dagster_project.definitions import defs
from dagster_project.partitions import county_year
from dagster_project.resources import SubsidySettings
from dagster_project.sensors import make_sensor, scan
from tests.builders import make_id, read_csv, write_xlsx
from tests.sample_county import build

KEY = "2022-永嘉县"
FULL_ID = re.compile(r"\d{17}[\dX]")
# Dagster's data versions are sha256 hex digests; their digit runs (about one run in ten holds 18 digits in a
# row) are not personal numbers, so they are taken out before looking for one.
HEX_DIGEST = re.compile(r"\b[0-9a-f]{40,64}\b")


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)
    assert {a.key.path[-1] for a in ALL_ASSETS} == {"input_files", "household_records", "reconciliation",
                                                   "village_summary", "village_notices", "problem_report", "publication",
                                                   "village_status"}
    assert {j.name for j in defs.jobs} == {"county_pipeline_job", "publish_job", "status_job"}
    assert {t.job_name for t in make_sensor().targets} == {"county_pipeline_job", "status_job"}  # never publish_job


def _materialize(tmp_path, instance=None):
    instance = instance or dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(county_year.name, [KEY])
    settings = SubsidySettings(inputs_dir=str(tmp_path / "inputs"), outputs_dir=str(tmp_path / "outputs"))
    return dg.materialize(ASSETS, partition_key=KEY, instance=instance, resources={"settings": settings},
                          raise_on_error=False)


def _all_metadata_text(result) -> str:
    """Every event of the run as text: messages, materialization metadata, check metadata."""
    return "\n".join(f"{event.message} {event.event_specific_data!r}" for event in result.all_events)


def test_graph_materializes_a_county_with_checks_and_clerk_metadata(tmp_path):
    build(tmp_path / "inputs" / "2022" / "永嘉县")
    result = _materialize(tmp_path)
    assert result.success
    checks = {e.asset_check_evaluation_data.check_name: e.asset_check_evaluation_data.passed
              for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    assert checks == {ROWS_ACCOUNTED: True, "due_equals_paid_failed_unpaid_differences": True,
                      "summary_totals_equal_roster_totals": True, NO_FULL_IDS: True, EVERY_VILLAGE_HAS_NOTICE: True,
                      NO_OPEN_PROBLEMS: False, ARCHIVE_PUBLISHED: True}  # the sample has open problems: not all green
    [report] = result.asset_materializations_for_node("problem_report")
    assert report.metadata["问题数"].value == 21
    assert "周宅村" in report.metadata["有问题的村"].value
    assert report.metadata["对账工作簿"].value.endswith("2022/永嘉县/internal/reconciliation.xlsx")
    [files] = result.asset_materializations_for_node("input_files")
    assert "补报清册.xlsx**：工作表“补报”有2个公式" in files.metadata["读取说明"].value
    [records] = result.asset_materializations_for_node("household_records")
    assert records.metadata["户数"].value == report.metadata["户数"].value == 30  # one household count everywhere
    assert report.metadata["对账工作簿"].value.startswith("/")  # absolute paths
    [notices] = result.asset_materializations_for_node("village_notices")
    assert notices.metadata["草稿"].value == 10 and notices.metadata["暂缓公示的村"].value == 10
    assert list(report.metadata)[:2] == ["暂缓公示的村", "未处理的问题"]  # the run leads with what holds it back
    assert "身份证号精度丢失" in report.metadata["暂缓公示的村"].value
    # no full ID or account number anywhere in events, metadata or logs
    text = HEX_DIGEST.sub("<digest>", _all_metadata_text(result))
    households = read_csv(tmp_path / "outputs" / "2022" / "永嘉县" / "internal" / "households.csv")
    numbers = {h["id_number"] for h in households if len(h["id_number"]) == 18}
    numbers |= {h["account"] for h in households if len(h["account"]) >= 16}
    assert len(numbers) > 20
    assert not [n for n in numbers if n in text]
    assert not FULL_ID.search(text)
    assert len(read_csv(tmp_path / "outputs" / "2022" / "永嘉县" / "summary.csv")) == 12


def test_a_full_id_in_a_public_output_blocks_what_comes_after(tmp_path, monkeypatch):
    from subsidy import stages as pipeline

    folder = tmp_path / "inputs" / "2022" / "永嘉县"
    rows = [["岩头镇2022年补贴发放清册"], ["村名", "户主姓名", "身份证号码", "补贴项目", "补贴金额"],
            ["苍坡村", "张三", make_id(seq=1), f"补助{make_id(seq=2)}", 100]]
    write_xlsx(folder / "清册.xlsx", {"清册": rows})
    written = pipeline.write_summary

    def leaky(summary, outputs):  # a defect that would publish a full ID: the check must stop the run
        path = written(summary, outputs)
        path.write_text(path.read_text(encoding="utf-8-sig") + make_id(seq=3) + "\n", encoding="utf-8")
        return path

    monkeypatch.setattr(pipeline, "write_summary", leaky)
    result = _materialize(tmp_path)
    checks = {e.asset_check_evaluation_data.check_name: e.asset_check_evaluation_data
              for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    assert checks[NO_FULL_IDS].passed is False
    assert checks[NO_FULL_IDS].severity == dg.AssetCheckSeverity.ERROR
    assert "summary.csv" in checks[NO_FULL_IDS].metadata["含完整号码的文件"].value
    assert not result.asset_materializations_for_node("problem_report")  # blocked
    assert checks[EVERY_VILLAGE_HAS_NOTICE].passed is False  # the notice itself was withheld


# ---------------------------------------------------------------- sensor


def _tick(sensor, instance, cursor):
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    result = sensor(context)
    return result, result.cursor


@pytest.fixture
def sensor_env(tmp_path, monkeypatch):
    inputs = tmp_path / "inputs"
    (inputs / "2022" / "永嘉县").mkdir(parents=True)
    monkeypatch.setenv("SUBSIDY_INPUTS", str(inputs))
    return inputs, make_sensor(str(inputs)), dg.DagsterInstance.ephemeral()


def test_sensor_new_same_changed_removed_reverted_and_half_written(sensor_env):
    inputs, sensor, instance = sensor_env
    roster = inputs / "2022" / "永嘉县" / "清册.xlsx"
    roster.write_bytes(b"version one")
    result, cursor = _tick(sensor, instance, None)
    assert result.run_requests == []  # first sight: wait until size and time are stable
    result, cursor = _tick(sensor, instance, cursor)
    assert [r.partition_key for r in result.run_requests] == [KEY]
    assert result.run_requests[0].tags["subsidy/county_year"] == KEY
    assert result.dynamic_partitions_requests[0].partition_keys == [KEY]
    first_key = result.run_requests[0].run_key

    result, cursor = _tick(sensor, instance, cursor)  # same file, nothing new
    assert result.run_requests == []

    import os
    roster.write_bytes(b"version two, longer")
    os.utime(roster, ns=(1, 2_000_000_000))
    result, cursor = _tick(sensor, instance, cursor)
    assert result.run_requests == []  # changed: wait one tick
    result, cursor = _tick(sensor, instance, cursor)
    assert [r.partition_key for r in result.run_requests] == [KEY]

    roster.write_bytes(b"version one")  # put back: runs again, with a new run key
    os.utime(roster, ns=(1, 3_000_000_000))
    _, cursor = _tick(sensor, instance, cursor)
    result, cursor = _tick(sensor, instance, cursor)
    assert [r.partition_key for r in result.run_requests] == [KEY] and result.run_requests[0].run_key != first_key

    other = inputs / "2022" / "永嘉县" / "补报.xlsx"
    other.write_bytes(b"x")
    _, cursor = _tick(sensor, instance, cursor)
    other.write_bytes(b"x still copying")  # half-written: size changes between ticks
    result, cursor = _tick(sensor, instance, cursor)
    assert result.run_requests == []
    result, cursor = _tick(sensor, instance, cursor)
    assert [r.partition_key for r in result.run_requests] == [KEY]

    other.unlink()  # removed
    result, cursor = _tick(sensor, instance, cursor)
    assert [r.partition_key for r in result.run_requests] == [KEY]


def test_sensor_runs_only_the_county_year_that_changed(tmp_path):
    inputs = tmp_path / "inputs"
    for part in ("2022/永嘉县", "2022/平阳县", "2023/永嘉县"):
        (inputs / part).mkdir(parents=True)
        (inputs / part / "a.xlsx").write_bytes(part.encode())
    (inputs / "说明.txt").write_text("not in a partition")
    keys, cursor = scan(inputs, {})
    keys, cursor = scan(inputs, cursor)
    assert keys == ["2022-平阳县", "2022-永嘉县", "2023-永嘉县"]
    (inputs / "2022/平阳县/b.xlsx").write_bytes(b"new")
    _, cursor = scan(inputs, cursor)
    keys, cursor = scan(inputs, cursor)
    assert keys == ["2022-平阳县"]
    assert json.loads(json.dumps(cursor)) == cursor  # the cursor is plain JSON


def test_notice_settings_on_the_resource_override_notice_toml(tmp_path):
    build(tmp_path / "inputs" / "2022" / "永嘉县")
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(county_year.name, [KEY])
    settings = SubsidySettings(inputs_dir=str(tmp_path / "inputs"), outputs_dir=str(tmp_path / "outputs"),
                               notice_kind="application")
    result = dg.materialize(ASSETS, partition_key=KEY, instance=instance, resources={"settings": settings})
    [files] = result.asset_materializations_for_node("input_files")
    assert "补报清册.xlsx**：工作表“补报”有2个公式" in files.metadata["读取说明"].value
    [notices] = result.asset_materializations_for_node("village_notices")
    assert notices.metadata["公示类型"].value == "申报审核公示"
    assert notices.metadata["草稿"].value == 10


def test_the_publish_job_publishes_ready_villages_and_says_why_others_wait(tmp_path):
    from tests.sample_county import write_decisions

    folder = build(tmp_path / "inputs" / "2022" / "永嘉县")
    write_decisions(folder)
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(county_year.name, [KEY])
    job = defs.resolve_job_def("publish_job")
    settings = SubsidySettings(inputs_dir=str(tmp_path / "inputs"), outputs_dir=str(tmp_path / "outputs"))
    result = job.execute_in_process(
        partition_key=KEY, instance=instance, resources={"settings": settings},
        run_config={"ops": {"publication": {"config": {"date": "2022-12-01", "by": "王会计", "villages": []}}}})
    assert result.success
    [published] = [m for m in result.asset_materializations_for_node("publication")]
    table = published.metadata["公示结果"].value
    assert published.metadata["新公示的村"].value == 5 and published.metadata["未公示的村"].value == 5
    assert "- **梅岙村**：未公示：须在源表改正（不能以核实放行）：缺少必填项1个" in table
    assert (tmp_path / "outputs" / "archive" / "register.csv").exists()
    # the sensor's job never includes the publication
    assert "publication" not in {n.name for n in defs.resolve_job_def("county_pipeline_job").graph.node_defs}


def test_a_run_the_ui_s_way_leaves_no_personal_number_in_dagster_home(tmp_path, monkeypatch):
    """The definitions' own IO manager keeps the stages' results under internal/, never in DAGSTER_HOME."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("SUBSIDY_INPUTS", str(tmp_path / "inputs"))
    monkeypatch.setenv("SUBSIDY_OUTPUTS", str(tmp_path / "outputs"))
    build(tmp_path / "inputs" / "2022" / "永嘉县")
    with dg.DagsterInstance.get() as instance:
        instance.add_dynamic_partitions(county_year.name, [KEY])
        result = defs.resolve_job_def("county_pipeline_job").execute_in_process(instance=instance, partition_key=KEY)
        assert result.success
        # a second run of one asset alone loads its inputs back from internal/
        job = defs.resolve_implicit_global_asset_job_def().get_subset(asset_selection={dg.AssetKey("village_summary")})
        assert job.execute_in_process(instance=instance, partition_key=KEY).success
    internal = tmp_path / "outputs" / "2022" / "永嘉县" / "internal"
    assert (internal / "dagster" / "household_records.pickle").exists()
    assert (internal / "dagster").stat().st_mode & 0o077 == 0
    households = read_csv(internal / "households.csv")
    numbers = {h["id_number"] for h in households if len(h["id_number"]) == 18}
    numbers |= {h["account"] for h in households if len(h["account"]) >= 16}
    assert len(numbers) > 20
    found = [p for p in home.rglob("*") if p.is_file() and any(n.encode() in p.read_bytes() for n in numbers)]
    assert found == []
