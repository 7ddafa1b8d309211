"""Bank payout results against the rosters: every matching path, every new problem kind, the staff workbook."""

from decimal import Decimal

import openpyxl
import pytest

from tests.builders import data_rows, make_id, write_csv, write_xls, write_xlsx

P = [("张三", make_id(seq=1)), ("李四", make_id(seq=2)), ("王五", make_id(seq=3)), ("赵六", make_id(seq=4)),
     ("钱七", make_id(seq=5))]
TITLE = "永嘉县岩头镇2022年度耕地地力保护补贴资金发放清册"
ROSTER_HEAD = ["序号", "村名", "户主姓名", "身份证号码", "补贴面积", "补贴标准", "补贴金额"]
BANK_HEAD = ["户名", "证件号码", "账号", "金额", "摘要", "处理结果", "失败原因", "交易日期"]
SUBSIDY = "2022年耕地地力保护补贴"


def roster(folder, people=(0, 1, 2), village="苍坡村", name="清册.xlsx", id_override=None):
    rows = [[TITLE], ROSTER_HEAD]
    for i in people:
        id_ = (id_override or {}).get(i, P[i][1])
        rows.append([i + 1, village, P[i][0], id_, 1, 112, 112])
    write_xlsx(folder / name, {"清册": rows})


def bank_row(i, amount="112.00", status="成功", reason="", date="2023-01-10", summary=SUBSIDY):
    return [P[i][0], P[i][1], f"62309100000{i:08d}", amount, summary, status, reason, date]


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "csv-gbk", "csv-gb18030", "csv-utf-8-sig"])
def test_bank_results_in_every_format_are_recognised_and_matched(inputs, run_on, fmt):
    roster(inputs)
    rows = [["永嘉农商银行代发结果"], BANK_HEAD] + [bank_row(i) for i in (0, 1, 2)]
    if fmt == "xlsx":
        write_xlsx(inputs / "bank.xlsx", {"结果": rows})
    elif fmt == "xls":
        write_xls(inputs / "bank.xls", {"结果": rows})
    else:
        write_csv(inputs / "bank.csv", rows, encoding=fmt.split("-", 1)[1])
    res = run_on(inputs)
    assert res.problems() == []
    assert [(r["amount_due"], r["amount_paid"], r["amount_failed"]) for r in res.summary] == [("336.00", "336.00", "0.00")]
    bank_file = next(f for f in res.files if f["file"].startswith("bank"))
    assert bank_file["recognised_as"] == "银行代发结果" and bank_file["rows_used"] == "3"


def test_a_bank_list_of_successful_payments_without_a_status_column(inputs, run_on):
    roster(inputs)
    head = ["序号", "户名", "账号", "金额", "备注"]
    write_xlsx(inputs / "银行" / "耕地地力保护补贴代发成功清单.xlsx",
               {"Sheet1": [head] + [[i + 1, P[i][0], f"62309100000{i:08d}", "112.00", ""] for i in (0, 1)]})
    res = run_on(inputs)
    bank = next(f for f in res.files if f["file"].startswith("银行"))
    assert bank["recognised_as"] == "银行代发结果" and bank["rows_used"] == "2"  # never a second roster
    assert [(r["amount_due"], r["amount_paid"], r["amount_failed"]) for r in res.summary] == [("336.00", "224.00", "0.00")]
    assert res.problems() == [("unpaid", "清册.xlsx", "清册", 5)]


def test_a_roster_titled_as_paid_successfully_stays_a_roster(inputs, run_on):
    head = ["序号", "村名", "户名", "身份证号码", "一卡通账号", "金额"]
    write_xlsx(inputs / "岩头镇2022年耕地地力保护补贴发放成功名单.xlsx",
               {"Sheet1": [head] + [[i + 1, "苍坡村", *P[i], f"62309100000{i:08d}", 112] for i in (0, 1)]})
    res = run_on(inputs)
    assert res.files[0]["recognised_as"] == "发放清册"
    assert res.due() == {("苍坡村", "耕地地力保护补贴"): "224.00"}


