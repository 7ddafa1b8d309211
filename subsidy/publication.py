"""Publishing (正式公示): an explicit act, for the villages that are ready, on a date, by a named person.

A publication re-reads the inputs (what is published is what they say at that moment), refuses the villages that
are held back (with the reasons), and for each other village either finds it already published unchanged (nothing
new is written) or writes the final notices (no draft mark, the date under the seal, 公示时间 from that date) into
notices/ and a new archive version: v1, or a 更正公示 correcting the last published version with its own
publicity period. Who published, when, and the decisions in force go into the manifest and the register.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .archiving import (
    PublicationRecord,
    archive_publication,
    content_sha,
    correct_against,
    is_current,
    latest_version,
)
from .caching import RenderCache
from .notices import Notice
from .problems import COUNTY
from .publishing import (
    LARGE_SUFFIX,
    PUBLISHED,
    Published,
    RenderJob,
    notice_paths,
    published_key,
    render_files,
    show_published,
    write_index,
)
from .readiness import Readiness
from .safepaths import Within
from .site import version_page
from .verification import verification_code
from .writing import internal_dir

if TYPE_CHECKING:  # the records these functions take, named for the reader (no import at run time)
    from .books import SummaryRow
    from .notice_settings import NoticeSettings
    from .problems import Problem


NEW, UNCHANGED, REFUSED = "已公示", "此前已公示，内容无变化", "未公示"


@dataclass(frozen=True, kw_only=True)
class PublishRequest:
    date: date
    by: str
    villages: tuple[str, ...] = ()  # village codes; empty: every village of the county-year


@dataclass(frozen=True, kw_only=True)
class VillageOutcome:
    village_code: str
    village_name: str
    town: str
    result: str  # 已公示, 此前已公示，内容无变化, 未公示
    version: int | None
    reasons: tuple[str, ...] = ()
    correction: bool = False


def publish_villages(notices: list[Notice], current: list[Published], settings: NoticeSettings, readiness: Readiness,
                     request: PublishRequest, summary: list[SummaryRow], inputs_listing: list[dict], outputs: Path,
                     archive_root: Path, problems: list[Problem], progress: Callable[[str], None] | None = None
                     ) -> list[VillageOutcome]:
    """Publish the requested villages that are ready; `notices` are dated (built with settings.dated(date)) and
    `current` is what notices/ holds (updated in place for the villages published)."""
    by_code = {n.village_code: n for n in notices}
    shown = {p.notice.village_code: p for p in current}
    cache = RenderCache(outputs)
    outcomes, to_publish = [], []
    for code in request.villages or tuple(by_code):
        notice = by_code.get(code)
        if notice is None:
            outcomes.append(VillageOutcome(village_code=code, village_name="", town="", result=REFUSED, version=None,
                                           reasons=("本县本年度的清册中没有这个村代码的户",)))
            continue
        if notice.withheld or not readiness.ready(code):
            outcomes.append(_outcome(notice, REFUSED, None, tuple(readiness.reasons(code)) or ("公示已暂扣",)))
            continue
        latest = latest_version(archive_root, notice, settings.kind)
        item = shown[code]
        if is_current(latest, notice, settings):
            show_published(item, latest, cache)
            outcomes.append(_outcome(notice, UNCHANGED, latest.number))
            continue
        if latest is not None:
            correct_against(notice, latest)
        number = (latest.number if latest else 0) + 1
        notice.verification_code = verification_code(content_sha(notice, settings), code, settings.kind, number,
                                                      request.date.isoformat())
        notice.qr_payload = village_page_url(settings.site_base_url, notice, settings.kind, number) or \
            notice.verification_code
        item.notice, item.corrects = notice, latest
        to_publish.append(item)
    staging = internal_dir(outputs) / ".web_copies"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    _write_final(to_publish, settings, outputs / "notices", staging, progress)
    record = PublicationRecord(by=request.by, date=request.date.isoformat(),
                               decisions=_decisions_in_force(problems, readiness))
    rows = archive_publication(to_publish, settings, summary, inputs_listing, archive_root, record)
    shutil.rmtree(staging, ignore_errors=True)
    copies = {}
    for item, row in zip(to_publish, rows, strict=True):
        # notices/ holds the very files the archive read for this version: nothing to copy or compare
        item.version = latest_version(archive_root, item.notice, settings.kind)
        copies[item.path] = (published_key(item.version), item.large_path, item.pages, item.large_pages)
        outcomes.append(_outcome(item.notice, NEW, int(row["version"]), correction=item.corrects is not None))
    cache.add(copies)  # the next run keeps them without reading them (see RenderCache)
    write_index(outputs / "notices", current)
    return sorted(outcomes, key=lambda o: o.village_code)


def _write_final(items: list[Published], settings: NoticeSettings, folder: Path, staging: Path, progress) -> None:
    """The dated PDFs of the villages being published, into notices/, and their web copies into `staging` (until
    the archive takes them), each written by the worker that draws it."""
    jobs = []
    within = Within(folder)
    for item in items:
        item.path, item.large_path = notice_paths(folder, item.notice, within)
        item.web = tuple(staging / f"{item.notice.village_code}{n}.pdf" for n in ("", LARGE_SUFFIX))
        # not synced one by one: the archive reads them and makes its copies durable with one sync (syncfs on
        # Linux) before a version appears; notices/ is put back from the archive if a crash leaves it stale
        jobs.append(RenderJob(item.notice, settings.paper, item.path, item.large_path, durable=False,
                              web=item.web if settings.web_mask_names else None))
    pages = render_files(jobs, progress=progress)
    for item, (normal_pages, large_pages) in zip(items, pages, strict=True):
        item.pages, item.large_pages = normal_pages, large_pages
        item.state = PUBLISHED
        if not settings.web_mask_names:  # the web copies are the notices themselves
            for source, target in zip((item.path, item.large_path), item.web, strict=True):
                shutil.copyfile(source, target)


def village_page_url(base: str, notice: Notice, kind: str, version: int) -> str:
    """The address of a published version's page on the site (for the QR), or '' without a base URL."""
    if not base:
        return ""
    return f"{base.rstrip('/')}/{version_page(notice.village_code, notice.year, kind, version)}"


def _outcome(notice: Notice, result: str, version: int | None, reasons: tuple[str, ...] = (),
             correction: bool = False) -> VillageOutcome:
    return VillageOutcome(village_code=notice.village_code, village_name=notice.village_name, town=notice.town,
                          result=result, version=version, reasons=reasons, correction=correction)


def _decisions_in_force(problems, readiness: Readiness) -> dict[str, list[dict]]:
    """Village code -> the decisions on its own problems and on the county-wide ones ('' for the latter)."""
    out: dict[str, list[dict]] = {}
    county = []
    for p in problems:
        decision = readiness.decided.get(p.problem_id)
        if decision is None:
            continue
        entry = {"problem_id": p.problem_id, "kind": p.kind, "decision": decision.decision, "reason": decision.reason,
                 "by": decision.by, "date": decision.date}
        if p.blocks == COUNTY or p.village_code not in readiness.villages:
            county.append(entry)
        else:
            out.setdefault(p.village_code, []).append(entry)
    return {code: out.get(code, []) + county for code in readiness.villages}
