"""What the public can read of a publication: every public file's text, and the check that no one is named in it."""

import re
from pathlib import Path

from pypdf import PdfReader

from subsidy.privacy import find_unmasked


class Cut(Exception):
    """A publication cut at a step boundary."""


def public_texts(out: Path) -> dict[str, str]:
    """Every public file's text: the site (pages, scripts, PDFs read back), the open data, the archive's web copies."""
    files = [p for folder in (out / "site", out / "open-data") if folder.exists() for p in folder.rglob("*") if p.is_file()]
    files += list((out / "archive").rglob("*_网上公布版.pdf"))
    texts = {}
    for path in files:
        if path.suffix == ".pdf":
            reader = PdfReader(path)
            texts[str(path)] = "\n".join(page.extract_text() for page in reader.pages) + str(reader.metadata)
        else:
            texts[str(path)] = path.read_text(encoding="utf-8")
    return texts


def assert_no_full_name_or_number(out: Path, names: list[str]) -> None:
    """A three-character name nowhere; a two-character one not standing alone (金发 is in 资金发放: a word)."""
    alone = [re.compile(f"(?<![\u4e00-\u9fff]){name}(?![\u4e00-\u9fff])") for name in names if len(name) == 2]
    for path, text in public_texts(out).items():
        flat = text.replace("\n", "") if path.endswith(".pdf") else text  # a PDF's lines break inside a sentence
        assert find_unmasked(flat) is None, path
        assert not [name for name in names if len(name) > 2 and name in flat], path
        assert not [pattern.pattern for pattern in alone if pattern.search(text)], path


