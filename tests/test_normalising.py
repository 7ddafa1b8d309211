from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subsidy.intake.normalising import (
    cell_text,
    clean_id,
    clean_name,
    id_check_char,
    id_error,
    money_text,
    parse_decimal,
)
from tests.builders import bad_check, make_id

GOOD = make_id("330324", "19650312", 7)


@pytest.mark.parametrize("raw, cleaned, from_number", [
    (GOOD, GOOD, False),
    (" 3303 2419 6503 12007" + GOOD[-1], GOOD, False),
    (GOOD.translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)}), GOOD, False),  # full-width digits
    ("'" + GOOD, GOOD, False),
    ('="' + GOOD + '"', GOOD, False),
    ("\t" + GOOD, GOOD, False),
    ("33032419650312041x", "33032419650312041X", False),
    (330324196503120071, "330324196503120071", True),
    (3.303241965031201e17, "330324196503120128", True),
    ("3.30324E+17", "330324000000000000", True),
    (None, "", False),
])
def test_clean_id(raw, cleaned, from_number):
    assert clean_id(raw) == (cleaned, from_number)


@pytest.mark.parametrize("text, reason", [
    ("", "身份证号为空"),
    ("330324650312001", "15位旧身份证号"),
    ("3303241965031200", "应为18位"),
    ("33032419650312A07X", "含有数字"),
    ("930324196503120070", "地区码"),
    ("330324196502300070", "出生日期19650230不存在"),
    ("330324203001010070", "不合理"),
])
def test_id_error_reasons(text, reason):
    assert reason in id_error(text, 2022)


def test_id_error_check_digit():
    assert id_error(GOOD, 2022) is None
    assert "校验码应为" in id_error(bad_check(GOOD), 2022)


def test_clean_name():
    assert clean_name(" 张 三\u3000") == "张三"
    assert clean_name("ＬＩ Ｍｉｎｇ") == "LIMing"


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2010, 12, 31)), st.integers(0, 999),
       st.sampled_from(["330324", "330302", "110101", "440305"]))
def test_generated_ids_are_valid_and_any_changed_digit_is_caught(born, seq, area):
    id_ = make_id(area, born.strftime("%Y%m%d"), seq)
    assert id_error(id_, 2022) is None
    for pos in range(17):
        digit = int(id_[pos])
        changed = id_[:pos] + str((digit + 1) % 10) + id_[pos + 1:]
        # a changed digit breaks the check character (MOD 11-2 catches every single-digit error)
        if id_check_char(changed[:17]) == changed[17]:
            pytest.fail(f"check digit missed a change at {pos}")


@given(st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2))
def test_amount_text_round_trips(amount):
    assert parse_decimal(money_text(amount)) == amount
    assert parse_decimal(f"{amount:,.2f}元") == amount
    assert parse_decimal(f"￥{amount:,.2f}") == amount
    assert parse_decimal(f" {amount:.2f} ") == amount


@given(st.floats(min_value=0, max_value=1e7, allow_nan=False).map(lambda f: round(f, 2)))
def test_float_cells_keep_their_shortest_decimal(value):
    assert parse_decimal(value) == Decimal(repr(value))


@pytest.mark.parametrize("raw, expected", [
    ("1,234.50元", Decimal("1234.50")),
    ("１２３．４", Decimal("123.4")),
    ("2.5亩", Decimal("2.5")),
    ("112元/亩", Decimal("112")),
    ("100元整", Decimal("100")),
    ("(12.00)", Decimal("-12.00")),
    (0.1, Decimal("0.1")),
    (112, Decimal(112)),
    ("", None), ("-", None), ("壹佰元", None), ("abc", None), (None, None), (True, None),
])
def test_parse_decimal(raw, expected):
    assert parse_decimal(raw) == expected


def test_dates_in_the_future_are_not_births():
    future = (date(2022, 12, 31) + timedelta(days=400)).strftime("%Y%m%d")
    assert "不合理" in id_error(make_id("330324", future, 1), 2022)


@pytest.mark.parametrize("text, year", [("2022耕地地力补贴", 2022), ("耕地补贴2022.xlsx", 2022), ("2022-12-01代发", None),
                                        ("20221201", None), ("2023年1月", None), ("稻谷补贴", None)])
def test_loose_years_in_names(text, year):
    from subsidy.intake.normalising import find_loose_year

    assert find_loose_year(text) == year


def test_control_characters_pasted_into_a_cell_are_dropped_line_breaks_kept():
    assert cell_text("张\x07三\x00") == "张三"
    assert cell_text("账户\n已销户\t") == "账户\n已销户"
    assert clean_name("\x1f王\u3000五") == "王五"
