"""The archive kept for inspection: versions, corrections, the register, verify, and crash safety."""

import hashlib
import json
import random
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from dagster_project.cli import main
from subsidy.season.archive import read_register
from subsidy.season.audit import verify
from tests.builders import make_id, read_csv, write_xlsx
from tests.conftest import run_stages

ROOT = Path(__file__).resolve().parent.parent
TITLE = "永嘉县岩头镇2022年度耕地地力保护补贴资金发放清册"
HEAD = ["序号", "村名", "户主姓名", "身份证号码", "补贴面积", "补贴标准", "补贴金额"]
SETTINGS = "publicity_days = 7\n"
PUBLISH = {"date": "2022-12-01", "by": "王会计", "villages": []}


def publish(inputs, out):
    """A run that publishes every ready village on 2022-12-01; returns the publication's result."""
    return run_stages(inputs, out, year=2022, request=PUBLISH)["publication"]


def county(folder: Path, amount_of_wang=112, villages=("苍坡村", "周宅村")):
    rows = [[TITLE], HEAD]
    for v, village in enumerate(villages):
        for i, name in enumerate(["张三", "李四", "王五"]):
            amount = amount_of_wang if (name == "王五" and v == 0) else 112
            rows.append([i + 1, village, f"{name}{v}", make_id(seq=10 * v + i + 1), amount / 112, 112, amount])
    write_xlsx(folder / "清册.xlsx", {"清册": rows})
    (folder / "notice.toml").write_text(SETTINGS, encoding="utf-8")
    return folder


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".lock"}


def test_first_run_archives_every_village_with_a_complete_manifest(inputs, tmp_path):
    county(inputs)
    out = tmp_path / "out"
    assert publish(inputs, out)["published"] == 2
    folder = out / "archive" / "永嘉县" / "2022" / "330324108224" / "results" / "v1"
    names = {p.name for p in folder.iterdir()}
    assert names == {"330324108224_苍坡村.pdf", "330324108224_苍坡村_大字版.pdf", "rows.csv", "summary.csv",
                     "330324108224_苍坡村_网上公布版.pdf", "330324108224_苍坡村_大字版_网上公布版.pdf",
                     "manifest.json", "330324108224_苍坡村_v1.zip"}
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    # the input listing is kept once per publication beside the villages, named by its SHA-256
    listing_file = out / "archive" / manifest["inputs"]["listing"]
    assert listing_file.parent == out / "archive" / "永嘉县" / "2022" / "inputs"
    assert hashlib.sha256(listing_file.read_bytes()).hexdigest() == manifest["inputs"]["sha256"] == listing_file.stem
    listing = json.loads(listing_file.read_text(encoding="utf-8"))
    assert [i["path"] for i in listing] == ["notice.toml", "清册.xlsx"] and manifest["inputs"]["files"] == 2
    assert manifest["published_by"] == "王会计" and manifest["published_on"] == "2022-12-01"
    assert all(len(i["sha256"]) == 64 and i["size"] > 0 for i in listing)
    assert manifest["publish_date"] == "2022-12-01" and manifest["publicity_end"] == "2022-12-07"
    assert manifest["tool_version"] and manifest["settings"]["kind"] == "results"
    rows = read_csv(folder / "rows.csv")
    assert [r["id_number"] for r in rows][0].startswith("330324********")  # masked as on the notice
    with zipfile.ZipFile(folder / "330324108224_苍坡村_v1.zip") as z:
        assert sorted(z.namelist()) == sorted(names - {"330324108224_苍坡村_v1.zip"})
    register = read_register(out / "archive")
    assert [(r["village_name"], r["version"], r["correction"], r["publicity_end"]) for r in register] == [
        ("苍坡村", "1", "否", "2022-12-07"), ("周宅村", "1", "否", "2022-12-07")]
    # the archived notice is PDF/A-2b identified, with an sRGB output intent, and its text extracts
    pdf = PdfReader(folder / "330324108224_苍坡村.pdf")
    assert "/OutputIntents" in pdf.trailer["/Root"]
    xmp = pdf.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert re.search(r"<pdfaid:part[^>]*>2</pdfaid:part>", xmp)
    assert re.search(r"<pdfaid:conformance[^>]*>B</pdfaid:conformance>", xmp)
    assert "张三0" in pdf.pages[0].extract_text()
    assert verify(out / "archive") == []


