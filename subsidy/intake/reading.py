"""Reading every spreadsheet under the inputs folder into plain grids of cell values.

A grid row index i is the row a person sees in Excel as i + 1 (empty rows at the top are kept), or, for
CSV, the physical line on which the record starts. Merged cells are filled with their top-left value.
Nothing here raises for a bad file: it comes back with an `error` in Chinese.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

import python_calamine

from subsidy.base.textfiles import decode
from subsidy.intake.grid import InputFile, Sheet, _merged_ranges, fill_merged
from subsidy.intake.ownfiles import OUTPUT_FOLDER, OWN_FILE, own_kind

if TYPE_CHECKING:
    from subsidy.intake.catalogue import Catalogue

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et"}  # .et: WPS, read as the .xls it usually is
CSV_SUFFIXES = {".csv"}
EXPORT_SUFFIXES = {".xml", ".htm", ".html"}  # read when their content is a table (exports.py)
TEXT_SUFFIXES = {".txt", ".dat"}  # read when their content is a bank result file (banktext.py)
# settings files: read by their own modules, never as rosters; shared ones may sit above a county-year's folder
SHARED_SETTINGS = {"villages.csv", "subsidies.csv", "notice.toml", "contacts.csv"}
CONFIG_FILES = SHARED_SETTINGS | {"decisions.csv", "objections.csv"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MARKED_SUFFIXES = {".xlsx", ".xlsm", ".ods", ".csv", ".pdf", ".zip"}  # what the tool writes (see ownfiles)


def walk(inputs: Path, exclude: tuple[Path, ...] = ()) -> tuple[list[Path], list[Path]]:
    """(every file under `inputs`, sorted; the folders of `exclude` found inside it, whose files are left out)."""
    skip = {p.resolve() for p in exclude}
    files, skipped = [], []
    for root, dirs, names in os.walk(inputs):
        here = Path(root)
        for d in list(dirs):
            if (here / d).resolve() in skip:
                dirs.remove(d)
                skipped.append(here / d)
        files += [here / n for n in names if (here / n).is_file()]
    return sorted(files), sorted(skipped)


def discover(inputs: Path, exclude: tuple[Path, ...] = ()) -> list[InputFile]:
    """Every file under `inputs`, at any depth, sorted by relative path (deterministic); the tool's own outputs
    (the folders of `exclude` inside it, and files of ours wherever they are) are listed, never read."""
    paths, folders = walk(inputs, exclude)
    files = [InputFile(f, f.relative_to(inputs).as_posix() + "/", "", skipped="输出文件夹在输入文件夹内，整个跳过",
                       own=OUTPUT_FOLDER) for f in folders]
    for path in paths:
        rel = path.relative_to(inputs).as_posix()
        item = InputFile(path, rel, "", size=path.stat().st_size)
        name = path.name
        suffix = path.suffix.lower()
        own = own_kind(path) if suffix in _MARKED_SUFFIXES else None
        if own:
            item.skipped, item.own = f"本工具生成的{own}，未读取：请移出 inputs", OWN_FILE
        elif any(part.startswith(".") for part in path.relative_to(inputs).parts):
            item.skipped = "隐藏文件"
        elif name.startswith("~$") or name.startswith(".~"):
            item.skipped = "Excel/WPS 打开时留下的临时文件"
        elif name.lower() in CONFIG_FILES:
            item.skipped = "设置文件"
        elif suffix in WORKBOOK_SUFFIXES or suffix in CSV_SUFFIXES or suffix in EXPORT_SUFFIXES | TEXT_SUFFIXES:
            item.format = suffix.lstrip(".")
        else:
            item.skipped = "不是表格文件"
        files.append(item)
    return sorted(files, key=lambda f: f.rel)


def load(item: InputFile, catalogue: Catalogue | None = None) -> InputFile:
    """Read the sheets of one discovered file in place; returns the same object. What a file is comes from its
    content where names mislead: an HTML table or Excel 2003 XML saved as .xls, a bank's delimited text file."""
    if item.skipped:
        return item
    if item.size == 0:
        if item.format in {s.lstrip(".") for s in EXPORT_SUFFIXES | TEXT_SUFFIXES}:
            item.skipped = "不是表格文件（空文件）"
        else:
            item.error = "文件是空的（0字节）"
        return item
    if item.format in CSV_SUFFIXES_NAMES:
        return _load_csv(item)
    from subsidy.intake import exports

    with open(item.path, "rb") as f:
        kind = exports.sniff(f.read(4096))
    if kind is not None and item.format not in ("xlsx", "xlsm", "xlsb", "ods"):
        return _load_export(item, kind)
    if item.format in {s.lstrip(".") for s in TEXT_SUFFIXES}:
        return _load_bank_text(item, catalogue)
    if item.format in {s.lstrip(".") for s in EXPORT_SUFFIXES}:
        item.skipped = "不是表格文件"
        return item
    return _load_workbook(item)


