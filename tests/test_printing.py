"""The staff workbook printed as a clerk prints it: LibreOffice headless to PDF (skipped, saying how to install
it, where LibreOffice is missing)."""

import os
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from tests.sample_county import build

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None,
                                reason="LibreOffice is not installed (apt-get install libreoffice-calc-nogui fonts-noto-cjk)")


def test_every_sheet_prints_fitted_to_the_width_with_its_header_and_page_numbers(inputs, run_on, tmp_path):
    build(inputs)
    res = run_on(inputs)
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"),
                    str(res.outputs / "internal" / "reconciliation.xlsx")], check=True, env=env, capture_output=True,
                   timeout=240)
    pages = [p.extract_text() for p in PdfReader(tmp_path / "pdf" / "reconciliation.pdf").pages]
    by_sheet: dict[str, list[str]] = {}
    for text in pages:
        footer = re.search(r"(\S+)\s*第 (\d+) 页 共 (\d+) 页", text)
        assert footer, text[-200:]  # every page carries its sheet and page number
        by_sheet.setdefault(footer.group(1), []).append(text)
    assert set(by_sheet) == {"公示准备", "村汇总", "户明细", "银行明细", "问题清单", "文件清单"}
    for text in by_sheet["村汇总"]:  # the whole width on each page: first and last column, header repeated
        assert "村代码" in text and "银行结果" in text
    summary = "".join(by_sheet["村汇总"])
    for village in ("苍坡村", "周宅村", "梅岙村", "北山村"):
        assert village in summary
    assert "15,591.90" in summary