def test_unchanged_rerun_writes_nothing(inputs, tmp_path):
    county(inputs)
    out = tmp_path / "out"
    publish(inputs, out)
    before = snapshot(out / "archive")
    result = publish(inputs, out)
    assert (result["published"], result["unchanged"]) == (0, 2)
    assert snapshot(out / "archive") == before


def test_a_changed_amount_gives_v2_for_that_village_only(inputs, tmp_path):
    county(inputs)
    out = tmp_path / "out"
    publish(inputs, out)
    v1 = snapshot(out / "archive" / "永嘉县" / "2022" / "330324108224" / "results" / "v1")
    county(inputs, amount_of_wang=224)
    result = publish(inputs, out)
    assert (result["published"], result["unchanged"]) == (1, 1)
    assert [o.correction for o in result["outcomes"] if o.result == "已公示"] == [True]
    village = out / "archive" / "永嘉县" / "2022" / "330324108224" / "results"
    assert snapshot(village / "v1") == v1  # v1 never changes
    manifest = json.loads((village / "v2" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["correction_of"] == 1
    assert manifest["changes"] == ["1. 金额变更：王五0（耕地地力保护补贴）112.00元改为224.00元"] or \
        manifest["changes"][1] == "1. 金额变更：王五0（耕地地力保护补贴）112.00元改为224.00元"
    assert not (out / "archive" / "永嘉县" / "2022" / "330324108225" / "results" / "v2").exists()
    text = "".join(p.extract_text() for p in PdfReader(village / "v2" / "330324108224_苍坡村.pdf").pages).replace("\n", "")
    assert "岩头镇苍坡村2022年度惠农补贴资金发放更正公示" in text
    assert "2022年12月1日公示的《岩头镇苍坡村2022年度惠农补贴资金发放公示》现予更正" in text
    assert "第1版" not in text and "112.00元改为224.00元" in text
    register = read_register(out / "archive")
    assert [(r["village_name"], r["version"], r["correction"], r["corrects_version"]) for r in register][-1] == \
        ("苍坡村", "2", "是", "1")
    assert len(register) == 3
    assert verify(out / "archive") == []


def test_households_added_and_removed_are_listed(inputs, tmp_path):
    county(inputs)
    out = tmp_path / "out"
    publish(inputs, out)
    rows = [[TITLE], HEAD, [1, "苍坡村", "张三0", make_id(seq=1), 1, 112, 112], [2, "苍坡村", "赵六", make_id(seq=9), 1, 112, 112]]
    write_xlsx(inputs / "清册.xlsx", {"清册": rows})
    publish(inputs, out)
    manifest = json.loads((out / "archive/永嘉县/2022/330324108224/results/v2/manifest.json").read_text(encoding="utf-8"))
    changes = manifest["changes"]
    assert any("新增：赵六" in c for c in changes)
    assert any("取消：李四0" in c for c in changes) and any("取消：王五0" in c for c in changes)


def test_verify_finds_a_tampered_pdf_a_missing_file_an_extra_file_and_a_bad_register(inputs, tmp_path, capsys):
    county(inputs)
    out = tmp_path / "out"
    publish(inputs, out)
    archive = out / "archive"
    assert main(["verify", "--archive", str(archive)]) == 0
    assert "档案完好：2个版本" in capsys.readouterr().out
    v1 = archive / "永嘉县/2022/330324108224/results/v1"
    pdf = v1 / "330324108224_苍坡村.pdf"
    pdf.write_bytes(pdf.read_bytes().replace(b"%%EOF", b"%%EOF\n%tampered"))
    assert main(["verify", "--archive", str(archive)]) == 1
    assert "330324108224_苍坡村.pdf：内容被改动" in capsys.readouterr().out
    (v1 / "rows.csv").unlink()
    (v1 / "note.txt").write_text("extra")
    register = archive / "register.csv"
    register.write_text(register.read_text(encoding="utf-8-sig").replace("/results/v1", "/results/v9", 1),
                        encoding="utf-8")
    findings = verify(archive)
    assert any("rows.csv：文件缺失" in f for f in findings)
    assert any("note.txt：清单中没有这个文件" in f for f in findings)
    assert any("登记簿 register.csv 中没有这个版本" in f for f in findings)
    assert any("但档案中没有这个版本" in f for f in findings)
    listing = next((archive / "永嘉县/2022/inputs").glob("*.json"))
    listing.write_text(listing.read_text(encoding="utf-8").replace("清册.xlsx", "别的.xlsx"), encoding="utf-8")
    assert sum("输入文件清单" in f and "被改动" in f for f in verify(archive)) == 2  # both villages name it
    listing.unlink()
    assert sum("输入文件清单" in f and "缺失" in f for f in verify(archive)) == 2




@pytest.mark.slow  # kills the real command at random points (make test-slow, with test_crash.py)
def test_a_run_killed_at_random_points_leaves_a_consistent_archive(tmp_path):
    inputs = county(tmp_path / "inputs", villages=("苍坡村", "周宅村", "方岙村", "霞美村", "西岸村", "西川村", "渡头村",
                                                      "周宅村", "下日川村", "岙底村"))
    out = tmp_path / "out"
    archive = out / "archive"
    rng = random.Random(7)
    command = [str(Path(sys.executable).parent / "subsidy"), "publish", "--inputs", str(inputs), "--outputs", str(out),
               "--year", "2022", "--date", "2022-12-01", "--by", "王会计", "--quiet"]
    # how long a whole run takes here, to spread the kills over it
    started = time.monotonic()
    subprocess.run(command, cwd=ROOT, capture_output=True)
    whole = time.monotonic() - started
    for attempt in range(4):
        county(inputs, amount_of_wang=112 * (2 + attempt), villages=("苍坡村", "周宅村", "方岙村", "霞美村", "西岸村", "西川村",
                                                                "渡头村", "下日川村", "岙底村"))
        child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, whole))
        child.send_signal(signal.SIGKILL)
        child.wait()
        # whatever was killed: every version folder present is complete (the register may lag one run, and verify
        # says when a publication was cut before or after its commit)
        if archive.exists():
            assert [f for f in verify(archive) if not any(
                said in f for said in ("登记簿 register.csv 中没有", "已经生效但没有做完", "在生效前被打断"))] == []
    publish(inputs, out)  # the next publication completes what was left
    assert verify(archive) == []
    register = read_register(archive)
    keys = [(r["village_code"], r["version"]) for r in register]
    assert len(keys) == len(set(keys))
    for code in {r["village_code"] for r in register}:
        numbers = sorted(int(r["version"]) for r in register if r["village_code"] == code)
        assert numbers == list(range(1, len(numbers) + 1))


