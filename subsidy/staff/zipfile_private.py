"""Every use of zipfile's private API, in one place: an entry's compression level, and an entry written from data
deflated beforehand (what ZipFile.open(entry, "w") and its close do, without compressing). tests/test_shims.py
fails loudly when a Python release changes what these rely on."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable

# what the functions below touch, besides ZipInfo.FileHeader: checked by check()
ZIPFILE_ATTRIBUTES = ("fp", "start_dir", "_writecheck", "_didModify", "filelist", "NameToInfo")


def set_level(entry: zipfile.ZipInfo, level: int) -> None:
    """The deflate level of one entry (ZipFile.writestr and open take it from the entry)."""
    entry._compresslevel = level


def write_deflated_entry(dst: zipfile.ZipFile, entry: zipfile.ZipInfo, pieces: Iterable[bytes], crc: int, size: int) -> None:
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


def check() -> list[str]:
    """What of the above this Python's zipfile lacks (empty when all is there)."""
    probe = zipfile.ZipFile(__import__("io").BytesIO(), "w")
    missing = [name for name in ZIPFILE_ATTRIBUTES if not hasattr(probe, name)]
    entry = zipfile.ZipInfo("x")
    missing += [] if hasattr(entry, "_compresslevel") and hasattr(entry, "FileHeader") else ["ZipInfo._compresslevel"]
    return missing
