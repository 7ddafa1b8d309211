"""Writing every village's notice and large-print notice under outputs/notices/, in parallel.

notices/<town>/<village_code>_<village>.pdf and …_大字版.pdf, plus notices/index.csv (one row per village:
written or withheld, and why). A withheld notice is not written at all; a notice of an earlier run that this
run did not write is removed, so the folder always matches the current inputs.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .archiving import mark_corrections
from .locking import forget_inherited
from .notices import Notice, build_notices, money
from .rendering import render
from .safepaths import component, inside, village_stem
from .writing import atomic_write_bytes, write_csv

LARGE_SUFFIX = "_大字版"


@dataclass
class Published:
    notice: Notice
    path: Path | None  # None when withheld
    large_path: Path | None
    pages: int = 0
    large_pages: int = 0
    new_version: tuple | None = None  # (latest archived version or None, content hash) when the archive needs one


def notice_paths(folder: Path, notice: Notice) -> tuple[Path, Path]:
    """notices/<town>/<code>_<village>.pdf and its large-print twin, named by the one safe-name rule."""
    town = component(notice.town, fallback="未知乡镇")
    stem = village_stem(notice.village_code, notice.village_name)
    return (inside(folder, folder / town / f"{stem}.pdf"),
            inside(folder, folder / town / f"{stem}{LARGE_SUFFIX}.pdf"))


def _worker_start() -> None:
    """A rendering worker: drop the parent's locks, and end itself if the parent dies (a killed run)."""
    forget_inherited()
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _render_pair(args: tuple[Notice, str, date]) -> tuple[bytes, int, bytes, int]:
    notice, paper, publish = args
    normal, pages = render(notice, paper, False, publish)
    large, large_pages = render(notice, paper, True, publish)
    return normal, pages, large, large_pages


def publish_notices(books, settings, outputs: Path, workers: int | None = None, progress=None,
                    archive_root: Path | None = None) -> list[Published]:
    """Build, check, render and write every village's notices. `settings` must have its publish date set.
    With an archive, a village whose content changed since its last archived version gets a correction
    notice (更正公示) and is marked for a new version."""
    towns = {v.code: v.town for v in books.villages.villages}
    counties = {v.code: v.county for v in books.villages.villages}
    notices = build_notices(books, settings, towns, counties)
    plan = mark_corrections(notices, settings, archive_root) if archive_root is not None else {}
    folder = outputs / "notices"
    ready = [n for n in notices if not n.withheld]
    jobs = [(n, settings.paper, settings.publish_date) for n in ready]
    workers = workers or min(os.cpu_count() or 1, 8)
    if progress and ready:
        progress(f"生成公示 {len(ready)} 个村（{workers} 个进程）")
    if workers > 1 and len(jobs) >= 4:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_worker_start) as pool:
            rendered = list(pool.map(_render_pair, jobs, chunksize=max(1, len(jobs) // (workers * 8))))
    else:
        rendered = [_render_pair(job) for job in jobs]
    results: list[Published] = []
    written: set[Path] = set()
    by_code = {n.village_code: r for n, r in zip(ready, rendered, strict=True)}
    for notice in notices:
        if notice.withheld:
            results.append(Published(notice, None, None))
            continue
        normal, pages, large, large_pages = by_code[notice.village_code]
        path, large_path = notice_paths(folder, notice)
        atomic_write_bytes(path, normal)
        atomic_write_bytes(large_path, large)
        written |= {path, large_path}
        results.append(Published(notice, path, large_path, pages, large_pages, plan.get(notice.village_code)))
    for stale in folder.rglob("*.pdf") if folder.exists() else ():
        if stale not in written:
            stale.unlink()
    write_csv(folder / "index.csv", ("village_code", "village_name", "town", "households", "amount", "notice",
                                     "large_print", "pages", "large_pages", "status", "reason"), (
        (p.notice.village_code, p.notice.village_name, p.notice.town, p.notice.households, money(p.notice.amount),
         p.path.relative_to(folder).as_posix() if p.path else "",
         p.large_path.relative_to(folder).as_posix() if p.large_path else "", p.pages or "", p.large_pages or "",
         "已暂扣" if p.notice.withheld else "已生成",
         "；".join(sorted({pr.kind for pr in p.notice.problems}))) for p in results
    ))
    return results
