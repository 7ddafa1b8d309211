"""One rule for every file and folder name made from data (towns, villages, counties, codes).

Names come from other offices' files (villages.csv, rosters, bank exports): a careless or hostile one must never
steer where the tool writes. A name becomes one path component: separators, `..`, control characters and the
characters Windows forbids are replaced by `_`, trailing dots and spaces go, names Windows reserves (CON, NUL,
COM1 …) get a `_` in front, and the component is cut to a safe length in UTF-8 bytes, keeping the village code
that makes it unique whole. Every writer then checks that the resolved path lies inside its output folder: a
path outside is a bug, and the run stops with a clear message before anything is written.

The notices themselves (their title, text and PDF metadata) keep the full, real name.
"""

from __future__ import annotations

import re
from pathlib import Path

MAX_BYTES = 120  # one component, in UTF-8 bytes (file systems allow 255)
_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|\uff0f\uff3c\u2215\u29f8]')  # ASCII and look-alike slashes
_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?$", re.IGNORECASE)


class UnsafePath(RuntimeError):
    """A path built from data would lie outside the output folder (a bug: nothing is written)."""


def component(name: str, fallback: str = "未命名", keep: str = "") -> str:
    """`name` as one safe path component; `keep` (e.g. a village code and '_') goes in front, never cut."""
    text = _FORBIDDEN.sub("_", str(name)).strip()
    text = text.rstrip(". ")  # Windows drops trailing dots and spaces; '..' alone becomes nothing
    text = _cut(text, MAX_BYTES - len(keep.encode("utf-8")))
    whole = (keep + text) if (keep + text) else fallback
    whole = whole.rstrip(". ") or fallback
    if _RESERVED.match(whole):
        whole = "_" + whole
    return whole


def _cut(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-8 form fits in `limit` bytes (never half a character)."""
    if limit <= 0:
        return ""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore").rstrip(". ")


def village_stem(code: str, name: str) -> str:
    """'330324108224_苍坡村': the stem of a village's files; the code stays whole however long the name."""
    safe_code = component(code, fallback="无代码")
    return component(name, fallback="", keep=f"{safe_code}_")


def inside(root: Path, path: Path) -> Path:
    """`path`, after checking that it resolves to a place inside `root` (raises UnsafePath otherwise)."""
    return Within(root)(path)


class Within:
    """`inside` for many files under one root (a site writes some 15,000): each folder is resolved once, and a
    file itself only when it is a symbolic link (or a name like '..')."""

    def __init__(self, root: Path):
        self.root = root
        self.real_root = root.resolve()
        self.folders: dict[Path, Path] = {}

    def __call__(self, path: Path) -> Path:
        folder = self.folders.get(path.parent)
        if folder is None:
            folder = self.folders[path.parent] = path.parent.resolve()
        real = folder / path.name
        if path.name in ("", ".", "..") or path.is_symlink():
            real = path.resolve()
        if real != self.real_root and not real.is_relative_to(self.real_root):
            raise UnsafePath(f"程序错误：要写入的路径 {path} 不在输出文件夹 {self.root} 内，已停止，未写入任何文件")
        return path
