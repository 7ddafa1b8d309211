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
import shutil
import tempfile
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


def internal_dir(outputs: Path) -> Path:
    """The staff-only folder (full IDs and accounts may appear there), mode 0700."""
    path = outputs / "internal"
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path
