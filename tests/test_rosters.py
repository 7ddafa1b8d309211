"""Messy roster shapes and every problem kind, each on a generated file, asserting exact locations."""

from tests.builders import bad_check, make_id, write_csv, write_xls, write_xlsx

P = [("张三", make_id(seq=1)), ("李四", make_id(seq=2)), ("王五", make_id(seq=3)), ("赵六", make_id(seq=4)),
     ("钱七", make_id(seq=5)), ("孙八", make_id(seq=6))]
HEAD = ["序号", "户主姓名", "身份证号码", "村名", "补贴面积（亩）", "补贴标准（元/亩）", "补贴金额（元）"]
TITLE = "永嘉县岩头镇2022年度耕地地力保护补贴资金发放清册"


def row(i, village="苍坡村", area=1, rate=112, amount=None):
    name, id_ = P[i]
    return [i + 1, name, id_, village, area, rate, amount if amount is not None else area * rate]


def test_title_rows_header_subtotals_total_and_footer_are_accounted(inputs, run_on):
    rows = [[TITLE], ["填报单位：岩头镇人民政府", "", "", "", "", "", "单位：元"], HEAD,
            row(0), row(1, area=2), ["小计", "", "", "", 3, "", 336],
            row(2, "周宅村"), ["小计", "", "", "", 1, "", 112], ["合计", "", "", "", 4, "", 448],
            [], ["制表人：林某", "", "审核人：陈某", "", "日期：2022年12月1日"], ["说明：本表金额单位为元"]]
    write_xlsx(inputs / "r.xlsx", {"清册": rows}, merges={"清册": ["A1:G1"]})
    res = run_on(inputs)
    assert res.problems() == []
    assert res.due() == {("苍坡村", "耕地地力保护补贴"): "336.00", ("周宅村", "耕地地力保护补贴"): "112.00"}
    assert res.reasons() == [("r.xlsx", "清册", 1, "title"), ("r.xlsx", "清册", 2, "title"), ("r.xlsx", "清册", 3, "header"),
                             ("r.xlsx", "清册", 6, "subtotal"), ("r.xlsx", "清册", 8, "subtotal"),
                             ("r.xlsx", "清册", 9, "total"), ("r.xlsx", "清册", 11, "footer"), ("r.xlsx", "清册", 12, "footer")]
    assert res.report["rows_read"] == 11 and res.report["rows_used"] == 3


def test_subtotal_and_total_that_do_not_add_up(inputs, run_on):
    rows = [[TITLE], HEAD, row(0), row(1), ["小计", "", "", "", 2, "", 300], row(2, "周宅村"), ["合  计", "", "", "", 3, "", 400]]
    write_xlsx(inputs / "r.xlsx", {"清册": rows})
    res = run_on(inputs)
    assert res.problems() == [("subtotal_mismatch", "r.xlsx", "清册", 5), ("subtotal_mismatch", "r.xlsx", "清册", 7)]
    assert res.facts("subtotal_mismatch") == [(5, "224.00", "300.00"), (7, "336.00", "400.00")]
    assert res.exceptions[0]["village_code"] == "330324108224"
    # a flag never removes money
    assert res.due()[("苍坡村", "耕地地力保护补贴")] == "224.00"


def test_a_subtotal_of_the_last_village_when_the_one_before_had_none(inputs, run_on):
    rows = [[TITLE], HEAD, row(0), row(1), row(2, "周宅村"), row(3, "周宅村"), ["小计", "", "", "", 2, "", 224],
            row(4, "芙蓉村"), ["小计", "", "", "", 1, "", 100]]
    write_xlsx(inputs / "r.xlsx", {"清册": rows})
    res = run_on(inputs)
    # 周宅村's 小计 covers 周宅村 only; 芙蓉村's is wrong, and still reported
    assert res.problems() == [("subtotal_mismatch", "r.xlsx", "清册", 9)]


def test_a_misspelt_village_on_the_first_row_of_a_group_stays_in_that_group_s_subtotal(inputs, run_on):
    rows = [[TITLE], HEAD, row(0), row(1), row(2, "周宅杓"), row(3, "周宅村"), ["小计", "", "", "", 2, "", 224]]
    write_xlsx(inputs / "r.xlsx", {"清册": rows})
    res = run_on(inputs)
    assert res.problems() == [("unknown_village", "r.xlsx", "清册", 5)]  # and no subtotal_mismatch


