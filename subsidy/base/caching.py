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
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

from subsidy import __version__
from subsidy.base.files import atomic_write_bytes, internal_dir
from subsidy.base.pickling import SharingUnpickler
from subsidy.base.workers import warm

CACHE_FOLDER = "cache"


@lru_cache(maxsize=1)
def code_key() -> str:
    """A fingerprint of this tool's code and bundled data (a new release, or an edited module, starts afresh)."""
    digest = hashlib.sha256(__version__.encode())
    package = resources.files("subsidy")
    for name, entry in _modules(package):  # every module of every package: an edit anywhere starts afresh
        digest.update(name.encode() + entry.read_bytes())
    for entry in sorted(package.joinpath("data").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".csv"):
            digest.update(entry.name.encode() + entry.read_bytes())
    fonts = package.joinpath("data/fonts")
    for entry in sorted(fonts.iterdir(), key=lambda e: e.name):  # the fonts by name and size (they are large)
        with resources.as_file(entry) as real:
            digest.update(f"{entry.name}:{os.path.getsize(real)}".encode())
    return digest.hexdigest()


def _modules(folder, prefix: str = "") -> list[tuple[str, object]]:
    """(path inside the package, entry) of every .py file below `folder`, sorted by path."""
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir() and entry.name not in ("data", "__pycache__"):
            found += _modules(entry, f"{prefix}{entry.name}/")
        elif entry.name.endswith(".py"):
            found.append((prefix + entry.name, entry))
    return found


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


