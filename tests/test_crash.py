"""Crash-proof on the commands users run: `subsidy run` and `subsidy publish`, killed (SIGKILL, the whole process
group) at many points over their duration, then run again, leave exactly what an uninterrupted run leaves.

Slow (a few minutes): `make test-slow` runs it, and CI does."""

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from subsidy.season import journal
from subsidy.season.archive import read_register
from subsidy.season.audit import verify
from tests.builders import make_id, write_xlsx

pytestmark = pytest.mark.slow
SUBSIDY = str(Path(sys.executable).parent / "subsidy")
ROOT = Path(__file__).resolve().parent.parent
KILLS = 8


def county(folder: Path, villages: int = 40) -> Path:
    """A roster of `villages` villages of 永嘉县, five clean households each (every village ready to publish)."""
    with open(ROOT / "subsidy" / "data" / "wenzhou_divisions.csv", encoding="utf-8") as f:
        names = [r["village_code"] for r in csv.DictReader(f) if r["county_name"] == "永嘉县"][:villages]
    rows = [["永嘉县2022年度耕地地力保护补贴资金发放清册"], ["序号", "村名", "户主姓名", "身份证号码", "补贴面积", "补贴标准", "补贴金额"]]
    for v, code in enumerate(names):
        for i in range(5):
            seq = v * 5 + i
            rows.append([seq + 1, code, f"户主{seq}", make_id(seq=seq), 1 + i, 112, 112 * (1 + i)])
    write_xlsx(folder / "清册.xlsx", {"清册": rows})
    return folder


def start(*args) -> subprocess.Popen:
    return subprocess.Popen([SUBSIDY, *args, "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, cwd=ROOT)


def finish(*args) -> None:
    assert start(*args).wait(timeout=300) in (0, 3)


def kill_at(seconds: float, *args) -> None:
    proc = start(*args)
    time.sleep(seconds)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every output file (not the lock, an error log, or internal/cache/: what the next run may reuse)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".lock" and p.name != "error.log"
            and not p.relative_to(folder).as_posix().startswith("internal/cache/")}


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp") or p.name.startswith((".xlsx.", ".rows."))
            or (p.parent.name == ".staging")]


def duration(*args) -> float:
    started = time.monotonic()
    finish(*args)
    return time.monotonic() - started


def test_run_killed_at_many_points_then_rerun(tmp_path):
    inputs, out = county(tmp_path / "in"), tmp_path / "out"
    args = ("run", "--inputs", str(inputs), "--outputs", str(out))
    whole = duration(*args)
    expected = snapshot(out)
    for n in range(KILLS):
        kill_at(whole * (n + 0.5) / KILLS, *args)
        finish(*args)
        assert snapshot(out) == expected, f"kill {n}"
        assert leftovers(out) == []
    assert not (out / "archive").exists()


def test_publish_killed_at_many_points_then_rerun(tmp_path):
    inputs, out = county(tmp_path / "in"), tmp_path / "out"
    finish("run", "--inputs", str(inputs), "--outputs", str(out))
    before = tmp_path / "before"
    shutil.copytree(out, before)
    args = ("publish", "--inputs", str(inputs), "--outputs", str(out), "--date", "2022-12-01", "--by", "王会计")
    whole = duration(*args)
    expected = snapshot(out)
    assert len(read_register(out / "archive")) == 40
    for n in range(KILLS):
        shutil.rmtree(out)
        shutil.copytree(before, out)
        kill_at(whole * (n + 0.5) / KILLS, *args)
        finish(*args)
        assert snapshot(out) == expected, f"kill {n}"
        assert leftovers(out) == []
        assert verify(out / "archive") == []
        keys = [(r["village_code"], r["version"]) for r in read_register(out / "archive")]
        assert sorted(keys) == sorted(set(keys)) and len(keys) == 40


@pytest.mark.parametrize("step", journal.STEPS)
def test_publish_ended_at_each_step_boundary_then_published_again(tmp_path, step):
    """The process ends at once (os._exit, as a power cut would leave it) at a step boundary of the publication;
    `subsidy verify` says what to run, and the next `subsidy publish` leaves what an uninterrupted one leaves."""
    inputs, out = county(tmp_path / "in", villages=6), tmp_path / "out"
    finish("run", "--inputs", str(inputs), "--outputs", str(out))
    before = tmp_path / "before"
    shutil.copytree(out, before)
    args = ("publish", "--inputs", str(inputs), "--outputs", str(out), "--date", "2022-12-01", "--by", "王会计")
    finish(*args)
    expected = snapshot(out)
    shutil.rmtree(out)
    shutil.copytree(before, out)
    cut = subprocess.run([SUBSIDY, *args, "--quiet"], cwd=ROOT, env=os.environ | {journal.ENV: step},
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    assert cut.returncode == 70, step  # ended right there
    said = subprocess.run([SUBSIDY, "verify", "--archive", str(out / "archive")], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    if step not in ("drawn", "finished"):
        assert said.returncode == 1 and "subsidy publish" in said.stdout, said.stdout
    finish(*args)
    assert snapshot(out) == expected, step
    assert leftovers(out) == [] and verify(out / "archive") == []
