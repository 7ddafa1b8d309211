"""The tool never reads its own outputs back as inputs: files it wrote that a clerk dropped into the inputs, and an
outputs folder chosen inside the inputs, are listed as not read and change nothing."""

import os
import shutil
import subprocess
import zipfile

import pytest

from dagster_project.cli import main
from subsidy.intake.ownfiles import OUTPUT_FOLDER, OWN_FILE, own_kind
from tests.builders import read_csv
from tests.sample_county import build


def _result(out):
    summary = [tuple(r.values()) for r in read_csv(out / "summary.csv")]
    problems = [(e["kind"], e["source_file"], e["source_sheet"], e["source_row"], e["problem_id"])
                for e in read_csv(out / "internal" / "exceptions.csv")]
    return summary, problems


def _run(inputs, out, capsys=None):
    code = main(["run", "--inputs", str(inputs), "--outputs", str(out), "--quiet"])
    assert code == 0
    return capsys.readouterr().out if capsys else ""


@pytest.fixture
def clean(tmp_path):
    inputs = build(tmp_path / "sample")
    _run(inputs, tmp_path / "clean")
    return inputs, tmp_path / "clean", _result(tmp_path / "clean")


def test_our_files_dropped_into_the_inputs_are_listed_and_never_read(clean, tmp_path, capsys):
    inputs, first, expected = clean
    back = inputs / "退回的文件"
    back.mkdir()
    shutil.copy(first / "internal" / "reconciliation.xlsx", back / "对账工作簿（已核对）.xlsx")
    shutil.copy(first / "summary.csv", back / "汇总.csv")
    shutil.copy(first / "internal" / "exceptions.csv", back / "问题.csv")
    shutil.copy(first / "internal" / "households.csv", back / "户明细.csv")
    shutil.copy(next((first / "notices").rglob("*.pdf")), back / "公示.pdf")
    said = _run(inputs, tmp_path / "again", capsys)
    assert _result(tmp_path / "again") == expected
    files = {f["file"]: f for f in read_csv(tmp_path / "again" / "internal" / "files.csv")}
    for name in ("对账工作簿（已核对）.xlsx", "汇总.csv", "问题.csv", "户明细.csv", "公示.pdf"):
        assert files[f"退回的文件/{name}"]["recognised_as"] == OWN_FILE, name
    assert said.count("本工具生成的文件或输出文件夹，未读取") == 1 and "退回的文件/汇总.csv" in said


def test_an_outputs_folder_inside_the_inputs_is_skipped_whole(clean, capsys):
    inputs, _, expected = clean
    out = inputs / "结果"
    for _ in range(2):
        said = _run(inputs, out, capsys)
        assert _result(out) == expected
    files = {f["file"]: f["recognised_as"] for f in read_csv(out / "internal" / "files.csv")}
    assert files["结果/"] == OUTPUT_FOLDER
    assert not any(f.startswith("结果/") and f != "结果/" for f in files)
    assert said.count("未读取（请移出 inputs）：结果/") == 1


def test_outputs_inside_per_county_inputs(tmp_path, capsys):
    inputs = tmp_path / "inputs"
    build(inputs / "2022" / "永嘉县")
    out = inputs / "结果"
    _run(inputs, out)
    expected = _result(out / "2022" / "永嘉县")
    _run(inputs, out)  # the second run sees outputs/2022/永嘉县/… inside the inputs: still one county-year
    assert _result(out / "2022" / "永嘉县") == expected
    assert not (out / "2022" / "永嘉县" / "结果").exists()


def test_every_written_workbook_pdf_zip_and_csv_is_recognised(tmp_path):
    from tests.conftest import run
    from tests.sample_county import write_decisions

    inputs = build(tmp_path / "in")
    write_decisions(inputs)
    out = tmp_path / "out"
    run(inputs, out, year=2022, request={"date": "2022-12-01", "by": "王会计", "villages": []})
    written = [p for p in out.rglob("*") if p.is_file() and p.suffix in (".xlsx", ".pdf", ".zip", ".csv")]
    assert {p.suffix for p in written} == {".xlsx", ".pdf", ".zip", ".csv"}
    assert [p for p in written if own_kind(p) is None] == []
    assert [p for p in inputs.rglob("*") if p.is_file() and own_kind(p)] == []  # the county's own files are not ours
    with zipfile.ZipFile(next(out.rglob("*.zip"))) as z:
        assert b"subsidy-disclosure" in z.comment


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
def test_a_workbook_re_saved_by_libreoffice_is_still_ours(clean, tmp_path):
    _, first, _ = clean
    resaved = tmp_path / "resaved"
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    for target in ("xlsx", "ods"):
        subprocess.run(["soffice", "--headless", "--convert-to", target, "--outdir", str(resaved),
                        str(first / "internal" / "reconciliation.xlsx")], check=True, env=env, capture_output=True,
                       timeout=180)
        assert own_kind(resaved / f"reconciliation.{target}") == "工作簿", target
