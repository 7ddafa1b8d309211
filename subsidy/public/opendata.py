"""Open data per county and year, from published versions only (the latest of each village):

    open-data/<county>/<year>/villages.csv      village, town, subsidy, households, due, paid, failed, version, date
    open-data/<county>/<year>/payouts.csv       one row per household payout as posted, names masked (张*明) and
                                                IDs masked as on the notice
    open-data/<county>/<year>/datapackage.json  a Frictionless Data Package describing both (types, licence, source)

UTF-8 without a BOM, comma separated, money with two decimals and no separators (machines read these).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path

from subsidy.base.files import atomic_write, atomic_write_bytes
from subsidy.base.safepaths import component, inside
from subsidy.columns import PAYOUT_FIELDS, VILLAGE_FIELDS
from subsidy.disclosure import NUMBERS_ONLY, Guard, NameFinder
from subsidy.privacy import mask_name
from subsidy.public.versions import PublishedVersion, load_published


def build_open_data(archive_root: Path, root: Path, staged: tuple[Path, ...] = ()) -> None:
    """Write the open data of every county and year into `root` (a fresh folder: the caller swaps it in once
    whole), from the archive and the `staged` versions of the publication under way. Every cell passes the public
    check first, a column of a village at a time: PublicLeak on a hit."""
    latest = [v for v in load_published(archive_root, staged) if v.latest]
    for (county, year), group in _groups(latest).items():
        folder = inside(root, root / component(county) / str(year))
        rel = f"open-data/{component(county)}/{year}"
        villages = (_checked(f"{rel}/villages.csv", VILLAGE_FIELDS, [_village_row(v, s) for s in v.summaries],
                             NUMBERS_ONLY) for v in group)
        payouts = (_checked(f"{rel}/payouts.csv", PAYOUT_FIELDS, *_payouts(v)) for v in group)  # a village at a time
        _write_csv(folder / "villages.csv", [f for f, _, _ in VILLAGE_FIELDS], villages)
        _write_csv(folder / "payouts.csv", [f for f, _, _ in PAYOUT_FIELDS], payouts)
        atomic_write_bytes(folder / "datapackage.json", _package(county, year, group[0].village_code), durable=False)



def _payouts(v: PublishedVersion) -> tuple[list[dict], Guard]:
    """A village's payout rows (names always masked here) and the check they pass: none of its full names."""
    names = v.hold()
    rows = [_payout_row(v, r) for r in v.rows]
    v.release()
    return rows, Guard(NameFinder(names, v.places()))


def _checked(file: str, fields: list[tuple[str, str, str]], rows: list[dict], guard: Guard) -> list[dict]:
    for name, _, description in fields:
        guard.check_column(file, f"{name}（{description}）", (r[name] for r in rows))
    return rows


def _write_csv(path: Path, columns: list[str], chunks: Iterable[list[dict]]) -> None:
    """The CSV, written a chunk of rows at a time (each checked as it is made: see build_open_data)."""

    def fill(f) -> None:
        f.write((",".join(columns) + "\n").encode("utf-8"))
        for rows in chunks:
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows([[r[c] for c in columns] for r in rows])
            f.write(buffer.getvalue().encode("utf-8"))

    atomic_write(path, fill, durable=False)


def _groups(versions: list[PublishedVersion]) -> dict[tuple, list[PublishedVersion]]:
    out: dict[tuple, list[PublishedVersion]] = {}
    for v in versions:
        out.setdefault((v.county, v.year), []).append(v)
    return out


def _village_row(v: PublishedVersion, s: dict) -> dict:
    return {"village_code": v.village_code, "village_name": v.village_name, "town": v.town, "kind": v.kind,
            "subsidy": s["subsidy_type"], "households": int(s["households"]), "amount_due": s["amount_due"],
            "amount_paid": s["amount_paid"], "amount_failed": s["amount_failed"], "version": v.version,
            "publish_date": v.publish_date}


def _payout_row(v: PublishedVersion, r: dict) -> dict:
    """A payout as posted; the name masked here whatever the version's setting (open data never names anyone)."""
    return {"village_code": v.village_code, "village_name": v.village_name, "town": v.town, "kind": v.kind,
            "subsidy": r["subsidy"], "seq": int(r["seq"]), "name": mask_name(r["name"]), "id_number": r["id_number"],
            "area": r["area"], "rate": r["rate"], "amount": r["amount"].replace(",", ""), "status": r["status"],
            "version": v.version, "publish_date": v.publish_date}


def _package(county: str, year: int, some_code: str) -> bytes:
    def schema(fields: list[tuple[str, str, str]]) -> dict:
        return {"fields": [{"name": n, "type": t, "description": d} for n, t, d in fields],
                "missingValues": [""]}

    package = {
        "name": f"subsidy-{some_code[:6]}-{year}", "title": f"{county}{year}年度惠农补贴发放公示数据",
        "description": "各村已正式公示的惠农补贴发放情况（每村最新公示版本），姓名和身份证号已部分隐去。",
        "licenses": [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
                      "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "sources": [{"title": f"{county}村务公开栏公示（留存备查档案）"}],
        "resources": [
            {"name": "villages", "path": "villages.csv", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
             "title": "分村分补贴汇总", "schema": schema(VILLAGE_FIELDS)},
            {"name": "payouts", "path": "payouts.csv", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
             "title": "各户发放明细（已脱敏）", "schema": schema(PAYOUT_FIELDS)},
        ],
    }
    return (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode()