def test_published_notices_are_not_copied_again_unless_changed_behind_the_tools_back(inputs, tmp_path):
    county(inputs)
    out = tmp_path / "out"
    assert publish(inputs, out)["published"] == 2
    run_stages(inputs, out, 2022)  # records the published copies it checked (internal/cache/notices.json)
    shown = sorted((out / "notices").rglob("*.pdf"))
    before = {p: p.stat().st_mtime_ns for p in shown}
    run_stages(inputs, out, 2022)
    assert {p: p.stat().st_mtime_ns for p in shown} == before  # nothing copied again
    original = shown[0].read_bytes()
    shown[0].write_bytes(b"%PDF-1.7 changed by hand")
    run_stages(inputs, out, 2022)
    assert shown[0].read_bytes() == original  # put back exactly as archived


def test_a_publication_records_its_copies_so_the_next_run_does_not_read_them_again(inputs, tmp_path, monkeypatch):
    from subsidy.season.render_cache import RenderCache

    county(inputs)
    out = tmp_path / "out"
    assert publish(inputs, out)["published"] == 2
    shown = sorted((out / "notices").rglob("*.pdf"))
    entries = RenderCache(out).entries
    assert len(entries) == 2 and all(e["key"].startswith("published ") for e in entries.values())
    read = []
    read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self) or read_bytes(self))
    before = {p: p.stat().st_mtime_ns for p in shown}
    run_stages(inputs, out, 2022)
    assert not set(read) & set(shown)  # the published copies were not read and compared byte by byte
    assert {p: p.stat().st_mtime_ns for p in shown} == before
