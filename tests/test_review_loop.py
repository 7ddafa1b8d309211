"""The clerk's review loop, end to end through the command users run: drafts until sign-off, decisions on
problems, publication as an explicit act, corrections, and what the archive holds after it all."""

import csv
import dataclasses
import io
import json

from pypdf import PdfReader

from dagster_project.cli import main
from subsidy.problems import assign_ids
from subsidy.season.archive import read_register
from subsidy.season.audit import verify
from subsidy.stages import add_problems, assemble, read_inputs, reconcile_books
from tests.builders import county_year, make_id, read_csv, write_xlsx

TITLE = "永嘉县岩头镇2022年度耕地地力保护补贴资金发放清册"
HEAD = ["序号", "村名", "户主姓名", "身份证号码", "补贴面积", "补贴标准", "补贴金额"]
CANGPO, ZHOUZHAI = "330324108224", "330324108225"


def county(folder, cangpo_area=1, zhouzhai_amount=120, extra_rows=0, names=("张三", "李四", "王五")):
    """苍坡村 and 周宅村, three households each; 周宅村's third amount is not area × rate (a blocking problem)."""
    rows = [[TITLE]] + [[f"说明{i}"] for i in range(extra_rows)] + [HEAD]
    for v, village in enumerate(("苍坡村", "周宅村")):
        for i, name in enumerate(names):
            area = cangpo_area if (v == 0 and i == 0) else 1
            amount = zhouzhai_amount if (v == 1 and i == 2) else area * 112
            rows.append([i + 1, village, f"{name}{v}", make_id(seq=10 * v + i + 1), area, 112, amount])
    write_xlsx(folder / "清册.xlsx", {"清册": rows})
    return folder


def cli(*args):
    return main([*args, "--quiet"])


def run(inputs, out):
    return cli("run", "--inputs", str(inputs), "--outputs", str(out))


def publish(inputs, out, day="2022-12-01", *villages):
    extra = [x for code in villages for x in ("--village", code)]
    return cli("publish", "--inputs", str(inputs), "--outputs", str(out), "--date", day, "--by", "王会计", *extra)


def text(path):
    return "".join(page.extract_text() for page in PdfReader(path).pages).replace("\n", "")


def notice(out, code, name, large=False):
    return out / "notices" / "岩头镇" / f"{code}_{name}{'_大字版' if large else ''}.pdf"


def decide(inputs, out, kind, decision="已核实", reason="两块地面积核实无误"):
    ids = [e["problem_id"] for e in read_csv(out / "internal" / "exceptions.csv") if e["kind"] == kind]
    lines = ["problem_id,decision,reason,by,date"] + [f"{pid},{decision},{reason},王会计,2022-11-28" for pid in ids]
    (inputs / "decisions.csv").write_text("\n".join(lines) + "\n", encoding="gbk")
    return ids


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
            and p.name != ".lock"}


