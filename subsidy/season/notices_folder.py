"""Drawing and writing every village's notices under outputs/notices/, in parallel.

notices/<town>/<village_code>_<village>.pdf and …_大字版.pdf always show the current state of each village: the
published notice (copied from the archive) when the current content equals the last published version, otherwise
a draft (草稿) of what would be published next (a draft 更正公示 when a published version exists). A withheld
notice is not written at all; notices/index.csv says per village which it is. A notice of an earlier run that
this run did not write is removed, so the folder always matches the current inputs.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from subsidy.base.files import atomic_write_bytes, fsync_folder, write_csv
from subsidy.base.safepaths import Within, component, village_stem
from subsidy.base.workers import cores, spread
from subsidy.columns import INDEX_COLUMNS
from subsidy.disclosure import NUMBERS_ONLY, Guard
from subsidy.intake.normalising import money_text
from subsidy.notices import fonts
from subsidy.notices.content import Notice, public_names, web_copy
from subsidy.notices.drawing import render
from subsidy.season.archive import (
    WEB_SUFFIX,
    Version,
    correct_against,
    is_current,
    latest_version,
    read_ahead,
)
from subsidy.season.render_cache import RenderCache

if TYPE_CHECKING:  # the records these functions take, named for the reader (no import at run time)
    from subsidy.notices.settings import NoticeSettings

Progress = Callable[[str], None]
LARGE_SUFFIX = "_大字版"
DRAFT, PUBLISHED, WITHHELD = "草稿", "已公示", "已暂扣"


@dataclass
class Published:
    """A village's notice as it stands in notices/: a draft, the published version, or withheld (no files)."""

    notice: Notice
    path: Path | None  # None when withheld
    large_path: Path | None
    pages: int = 0
    large_pages: int = 0
    state: str = DRAFT  # 草稿, 已公示, 已暂扣
    version: Version | None = None  # the published version shown, or the one a draft (or publication) corrects
    corrects: Version | None = None  # for a publication: the version it corrects
    web: tuple[Path, Path] | None = None  # for a publication: the web copies' files (names masked when web_mask_names)
    drawn: tuple[Path, Path] | None = None  # for a publication: the final PDFs as drawn, until notices/ takes them
    reused: bool = False  # a draft kept from the last run (its notice says the same; see RenderCache)

    @property
    def status_text(self) -> str:
        if self.state == PUBLISHED and self.version is not None:
            return f"已公示（{self.version.manifest.get('publish_date', '')}）"
        if self.state == DRAFT and self.version is not None:
            return "草稿（更正公示，待公示）"
        return {DRAFT: "草稿（待公示）", WITHHELD: WITHHELD}.get(self.state, self.state)


def notice_paths(folder: Path, notice: Notice, within: Within | None = None) -> tuple[Path, Path]:
    """notices/<town>/<code>_<village>.pdf and its large-print twin, named by the one safe-name rule (checked to
    stay inside `folder`; pass one Within(folder) for many notices)."""
    within = within or Within(folder)
    town = component(notice.town, fallback="未知乡镇")
    stem = village_stem(notice.village_code, notice.village_name)
    return within(folder / town / f"{stem}.pdf"), within(folder / town / f"{stem}{LARGE_SUFFIX}.pdf")


@dataclass(frozen=True)
class RenderJob:
    """One notice to draw, and where its normal and large-print PDFs go (written by the worker that draws them)."""

    notice: Notice
    paper: str
    path: Path
    large_path: Path
    durable: bool = True  # False for drafts: every run checks them (RenderCache) and draws them again if need be
    web: tuple[Path, Path] | None = None  # a publication's web copies (made, checked and drawn by the worker)
    web_mask_names: bool = True  # the web copies mask names (else they are checked for full numbers only)


def _render_job(job: RenderJob) -> tuple[int, int]:
    """Draw a job's notice; a publication's web copies pass the public check on every text they draw (PublicLeak:
    raised to the parent, nothing of the publication is committed). With names shown in full on the web
    (web_mask_names off) the web copies are the notices themselves, checked for full numbers."""
    if job.web is None:
        return _draw_pair(job.notice, job.paper, (job.path, job.large_path), job.durable)
    names = tuple(f"{p.stem}{WEB_SUFFIX}.pdf" for p in job.web)
    if not job.web_mask_names:
        return _draw_pair(job.notice, job.paper, (job.path, job.large_path), job.durable, NUMBERS_ONLY, names, job.web)
    pages = _draw_pair(job.notice, job.paper, (job.path, job.large_path), job.durable)
    _draw_pair(web_copy(job.notice), job.paper, job.web, job.durable, Guard(public_names(job.notice)), names)
    return pages


def _draw_pair(notice: Notice, paper: str, targets: tuple[Path, Path], durable: bool, guard: Guard | None = None,
               names: tuple[str, str] = ("", ""), also: tuple[Path, Path] | None = None) -> tuple[int, int]:
    """The normal and the large-print PDF (into `targets`, and `also`); with a guard (a public copy), every text
    drawn passes its check before anything is written."""
    out = []
    for n, large in enumerate((False, True)):
        seen: list[tuple[str, str]] = []
        data, pages = render(notice, paper, large, seen)
        if guard is not None:
            guard.check_all(names[n], seen)
        for target in (targets[n], *((also[n],) if also else ())):
            atomic_write_bytes(target, data, durable)
        out.append(pages)
    return out[0], out[1]


