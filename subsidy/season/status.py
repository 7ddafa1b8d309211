"""Where each village stands in the season, and what a town must chase (逾期): status.csv.

Per village: draft / ready / held (why) / published vN (date, by) / posted (date) / 公示期 running or ended /
objections (open, closed). Overdue: published more than `posting_days` days ago and not posted, or the 公示期
ended with an objection still open. Built from what the last run wrote (internal/readiness.csv), the archive's
register and postings, and objections.csv; it changes nothing but status.csv.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from subsidy.base.files import read_rows, write_csv
from subsidy.columns import STATUS_COLUMNS
from subsidy.privacy import mask_numbers
from subsidy.season.archive import read_register
from subsidy.season.posting import Objection, read_postings


class StatusError(ValueError):
    """The status cannot be built (the message is in Chinese, for the clerk)."""


@dataclass(kw_only=True)
class VillageStatus:
    town: str
    village_code: str
    village_name: str
    readiness: str
    notice: str
    reasons: str
    published: dict | None = None  # register row of the latest published version
    posted_on: str = ""
    period: str = ""
    objections_open: int = 0
    objections_closed: int = 0
    overdue: str = ""

    def row(self) -> tuple:
        p = self.published or {}
        return (self.town, self.village_code, self.village_name, self.readiness, self.notice,
                p.get("version", ""), p.get("publish_date", ""), p.get("published_by", ""), self.posted_on,
                p.get("publicity_end", ""), self.period, self.objections_open, self.objections_closed, self.overdue,
                mask_numbers(self.reasons))

    def line(self) -> str:
        """One line in Chinese for the console."""
        p = self.published
        parts = [f"{self.village_code} {self.village_name}"]
        if p:
            parts.append(f"已公示第{p['version']}版（{p['publish_date']}，{p['published_by']}）")
            parts.append(f"已张贴（{self.posted_on}）" if self.posted_on else "未张贴")
            parts.append(self.period)
            if self.objections_open or self.objections_closed:
                parts.append(f"异议：未办结{self.objections_open}条，已办结{self.objections_closed}条")
            if self.notice.startswith("草稿"):
                parts.append(f"另有{self.notice}")
        else:
            parts.append(self.readiness + (f"（{self.reasons}）" if self.reasons else "") + f"，{self.notice}")
        return "：".join(parts[:1]) + "：" + "；".join(parts[1:])


def build_status(outputs: Path, archive_root: Path, objections: list[Objection], posting_days: int,
                 today: date) -> list[VillageStatus]:
    """Every village of the county-year whose results are in `outputs`, in town and code order."""
    readiness = outputs / "internal" / "readiness.csv"
    if not readiness.exists():
        raise StatusError(f"{outputs} 中还没有运行结果（internal/readiness.csv）：请先运行 subsidy run")
    villages = read_rows(readiness)
    codes = {v["village_code"] for v in villages}
    register: dict[str, list[dict]] = {}  # per village: a look-up, not a pass over all 3,000 villages' rows each
    for r in read_register(archive_root):
        if r["village_code"] in codes:
            register.setdefault(r["village_code"], []).append(r)
    postings: dict[str, list[dict]] = {}
    for p in read_postings(archive_root):
        postings.setdefault(p["folder"], []).append(p)
    raised: dict[str, list[Objection]] = {}
    for o in objections:
        raised.setdefault(o.village_code, []).append(o)
    out = []
    for v in villages:
        status = VillageStatus(town=v["town"], village_code=v["village_code"], village_name=v["village_name"],
                               readiness=v["readiness"], notice=v["notice"], reasons=v["reasons"])
        versions = sorted(register.get(status.village_code, ()), key=lambda r: (r["publish_date"], int(r["version"])))
        if versions:
            _published(status, versions, postings.get(versions[-1]["folder"], []),
                       raised.get(status.village_code, []), posting_days, today)
        out.append(status)
    return sorted(out, key=lambda s: (s.town, s.village_code))


def _published(status: VillageStatus, versions: list[dict], postings: list[dict], objections: list[Objection],
               posting_days: int, today: date) -> None:
    latest = status.published = versions[-1]
    posted = sorted(p["posted_on"] for p in postings)  # the postings of the latest version
    status.posted_on = posted[0] if posted else ""
    start, end = date.fromisoformat(latest["publish_date"]), date.fromisoformat(latest["publicity_end"])
    status.period = ("公示期未开始" if today < start else f"公示期中（至{end.isoformat()}）" if today <= end
                     else f"公示期已结束（{end.isoformat()}）")
    status.objections_open = sum(1 for o in objections if o.open)
    status.objections_closed = len(objections) - status.objections_open
    overdue = []
    if not posted and today > start + timedelta(days=posting_days):
        overdue.append(f"公示{(today - start).days}天仍未张贴（应在{posting_days}天内）")
    ended_open = [o for o in objections if o.open and today > _end_of_version_in_force(versions, o.date)]
    if ended_open:
        overdue.append(f"公示期已结束，仍有{len(ended_open)}条异议未办结")
    status.overdue = "；".join(overdue)


def _end_of_version_in_force(versions: list[dict], when: date) -> date:
    """The end of the publicity period of the version in force on `when` (the first one, before any was)."""
    in_force = [r for r in versions if date.fromisoformat(r["publish_date"]) <= when] or versions[:1]
    return date.fromisoformat(in_force[-1]["publicity_end"])


def write_status(outputs: Path, statuses: list[VillageStatus]) -> Path:
    path = outputs / "status.csv"
    write_csv(path, STATUS_COLUMNS, (s.row() for s in statuses))
    return path
