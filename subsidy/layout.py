"""The folder layout of the inputs: one folder per county and year, or one flat folder.

    inputs/<year>/<county>/…   e.g. inputs/2022/永嘉县/岩头镇/清册.xlsx  -> partition "2022-永嘉县"

Settings files (villages.csv, subsidies.csv, notice.toml, contacts.csv) may sit in the partition folder or,
shared by all partitions, in inputs/ or inputs/<year>/; the nearest wins. A flat inputs folder (no year
folders) is one county-year on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_YEAR = re.compile(r"^20[0-9]{2}$")


@dataclass(frozen=True, order=True)
class Partition:
    year: int
    county: str

    @property
    def key(self) -> str:
        return f"{self.year}-{self.county}"

    @classmethod
    def from_key(cls, key: str) -> Partition:
        year, _, county = key.partition("-")
        if not _YEAR.match(year) or not county:
            raise ValueError(f"分区名应为“年度-县名”，如 2022-永嘉县：{key}")
        return cls(int(year), county)

    def inputs(self, root: Path) -> Path:
        return root / str(self.year) / self.county

    def outputs(self, root: Path) -> Path:
        return root / str(self.year) / self.county

    def shared_dirs(self, root: Path) -> tuple[Path, ...]:
        """Where settings shared by several partitions may sit, nearest first."""
        return (root / str(self.year), root)


def partitions(inputs: Path) -> list[Partition]:
    """Every <year>/<county>/ folder under `inputs`, sorted."""
    found = []
    if not inputs.is_dir():
        return found
    for year in inputs.iterdir():
        if year.is_dir() and _YEAR.match(year.name):
            found += [Partition(int(year.name), county.name) for county in year.iterdir()
                      if county.is_dir() and not county.name.startswith(".")]
    return sorted(found)


def partition_of(rel: str) -> Partition | None:
    """The partition a file belongs to, from its path relative to the inputs folder."""
    parts = rel.split("/")
    if len(parts) >= 3 and _YEAR.match(parts[0]) and not parts[1].startswith("."):
        return Partition(int(parts[0]), parts[1])
    return None
