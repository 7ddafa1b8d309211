"""What real systems export: HTML-table and Excel 2003 XML ".xls", bank text files; villages as written. The sample's
own files converted into each format give the same summary, problems and notices as the .xlsx they came from."""

import shutil

import pytest

from tests.builders import make_id, read_csv, write_html_xls, write_xlsx, write_xml2003, xlsx_tables
from tests.sample_county import build

BANK = "一卡通代发结果/耕地地力保护补贴代发结果"
MAIN = "岩头镇/永嘉县岩头镇2022年度耕地地力保护补贴发放清册"


def _outcome(run_on, folder, renames=None):
    """Summary rows, problems as (kind, file, row) with renamed files mapped back, and the notices' bytes."""
    res = run_on(folder)
    renames = renames or {}
    problems = [(e["kind"], renames.get(e["source_file"], e["source_file"]), e["source_row"]) for e in res.exceptions]
    notices = {p.relative_to(res.outputs).as_posix(): p.read_bytes() for p in (res.outputs / "notices").rglob("*.pdf")}
    return [tuple(r.values()) for r in res.summary], sorted(problems), notices, res


@pytest.fixture
def sample(tmp_path, run_on):
    folder = build(tmp_path / "xlsx")
    summary, problems, notices, _ = _outcome(run_on, folder)
    shutil.rmtree(tmp_path / "outputs")
    return folder, summary, problems, notices


def _convert(folder, tmp_path, stem, writer, suffix=".xls", **kwargs):
    converted = tmp_path / "converted"
    if not converted.exists():
        shutil.copytree(folder, converted)
    source = converted / f"{stem}.xlsx"
    writer(converted / f"{stem}{suffix}", xlsx_tables(source), **kwargs)
    source.unlink()
    return converted, {f"{stem}{suffix}": f"{stem}.xlsx"}


def test_an_html_bank_export_and_an_excel_2003_xml_roster_read_like_their_xlsx(sample, tmp_path, run_on):
    folder, summary, problems, notices = sample
    converted, renames = _convert(folder, tmp_path, BANK, write_html_xls, extra="永嘉农商银行𠮷")
    _, more = _convert(folder, tmp_path, MAIN, write_xml2003)
    renames |= more
    got_summary, got_problems, got_notices, res = _outcome(run_on, converted, renames)
    assert got_summary == summary
    assert got_problems == problems
    assert got_notices == notices
    formats = {f["file"]: f["format"] for f in res.files}
    assert formats[f"{BANK}.xls"] == "xls（HTML表格）" and formats[f"{MAIN}.xls"] == "xls（Excel 2003 XML）"
    # the ID typed into a number cell is flagged in the XML too, at the row Excel shows
    assert ("id_precision_lost", f"{MAIN}.xlsx", "7") in got_problems


def test_html_charset_gb2312_holding_characters_outside_it(tmp_path, run_on):
    head = ["户名", "证件号码", "账号", "金额", "摘要", "处理结果"]
    roster = [["永嘉县岩头镇2022年度耕地地力保护补贴资金发放清册"], ["序号", "村名", "户主姓名", "身份证号码", "补贴金额"],
              [1, "苍坡村", "𠮷田", make_id(seq=1), 112], [2, "苍坡村", "李四", make_id(seq=2), 112]]
    write_xlsx(tmp_path / "in" / "清册.xlsx", {"清册": roster})
    bank = [head, ["𠮷田", make_id(seq=1), "6230910000000000001", 112.0, "2022年耕地地力保护补贴", "成功"],
            ["李四", make_id(seq=2), "6230910000000000002", 112.0, "2022年耕地地力保护补贴", "失败"]]
    write_html_xls(tmp_path / "in" / "代发结果.xls", {"t": (bank, [])}, declared="gb2312")
    res = run_on(tmp_path / "in")
    assert [(r["village_name"], r["amount_paid"], r["amount_failed"]) for r in res.summary] == [("苍坡村", "112.00", "112.00")]
    assert [p[0] for p in res.problems()] == ["payment_failed"]


def _bank_rows(folder):
    rows, _ = xlsx_tables(folder / f"{BANK}.xlsx")["代发结果"]
    return [[("" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v)) for v in row] for row in rows[1:]]


@pytest.mark.parametrize("delimiter,header,encoding", [("|", True, "gbk"), ("\t", False, "utf-8"), (",", False, "gbk")])
def test_bank_text_files_with_or_without_a_header(sample, tmp_path, run_on, delimiter, header, encoding):
    folder, summary, problems, _ = sample
    rows = _bank_rows(folder)
    lines = rows if header else rows[1:]
    converted = tmp_path / "converted"
    shutil.copytree(folder, converted)
    (converted / f"{BANK}.xlsx").unlink()
    text = "\n".join(delimiter.join(cell for cell in line[1:]) + ("|" if delimiter == "|" else "") for line in lines)
    (converted / f"{BANK}.txt").write_bytes((text + "\n").encode(encoding))
    got_summary, got_problems, _, res = _outcome(run_on, converted, {f"{BANK}.txt": f"{BANK}.xlsx"})
    assert got_summary == summary
    offset = 1 if header else 2  # the title row is gone, and without a header line the header row too
    assert got_problems == sorted((k, f, str(int(r) - offset) if f == f"{BANK}.xlsx" else r) for k, f, r in problems)
    assert {f["file"]: f["format"] for f in res.files}[f"{BANK}.txt"] == "txt（银行文本）"


def test_a_text_file_of_another_shape_stays_not_used(tmp_path, run_on):
    write_xlsx(tmp_path / "in" / "清册.xlsx", {"清册": [["2022年耕地地力保护补贴发放清册"], ["序号", "村名", "户主姓名", "身份证号码", "补贴金额"],
                                                      [1, "苍坡村", "张三", make_id(seq=1), 112]]})
    (tmp_path / "in" / "说明.txt").write_text("各村请于12月5日前报送。\n联系人：王会计，0577-1234\n", encoding="gbk")
    (tmp_path / "in" / "导出日志.dat").write_text("a|b|c\n1|2|3\n", encoding="utf-8")
    res = run_on(tmp_path / "in")
    files = {f["file"]: f["recognised_as"] for f in res.files}
    assert files["说明.txt"] == "未使用" and files["导出日志.dat"] == "未使用"
    assert res.problems() == []


def test_a_village_name_with_a_slash_wins_over_a_town_and_village_split(tmp_path, run_on):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "villages.csv").write_text(
        "village_code,village_name,town_name,county_name\n"
        "330300000001,溪口/溪尾村委会,溪口镇,某县\n330300000002,溪尾村委会,溪口镇,某县\n330300000003,东山村委会,溪口镇,某县\n",
        encoding="utf-8")
    rows = [["某县溪口镇2022年度耕地地力保护补贴资金发放清册"], ["序号", "村名", "户主姓名", "身份证号码", "补贴金额"],
            [1, "溪口/溪尾村", "张三", make_id(seq=1), 112], [2, "溪口溪尾村", "李四", make_id(seq=2), 112],
            [3, "溪尾村", "王五", make_id(seq=3), 112], [4, "东三村", "赵六", make_id(seq=4), 112]]
    write_xlsx(tmp_path / "in" / "清册.xlsx", {"清册": rows})
    res = run_on(tmp_path / "in")
    assert [(r["village_code"], r["households"]) for r in res.summary] == [("330300000001", "2"), ("330300000002", "1")]
    [detail] = res.detail("unknown_village")
    assert "“东三村”不在村名册中（是否为：东山村？）" in detail
    assert read_csv(res.outputs / "internal" / "households.csv")[3:] == []  # the unknown row is never placed