def test_the_season_from_drafts_to_a_correction(tmp_path, capsys):
    inputs, out = county(tmp_path / "in"), tmp_path / "out"
    # review runs: drafts only, the archive untouched, every page marked, no date
    for _ in range(3):
        assert run(inputs, out) == 0
    assert not (out / "archive").exists()
    for large in (False, True):
        path = notice(out, CANGPO, "苍坡村", large)
        pages = [p.extract_text() for p in PdfReader(path).pages]
        assert all("草稿（未公示）" in p for p in pages)
        assert "公示期：自张贴之日起7天" in text(path) and "2022年12月" not in text(path)
    readiness = {r["village_code"]: r for r in read_csv(out / "internal" / "readiness.csv")}
    assert readiness[CANGPO]["readiness"] == "可公示"
    assert readiness[ZHOUZHAI]["readiness"] == "暂缓公示" and "金额与面积×标准不符1个" in readiness[ZHOUZHAI]["reasons"]
    capsys.readouterr()

    # publishing a held village is refused with the reason; nothing is written
    assert publish(inputs, out, "2022-12-01", ZHOUZHAI) == 3
    said = capsys.readouterr().out
    assert "330324108225 岩头镇周宅村：未公示：未处理的问题：金额与面积×标准不符1个" in said
    assert not (out / "archive").exists() or not read_register(out / "archive")

    # the clerk checks the amount and records it; then everything publishes
    decide(inputs, out, "amount_mismatch")
    assert publish(inputs, out) == 0
    register = read_register(out / "archive")
    assert [(r["village_code"], r["version"], r["published_by"], r["publish_date"]) for r in register] == [
        (CANGPO, "1", "王会计", "2022-12-01"), (ZHOUZHAI, "1", "王会计", "2022-12-01")]
    zhou_v1 = out / "archive" / "永嘉县" / "2022" / ZHOUZHAI / "results" / "v1"
    manifest = json.loads((zhou_v1 / "manifest.json").read_text(encoding="utf-8"))
    assert [d["decision"] for d in manifest["decisions"]] == ["已核实"]
    assert register[1]["decisions"] == manifest["decisions"][0]["problem_id"]
    final = text(notice(out, CANGPO, "苍坡村"))
    assert "草稿" not in final and "公示时间：2022年12月1日至2022年12月7日，共7天" in final and "2022年12月1日" in final
    assert notice(out, ZHOUZHAI, "周宅村").read_bytes() == (zhou_v1 / f"{ZHOUZHAI}_周宅村.pdf").read_bytes()

    # a fixed amount in one village: the next run drafts a 更正公示 for it alone
    county(inputs, cangpo_area=2)
    assert run(inputs, out) == 0
    index = {r["village_code"]: r["status"] for r in read_csv(out / "notices" / "index.csv")}
    assert index == {CANGPO: "草稿（更正公示，待公示）", ZHOUZHAI: "已公示（2022-12-01）"}
    draft = text(notice(out, CANGPO, "苍坡村"))
    assert "更正公示" in draft and "草稿（未公示）" in draft and "112.00元改为224.00元" in draft
    assert notice(out, ZHOUZHAI, "周宅村").read_bytes() == (zhou_v1 / f"{ZHOUZHAI}_周宅村.pdf").read_bytes()
    assert len(read_register(out / "archive")) == 2  # a run never writes the archive

    # publishing it makes v2 for that village only, with its own publicity period
    assert publish(inputs, out, "2022-12-10") == 0
    register = read_register(out / "archive")
    assert [(r["village_code"], r["version"], r["correction"], r["corrects_version"]) for r in register][2:] == [
        (CANGPO, "2", "是", "1")]
    v2 = out / "archive" / "永嘉县" / "2022" / CANGPO / "results" / "v2"
    corrected = text(v2 / f"{CANGPO}_苍坡村.pdf")
    assert "更正公示" in corrected and "公示时间：2022年12月10日至2022年12月16日，共7天" in corrected
    assert "2022年12月1日公示的" in corrected and "草稿" not in corrected

    # the same inputs published again write nothing new
    before = snapshot(out / "archive")
    assert publish(inputs, out, "2022-12-20") == 0
    assert "新公示0个村，此前已公示且无变化2个村" in capsys.readouterr().out
    assert snapshot(out / "archive") == before
    assert verify(out / "archive") == []


