"""After publication: the notice going up on the board (张贴), its photo, and the objections raised (异议).

    archive/<county>/<year>/<code>/postings/<date>_v<N>_<sha8>.<ext>    the photo of the posted notice
    archive/<county>/<year>/<code>/postings/<code>_<village>_v<N>_张贴记录.zip   the version's files with the
                                                                        posting record and photo, for the committee
    archive/postings.csv                                                 one row per posting (only ever gains rows)

Version folders stay untouched: a posting is kept beside them. `objections.csv` in the county-year's inputs
(`village_code,date,summary,handling,result,by`, UTF-8 or GBK) records objections; each is tied to the version in
force on its date, and one whose `result` is empty is open.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from subsidy.base.files import atomic_write_bytes, read_rows
from subsidy.base.locking import output_lock
from subsidy.base.safepaths import component, inside
from subsidy.base.textfiles import read_text_file
from subsidy.columns import POSTINGS_COLUMNS
from subsidy.season.archive import csv_bytes, file_sha256, read_register, sha256, zip_bytes, zip_name

OBJECTIONS_FILE = "objections.csv"
OBJECTION_COLUMNS = ("village_code", "date", "summary", "handling", "result", "by")


class PostingRefused(ValueError):
    """A posting cannot be recorded (the message is in Chinese, for the clerk)."""


def latest_published(root: Path, code: str, year: int | None = None) -> dict | None:
    """The register row of the village's latest published version (of the latest year, or of `year`)."""
    rows = [r for r in read_register(root) if r["village_code"] == code and (year is None or int(r["year"]) == year)]
    return max(rows, key=lambda r: (int(r["year"]), r["publish_date"], int(r["version"])), default=None)


def record_posting(root: Path, code: str, posted_on: date, photo: Path | None = None, by: str = "",
                   year: int | None = None) -> dict:
    """Record that the village's latest published version went up on the board on `posted_on`."""
    version = latest_published(root, code, year)
    if version is None:
        raise PostingRefused(f"村代码 {code} 没有已公示的版本：请先正式公示（subsidy publish），再登记张贴")
    if posted_on < date.fromisoformat(version["publish_date"]):
        raise PostingRefused(f"张贴日期 {posted_on} 早于公示日期 {version['publish_date']}")
    folder = inside(root, root / version["folder"]).parent.parent / "postings"
    row = {k: version[k] for k in ("village_code", "village_name", "town", "county", "year", "kind", "version")}
    row |= {"posted_on": posted_on.isoformat(), "photo": "", "photo_sha256": "", "recorded_by": by,
            "folder": version["folder"]}
    with output_lock(root):
        if photo is not None:
            data = photo.read_bytes()
            digest = sha256(data)
            name = component(f"{posted_on.isoformat()}_v{version['version']}_{digest[:8]}{photo.suffix.lower()}")
            atomic_write_bytes(inside(root, folder / name), data)
            row |= {"photo": (folder / name).relative_to(root).as_posix(), "photo_sha256": digest}
        existing = read_postings(root)
        atomic_write_bytes(root / "postings.csv", csv_bytes(POSTINGS_COLUMNS, [
            [r.get(c, "") for c in POSTINGS_COLUMNS] for r in [*existing, row]]))
        _committee_zip(root, version, [r for r in [*existing, row] if r["folder"] == version["folder"]])
    return row


def _committee_zip(root: Path, version: dict, postings: list[dict]) -> None:
    """The version's files with its posting record (and photos), beside the version folder."""
    source = root / version["folder"]
    files = {p.name: p.read_bytes() for p in sorted(source.iterdir()) if p.is_file() and p.suffix != ".zip"}
    files["张贴记录.csv"] = csv_bytes(POSTINGS_COLUMNS, [[r.get(c, "") for c in POSTINGS_COLUMNS] for r in postings])
    for r in postings:
        if r["photo"]:
            files[f"张贴照片/{Path(r['photo']).name}"] = (root / r["photo"]).read_bytes()
    name = zip_name(version["village_code"], version["village_name"], int(version["version"])).replace(".zip",
                                                                                                     "_张贴记录.zip")
    atomic_write_bytes(source.parent.parent / "postings" / name, zip_bytes(files))


def read_postings(root: Path) -> list[dict]:
    return read_rows(root / "postings.csv")


def verify_postings(root: Path) -> list[str]:
    """Every posting photo against its recorded SHA-256 (findings in Chinese; empty when all are right)."""
    findings = []
    for r in read_postings(root):
        if not r.get("photo"):
            continue
        path = root / r["photo"]
        if not path.exists():
            findings.append(f"{r['photo']}：张贴照片缺失")
        elif file_sha256(path) != r["photo_sha256"]:
            findings.append(f"{r['photo']}：张贴照片被改动（SHA-256 与 postings.csv 不符）")
    return findings


@dataclass(frozen=True, kw_only=True)
class Objection:
    village_code: str
    date: date
    summary: str
    handling: str
    result: str
    by: str
    line: int

    @property
    def open(self) -> bool:
        return not self.result


def load_objections(path: Path | None) -> tuple[list[Objection], list[str]]:
    """The objections of objections.csv, and a note per line that cannot be used (with its line number)."""
    if path is None or not path.exists():
        return [], []
    out, notes = [], []
    for number, row in enumerate(csv.DictReader(read_text_file(path).splitlines()), 2):
        code = (row.get("village_code") or "").strip()
        try:
            when = date.fromisoformat((row.get("date") or "").strip().replace("/", "-"))
        except ValueError:
            notes.append(f"{OBJECTIONS_FILE}第{number}行：日期“{row.get('date', '')}”应写成 2022-12-03")
            continue
        if not code:
            notes.append(f"{OBJECTIONS_FILE}第{number}行：缺少村代码 village_code")
            continue
        out.append(Objection(village_code=code, date=when, summary=(row.get("summary") or "").strip(),
                             handling=(row.get("handling") or "").strip(), result=(row.get("result") or "").strip(),
                             by=(row.get("by") or "").strip(), line=number))
    return out, notes