def render_files(jobs: list[RenderJob], workers: int | None = None, progress: Progress | None = None,
                 start_method: str | None = None) -> list[tuple[int, int]]:
    """Draw each job's notice on all cores; each worker writes the PDFs itself (the parent never holds them).
    Returns (pages, large-print pages) per job."""
    if progress and jobs:
        web = "及其网上公布版" if any(job.web for job in jobs) else ""
        progress(f"绘制公示 {len(jobs)} 份（每份普通版和大字版各一{web}，{cores(workers)} 个进程）")
    fonts.register()  # once, before the workers start: forked workers inherit the loaded fonts
    return list(spread(_render_job, jobs, workers, start_method=start_method))


def write_current_notices(notices: list[Notice], settings: NoticeSettings, outputs: Path, archive_root: Path, workers: int | None = None,
                          progress: Progress | None = None) -> list[Published]:
    """notices/ as it stands now: published copies where nothing changed since publication, drafts elsewhere
    (a draft whose content is unchanged since the last run is kept as it is: see RenderCache)."""
    folder = outputs / "notices"
    cache = RenderCache(outputs)
    within = Within(folder)
    results: list[Published] = []
    drafts: list[Published] = []
    read_ahead(archive_root, notices, settings.kind)
    for notice in notices:
        if notice.withheld:
            results.append(Published(notice, None, None, state=WITHHELD))
            continue
        path, large_path = notice_paths(folder, notice, within)
        latest = latest_version(archive_root, notice, settings.kind)
        item = Published(notice, path, large_path, version=latest)
        if is_current(latest, notice, settings):
            show_published(item, latest, cache)
        else:
            if latest is not None:
                correct_against(notice, latest)
            drafts.append(item)
        results.append(item)
    drawn = _write_drafts(drafts, settings.paper, cache, workers, progress)
    cache.save(drawn | {item.path: (published_key(item.version), item.large_path, item.pages, item.large_pages)
                        for item in results if item.state == PUBLISHED})
    written = {str(p) for item in results for p in (item.path, item.large_path) if p is not None}
    for top, _, names in os.walk(folder):  # (a third of the time of Path.rglob over 6,000 files)
        for stale in (os.path.join(top, name) for name in names if name.endswith(".pdf")):
            if stale not in written:
                os.unlink(stale)
    write_index(folder, results)
    return results


def _write_drafts(drafts: list[Published], paper: str, cache: RenderCache, workers: int | None,
                  progress: Progress | None) -> dict[Path, tuple[str, Path, int, int]]:
    """Draw the drafts whose notice changed since the last run; returns what the cache records of each."""
    keys = {item.path: cache.key(item.notice, paper) for item in drafts}  # each draft has its own path
    todo = []
    for item in drafts:
        kept = cache.kept(item.path, item.large_path, keys[item.path])
        if kept is None:
            todo.append(item)
        else:
            item.pages, item.large_pages = kept
            item.reused = True
    if progress and len(todo) < len(drafts):
        progress(f"公示草稿：{len(drafts) - len(todo)} 个村内容与上次相同，沿用上次生成的文件")
    jobs = [RenderJob(item.notice, paper, item.path, item.large_path, durable=False) for item in todo]
    for item, (pages, large_pages) in zip(todo, render_files(jobs, workers, progress), strict=True):
        item.pages, item.large_pages = pages, large_pages
    return {item.path: (keys[item.path], item.large_path, item.pages, item.large_pages) for item in drafts}


def refresh_shown(items: list[Published], settings: NoticeSettings, archive_root: Path) -> None:
    """Mark the drafts that a publication has since made current (their files in notices/ are the published ones)."""
    for item in items:
        if item.state == DRAFT:
            latest = latest_version(archive_root, item.notice, settings.kind)
            if is_current(latest, item.notice, settings):
                item.state, item.version = PUBLISHED, latest
                item.pages, item.large_pages = latest.manifest.get("pages", 0), latest.manifest.get("large_pages", 0)


def published_key(version: Version) -> str:
    """What the draft cache records of a published version shown in notices/: its PDFs' SHA-256."""
    outputs = version.manifest.get("outputs", {})
    return "published " + " ".join(outputs.get(version.manifest[k], "") for k in ("notice", "large_print"))


def show_published(item: Published, version: Version, cache: RenderCache | None = None) -> None:
    """Put the published version's PDFs (exactly as archived) in notices/; with the draft cache, files it records as
    copied from this version (and unchanged since) are not read again."""
    manifest = version.manifest
    if cache is None or cache.kept(item.path, item.large_path, published_key(version)) is None:
        for source, target in ((manifest["notice"], item.path), (manifest["large_print"], item.large_path)):
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists() or target.read_bytes() != (version.folder / source).read_bytes():
                tmp = target.with_name(f".{target.name}.tmp")
                shutil.copyfile(version.folder / source, tmp)
                os.replace(tmp, target)
                fsync_folder(target.parent)
    item.state, item.version = PUBLISHED, version
    item.pages, item.large_pages = manifest.get("pages", 0), manifest.get("large_pages", 0)


def write_index(folder: Path, results: list[Published]) -> None:
    """notices/index.csv: one row per village, what notices/ holds for it and why."""
    write_csv(folder / "index.csv", INDEX_COLUMNS, (
        (p.notice.village_code, p.notice.village_name, p.notice.town, p.notice.households, money_text(p.notice.amount),
         p.path.relative_to(folder).as_posix() if p.path else "",
         p.large_path.relative_to(folder).as_posix() if p.large_path else "", p.pages or "", p.large_pages or "",
         p.status_text, "；".join(sorted({pr.kind for pr in p.notice.problems}))) for p in results
    ))
