"""Bank result text files (.txt, .dat) as 代发 systems return them: one payment per line, fields delimited by
|, tab or comma, GBK or UTF-8, with or without a header line.

A text file is read as bank results only when its content has that shape: most lines split into the same number
(three or more) of fields, which include an ID or account number and an amount, named by a header or told apart by
their values (18-character IDs, 16-19 digit accounts, money, dates, 成功/失败, names). Any other text file is not
used, and never a problem.
"""

from __future__ import annotations

import re
from collections import Counter

from subsidy.intake import headers as H
from subsidy.intake.banks import FAILED_CODES, FAILED_WORDS, OK_CODES, OK_WORDS
from subsidy.intake.catalogue import Catalogue
from subsidy.intake.grid import Sheet
from subsidy.intake.normalising import compact

_DELIMITERS = ("|", "\t", ",")
_ID = re.compile(r"^\d{17}[\dXx]$")
_ACCOUNT = re.compile(r"^\d{16,19}$")
_MONEY = re.compile(r"^-?\d{1,9}(\.\d{1,2})?$")
_DATE = re.compile(r"^20\d{2}[-/.]?\d{2}[-/.]?\d{2}")
_NAME = re.compile(r"^[\u4e00-\u9fff\u3400-\u4dbf·]{2,5}$")
_SUBSIDY = re.compile(r"补贴|补助|补偿|奖补|奖励")


def read_bank_text(text: str, name: str, catalogue: Catalogue) -> Sheet | None:
    """A bank result sheet from a delimited text, or None when the text does not have that shape."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    delimiter = _delimiter([line for _, line in lines])
    if delimiter is None:
        return None
    rows = [[cell.strip().strip('"') for cell in _split(line, delimiter)] for _, line in lines]
    numbers = [n for n, _ in lines]
    header = H.find_header(rows[:5], catalogue)
    if header is not None and _bank_fields(header.columns.fields):
        return Sheet(name, rows, line_numbers=numbers, bank_text=True)
    columns = _infer(rows)
    if columns is None:
        return None
    hint = H.Header(0, -1, H.Columns(fields=columns, labels=dict.fromkeys(columns.values(), "")), [])
    return Sheet(name, rows, line_numbers=numbers, bank_text=True, header_hint=hint)


def _split(line: str, delimiter: str) -> list[str]:
    cells = line.rstrip("\r\n").split(delimiter)
    return cells[:-1] if len(cells) > 1 and not cells[-1].strip() else cells  # 'a|b|c|' ends with a delimiter


def _delimiter(lines: list[str]) -> str | None:
    """The delimiter that splits most lines into the same number (3 or more) of fields."""
    for delimiter in _DELIMITERS:
        counts = Counter(len(_split(line, delimiter)) for line in lines)
        width, seen = counts.most_common(1)[0] if counts else (0, 0)
        if width >= 3 and seen >= 0.8 * len(lines) and len(lines) >= 1:
            return delimiter
    return None


def _bank_fields(fields: dict) -> bool:
    return (H.ID in fields or H.ACCOUNT in fields) and H.AMOUNT in fields


def _infer(rows: list[list[str]]) -> dict[str, int] | None:
    """Which field each column holds, told apart by its values; None without an ID or account and an amount."""
    width = max(len(r) for r in rows)
    kinds: dict[str, int] = {}
    for c in range(width):
        values = [r[c] for r in rows if c < len(r) and r[c]]
        kind = _kind_of(values) if values else None
        if kind and kind not in kinds:
            kinds[kind] = c
    if not ((H.ID in kinds or H.ACCOUNT in kinds) and H.AMOUNT in kinds):
        return None
    return kinds


def _share(values: list[str], test) -> float:
    return sum(1 for v in values if test(v)) / len(values)


def _kind_of(values: list[str]) -> str | None:
    """The field a column's values look like, tried from the most particular shape to the least."""
    if _share(values, lambda v: bool(_ID.match(v))) >= 0.8:
        return H.ID
    if _share(values, lambda v: bool(_ACCOUNT.match(v))) >= 0.8:
        return H.ACCOUNT
    if _share(values, lambda v: bool(_DATE.match(v))) >= 0.8:
        return H.DATE
    if _share(values, _is_status) >= 0.8:
        return H.STATUS
    if _share(values, lambda v: bool(_MONEY.match(v))) >= 0.8 and any("." in v for v in values):
        return H.AMOUNT
    if _share(values, lambda v: bool(_SUBSIDY.search(v))) >= 0.5:
        return H.SUBSIDY
    if _share(values, lambda v: bool(_NAME.match(v))) >= 0.8:
        return H.NAME
    if _share(values, lambda v: bool(re.search(r"[\u4e00-\u9fff]", v))) >= 0.5:
        return H.REASON
    return None


def _is_status(value: str) -> bool:
    text = compact(value).upper()
    return text in OK_CODES or text in FAILED_CODES or any(w in text for w in OK_WORDS + FAILED_WORDS)
