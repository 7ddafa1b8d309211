"""What a run reuses from the previous run of the same county-year, kept under its internal/cache/ (staff only:
the parsed rows hold full IDs and accounts).

- ParseCache: each input file's parsed sheets, by the file's content hash, its path, the settings that steer
  parsing (villages.csv, subsidies.csv, the year) and this tool's code: a file nobody touched is not parsed again.
- RenderCache: each draft notice's PDFs, by the notice's content and this tool's code: a village whose notice
  says the same as last time keeps its files (checked by size and modification time) instead of being drawn again.

Anything unreadable in the cache is ignored and rebuilt; the outputs are the same bytes with or without it.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .records import SharingUnpickler
from .workers import warm
from .writing import atomic_write_bytes, internal_dir

if TYPE_CHECKING:  # the records these functions take, named for the reader (no import at run time)
    from .notices import Notice

CACHE_FOLDER = "cache"


@lru_cache(maxsize=1)
def code_key() -> str:
    """A fingerprint of this tool's code and bundled data (a new release, or an edited module, starts afresh)."""
    digest = hashlib.sha256(__version__.encode())
    package = resources.files("subsidy")
    for entry in sorted(package.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".py"):
            digest.update(entry.name.encode() + entry.read_bytes())
    for entry in sorted(package.joinpath("data").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".csv"):
            digest.update(entry.name.encode() + entry.read_bytes())
    fonts = package.joinpath("data/fonts")
    for entry in sorted(fonts.iterdir(), key=lambda e: e.name):  # the fonts by name and size (they are large)
        with resources.as_file(entry) as real:
            digest.update(f"{entry.name}:{os.path.getsize(real)}".encode())
    return digest.hexdigest()


def cache_dir(outputs: Path) -> Path:
    folder = internal_dir(outputs) / CACHE_FOLDER
    folder.mkdir(exist_ok=True)
    return folder


class ParseCache:
    """Parsed files by content: load(key) gives what store(key, value) kept, or None."""

    def __init__(self, outputs: Path):
        self.folder = cache_dir(outputs) / "parsed"
        self.used: set[str] = set()
        self.reused = 0
        self.shared: dict = {}  # equal Decimals as one object across every file loaded (see SharingUnpickler)

    @staticmethod
    def key(*parts: str) -> str:
        return hashlib.sha256("\n".join((code_key(), *parts)).encode()).hexdigest()

    def warm(self, keys: list[str]) -> None:
        """Have the files of these keys read ahead, all at once (see workers.warm)."""
        warm([self.folder / f"{key}.pickle" for key in keys])

    def load(self, key: str) -> object | None:
        self.used.add(key)
        try:
            with open(self.folder / f"{key}.pickle", "rb") as f:
                value = SharingUnpickler(f, self.shared).load()
        except Exception:  # missing, half-written by a killed run, or from an older tool: parse again
            return None
        self.reused += 1
        return value

    def store(self, key: str, data: bytes) -> None:
        """Keep a parsed file, pickled."""
        self.used.add(key)
        atomic_write_bytes(self.folder / f"{key}.pickle", data)

    def prune(self) -> None:
        """Forget the files this run did not read (a file removed or changed)."""
        for old in self.folder.glob("*.pickle") if self.folder.exists() else ():
            if old.stem not in self.used:
                old.unlink(missing_ok=True)


class RenderCache:
    """Draft notices by content: which PDFs in notices/ were drawn from which notice, as of the last run."""

    def __init__(self, outputs: Path):
        self.outputs = outputs
        self.path = cache_dir(outputs) / "notices.json"
        try:
            self.entries = json.loads(self.path.read_text(encoding="utf-8"))
        except Exception:
            self.entries = {}
        self.confirmed: dict[str, dict] = {}  # the entries kept() found true in this run (their files untouched since)

    @staticmethod
    def key(notice: Notice, paper: str) -> str:
        return hashlib.sha256(f"{code_key()}\n{paper}\n{notice!r}".encode()).hexdigest()

    def kept(self, path: Path, large_path: Path, key: str) -> tuple[int, int] | None:
        """(pages, large pages) when both PDFs are still the ones drawn from a notice with this key."""
        entry = self.entries.get(self._name(path))
        if not entry or entry.get("key") != key:
            return None
        for file, stamp in ((path, entry.get("normal")), (large_path, entry.get("large"))):
            if _stamp(file) != stamp:
                return None
        self.confirmed[self._name(path)] = entry
        return entry["pages"], entry["large_pages"]

    def save(self, drawn: dict[Path, tuple[str, Path, int, int]]) -> None:
        """Record what notices/ now holds: path -> (key, large-print path, pages, large pages)."""
        self.entries = {}
        self.add(drawn)

    def add(self, drawn: dict[Path, tuple[str, Path, int, int]]) -> None:
        """Record these files too (a publication's new copies), keeping the other entries."""
        for path, (key, large, pages, large_pages) in drawn.items():
            name = self._name(path)
            entry = {"key": key, "pages": pages, "large_pages": large_pages}
            confirmed = self.confirmed.get(name)
            if confirmed is not None and all(confirmed.get(k) == v for k, v in entry.items()):
                self.entries[name] = confirmed  # its files were checked this run and left alone since: not looked at again
            else:
                self.entries[name] = {**entry, "normal": _stamp(path), "large": _stamp(large)}
        atomic_write_bytes(self.path, json.dumps(self.entries, ensure_ascii=False, sort_keys=True).encode("utf-8"))

    def _name(self, path: Path) -> str:
        return path.relative_to(self.outputs).as_posix()


def _stamp(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]
