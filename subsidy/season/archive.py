"""The archive kept for inspection (留存各村备查), and corrections that never overwrite what was posted.

    archive/<county>/<year>/<village_code>/<kind>/v<N>/
        <code>_<village>.pdf, <code>_<village>_大字版.pdf   the notices as posted (PDF/A-2b identification)
        rows.csv        the village's rows, masked as on the notice
        summary.csv     the village's summary rows
        manifest.json   the input listing it was made from (by SHA-256), every output file (SHA-256), tool
                        version, settings, publish date, and for a correction what it corrects and what changed
        <code>_<village>_v<N>.zip   all of the above, to hand to the village committee
    archive/<county>/<year>/inputs/<sha256>.json   every input file (path, size, SHA-256) of a publication: written
                        once per publication, not into each of 3,000 manifests; named by its own SHA-256
    archive/register.csv   one row per village and version (only ever gains rows)

A publication's versions are written to archive/.staging/<id>/ and committed by its journal (see journal.py): a
cut before the commit leaves nothing published (the staging is dropped), a cut after it is finished by the next
`subsidy publish` (renamed into place, registered). Version folders are never changed or deleted.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from subsidy import __version__
from subsidy.base.files import atomic_write_bytes, read_rows, sync_files
from subsidy.base.locking import held, output_lock
from subsidy.base.safepaths import component, inside, village_stem
from subsidy.base.workers import on_threads, warm
from subsidy.columns import CADRE_COLUMNS, REGISTER_COLUMNS, ROW_COLUMNS
from subsidy.disclosure import PublicLeak
from subsidy.intake.normalising import parse_decimal
from subsidy.intake.ownfiles import MARKER
from subsidy.intake.reading import SHARED_SETTINGS, walk
from subsidy.notices.content import Change, Notice
from subsidy.season import journal

if TYPE_CHECKING:  # the records these functions take, named for the reader (no import at run time)
    from subsidy.books import SummaryRow
    from subsidy.notices.settings import NoticeSettings

WEB_SUFFIX = "_网上公布版"  # the web copy of a notice: names masked when web_mask_names is on
LISTINGS = "inputs"  # archive/<county>/<year>/inputs/: the input listings of its publications
# a version's web copies passed the public check (disclosure.Guard) as they were drawn; versions published before
# it (no such key) may name a household in a correction's lines: the site does not serve those copies
PUBLIC_CHECK = 1


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def village_dir(root: Path, notice: Notice, kind: str, *, resolved: bool = True) -> Path:
    """archive/<county>/<year>/<code>/<kind>/: every part made safe, and (unless `resolved` is False, for reading)
    checked to lie inside the archive once symbolic links are followed."""
    parts = (component(notice.county, fallback="未知县"), str(int(notice.year)),
             component(notice.village_code, fallback="无代码"), component(kind))
    return inside(root, root.joinpath(*parts)) if resolved else root.joinpath(*parts)


def zip_name(code: str, village: str, version: int) -> str:
    return f"{village_stem(code, village)}_v{int(version)}.zip"


def notice_rows(notice: Notice) -> list[tuple]:
    return [(g.subsidy, r.seq, r.name, r.id_masked, r.area, r.rate, r.amount, r.status, r.remark)
            for g in notice.groups for r in g.rows]


def content_sha(notice: Notice, settings: NoticeSettings) -> str:
    """What the village's notice says, without the dates: a new version only when this changes."""
    content = {"rows": notice_rows(notice), "settings": settings.content_key(), "village": notice.village_name,
               "town": notice.town, "groups": [g.heading for g in notice.groups]}
    return sha256(json.dumps(content, ensure_ascii=False, sort_keys=True, default=str).encode())


@dataclass
class Version:
    number: int
    folder: Path
    manifest: dict


def versions(folder: Path) -> list[Version]:
    """The complete versions in a village-and-kind folder, oldest first."""
    found = []
    if folder.is_dir():
        for child in folder.iterdir():
            if child.name.startswith("v") and child.name[1:].isdigit() and child.is_dir():
                manifest = read_manifest(child / "manifest.json")
                if manifest is not None:
                    found.append(Version(int(child.name[1:]), child, manifest))
    return sorted(found, key=lambda v: v.number)


_MANIFESTS: dict[Path, tuple[tuple, dict]] = {}


