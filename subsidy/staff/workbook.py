"""The staff workbook `internal/reconciliation.xlsx`: what was due, paid, failed and unpaid, and what to fix.

Sheets (in Chinese): 公示准备, 村汇总, 户明细, 银行明细, 问题清单, 文件清单. Frozen header rows, filters, column
widths that fit Chinese text, long texts wrapped, money as #,##0.00, a link from each problem to the cell's row in
the source file. Highlighting means one thing on every sheet: the row has a problem still holding a village's
notice back (a legend under each sheet says so). Every sheet prints on A4 landscape, fitted to the page width, with
its header row repeated and "sheet 第 X 页 共 Y 页" in the footer.
A text starting with = + - @ is stored as text, never as a formula. Written in openpyxl's write-only mode
(constant memory); a sheet longer than Excel allows continues on a second sheet.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from itertools import groupby, islice
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from subsidy.base.caching import code_key
from subsidy.base.files import atomic_write_bytes
from subsidy.base.workers import alongside
from subsidy.checks.decisions import CHECKED
from subsidy.checks.reconciling import PAID, STATUS_ZH
from subsidy.intake.ownfiles import MARKER, keywords
from subsidy.problems import BLOCKS_ZH, FIX, KINDS, NEVER
from subsidy.staff.xlsxfile import DeflatedRows, deflated, write_stable_xlsx

if TYPE_CHECKING:  # the records these functions take, named for the reader (no import at run time)
    from subsidy.books import Books, SummaryRow
    from subsidy.checks.readiness import Readiness


class NoticeStage(Protocol):
    """What the workbook reads of the notices' stage (stages.NoticeStage): which villages are ready, and what
    notices/ shows for each (objects with notice and status_text)."""

    readiness: Readiness
    shown: list


MONEY = "#,##0.00"
AREA = "#,##0.####"
EXCEL_MAX_ROWS = 1_048_576
_EXCEL_MAX_TEXT = 32_767  # characters in one cell
# what XML text needs escaped, and the control characters and lone surrogates XML 1.0 cannot hold at all
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;",
                           **dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32), *range(0xD800, 0xE000), 0xFFFE, 0xFFFF])})
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f&<>\ud800-\udfff\ufffe\uffff]")  # what _XML_TEXT changes
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_PROBLEM_FILL = PatternFill("solid", fgColor="FCE4D6")
_TOTAL_FONT = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
LEGEND = "说明：标色的行有尚未处理（未改正、未核实）的问题，相关的村暂缓公示；未标色的问题（如银行发放失败、未发放）不影响公示。"
HOUSEHOLD_COLUMNS = [("村代码", 14, "text"), ("村名", 10, "text"), ("补贴项目", 20, "long"), ("户主姓名", 10, "text"),
                     ("身份证号", 21, "text"), ("面积(亩)", 9, "area"), ("标准(元/亩)", 9, "money"), ("应发", 11, "money"),
                     ("实发", 11, "money"), ("发放情况", 9, "text"), ("问题", 18, "long"), ("银行记录", 28, "long"),
                     ("来源文件", 30, "long"), ("工作表", 10, "text"), ("行号", 6, "int")]
_OUTCOME_ZH = {"matched": "已对应清册", "unexpected": "清册中无此户", "ambiguous": "无法确定对应哪一行", "other_year": "不是本年度"}


class _TypedSheet:
    """A write-only sheet with typed columns: (title, width, kind) where kind is text, int, money or area.

    openpyxl writes the sheet itself (column widths, frozen header, filter, styles) with its header row; the
    data rows are serialised here straight to deflated XML (`rows_dir`, see DeflatedRows) and spliced in when the
    file is saved: writing them cell by cell through openpyxl took 25 s for 200,000 households. A sheet with links
    stays on openpyxl.
    """

    def __init__(self, wb: Workbook, title: str, columns: list[tuple[str, int, str]], rows_dir: Path | None = None):
        self.wb, self.title, self.columns, self.rows_dir = wb, title, columns, rows_dir
        self.part = 0
        self.rows = 0
        self.parts: list[tuple[object, DeflatedRows]] = []  # (worksheet, its data rows)
        self._out = None
        self._styles: dict[tuple, int] = {}
        self._heads: dict[tuple, list[tuple[str, str]]] = {}
        self._letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
        self._new_part()

    def _new_part(self) -> None:
        self.part += 1
        name = self.title if self.part == 1 else f"{self.title}{self.part}"
        self.ws = self.wb.create_sheet(name)
        self.ws.freeze_panes = "A2"
        _print_setup(self.ws)
        for i, (_, width, _) in enumerate(self.columns, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = width
        header = []
        for label, _, _ in self.columns:
            cell = WriteOnlyCell(self.ws, value=label)
            cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
            header.append(cell)
        self.ws.append(header)
        self.rows = 1
        if self.rows_dir is not None:
            if self._out is not None:
                self._out.close()
            self._out = DeflatedRows(self.rows_dir / f"{len(self.wb.worksheets)}.xml.deflate")
            self.parts.append((self.ws, self._out))

    def append(self, values: Iterable, *, highlight: bool = False, bold: bool = False,
               links: dict[int, str] | None = None) -> None:
        if self.rows >= EXCEL_MAX_ROWS:
            self._finish_part()
            self._new_part()
        if self._out is not None and not links:
            self._append_xml(values, highlight, bold)
            return
        row = []
        for i, (value, (_, _, kind)) in enumerate(zip(values, self.columns, strict=True)):
            if value is None or value == "":
                cell_value = None
            elif kind in ("money", "area") and isinstance(value, Decimal):
                cell_value = float(value)  # a number cell; exact to the fen at this size
            else:
                cell_value = value
            styled = highlight or bold or kind in ("money", "area", "long") or (links and i in links)
            if isinstance(cell_value, str) and not cell_value.isprintable():
                cell_value = ILLEGAL_CHARACTERS_RE.sub("", cell_value)  # openpyxl refuses them
            if isinstance(cell_value, str) and cell_value[:1] in ("=", "+", "-", "@"):
                cell = WriteOnlyCell(self.ws, value=cell_value)
                cell.data_type = "s"  # never a formula
                styled = True
            elif styled:
                cell = WriteOnlyCell(self.ws, value=cell_value)
            else:
                row.append(cell_value)
                continue
            self._dress(cell, kind, highlight, bold)
            if links and i in links:
                cell.hyperlink = links[i]
                cell.font = Font(color="0563C1", underline="single")
            row.append(cell)
        self.ws.append(row)
        self.rows += 1

    @staticmethod
    def _dress(cell, kind: str, highlight: bool, bold: bool) -> None:
        if kind == "money":
            cell.number_format = MONEY
        elif kind == "area":
            cell.number_format = AREA
        elif kind == "long":
            cell.alignment = _WRAP
        if highlight:
            cell.fill = _PROBLEM_FILL
        if bold:
            cell.font = _TOTAL_FONT

    def _style(self, kind: str, highlight: bool, bold: bool) -> int:
        """The workbook's style index for a cell of this kind (0: none); registered once per combination."""
        key = (kind if kind in ("money", "area", "long") else "", highlight, bold)
        index = self._styles.get(key)
        if index is None:
            cell = WriteOnlyCell(self.ws)
            self._dress(cell, *key)
            index = self._styles[key] = cell.style_id if any(key) else 0
        return index

    def _cell_heads(self, highlight: bool, bold: bool) -> list[str]:
        """Per column, the start of a cell's tag (with its style) for rows of this highlighting: worked out once per
        sheet, not once per cell. Cells carry no reference: each row and cell is numbered by its place (the data
        rows follow the header row; a row's every cell is written), so the XML of a row does not depend on where
        it falls and rows written by an earlier run can be used again (see _Fragments)."""
        key = (highlight, bold)
        heads = self._heads.get(key)
        if heads is None:
            heads = self._heads[key] = [f'<c s="{style}"' if style else "<c"
                                        for style in (self._style(kind, highlight, bold) for _, _, kind in self.columns)]
        return heads

    def signature(self) -> str:
        """What the XML of a row depends on besides its values: the cells' styles."""
        return repr([self._cell_heads(highlight, False) for highlight in (False, True)])

    def _append_xml(self, values: Iterable, highlight: bool, bold: bool) -> None:
        self.rows += 1
        self._out.write(self._row_xml(values, highlight, bold))

    def _row_xml(self, values: Iterable, highlight: bool, bold: bool = False) -> str:
        """One data row as SpreadsheetML: text as inline strings (never a formula), numbers exact."""
        parts = ["<row>"]
        append = parts.append
        for head, value in zip(self._cell_heads(highlight, bold), values, strict=True):
            cls = value.__class__  # the common classes first, by identity (a million rows of 15 cells)
            if cls is str and value:  # (what _text does, written out: a call per cell costs a tenth)
                if len(value) > _EXCEL_MAX_TEXT:
                    value = value[:_EXCEL_MAX_TEXT]
                if _UNSAFE.search(value):
                    value = value.translate(_XML_TEXT)
                if value[:1].isspace() or value[-1:].isspace():
                    append(f'{head} t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>')
                else:
                    append(f'{head} t="inlineStr"><is><t>{value}</t></is></c>')
            elif value is None or cls is str:
                append(f"{head}/>")
            elif cls is Decimal:
                append(f"{head}><v>{value:f}</v></c>")
            elif cls is int:
                append(f"{head}><v>{value}</v></c>")
            elif isinstance(value, bool):
                append(f'{head} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, Decimal):
                append(f"{head}><v>{value:f}</v></c>")
            elif isinstance(value, (int, float)):
                append(f"{head}><v>{value!r}</v></c>")
            else:
                append(f'{head} t="inlineStr"><is><t{_text(str(value))}</t></is></c>')
        append("</row>")
        return "".join(parts)

    def append_rows(self, rows: list[tuple[list, bool]], fragments: _Fragments) -> None:
        """Rows (values, highlighted) of one source file, their XML from an earlier run where they are the same."""
        if self._out is None or self.rows + len(rows) >= EXCEL_MAX_ROWS:
            for values, highlight in rows:
                self.append(values, highlight=highlight)
            return
        self._out.write_piece(*fragments.piece(self, rows))
        self.rows += len(rows)

    def legend(self, text: str) -> None:
        """A last row, after a blank one, saying what the highlighting means (outside the filter's range)."""
        self._data_rows = self.rows
        if self._out is None:
            self.ws.append([])
            self.ws.append([text])
        else:
            self.rows += 1
            self._out.write(f'<row r="{self.rows + 1}"><c r="A{self.rows + 1}" t="inlineStr"><is><t>'
                            f'{text.translate(_XML_TEXT)}</t></is></c></row>')
        self.rows += 1

    def _finish_part(self) -> None:
        last = get_column_letter(len(self.columns))
        self.ws.auto_filter.ref = f"A1:{last}{max(getattr(self, '_data_rows', self.rows), 2)}"

    def finish(self) -> None:
        self._finish_part()
        if self._out is not None:
            self._out.close()
            self._out = None

    def splices(self) -> dict[str, DeflatedRows]:
        """Zip entry of each part's sheet -> its data rows (after the workbook has been laid out)."""
        return {f"xl/worksheets/sheet{self.wb.worksheets.index(ws) + 1}.xml": rows for ws, rows in self.parts}


class _Fragments:
    """A piece of a source file's rows on a sheet as an earlier run wrote it (deflated, with its XML's CRC-32 and
    length), kept by what it was made from: the code, the sheet's cell styles and every value and highlight of those
    rows. A re-run after one town's file changed copies the other files' rows from here into the workbook as they are
    (the rows' values are worked out again each run, never trusted)."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.used: set[str] = set()

    def piece(self, sheet: _TypedSheet, rows: list[tuple[list, bool]]) -> tuple[bytes, int, int]:
        """(deflated XML, its CRC-32, its length) of these rows."""
        if self.folder is None:
            return self._make(sheet, rows)
        key = hashlib.sha256(f"{code_key()}\n{sheet.signature()}\n{rows!r}".encode()).hexdigest()
        self.used.add(key)
        path = self.folder / f"{key}.rows"
        try:
            data = path.read_bytes()
            crc, size, check = struct.unpack("<IQI", data[:16])
            if zlib.crc32(memoryview(data)[16:]) == check:  # the file is whole: what follows the header sums to it
                return data[16:], crc, size
        except (OSError, struct.error):  # not kept yet, or damaged: made again
            pass
        made = self._make(sheet, rows)
        atomic_write_bytes(path, struct.pack("<IQI", made[1], made[2], zlib.crc32(made[0])) + made[0], durable=False)
        return made

    @staticmethod
    def _make(sheet: _TypedSheet, rows: list[tuple[list, bool]]) -> tuple[bytes, int, int]:
        xml = "".join(sheet._row_xml(values, highlight) for values, highlight in rows).encode("utf-8")
        return deflated(xml), zlib.crc32(xml), len(xml)

    def prune(self) -> None:
        """Forget the rows this run did not write (their file changed or is gone)."""
        for old in self.folder.glob("*") if self.folder is not None and self.folder.exists() else ():
            if old.name.removesuffix(".rows") not in self.used:
                old.unlink(missing_ok=True)


def _text(value: str) -> str:
    """An inline string's text after '<t': escaped, cut to what a cell holds, spaces at its ends kept."""
    text = value[:_EXCEL_MAX_TEXT]
    if _UNSAFE.search(text):
        text = text.translate(_XML_TEXT)
    if text[:1].isspace() or text[-1:].isspace():
        return f' xml:space="preserve">{text}'
    return f">{text}"


def _print_setup(ws) -> None:
    """A4 landscape, fitted to the page width, the header row on every page, page numbers in the footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = "1:1"
    ws.oddFooter.center.text = "&A　第 &P 页 共 &N 页"


def _open(books: Books, stage: NoticeStage | None) -> tuple[set[tuple], set[str]]:
    """The rows (file, sheet, row) and the villages holding a problem that still holds publication back."""
    decided = stage.readiness.decided if stage is not None else {}
    rows, villages = set(), set()
    for p in books.problems:
        if p.blocks == NEVER or (p.problem_id in decided and decided[p.problem_id].decision == CHECKED
                                 and p.blocks != FIX):
            continue
        rows.add((p.source_file, p.source_sheet, p.source_row))
        villages.add(p.village_code)
    if stage is not None:
        villages = {code for code in stage.readiness.villages if not stage.readiness.ready(code)}
    return rows, villages


def write_workbook(path: Path, books: Books, summary: list[SummaryRow], inputs: Path | None = None,
                   stage: NoticeStage | None = None, cache: Path | None = None) -> None:
    """The workbook at `path`; with a `cache` folder, the rows of files unchanged since the last run are not
    turned into XML again (see _Fragments)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
    fragments = _Fragments(cache)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".rows.") as tmp:
        rows_dir = Path(tmp)
        wb = Workbook(write_only=True)
        open_rows, held = _open(books, stage)
        sheets = [_readiness_sheet(wb, stage, rows_dir)] if stage is not None else []
        sheets.append(_village_sheet(wb, books, summary, rows_dir, held))
        households = _TypedSheet(wb, "户明细", HOUSEHOLD_COLUMNS, rows_dir)
        waiting = _fill_alongside(households, len(books.households), fragments,
                                  lambda: _fill_households(households, books, open_rows, fragments))
        sheets += [households, _bank_sheet(wb, books, rows_dir, open_rows, fragments),
                   _problem_sheet(wb, books, path, inputs, stage), _file_sheet(wb, books, rows_dir, open_rows)]
        waiting()
        fragments.prune()
        for sheet in sheets:
            if sheet is not households:
                sheet.legend(LEGEND)
                sheet.finish()
        stamp = datetime(books.year, 1, 1)
        wb.properties.created = stamp
        wb.properties.title = f"{books.year}年度惠农补贴对账工作簿（内部）"
        wb.properties.keywords = keywords("对账工作簿")  # kept when Excel, WPS or LibreOffice re-save it
        wb.custom_doc_props.append(StringProperty(name="generator", value=MARKER))
        splices = {entry: rows for sheet in sheets for entry, rows in sheet.splices().items()}
        write_stable_xlsx(path, wb.save, stamp.strftime("%Y-%m-%dT%H:%M:%SZ"), splices)


