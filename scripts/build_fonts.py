"""Build the bundled notice fonts once (the results are committed under subsidy/data/fonts/).

reportlab embeds only TrueType-outline (glyf) fonts, and no package ships a static Simplified-Chinese glyf
Song face, so this converts OFL fonts with fontTools:

  NoticeSong-Regular.ttf   body, 宋体-like: Noto Serif SC Regular (PyPI pylopdf-fonts-zh-cn), CFF -> glyf;
                           all of CJK Unified Ideographs and Extension A
  NoticeSong-Bold.ttf      headings, 小标宋-like: Noto Serif CJK SC Bold (Debian fonts-noto-cjk), GB 2312 and
                           ASCII/punctuation only (a rarer character in a heading falls back to the body face)
  NoticeFallback-CJK.ttf   ideographs Noto Serif CJK has and the SC face lacks (Extension B such as 𠮷)
  NoticeFallback-ExtB.ttf  HanaMinB (Debian fonts-hanazono): the rest of the Supplementary Ideographic Plane

Run: pip install fonttools pylopdf-fonts-zh-cn; apt-get install fonts-noto-cjk fonts-hanazono;
     python scripts/build_fonts.py
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

OUT = Path(__file__).resolve().parent.parent / "subsidy" / "data" / "fonts"
NOTO_CJK = Path("/usr/share/fonts/opentype/noto")
HANAZONO = Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf")
BASIC = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100)) | set(range(0x2000, 0x2070)) | set(range(0x3000, 0x3040)) | set(
    range(0xFF00, 0xFFF0)) | {0x00B7, 0x2014, 0x2026, 0x25A1, 0x3007, 0x2116, 0x2103}


def gb2312() -> set[int]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return chars


def do_subset(font: TTFont, unicodes: set[int]) -> TTFont:
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    sub = subset.Subsetter(options)
    sub.populate(unicodes=unicodes)
    sub.subset(font)
    return font


def cff_to_glyf(font: TTFont) -> TTFont:
    """Quadratic TrueType outlines from CFF (max error 1 unit), as reportlab needs."""
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = {}
    for name in glyph_order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr, value in dict(maxZones=1, maxTwilightPoints=0, maxStorage=0, maxFunctionDefs=0, maxInstructionDefs=0,
                            maxStackElements=0, maxSizeOfInstructions=0, maxComponentElements=0).items():
        setattr(maxp, attr, value)
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0
    font.sfntVersion = "\x00\x01\x00\x00"
    return font


def rename(font: TTFont, family: str, style: str) -> None:
    """A unique PostScript name (reportlab silently aliases fonts with the same one)."""
    ps = f"{family}-{style}"
    for record in font["name"].names:
        if record.nameID in (1, 16):
            record.string = family
        elif record.nameID in (2, 17):
            record.string = style
        elif record.nameID == 4:
            record.string = f"{family} {style}"
        elif record.nameID == 6:
            record.string = ps


def save(font: TTFont, name: str) -> set[int]:
    OUT.mkdir(parents=True, exist_ok=True)
    font.save(OUT / name)
    cmap = set(font.getBestCmap())
    print(f"{name}: {len(cmap)} characters, {(OUT / name).stat().st_size / 1e6:.1f} MB", flush=True)
    return cmap


def main() -> None:
    import pylopdf_fonts_zh_cn

    serif_sc = Path(str(resources.files(pylopdf_fonts_zh_cn).joinpath("NotoSerifSC-Regular.otf")))
    body = TTFont(serif_sc)
    body_cmap = set(body.getBestCmap())
    rename(cff_to_glyf(body), "NoticeSong", "Regular")
    save(body, "NoticeSong-Regular.ttf")

    bold = TTFont(NOTO_CJK / "NotoSerifCJK-Bold.ttc", fontNumber=2)  # the SC face
    do_subset(bold, (gb2312() | BASIC) & set(bold.getBestCmap()))
    rename(cff_to_glyf(bold), "NoticeSong", "Bold")
    save(bold, "NoticeSong-Bold.ttf")

    cjk = TTFont(NOTO_CJK / "NotoSerifCJK-Regular.ttc", fontNumber=2)
    ideographs = {c for c in cjk.getBestCmap() if 0x3400 <= c <= 0x9FFF or 0xF900 <= c <= 0xFAFF or c >= 0x20000}
    do_subset(cjk, ideographs - body_cmap)
    rename(cff_to_glyf(cjk), "NoticeFallbackCJK", "Regular")
    covered = body_cmap | save(cjk, "NoticeFallback-CJK.ttf")

    hana = TTFont(HANAZONO)
    do_subset(hana, {c for c in hana.getBestCmap() if c >= 0x20000} - covered)
    rename(hana, "NoticeFallbackExtB", "Regular")
    save(hana, "NoticeFallback-ExtB.ttf")


if __name__ == "__main__":
    sys.exit(main())