def read_manifest(path: Path) -> dict | None:
    """A version's manifest.json, parsed, or None when there is none. Parsed once per process while the file stays
    the same (a run reads every village's latest manifest twice); callers must not change the dict."""
    try:
        st = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
    held = _MANIFESTS.get(path)
    if held is None or held[0] != stamp:
        held = _MANIFESTS[path] = (stamp, json.loads(path.read_text(encoding="utf-8")))
    return held[1]


def _read_rows(version: Version) -> list[dict]:
    with open(version.folder / "rows.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _totals(rows) -> dict[tuple, list]:
    """(subsidy, name, masked id) -> [amount, statuses]; several parcels of one household add up (exactly)."""
    out: dict[tuple, list] = {}
    for r in rows:
        key = (r["subsidy"], r["name"], r["id_number"])
        amount = parse_decimal(r["amount"]) or Decimal(0)
        entry = out.setdefault(key, [Decimal(0), set()])
        entry[0] += amount
        if r["status"]:
            entry[1].add(r["status"])
    return out


def changes(old_rows: list[dict], new_rows: list[dict]) -> list[Change]:
    """What a correction changes: households added, removed, amounts and statuses changed."""
    old, new = _totals(old_rows), _totals(new_rows)
    found = []
    for key in sorted(new.keys() - old.keys()):
        found.append(Change(what="added", name=key[1], subsidy=key[0], after=f"{new[key][0]:,.2f}"))
    for key in sorted(old.keys() - new.keys()):
        found.append(Change(what="removed", name=key[1], subsidy=key[0], before=f"{old[key][0]:,.2f}"))
    for key in sorted(old.keys() & new.keys()):
        if old[key][0] != new[key][0]:
            found.append(Change(what="amount", name=key[1], subsidy=key[0], before=f"{old[key][0]:,.2f}",
                                after=f"{new[key][0]:,.2f}"))
        elif old[key][1] != new[key][1]:
            found.append(Change(what="status", name=key[1], subsidy=key[0], before="、".join(sorted(old[key][1])) or "无",
                                after="、".join(sorted(new[key][1])) or "无"))
    return found or [Change(what="other")]


def read_ahead(root: Path, notices: list[Notice], kind: str) -> None:
    """Have every village's manifests read ahead, all at once (see workers.warm): from a cold cache, reading them
    village by village waited on the disk for more than a second."""
    folders = [village_dir(root, notice, kind, resolved=False) for notice in notices]
    read_manifests([folder / name / "manifest.json" for folder, names in zip(folders, on_threads(_names, folders),
                                                                              strict=True) for name in names
                    if name.startswith("v")])


def read_manifests(paths: list[Path]) -> list[dict | None]:
    """read_manifest for many: those this process does not hold yet are read ahead all at once first (see
    workers.warm), those it holds are not read again."""
    warm([path for path in paths if path not in _MANIFESTS])
    return [read_manifest(path) for path in paths]


def _names(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []


def latest_version(root: Path, notice: Notice, kind: str) -> Version | None:
    """The village's last published version of this kind of notice, or None."""
    history = versions(village_dir(root, notice, kind, resolved=False))  # only read
    return history[-1] if history else None


def is_current(version: Version | None, notice: Notice, settings: NoticeSettings) -> bool:
    """The notice says exactly what that published version says (dates aside)."""
    return version is not None and version.manifest.get("content_sha256") == content_sha(notice, settings)


def correct_against(notice: Notice, latest: Version) -> None:
    """Make `notice` a 更正公示 of the published version `latest`, listing what changed."""
    old_rows = _read_rows(latest)
    new_rows = [dict(zip(ROW_COLUMNS, r, strict=True)) for r in notice_rows(notice)]
    previous_title = latest.manifest.get("title", notice.title)
    notice.correct(latest.number, latest.manifest.get("publish_date", ""), previous_title, changes(old_rows, new_rows))


@dataclass(frozen=True, kw_only=True)
class PublicationRecord:
    """Who published, on which date, with which of the clerk's decisions in force (per village)."""

    by: str
    date: str
    decisions: dict[str, list[dict]]  # village code -> the decisions in force on its problems


def input_listing(inputs: Path, shared: tuple[Path, ...] = (), exclude: tuple[Path, ...] = ()) -> list[dict]:
    """Every input file (path, size, SHA-256) a publication was made from; the outputs folder is not an input."""
    files, _ = walk(inputs, exclude)
    listing = [{"path": p.relative_to(inputs).as_posix(), "size": p.stat().st_size, "sha256": file_sha256(p)}
               for p in files]
    for folder in shared:
        for p in sorted(folder.glob("*")):
            if p.is_file() and p.name.lower() in SHARED_SETTINGS:
                listing.append({"path": f"../{p.name}", "size": p.stat().st_size, "sha256": file_sha256(p)})
    return listing


def csv_bytes(header: Iterable[str], rows: Iterable[Iterable[object]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def zip_bytes(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.comment = f"村务公开 {MARKER} archive".encode()
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            # PDFs are compressed already: stored as they are (deflating them again saved nothing and cost time)
            info.compress_type = zipfile.ZIP_STORED if name.endswith(".pdf") else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, files[name])
    return out.getvalue()


def archive_publication(items: list, settings: NoticeSettings, summary: list[SummaryRow], inputs_listing: list[dict],
                        root: Path, record: PublicationRecord, public: PublicBuilder | None = None,
                        moves: list[tuple[Path, Path]] = (), outputs: Path | None = None) -> list[dict]:
    """Publish: the new version of every village of `items` (notices.Published with their drawn PDFs, and the
    version they correct, if any), staged whole with the public channel `public` builds from it (every text checked
    there: PublicLeak leaves nothing published), then committed (see journal) and finished: the versions renamed into
    place, registered, the public channel swapped in, the drawn PDFs moved into notices/ (`moves`). Returns the
    versions' register rows."""
    by_village: dict[str, list[SummaryRow]] = {}
    for r in summary:
        by_village.setdefault(r.village_code, []).append(r)
    with output_lock(root):
        finish_interrupted(root)
        ident = uuid.uuid4().hex
        staging = root / journal.STAGING / ident
        staged = _stage_all(items, settings, by_village, inputs_listing, root, record, staging)
        journal.failpoint("staged")
        entry = {"id": ident, "by": record.by, "date": record.date, "villages": len(staged),
                 "versions": [{"staged": s.relative_to(root).as_posix(), "final": f.relative_to(root).as_posix()}
                              for s, f, _ in staged],
                 "notices": [[str(a), str(b)] for a, b in moves], "outputs": str(outputs) if outputs else ""}
        rows = {r["folder"]: r for r in _commit(root, staging, entry, public, tuple(s for s, _, _ in staged))}
        return [rows[v["final"]] for v in entry["versions"] if v["final"] in rows]


def rebuild_public(root: Path, public: PublicBuilder) -> None:
    """The public channel built anew from the archive (after several county-years were published) and swapped in
    whole, through the same commit as a publication (PublicLeak: the channel stays as it was)."""
    with output_lock(root):
        finish_interrupted(root)
        ident = uuid.uuid4().hex
        entry = {"id": ident, "by": "", "date": "", "villages": 0, "versions": [], "notices": [], "outputs": ""}
        _commit(root, root / journal.STAGING / ident, entry, public, ())


def _commit(root: Path, staging: Path, entry: dict, public: PublicBuilder | None, staged: tuple[Path, ...]) -> list[dict]:
    """Stage the public channel beside the staged versions, make all of it durable, write the journal (the commit)
    and finish; returns the register rows added."""
    try:
        if public is not None:
            public(staged, staging / "public")
    except PublicLeak:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    journal.failpoint("public_staged")
    staging.mkdir(parents=True, exist_ok=True)
    sync_files(root, [Path(top, name) for top, _, names in os.walk(staging) for name in names])
    journal.failpoint("synced")
    has_public = (staging / "public").is_dir()
    path = journal.write(root, entry["id"], entry | {"public": (staging / "public").relative_to(root).as_posix()
                                                      if has_public else ""})
    journal.failpoint("committed")
    return _complete(root, path)


# builds the public channel into a folder from the archive and staged version folders (checking every text)
PublicBuilder = Callable[[tuple[Path, ...], Path], None]


def _stage_all(items: list, settings: NoticeSettings, by_village: dict, inputs_listing: list[dict], root: Path,
               record: PublicationRecord, staging: Path) -> list[tuple[Path, Path, dict]]:
    listings: dict[Path, dict] = {}
    staged = []
    for n, item in enumerate(items):
        county_year = village_dir(root, item.notice, settings.kind).parents[1]
        if county_year not in listings:
            listings[county_year] = store_listing(root, county_year, inputs_listing)
        staged.append(_stage_version(item, settings, by_village.get(item.notice.village_code, []),
                                     listings[county_year], root, record, staging / str(n)))
    return staged


def finish_interrupted(root: Path) -> list[dict]:
    """Finish every publication a cut left committed but unfinished (see journal), drop the staging of those cut
    before they were committed, and register versions moved in whole but not registered. Call it holding the
    archive's lock; returns the register rows it added."""
    with output_lock(root):
        rows = []
        for path, _ in journal.pending(root):
            rows += _complete(root, path)
        for folder in journal.uncommitted(root):
            shutil.rmtree(folder, ignore_errors=True)
        return rows + register_missing(root)


def _complete(root: Path, path: Path) -> list[dict]:
    """The steps after a publication's commit, each safe to do again: versions into place, their register rows,
    the public channel swapped in, the drawn PDFs into notices/ (only by the command holding that county-year's
    lock: another one leaves notices/ to that county-year's next run, which shows the archive's versions)."""
    record = json.loads(path.read_text(encoding="utf-8"))
    for version in record.get("versions", []):
        journal.rename_into_place(root / version["staged"], root / version["final"])
    journal.failpoint("renamed")
    rows = register_missing(root, [root / version["final"] for version in record.get("versions", [])])
    journal.failpoint("registered")
    if record.get("public"):
        for name in ("site", "open-data"):
            journal.swap_in(root / record["public"] / name, root.parent / name)
    journal.failpoint("public_swapped")
    if record.get("outputs") and held(Path(record["outputs"])):
        journal.move_files([(Path(a), Path(b)) for a, b in record.get("notices", [])])
    journal.failpoint("notices_moved")
    journal.finish(path)
    journal.failpoint("finished")
    return rows


def store_listing(root: Path, county_year: Path, listing: list[dict]) -> dict:
    """The publication's input listing, kept once under archive/<county>/<year>/inputs/ and named by its SHA-256
    (the same listing is the same file, never rewritten); what a manifest records of it."""
    data = (json.dumps(listing, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
    digest = sha256(data)
    path = county_year / LISTINGS / f"{digest}.json"
    if not path.exists():
        atomic_write_bytes(path, data)
    return {"listing": path.relative_to(root).as_posix(), "sha256": digest, "files": len(listing)}


def _stage_version(item, settings: NoticeSettings, summary: list[SummaryRow], inputs: dict, root: Path,
                   record: PublicationRecord, staging: Path) -> tuple[Path, Path, dict]:
    """A village's new version written whole into `staging` (not yet durable): (staging, final, manifest)."""
    notice, latest = item.notice, item.corrects
    number = (latest.number if latest else 0) + 1
    final = village_dir(root, notice, settings.kind) / f"v{number}"
    web_names = (item.path.stem + WEB_SUFFIX + ".pdf", item.large_path.stem + WEB_SUFFIX + ".pdf")
    drawn = item.drawn or (item.path, item.large_path)
    files = {
        item.path.name: drawn[0].read_bytes(),
        item.large_path.name: drawn[1].read_bytes(),
        web_names[0]: item.web[0].read_bytes(), web_names[1]: item.web[1].read_bytes(),
        "rows.csv": csv_bytes(ROW_COLUMNS, notice_rows(notice)),
        "summary.csv": csv_bytes(("village_code", "village_name", "subsidy_type", "households", "amount_due",
                                   "amount_paid", "amount_failed"),
                                  [(r.village_code, r.village_name, r.subsidy_type, r.households, f"{r.amount_due:.2f}",
                                    "" if r.amount_paid is None else f"{r.amount_paid:.2f}",
                                    "" if r.amount_failed is None else f"{r.amount_failed:.2f}")
                                   for r in summary]),
    }
    if notice.cadres:
        files["cadres.csv"] = csv_bytes(CADRE_COLUMNS, [(c.seq, c.name, c.post, c.subsidy, c.amount) for c in notice.cadres])
    start = notice.publish_date
    end = start + timedelta(days=settings.publicity_days - 1)
    manifest = {
        "village_code": notice.village_code, "village_name": notice.village_name, "town": notice.town,
        "county": notice.county, "year": notice.year, "kind": settings.kind, "kind_title": settings.kind_title,
        "version": number, "title": notice.title, "publish_date": start.isoformat(), "publicity_end": end.isoformat(),
        "correction_of": latest.number if latest else None, "changes": notice.correction_lines if latest else [],
        "content_sha256": content_sha(notice, settings), "tool_version": __version__,
        "settings": settings.content_key() | {"publish_date": start.isoformat(), "source": settings.source},
        "published_by": record.by, "published_on": record.date,
        "decisions": record.decisions.get(notice.village_code, []),
        "notice": item.path.name, "large_print": item.large_path.name, "pages": item.pages,
        "large_pages": item.large_pages, "inputs": inputs,
        "verification_code": notice.verification_code, "qr_payload": notice.qr_payload,
        "web_notice": web_names[0], "web_large_print": web_names[1],
        "web_mask_names": settings.web_mask_names, "changes_web": _web_changes(notice, latest, settings),
        "public_check": PUBLIC_CHECK,
        "outputs": {name: sha256(data) for name, data in sorted(files.items())},
    }
    files["manifest.json"] = (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()
    files[zip_name(notice.village_code, notice.village_name, number)] = zip_bytes(files)
    staging.mkdir(parents=True)
    for name, data in files.items():
        (staging / name).write_bytes(data)  # made durable with the others before it is renamed into place
    return staging, final, manifest


def _register_row(manifest: dict, folder: Path, root: Path) -> dict:
    return {
        "village_code": manifest["village_code"], "village_name": manifest["village_name"], "town": manifest["town"],
        "county": manifest["county"], "year": manifest["year"], "kind": manifest["kind"], "version": manifest["version"],
        "publish_date": manifest["publish_date"], "publicity_end": manifest["publicity_end"],
        "notice_sha256": manifest["outputs"][manifest["notice"]],
        "correction": "是" if manifest["correction_of"] else "否",
        "corrects_version": manifest["correction_of"] or "", "published_by": manifest.get("published_by", ""),
        "decisions": " ".join(d["problem_id"] for d in manifest.get("decisions", [])),
        "verification_code": manifest.get("verification_code", ""),
        "folder": folder.relative_to(root).as_posix(),
    }


def _web_changes(notice: Notice, latest: Version | None, settings: NoticeSettings) -> list[str]:
    """What a correction changed, as the web shows it: names masked when web_mask_names is on."""
    if latest is None:
        return []
    lines = notice.web_correction_lines() if settings.web_mask_names else notice.correction_lines
    return lines[1:-1]


def read_register(root: Path) -> list[dict]:
    return read_rows(root / "register.csv")


def _append_register(root: Path, rows: list[dict]) -> None:
    if not rows:
        return
    existing = read_register(root)
    data = csv_bytes(REGISTER_COLUMNS, [[r.get(c, "") for c in REGISTER_COLUMNS] for r in existing + rows])
    atomic_write_bytes(root / "register.csv", data)


def version_manifests(root: Path) -> list[Path]:
    """The manifest of every version folder in place (archive/<county>/<year>/<code>/<kind>/v<N>/), sorted; the
    archive's own hidden folders (staging, journal) are not versions."""
    return sorted(p for p in root.glob("*/*/*/*/v*/manifest.json") if not hidden_folder(p, root))


def hidden_folder(path: Path, root: Path) -> bool:
    return path.relative_to(root).parts[0].startswith(".")


def register_missing(root: Path, folders: list[Path] | None = None) -> list[dict]:
    """Register the versions moved in whole but not registered yet (a cut between the two): those of `folders`
    (a publication's own), else every version in the archive; returns their rows."""
    registered = {r["folder"] for r in read_register(root)}
    manifests = version_manifests(root) if folders is None else [f / "manifest.json" for f in folders]
    missing = []
    for manifest in manifests:
        folder = manifest.parent
        rel = folder.relative_to(root).as_posix()
        if rel not in registered and manifest.is_file():
            missing.append(_register_row(json.loads(manifest.read_text(encoding="utf-8")), folder, root))
    missing.sort(key=lambda r: (r["folder"].rsplit("/v", 1)[0], int(r["version"])))
    _append_register(root, missing)
    return missing


# ---------------------------------------------------------------- verify