def test_a_misspelt_village_before_a_group_may_be_outside_its_subtotal(inputs, run_on):
    rows = [[TITLE], HEAD, row(0, "周宅杓"), row(1), row(2), ["小计", "", "", "", 2, "", 224]]
    write_xlsx(inputs / "r.xlsx", {"清册": rows})
    res = run_on(inputs)
    assert res.problems() == [("unknown_village", "r.xlsx", "清册", 3)]  # the 小计 is 苍坡村's two rows


def test_a_group_of_only_a_misspelt_village_has_its_own_subtotal(inputs, run_on):
    rows = [[TITLE], HEAD, row(0), row(1), [], row(2, "周宅杓"), ["小计", "", "", "", 1, "", 112]]
    write_xlsx(inputs / "r.xlsx", {"清册": rows})
    res = run_on(inputs)
    assert res.problems() == [("unknown_village", "r.xlsx", "清册", 6)]


def test_tables_stacked_in_one_sheet_each_with_its_total_and_a_grand_total(inputs, run_on):
    head = ["序号", "姓名", "身份证号", "面积", "标准", "金额"]
    rows = [["岩头镇苍坡村2022年度耕地地力保护补贴发放清册"], head, [1, *P[0], 1, 100, 100], [2, *P[1], 1, 100, 100],
            ["合计", None, None, 2, None, 200], [], ["岩头镇周宅村2022年度耕地地力保护补贴发放清册"], head,
            [1, *P[2], 1, 100, 100], ["合计", None, None, 1, None, 100], ["岩头镇芙蓉村2022年度耕地地力保护补贴发放清册"], head,
            [1, *P[3], 1, 100, 100], ["合计", None, None, 1, None, 90], ["总计", None, None, 4, None, 400]]
    write_xlsx(inputs / "a.xlsx", {"Sheet1": rows})
    res = run_on(inputs)
    assert res.due() == {("苍坡村", "耕地地力保护补贴"): "200.00", ("周宅村", "耕地地力保护补贴"): "100.00",
                         ("芙蓉村", "耕地地力保护补贴"): "100.00"}
    # only the third table's 合计 is wrong; the 总计 adds up the three tables
    assert res.problems() == [("subtotal_mismatch", "a.xlsx", "Sheet1", 14)]
    assert res.exceptions[0]["village_code"] == "330324108207" and "上方1行明细相加为100.00" in res.exceptions[0]["detail"]


def test_village_in_one_merged_cell_spanning_its_rows(inputs, run_on):
    rows = [[TITLE], HEAD, row(0), row(1, ""), row(2, ""), row(3, "周宅村")]
    for r in rows[3:5]:
        r[3] = None
    write_xlsx(inputs / "r.xlsx", {"清册": rows}, merges={"清册": ["D3:D5"]})
    res = run_on(inputs)
    assert res.problems() == []
    assert res.due() == {("苍坡村", "耕地地力保护补贴"): "336.00", ("周宅村", "耕地地力保护补贴"): "112.00"}
    assert [h["source_row"] for h in res.households if h["village_name"] == "苍坡村"] == ["3", "4", "5"]


def test_village_only_in_the_sheet_name_or_the_title(inputs, run_on):
    head = ["序号", "姓名", "身份证号", "金额"]
    write_xlsx(inputs / "a.xlsx", {"苍坡村委会": [["2022年稻谷补贴"], head, [1, *P[0], 50]],
                                   "Sheet2": [["岩头镇周宅村2022年稻谷补贴发放表"], head, [1, *P[1], 60]]})
    res = run_on(inputs)
    assert res.problems() == []
    assert res.due() == {("苍坡村", "稻谷补贴"): "50.00", ("周宅村", "稻谷补贴"): "60.00"}


def test_sheet_names_numbered_by_the_clerk(inputs, run_on):
    head = ["序号", "姓名", "身份证号", "金额"]
    write_xlsx(inputs / "岩头镇2022年稻谷补贴.xlsx", {"1.苍坡村": [head, [1, *P[0], 50]], "（2）周宅": [head, [1, *P[1], 60]],
                                                     "03-芙蓉村": [head, [1, *P[2], 70]], "4.无此村": [head, [1, *P[3], 80]]})
    res = run_on(inputs)
    assert res.due() == {("苍坡村", "稻谷补贴"): "50.00", ("周宅村", "稻谷补贴"): "60.00", ("芙蓉村", "稻谷补贴"): "70.00"}
    assert res.problems() == [("unknown_village", "岩头镇2022年稻谷补贴.xlsx", "4.无此村", 2)]


