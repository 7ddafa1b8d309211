"""The scale-out path, for real (`make test-distributed`): a throw-away PostgreSQL server, a Dagster instance on
it (dagster-postgres storage, the queued run coordinator with the concurrency block `make ui` ships, the daemon
launching each run in its own process), and three county-years put into inputs/ at once.

The inputs sensor requests the three runs together; they all succeed and run at the same time; a second launch of a
county-year whose run is in progress waits in the queue until that run has ended; and the outputs are the same
bytes as three command-line runs give.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from benchmarks.prefecture import generate

pytestmark = pytest.mark.distributed

ROOT = Path(__file__).resolve().parent.parent
COUNTIES = ("乐清市", "永嘉县", "瑞安市")
KEYS = [f"2022-{c}" for c in COUNTIES]
JOB = "county_pipeline_job"
RUN_SECONDS = 600


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        pytest.fail("没有 PostgreSQL：请以 root 运行 make test-distributed（会 apt-get install postgresql），"
                    "或自行安装 Debian 的 postgresql 软件包")
    return found[-1].parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL cluster in a temporary folder, on 127.0.0.1 only, run as an unprivileged user; its URL."""
    bin_dir = _postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="subsidy-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        import pwd  # POSIX only, like this whole test

        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    data, log = folder / "data", folder / "server.log"
    subprocess.run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", "dagster", "-A", "trust",
                    "--encoding=UTF8", "--locale=C"], check=True, capture_output=True)
    subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "start", "-o",
                    f"-h 127.0.0.1 -p {port} -k {folder}"], check=True, capture_output=True)
    try:
        subprocess.run([*as_user, str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "dagster",
                        "dagster"], check=True, capture_output=True)
        yield f"postgresql+psycopg2://dagster@127.0.0.1:{port}/dagster"  # SQLAlchemy 2.1 would pick psycopg 3
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def instance_config(url: str) -> dict:
    """The tested dagster.yaml: the shipped template (queue and concurrency) with Postgres storage added."""
    config = yaml.safe_load((ROOT / "dagster_home_template" / "dagster.yaml").read_text(encoding="utf-8"))
    config["concurrency"]["runs"]["max_concurrent_runs"] = 3
    config["storage"] = {"postgres": {"postgres_url": url}}
    return config


@pytest.fixture(scope="module")
def county_inputs(tmp_path_factory) -> Path:
    inputs = tmp_path_factory.mktemp("distributed") / "inputs"
    generate(inputs / "2022", 3000, 3000, counties=COUNTIES)
    return inputs


def _wait(predicate, what: str, seconds: float = RUN_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(1)
    pytest.fail(f"等了{seconds}秒：{what}")


def _env(home: Path, inputs: Path, outputs: Path) -> dict:
    return os.environ | {"DAGSTER_HOME": str(home), "SUBSIDY_INPUTS": str(inputs), "SUBSIDY_OUTPUTS": str(outputs),
                         "PYTHONPATH": str(ROOT)}


def test_three_county_years_run_at_once_on_postgres_and_a_second_launch_waits(postgres, county_inputs, tmp_path):
    import dagster as dg
    from dagster._core.storage.dagster_run import DagsterRunStatus

    home, outputs = tmp_path / "dagster_home", tmp_path / "outputs"
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(instance_config(postgres), allow_unicode=True), encoding="utf-8")
    env = _env(home, county_inputs, outputs)
    daemon = subprocess.Popen([str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w",
                               str(ROOT / "workspace.yaml")], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=open(tmp_path / "daemon.log", "wb"), start_new_session=True)
    try:
        os.environ["DAGSTER_HOME"] = str(home)
        instance = dg.DagsterInstance.get()
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        first = _wait(lambda: _runs_of(instance, KEYS), "传感器为三个县年度各请求一次运行")
        busy = first[KEYS[0]]
        second = _launch_again(env, KEYS[0], tmp_path)
        assert instance.get_run_by_id(busy).status != DagsterRunStatus.SUCCESS  # launched while the first ran
        seen_queued = _wait(lambda: instance.get_run_by_id(second).status == DagsterRunStatus.QUEUED, "第二次运行排队")
        assert seen_queued
        done = _wait(lambda: _all_finished(instance, [*first.values(), second]), "所有运行结束")
        assert all(status == DagsterRunStatus.SUCCESS for status in done.values()), _daemon_log(tmp_path)
    finally:  # the daemon and every process it started (its code server, runs still going)
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(30)
        time.sleep(2)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(daemon.pid, signal.SIGKILL)
        _kill_left_over(home)
        os.environ.pop("DAGSTER_HOME", None)
    records = {r.dagster_run.run_id: r for r in instance.get_run_records()}
    windows = [(records[run].start_time, records[run].end_time) for run in first.values()]
    assert max(start for start, _ in windows) < min(end for _, end in windows), f"三次运行没有同时进行：{windows}"
    assert records[second].start_time >= records[busy].end_time, "同一县年度的第二次运行没有等第一次结束"
    assert records[second].create_timestamp.timestamp() < records[busy].end_time
    _same_outputs_as_the_command_line(county_inputs, outputs, tmp_path / "cli")


