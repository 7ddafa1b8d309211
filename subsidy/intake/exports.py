"""Files other systems export, recognised by their content rather than their name.

- HTML tables saved as ".xls" (online banking, 一卡通 platforms): every table of the page is a sheet; the charset
  comes from a BOM or the meta tag (gb2312 and gbk read as GB18030, their superset) or detection; rowspan and
  colspan become merged cells; rows are numbered as a person counts the table's rows.
- Excel 2003 XML (SpreadsheetML, `<?mso-application progid="Excel.Sheet"?>`) saved as ".xls" or ".xml" by report
  systems: every worksheet, ss:Index, ss:MergeAcross and ss:MergeDown, typed cells (a Number cell is a number, so an
  ID typed into one is flagged as in .xlsx).
- Bank result text files (.txt, .dat) delimited by |, tab or comma, with or without a header line; read only when
  their rows have a bank result's shape (see banks_text.py).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from subsidy.intake.grid import Sheet, fill_merged

_GB_LABELS = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "gb_2312-80", "euc-cn", "hz-gb-2312"}
_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_SPREADSHEET_NS = b"urn:schemas-microsoft-com:office:spreadsheet"
SS = "{urn:schemas-microsoft-com:office:spreadsheet}"


def sniff(head: bytes) -> str | None:
    """'html' or 'xml2003' from the first bytes of a file, else None."""
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\r\n\t ").lower()
    if text.startswith(b"<?xml") and (_SPREADSHEET_NS in head or b"excel.sheet" in text):
        return "xml2003"
    if text.startswith((b"<html", b"<!doctype html", b"<table", b"<meta", b"<head", b"<body", b"<?xml")) and \
            b"<table" in head.lower():
        return "html"
    if b"<table" in head.lower() and b"<tr" in head.lower():
        return "html"
    return None


def decode_html(data: bytes) -> str:
    """The page's text: a BOM, else its declared charset (GB labels as GB18030), else UTF-8, else GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    match = _CHARSET.search(data[:4096])
    label = match.group(1).decode("ascii").lower() if match else ""
    if label in _GB_LABELS:
        return data.decode("gb18030", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


class _Tables(HTMLParser):
    """Every <table> of a page as a grid of cell texts, with rowspan/colspan as merged ranges."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[list[list[str]], list]] = []  # (rows, merged ranges)
        self._stack: list[dict] = []  # open tables

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._stack.append({"rows": [], "merges": [], "taken": set(), "cell": None, "row": -1})
        elif not self._stack:
            return
        elif tag == "tr":
            self._stack[-1]["row"] += 1
            self._stack[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._open_cell(self._stack[-1], dict(attrs))
        elif tag == "br" and self._stack[-1]["cell"] is not None:
            self._stack[-1]["cell"].append("\n")

    def _open_cell(self, t: dict, attrs: dict) -> None:
        if t["row"] < 0:
            t["row"] = 0
            t["rows"].append([])
        r = t["row"]
        c = 0
        while (r, c) in t["taken"]:
            c += 1
        span_r, span_c = _span(attrs.get("rowspan")), _span(attrs.get("colspan"))
        for dr in range(span_r):
            for dc in range(span_c):
                t["taken"].add((r + dr, c + dc))
        if span_r > 1 or span_c > 1:
            t["merges"].append(((r, c), (r + span_r - 1, c + span_c - 1)))
        t["cell"] = []
        t["at"] = (r, c)

    def handle_endtag(self, tag: str) -> None:
        if not self._stack:
            return
        t = self._stack[-1]
        if tag in ("td", "th") and t["cell"] is not None:
            self._close_cell(t)
        elif tag == "table":
            if t["cell"] is not None:
                self._close_cell(t)
            self._stack.pop()
            self.tables.append((t["rows"], t["merges"]))

    def _close_cell(self, t: dict) -> None:
        r, c = t["at"]
        text = re.sub(r"[ \t\r\f\v\u00a0]+", " ", "".join(t["cell"])).strip()
        while len(t["rows"]) <= r:
            t["rows"].append([])
        row = t["rows"][r]
        while len(row) <= c:
            row.append("")
        row[c] = text
        t["cell"] = None

    def handle_data(self, data: str) -> None:
        if self._stack and self._stack[-1]["cell"] is not None:
            self._stack[-1]["cell"].append(data)


def _span(value) -> int:
    try:
        return max(1, min(int(str(value).strip()), 1000))
    except (TypeError, ValueError):
        return 1


def read_html_tables(data: bytes) -> list[Sheet]:
    """One sheet per table that holds anything ('表1', '表2' …)."""
    parser = _Tables()
    parser.feed(decode_html(data))
    parser.close()
    sheets = []
    for n, (rows, merges) in enumerate(parser.tables, 1):
        if not any(any(cell for cell in row) for row in rows):
            continue
        width = max((len(r) for r in rows), default=0)
        grid = [row + [""] * (width - len(row)) for row in rows]
        filled = fill_merged(grid, merges)
        sheets.append(Sheet(f"表{n}", grid, merged_rows=set(filled), _own=filled))
    return sheets


def read_spreadsheetml(data: bytes) -> list[Sheet]:
    """Every worksheet of an Excel 2003 XML workbook, cells typed as their ss:Type says."""
    root = ET.fromstring(data)
    sheets = []
    for worksheet in root.iter(f"{SS}Worksheet"):
        rows: list[list] = []
        merges: list = []
        table = worksheet.find(f"{SS}Table")
        r = -1
        for row in table.iter(f"{SS}Row") if table is not None else ():
            r = _index(row, r + 1)
            while len(rows) <= r:
                rows.append([])
            _read_row(row, r, rows[r], merges)
        width = max((len(x) for x in rows), default=0)
        grid = [x + [""] * (width - len(x)) for x in rows]
        filled = fill_merged(grid, merges)
        name = worksheet.get(f"{SS}Name") or f"Sheet{len(sheets) + 1}"
        sheets.append(Sheet(name, grid, hidden=_hidden(worksheet), merged_rows=set(filled), _own=filled))
    return sheets


def _index(element, default: int) -> int:
    """An element's 0-based position: its ss:Index (1-based) if it has one, else `default`."""
    index = element.get(f"{SS}Index")
    return int(index) - 1 if index and index.isdigit() else default


def _read_row(row, r: int, cells: list, merges: list) -> None:
    c = -1
    for cell in row.iter(f"{SS}Cell"):
        c = _index(cell, c + 1)
        while len(cells) <= c:
            cells.append("")
        cells[c] = _value(cell.find(f"{SS}Data"))
        across, down = int(cell.get(f"{SS}MergeAcross") or 0), int(cell.get(f"{SS}MergeDown") or 0)
        if across or down:
            merges.append(((r, c), (r + down, c + across)))
        c += across


def _value(data):
    """A cell's value as calamine gives it: a Number cell as a float, text as text."""
    if data is None:
        return ""
    text = "".join(data.itertext())
    kind = data.get(f"{SS}Type", "String")
    if kind == "Number":
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "Boolean":
        return text.strip() in ("1", "true", "TRUE")
    if kind == "DateTime":
        return text[:10]
    return text


def _hidden(worksheet) -> bool:
    options = worksheet.find("{urn:schemas-microsoft-com:office:excel}WorksheetOptions")
    visible = options.find("{urn:schemas-microsoft-com:office:excel}Visible") if options is not None else None
    return visible is not None and (visible.text or "").strip() in ("SheetHidden", "SheetVeryHidden")
