"""subsidy verify: every version, input listing, posting and the register, and what a cut publication left."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from subsidy.season import journal
from subsidy.season.archive import (
    file_sha256,
    hidden_folder,
    read_register,
    sha256,
    version_manifests,
    zip_name,
)


def _listing_findings(root: Path, rel: str, inputs, listings: dict[Path, str]) -> list[str]:
    """The input listing a manifest names is there and unchanged (older manifests hold the listing themselves);
    `listings` keeps each listing's SHA-256 once worked out (3,000 manifests name the same one)."""
    if not isinstance(inputs, dict):
        return []
    path = root / str(inputs.get("listing", ""))
    if path not in listings:
        listings[path] = file_sha256(path) if path.is_file() else ""
    if not listings[path]:
        return [f"{rel}：清单引用的输入文件清单 {inputs.get('listing', '')} 缺失"]
    if listings[path] != inputs.get("sha256"):
        return [f"{rel}：输入文件清单 {inputs.get('listing', '')} 被改动（SHA-256 与清单不符）"]
    return []


def verify(root: Path) -> list[str]:
    """Every finding about an archive, in Chinese; empty when every hash, file and register row is right."""
    findings = []
    if not root.is_dir():
        return [f"档案文件夹不存在：{root}"]
    register = read_register(root)
    by_folder = {r["folder"]: r for r in register}
    listings: dict[Path, str] = {}
    folders = [p.parent for p in version_manifests(root)]
    for folder in sorted(p for p in root.glob("*/*/*/*/v*") if p.is_dir() and not hidden_folder(p, root)):
        if folder not in folders:
            findings.append(f"{folder.relative_to(root)}：缺少 manifest.json")
    for folder in folders:
        rel = folder.relative_to(root).as_posix()
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        outputs = manifest.get("outputs", {})
        zipped = zip_name(manifest["village_code"], manifest["village_name"], manifest["version"])
        for name, digest in sorted(outputs.items()):
            path = folder / name
            if not path.exists():
                findings.append(f"{rel}/{name}：文件缺失")
            elif file_sha256(path) != digest:
                findings.append(f"{rel}/{name}：内容被改动（SHA-256 与清单不符）")
        present = {p.name for p in folder.iterdir()}
        for extra in sorted(present - set(outputs) - {"manifest.json", zipped}):
            findings.append(f"{rel}/{extra}：清单中没有这个文件（多出的文件）")
        if zipped not in present:
            findings.append(f"{rel}/{zipped}：文件缺失")
        else:
            with zipfile.ZipFile(folder / zipped) as z:
                for name in sorted(set(outputs) | {"manifest.json"}):
                    try:
                        data = z.read(name)
                    except KeyError:
                        findings.append(f"{rel}/{zipped}：压缩包中缺少 {name}")
                        continue
                    expected = outputs.get(name) or file_sha256(folder / "manifest.json")
                    if sha256(data) != expected:
                        findings.append(f"{rel}/{zipped}：压缩包中的 {name} 与清单不符")
        findings += _listing_findings(root, rel, manifest.get("inputs"), listings)
        row = by_folder.get(rel)
        if row is None:
            findings.append(f"{rel}：登记簿 register.csv 中没有这个版本（一次公示在登记前中断：再运行 subsidy publish 即补登）")
        elif row["notice_sha256"] != outputs.get(manifest.get("notice", ""), ""):
            findings.append(f"{rel}：登记簿中的公示 SHA-256 与清单不符")
        if not manifest.get("published_by"):
            findings.append(f"{rel}：没有公示记录（谁在哪天公示），不是经 subsidy publish 写入的版本")
    for rel in sorted(set(by_folder) - {f.relative_to(root).as_posix() for f in folders}):
        findings.append(f"register.csv 登记了 {rel}，但档案中没有这个版本")
    from subsidy.season.posting import verify_postings

    return interrupted(root) + findings + verify_postings(root)


def interrupted(root: Path) -> list[str]:
    """What cut publications left: committed ones not finished (the next publish finishes them), staging of
    ones cut before their commit (nothing of them was published)."""
    found = [UNFINISHED.format(date=record["date"], by=record["by"], villages=record["villages"])
             if record.get("villages") else UNFINISHED_PUBLIC for _, record in journal.pending(root)]
    found += [UNCOMMITTED.format(folder=folder.relative_to(root).as_posix()) for folder in journal.uncommitted(root)]
    return found


UNFINISHED = ("有一次正式公示（{date}，公示人 {by}，{villages}个村）已经生效但没有做完（中途被打断）：档案、登记簿或公开网站"
              "可能还缺这次的内容。请再运行一次 subsidy publish（同一县、同一年度），它会先按原日期和公示人做完那次公示")


UNFINISHED_PUBLIC = "公开网站和开放数据的一次更新没有做完（中途被打断）：请再运行一次 subsidy publish，它会先做完这次更新"


UNCOMMITTED = ("{folder}：一次正式公示在生效前被打断，留下了临时文件；那次公示没有公开任何内容。"
               "再运行 subsidy publish 会清理它，并照常公示")
