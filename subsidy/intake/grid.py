"""A sheet as a grid of cells, merged cells filled in; an input file as discovered and loaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Sheet:
    name: str
    rows: list[list]
    line_numbers: list[int] | None = None  # CSV: the physical line of each record; None for workbooks
    hidden: bool = False
    merged_rows: set[int] = field(default_factory=set)  # rows that hold copies of a merged cell's value
    bank_text: bool = False  # a bank's delimited text file: every row is a payment
    header_hint: object = None  # headers.Header when the columns were told apart by their values (no header line)

    def is_blank(self, index: int) -> bool:
        """No value of its own: empty, or holding only copies spread from a merged cell above."""
        row = self.rows[index]
        if index not in self.merged_rows:
            return not any(v not in ("", None) for v in row)
        own = self._own.get(index, ())
        return not any(v not in ("", None) for c, v in enumerate(row) if c not in own)

    _own: dict[int, set[int]] = field(default_factory=dict, repr=False)  # row -> columns filled by merging

    def row_number(self, index: int) -> int:
        return self.line_numbers[index] if self.line_numbers is not None else index + 1


@dataclass
class InputFile:
    path: Path
    rel: str  # path relative to the inputs folder, with '/'
    format: str  # xlsx, xls, csv ... or '' when skipped
    sheets: list[Sheet] = field(default_factory=list)
    error: str | None = None  # why it could not be read (reported as unreadable_file)
    skipped: str | None = None  # why it is not a roster at all (not a spreadsheet, a settings file)
    size: int = 0
    own: str | None = None  # the tool's own output (ownfiles.OWN_FILE or OUTPUT_FOLDER): never read


def _merged_ranges(sheet) -> list:
    try:
        return sheet.merged_cell_ranges or []
    except Exception:  # not every format reports merged cells
        return []


def fill_merged(rows: list[list], ranges: list) -> dict[int, set[int]]:
    """Give every cell of a merged range the value of its top-left cell; returns row -> columns so filled."""
    filled: dict[int, set[int]] = {}
    for (r0, c0), (r1, c1) in ranges:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        if value == "" or value is None:
            continue
        width = max(c1 + 1, len(rows[r0]))
        while len(rows) <= r1:
            rows.append([""] * width)
        for r in range(r0, r1 + 1):
            row = rows[r]
            if len(row) <= c1:
                row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if row[c] == "" or row[c] is None:
                    row[c] = value
                    filled.setdefault(r, set()).add(c)
    return filled