def _kill_left_over(home: Path) -> None:
    """Any process still running with this test's DAGSTER_HOME (a code server started in a session of its own)."""
    mark = f"DAGSTER_HOME={home}".encode()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if mark in (proc / "environ").read_bytes().split(b"\0") and int(proc.name) != os.getpid():
                os.kill(int(proc.name), signal.SIGKILL)
        except (OSError, ValueError):
            continue


def _runs_of(instance, keys: list[str]) -> dict[str, str] | None:
    """Partition key -> run id of the county pipeline's run, once there is one for every key."""
    found = {}
    for run in instance.get_runs():
        key = run.tags.get("dagster/partition")
        if run.job_name == JOB and key in keys:
            found.setdefault(key, run.run_id)
    return found if len(found) == len(keys) else None


def _launch_again(env: dict, key: str, tmp_path: Path) -> str:
    """Launch the county pipeline for `key` through the queue, as the UI's Materialize button would."""
    import dagster as dg

    before = {r.run_id for r in dg.DagsterInstance.get().get_runs()}
    subprocess.run([sys.executable, "-m", "dagster", "job", "launch", "-w", str(ROOT / "workspace.yaml"), "-j", JOB,
                    "--tags", f'{{"dagster/partition": "{key}"}}'], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    new = [r for r in dg.DagsterInstance.get().get_runs() if r.run_id not in before and r.job_name == JOB]
    assert len(new) == 1 and new[0].tags.get("dagster/partition") == key
    return new[0].run_id


def _all_finished(instance, run_ids: list[str]) -> dict | None:
    statuses = {run: instance.get_run_by_id(run).status for run in run_ids}
    return statuses if all(s.name in ("SUCCESS", "FAILURE", "CANCELED") for s in statuses.values()) else None


def _daemon_log(tmp_path: Path) -> str:
    return (tmp_path / "daemon.log").read_text(encoding="utf-8", errors="replace")[-3000:]


def _same_outputs_as_the_command_line(inputs: Path, outputs: Path, cli_outputs: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "dagster_project.cli", "run", "--inputs", str(inputs), "--outputs",
                           str(cli_outputs), "--quiet"], cwd=ROOT, capture_output=True, text=True,
                          env=os.environ | {"PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    for county in COUNTIES:
        mine, theirs = _files(outputs / "2022" / county), _files(cli_outputs / "2022" / county)
        assert mine.keys() == theirs.keys() and len(mine) > 100
        different = [name for name in mine if mine[name] != theirs[name]]
        assert not different, f"{county}: {different[:5]}"


def _files(folder: Path) -> dict[str, bytes]:
    """Every output file, except what only the engine's own bookkeeping writes (stage results, the cache)."""
    skip = ("internal/dagster/", "internal/cache/", ".lock")
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.relative_to(folder).as_posix().startswith(skip)}
