"""Helpers that write real spreadsheet files for the tests and the bundled sample inputs.

Every ID made here is invented (valid check digit, made-up area code suffix and sequence), never real.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from subsidy.intake.normalising import id_check_char


def make_id(area: str = "330324", born: str = "19650312", seq: int = 1) -> str:
    first17 = f"{area}{born}{seq % 1000:03d}"
    return first17 + id_check_char(first17)


def bad_check(id_text: str) -> str:
    """The same ID with a wrong check character."""
    right = id_text[17]
    wrong = "0" if right != "0" else "1"
    return id_text[:17] + wrong


def write_xlsx(path: Path, sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None,
               text_columns: dict[str, set[int]] | None = None, start: str | None = None,
               formulas: dict[str, dict[str, str]] | None = None) -> Path:
    """sheets: name -> rows (row 0 is Excel row 1). merges: name -> ['A1:F1', ...].
    text_columns: 0-based columns stored as text format '@'. start: put the table at e.g. 'C3'.
    formulas: name -> {'G3': '=E3*F3'}: real formulas, saved without results as a script saves them."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        r0, c0 = 0, 0
        if start:
            cell = ws[start]
            r0, c0 = cell.row - 1, cell.column - 1
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                cell = ws.cell(row=r0 + r + 1, column=c0 + c + 1, value=value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # a text that looks like a formula, as a clerk's paste leaves it
                if text_columns and c in text_columns.get(name, set()):
                    cell.number_format = "@"
        for ref, formula in (formulas or {}).get(name, {}).items():
            ws[ref] = formula
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
        for c in range(max((len(r) for r in rows), default=0)):
            ws.column_dimensions[get_column_letter(c0 + c + 1)].width = 14
    wb.properties.created = datetime(2022, 12, 1)
    wb.properties.modified = datetime(2022, 12, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_xls(path: Path, sheets: dict[str, list[list]], merges: dict[str, list[tuple[int, int, int, int]]] | None = None) -> Path:
    """An Excel 97-2003 file. merges: name -> [(r1, r2, c1, c2)] 0-based inclusive."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets.items():
        ws = wb.add_sheet(name)
        merged_cells = set()
        for r1, r2, c1, c2 in (merges or {}).get(name, []):
            value = rows[r1][c1]
            ws.write_merge(r1, r2, c1, c2, value)
            merged_cells |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if (r, c) in merged_cells or value is None or value == "":
                    continue
                ws.write(r, c, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


# ---------------------------------------------------------------- other systems' exports, from a real .xlsx


def xlsx_tables(path: Path) -> dict[str, tuple[list[list], list[tuple[int, int, int, int]]]]:
    """Each sheet of a workbook as (rows of values, merged ranges (r1, c1, r2, c2) 0-based inclusive)."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        rows = [[c.value for c in row] for row in ws.iter_rows()]
        merges = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
        out[ws.title] = (rows, merges)
    return out


def _covered(merges) -> tuple[dict, set]:
    starts = {(r1, c1): (r2 - r1 + 1, c2 - c1 + 1) for r1, c1, r2, c2 in merges}
    covered = {(r, c) for r1, c1, r2, c2 in merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    return starts, covered - set(starts)


def write_html_xls(path: Path, tables: dict[str, tuple[list[list], list]], declared: str = "gb2312",
                   encoding: str = "gb18030", extra: str = "") -> Path:
    """An "Excel" file as online banking exports it: an HTML page of tables named .xls, declaring `declared` while
    encoded in `encoding` (so characters outside GB2312, such as 𠮷, are really there)."""
    from html import escape

    parts = [f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={declared}">'
             f"<title>{extra}</title></head><body>"]
    for rows, merges in tables.values():
        starts, covered = _covered(merges)
        parts.append('<table border="1">')
        for r, row in enumerate(rows):
            parts.append("<tr>")
            for c, value in enumerate(row):
                if (r, c) in covered:
                    continue
                span = starts.get((r, c))
                attrs = f' rowspan="{span[0]}" colspan="{span[1]}"' if span else ""
                text = "" if value is None else (f"{value:.2f}" if isinstance(value, float) else str(value))
                parts.append(f"<td{attrs} style=\"mso-number-format:'\\@'\">{escape(text)}</td>")
            parts.append("</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\n".join(parts).encode(encoding))
    return path


def write_xml2003(path: Path, tables: dict[str, tuple[list[list], list]]) -> Path:
    """An Excel 2003 XML workbook (SpreadsheetML) as Java report systems export it, saved as .xls: numbers typed
    Number, merged cells as ss:MergeAcross/ss:MergeDown, covered cells skipped with ss:Index."""
    from html import escape

    parts = ['<?xml version="1.0" encoding="UTF-8"?>', '<?mso-application progid="Excel.Sheet"?>',
             '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
             'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet" xmlns:x="urn:schemas-microsoft-com:office:excel">']
    for name, (rows, merges) in tables.items():
        starts, covered = _covered(merges)
        parts.append(f'<Worksheet ss:Name="{escape(name)}"><Table>')
        for r, row in enumerate(rows):
            cells, skipped = [], False
            for c, value in enumerate(row):
                if (r, c) in covered or (value is None and (r, c) not in starts):
                    skipped = True
                    continue
                attrs = f' ss:Index="{c + 1}"' if skipped else ""
                skipped = False
                if (r, c) in starts:
                    down, across = starts[(r, c)]
                    attrs += (f' ss:MergeAcross="{across - 1}"' if across > 1 else "") + \
                             (f' ss:MergeDown="{down - 1}"' if down > 1 else "")
                kind = "Number" if isinstance(value, (int, float)) and not isinstance(value, bool) else "String"
                text = "" if value is None else (repr(value) if isinstance(value, float) else str(value))
                cells.append(f'<Cell{attrs}><Data ss:Type="{kind}">{escape(text)}</Data></Cell>')
            parts.append(f'<Row ss:Index="{r + 1}">' + "".join(cells) + "</Row>" if cells else "")
        parts.append("</Table></Worksheet>")
    parts.append("</Workbook>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(p for p in parts if p), encoding="utf-8")
    return path


def data_rows(ws, values_only: bool = True) -> list:
    """The data rows of a sheet of the staff workbook: below its header, up to the blank row before the legend."""
    out = []
    for row in ws.iter_rows(min_row=2, values_only=values_only):
        values = row if values_only else [c.value for c in row]
        if all(v is None for v in values):
            break
        out.append(row)
    return out


def county_year(folder: Path, year: int | None = 2022):
    """A plain inputs folder as the stages take it (its results beside it, in outputs/)."""
    from subsidy.county_year import CountyYear

    return CountyYear.flat(folder, folder.parent / "outputs", year)
