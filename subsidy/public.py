"""What the public channel (site, open data) is built from: the published versions in the archive, as the web shows
them (IDs and accounts always masked; names masked when the version was published with web_mask_names)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .normalising import parse_decimal
from .privacy import mask_name
from .writing import read_rows


@dataclass(kw_only=True)
class PublishedVersion:
    folder: Path
    manifest: dict
    latest: bool = False  # the newest version of its village, kind and year
    summaries: list[dict] = field(default_factory=list)  # summary.csv
    cadres: list[dict] = field(default_factory=list)  # cadres.csv

    def __getattr__(self, name: str):
        try:
            return self.__dict__["manifest"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def rows(self) -> list[dict]:
        """rows.csv, names masked for the web where the setting says: read when asked and not kept (all villages'
        rows at once were a million dicts at prefecture scale)."""
        masked = self.manifest.get("web_mask_names", True)
        return [dict(r, name=mask_name(r["name"]) if masked else r["name"]) for r in read_rows(self.folder / "rows.csv")]

    @property
    def web_notice(self) -> Path:
        return self.folder / self.manifest.get("web_notice", self.manifest["notice"])

    @property
    def web_large(self) -> Path:
        return self.folder / self.manifest.get("web_large_print", self.manifest["large_print"])

    def total(self, column: str) -> Decimal | None:
        values = [parse_decimal(s[column]) for s in self.summaries if s[column]]
        return sum(values, Decimal(0)) if values else None


def load_published(root: Path) -> list[PublishedVersion]:
    """Every version that was published (has a publication record), oldest first, the newest of each marked."""
    found = []
    for path in sorted(root.glob("*/*/*/*/v*/manifest.json")):
        manifest = json.loads(path.read_text(encoding="utf-8"))
        manifest.pop("inputs", None)  # the listing of every input file: not public, and held for 3,000 villages
        # at once it took gigabytes
        if not manifest.get("published_by"):
            continue
        masked = manifest.get("web_mask_names", True)
        v = PublishedVersion(folder=path.parent, manifest=manifest)
        v.summaries = read_rows(path.parent / "summary.csv")
        v.cadres = [dict(c, name=mask_name(c["name"]) if masked else c["name"]) for c in read_rows(path.parent / "cadres.csv")]
        found.append(v)
    newest: dict[tuple, PublishedVersion] = {}
    for v in found:
        key = (v.village_code, v.kind, v.year)
        if key not in newest or v.version > newest[key].version:
            newest[key] = v
    for v in newest.values():
        v.latest = True
    return sorted(found, key=lambda v: (v.county, v.year, v.town, v.village_code, v.kind, v.version))


def money2(value: Decimal | None) -> str:
    """Money as people read it: 1,234.50 (empty for none)."""
    return "" if value is None else f"{value:,.2f}"