def test_village_headings_between_groups(inputs, run_on):
    head = ["序号", "姓名", "身份证号", "面积", "金额"]
    rows = [["岩头镇2022年稻谷补贴"], head, ["苍坡村"] * 5, [1, *P[0], 1, 10], ["周宅村"] * 5, [1, *P[1], 1, 20]]
    write_xlsx(inputs / "a.xlsx", {"清册": rows})
    res = run_on(inputs)
    assert res.due() == {("苍坡村", "稻谷补贴"): "10.00", ("周宅村", "稻谷补贴"): "20.00"}
    assert ("a.xlsx", "清册", 3, "heading") in res.reasons()


def test_no_way_to_tell_the_village(inputs, run_on):
    write_xlsx(inputs / "稻谷.xlsx", {"Sheet1": [["2022年稻谷补贴"], ["姓名", "身份证号", "金额"], [*P[0], 5], [*P[1], 6]]})
    res = run_on(inputs)
    assert res.problems() == [("missing_field", "稻谷.xlsx", "Sheet1", 3)]
    assert "2户无法确定所在村" in res.exceptions[0]["detail"]
    assert res.summary == []
    assert [r[3] for r in res.reasons()] == ["title", "header", "no_village", "no_village"]


def test_an_empty_village_column_is_one_problem_for_the_sheet(inputs, run_on):
    write_xlsx(inputs / "稻谷.xlsx", {"Sheet1": [["2022年稻谷补贴"], ["村名", "姓名", "身份证号", "金额"],
                                                 ["", *P[0], 5], [None, *P[1], 6], [" ", *P[2], 7]]})
    res = run_on(inputs)
    assert res.problems() == [("missing_field", "稻谷.xlsx", "Sheet1", 3)]
    assert "3户无法确定所在村（村名列全部为空" in res.exceptions[0]["detail"]


def test_village_written_only_on_the_first_row_of_each_group_closed_by_its_subtotal(inputs, run_on):
    rows = [[TITLE], HEAD, row(0), row(1, None), row(2, None), ["小计", "", "", "", 3, "", 336],
            row(3, "周宅村"), row(4, None),  # no 小计 closes this group before the next begins: reported, not guessed
            row(5, "芙蓉村"), ["合计", "", "", "", 6, "", 672]]
    write_xlsx(inputs / "r.xlsx", {"清册": rows})
    res = run_on(inputs)
    assert res.due() == {("苍坡村", "耕地地力保护补贴"): "336.00", ("周宅村", "耕地地力保护补贴"): "112.00",
                         ("芙蓉村", "耕地地力保护补贴"): "112.00"}
    assert [h["source_row"] for h in res.households if h["village_name"] == "苍坡村"] == ["3", "4", "5"]
    assert res.problems() == [("missing_field", "r.xlsx", "清册", 8)]
    assert "村名为空" in res.exceptions[0]["detail"] and "第8行" in res.exceptions[0]["detail"]
    assert res.files[0]["note"] == "工作表“清册”村名只写在每组第一行：第4–5行按同组（以小计或合计行结束）第一行的村名计入"


def test_unknown_and_ambiguous_villages(inputs, run_on):
    rows = [["永嘉县2022年稻谷补贴"], HEAD, row(0, "潮记村"), row(1, "西岙村"), row(2, "桥下镇西岙村")]
    write_xlsx(inputs / "r.xlsx", {"清册": rows})
    res = run_on(inputs)
    assert res.problems() == [("unknown_village", "r.xlsx", "清册", 3), ("unknown_village", "r.xlsx", "清册", 4)]
    assert "不在村名册中" in res.exceptions[0]["detail"] and "重名" in res.exceptions[1]["detail"]
    assert res.due() == {("西岙村", "稻谷补贴"): "112.00"}


def test_town_column_decides_between_same_named_villages(inputs, run_on):
    write_csv(inputs / "a.csv", [["乡镇", "村", "姓名", "身份证号", "补贴项目", "金额"],
                                 ["岩坦镇", "北山村", *P[0], "稻谷补贴", "1"], ["沙头镇", "北山", *P[1], "稻谷补贴", "2"]])
    res = run_on(inputs)
    assert [(r["village_code"], r["amount_due"]) for r in res.summary] == [("330324110232", "1.00"), ("330324111220", "2.00")]


