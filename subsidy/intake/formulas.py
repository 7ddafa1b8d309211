"""Formulas a workbook was saved with but without their results.

Excel and WPS save each formula's last result next to it, and that result is what the readers return. A file
written by a script (openpyxl, pandas) holds only the formula: every amount such as `=E3*F3` would read as
empty. For those files the common roster arithmetic is worked out here, exactly (Decimal), from the sheet's
own cells: + - * / ^ %, parentheses, and SUM, ROUND, ROUNDUP, ROUNDDOWN, INT, ABS, MIN, MAX, PRODUCT.
Anything else (other sheets, lookups, text functions) stays empty and is named in the file's note.
"""

from __future__ import annotations

import operator
import re
import zipfile
from decimal import ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from subsidy.intake.grid import InputFile
from subsidy.intake.normalising import parse_decimal

# a formula element followed by an empty result: <f>E3*F3</f><v></v>, <f>…</f><v/>, or no <v> at all
_NO_RESULT = re.compile(rb"</f>(?:<v\s*/>|<v>\s*</v>|</c>)")
_TOKEN = re.compile(r"\s*(?:(?P<fn>[A-Za-z][A-Za-z0-9.]*)\(|(?P<ref>\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)"
                    r"|(?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)|(?P<op>[-+*/^(),%]))")
_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
_MAX_RANGE = 100_000  # cells in one range; a whole-column SUM(G:G) is not supported anyway


class FormulaError(Exception):
    pass


def _divide(a: Decimal, b: Decimal) -> Decimal:
    if b == 0:
        raise FormulaError("除数为0")
    return a / b


_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": _divide}


def saved_without_results(path: Path) -> bool:
    """True when some worksheet of an .xlsx/.xlsm holds a formula with no saved result."""
    try:
        with zipfile.ZipFile(path) as book:
            for name in book.namelist():
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                with book.open(name) as f:
                    tail = b""
                    while chunk := f.read(1 << 20):
                        if _NO_RESULT.search(tail + chunk):
                            return True
                        tail = chunk[-32:]
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        return False
    return False


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _cell(ref: str) -> tuple[int, int]:
    m = _CELL.fullmatch(ref)
    if not m:
        raise FormulaError(ref)
    return int(m.group(2)) - 1, _column_index(m.group(1))


class _FormulaSheet:
    """Evaluates the formulas of one sheet against its grid of values (row, column 0-based)."""

    def __init__(self, rows: list[list], formulas: dict[tuple[int, int], str]):
        self.rows, self.formulas = rows, formulas
        self.done: dict[tuple[int, int], Decimal] = {}
        self.busy: set[tuple[int, int]] = set()

    def value(self, at: tuple[int, int]) -> Decimal | str | None:
        """A number, a text, or None for an empty cell."""
        if at in self.done:
            return self.done[at]
        r, c = at
        raw = self.rows[r][c] if r < len(self.rows) and c < len(self.rows[r]) else None
        if raw in ("", None) and at in self.formulas:
            if at in self.busy:
                raise FormulaError("循环引用")
            self.busy.add(at)
            try:
                self.done[at] = _Parser(self.formulas[at], self).parse()
            finally:
                self.busy.discard(at)
            return self.done[at]
        if raw in ("", None):
            return None
        if isinstance(raw, bool):
            return Decimal(int(raw))
        if isinstance(raw, (int, float)):
            return parse_decimal(raw)
        return str(raw)