def test_decisions_stale_malformed_and_a_hold(tmp_path):
    inputs, out = county(tmp_path / "in"), tmp_path / "out"
    assert run(inputs, out) == 0
    [pid] = [e["problem_id"] for e in read_csv(out / "internal" / "exceptions.csv") if e["kind"] == "amount_mismatch"]
    lines = ["problem_id,decision,reason,by,date", f"{pid},已核实,面积核实无误,王会计,2022-11-28",
             "amount_mismatch-ffffffffffff,已核实,旧问题,王会计,2022-11-20", f"{pid},也许,?,王会计,2022-11-28",
             "invalid_id-123,已核实,没写人,,2022-11-28", "invalid_id-456,暂缓,日期错,王会计,28/11/2022"]
    (inputs / "decisions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    assert run(inputs, out) == 0
    notes = [(n["line"], n["note"][:8]) for n in read_csv(out / "internal" / "decision_notes.csv")]
    assert ("3", "找不到这个问题（") in notes  # stale
    assert {line for line, _ in notes} == {"3", "4", "5", "6"}  # every line that does nothing, by its number
    exceptions = {e["problem_id"]: e for e in read_csv(out / "internal" / "exceptions.csv")}
    assert exceptions[pid]["decision"].startswith("已核实：面积核实无误")  # decided, still listed
    readiness = {r["village_code"]: r["readiness"] for r in read_csv(out / "internal" / "readiness.csv")}
    assert readiness == {CANGPO: "可公示", ZHOUZHAI: "可公示"}
    # 暂缓 holds its village back even when nothing else does
    (inputs / "decisions.csv").write_text(f"problem_id,decision,reason,by,date\n{pid},暂缓,等镇里重报,王会计,2022-11-28\n",
                                          encoding="utf-8")
    assert run(inputs, out) == 0
    held = {r["village_code"]: r["reasons"] for r in read_csv(out / "internal" / "readiness.csv")}
    assert "暂缓：等镇里重报（王会计 2022-11-28）" in held[ZHOUZHAI] and held[CANGPO] == ""


def _ids(folder):
    books = reconcile_books(assemble(read_inputs(county_year(folder, 2022)), 2022))
    add_problems(books, [])
    return books.problems


def test_problem_ids_survive_an_inserted_row_and_reworded_messages(tmp_path):
    before = _ids(county(tmp_path / "a", names=("张三", "张三", "王五")))  # 张三0 twice: two ids, numbered
    after = _ids(county(tmp_path / "b", extra_rows=2, names=("张三", "张三", "王五")))
    assert [p.source_row for p in after] == [p.source_row + 2 for p in before]
    assert [(p.kind, p.problem_id) for p in after] == [(p.kind, p.problem_id) for p in before]
    assert len({p.problem_id for p in before}) == len(before)
    reworded = [dataclasses.replace(p, detail="换了一种说法", problem_id="") for p in before]
    assign_ids(reworded)
    assert [p.problem_id for p in reworded] == [p.problem_id for p in before]


def test_a_missing_glyph_cannot_be_released_by_a_decision(tmp_path, capsys):
    inputs, out = county(tmp_path / "in", names=("张三", "王\U0003134A", "李四"), zhouzhai_amount=112), tmp_path / "out"
    assert run(inputs, out) == 0
    ids = decide(inputs, out, "missing_glyph", reason="这个字没错")
    assert ids
    assert run(inputs, out) == 0
    notes = read_csv(out / "internal" / "decision_notes.csv")
    assert any("不能以“已核实”放行" in n["note"] for n in notes)
    capsys.readouterr()
    assert publish(inputs, out) == 3
    said = capsys.readouterr().out
    assert "须在源表改正（不能以核实放行）：公示中有无法显示的字" in said
    assert read_register(out / "archive") == []  # both villages have the name: neither is ever published


def test_decisions_csv_is_a_setting_not_a_roster(tmp_path):
    inputs, out = county(tmp_path / "in"), tmp_path / "out"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["问题编号", "决定", "理由", "决定人", "日期"], ["x-1", "暂缓", "测试", "王会计", "2022-11-28"]])
    (inputs / "decisions.csv").write_text(buffer.getvalue(), encoding="gbk")
    assert run(inputs, out) == 0
    files = {f["file"]: f["recognised_as"] for f in read_csv(out / "internal" / "files.csv")}
    assert files["decisions.csv"] == "未使用"
    notes = read_csv(out / "internal" / "decision_notes.csv")
    assert [n["problem_id"] for n in notes] == ["x-1"]  # read with its Chinese header, and stale
