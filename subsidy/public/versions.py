"""What the public channel (site, open data) is built from: the published versions in the archive, as the web shows
them (IDs and accounts always masked; names masked when the version was published with web_mask_names)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from subsidy.base.files import read_rows
from subsidy.intake.normalising import parse_decimal
from subsidy.privacy import mask_name
from subsidy.season.archive import version_manifests


@dataclass(kw_only=True)
class PublishedVersion:
    folder: Path
    manifest: dict
    latest: bool = False  # the newest version of its village, kind and year
    summaries: list[dict] = field(default_factory=list)  # summary.csv
    cadres: list[dict] = field(default_factory=list)  # cadres.csv, names as the web shows them
    full_cadre_names: list[str] = field(default_factory=list)
    held: list[dict] | None = None  # rows.csv as the web shows it, while this village's pages are built

    def __getattr__(self, name: str):
        try:
            return self.__dict__["manifest"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def masked(self) -> bool:
        """Names are masked on the web for this version (web_mask_names when it was published)."""
        return self.manifest.get("web_mask_names", True)

    @property
    def rows(self) -> list[dict]:
        """rows.csv, names masked for the web where the setting says: read when asked and not kept (all villages'
        rows at once were a million dicts at prefecture scale), unless held for the village being built (hold)."""
        if self.held is not None:
            return self.held
        return self._as_web(read_rows(self.folder / "rows.csv"))

    def hold(self) -> list[str]:
        """Read rows.csv once for the pages of this village (until release); returns the full names in it and in
        cadres.csv, which its public pages must not show where names are masked."""
        full = read_rows(self.folder / "rows.csv")
        self.held = self._as_web(full)
        return [r["name"] for r in full] + self.full_cadre_names

    def _as_web(self, rows: list[dict]) -> list[dict]:
        return [dict(r, name=mask_name(r["name"])) for r in rows] if self.masked else rows

    def release(self) -> None:
        self.held = None

    def places(self) -> list[str]:
        """The words of this version the public is meant to read: its places and subsidies."""
        return [self.village_name, self.town, self.county, *(s["subsidy_type"] for s in self.summaries)]

    def public_texts(self) -> list[tuple[str, str]]:
        """Every value of this version the site or the open data print, with its field (a column at a time)."""
        rows = self.rows
        texts = [("标题", self.title), ("核验码", self.verification_code), ("二维码", self.manifest.get("qr_payload", ""))]
        texts += [("更正内容", line) for line in self.manifest.get("changes_web", [])]
        texts += [(label, "\n".join(str(r[key]) for r in rows)) for key, label in _ROW_LABELS]
        texts += [("村干部" + label, "\n".join(str(c[key]) for c in self.cadres)) for key, label in _CADRE_LABELS]
        return texts

    @property
    def web_notice(self) -> Path:
        return self.folder / self.manifest.get("web_notice", self.manifest["notice"])

    @property
    def web_large(self) -> Path:
        return self.folder / self.manifest.get("web_large_print", self.manifest["large_print"])

    def total(self, column: str) -> Decimal | None:
        values = [parse_decimal(s[column]) for s in self.summaries if s[column]]
        return sum(values, Decimal(0)) if values else None


# what the site and the open data print of rows.csv and cadres.csv (remarks are on the web copies only)
_ROW_LABELS = (("subsidy", "补贴项目"), ("name", "户主姓名"), ("id_number", "身份证号"), ("area", "面积"),
               ("rate", "标准"), ("amount", "金额"), ("status", "发放情况"))
_CADRE_LABELS = (("name", "姓名"), ("post", "职务"), ("subsidy", "补贴项目"), ("amount", "金额"))


def load_published(root: Path, staged: tuple[Path, ...] = ()) -> list[PublishedVersion]:
    """Every version that was published (has a publication record), oldest first, the newest of each marked;
    with `staged`, the version folders of a publication not yet committed as well (what the public channel will
    show once it is)."""
    found = []
    for path in [*version_manifests(root), *(folder / "manifest.json" for folder in staged)]:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        manifest.pop("inputs", None)  # the listing of every input file: not public, and held for 3,000 villages
        # at once it took gigabytes
        if not manifest.get("published_by"):
            continue
        masked = manifest.get("web_mask_names", True)
        v = PublishedVersion(folder=path.parent, manifest=manifest)
        v.summaries = read_rows(path.parent / "summary.csv")
        cadres = read_rows(path.parent / "cadres.csv")
        v.cadres = [dict(c, name=mask_name(c["name"]) if masked else c["name"]) for c in cadres]
        v.full_cadre_names = [c["name"] for c in cadres]
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
