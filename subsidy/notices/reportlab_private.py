"""Every use of reportlab's private API, in one place (reportlab is pinned below 6 for it): a canvas's document,
its page's operators and its string escaping (the notices draw text without building text objects), the
document's time stamp and file ID (same notice, same bytes), a catalog key the catalog does not list itself, the
ToUnicode CMap function and a font file's table reader (replaced: see fonts.py). tests/test_shims.py fails loudly
when a reportlab release changes any of them (check() says which)."""

from __future__ import annotations

from collections.abc import Callable

from reportlab.pdfbase import ttfonts
from reportlab.pdfgen.canvas import Canvas


def document(c: Canvas):
    """The canvas's PDFDocument (fonts split strings into subsets against it)."""
    return c._doc


def escaper(c: Canvas) -> Callable[[str], str]:
    """The canvas's own escaping of a PDF string's characters."""
    return c._escape


def emit(c: Canvas, operators: str) -> None:
    """Content-stream operators onto the current page, as a text object would write them."""
    c._code.append(operators)


def set_time_stamp(c: Canvas, stamp) -> None:
    """The document's creation and modification dates (a TimeStamp), instead of the clock's."""
    c._doc._timeStamp = stamp


def set_file_id(c: Canvas, file_id: bytes) -> None:
    """The trailer's /ID, already formatted."""
    c._doc._ID = file_id


def add_catalog_key(catalog, key: str, value) -> None:
    """A key of the document catalog that reportlab's catalog does not write by itself (it writes only those it
    lists in __NoDefault__)."""
    catalog.__NoDefault__ = [*catalog.__NoDefault__, key]
    setattr(catalog, key, value)


def replace_to_unicode_cmap(make: Callable[[str, list[int]], str]) -> None:
    ttfonts.makeToUnicodeCMap = make


ORIGINAL_GET_TABLE = ttfonts.TTFontFile.get_table


def replace_get_table(get_table: Callable) -> None:
    ttfonts.TTFontFile.get_table = get_table


def check() -> list[str]:
    """What of the above this reportlab lacks (empty when all is there)."""
    import io

    c = Canvas(io.BytesIO())
    missing = [name for name in ("_doc", "_escape", "_code") if not hasattr(c, name)]
    missing += [f"PDFDocument.{name}" for name in ("_timeStamp", "_ID", "Catalog") if not hasattr(c._doc, name)]
    missing += [] if hasattr(c._doc.Catalog, "__NoDefault__") else ["PDFCatalog.__NoDefault__"]
    missing += [f"ttfonts.{name}" for name in ("makeToUnicodeCMap", "TTFontFile") if not hasattr(ttfonts, name)]
    missing += [] if isinstance(getattr(c, "_code", None), list) else ["Canvas._code is no list"]
    return missing