def _load_export(item: InputFile, kind: str) -> InputFile:
    from subsidy.intake import exports

    try:
        data = item.path.read_bytes()
        item.sheets = exports.read_html_tables(data) if kind == "html" else exports.read_spreadsheetml(data)
        item.format = f"{item.format}（{'HTML表格' if kind == 'html' else 'Excel 2003 XML'}）"
    except Exception as exc:  # a damaged export: the clerk gets the reason, the run goes on
        item.sheets = []
        item.error = f"按内容是{'HTML表格' if kind == 'html' else 'Excel 2003 XML'}，但无法解析（{type(exc).__name__}）"
    return item


def _load_bank_text(item: InputFile, catalogue) -> InputFile:
    from subsidy.intake.banktext import read_bank_text
    from subsidy.intake.catalogue import Catalogue

    try:
        text, _ = decode(item.path.read_bytes())
    except (OSError, ValueError):
        item.skipped = "不是表格文件（文本编码无法识别）"
        return item
    sheet = read_bank_text(text, item.path.stem, catalogue or Catalogue.load()) if "\x00" not in text else None
    if sheet is None:
        item.skipped = "不是表格文件（文本文件，不是银行代发结果的格式）"
        return item
    item.sheets = [sheet]
    item.format = f"{item.format}（银行文本）"
    return item


CSV_SUFFIXES_NAMES = {s.lstrip(".") for s in CSV_SUFFIXES}


def _load_workbook(item: InputFile) -> InputFile:
    try:
        with open(item.path, "rb") as f:
            head = f.read(8)
        if head == _OLE_MAGIC and item.format in {"xlsx", "xlsm"}:
            item.error = "文件设置了打开密码（已加密），请去掉密码后另存为 .xlsx"
            return item
        if item.format == "et":
            with open(item.path, "rb") as f:
                book = python_calamine.CalamineWorkbook.from_filelike(f)
        else:
            book = python_calamine.CalamineWorkbook.from_path(str(item.path))
        for meta in book.sheets_metadata:
            if str(getattr(meta.typ, "name", meta.typ)) not in {"WorkSheet", "SheetTypeEnum.WorkSheet"}:
                continue
            sheet = book.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            filled = fill_merged(rows, _merged_ranges(sheet))
            hidden = str(meta.visible).rsplit(".", 1)[-1] != "Visible"  # SheetVisibleEnum.Hidden / VeryHidden
            item.sheets.append(Sheet(meta.name, rows, hidden=hidden, merged_rows=set(filled), _own=filled))
        book.close()
    except Exception as exc:  # calamine raises several unrelated types for damaged files
        item.sheets = []
        item.error = _explain_read_error(exc)
    return item


def _explain_read_error(exc: Exception) -> str:
    text = str(exc)
    lowered = text.lower()
    if "password" in lowered or "encrypt" in lowered:
        return "文件设置了打开密码（已加密），请去掉密码后重新导出"
    return f"文件已损坏或不是有效的表格文件，无法打开（{type(exc).__name__}: {text[:120]}）；可用 Excel 或 WPS 另存为 .xlsx 后放回"


# ---------------------------------------------------------------- CSV


def _load_csv(item: InputFile) -> InputFile:
    try:
        text, _encoding = decode(item.path.read_bytes())
    except (OSError, ValueError) as exc:
        item.error = str(exc)
        return item
    if "\x00" in text:
        item.error = "文件含有二进制内容，不是文本表格"
        return item
    sample = text[:20000]
    delimiter = max([",", "\t", ";", "|"], key=sample.count)
    if sample.count(delimiter) == 0:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, lines = [], []
    start = 1
    try:
        for record in reader:
            rows.append(record)
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        item.error = f"CSV 格式错误，第{start}行附近：{exc}"
        return item
    item.sheets.append(Sheet(item.path.stem, rows, line_numbers=lines))
    return item
