"""Writing output files: atomically, deterministically, and safe to open in Excel.

CSV files are UTF-8 with a BOM so Excel opens them; a text cell starting with = + - @ (or a tab or
carriage return) is prefixed with an apostrophe so Excel never runs it as a formula. Anything that may
show full ID or account numbers goes under an `internal/` folder readable by its owner only.
"""

from __future__ import annotations

import csv
import ctypes
import io
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

_FORMULA_START = "=+-@\t\r"


def neutralise(value: object) -> object:
    """Make a cell text harmless in a spreadsheet: '=1+1' -> "'=1+1"."""
    if isinstance(value, str) and value and value[0] in _FORMULA_START:
        return "'" + value
    return value


def atomic_write_bytes(path: Path, data: bytes, durable: bool = True) -> None:
    atomic_write(path, lambda f: f.write(data), durable)


def atomic_write(path: Path, fill: Callable[[BinaryIO], object], durable: bool = True) -> None:
    """Write through `fill` to a temporary file beside `path`, then rename it over `path`: readers see the
    old file or the whole new one, never a half-written one. `durable=False` skips the fsyncs, for files every
    run rebuilds and checks (draft notices, the site): after a power cut such a file may be stale or empty, and
    the next run writes it again."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as f:
            fill(f)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.chmod(tmp, 0o644 if "internal" not in path.parts else 0o600)
        os.replace(tmp, path)
        if durable:
            fsync_folder(path.parent)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _syncfs(folder: Path) -> bool:
    """Flush the whole file system `folder` is on (Linux syncfs); False where there is no such call."""
    try:
        call = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError, TypeError):
        return False
    fd = os.open(folder, os.O_RDONLY)
    try:
        return call(fd) == 0
    finally:
        os.close(fd)


def sync_files(folder: Path, files: list[Path]) -> None:
    """Make `files` (all on the file system of `folder`) durable: one syncfs for all of them on Linux (a
    publication writes some 30,000 archive files; one fsync each cost a tenth of it), else an fsync per file."""
    if files and not _syncfs(folder):
        for path in files:
            with open(path, "rb+") as f:
                os.fsync(f.fileno())


def fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX; Windows has no directory handles to sync)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sweep_temporary(outputs: Path) -> int:
    """Remove what a killed run left half-written in a county-year's output folder (temporary files of atomic
    writes, the workbook's scratch folders); the archive's own staging is the archive's to clear. Call it holding
    the folder's lock. Returns how many were removed."""
    if not outputs.is_dir():
        return 0
    found = [p for p in outputs.glob(".*.tmp")] + [p for p in outputs.glob(".xlsx.*") if p.is_dir()]
    for folder in (outputs / "notices", outputs / "internal"):
        if folder.is_dir():
            found += [p for p in folder.rglob(".*.tmp")]
            found += [p for p in folder.glob(".rows.*") if p.is_dir()] + [p for p in folder.glob(".xlsx.*") if p.is_dir()]
    for path in found:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return len(found)


def read_rows(path: Path) -> list[dict]:
    """The rows of one of the tool's own CSV files as dicts ([] when the file is not there yet)."""
    if not path.exists():
        return []
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def write_csv(path: Path, header: Iterable[str], rows: Iterable[Iterable[object]], *, text_columns: set[int] | None = None) -> int:
    """Write a UTF-8-with-BOM CSV atomically; returns the number of data rows.

    `text_columns`: indexes of columns whose values come from users (names, details) and are neutralised;
    None neutralises every string cell.
    """
    count = 0

    def fill(f: BinaryIO) -> None:
        nonlocal count
        text = io.TextIOWrapper(f, encoding="utf-8", newline="", write_through=False)
        text.write("\ufeff")
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(list(header))
        for cells in _neutralised(rows, text_columns):
            writer.writerow(cells)  # None is written as an empty cell
            count += 1
        text.flush()
        text.detach()

    atomic_write(path, fill)
    return count


def _neutralised(rows: Iterable[Iterable[object]], text_columns: set[int] | None) -> Iterable[list]:
    """Each row as a list, its user texts made harmless (see neutralise)."""
    columns = sorted(text_columns) if text_columns is not None else None
    for row in rows:
        cells = list(row)
        for i in columns if columns is not None else range(len(cells)):
            cells[i] = neutralise(cells[i])
        yield cells


