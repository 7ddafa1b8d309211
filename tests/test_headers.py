import pytest

from subsidy.intake.catalogue import Catalogue
from subsidy.intake.headers import AMOUNT, AREA, ID, NAME, RATE, SUBSIDY, VILLAGE, classify_label, find_header

CAT = Catalogue.load()


@pytest.mark.parametrize("label, field", [
    ("户主姓名", NAME), ("姓名", NAME), ("户名", NAME), ("农户姓名", NAME), ("户 主 姓 名", NAME), ("补贴对象", NAME),
    ("身份证号码", ID), ("证件号码", ID), ("公民身份号码", ID), ("身份证号码（18位）", ID), ("户主身份证号", ID),
    ("补贴面积", AREA), ("计补面积（亩）", AREA), ("种植面积(亩)", AREA), ("补贴依据面积", AREA), ("面积【亩】", AREA),
    ("补贴金额", AMOUNT), ("应发金额（元）", AMOUNT), ("补偿金额(元)", AMOUNT), ("金额", AMOUNT), ("补贴金额 （元）", AMOUNT),
    ("补贴标准（元/亩）", RATE), ("标准", RATE),
    ("村名", VILLAGE), ("所在村", VILLAGE), ("行政村", VILLAGE), ("村（社区）", VILLAGE), ("村(居)委会", VILLAGE),
    ("补贴项目", SUBSIDY), ("补贴类型", SUBSIDY),
    ("户主签字", "ignore"), ("领款人签字", "ignore"),
    # land-contract (确权) exports: the contractor is the household, the 发包方 the village collective
    ("承包方名称", NAME), ("承包方代表", NAME), ("持卡人", NAME), ("发包方名称", VILLAGE), ("所属村组", VILLAGE),
    ("所属村委会", VILLAGE), ("村组名称", VILLAGE),
])
def test_labels_map_to_fields(label, field):
    assert classify_label(label, CAT)[0] == field


def test_a_subsidy_named_column_is_that_subsidy_s_amount():
    assert classify_label("耕地地力保护补贴（元）", CAT) == (AMOUNT, "耕地地力保护补贴")
    assert classify_label("2022年稻谷补贴面积", CAT) == (AREA, "稻谷补贴")


def test_header_below_title_rows_and_two_row_header_with_units():
    rows = [
        ["XX镇2022年度耕地地力保护补贴资金发放清册", "XX镇2022年度耕地地力保护补贴资金发放清册", ""],
        ["填报单位：XX镇", "", "单位：元"],
        ["序号", "户主姓名", "身份证号码", "补贴面积", "补贴标准", "补贴金额"],
        ["", "", "", "（亩）", "（元/亩）", "（元）"],
        [1, "张三", "x", 1, 2, 2],
    ]
    header = find_header(rows, CAT)
    assert (header.first, header.last) == (2, 3)
    assert header.columns.fields[NAME] == 1 and header.columns.fields[AMOUNT] == 5 and header.columns.fields[RATE] == 4


def test_merged_group_label_over_sub_labels():
    rows = [["序号", "户主信息", "户主信息", "补贴情况", "补贴情况"], ["序号", "姓名", "身份证号", "面积", "金额"], [1, "a", "b", 1, 1]]
    header = find_header(rows, CAT)
    assert header.last == 1
    assert header.columns.fields == {"seq": 0, NAME: 1, ID: 2, AREA: 3, AMOUNT: 4}


def test_no_header_is_none():
    assert find_header([["hello", "world"], [1, 2]], CAT) is None


def test_label_value_rows_above_a_header_are_titles_not_header_rows():
    rows = [["浙江永嘉农村商业银行"], ["单位名称：永嘉县财政局", "", "", "批次号：20230110001"], ["代发日期：2023-01-10"],
            ["序号", "账号", "户名", "证件号码", "金额", "用途", "状态", "备注：失败原因"], [1, "6230", "张三", "x", "1.00", "", "成功", ""]]
    header = find_header(rows, CAT)
    assert (header.first, header.last) == (3, 3)  # one '备注：…' label does not make the header a title row
    assert header.columns.fields[NAME] == 2 and header.columns.fields[AMOUNT] == 4


def test_units_after_a_colon_are_still_header_labels():
    rows = [["序号", "姓名", "身份证号", "面积：亩", "标准：元/亩", "金额：元"], [1, "张三", "x", 1, 2, 2]]
    header = find_header(rows, CAT)
    assert header is not None and header.columns.fields[AMOUNT] == 5 and header.columns.fields[AREA] == 3
