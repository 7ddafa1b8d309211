"""The bundled notice fonts and per-character fallback.

Body text uses NoticeSong (a 宋体-like face, Noto Serif SC), headings NoticeSong-Bold; a character the face
lacks falls back, character by character, to NoticeFallback-CJK and then NoticeFallback-ExtB (CJK Extension B
and beyond). A character no bundled font has is reported before publishing, never drawn as a blank or a box.
The fonts are OFL; scripts/build_fonts.py made them (subsidy/data/fonts/OFL.txt).

reportlab writes a malformed ToUnicode entry for characters above U+FFFF; `_patch_to_unicode` makes it
write the UTF-16 surrogate pair PDF expects, so every character comes back out as text. `_patch_tables` keeps
each font table reportlab reads instead of copying it out of the font file again for every notice.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from subsidy.notices import reportlab_private as rl

REGULAR, BOLD, FALLBACK_CJK, FALLBACK_EXTB = "NoticeSong", "NoticeSong-Bold", "NoticeFallback-CJK", "NoticeFallback-ExtB"
FILES = {REGULAR: "NoticeSong-Regular.ttf", BOLD: "NoticeSong-Bold.ttf", FALLBACK_CJK: "NoticeFallback-CJK.ttf",
         FALLBACK_EXTB: "NoticeFallback-ExtB.ttf"}
_CHAINS = {REGULAR: (REGULAR, FALLBACK_CJK, FALLBACK_EXTB), BOLD: (BOLD, REGULAR, FALLBACK_CJK, FALLBACK_EXTB)}
_INVISIBLE = {" ", "\u3000", "\n", "\t"}


def _make_to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode CMap, with characters above U+FFFF written as UTF-16BE surrogate pairs."""
    entries = [f"<{i:02X}> <{chr(v).encode('utf-16-be').hex().upper()}>" for i, v in enumerate(subset)]
    return "\n".join([
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap", "/CIDSystemInfo",
        f"<< /Registry ({fontname})", f"/Ordering ({fontname})", "/Supplement 0", ">> def",
        f"/CMapName /{fontname} def", "/CMapType 2 def", "1 begincodespacerange", f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange", f"{len(subset)} beginbfchar", *entries, "endbfchar", "endcmap",
        "CMapName currentdict /CMap defineresource pop", "end", "end",
    ])




def _kept_table(self: ttfonts.TTFontFile, tag: str) -> bytes:
    """A font table, sliced out of the font file once: reportlab copies the whole glyf table (megabytes for a CJK
    font) out again for every subset, that is for every notice it writes."""
    kept = self.__dict__.setdefault("_kept_tables", {})
    if tag not in kept:
        kept[tag] = rl.ORIGINAL_GET_TABLE(self, tag)
    return kept[tag]


def font_path(name: str) -> Traversable:
    return resources.files("subsidy").joinpath("data/fonts").joinpath(FILES[name])


@lru_cache(maxsize=1)
def register() -> dict[str, frozenset[int]]:
    """Register the bundled fonts with reportlab (once per process); returns each font's characters."""
    rl.replace_to_unicode_cmap(_make_to_unicode_cmap)
    rl.replace_get_table(_kept_table)
    covered = {}
    for name in FILES:
        path = font_path(name)
        with resources.as_file(path) as real:
            font = TTFont(name, str(real))
        pdfmetrics.registerFont(font)
        covered[name] = frozenset(font.face.charToGlyph)
    return covered


@lru_cache(maxsize=len(_CHAINS))
def _own_characters(face: str) -> frozenset[str]:
    """The characters the face's own font draws (a text made only of them is one run)."""
    return frozenset(map(chr, register()[_CHAINS[face][0]])) | _INVISIBLE


def runs(text: str, face: str = REGULAR) -> list[tuple[str, str]]:
    """Split `text` into (font, piece) runs, each character in the first font of the face's chain that has it.
    Raises MissingGlyph for a character no bundled font has."""
    if _own_characters(face).issuperset(text):  # nearly every text: no fallback, one run
        return [(_CHAINS[face][0], text)] if text else []
    covered = register()
    chain = _CHAINS[face]
    out: list[tuple[str, str]] = []
    for ch in text:
        if ch in _INVISIBLE:
            font = out[-1][0] if out else chain[0]
        else:
            code = ord(ch)
            font = next((f for f in chain if code in covered[f]), None)
            if font is None:
                raise MissingGlyph(ch)
        if out and out[-1][0] == font:
            out[-1] = (font, out[-1][1] + ch)
        else:
            out.append((font, ch))
    return out


@lru_cache(maxsize=1)
def _every() -> frozenset[int]:
    covered = register()
    return covered[REGULAR] | covered[FALLBACK_CJK] | covered[FALLBACK_EXTB]


@lru_cache(maxsize=1)
def _uncovered() -> re.Pattern:
    """Any one character no bundled font has (and not one drawn as blank space): a class of the covered ranges."""
    codes = sorted(_every() | {ord(ch) for ch in _INVISIBLE})
    ranges, start, end = [], codes[0], codes[0]
    for code in codes[1:]:
        if code != end + 1:
            ranges.append((start, end))
            start = code
        end = code
    ranges.append((start, end))
    return re.compile("[^" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]")


def missing(text: str) -> list[str]:
    """The characters of `text` that no bundled font has (one scan in C rules out nearly every text)."""
    if not _uncovered().search(text):
        return []
    every = _every()
    return sorted(ch for ch in set(text) if ord(ch) not in every and ch not in _INVISIBLE)


def width(text: str, size: float, face: str = REGULAR) -> float:
    return sum(pdfmetrics.stringWidth(piece, font, size) for font, piece in runs(text, face))


class MissingGlyph(ValueError):
    """A character that no bundled font can draw."""

    def __init__(self, char: str):
        super().__init__(f"字符“{char}”（U+{ord(char):04X}）没有可用字体")
        self.char = char