_MODIFIED = re.compile(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>")
_LEVEL = 1  # workbooks are rewritten every run: level 1 is 3x faster than 6, a quarter larger


def deflated(data: bytes) -> bytes:
    """`data` as a piece of raw deflate that ends on a byte boundary and does not end the stream: pieces made
    separately, one after another, are one valid stream once a last piece ends it (see DeflatedRows)."""
    packer = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(zlib.Z_SYNC_FLUSH)


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of A followed by B from the CRC-32s of A and B and B's length (zlib's crc32_combine, which
    Python's zlib module does not offer): a piece kept from an earlier run is not read again to sum it."""
    return _multiply(_x_to_the(length2 * 8), crc1) ^ crc2


def _multiply(a: int, b: int) -> int:
    """a times b modulo the CRC-32 polynomial (bit-reflected, as zlib's multmodp)."""
    product, bit = 0, 1 << 31
    while a:
        if a & bit:
            product ^= b
            a ^= bit
        bit >>= 1
        b = (b >> 1) ^ 0xEDB88320 if b & 1 else b >> 1
    return product


def _x_to_the(n: int) -> int:
    """x to the power n modulo the polynomial (a product of x^(2^k) for the bits k of n)."""
    result, k = 1 << 31, 0  # x^0
    while n:
        if n & 1:
            result = _multiply(_X_TO_2_TO_THE[k], result)
        n, k = n >> 1, k + 1
    return result


_X_TO_2_TO_THE = [1 << 30]  # x^1, x^2, x^4 … (up to lengths of 2^64 bits)
for _ in range(63):
    _X_TO_2_TO_THE.append(_multiply(_X_TO_2_TO_THE[-1], _X_TO_2_TO_THE[-1]))


class DeflatedRows:
    """A worksheet's data rows, written as raw deflate to `path` while they are made, with the CRC-32 and length of
    the XML they hold: fresh rows through one compressor, pieces kept from an earlier run copied in as they are.
    write_stable_xlsx puts the file into the workbook without compressing it again."""

    def __init__(self, path: Path):
        self.path, self.crc, self.size = path, 0, 0
        self._file = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._packer = None

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        if self._packer is None:
            self._packer = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
        self._file.write(self._packer.compress(data))
        self.crc, self.size = zlib.crc32(data, self.crc), self.size + len(data)

    def write_piece(self, piece: bytes, crc: int, size: int) -> None:
        """A piece made by deflated() from XML of that CRC-32 and length."""
        self._end_fresh()
        self._file.write(piece)
        self.crc, self.size = crc32_combine(self.crc, crc, size), self.size + size

    def _end_fresh(self) -> None:
        if self._packer is not None:
            self._file.write(self._packer.flush(zlib.Z_SYNC_FLUSH))
            self._packer = None

    def close(self) -> None:
        self._end_fresh()
        self._file.close()


def write_stable_xlsx(path: Path, save: Callable[[Path], object], stamp: str = "2000-01-01T00:00:00Z",
                      splices: dict[str, DeflatedRows] | None = None) -> None:
    """Save a workbook so that the same content gives the same bytes: openpyxl stamps the save time into
    docProps/core.xml and every zip entry; pin both. Streams entry by entry (a large workbook is not held
    in memory), then renames into place atomically. `splices`: zip entry of a worksheet -> its data rows, already
    deflated, to put at the end of its <sheetData>."""
    splices = splices or {}
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".xlsx.") as tmp:
        raw = Path(tmp) / "raw.xlsx"
        save(raw)

        def fill(f: BinaryIO) -> None:
            with zipfile.ZipFile(raw) as src, zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as dst:
                for info in src.infolist():
                    entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
                    entry.compress_type = zipfile.ZIP_DEFLATED
                    entry._compresslevel = _LEVEL
                    entry.external_attr = 0o600 << 16
                    if info.filename == "docProps/core.xml":
                        content = _MODIFIED.sub(rb"<dcterms:modified\1>" + stamp.encode() + rb"</dcterms:modified>",
                                                src.read(info.filename))
                        dst.writestr(entry, content)
                        continue
                    if info.filename in splices:
                        _splice_rows(src.read(info.filename), splices[info.filename], dst, entry)
                        continue
                    with src.open(info) as reader, dst.open(entry, "w") as writer:
                        shutil.copyfileobj(reader, writer, 1 << 20)

        atomic_write(path, fill)


def _splice_rows(sheet_xml: bytes, rows: DeflatedRows, dst: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
    """The worksheet with `rows` added at the end of its sheetData: its head deflated as a piece, the rows as they
    are, its tail ending the stream; the entry's CRC-32 combined from the three."""
    if b"<sheetData/>" in sheet_xml:
        head, tail = sheet_xml.split(b"<sheetData/>", 1)
        head, tail = head + b"<sheetData>", b"</sheetData>" + tail
    else:
        head, tail = sheet_xml.split(b"</sheetData>", 1)
        tail = b"</sheetData>" + tail
    packer = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
    crc = crc32_combine(crc32_combine(zlib.crc32(head), rows.crc, rows.size), zlib.crc32(tail), len(tail))
    with open(rows.path, "rb") as middle:
        _deflated_entry(dst, entry, [deflated(head), *iter(lambda: middle.read(1 << 20), b""),
                                     packer.compress(tail) + packer.flush()], crc, len(head) + rows.size + len(tail))


def _deflated_entry(dst: zipfile.ZipFile, entry: zipfile.ZipInfo, pieces: Iterable[bytes], crc: int, size: int) -> None:
    """Add an entry whose data is already deflated (what ZipFile.open(entry, "w") and its close do, without the
    compressing; the file is seekable, so the header is written again once the compressed size is known)."""
    zip64 = size * 1.05 > zipfile.ZIP64_LIMIT
    entry.flag_bits, entry.CRC, entry.file_size, entry.compress_size = 0, crc, size, 0
    dst.fp.seek(dst.start_dir)
    entry.header_offset = dst.fp.tell()
    dst._writecheck(entry)
    dst._didModify = True
    dst.fp.write(entry.FileHeader(zip64))
    for piece in pieces:
        dst.fp.write(piece)
        entry.compress_size += len(piece)
    dst.start_dir = dst.fp.tell()
    dst.fp.seek(entry.header_offset)
    dst.fp.write(entry.FileHeader(zip64))
    dst.fp.seek(dst.start_dir)
    dst.filelist.append(entry)
    dst.NameToInfo[entry.filename] = entry


def internal_dir(outputs: Path) -> Path:
    """The staff-only folder (full IDs and accounts may appear there), mode 0700."""
    path = outputs / "internal"
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path