def test_the_bank_s_reason_in_a_remark_column_and_a_payment_made_twice_by_name(inputs, run_on):
    roster(inputs)
    head = ["序号", "户名", "账号", "金额", "摘要", "状态", "备注"]
    acct = [f"62309100000{i:08d}" for i in range(3)]
    write_xls(inputs / "bank.xls", {"Sheet1": [head, [1, P[0][0], acct[0], "112.00", SUBSIDY, "交易成功", ""],
                                               [2, P[1][0], acct[1], "112.00", SUBSIDY, "退回", "账户已冻结"],
                                               [3, P[2][0], acct[2], "112.00", SUBSIDY, "已入账", ""],
                                               [4, P[0][0], acct[0], "112.00", SUBSIDY, "成功", ""]]})
    res = run_on(inputs)
    assert res.problems() == [("payment_failed", "bank.xls", "Sheet1", 3), ("unexpected_payment", "bank.xls", "Sheet1", 5)]
    failed, twice = res.exceptions
    assert "退回：账户已冻结" in failed["detail"]
    assert "已由bank.xls第2行发放，疑似重复发放" in twice["detail"] and twice["village_code"] == "330324108224"


def test_a_bank_export_with_label_value_title_rows_and_a_count_footer(inputs, run_on):
    roster(inputs)
    rows = [["浙江永嘉农村商业银行股份有限公司"], ["单位名称：永嘉县财政局", None, None, "批次号：20230110001"],
            ["代发日期：2023-01-10"], BANK_HEAD, bank_row(0), bank_row(1), bank_row(2, status="失败", reason="账户状态异常"),
            ["共3笔，成功2笔，失败1笔", None, None, "330.00"], ["打印时间：2023-01-10 15:32", None, "经办：", None, "复核："]]
    write_xls(inputs / "代发结果.xls", {"Sheet1": rows})
    res = run_on(inputs)
    assert res.problems() == [("payment_failed", "代发结果.xls", "Sheet1", 7), ("subtotal_mismatch", "代发结果.xls", "Sheet1", 8)]
    assert "写明330.00，上方3行明细相加为336.00" in res.exceptions[1]["detail"]
    bank = {(r[2], r[3]) for r in res.reasons() if r[0] == "代发结果.xls"}
    assert bank == {(1, "title"), (2, "title"), (3, "title"), (4, "header"), (8, "total"), (9, "footer")}


def test_a_payment_reversed_after_it_went_through_is_failed_and_a_pending_one_is_not_paid(inputs, run_on):
    roster(inputs)
    write_xlsx(inputs / "bank.xlsx", {"结果": [BANK_HEAD, bank_row(0, date="2023-01-10"),
                                               bank_row(0, amount="-112.00", status="冲正", reason="账户已冻结", date="2023-01-12"),
                                               bank_row(1, status="退回", reason="户名不符", date="2023-01-10"),
                                               bank_row(1, status="成功", date="2023-01-20"),
                                               bank_row(2, status="待处理")]})
    write_xlsx(inputs / "清册2.xlsx", {"清册": [[TITLE.replace("耕地地力保护补贴", "稻谷补贴")], ROSTER_HEAD,
                                                [1, "苍坡村", *P[3], 1, 50, 50]]})
    write_xlsx(inputs / "bank2.xlsx", {"结果": [BANK_HEAD, bank_row(3, amount="50.00", summary="2022年稻谷补贴"),
                                                bank_row(3, amount="50.00", summary="2022年稻谷补贴", status="退回",
                                                         reason="重复", date="2023-02-01")]})
    res = run_on(inputs)
    assert {(r["subsidy_type"], r["amount_paid"], r["amount_failed"]) for r in res.summary} == {
        ("耕地地力保护补贴", "112.00", "224.00"), ("稻谷补贴", "50.00", "0.00")}  # a plain 退回 after a success takes nothing back
    assert res.problems() == [("payment_failed", "bank.xlsx", "结果", 3), ("payment_failed", "bank.xlsx", "结果", 4),
                              ("payment_failed", "bank.xlsx", "结果", 6), ("payment_failed", "bank2.xlsx", "结果", 3)]
    reversed_, reissued, pending, second = (e["detail"] for e in res.exceptions)
    assert reversed_.startswith("银行冲正了此前发放给张三的耕地地力保护补贴112.00元（原发放见bank.xlsx第2行）：账户已冻结")
    assert "后已补发成功" in reissued
    assert "银行尚未处理完毕（待处理）" in pending and "补发" not in pending
    assert "此前已由bank2.xlsx第2行发放成功，本笔疑似重复发放" in second
    wb = openpyxl.load_workbook(res.outputs / "internal" / "reconciliation.xlsx")
    assert [row[9] for row in data_rows(wb["户明细"])] == ["发放失败", "已发放", "发放失败", "已发放"]


