"""A county-year: the record of its folders every stage takes, and the folder layout of the inputs (one
folder per county and year, or one flat folder).

    inputs/<year>/<county>/…   e.g. inputs/2022/永嘉县/岩头镇/清册.xlsx  -> partition "2022-永嘉县"

The county folder is named like a county (ends in 县, 市, 区 or 旗). Any other file outside such folders (a
plain folder of rosters, or one with a year folder per town) makes the whole inputs folder one county-year.

Settings files (villages.csv, subsidies.csv, notice.toml, contacts.csv) may sit in the partition folder or,
shared by all partitions, in inputs/ or inputs/<year>/; the nearest wins. A flat inputs folder (no year
folders) is one county-year on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from subsidy.intake.reading import CONFIG_FILES, walk

_YEAR = re.compile(r"^20[0-9]{2}$")
_COUNTY = re.compile(r"(县|市|区|旗)$")  # a county-level name: 永嘉县, 瑞安市, 鹿城区
SETTINGS = CONFIG_FILES


@dataclass(frozen=True, kw_only=True)
class CountyYear:
    """One county-year as every stage sees it: where its files come from and go, the archive, the settings
    folders it shares with other county-years, what is never read as an input, and the year (None: from the
    files)."""

    inputs: Path
    outputs: Path
    archive: Path
    year: int | None = None
    shared_dirs: tuple[Path, ...] = ()
    exclude: tuple[Path, ...] = ()  # the outputs folder: never read back, even when it lies inside the inputs

    @classmethod
    def flat(cls, inputs: Path, outputs: Path, year: int | None = None) -> CountyYear:
        """A plain inputs folder that is one county-year on its own, its results straight in `outputs`."""
        return cls(inputs=inputs, outputs=outputs, archive=outputs / "archive", year=year, exclude=(outputs,))

    @classmethod
    def of(cls, partition: Partition, inputs_root: Path, outputs_root: Path) -> CountyYear:
        """A county-year of the laid-out inputs (inputs/<year>/<county>/), its results in outputs/<year>/<county>/."""
        return cls(inputs=partition.inputs(inputs_root), outputs=partition.outputs(outputs_root),
                   archive=outputs_root / "archive", year=partition.year,
                   shared_dirs=partition.shared_dirs(inputs_root), exclude=(outputs_root,))


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


def partitions(inputs: Path, exclude: tuple[Path, ...] = ()) -> list[Partition]:
    """Every <year>/<county>/ folder under `inputs`, sorted; none when the folder is not laid out that way
    (a file outside such folders, other than a shared settings file, makes the whole folder one county-year).
    The folders of `exclude` (an outputs folder inside the inputs) do not count."""
    if not inputs.is_dir():
        return []
    found = set()
    for path in walk(inputs, exclude)[0]:
        if path.name.startswith((".", "~$")):
            continue
        rel = path.relative_to(inputs).as_posix()
        part = partition_of(rel)
        if part is not None:
            found.add(part)
        elif not (path.name.lower() in SETTINGS and rel.count("/") <= 1):
            return []
    return sorted(found)


def partition_of(rel: str) -> Partition | None:
    """The partition a file belongs to, from its path relative to the inputs folder."""
    parts = rel.split("/")
    if len(parts) >= 3 and _YEAR.match(parts[0]) and _COUNTY.search(parts[1]) and not parts[1].startswith("."):
        return Partition(int(parts[0]), parts[1])
    return None