def test_unknown_village_in_sheet_name_is_reported_once(inputs, run_on):
    write_xlsx(inputs / "a.xlsx", {"潮记村": [["2022年稻谷补贴"], ["姓名", "身份证号", "金额"], [*P[0], 5], [*P[1], 6]]})
    res = run_on(inputs)
    assert res.problems() == [("unknown_village", "a.xlsx", "潮记村", 3)]
    assert [r[3] for r in res.reasons()][-2:] == ["unknown_village", "unknown_village"]


def test_ids_names_and_amounts_are_cleaned_without_losing_them(inputs, run_on):
    spaced = P[0][1][:6] + " " + P[0][1][6:]
    lower = P[1][1][:-1] + P[1][1][-1].lower()
    wide = P[2][1].translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})
    rows = [[TITLE], HEAD, [1, " 张 三 ", spaced, "苍坡村", "1.5亩", "112", "168.00元"],
            [2, "李四\u3000", lower, "苍坡村", "2", "112", "1,234.00"], [3, "王五", wide, "苍坡村", "", "", " 50 "]]
    write_xlsx(inputs / "r.xlsx", {"清册": rows})
    res = run_on(inputs)
    assert [(h["name"], h["id_number"], h["amount"]) for h in res.households] == [
        ("张三", P[0][1], "168.00"), ("李四", P[1][1].upper(), "1234.00"), ("王五", P[2][1], "50.00")]
    # 2 x 112 = 224, not 1,234.00
    assert res.problems() == [("amount_mismatch", "r.xlsx", "清册", 4)]
    assert res.facts("amount_mismatch") == [(4, "224.00", "1234.00")]


def test_invalid_ids_and_ids_from_number_cells(inputs, run_on):
    rows = [[TITLE], HEAD, row(0), row(1), row(2), row(3), row(4)]
    rows[3][2] = bad_check(P[1][1])
    rows[4][2] = int(P[2][1])  # a number cell, digits lost
    rows[5][2] = int(bad_check(P[3][1]))  # a number cell whose digits also fail: still id_precision_lost
    rows[6][2] = ""
    write_xlsx(inputs / "r.xlsx", {"清册": rows})
    res = run_on(inputs)
    assert res.problems() == [("invalid_id", "r.xlsx", "清册", 4), ("id_precision_lost", "r.xlsx", "清册", 5),
                              ("id_precision_lost", "r.xlsx", "清册", 6), ("invalid_id", "r.xlsx", "清册", 7)]
    # flagged rows still count: a flag never removes money
    assert res.due()[("苍坡村", "耕地地力保护补贴")] == "560.00"


def test_csv_scientific_notation_id_is_precision_lost(inputs, run_on):
    write_csv(inputs / "a.csv", [["村名", "姓名", "身份证号", "补贴项目", "金额"], ["苍坡村", "张三", "3.30324E+17", "稻谷补贴", "5"]],
              encoding="gbk")
    res = run_on(inputs)
    assert res.problems() == [("id_precision_lost", "a.csv", "a", 2)]


def test_missing_name_and_missing_amount(inputs, run_on):
    rows = [[TITLE], HEAD, row(0), row(1), row(2)]
    rows[3][1] = ""
    rows[4][6] = None
    rows[4][4] = None
    write_xlsx(inputs / "r.xlsx", {"清册": rows})
    res = run_on(inputs)
    assert res.problems() == [("missing_field", "r.xlsx", "清册", 4), ("missing_field", "r.xlsx", "清册", 5)]
    assert "姓名" in res.exceptions[0]["detail"] and "金额为空" in res.exceptions[1]["detail"]
    assert res.due()[("苍坡村", "耕地地力保护补贴")] == "224.00"


def test_amount_typed_as_words_is_missing(inputs, run_on):
    rows = [[TITLE], HEAD, row(0, amount="壹佰元")]
    write_xlsx(inputs / "r.xlsx", {"清册": rows})
    res = run_on(inputs)
    assert res.problems() == [("missing_field", "r.xlsx", "清册", 3)]
    assert "不是数字" in res.exceptions[0]["detail"]


