"""核验码: a short code on every page of a published notice that anyone can check against the record.

The code is derived from the published version's content (its content hash, village, kind, version and publish
date), not from the PDF's bytes, so the posted notice, its large-print twin and the web copy with masked names all
carry the same code. `find_code` says which county, year, village and version a code belongs to, its publish date,
and whether a later correction replaced it. Drafts carry no code.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from subsidy.base.safepaths import component
from subsidy.season.archive import version_manifests


def verification_code(content_sha: str, village_code: str, kind: str, version: int, publish_date: str) -> str:
    """'ABCD-EFGH-JKLM': 60 bits of the version's identity, in groups of four."""
    digest = hashlib.sha256(f"{content_sha}|{village_code}|{kind}|{version}|{publish_date}".encode()).digest()
    text = base64.b32encode(digest).decode()[:12].replace("O", "8").replace("I", "9")
    return "-".join(text[i:i + 4] for i in range(0, 12, 4))


def normalise(code: str) -> str:
    """What a person typed, as a code: upper case, O/I read as 8/9 (never in a code), dashes where they belong."""
    flat = "".join(ch for ch in code.upper() if ch.isalnum()).replace("O", "8").replace("I", "9")
    return "-".join(flat[i:i + 4] for i in range(0, len(flat), 4))


@dataclass(frozen=True, kw_only=True)
class Found:
    county: str
    year: int
    village_code: str
    village_name: str
    town: str
    kind_title: str
    version: int
    publish_date: str
    replaced_by: int | None  # a later version (更正公示) of the same village and kind, if any
    replaced_on: str


def find_code(root: Path, code: str) -> Found | None:
    """The published version a 核验码 belongs to, or None."""
    wanted = normalise(code)
    manifests = [json.loads(p.read_text(encoding="utf-8")) for p in version_manifests(root)]
    for m in manifests:
        if m.get("verification_code") == wanted:
            later = [x for x in manifests if (x["village_code"], x["kind"], x["year"]) == (m["village_code"], m["kind"],
                                                                                            m["year"])
                     and x["version"] > m["version"]]
            last = max(later, key=lambda x: x["version"]) if later else None
            return Found(county=m["county"], year=m["year"], village_code=m["village_code"],
                         village_name=m["village_name"], town=m["town"], kind_title=m.get("kind_title", ""),
                         version=m["version"], publish_date=m["publish_date"],
                         replaced_by=last["version"] if last else None, replaced_on=last["publish_date"] if last else "")
    return None


def version_page(code: str, year: int, kind: str, version: int) -> str:
    """The site-relative address of a published version's page; it contains the 12-digit village code."""
    return f"village/{component(code)}/{year}-{component(kind)}-v{int(version)}.html"
