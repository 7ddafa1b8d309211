"""Notice settings: an optional `notice.toml` and `contacts.csv` anywhere in the inputs, with defaults.

notice.toml (every key optional):

    kind = "results"               # results: 发放结果公示 (after payment); application: 申报审核公示 (before)
    publicity_days = 7             # 公示期 in days
    paper = "A4"                   # A4 or A3 (portrait); the large-print version is always landscape
    mask_names = false             # true: 张*明 / 张* instead of full names
    county_bureau = "永嘉县农业农村局"
    county_bureau_phone = "0577-67221234"
    hotline = "12345"              # 政务服务便民热线
    issuer = "{village}村民委员会"  # the issuing body; {village} and {town} are filled in
    objection = "…"                # where and how to raise objections; {town} is the town government

contacts.csv: `town_name,village_name,village_code,phone`; a row with a village (name or code) gives that
village's supervision phone, a row with only a town gives the town's.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path

from subsidy.intake.normalising import compact

KINDS = {"results": "发放结果公示", "application": "申报审核公示"}
PAPERS = ("A4", "A3")
DEFAULT_OBJECTION = "公示期间，如对公示内容有异议，请向本村村民委员会或{town}反映，也可拨打下列监督电话。"


class SettingsError(ValueError):
    """notice.toml or contacts.csv cannot be used (the message is in Chinese, for the clerk)."""


@dataclass(frozen=True)
class NoticeSettings:
    kind: str = "results"
    publish_date: date | None = None
    publicity_days: int = 7
    paper: str = "A4"
    mask_names: bool = False
    county_bureau: str = ""
    county_bureau_phone: str = ""
    hotline: str = "12345"
    issuer: str = "{village}村民委员会"
    objection: str = DEFAULT_OBJECTION
    posting_days: int = 3  # a published notice should be on the board within this many days (status: overdue)
    web_mask_names: bool = True  # names on the site and in open data as 张*明 (the posters keep them unless mask_names)
    site_base_url: str = ""  # where outputs/site/ is hosted: the QR on a notice then holds its village page's URL
    source: str = ""  # where the settings came from (not a setting)
    source_keys: tuple[str, ...] = ()  # the keys notice.toml set
    notes: tuple[str, ...] = ()  # what the clerk should know about the settings (not a setting)
    village_phones: dict[str, str] = field(default_factory=dict, compare=False)  # village code or name -> phone
    town_phones: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def kind_title(self) -> str:
        return KINDS[self.kind]

    def dated(self, publish_date: date) -> NoticeSettings:
        """The settings of a publication on `publish_date` (runs make drafts, which have no date)."""
        return replace(self, publish_date=publish_date)

    def content_key(self) -> dict:
        """The settings that change what a notice says, except the dates (for telling corrections apart)."""
        return {"kind": self.kind, "paper": self.paper, "mask_names": self.mask_names,
                "county_bureau": self.county_bureau, "county_bureau_phone": self.county_bureau_phone,
                "hotline": self.hotline, "issuer": self.issuer, "objection": self.objection,
                "publicity_days": self.publicity_days}

    def village_phone(self, code: str, name: str) -> str:
        return self.village_phones.get(code) or self.village_phones.get(name, "")

    def town_phone(self, town: str) -> str:
        return self.town_phones.get(town, "")


def load_settings(inputs: Path, shared_dirs: tuple[Path, ...] = ()) -> NoticeSettings:
    values: dict = {}
    source = ""
    notes: list[str] = []
    tomls = sorted(p for p in inputs.rglob("notice.toml") if p.is_file())
    for folder in shared_dirs:
        if not tomls and (folder / "notice.toml").is_file():
            tomls = [folder / "notice.toml"]
    if tomls:
        path = tomls[0]
        source = path.name if not path.is_relative_to(inputs) else path.relative_to(inputs).as_posix()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{source} 格式有误：{exc}") from exc
        values = _check(data, source)
        if values.pop("publish_date", None) is not None:
            notes.append(f"{source} 中的 publish_date 已不再使用：公示日期在正式公示时给出（subsidy publish --date）")
    village_phones, town_phones = {}, {}
    contacts = sorted(p for p in inputs.rglob("contacts.csv") if p.is_file())
    for folder in shared_dirs:
        if not contacts and (folder / "contacts.csv").is_file():
            contacts = [folder / "contacts.csv"]
    for path in contacts:
        _read_contacts(path, inputs, village_phones, town_phones)
    return NoticeSettings(**values, source=source, source_keys=tuple(sorted(values)), village_phones=village_phones,
                          town_phones=town_phones, notes=tuple(notes))


def with_overrides(settings: NoticeSettings, overrides: dict) -> NoticeSettings:
    """Settings given for one run (the Dagster launchpad) over those of notice.toml."""
    values = _check({k: v for k, v in overrides.items() if v not in (None, "")}, "运行设置")
    if not values:
        return settings
    keys = tuple(sorted(set(settings.source_keys) | set(values)))
    return replace(settings, **values, source_keys=keys, source=settings.source or "运行设置")


def _check(data: dict, source: str) -> dict:
    known = {f.name for f in fields(NoticeSettings)} - {"source", "source_keys", "village_phones", "town_phones", "notes"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise SettingsError(f"{source} 中有不认识的设置：{'、'.join(unknown)}（可用：{'、'.join(sorted(known))}）")
    out = dict(data)
    if "kind" in out and out["kind"] not in KINDS:
        raise SettingsError(f"{source}：kind 应为 results（发放结果公示）或 application（申报审核公示）")
    if isinstance(out.get("publish_date"), str):
        try:
            out["publish_date"] = date.fromisoformat(out["publish_date"])
        except ValueError:
            pass
    if "publish_date" in out and not isinstance(out["publish_date"], date):
        raise SettingsError(f"{source}：publish_date 应写成日期，如 publish_date = 2022-12-01")
    for key in ("publicity_days", "posting_days"):
        if key in out and (not isinstance(out[key], int) or isinstance(out[key], bool) or not 1 <= out[key] <= 90):
            raise SettingsError(f"{source}：{key} 应为1到90之间的整数")
    if "paper" in out:
        out["paper"] = str(out["paper"]).upper()
        if out["paper"] not in PAPERS:
            raise SettingsError(f"{source}：paper 应为 A4 或 A3")
    for key in ("mask_names", "web_mask_names"):
        if key in out and not isinstance(out[key], bool):
            raise SettingsError(f"{source}：{key} 应为 true 或 false")
    for key in ("county_bureau", "county_bureau_phone", "hotline", "issuer", "objection", "site_base_url"):
        if key in out:
            out[key] = str(out[key])
    return out


def _read_contacts(path: Path, inputs: Path, village_phones: dict, town_phones: dict) -> None:
    from subsidy.base.textfiles import read_text_file

    rel = path.relative_to(inputs).as_posix() if path.is_relative_to(inputs) else path.name
    rows = list(csv.DictReader(read_text_file(path).splitlines()))
    if rows and "phone" not in rows[0]:
        raise SettingsError(f"{rel} 需要 town_name,village_name,village_code,phone 四列")
    for row in rows:
        phone = (row.get("phone") or "").strip()
        if not phone:
            continue
        code = (row.get("village_code") or "").strip()
        village = compact(row.get("village_name") or "")
        town = compact(row.get("town_name") or "")
        if code or village:
            for key in (code, village):
                if key:
                    village_phones[key] = phone
        elif town:
            town_phones[town] = phone