def _village_sheet(wb: Workbook, books: Books, summary: list[SummaryRow], rows_dir: Path, held: set[str]) -> _TypedSheet:
    towns = {v.code: v.town for v in books.villages.villages}
    sheet = _TypedSheet(wb, "村汇总", [("村代码", 14, "text"), ("乡镇", 10, "text"), ("村名", 10, "text"), ("补贴项目", 22, "long"),
                                ("户数", 6, "int"), ("应发", 13, "money"), ("实发", 13, "money"), ("失败", 12, "money"),
                                ("未发", 12, "money"), ("差额", 11, "money"), ("银行结果", 8, "text")], rows_dir)
    totals = [Decimal(0)] * 5
    households = 0
    for r in summary:
        covered = r.amount_paid is not None
        figures = [r.amount_due, r.amount_paid, r.amount_failed, r.amount_unpaid, r.difference]
        for i, v in enumerate(figures):
            totals[i] += v or 0
        households += r.households
        sheet.append([r.village_code, towns.get(r.village_code, ""), r.village_name, r.subsidy_type, r.households,
                      *figures, "有" if covered else "无"], highlight=r.village_code in held)
    sheet.append(["合计", "", "", "", households, *totals, ""], bold=True)
    return sheet


def _problems_at(books: Books) -> dict[tuple, list[str]]:
    """(file, sheet, row) -> the titles of the problems reported there."""
    out: dict[tuple, list[str]] = {}
    for p in books.problems:
        titles = out.setdefault((p.source_file, p.source_sheet, p.source_row), [])
        if KINDS[p.kind].title not in titles:
            titles.append(KINDS[p.kind].title)
    return out


