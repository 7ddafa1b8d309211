"""A publication's commit record (archive/.journal/<id>.json): all of a publication, or the next publish ends it.

A publication first writes everything it will publish beside the archive, in archive/.staging/<id>/: each
village's new version folder, and (when it rebuilds the public channel) the whole site and open data. Every public
text has passed the check by then (disclosure.Guard). Once all of it is durable, the journal is written: that is
the moment of publication. After it come only renames and an append: the version folders into place, their rows
into register.csv, the site and open data swapped in, the final PDFs moved into notices/. Each of these can be done
again without harm, so whatever a cut leaves behind, the next `subsidy publish` does the rest (with the cut
publication's own date and publisher, which its staged manifests hold) before its own work, and `subsidy verify`
says meanwhile that a publication is unfinished and what to run. A cut before the journal is written leaves
nothing published: the staging is dropped.

Step boundaries are named (STEPS); `failpoint` is called at each, so tests can cut a publication exactly there.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from subsidy.base.files import atomic_write_bytes, fsync_folder

FOLDER = ".journal"
STAGING = ".staging"
# the step boundaries of a publication, in order (a cut is tested at each)
STEPS = ("drawn", "staged", "public_staged", "synced", "committed", "renamed", "registered", "public_swapped",
         "notices_moved", "finished")
ENV = "SUBSIDY_FAILPOINT"  # "<step>": the process ends there at once (os._exit), for the crash tests
# a test's hook, called with each step's name as it is reached (it may raise to cut the publication there)
HOOK: Callable[[str], None] | None = None


def failpoint(step: str) -> None:
    """A publication has reached `step`: the crash tests may stop it here."""
    if HOOK is not None:
        HOOK(step)
    if os.environ.get(ENV) == step:
        os._exit(70)


def write(root: Path, ident: str, record: dict) -> Path:
    """The publication `ident` is committed: its record, durable before anything is renamed into place."""
    path = root / FOLDER / f"{ident}.json"
    atomic_write_bytes(path, (json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode())
    return path


def pending(root: Path) -> list[tuple[Path, dict]]:
    """The committed publications not yet finished (oldest first), with their records."""
    folder = root / FOLDER
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.json"), key=lambda p: (p.stat().st_mtime_ns, p.name)):
        try:
            found.append((path, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError):
            continue  # written atomically: a file that does not parse is not a journal of ours
    return found


def uncommitted(root: Path) -> list[Path]:
    """Staging folders of publications cut before they were committed (nothing of them was published)."""
    folder = root / STAGING
    committed = {record.get("id") for _, record in pending(root)}
    return sorted(p for p in folder.iterdir() if p.name not in committed) if folder.is_dir() else []


def finish(path: Path) -> None:
    """The journal's publication is complete: forget it, and its staging."""
    record = json.loads(path.read_text(encoding="utf-8"))
    shutil.rmtree(path.parent.parent / STAGING / str(record.get("id", "")), ignore_errors=True)
    path.unlink(missing_ok=True)
    fsync_folder(path.parent)


def rename_into_place(staged: Path, final: Path) -> None:
    """A staged version folder into its place (done already when the staged folder is gone)."""
    if not staged.is_dir():
        return
    final.parent.mkdir(parents=True, exist_ok=True)
    os.rename(staged, final)  # the whole version appears at once
    fsync_folder(final.parent)


def swap_in(staged: Path, live: Path) -> None:
    """Replace the folder `live` by `staged` whole (done already when `staged` is gone); a cut between the two
    renames leaves `live` missing, which a second call puts right."""
    if not staged.is_dir():
        return
    old = live.with_name(f".{live.name}.old")
    if live.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.rename(live, old)
    os.rename(staged, live)
    fsync_folder(live.parent)
    shutil.rmtree(old, ignore_errors=True)


def move_files(moves: list[tuple[Path, Path]]) -> None:
    """Drawn files into their places (those already moved, or gone, are left)."""
    for source, target in moves:
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
