"""The catalogue of known subsidies: one canonical name each, its synonyms, policy basis and description.

The bundled catalogue is `subsidy/data/subsidies.csv`. A county extends or overrides it with a
`subsidies.csv` of the same columns anywhere in its inputs (`name,synonyms,policy_basis,description`,
synonyms separated by `|`).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from subsidy.intake.normalising import compact

COLUMNS = ("name", "synonyms", "policy_basis", "description")


@dataclass(frozen=True)
class Subsidy:
    name: str
    synonyms: tuple[str, ...]
    policy_basis: str
    description: str


_YEAR_PREFIX = re.compile(r"^(20\d{2}|\d{2})\s*(年度|年)(第[一二三四五六七八九十\d]+批)?")
_BATCH = re.compile(r"(第[一二三四五六七八九十\d]+批(次)?|[(（][^)）]*[)）])")
_SUFFIXES = ("发放花名册", "发放清册", "发放明细表", "发放明细", "兑付清册", "花名册", "清册", "明细表", "明细", "名册",
             "发放表", "汇总表", "发放情况", "发放", "兑付", "资金", "款", "表")
_SUBSIDY_WORD = re.compile(r"([\u4e00-\u9fff]{2,16}?(补贴|补偿金|补偿|补助|奖补|奖励金|奖励))")
# words for "farm subsidies" in general: a title saying only these names no particular subsidy
_UMBRELLA = {"惠农补贴", "涉农补贴", "惠民惠农补贴", "惠民补贴", "农业补贴", "财政补贴", "补贴", "补助", "补偿", "各项补贴",
             "惠农惠民补贴", "惠农资金补贴", "一卡通补贴"}
_PLACE = re.compile(r"^.*?(县|市|区|镇|乡|街道|村委会|村|社区)(?=[\u4e00-\u9fff]{2,}(补贴|补偿|补助|奖))")


def strip_decorations(text: str) -> str:
    """'2022年度耕地地力保护补贴资金' -> '耕地地力保护补贴'."""
    text = compact(text)
    text = _YEAR_PREFIX.sub("", text)
    text = _BATCH.sub("", text)
    changed = True
    while changed and text:
        changed = False
        for suffix in _SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix) + 1:
                text = text[: -len(suffix)]
                changed = True
    return text


class Catalogue:
    def __init__(self, entries: list[Subsidy]):
        self.entries: dict[str, Subsidy] = {}
        for entry in entries:
            self.entries[entry.name] = entry
        self._lookup: dict[str, str] = {}
        for entry in self.entries.values():
            for word in (entry.name, *entry.synonyms):
                self._lookup[strip_decorations(word)] = entry.name
        # longest first, so '种粮大户补贴' wins over '补贴'
        self._words = sorted(self._lookup, key=len, reverse=True)
        self._order = {name: i for i, name in enumerate(self.entries)}

    @classmethod
    def load(cls, extra: list[Path] = ()) -> Catalogue:
        with resources.files("subsidy").joinpath("data/subsidies.csv").open(encoding="utf-8") as f:
            entries = _read_entries(f)
        for path in extra:
            from subsidy.base.textfiles import read_text_file

            entries += _read_entries(read_text_file(path).splitlines())
        return cls(entries)

    def canonical(self, text: str) -> str | None:
        """The canonical name of a subsidy mentioned in `text` (a cell, title, sheet or file name)."""
        if not text:
            return None
        stripped = strip_decorations(text)
        if stripped in self._lookup:
            return self._lookup[stripped]
        flat = compact(text)
        for word in self._words:
            if word and word in flat:
                return self._lookup[word]
        return None

    def name_from_cell(self, text: str) -> str:
        """A subsidy column's value: canonical if known, else the cleaned text itself (a new subsidy)."""
        return self.canonical(text) or strip_decorations(text)

    def name_from_title(self, text: str) -> str | None:
        """A subsidy named in a title, sheet name or file name, known or not."""
        known = self.canonical(text)
        if known:
            return known
        flat = _YEAR_PREFIX.sub("", compact(text))
        flat = re.sub(r"20\d{2}(年度|年)", "", flat)
        flat = _PLACE.sub("", flat)
        match = _SUBSIDY_WORD.search(flat)
        if not match:
            return None
        name = strip_decorations(match.group(1))
        return None if name in _UMBRELLA else name

    def sort_key(self, name: str) -> tuple[int, str]:
        return (self._order.get(name, len(self._order)), name)


def _read_entries(lines) -> list[Subsidy]:
    out = []
    for row in csv.DictReader(lines):
        name = compact(row.get("name") or "")
        if not name:
            continue
        synonyms = tuple(s for s in (compact(x) for x in (row.get("synonyms") or "").split("|")) if s)
        out.append(Subsidy(name, synonyms, (row.get("policy_basis") or "").strip(), (row.get("description") or "").strip()))
    return out