def _fill_alongside(sheet: _TypedSheet, rows: int, fragments: _Fragments, fill: Callable[[], None]) -> Callable[[], None]:
    """Fill the sheet's rows (then its legend) in a forked process while the other sheets are written here; returns
    what waits for it. Only a sheet that fits on one part (the child cannot add sheets to this workbook) and whose
    styles are registered here first (the child's would not reach this workbook)."""
    for highlight in (False, True):
        sheet._cell_heads(highlight, False)

    def in_child() -> tuple[int, int, set[str], list[tuple[int, int]]]:
        fill()
        sheet.legend(LEGEND)
        sheet.finish()
        return sheet.rows, sheet._data_rows, fragments.used, [(rows.crc, rows.size) for _, rows in sheet.parts]

    if rows + 3 >= EXCEL_MAX_ROWS:
        in_child()
        return lambda: None
    done = alongside(in_child)

    def wait() -> None:
        sheet.rows, sheet._data_rows, used, sums = done()
        fragments.used |= used  # the rows the child wrote from the cache or kept in it
        for (_, written), (crc, size) in zip(sheet.parts, sums, strict=True):  # what the child wrote into the file
            written.crc, written.size = crc, size
        sheet.finish()  # this process's handle on the rows file (nothing written through it)
    return wait