def test_failed_payment_then_reissue_counts_as_paid_once(inputs, run_on):
    roster(inputs)
    write_xlsx(inputs / "bank1.xlsx", {"结果": [BANK_HEAD, bank_row(0), bank_row(1, status="失败", reason="账户已销户"),
                                                bank_row(2, status="退回", reason="户名不符")]})
    write_csv(inputs / "bank2.csv", [BANK_HEAD, bank_row(1, status="交易成功", date="2023-02-01")], encoding="gb18030")
    res = run_on(inputs)
    assert res.problems() == [("payment_failed", "bank1.xlsx", "结果", 3), ("payment_failed", "bank1.xlsx", "结果", 4)]
    assert "账户已销户" in res.exceptions[0]["detail"] and "已补发成功" in res.exceptions[0]["detail"]
    assert "户名不符" in res.exceptions[1]["detail"]
    assert [(r["amount_paid"], r["amount_failed"]) for r in res.summary] == [("224.00", "112.00")]
    wb = openpyxl.load_workbook(res.outputs / "internal" / "reconciliation.xlsx")
    statuses = [row[9] for row in data_rows(wb["户明细"])]
    assert statuses == ["已发放", "已发放", "发放失败"]
    # both bank rows of the re-issued household stay visible
    bank = [row for row in data_rows(wb["银行明细"]) if row[3] == "李四"]
    assert [(r[0], r[9]) for r in bank] == [("bank1.xlsx", "失败"), ("bank2.csv", "交易成功")]


def test_reversal_counts_as_failed(inputs, run_on):
    roster(inputs, people=(0,))
    write_xlsx(inputs / "bank.xlsx", {"结果": [BANK_HEAD, bank_row(0, status="已冲正")]})
    res = run_on(inputs)
    assert res.problems() == [("payment_failed", "bank.xlsx", "结果", 2)]


def test_unpaid_unexpected_and_amount_differs(inputs, run_on):
    roster(inputs)
    write_xlsx(inputs / "bank.xlsx", {"结果": [BANK_HEAD, bank_row(0, amount="100.00"), bank_row(3)]})
    res = run_on(inputs)
    assert res.problems() == [
        ("paid_amount_differs", "bank.xlsx", "结果", 2),
        ("unexpected_payment", "bank.xlsx", "结果", 3),
        ("unpaid", "清册.xlsx", "清册", 4),
        ("unpaid", "清册.xlsx", "清册", 5),
    ]
    assert "应发112.00元" in res.exceptions[0]["detail"] and "实发100.00元" in res.exceptions[0]["detail"]
    [row] = res.summary
    assert (row["amount_due"], row["amount_paid"], row["amount_failed"]) == ("336.00", "100.00", "0.00")


def test_name_and_amount_when_the_roster_id_is_unusable(inputs, run_on):
    roster(inputs, people=(0, 1), id_override={0: int(P[0][1])})  # an ID typed into a number cell
    write_xlsx(inputs / "bank.xlsx", {"结果": [BANK_HEAD, bank_row(0), bank_row(1)]})
    res = run_on(inputs)
    assert res.problems() == [("id_precision_lost", "清册.xlsx", "清册", 3)]
    assert res.summary[0]["amount_paid"] == "224.00"


