"""Cleaning cell values without losing them: text, names, ID numbers, money and areas.

Money is `Decimal` quantised to fen (0.01); areas keep up to four decimals. Nothing here uses floats for
arithmetic: a float that a spreadsheet cell holds is turned into a Decimal through its shortest repr.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from operator import mul

FEN = Decimal("0.01")
AREA_STEP = Decimal("0.0001")

# full-width ASCII (！..～) to half-width, ideographic space to space
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
_SPACES = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")


def to_halfwidth(text: str) -> str:
    return text.translate(_FULLWIDTH)


# control characters no one typed on purpose, which XML (so .xlsx) cannot even hold; line breaks and tabs stay
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def cell_text(value: object) -> str:
    """The text a person sees in a cell, trimmed; numbers without a spurious '.0'."""
    if value is None:
        return ""
    if isinstance(value, str):
        if not value.isprintable():  # rare: line breaks, tabs, or invisible control characters pasted in
            value = _CONTROL.sub("", value)
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value).strip()


_NEEDS_CLEANING = re.compile(r"[\s\u00a0\u3000\u200b\ufeff\uff01-\uff5e]")


def compact(text: str) -> str:
    """Half-width, no spaces at all: for comparing labels such as '合  计' or '户主 姓名'."""
    if not _NEEDS_CLEANING.search(text):
        return text
    return _SPACES.sub("", to_halfwidth(text))


def clean_name(value: object) -> str:
    """A person's name: half-width, inner and outer spaces removed ('张 三 ' -> '张三')."""
    return compact(cell_text(value))


# ---------------------------------------------------------------- ID numbers (GB 11643)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$")


def unwrap_text_formula(text: str) -> str:
    """="6230…" -> 6230…: how some systems export long numbers so Excel keeps every digit."""
    if text.startswith('="') and text.endswith('"') and len(text) > 3:
        return text[2:-1]
    return text


def id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(map(mul, map(int, first17), _ID_WEIGHTS)) % 11]


def clean_id(value: object) -> tuple[str, bool]:
    """Return (cleaned ID text, came_from_number).

    Spaces, full-width digits, a leading apostrophe and a lower-case x are fixed. A number cell (or the
    text of a number in scientific notation, as Excel writes into CSV) is flagged: Excel kept only 15
    significant digits, so the digits cannot be trusted.
    """
    if value is None:
        return "", False
    if isinstance(value, bool):
        return cell_text(value), False
    if isinstance(value, int):
        return str(value), True
    if isinstance(value, float):
        if value != value:
            return "", False
        return str(int(value)), True
    text = unwrap_text_formula(compact(str(value)).lstrip("'")).upper()
    if _SCIENTIFIC.match(text):
        try:
            return str(int(Decimal(text))), True
        except (InvalidOperation, ValueError):
            return text, True
    return text, False


def person_shaped(id_text: str, latest_year: int) -> bool:
    """18 characters that read as a personal ID up to the check character: region, a real birth date."""
    if len(id_text) != 18 or not _ID_SHAPE.match(id_text) or id_text[0] not in "12345678":
        return False
    try:
        born = date(int(id_text[6:10]), int(id_text[10:12]), int(id_text[12:14]))
    except ValueError:
        return False
    return 1890 <= born.year <= latest_year


def id_error(id_text: str, latest_year: int) -> str | None:
    """Why an 18-character ID is invalid (in Chinese), or None when it is valid."""
    if not id_text:
        return "身份证号为空"
    if len(id_text) == 15 and id_text.isdigit():
        return "15位旧身份证号，请换成18位身份证号"
    if len(id_text) != 18:
        return f"身份证号应为18位，实际{len(id_text)}位"
    if not _ID_SHAPE.match(id_text):
        return "身份证号含有数字和末位X以外的字符"
    if id_text[0] not in "12345678":
        return "身份证号前6位不是有效的地区码"
    try:
        born = date(int(id_text[6:10]), int(id_text[10:12]), int(id_text[12:14]))
    except ValueError:
        return f"身份证号中的出生日期{id_text[6:14]}不存在"
    if born.year < 1890 or born.year > latest_year:
        return f"身份证号中的出生日期{id_text[6:14]}不合理"
    expected = id_check_char(id_text[:17])
    if id_text[17] != expected:
        return f"身份证号校验码应为{expected}，实际为{id_text[17]}"
    return None


# ---------------------------------------------------------------- money and areas

_NUMBER_CACHE: dict[tuple[type, float], Decimal] = {}
_NUMBER_JUNK = re.compile(r"[\s,，元¥￥亩整/RMB人民币]")


def parse_decimal(value: object) -> Decimal | None:
    """A number from a cell, or None if the cell is empty or not a number.

    Accepts text with thousands separators, 元/¥/亩, full-width digits; floats go through their shortest
    repr so 0.1 stays 0.1.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        cached = _NUMBER_CACHE.get((type(value), value))
        if cached is not None:
            return cached
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            return None
        number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
        if len(_NUMBER_CACHE) < 50_000:  # rates and areas repeat: share one Decimal (memory on 1M rows)
            _NUMBER_CACHE[(type(value), value)] = number
        return number
    if isinstance(value, Decimal):
        return value
    text = _NUMBER_JUNK.sub("", to_halfwidth(str(value)))
    if not text or text in {"-", "/", "—", "--"}:
        return None
    if text.startswith("(") and text.endswith(")"):  # accounting negative
        text = "-" + text[1:-1]
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    return number


def is_blank_number(value: object) -> bool:
    """True for an empty cell or a placeholder such as '-' or '/'."""
    if value is None:
        return True
    if isinstance(value, str):
        return compact(value) in {"", "-", "/", "—", "--", "－"}
    return False


@lru_cache(maxsize=1 << 16)
def to_fen(amount: Decimal) -> Decimal:
    """The amount to the fen; equal amounts give one shared Decimal (amounts repeat across a million rows)."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def to_area(area: Decimal) -> Decimal:
    return area.quantize(AREA_STEP, rounding=ROUND_HALF_UP).normalize()


def money_text(amount: Decimal | None) -> str:
    """'1234.50' (two decimals, no separators): the machine-readable form used in CSV outputs."""
    if amount is None:
        return ""
    return f"{to_fen(amount):.2f}"


def area_text(area: Decimal | None) -> str:
    if area is None:
        return ""
    text = f"{to_area(area):f}"
    return text


# ---------------------------------------------------------------- years

_YEAR = re.compile(r"(20[0-9]{2})\s*年(?!\s*[0-9]{1,2}\s*月)")
_LEADING_YEAR = re.compile(r"^\s*(20[0-9]{2})(?![0-9])")


def find_year(text: str) -> int | None:
    """The first '20xx年' (or '20xx年度') in a text that is not a date such as '2023年1月'."""
    match = _YEAR.search(text)
    return int(match.group(1)) if match else None


_LOOSE_YEAR = re.compile(r"(?<![0-9])(20[0-9]{2})(?![0-9]|\s*[-/.年]\s*[0-9]{1,2}(?![0-9]))")


def find_loose_year(text: str) -> int | None:
    """A bare year in a file or sheet name ('2022耕地地力补贴.xlsx'), not part of a date or a longer number."""
    match = _LOOSE_YEAR.search(text)
    return int(match.group(1)) if match else None


def find_subsidy_year(text: str) -> int | None:
    """The year of a subsidy named in a bank 摘要: '2022年耕地地力补贴' or '2022耕地地力补贴'."""
    return find_year(text) or (int(m.group(1)) if (m := _LEADING_YEAR.match(text)) else None)
