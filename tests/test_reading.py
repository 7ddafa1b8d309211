"""Each reader on real files: .xlsx/.xlsm, .xls, CSV in every encoding, and the files that cannot be read."""

import io

import openpyxl
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from subsidy.intake.reading import discover, load
from tests.builders import make_id, write_csv, write_xls, write_xlsx

ROWS = [["2022年耕地地力保护补贴发放清册"], ["户主姓名", "身份证号码", "村名", "补贴金额"],
        ["张三", make_id(seq=1), "苍坡村", 100], ["李四", make_id(seq=2), "苍坡村", "200.50"]]


def _only(folder):
    [item] = [f for f in discover(folder) if not f.skipped]
    return load(item)


def test_xlsx_table_not_at_a1_keeps_excel_row_numbers(inputs):
    write_xlsx(inputs / "a.xlsx", {"清册": ROWS}, start="C3")
    item = _only(inputs)
    sheet = item.sheets[0]
    # the title sits in C3: grid index 2 is Excel row 3, and column C is index 2
    assert sheet.rows[2][2] == ROWS[0][0]
    assert sheet.row_number(2) == 3


def test_xlsm_and_every_sheet_are_read(inputs):
    write_xlsx(inputs / "a.xlsm", {"一": ROWS, "二": ROWS})
    item = _only(inputs)
    assert [s.name for s in item.sheets] == ["一", "二"]


def test_xls_with_merged_cells(inputs):
    rows = [r + [""] for r in ROWS]
    write_xls(inputs / "old.xls", {"Sheet1": rows}, merges={"Sheet1": [(2, 3, 2, 2)]})
    item = _only(inputs)
    assert item.format == "xls"
    sheet = item.sheets[0]
    assert sheet.rows[3][2] == "苍坡村"  # the merged village cell is filled down


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings(inputs, encoding):
    rows = [["户主姓名", "补贴金额"], ["张三", "1,200.00"], ["陈䶮" if encoding == "gb18030" else "陈岩", "5"]]
    write_csv(inputs / "x.csv", rows, encoding=encoding)
    sheet = _only(inputs).sheets[0]
    assert sheet.rows == rows
    assert [sheet.row_number(i) for i in range(3)] == [1, 2, 3]


def test_csv_gb18030_four_byte_characters(inputs):
    rows = [["户主姓名", "补贴金额"], ["𠮷乃", "5"]]
    write_csv(inputs / "x.csv", rows, encoding="gb18030")
    assert _only(inputs).sheets[0].rows[1][0] == "𠮷乃"


def test_csv_line_numbers_count_physical_lines(inputs):
    (inputs / "x.csv").write_text('户主姓名,备注,补贴金额\n张三,"两行\n的备注",5\n\n李四,,6\n', encoding="utf-8")
    sheet = _only(inputs).sheets[0]
    assert sheet.rows[3] == ["李四", "", "6"]
    assert sheet.row_number(1) == 2 and sheet.row_number(3) == 5


def test_files_that_are_not_rosters_are_listed_as_skipped(inputs):
    (inputs / "说明.docx").write_bytes(b"PK")
    (inputs / "~$清册.xlsx").write_bytes(b"lock")
    (inputs / "villages.csv").write_text("village_code,village_name,town_name,county_name\n", encoding="utf-8")
    (inputs / "sub").mkdir()
    write_csv(inputs / "sub" / "a.csv", ROWS)
    found = {f.rel: f.skipped for f in discover(inputs)}
    assert found == {"sub/a.csv": None, "villages.csv": "设置文件", "~$清册.xlsx": "Excel/WPS 打开时留下的临时文件",
                     "说明.docx": "不是表格文件"}


@pytest.mark.parametrize("name, data, words", [
    ("empty.xlsx", b"", "空的"),
    ("cut.xlsx", b"PK\x03\x04 truncated", "已损坏"),
    ("garbage.xls", b"\x00\x01 not excel at all" * 10, "已损坏"),
])
def test_damaged_files_are_reported_not_raised(inputs, name, data, words):
    (inputs / name).write_bytes(data)
    item = _only(inputs)
    assert item.sheets == [] and words in item.error


def test_password_protected_workbook(inputs, tmp_path):
    plain = write_xlsx(tmp_path / "plain.xlsx", {"清册": ROWS})
    encrypted = io.BytesIO()
    with open(plain, "rb") as f:
        office = OOXMLFile(f)
        office.encrypt("secret", encrypted)
    (inputs / "locked.xlsx").write_bytes(encrypted.getvalue())
    item = _only(inputs)
    assert "密码" in item.error


def test_id_typed_into_a_number_cell_comes_back_as_a_number(inputs):
    wb = openpyxl.Workbook()
    wb.active.append(["身份证号"])
    wb.active.append([int(make_id(seq=3))])
    wb.save(inputs / "n.xlsx")
    value = _only(inputs).sheets[0].rows[1][0]
    assert isinstance(value, float)


def test_wps_et_file_saved_in_the_xls_format(inputs):
    rows = [r + [""] for r in ROWS]
    write_xls(inputs / "old.xls", {"Sheet1": rows})
    (inputs / "old.xls").rename(inputs / "清册.et")
    item = _only(inputs)
    assert item.error is None and item.sheets[0].rows[2][0] == "张三"