def test_name_and_amount_when_the_bank_file_has_no_id_column(inputs, run_on):
    roster(inputs)
    write_csv(inputs / "bank.csv", [["户名", "账号", "交易金额", "用途", "处理状态"],
                                    [P[0][0], "1", "112.00", SUBSIDY, "成功"], [P[1][0], "2", "112.00", SUBSIDY, "成功"],
                                    [P[2][0], "3", "112.00", SUBSIDY, "成功"]], encoding="gbk")
    res = run_on(inputs)
    assert res.problems() == []
    assert res.summary[0]["amount_paid"] == "336.00"


def test_two_candidates_that_cannot_be_told_apart_are_reported(inputs, run_on):
    # two different households named 张三 with the same amount, and a bank file without IDs
    rows = [[TITLE], ["村名", "户主姓名", "身份证号码", "补贴金额"], ["苍坡村", "张三", P[0][1], 112], ["苍坡村", "张三", P[3][1], 112]]
    write_xlsx(inputs / "清册.xlsx", {"清册": rows})
    write_csv(inputs / "bank.csv", [["户名", "账号", "金额", "摘要", "处理结果"], ["张三", "1", "112", SUBSIDY, "成功"]])
    res = run_on(inputs)
    assert res.problems() == [("ambiguous_match", "bank.csv", "bank", 2), ("unpaid", "清册.xlsx", "清册", 3),
                              ("unpaid", "清册.xlsx", "清册", 4)]
    assert "清册.xlsx“清册”第3行" in res.exceptions[0]["detail"]


def test_village_decides_between_same_named_households(inputs, run_on):
    rows = [[TITLE], ["村名", "户主姓名", "身份证号码", "补贴金额"], ["苍坡村", "张三", "", 112], ["周宅村", "张三", "", 112]]
    write_xlsx(inputs / "清册.xlsx", {"清册": rows})
    write_csv(inputs / "bank.csv", [["户名", "账号", "金额", "摘要", "处理结果", "村名"],
                                    ["张三", "1", "112", SUBSIDY, "成功", "周宅村"]])
    res = run_on(inputs)
    assert res.problems("ambiguous_match") == []
    assert {r["village_name"]: r["amount_paid"] for r in res.summary} == {"苍坡村": "0.00", "周宅村": "112.00"}


def test_one_payment_for_all_of_a_household_s_parcels(inputs, run_on):
    rows = [[TITLE], ROSTER_HEAD, [1, "苍坡村", *P[0], 1, 112, 112], [2, "苍坡村", *P[0], 2, 112, 224]]
    write_xlsx(inputs / "清册.xlsx", {"清册": rows})
    write_xlsx(inputs / "bank.xlsx", {"结果": [BANK_HEAD, bank_row(0, amount="336.00")]})
    res = run_on(inputs)
    assert res.problems() == []
    assert res.summary[0]["amount_paid"] == "336.00"


def test_subsidy_year_from_the_summary_not_the_payment_date(inputs, run_on):
    roster(inputs, people=(0,))
    # paid in January 2023 for 2022; a 2021 payment in the same file is not this year's
    write_xlsx(inputs / "2023年1月代发结果.xlsx", {"结果": [["2023年1月代发结果"], BANK_HEAD, bank_row(0, date="2023-01-05"),
                                                          bank_row(1, summary="2021年耕地地力保护补贴")]})
    res = run_on(inputs, year=None)
    assert res.report["year"] == 2022
    assert res.problems() == []
    assert ("2023年1月代发结果.xlsx", "结果", 4, "other_year") in res.reasons()


