"""The tool never reads its own outputs back as inputs.

Every workbook, PDF and zip the tool writes carries MARKER in its document properties (a workbook's keywords and a
custom property, which Excel, WPS and LibreOffice keep when they re-save it; a PDF's keywords and XMP; a zip's
comment), and every CSV it writes starts with a header of its own. `own_kind` recognises such a file wherever it
lies among the inputs, so that it is listed as 本工具生成的文件（未读取） and never read as a roster or bank file.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from subsidy.base.textfiles import decode
from subsidy.columns import OUR_CSV_HEADERS

MARKER = "subsidy-disclosure"
OWN_FILE = "本工具生成的文件（未读取）"
OUTPUT_FOLDER = "本工具的输出文件夹（未读取）"
_PROPERTY_PARTS = ("docProps/core.xml", "docProps/custom.xml", "docProps/app.xml", "meta.xml")
_MARKER_BYTES = MARKER.encode()


def own_kind(path: Path) -> str | None:
    """What kind of our own output `path` is ('工作簿', 'PDF', '压缩包', 'CSV'), or None when it is not ours."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".ods"):
            return "工作簿" if _zip_parts_mark(path) else None
        if suffix == ".zip":
            return "压缩包" if _zip_comment_mark(path) else None
        if suffix == ".pdf":
            return "PDF" if _pdf_mark(path) else None
        if suffix == ".csv":
            return "CSV" if _csv_header(path) in our_csv_headers() else None
    except (OSError, zipfile.BadZipFile, ValueError, RuntimeError):
        return None
    return None


def _zip_parts_mark(path: Path) -> bool:
    with zipfile.ZipFile(path) as book:
        names = set(book.namelist())
        return any(_MARKER_BYTES in book.read(part) for part in _PROPERTY_PARTS if part in names)


def _zip_comment_mark(path: Path) -> bool:
    with zipfile.ZipFile(path) as z:
        return _MARKER_BYTES in z.comment


def _pdf_mark(path: Path) -> bool:
    import pikepdf

    with pikepdf.open(path) as pdf:
        keywords = str(pdf.docinfo.get("/Keywords", ""))
        if MARKER in keywords:
            return True
        with pdf.open_metadata() as meta:
            return MARKER in str(meta.get("pdf:Keywords", ""))


def _csv_header(path: Path) -> tuple[str, ...]:
    with open(path, "rb") as f:
        head = f.read(4096)
    text, _ = decode(head.split(b"\n", 1)[0].rstrip(b"\r"))
    return tuple(cell.strip().strip('"') for cell in text.split(","))


def our_csv_headers() -> set[tuple[str, ...]]:
    """The header of every CSV the tool writes (columns.py holds them all)."""
    return {tuple(h) for h in OUR_CSV_HEADERS}


def keywords(kind: str) -> str:
    """The keywords our files carry: what the file is, and the marker."""
    return f"{kind},{MARKER}"

