"""The one check every public text passes before a publication is committed (公开内容核查).

Public files are the web copies of the notices (网上公布版), the site's pages and scripts and the open data. Every
text about to be written into one of them goes through `Guard.check`: never a full ID or bank account number;
while names are masked on the web (web_mask_names, the default), never the full name of a household or cadre
either. A hit raises `PublicLeak`, naming the file and the field, and the publication stops before anything of it
is renamed into place. The posters for the board keep full names; only what goes to the internet is checked.

Finding a full name in a text: the text's runs of Chinese characters are taken apart at the words the public is
meant to read (village, town and county names, subsidy names and their policy basis, the office's own settings
texts, the tool's column labels), and what remains is looked up in the names of the village's households and
cadres. A name of three or more characters counts wherever it stands; a two-character name only where it stands
alone between punctuation (徐平（…）, a table cell), since two characters inside running text (资金发放) are far
more often ordinary words than a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from subsidy.privacy import find_unmasked, mask_name

# a run of Chinese characters (with the middle dot of minority names: 阿依古丽·买买提)
_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f\u00b7\u30fb]+")
# the tool's own labels and status words: never a person, whatever a roster names someone
OWN_WORDS = ("序号", "户主姓名", "姓名", "身份证号", "面积", "标准", "金额", "发放情况", "备注", "职务", "补贴项目",
             "小计", "合计", "盖章", "已发放", "未发放", "发放失败", "金额不符", "同名待核实", "姓名缺失", "应发", "实发",
             "户数", "村代码", "乡镇", "年度", "公示", "核验码", "更正公示", "大字版", "网上公布版", "首次公示")

LEAK_TEMPLATE = ("公开内容中有{what}：{file} 的“{field}”（{found}）。本次公示未进行，任何内容都没有公开；"
                 "请改正后再运行 subsidy publish")
_WHAT = {"number": "完整的身份证号或银行账号", "name": "完整姓名（网上公布的姓名须部分隐去）"}


@dataclass(frozen=True, kw_only=True)
class Leak:
    """What the check found: in which public file, which field, what kind, and the find masked."""

    file: str
    field: str
    kind: str  # number | name
    found: str  # masked: 330324…142X, 徐*平

    def text(self) -> str:
        return LEAK_TEMPLATE.format(what=_WHAT[self.kind], file=self.file, field=self.field, found=self.found)


class PublicLeak(Exception):
    """A public text held a full number or name; args[0] is the Leak (picklable: raised in drawing workers)."""

    @property
    def leak(self) -> Leak:
        return self.args[0]

    def __str__(self) -> str:
        return self.leak.text()


class NameFinder:
    """Full names (two characters or more) in texts, outside the words the public is meant to read."""

    def __init__(self, names: Iterable[str], allowed: Iterable[str] = ()):
        given = {n for n in (str(s).strip() for s in names) if len(n) >= 2}
        self.names = {n for n in given if _RUN.fullmatch(n)}
        # names with other characters in them (户主12, 张三A): looked for as they are, wherever they stand
        odd = sorted((n for n in given - self.names if _RUN.search(n) and "*" not in n), key=len, reverse=True)
        self.odd = re.compile("|".join(map(re.escape, odd))) if odd else None
        self.lengths = sorted({len(n) for n in self.names if len(n) >= 3}, reverse=True)
        words = {w for a in (*allowed, *OWN_WORDS) for w in _RUN.findall(str(a)) if len(w) >= 2}
        self.allowed = words  # a name that is also a place name (王村) is the place's
        self.allowed_lengths = sorted({len(w) for w in self.allowed}, reverse=True)

    def pieces(self, run: str) -> list[tuple[int, str]]:
        """The parts of a run of Chinese characters left between the allowed words (longest word first)."""
        out, start, i = [], 0, 0
        while i < len(run):
            word = next((length for length in self.allowed_lengths if run[i:i + length] in self.allowed), 0)
            if word:
                if i > start:
                    out.append((start, run[start:i]))
                i += word
                start = i
            else:
                i += 1
        if start < len(run):
            out.append((start, run[start:]))
        return out

    def spans(self, text: str, loose: bool = False) -> list[tuple[int, int]]:
        """(start, end) of each full name in `text`; `loose`: two-character names inside running text too."""
        found = [m.span() for m in self.odd.finditer(text)] if self.odd is not None else []
        if not self.names:
            return found
        for match in _RUN.finditer(text):
            if match.end() - match.start() < 2:
                continue
            for offset, piece in self.pieces(match.group()):
                base = match.start() + offset
                found += [(base + a, base + b) for a, b in self._in_piece(piece, loose)]
        return found

    def _in_piece(self, piece: str, loose: bool) -> list[tuple[int, int]]:
        if piece in self.names:
            return [(0, len(piece))]
        lengths = self.lengths + ([2] if loose else [])
        out, i = [], 0
        while i < len(piece) - 1:
            length = next((n for n in lengths if piece[i:i + n] in self.names), 0)
            if length:
                out.append((i, i + length))
                i += length
            else:
                i += 1
        return out

    @staticmethod
    def _disjoint(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        for a, b in sorted(spans):
            if not out or a >= out[-1][1]:
                out.append((a, b))
        return out

    def find(self, text: str) -> str | None:
        spans = self.spans(text)
        return text[spans[0][0]:spans[0][1]] if spans else None

    def mask(self, text: str) -> str:
        """`text` with every full name in it masked (张*明), two-character ones inside running text included."""
        for a, b in sorted(self._disjoint(self.spans(text, loose=True)), reverse=True):
            text = text[:a] + mask_name(text[a:b]) + text[b:]
        return text


@dataclass(frozen=True)
class Guard:
    """The check of public texts; `names` None where names are shown in full on the web (web_mask_names off)."""

    names: NameFinder | None = None

    def check(self, file: str, field: str, text: str) -> None:
        """Raise PublicLeak when `text`, about to go into public `file` as `field`, holds a full number or name."""
        if not text:
            return
        hit = find_unmasked(text)
        if hit:
            raise PublicLeak(Leak(file=file, field=field, kind="number", found=f"{hit[:6]}…{hit[-4:]}"))
        name = self.names.find(text) if self.names is not None else None
        if name:
            raise PublicLeak(Leak(file=file, field=field, kind="name", found=mask_name(name)))

    def check_all(self, file: str, texts: Iterable[tuple[str, str]]) -> None:
        """Many (field, text) at once: the texts of a field checked as one (a scan per field, not per cell)."""
        by_field: dict[str, list[str]] = {}
        for field, text in texts:
            by_field.setdefault(field, []).append(text)
        for field, values in by_field.items():
            self.check_column(file, field, values)

    def check_column(self, file: str, field: str, values: Iterable[str]) -> None:
        """A column of cells at once (one scan: no pattern spans a line break)."""
        self.check(file, field, "\n".join(str(v) for v in values))


# the check of texts that name no one (or that show names in full: web_mask_names off): full numbers only
NUMBERS_ONLY = Guard(None)