def test_amount_mismatch_tolerates_a_fen(inputs, run_on):
    rows = [[TITLE], HEAD, row(0, area=1.234, amount=138.21), row(1, area=1.234, amount=138.25)]
    write_xlsx(inputs / "r.xlsx", {"清册": rows})
    res = run_on(inputs)
    assert res.problems() == [("amount_mismatch", "r.xlsx", "清册", 4)]
    assert res.facts("amount_mismatch") == [(4, "138.208", "138.25")]  # 1.234 × 112, a fen off is tolerated


def test_duplicates_in_one_sheet_and_across_files(inputs, run_on):
    rows = [[TITLE], HEAD, row(0), row(0), row(1, area=1), row(1, area=2)]  # 张三 twice; 李四 has two parcels
    write_xlsx(inputs / "a.xlsx", {"清册": rows})
    write_xlsx(inputs / "b.xlsx", {"补报": [[TITLE], HEAD, row(2, "周宅村")]})
    write_xlsx(inputs / "c.xlsx", {"清册": [[TITLE], HEAD, row(2, "方岙村")]})
    res = run_on(inputs)
    assert res.problems("duplicate_payment") == [
        ("duplicate_payment", "a.xlsx", "清册", 3), ("duplicate_payment", "a.xlsx", "清册", 4),
        ("duplicate_payment", "b.xlsx", "补报", 3), ("duplicate_payment", "c.xlsx", "清册", 3)]
    assert "c.xlsx" in res.detail("duplicate_payment")[2]
    assert res.due()[("苍坡村", "耕地地力保护补贴")] == "560.00"
    assert [r["households"] for r in res.summary if r["village_name"] == "苍坡村"] == ["2"]


def test_same_person_for_different_subsidies_is_not_a_duplicate(inputs, run_on):
    write_xlsx(inputs / "a.xlsx", {"清册": [[TITLE], HEAD, row(0)]})
    write_xlsx(inputs / "b.xlsx", {"清册": [["岩头镇2022年稻谷补贴"], HEAD, row(0)]})
    assert run_on(inputs).problems() == []


def test_village_summary_and_cadre_sheets_are_cross_checks(inputs, run_on):
    roster = [[TITLE], HEAD, row(0), row(1), row(2, "周宅村")]
    summary = [["分村汇总表"], ["村名", "户数", "补贴金额"], ["苍坡村", 2, 224], ["周宅村", 1, 100], ["合计", 3, 324]]
    cadres = [["村干部清册"], ["姓名", "身份证号码", "村名", "金额"], [*P[0], "苍坡村", 112], [*P[4], "苍坡村", 112]]
    write_xlsx(inputs / "a.xlsx", {"清册": roster, "汇总": summary, "村干部": cadres})
    res = run_on(inputs)
    assert res.problems() == [("subtotal_mismatch", "a.xlsx", "汇总", 4), ("subtotal_mismatch", "a.xlsx", "村干部", 4)]
    assert "找不到" in res.exceptions[1]["detail"]
    # their money is not added twice
    assert res.due() == {("苍坡村", "耕地地力保护补贴"): "224.00", ("周宅村", "耕地地力保护补贴"): "112.00"}
    assert {f["recognised_as"] for f in res.files} == {"发放清册、分村汇总表（核对用）、村干部清册（核对用）"}


def test_cadre_sheet_titled_without_a_known_subsidy_takes_the_file_s(inputs, run_on):
    head = ["序号", "姓名", "身份证号", "面积", "标准", "金额"]
    cadres = [["岩头镇村干部享受补贴名单"], ["村名", "姓名", "职务", "身份证号", "金额"], ["苍坡村", *P[0][:1], "书记", P[0][1], 300]]
    write_xlsx(inputs / "岩头镇2022年生态公益林补偿资金.xlsx", {
        "Sheet1": [["岩头镇苍坡村2022年生态公益林补偿资金发放清册"], head, [1, *P[0], 10, 30, 300]],
        "村干部": cadres})
    res = run_on(inputs)
    assert res.problems() == []  # the cadre's row is found in the roster of the same subsidy
    assert res.due() == {("苍坡村", "生态公益林补偿"): "300.00"}


def test_a_total_that_does_not_add_up_names_the_one_village_it_covers(inputs, run_on):
    head = ["序号", "姓名", "身份证号", "金额"]
    write_xlsx(inputs / "a.xlsx", {"Sheet1": [["岩头镇周宅村2022年稻谷补贴发放表"], head, [1, *P[0], 50], [2, *P[1], 60],
                                              ["合计", None, None, 100]]})
    res = run_on(inputs)
    assert res.problems() == [("subtotal_mismatch", "a.xlsx", "Sheet1", 5)]
    assert res.exceptions[0]["village_code"] == "330324108225"