class _Parser:
    def __init__(self, formula: str, sheet: _FormulaSheet):
        self.sheet = sheet
        text = formula[1:] if formula.startswith("=") else formula
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        text = text.rstrip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise FormulaError(text)
            kind = m.lastgroup
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0

    def parse(self) -> Decimal:
        value = self._number(self._expr())
        if self.i != len(self.tokens):
            raise FormulaError("多余的内容")
        return value

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _take(self, op: str | None = None) -> tuple[str, str]:
        token = self._peek()
        if token is None or (op is not None and token != ("op", op)):
            raise FormulaError(f"缺少{op or '内容'}")
        self.i += 1
        return token

    def _number(self, value) -> Decimal:
        if isinstance(value, list):  # a range used as a number: only a single cell will do
            if len(value) != 1:
                raise FormulaError("区域不能直接计算")
            value = value[0]
        if value is None:
            return Decimal(0)
        if isinstance(value, Decimal):
            return value
        number = parse_decimal(value)
        if number is None:
            raise FormulaError(f"“{value}”不是数字")
        return number

    def _expr(self):
        return self._binary(self._term, "+-")

    def _term(self):
        return self._binary(self._power, "*/")

    def _binary(self, operand, ops: str):
        """operand (op operand)*, left to right, for one precedence level."""
        value = operand()
        while (token := self._peek()) is not None and token[0] == "op" and token[1] in ops:
            op = self._take()[1]
            right = self._number(operand())
            value = _ARITHMETIC[op](self._number(value), right)
        return value

    def _power(self):  # in Excel a sign binds tighter than ^: =-2^2 is 4
        value = self._unary()
        while self._peek() == ("op", "^"):
            self._take()
            exponent = self._number(self._unary())
            if exponent != exponent.to_integral_value() or abs(exponent) > 10:
                raise FormulaError("不支持的乘方")
            value = self._number(value) ** int(exponent)
        return value

    def _unary(self):
        if self._peek() in (("op", "-"), ("op", "+")):
            op = self._take()[1]
            value = self._number(self._unary())
            return -value if op == "-" else value
        return self._postfix()

    def _postfix(self):
        value = self._atom()
        while self._peek() == ("op", "%"):
            self._take()
            value = self._number(value) / 100
        return value

    def _atom(self):
        kind, text = self._take()
        if kind == "num":
            return Decimal(text)
        if kind == "ref":
            return self._reference(text)
        if kind == "op" and text == "(":
            value = self._expr()
            self._take(")")
            return value
        if kind == "fn":
            return self._function(text.upper())
        raise FormulaError(text)

    def _reference(self, text: str):
        if ":" not in text:
            return self.sheet.value(_cell(text))
        (r1, c1), (r2, c2) = (_cell(part) for part in text.split(":"))
        r1, r2 = sorted((r1, r2))
        c1, c2 = sorted((c1, c2))
        if (r2 - r1 + 1) * (c2 - c1 + 1) > _MAX_RANGE:
            raise FormulaError("区域太大")
        return [self.sheet.value((r, c)) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]

    def _arguments(self) -> list:
        args = []
        if self._peek() == ("op", ")"):
            self._take()
            return args
        while True:
            args.append(self._expr())
            if self._peek() == ("op", ","):
                self._take()
                continue
            self._take(")")
            return args

    def _function(self, name: str):
        args = self._arguments()
        if name in ("SUM", "PRODUCT", "MIN", "MAX"):
            numbers = []
            for arg in args:
                if isinstance(arg, list):  # in a range, text and empty cells are skipped, as Excel does
                    numbers += [v for v in arg if isinstance(v, Decimal)]
                else:
                    numbers.append(self._number(arg))
            if name == "SUM":
                return sum(numbers, Decimal(0))
            if name == "PRODUCT":
                product = Decimal(1)
                for n in numbers:
                    product *= n
                return product if numbers else Decimal(0)
            return (min if name == "MIN" else max)(numbers) if numbers else Decimal(0)
        if name in ("ROUND", "ROUNDUP", "ROUNDDOWN") and len(args) in (1, 2):
            value = self._number(args[0])
            places = int(self._number(args[1])) if len(args) == 2 else 0
            mode = {"ROUND": ROUND_HALF_UP, "ROUNDUP": ROUND_UP, "ROUNDDOWN": ROUND_DOWN}[name]
            return value.quantize(Decimal(1).scaleb(-places), rounding=mode)
        if name == "INT" and len(args) == 1:
            return self._number(args[0]).quantize(Decimal(1), rounding=ROUND_FLOOR)
        if name == "ABS" and len(args) == 1:
            return abs(self._number(args[0]))
        raise FormulaError(f"不支持的函数{name}")


def _formulas_by_sheet(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    book = load_workbook(path, read_only=True, data_only=False)
    try:
        found: dict[str, dict[tuple[int, int], str]] = {}
        for ws in book.worksheets:
            cells = {}
            for row in ws.iter_rows():
                for c in row:
                    value = getattr(c, "value", None)
                    if isinstance(value, str) and value.startswith("=") and getattr(c, "row", None):
                        cells[(c.row - 1, c.column - 1)] = value
            if cells:
                found[ws.title] = cells
        return found
    finally:
        book.close()


def fill_missing_results(item: InputFile) -> dict[str, str]:
    """Work out the formulas the file saved without results, in place in its grids.
    Returns sheet name -> a note for the clerk (what was worked out, what could not be)."""
    if item.format not in ("xlsx", "xlsm") or not saved_without_results(item.path):
        return {}
    try:
        by_sheet = _formulas_by_sheet(item.path)
    except Exception:  # noqa: BLE001 - the file was already read by calamine; this is a best effort on top
        return {}
    notes: dict[str, str] = {}
    for sheet in item.sheets:
        formulas = by_sheet.get(sheet.name)
        if not formulas:
            continue
        evaluator = _FormulaSheet(sheet.rows, formulas)
        worked, failed = [], []
        for (r, c), formula in sorted(formulas.items()):
            if r >= len(sheet.rows) or (c < len(sheet.rows[r]) and sheet.rows[r][c] not in ("", None)):
                continue  # a result was saved for this one
            try:
                value = evaluator.value((r, c))
            except (FormulaError, InvalidOperation, ArithmeticError, RecursionError) as exc:
                failed.append(f"{_address(r, c)}（{formula}：{exc}）")
                continue
            row = sheet.rows[r]
            row.extend([""] * (c + 1 - len(row)))
            row[c] = format(value, "f") if isinstance(value, Decimal) else ""
            worked.append(_address(r, c))
        parts = []
        if worked:
            parts.append(f"工作表“{sheet.name}”有{len(worked)}个公式在文件中没有保存计算结果，已按公式算出"
                         f"（{'、'.join(worked[:5])}{'等' if len(worked) > 5 else ''}）")
        if failed:
            parts.append(f"工作表“{sheet.name}”有{len(failed)}个公式没有保存结果且无法计算，按空白处理："
                         f"{'；'.join(failed[:3])}{'等' if len(failed) > 3 else ''}")
        if parts:
            notes[sheet.name] = "；".join(parts) + "。建议在Excel或WPS中打开该文件并保存一次"
    return notes


def _address(r: int, c: int) -> str:
    return f"{get_column_letter(c + 1)}{r + 1}"
