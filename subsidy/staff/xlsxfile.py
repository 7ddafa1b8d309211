"""Stable .xlsx files: fixed timestamps, rows deflated ahead as byte-aligned pieces and spliced in, their CRC-32s
combined (crc32_combine: zlib's, which Python's zlib lacks)."""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from subsidy.base.files import atomic_write
from subsidy.staff.zipfile_private import set_level, write_deflated_entry

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
                    set_level(entry, _LEVEL)
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
        write_deflated_entry(dst, entry, [deflated(head), *iter(lambda: middle.read(1 << 20), b""),
                                     packer.compress(tail) + packer.flush()], crc, len(head) + rows.size + len(tail))