def test_a_subsidy_no_bank_file_covers_stays_empty(inputs, run_on):
    roster(inputs, people=(0,))
    write_xlsx(inputs / "稻谷.xlsx", {"清册": [["岩头镇2022年稻谷补贴"], ROSTER_HEAD, [1, "苍坡村", *P[1], 1, 80, 80]]})
    write_xlsx(inputs / "bank.xlsx", {"结果": [BANK_HEAD, bank_row(0)]})
    res = run_on(inputs)
    assert {r["subsidy_type"]: (r["amount_paid"], r["amount_failed"]) for r in res.summary} == {
        "耕地地力保护补贴": ("112.00", "0.00"), "稻谷补贴": ("", "")}
    assert res.problems("unpaid") == []


def test_workbook_sheets_totals_and_formats(inputs, run_on):
    from tests.sample_county import build

    build(inputs)
    res = run_on(inputs)
    wb = openpyxl.load_workbook(res.outputs / "internal" / "reconciliation.xlsx")
    assert wb.sheetnames == ["公示准备", "村汇总", "户明细", "银行明细", "问题清单", "文件清单"]
    villages = wb["村汇总"]
    assert [c.value for c in villages[1]] == ["村代码", "乡镇", "村名", "补贴项目", "户数", "应发", "实发", "失败", "未发", "差额",
                                             "银行结果"]
    rows = list(data_rows(villages))
    *body, total = rows
    assert total[0] == "合计"
    assert Decimal(str(total[5])) == Decimal("15591.90")
    for r in body:  # due = paid + failed + unpaid + differences, per village and subsidy
        if r[10] == "有":
            assert round(r[5], 2) == round(r[6] + r[7] + r[8] + r[9], 2)
    assert villages.freeze_panes == "A2" and villages.auto_filter.ref == f"A1:K{len(rows) + 1}"
    assert villages["F2"].number_format == "#,##0.00"
    households = wb["户明细"]
    full_ids = [row[4] for row in data_rows(households)]
    assert all(len(i) == 18 for i in full_ids if i)  # staff see the full ID
    marked = {row[3].value: row for row in data_rows(households, values_only=False)}
    # highlighting means one thing: the row has a problem still holding its village back (not a failed payment)
    assert marked["张秀英"][10].value == "身份证号精度丢失"
    assert all(c.fill.fgColor.rgb.endswith("FCE4D6") for c in marked["张秀英"])  # every cell of the row
    assert marked["林海军"][9].value == "发放失败" and marked["林海军"][0].fill.fgColor.rgb in (None, "00000000")
    assert marked["王玉兰"][7].number_format == "#,##0.00" and households["F2"].number_format == "#,##0.####"
    assert households.freeze_panes == "A2" and households.auto_filter.ref == f"A1:O{len(data_rows(households)) + 1}"
    assert villages.cell(len(rows) + 1, 6).font.bold
    problems = wb["问题清单"]
    assert len(data_rows(problems)) == len(res.exceptions)
    towns = [row[1] for row in data_rows(problems)]
    assert towns == sorted(towns, key=lambda t: (t is None or t == "", t or ""))  # ordered by town, then village
    first = problems[2]
    assert first[14].hyperlink.target.startswith("../../inputs/")
    fills = {row[4].value: row[0].fill.fgColor.rgb for row in data_rows(problems, values_only=False)}
    assert fills["身份证号无效"].endswith("FCE4D6") and fills["银行发放失败"] in (None, "00000000")
    for ws in wb.worksheets:  # every sheet prints: A4 landscape, fitted to the width, header on every page
        assert (ws.page_setup.orientation, ws.page_setup.paperSize, ws.page_setup.fitToWidth) == ("landscape", 9, 1)
        assert ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1" and ws.oddFooter.center.text == "&A　第 &P 页 共 &N 页"
        assert ws.cell(ws.max_row, 1).value.startswith("说明：标色的行")  # the legend
    files = {row[0]: row[2] for row in data_rows(wb["文件清单"])}
    assert files["一卡通代发结果/桥下镇稻谷补贴代发.csv"] == "银行代发结果"
    assert files["岩头镇/已损坏的清册.xlsx"] == "无法读取"


