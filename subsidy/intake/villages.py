"""The roster of official villages, and matching the names clerks write to it.

By default the bundled Wenzhou roster (2023 statistical division codes, see data/wenzhou_divisions.SOURCE.md).
A `villages.csv` in the inputs replaces it: `village_code,village_name,town_name,county_name[,aliases]`,
aliases separated by `|` (old names of merged villages, common misspellings).

A name matches written as XX村, XX村委会 or XX村民委员会 (XX社区, XX居委会 for communities), or as an alias.
Where the same name exists in several towns the town decides; a name that stays ambiguous is reported,
never guessed.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from subsidy.intake.normalising import compact

_VILLAGE_SUFFIXES = (("村民委员会", "v"), ("村委会", "v"), ("村委", "v"), ("居民委员会", "c"), ("居委会", "c"),
                     ("社区", "c"), ("村", "v"))
_SEPARATORS = re.compile(r"[/\\\-—·・、|]")  # 岩头镇/苍坡村, 岩头镇-苍坡村
BUNDLED_SOURCE = "内置温州市2023年统计用区划代码"
_COLLECTIVE_SUFFIXES = ("股份经济合作社", "股份经济联合社", "经济合作社", "经济联合社", "股份合作社", "集体经济组织")
_NOTE = re.compile(r"\(([^()]*)\)")
_NOTE_WORD = re.compile(r"^(原|现|今|即|并入|已并入|合并后为?)")
_GROUP_SUFFIX = re.compile(r"(第?[0-9一二三四五六七八九十百]+(组|小组|村民小组|社)|[0-9一二三四五六七八九十]+队)$")
_TOWN_SUFFIXES = ("街道办事处", "民族乡", "街道", "镇", "乡")
_COUNTY_SUFFIXES = ("自治县", "县", "市", "区")


@dataclass(frozen=True)
class Village:
    code: str
    name: str  # official name, e.g. 东岙村委会
    town: str
    county: str
    aliases: tuple[str, ...] = ()

    @property
    def short_name(self) -> str:
        """The name clerks and villagers use: 东岙村委会 -> 东岙村."""
        for long, short in (("村民委员会", "村"), ("村委会", "村"), ("居民委员会", "居委会")):
            if self.name.endswith(long):
                return self.name[: -len(long)] + short
        return self.name


def split_suffix(name: str) -> tuple[str, str]:
    """'东岙村委会' -> ('东岙', 'v'); '鼓楼社区' -> ('鼓楼', 'c'); '东岙' -> ('东岙', '')."""
    for suffix, kind in _VILLAGE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], kind
    return name, ""


def _strip_any(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def town_stem(name: str) -> str:
    return _strip_any(compact(name), _TOWN_SUFFIXES)


@lru_cache(maxsize=4096)
def _stem_of(town: str) -> str:
    """town_stem of an official town name (a few hundred of them, asked for again and again)."""
    return town_stem(town)


@dataclass
class Match:
    village: Village | None
    reason: str = ""  # why there is no village, in Chinese
    candidates: tuple[Village, ...] = ()


@dataclass
class VillageRegistry:
    villages: list[Village]
    source: str = "bundled"
    _exact: dict[str, list[Village]] = field(default_factory=dict, repr=False)
    _stem: dict[str, list[Village]] = field(default_factory=dict, repr=False)
    _towns: dict[str, set[str]] = field(default_factory=dict, repr=False)
    _counties: dict[str, set[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        exact, stem = defaultdict(list), defaultdict(list)
        towns, counties = defaultdict(set), defaultdict(set)
        for v in self.villages:
            keys = {compact(v.name), v.short_name}
            for alias in v.aliases:
                keys.add(compact(alias))
            keys |= {_SEPARATORS.sub("", k) for k in keys}  # '溪口/溪尾村' also as a clerk may write it, '溪口溪尾村'
            for key in keys:
                exact[key].append(v)
                s, _ = split_suffix(key)
                if len(s) >= 1:
                    stem[s].append(v)
            towns[compact(v.town)].add(v.town)
            counties[compact(v.county)].add(v.county)
        self._exact = {k: _unique(vs) for k, vs in exact.items()}
        self._stem = {k: _unique(vs) for k, vs in stem.items()}
        self._towns = dict(towns)
        self._counties = dict(counties)
        self._by_code = {v.code: v for v in self.villages}
        # keys worth searching for inside a free text (titles): with their suffix, at least 3 characters
        self._text_keys = sorted((k for k in self._exact if len(k) >= 3 and split_suffix(k)[1]), key=len, reverse=True)
        self._town_keys = sorted(self._town_variants(), key=len, reverse=True)
        self._town_full_keys = sorted(self._towns, key=len, reverse=True)
        self._county_keys = sorted(
            {c for c in self._counties} | {_strip_any(c, _COUNTY_SUFFIXES) for c in self._counties if len(c) > 2},
            key=len,
            reverse=True,
        )

    def _town_variants(self) -> dict[str, str]:
        variants = {}
        for town in self._towns:
            variants[town] = town
            stem = town_stem(town)
            if len(stem) >= 2:
                variants.setdefault(stem, town)
        self._town_variant_map = variants
        return variants

    # -------------------------------------------------------------- loading

    @classmethod
    def bundled(cls) -> VillageRegistry:
        with resources.files("subsidy").joinpath("data/wenzhou_divisions.csv").open(encoding="utf-8") as f:
            return cls(_read_villages(f), source=BUNDLED_SOURCE)

    @classmethod
    def from_csv(cls, path: Path, text: str) -> VillageRegistry:
        return cls(_read_villages(text.splitlines()), source=str(path))

    def by_code(self, code: str) -> Village | None:
        return self._by_code.get(code)

    # -------------------------------------------------------------- matching

    def town_in(self, text: str) -> str | None:
        """The official name of the town (乡镇/街道) named in a free text ('岩头镇2022年…'), or written alone
        without its suffix ('岩头' in a 乡镇 column)."""
        flat = compact(text)
        if flat in self._town_variant_map:
            return self._town_variant_map[flat]
        for key in self._town_full_keys:
            if key in flat:
                return key
        return None

    def county_in(self, text: str) -> str | None:
        flat = compact(text)
        for key in self._county_keys:
            if key == flat or (key in self._counties and key in flat):
                for county in self._counties:
                    if county == key or _strip_any(county, _COUNTY_SUFFIXES) == key:
                        return county
        return None

    def match(self, text: str, town: str | None = None, county: str | None = None) -> Match:
        """Match a village name as a clerk wrote it, narrowed by the town and county where known. A name that is a
        village's in any accepted form (XX村, XX村委会, an alias, with its slash or without) wins over reading it as
        a town and a village."""
        flat = compact(text)
        as_written = self._exact.get(flat) or self._exact.get(_SEPARATORS.sub("", flat))
        if as_written:
            found = self._narrowed(as_written, text, town, county)
            if found.village is not None:
                return found
        name = _SEPARATORS.sub("", flat)
        name = _strip_any(name, _COLLECTIVE_SUFFIXES)  # 发包方 '苍坡村股份经济合作社' is the village's collective
        if not name:
            return Match(None, "村名为空")
        if name.isdigit() and len(name) == 12:  # the 12-digit statistical code itself
            village = self._by_code.get(name)
            return Match(village) if village else Match(None, f"村代码“{name}”不在村名册中")
        # '永嘉县岩头镇东岙村': a county and a town written in front of the village
        for county_name in self._counties:
            if name.startswith(county_name) and len(name) > len(county_name) + 1:
                county, name = county_name, name[len(county_name):]
                break
        for key in self._town_keys:
            if name.startswith(key) and len(name) > len(key) + 1:
                rest = name[len(key):]
                if rest in self._exact or split_suffix(rest)[0] in self._stem:
                    town, name = self._town_variant_map[key], rest
                break
        candidates = self._exact.get(name)
        if not candidates:
            stem, kind = split_suffix(name)
            if stem not in self._stem and split_suffix(stem)[1]:  # '东岙村村委会'
                stem = split_suffix(stem)[0]
            candidates = self._stem.get(stem) or self._stem.get(name) or []
            if kind and candidates:
                typed = [v for v in candidates if split_suffix(compact(v.name))[1] == kind]
                candidates = typed or candidates
        if not candidates and _GROUP_SUFFIX.search(name):  # '苍坡村三组': the village of a 村民小组
            return self.match(_GROUP_SUFFIX.sub("", name), town=town, county=county)
        if not candidates and (note := _NOTE.search(name)):  # '苍坡村(原东岙村)', '东岙村(现苍坡村)'
            tries = [self.match(part, town=town, county=county)
                     for part in (_NOTE.sub("", name), _NOTE_WORD.sub("", note.group(1))) if part]
            found = next((m for m in tries if m.village is not None), None)
            bare = tries[0] if tries and tries[0].candidates else None  # '芙蓉村(二组)' where two towns have one
            return found or bare or Match(None, f"“{text}”不在村名册中")
        if not candidates:
            return Match(None, f"“{text}”不在村名册中{self._did_you_mean(name, town, county)}")
        return self._narrowed(candidates, text, town, county)

    def _narrowed(self, candidates, text: str, town: str | None, county: str | None) -> Match:
        narrowed = _narrow(candidates, county, lambda v: compact(v.county))
        narrowed = _narrow(narrowed, town, lambda v: compact(v.town))
        if len(narrowed) == 1:
            return Match(narrowed[0])
        if not narrowed:
            where = "、".join(x for x in (county, town) if x)
            return Match(None, f"“{text}”不在{where}的村名册中", tuple(candidates))
        places = "、".join(f"{v.town}{v.short_name}" for v in narrowed[:6])
        return Match(None, f"“{text}”有重名（{places}），无法确定是哪个乡镇的", tuple(narrowed))

    def _did_you_mean(self, name: str, town: str | None, county: str | None) -> str:
        """'（是否为：苍坡村、芙蓉村？）': the closest official names of the same town (or county), never applied."""
        stem = town_stem(town) if town else None
        county_stem = _strip_any(compact(county), _COUNTY_SUFFIXES) if county else None
        pool = [v for v in self.villages if (not stem or _stem_of(v.town) == stem)
                and (not county_stem or _strip_any(v.county, _COUNTY_SUFFIXES) == county_stem)]
        names = sorted({v.short_name for v in pool})
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6) if len(names) <= 2000 else []
        return f"（是否为：{'、'.join(close)}？）" if close else ""

    def find_in_text(self, text: str, town: str | None = None, county: str | None = None) -> Match | None:
        """A village named inside a title or sheet name ('岩头镇东岙村2022年…'), or None if none is."""
        flat = compact(text)
        for key in self._text_keys:
            if key in flat:
                return self.match(key, town=town or self.town_in(flat), county=county or self.county_in(flat))
        return None


def _narrow(candidates, hint: str | None, get) -> list:
    if not hint:
        return list(candidates)
    hint_flat = compact(hint)
    stem = town_stem(hint_flat)
    return [v for v in candidates if get(v) == hint_flat or town_stem(get(v)) == stem
            or _strip_any(get(v), _COUNTY_SUFFIXES) == _strip_any(hint_flat, _COUNTY_SUFFIXES)]


def _unique(villages: list[Village]) -> list[Village]:
    seen, out = set(), []
    for v in villages:
        if v.code not in seen:
            seen.add(v.code)
            out.append(v)
    return out


def _read_villages(lines) -> list[Village]:
    out = []
    for row in csv.DictReader(lines):
        code = (row.get("village_code") or "").strip()
        name = compact(row.get("village_name") or "")
        if not code or not name:
            continue
        aliases = tuple(a for a in (compact(x) for x in (row.get("aliases") or "").split("|")) if a)
        out.append(Village(code, name, compact(row.get("town_name") or ""), compact(row.get("county_name") or ""), aliases))
    return out
