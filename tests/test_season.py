"""After publication: posting on the board (with a photo), objections, the status a town supervises, verify."""

import zipfile

import dagster as dg

from dagster_project.cli import main
from dagster_project.partitions import county_year
from dagster_project.sensors import make_sensor
from subsidy.season.audit import verify
from subsidy.season.posting import read_postings
from tests.builders import read_csv
from tests.test_review_loop import CANGPO, ZHOUZHAI, county


def cli(*args):
    return main([*args])


def status(inputs, out, today):
    assert cli("status", "--inputs", str(inputs), "--outputs", str(out), "--today", today) == 0
    return {r["village_code"]: r for r in read_csv(out / "status.csv")}


def test_a_season_from_draft_to_closed_objection(tmp_path, capsys):
    inputs, out = county(tmp_path / "in", zhouzhai_amount=112), tmp_path / "out"
    assert cli("run", "--inputs", str(inputs), "--outputs", str(out), "--quiet") == 0
    rows = status(inputs, out, "2022-11-30")
    assert rows[CANGPO]["readiness"] == "可公示" and rows[CANGPO]["notice"] == "草稿（待公示）"
    assert rows[CANGPO]["published_version"] == "" and rows[CANGPO]["overdue"] == ""
    # posting before publication is refused
    capsys.readouterr()
    assert cli("posted", "--inputs", str(inputs), "--outputs", str(out), "--village", CANGPO, "--date", "2022-12-01") == 1
    assert "没有已公示的版本" in capsys.readouterr().err

    assert cli("publish", "--inputs", str(inputs), "--outputs", str(out), "--date", "2022-12-01", "--by", "王会计",
               "--quiet") == 0
    rows = status(inputs, out, "2022-12-02")
    assert (rows[CANGPO]["published_version"], rows[CANGPO]["period"]) == ("1", "公示期中（至2022-12-07）")
    assert rows[CANGPO]["overdue"] == ""
    rows = status(inputs, out, "2022-12-05")  # four days after publication, nothing posted: overdue
    assert rows[CANGPO]["overdue"] == "公示4天仍未张贴（应在3天内）"
    assert "逾期（乡镇督办）：2个村" in capsys.readouterr().out

    photo = tmp_path / "张贴照片.jpg"
    photo.write_bytes(b"\xff\xd8\xff a photo of the board")
    assert cli("posted", "--inputs", str(inputs), "--outputs", str(out), "--village", CANGPO, "--date", "2022-12-02",
               "--photo", str(photo), "--by", "村文书") == 0
    assert cli("posted", "--inputs", str(inputs), "--outputs", str(out), "--village", ZHOUZHAI, "--date",
               "2022-12-03") == 0  # without a photo
    postings = read_postings(out / "archive")
    assert [(p["village_code"], p["posted_on"], bool(p["photo"])) for p in postings] == [
        (CANGPO, "2022-12-02", True), (ZHOUZHAI, "2022-12-03", False)]
    kept = out / "archive" / postings[0]["photo"]
    assert kept.read_bytes() == photo.read_bytes() and kept.parent.name == "postings"
    [bundle] = (out / "archive" / "永嘉县" / "2022" / CANGPO / "postings").glob("*_张贴记录.zip")
    with zipfile.ZipFile(bundle) as z:
        assert {"张贴记录.csv", f"张贴照片/{kept.name}", "manifest.json"} <= set(z.namelist())
    rows = status(inputs, out, "2022-12-05")
    assert rows[CANGPO]["posted_on"] == "2022-12-02" and rows[CANGPO]["overdue"] == ""

    # an objection during the period; the period ends with it open: overdue; then it is closed
    objection = "village_code,date,summary,handling,result,by\n{code},2022-12-04,对面积有异议,已转镇核实,{result},王会计\n"
    (inputs / "objections.csv").write_text(objection.format(code=CANGPO, result=""), encoding="gbk")
    rows = status(inputs, out, "2022-12-06")
    assert (rows[CANGPO]["objections_open"], rows[CANGPO]["overdue"]) == ("1", "")
    rows = status(inputs, out, "2022-12-08")
    assert rows[CANGPO]["period"] == "公示期已结束（2022-12-07）"
    assert rows[CANGPO]["overdue"] == "公示期已结束，仍有1条异议未办结"
    (inputs / "objections.csv").write_text(objection.format(code=CANGPO, result="核实无误，维持原公示"), encoding="gbk")
    rows = status(inputs, out, "2022-12-08")
    assert (rows[CANGPO]["objections_open"], rows[CANGPO]["objections_closed"], rows[CANGPO]["overdue"]) == ("0", "1", "")
    assert verify(out / "archive") == []
    assert "对面积有异议" not in (out / "status.csv").read_text(encoding="utf-8-sig")  # objections stay internal

    kept.write_bytes(b"another photo")  # a tampered photo fails verify
    assert any("张贴照片被改动" in f for f in verify(out / "archive"))
    assert cli("verify", "--archive", str(out / "archive")) == 1


def test_status_csv_sits_in_the_county_year_folder_in_both_layouts(tmp_path):
    flat = county(tmp_path / "flat")
    assert cli("run", "--inputs", str(flat), "--outputs", str(tmp_path / "o1"), "--quiet") == 0
    status(flat, tmp_path / "o1", "2022-12-01")
    assert (tmp_path / "o1" / "status.csv").exists()
    laid_out = tmp_path / "in2"
    county(laid_out / "2022" / "永嘉县")
    assert cli("run", "--inputs", str(laid_out), "--outputs", str(tmp_path / "o2"), "--quiet") == 0
    assert cli("status", "--inputs", str(laid_out), "--outputs", str(tmp_path / "o2"), "--county", "永嘉县",
               "--today", "2022-12-01") == 0
    assert (tmp_path / "o2" / "2022" / "永嘉县" / "status.csv").exists()


def test_status_before_any_run_says_to_run_first(tmp_path, capsys):
    inputs = county(tmp_path / "in")
    assert cli("status", "--inputs", str(inputs), "--outputs", str(tmp_path / "out")) == 1
    assert "请先运行 subsidy run" in capsys.readouterr().err


def test_a_recorded_posting_refreshes_the_status_of_its_county_year(tmp_path, monkeypatch):
    inputs, outputs = tmp_path / "inputs", tmp_path / "outputs"
    county(inputs / "2022" / "永嘉县", zhouzhai_amount=112)
    monkeypatch.setenv("SUBSIDY_INPUTS", str(inputs))
    monkeypatch.setenv("SUBSIDY_OUTPUTS", str(outputs))
    assert cli("run", "--inputs", str(inputs), "--outputs", str(outputs), "--quiet") == 0
    assert cli("publish", "--inputs", str(inputs), "--outputs", str(outputs), "--date", "2022-12-01", "--by", "王会计",
               "--quiet") == 0
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(county_year.name, ["2022-永嘉县"])
    sensor = make_sensor(str(inputs))
    cursor = None
    for _ in range(3):  # files settle; the pipeline runs once
        result = sensor(dg.build_sensor_context(instance=instance, cursor=cursor))
        cursor = result.cursor
    assert cli("posted", "--inputs", str(inputs), "--outputs", str(outputs), "--village", CANGPO, "--date",
               "2022-12-02") == 0
    result = sensor(dg.build_sensor_context(instance=instance, cursor=cursor))
    assert [(r.job_name, r.partition_key) for r in result.run_requests] == [("status_job", "2022-永嘉县")]
    result = sensor(dg.build_sensor_context(instance=instance, cursor=result.cursor))
    assert result.run_requests == []