def test_spreadsheet_injection_is_written_as_text(inputs, run_on):
    evil = "=HYPERLINK(\"http://x\",\"点我\")"
    rows = [[TITLE], ROSTER_HEAD, [1, "苍坡村", evil, P[0][1], 1, 112, 100], [2, "苍坡村", "@SUM(1)", P[1][1], 1, 112, 112]]
    write_xlsx(inputs / "清册.xlsx", {"清册": rows})
    res = run_on(inputs)
    wb = openpyxl.load_workbook(res.outputs / "internal" / "reconciliation.xlsx")
    names = [row[3] for row in data_rows(wb["户明细"], values_only=False)]
    assert [(c.value, c.data_type) for c in names] == [(evil, "s"), ("@SUM(1)", "s")]
    raw = (res.outputs / "internal" / "households.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in raw and "'@SUM(1)" in raw
    assert res.exceptions[0]["detail"].startswith("'" + evil)  # neutralised where it starts a cell


def test_workbook_text_that_xml_must_escape_or_cannot_hold(inputs, run_on):
    rows = [[TITLE], ROSTER_HEAD, [1, "苍坡村", *P[0], 1, 112, 112], [2, "苍坡村", *P[1], 1, 112, 112]]
    write_xlsx(inputs / "a&b <c>.xlsx", {"R&D": rows})
    # a CSV can carry a control character (an .xlsx cannot): a bank system's export with a stray BEL
    write_csv(inputs / "bank.csv", [BANK_HEAD, bank_row(0, status="失败", reason="<户名&账号>\x07不符 "),
                                    bank_row(1, amount="1E+2")])
    res = run_on(inputs)
    wb = openpyxl.load_workbook(res.outputs / "internal" / "reconciliation.xlsx")
    first, second = data_rows(wb["户明细"])
    assert first[12:14] == ("a&b <c>.xlsx", "R&D") and first[11] == "失败:<户名&账号>不符（bank.csv 第2行）"
    bank = list(data_rows(wb["银行明细"]))
    assert bank[0][10] == "<户名&账号>不符" and bank[1][6] == 100  # kept, the control character dropped


def test_a_second_successful_payment_is_unexpected_and_says_why(inputs, run_on):
    roster(inputs, people=(0,))
    write_xlsx(inputs / "bank.xlsx", {"结果": [BANK_HEAD, bank_row(0), bank_row(0, date="2023-01-11")]})
    res = run_on(inputs)
    assert res.problems() == [("unexpected_payment", "bank.xlsx", "结果", 3)]
    assert "疑似重复发放" in res.exceptions[0]["detail"]
    assert res.summary[0]["amount_paid"] == "112.00"


def test_a_bank_file_with_due_and_paid_columns_pays_what_was_paid(inputs, run_on):
    roster(inputs, people=(0,))
    write_csv(inputs / "bank.csv", [["户名", "证件号码", "账号", "应发金额", "实发金额", "摘要", "处理结果"],
                                    [P[0][0], '="' + P[0][1] + '"', '="6230910000001"', "112.00", "100.00", SUBSIDY, "成功"]],
              encoding="gb18030")
    res = run_on(inputs)
    assert res.problems() == [("paid_amount_differs", "bank.csv", "bank", 2)]
    assert res.summary[0]["amount_paid"] == "100.00"


def test_rosters_without_a_year_take_the_year_the_bank_results_pay_for(inputs, run_on):
    rows = [["岩头镇耕地地力保护补贴发放清册"], ROSTER_HEAD, [1, "苍坡村", *P[0], 1, 112, 112]]
    write_xlsx(inputs / "清册.xlsx", {"清册": rows})
    write_xlsx(inputs / "bank.xlsx", {"结果": [BANK_HEAD, bank_row(0)]})
    res = run_on(inputs, year=None)
    assert res.report["year"] == 2022
    assert res.problems() == [] and res.summary[0]["amount_paid"] == "112.00"
