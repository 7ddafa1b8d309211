"""Bytes to text: a BOM, UTF-8, GBK/GB18030 (as Excel and WPS save text files)."""

from __future__ import annotations

from pathlib import Path


def decode(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise ValueError("文件编码无法识别（不是 UTF-8、GBK 或 GB18030）") from exc


def read_text_file(path: Path) -> str:
    return decode(path.read_bytes())[0]
