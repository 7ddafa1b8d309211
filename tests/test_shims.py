"""The libraries' private API the tool relies on is all in one shim module per library; these fail loudly, naming
what changed, when a release of reportlab or Python's zipfile no longer has it."""

import ast
import io
import zipfile
import zlib
from pathlib import Path

import reportlab

from subsidy.notices import reportlab_private
from subsidy.staff import zipfile_private

ROOT = Path(__file__).resolve().parent.parent


def test_reportlab_still_has_what_the_notices_rely_on():
    assert reportlab_private.check() == [], f"reportlab {reportlab.Version} changed: see subsidy/notices/reportlab_private.py"


def test_zipfile_still_has_what_the_workbook_relies_on():
    assert zipfile_private.check() == [], "zipfile changed: see subsidy/staff/zipfile_private.py"


def test_an_entry_written_from_pieces_deflated_beforehand_reads_back():
    data = b"<row>" * 5000
    packer = zlib.compressobj(1, zlib.DEFLATED, -15)
    pieces = [packer.compress(data[:7000]), packer.compress(data[7000:]) + packer.flush()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        entry = zipfile.ZipInfo("sheet.xml", date_time=(1980, 1, 1, 0, 0, 0))
        entry.compress_type = zipfile.ZIP_DEFLATED
        zipfile_private.set_level(entry, 1)
        zipfile_private.write_deflated_entry(dst, entry, pieces, zlib.crc32(data), len(data))
        dst.writestr("after.txt", b"next")
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None and z.read("sheet.xml") == data and z.read("after.txt") == b"next"


def test_no_other_module_touches_those_libraries_private_names():
    """A private attribute of a canvas, a PDF document, a font file or a zip file is used in its shim only."""
    private = {"_doc", "_code", "_escape", "_timeStamp", "_ID", "__NoDefault__", "_writecheck", "_didModify",
               "_compresslevel", "makeToUnicodeCMap", "get_table"}
    shims = {ROOT / "subsidy/notices/reportlab_private.py", ROOT / "subsidy/staff/zipfile_private.py"}
    found = [f"{path.relative_to(ROOT)}:{node.lineno} {node.attr}" for path in (ROOT / "subsidy").rglob("*.py")
             if path not in shims for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Attribute) and node.attr in private]
    assert found == []
