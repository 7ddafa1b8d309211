"""A run reuses what did not change since the last one (internal/cache/): parsed files by content, drafts by the
notice they were drawn from. Whatever it reused, the outputs are the bytes a run from scratch writes."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import run
from tests.sample_county import build, person

CSV = Path("沙头镇") / "沙头镇实际种粮一次性补贴.csv"
ENGINE_ONLY = ("internal/cache/", "internal/dagster/", ".lock")


def outputs_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.relative_to(folder).as_posix().startswith(ENGINE_ONLY)}


def stamps(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in (folder / "notices").rglob("*.pdf")}


def correct_a_name(inputs: Path) -> None:
    """The town corrects one person's name in its CSV (the file changes; the other files do not)."""
    path = inputs / CSV
    text = path.read_bytes().decode("gbk")
    old = person(44)[0]
    assert old in text
    path.write_bytes(text.replace(old, "改名某", 1).encode("gbk"))


def test_a_second_run_reuses_what_did_not_change_and_writes_the_same_bytes_as_a_fresh_run(tmp_path):
    inputs = build(tmp_path / "inputs")
    again, fresh = tmp_path / "again", tmp_path / "fresh"
    run(inputs, again, 2022)
    first = stamps(again)
    assert (again / "internal" / "cache" / "notices.json").exists()

    correct_a_name(inputs)
    run(inputs, again, 2022)
    parsed = list((again / "internal" / "cache" / "parsed").glob("*.pickle"))
    assert len(parsed) == sum(1 for p in inputs.rglob("*") if p.suffix in (".xlsx", ".xls", ".csv"))  # the old one pruned
    later = stamps(again)
    redrawn = sorted(name for name in later if later[name] != first.get(name))
    assert redrawn and all("渔田村" in name for name in redrawn), redrawn  # only the corrected village is drawn again
    assert len(later) - len(redrawn) >= 10

    shutil.rmtree(fresh, ignore_errors=True)
    run(inputs, fresh, 2022)
    mine, theirs = outputs_of(again), outputs_of(fresh)
    assert mine.keys() == theirs.keys()
    assert [name for name in mine if mine[name] != theirs[name]] == []


def test_a_damaged_cache_is_rebuilt_not_trusted(tmp_path):
    inputs = build(tmp_path / "inputs")
    out = tmp_path / "out"
    run(inputs, out, 2022)
    expected = outputs_of(out)
    for pickle in (out / "internal" / "cache" / "parsed").glob("*.pickle"):
        pickle.write_bytes(b"not a pickle")
    notice = next((out / "notices").rglob("*.pdf"))
    notice.write_bytes(b"%PDF-1.7 damaged")  # a draft changed behind the tool's back is drawn again
    run(inputs, out, 2022)
    assert outputs_of(out) == expected