def test_cadre_sheet_alone_in_its_file_is_a_roster(inputs, run_on):
    write_xlsx(inputs / "村干部.xlsx", {"村干部清册": [[TITLE], HEAD, row(0)]})
    res = run_on(inputs)
    assert res.due() == {("苍坡村", "耕地地力保护补贴"): "112.00"}


def test_wide_roster_with_one_column_per_subsidy(inputs, run_on):
    rows = [["岩头镇2022年惠农补贴一卡通发放清册"],
            ["序号", "村名", "户主姓名", "身份证号码", "耕地地力保护补贴", "耕地地力保护补贴", "稻谷补贴", "合计"],
            ["", "", "", "", "面积", "金额", "金额", ""],
            [1, "苍坡村", *P[0], 1, 112, 80, 192], [2, "苍坡村", *P[1], 2, 224, "", 224], [3, "苍坡村", *P[2], 1, 112, 10, 100]]
    write_xlsx(inputs / "a.xlsx", {"清册": rows}, merges={"清册": ["E2:F2"]})
    res = run_on(inputs)
    assert res.due() == {("苍坡村", "耕地地力保护补贴"): "448.00", ("苍坡村", "稻谷补贴"): "90.00"}
    assert res.problems() == [("subtotal_mismatch", "a.xlsx", "清册", 6)]


def test_subsidy_column_with_years_and_suffixes(inputs, run_on):
    write_csv(inputs / "a.csv", [["村名", "姓名", "身份证号", "补贴项目", "金额"],
                                 ["苍坡村", *P[0], "2022年耕地地力保护补贴资金", "5"],
                                 ["苍坡村", *P[1], "耕地地力补贴", "6"], ["苍坡村", *P[2], "2021年耕地地力保护补贴", "7"]])
    res = run_on(inputs)
    assert res.due() == {("苍坡村", "耕地地力保护补贴"): "11.00"}
    assert ("a.csv", "a", 4, "other_year") in res.reasons()


def test_old_xls_roster(inputs, run_on):
    rows = [[TITLE] + [""] * 6, HEAD, row(0), row(1, ""), ["合计", "", "", "", 2, "", 224]]
    write_xls(inputs / "old.xls", {"清册": rows}, merges={"清册": [(0, 0, 0, 6), (2, 3, 3, 3)]})
    res = run_on(inputs)
    assert res.problems() == []
    assert res.due() == {("苍坡村", "耕地地力保护补贴"): "224.00"}


def test_sheet_with_data_but_no_header(inputs, run_on):
    write_xlsx(inputs / "a.xlsx", {"清册": [[TITLE], HEAD, row(0)], "备忘": [["请各村于12月前报送"], ["联系人", "林某"]]})
    res = run_on(inputs)
    assert res.problems() == [("unrecognized_sheet", "a.xlsx", "备忘", 1)]
    assert [r for r in res.reasons() if r[1] == "备忘"] == [("a.xlsx", "备忘", 1, "unrecognized"), ("a.xlsx", "备忘", 2, "unrecognized")]


def test_unreadable_file_does_not_stop_the_run(inputs, run_on):
    (inputs / "bad.xlsx").write_bytes(b"PK\x03\x04 cut off")
    write_xlsx(inputs / "a.xlsx", {"清册": [[TITLE], HEAD, row(0)]})
    res = run_on(inputs)
    assert res.problems() == [("unreadable_file", "bad.xlsx", "", None)]
    assert res.due() == {("苍坡村", "耕地地力保护补贴"): "112.00"}


def test_template_rows_and_column_numbering_rows(inputs, run_on):
    rows = [[TITLE], HEAD, [1, 2, 3, 4, 5, 6, 7], row(0), [2], [3]]
    write_xlsx(inputs / "r.xlsx", {"清册": rows})
    res = run_on(inputs)
    assert res.problems() == []
    assert [r[3] for r in res.reasons()] == ["title", "header", "numbering", "template", "template"]


def test_every_nonblank_row_is_accounted_for(inputs, books_of):
    from tests.sample_county import build

    build(inputs)
    books, _ = books_of(inputs)
    for res in books.sheets:
        # per sheet: households and payments used + rows not used with a reason = all non-blank rows
        used = res.counts["household"] + res.counts["payment"]
        assert sum(res.counts.values()) == used + len(res.notes) or res.role == "cadre"
    assert sum(books.row_counts.values()) == sum(int(f.rows) for f in books.files)


