"""The county-year's lock belongs to the run: whichever assets a run materializes, it holds the lock from start to
end; a second run says it waits, waits, then runs (or gives up with a reason)."""

import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg

from dagster_project.cli import main
from dagster_project.partitions import county_year
from dagster_project.resources import SubsidySettings
from subsidy.base import locking
from tests.test_review_loop import county

ROOT = Path(__file__).resolve().parent.parent
HOLD = """
import sys, time
from pathlib import Path
from subsidy.base import locking
locking.acquire(Path(sys.argv[1]))
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _hold(folder: Path, seconds: float) -> subprocess.Popen:
    """Another process holding the county-year's lock for `seconds`."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(folder), str(seconds)], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_run_says_it_waits_then_runs(tmp_path, capsys):
    inputs, out = county(tmp_path / "in" / "2022" / "永嘉县").parent.parent, tmp_path / "out"
    holder = _hold(out / "2022" / "永嘉县", 3)
    started = time.monotonic()
    assert main(["run", "--inputs", str(inputs), "--outputs", str(out), "--quiet"]) == 0
    assert time.monotonic() - started >= 2  # it waited for the other run
    err = capsys.readouterr().err
    assert "另一个任务正在处理" in err and "等待其完成（最多10分钟）" in err
    holder.wait()
    assert (out / "2022" / "永嘉县" / "summary.csv").exists()


def test_a_run_that_cannot_get_the_lock_in_time_stops_with_a_reason(tmp_path, capsys, monkeypatch):
    inputs, out = county(tmp_path / "in" / "2022" / "永嘉县").parent.parent, tmp_path / "out"
    monkeypatch.setattr(locking, "WAIT_SECONDS", 1)
    holder = _hold(out / "2022" / "永嘉县", 30)
    try:
        assert main(["run", "--inputs", str(inputs), "--outputs", str(out), "--quiet"]) == 1
        err = capsys.readouterr().err
        waiting, reason = err.strip().splitlines()  # it said it waits, then why it stopped: one line each
        assert "等待其完成" in waiting and reason.startswith("subsidy: 无法运行：") and "被另一个任务占用超过1秒，本次未运行" in reason
        assert not (out / "2022" / "永嘉县" / "summary.csv").exists()
    finally:
        holder.kill()


def test_a_run_of_one_asset_holds_the_lock_for_its_whole_run(tmp_path):
    """A UI run of a subset of assets (here one) takes the lock too: another process cannot get it meanwhile."""
    inputs = tmp_path / "in"
    county(inputs / "2022" / "永嘉县")
    settings = SubsidySettings(inputs_dir=str(inputs), outputs_dir=str(tmp_path / "out"))
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(county_year.name, ["2022-永嘉县"])
    from dagster_project.assets import input_files

    seen = {}

    def probe() -> None:
        time.sleep(0.3)
        proc = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; import filelock; "
                               "l = filelock.FileLock(Path(sys.argv[1]) / '.lock'); "
                               "l.acquire(timeout=0.1); print('got')", str(tmp_path / "out" / "2022" / "永嘉县")],
                              capture_output=True, text=True, cwd=ROOT)
        seen["other"] = proc.stdout.strip()

    original = locking.acquire

    def slow_acquire(*args, **kwargs):  # the run holds the lock; then give the other process time to try
        original(*args, **kwargs)
        thread = threading.Thread(target=probe)
        thread.start()
        thread.join()

    locking.acquire = slow_acquire
    try:
        result = dg.materialize([input_files], partition_key="2022-永嘉县", instance=instance,
                                resources={"settings": settings, "io_manager": dg.mem_io_manager})
    finally:
        locking.acquire = original
    assert result.success
    assert seen["other"] == ""  # the other process could not take the lock while the run held it
    assert not locking.held(tmp_path / "out" / "2022" / "永嘉县")  # and the run released it at its end