def _fill_households(sheet: _TypedSheet, books: Books, open_rows: set[tuple], fragments: _Fragments) -> None:
    problems = _problems_at(books)
    for rows in _pieces(books.households):
        sheet.append_rows([_household_row(h, books, problems, open_rows) for h in rows], fragments)


PIECE_ROWS = 2_000


def _pieces(records: Iterable) -> Iterator[list]:
    """Records of one source file at a time, at most PIECE_ROWS of them (a county's bank file of 100,000 rows is not
    held as XML whole: the workbook is written where a million-row run's memory peaks)."""
    for _, same_file in groupby(records, key=attrgetter("file")):
        while piece := list(islice(same_file, PIECE_ROWS)):
            yield piece


def _household_row(h, books: Books, problems: dict[tuple, list[str]], open_rows: set[tuple]) -> tuple[list, bool]:
    outcome = books.outcome(h)
    label = STATUS_ZH[outcome.status]
    if outcome.status == PAID and h.amount is not None and outcome.paid != h.amount:
        label = STATUS_ZH["differs"]
    bank = "；".join(f"{'成功' if b.ok else '失败'}{(':' + b.reason) if b.reason else ''}"
                    f"（{b.file} 第{b.row}行）" for b in outcome.bank)
    at = (h.file, h.sheet, h.row)
    return ([h.village_code, h.village_name, h.subsidy, h.name, h.id, h.area, h.rate, h.amount, outcome.paid, label,
             "；".join(problems.get(at, ())), bank, h.file, h.sheet, h.row], at in open_rows)


