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

from subsidy.base.files import internal_dir
from subsidy.base.locking import output_lock
from subsidy.base.safepaths import Within
from subsidy.checks.readiness import Readiness
from subsidy.disclosure import PublicLeak
from subsidy.notices.content import Notice
from subsidy.problems import COUNTY
from subsidy.season import journal
from subsidy.season.archive import (
    WEB_SUFFIX,
    PublicationRecord,
    PublicBuilder,
    archive_publication,
    content_sha,
    correct_against,
    finish_interrupted,
    is_current,
    latest_version,
)
from subsidy.season.check_codes import verification_code, version_page
from subsidy.season.notices_folder import (
    DRAFT,
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
from subsidy.season.render_cache import RenderCache

if TYPE_CHECKING:  # the records these functions take, named for the reader (no import at run time)
    from subsidy.books import SummaryRow
    from subsidy.notices.settings import NoticeSettings
    from subsidy.problems import Problem


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
                     archive_root: Path, problems: list[Problem], progress: Callable[[str], None] | None = None,
                     public: PublicBuilder | None = None) -> list[VillageOutcome]:
    """Publish the requested villages that are ready; `notices` are dated (built with settings.dated(date)) and
    `current` is what notices/ holds (updated in place for the villages published). A publication a cut left
    unfinished is finished first. `public` builds the public channel from the staged versions (see
    archive.archive_publication); PublicLeak when a public text is not safe: then nothing is published."""
    with output_lock(outputs):  # the county-year's (held already by a run of the graph): notices/ is ours to write
        return _publish(notices, current, settings, readiness, request, summary, inputs_listing, outputs,
                        archive_root, problems, progress, public)


def _publish(notices, current, settings, readiness, request, summary, inputs_listing, outputs, archive_root,
             problems, progress, public) -> list[VillageOutcome]:
    finish_interrupted(archive_root)  # its versions count as published from here on
    cache = RenderCache(outputs)
    outcomes, to_publish = _decide(notices, current, settings, readiness, request, archive_root, cache)
    work = internal_dir(outputs) / ".publication"  # the final PDFs and web copies, until the archive takes them
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    _write_final(to_publish, settings, outputs / "notices", work, progress)
    journal.failpoint("drawn")
    record = PublicationRecord(by=request.by, date=request.date.isoformat(),
                               decisions=_decisions_in_force(problems, readiness))
    moves = [pair for item in to_publish for pair in zip(item.drawn, (item.path, item.large_path), strict=True)]
    try:
        rows = archive_publication(to_publish, settings, summary, inputs_listing, archive_root, record, public,
                                   moves, outputs)
    except PublicLeak:
        shutil.rmtree(work, ignore_errors=True)
        for item in to_publish:  # notices/ keeps the drafts it shows
            item.state = DRAFT
        raise
    shutil.rmtree(work, ignore_errors=True)
    copies = {}
    for item, row in zip(to_publish, rows, strict=True):
        # notices/ holds the very files the archive read for this version: nothing to copy or compare
        item.version = latest_version(archive_root, item.notice, settings.kind)
        copies[item.path] = (published_key(item.version), item.large_path, item.pages, item.large_pages)
        outcomes.append(_outcome(item.notice, NEW, int(row["version"]), correction=item.corrects is not None))
    cache.add(copies)  # the next run keeps them without reading them (see RenderCache)
    write_index(outputs / "notices", current)
    return sorted(outcomes, key=lambda o: o.village_code)


def _decide(notices: list[Notice], current: list[Published], settings: NoticeSettings, readiness: Readiness,
            request: PublishRequest, archive_root: Path, cache: RenderCache) -> tuple[list[VillageOutcome], list]:
    """Per village asked for: refused (why), already published unchanged, or to publish (as a 更正公示 of the
    version it corrects, with its 核验码 and QR); returns the outcomes so far and what is to be published."""
    by_code = {n.village_code: n for n in notices}
    shown = {p.notice.village_code: p for p in current}
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
    return outcomes, to_publish


def _write_final(items: list[Published], settings: NoticeSettings, folder: Path, work: Path, progress) -> None:
    """The dated PDFs of the villages being published and their web copies (every text of which passes the public
    check), drawn into `work` by the worker that draws each; they go into notices/ once the publication is
    committed."""
    jobs = []
    within = Within(folder)
    for item in items:
        item.path, item.large_path = notice_paths(folder, item.notice, within)
        code = item.notice.village_code
        item.drawn = (work / f"{code}.pdf", work / f"{code}{LARGE_SUFFIX}.pdf")
        item.web = (work / f"{code}{WEB_SUFFIX}.pdf", work / f"{code}{LARGE_SUFFIX}{WEB_SUFFIX}.pdf")
        # not synced one by one: the archive reads them and makes its copies durable with one sync (syncfs on
        # Linux) before a version appears
        jobs.append(RenderJob(item.notice, settings.paper, *item.drawn, durable=False, web=item.web,
                              web_mask_names=settings.web_mask_names))
    pages = render_files(jobs, progress=progress)
    for item, (normal_pages, large_pages) in zip(items, pages, strict=True):
        item.pages, item.large_pages = normal_pages, large_pages
        item.state = PUBLISHED


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
