"""PDF/A-2b identification for the notices, as far as the tools here allow (pikepdf post-processing).

reportlab has no PDF/A mode; this adds an sRGB OutputIntent, XMP metadata (pdfaid part 2, conformance B,
title, subject, creator, dates) and a deterministic document ID. Fonts are already embedded as subsets and
the text stays extractable. It is not a validator.
"""

from __future__ import annotations

import io
from datetime import date
from importlib import resources

import pikepdf


def _icc() -> bytes:
    return resources.files("subsidy").joinpath("data/sRGB.icc").read_bytes()


def make_pdfa(data: bytes, title: str, subject: str, author: str, when: date, keywords: str) -> bytes:
    """The PDF with an sRGB output intent and XMP that says what its document information says."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        icc = pikepdf.Stream(pdf, _icc())
        icc["/N"] = 3
        pdf.Root.OutputIntents = pikepdf.Array([pikepdf.Dictionary(
            Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFA1, OutputConditionIdentifier="sRGB IEC61966-2.1",
            Info="sRGB IEC61966-2.1", DestOutputProfile=icc)])
        stamp = f"{when.isoformat()}T00:00:00+00:00"
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["pdfaid:part"] = "2"
            meta["pdfaid:conformance"] = "B"
            meta["dc:title"] = title
            meta["dc:description"] = subject
            meta["pdf:Keywords"] = keywords
            meta["dc:creator"] = [author]
            meta["xmp:CreateDate"] = stamp
            meta["xmp:ModifyDate"] = stamp
            meta["xmp:MetadataDate"] = stamp
            meta["xmp:CreatorTool"] = "村务公开 subsidy disclosure"
            meta["pdf:Producer"] = str(pdf.docinfo.get("/Producer", "ReportLab"))
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, fix_metadata_version=False)
        return out.getvalue()