def _bank_sheet(wb: Workbook, books: Books, rows_dir: Path, open_rows: set[tuple], fragments: _Fragments) -> _TypedSheet:
    sheet = _TypedSheet(wb, "银行明细", [("来源文件", 30, "long"), ("工作表", 10, "text"), ("行号", 6, "int"), ("户名", 10, "text"),
                                  ("证件号码", 21, "text"), ("账号", 22, "text"), ("金额", 11, "money"), ("补贴项目", 20, "long"),
                                  ("年度", 6, "int"), ("处理结果", 9, "text"), ("失败原因", 18, "long"),
                                  ("交易日期", 11, "text"), ("对账结果", 14, "text"), ("对应清册行", 34, "long")],
                   rows_dir)
    for payments in _pieces(_in_source_order(books.payments)):
        sheet.append_rows([_bank_row(p, books, open_rows) for p in payments], fragments)
    return sheet


def _bank_row(p, books: Books, open_rows: set[tuple]) -> tuple[list, bool]:
    outcome = books.payment_outcome(p)
    matched = "；".join(f"{h.file}“{h.sheet}”第{h.row}行" for h in outcome.matched)
    return ([p.file, p.sheet, p.row, p.name, p.id, p.account, p.amount, p.subsidy, outcome.year or p.year,
             p.status_text or ("成功" if p.ok else "失败"), p.reason, p.date, _OUTCOME_ZH.get(outcome.outcome, ""),
             matched], (p.file, p.sheet, p.row) in open_rows)