def test_header_repeated_on_every_page_and_a_sum_row_without_a_label(inputs, run_on):
    rows = [[TITLE], HEAD, row(0), row(1), HEAD, row(2), ["", "", "", "", 3, "", 336]]
    write_xlsx(inputs / "r.xlsx", {"清册": rows})
    res = run_on(inputs)
    assert res.problems() == []
    assert res.due() == {("苍坡村", "耕地地力保护补贴"): "336.00"}
    assert [r[2:] for r in res.reasons()] == [(1, "title"), (2, "header"), (5, "header"), (7, "total")]


def test_village_written_with_its_group(inputs, run_on):
    head = ["序号", "户主姓名", "身份证号码", "村组", "补贴面积（亩）", "补贴标准（元/亩）", "补贴金额（元）"]
    rows = [[TITLE], head, row(0, "苍坡村三组"), row(1, "周宅村第2组"), row(2, "方岙村1队")]
    write_xlsx(inputs / "r.xlsx", {"清册": rows})
    res = run_on(inputs)
    assert res.problems() == []
    assert [r["village_name"] for r in res.summary] == ["苍坡村", "周宅村", "方岙村"]


def test_rows_holding_only_a_merged_cell_s_copy_are_blank(inputs, run_on):
    rows = [[TITLE], HEAD, row(0), row(1, "")]
    rows[3][3] = None
    write_xlsx(inputs / "r.xlsx", {"清册": rows}, merges={"清册": ["D3:D12"]})  # merged far below the data
    res = run_on(inputs)
    assert res.problems() == [] and res.report["rows_read"] == 4
    assert [r[3] for r in res.reasons()] == ["title", "header"]


def test_a_county_outside_wenzhou_brings_its_own_villages_csv(inputs, run_on):
    (inputs / "villages.csv").write_text(
        "village_code,village_name,town_name,county_name,aliases\n"
        "360121100201,幽兰村委会,幽兰镇,南昌县,老幽兰\n360121100202,东山村委会,幽兰镇,南昌县,\n", encoding="utf-8")
    rows = [["南昌县幽兰镇2022年度耕地地力保护补贴发放清册"], HEAD, row(0, "老幽兰"), row(1, "东山村"), row(2, "苍坡村")]
    write_xlsx(inputs / "清册.xlsx", {"清册": rows})
    res = run_on(inputs)
    assert [(r["village_code"], r["village_name"]) for r in res.summary] == [("360121100201", "幽兰村"),
                                                                            ("360121100202", "东山村")]
    assert res.problems() == [("unknown_village", "清册.xlsx", "清册", 5)]  # a Wenzhou name is unknown here
    assert res.report["village_source"] == "villages.csv"
    assert (res.outputs / "notices" / "幽兰镇" / "360121100201_幽兰村.pdf").exists()


def test_a_hidden_sheet_is_read_and_said_to_be_hidden(inputs, run_on):
    import openpyxl

    path = write_xlsx(inputs / "a.xlsx", {"清册": [[TITLE], HEAD, row(0)], "旧表": [[TITLE], HEAD, row(1)]})
    wb = openpyxl.load_workbook(path)
    wb["旧表"].sheet_state = "hidden"
    wb.save(path)
    res = run_on(inputs)
    assert res.due() == {("苍坡村", "耕地地力保护补贴"): "224.00"}  # nothing skipped silently
    assert res.files[0]["note"] == "工作表“旧表”在Excel中是隐藏的，已照常读取"


def test_a_cooperative_s_credit_code_is_accepted_but_a_personal_id_with_a_wrong_check_digit_is_not(inputs, run_on):
    # 330324196503120071 has the wrong check character for a personal ID (3), though it happens to pass the
    # credit-code check, as about one wrong ID in 31 does
    rows = [[TITLE], HEAD, [1, "苍坡合作社", "93330324MA2HXY7Q3L", "苍坡村", 1, 112, 112],
            [2, "张三", "330324196503120071", "苍坡村", 1, 112, 112]]
    write_xlsx(inputs / "r.xlsx", {"清册": rows})
    res = run_on(inputs)
    assert res.problems() == [("invalid_id", "r.xlsx", "清册", 4)]
    assert "校验码应为3" in res.exceptions[0]["detail"]
