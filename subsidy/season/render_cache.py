"""The drafts a run keeps from the last one (internal/cache/): a draft is drawn again only when its notice changed,
and published copies put in notices/ are not read again."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from subsidy.base.caching import cache_dir, code_key
from subsidy.base.files import atomic_write_bytes

if TYPE_CHECKING:  # the records these functions take, named for the reader (no import at run time)
    from subsidy.notices.content import Notice


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