def _in_source_order(payments: list) -> Iterable:
    """Bank rows by file, sheet and row, sorted a file at a time (a sort key for each of a million rows at once
    is tens of MB at the workbook's peak)."""
    by_file: dict[str, list] = {}
    for p in payments:
        by_file.setdefault(p.file, []).append(p)
    for file in sorted(by_file):
        yield from sorted(by_file[file], key=lambda p: (p.sheet, p.row))


def _problem_sheet(wb: Workbook, books: Books, path: Path, inputs: Path | None, stage: NoticeStage | None) -> _TypedSheet:
    """Every problem, ordered by town, village, file and row, with its decision and a link to its source row."""
    decided = stage.readiness.decided if stage is not None else {}
    places = {v.code: (v.town, v.short_name) for v in books.villages.villages}
    sheet = _TypedSheet(wb, "问题清单", [("问题编号", 26, "long"), ("乡镇", 10, "text"), ("村名", 10, "text"), ("村代码", 14, "text"),
                                  ("问题", 14, "long"), ("公示前", 16, "long"), ("决定", 20, "long"), ("来源文件", 26, "long"),
                                  ("工作表", 10, "text"), ("行号", 6, "int"), ("应为", 12, "long"), ("表中为", 12, "long"),
                                  ("说明", 44, "long"), ("怎么处理", 30, "long"), ("打开源文件", 8, "text")])
    ordered = sorted(books.problems, key=lambda p: (*places.get(p.village_code, ("\uffff", "")), p.village_code,
                                                    p.source_file, p.source_row or 0))
    for p in ordered:
        links = {}
        if inputs is not None and p.source_file:
            target = os.path.relpath(inputs / p.source_file, path.parent).replace(os.sep, "/")
            if p.source_sheet and not p.source_file.lower().endswith(".csv"):
                target += f"#'{p.source_sheet}'!A{p.source_row or 1}"
            links[14] = target
        decision = decided.get(p.problem_id)
        town, village = places.get(p.village_code, ("", ""))
        sheet.append([p.problem_id, town, village, p.village_code, KINDS[p.kind].title, BLOCKS_ZH[p.blocks],
                      decision.text() if decision else "", p.source_file, p.source_sheet, p.source_row, p.expected,
                      p.found, p.detail, KINDS[p.kind].action, "打开" if links else ""],
                     highlight=p.blocks != NEVER and (decision is None or decision.decision != CHECKED or p.blocks == FIX),
                     links=links)
    return sheet


def _readiness_sheet(wb, stage, rows_dir: Path) -> _TypedSheet:
    """公示准备: per village, ready or held back and why; then the lines of decisions.csv that do nothing."""
    ready = stage.readiness
    shown = {p.notice.village_code: p for p in stage.shown}
    sheet = _TypedSheet(wb, "公示准备", [("村代码", 14, "text"), ("乡镇", 10, "text"), ("村名", 10, "text"),
                                  ("公示准备", 9, "text"), ("公示文件", 20, "long"), ("原因", 80, "long")], rows_dir)
    for code, v in sorted(ready.villages.items(), key=lambda kv: (kv[1].town, kv[0])):
        ok = ready.ready(code)
        sheet.append([code, v.town, v.village_name, "可公示" if ok else "暂缓公示",
                      shown[code].status_text if code in shown else "", "；".join(ready.reasons(code))], highlight=not ok)
    for note in ready.notes:
        where = f"{note.file}第{note.line}行" if note.line else note.file
        sheet.append(["决定文件", "", "", "未起作用", where, f"{note.problem_id}：{note.note}" if note.problem_id else note.note])
    return sheet


def _file_sheet(wb: Workbook, books: Books, rows_dir: Path, open_rows: set[tuple]) -> _TypedSheet:
    files_open = {f for f, _, _ in open_rows}
    sheet = _TypedSheet(wb, "文件清单", [("文件", 44, "long"), ("格式", 12, "text"), ("识别为", 22, "long"), ("工作表数", 8, "int"),
                                  ("读取行数", 8, "int"), ("使用行数", 8, "int"), ("未使用行数", 9, "int"), ("说明", 44, "long")],
                   rows_dir)
    for f in books.files:
        sheet.append([f.file, f.format, f.recognised_as, f.sheets, f.rows, f.used, f.not_used, f.note],
                     highlight=f.file in files_open)
    return sheet
