"""A sensor on inputs/: a new, changed or removed file starts a run for its county-year only.

The cursor remembers every file's size, modification time and SHA-256. A file must look the same on two
ticks in a row before it is read (a half-copied file is not), the same content dropped again starts nothing,
and content put back to an earlier state runs again (each change gets its own run key).
"""

import hashlib
import json
import os
from pathlib import Path

import dagster as dg

from subsidy.county_year import partition_of
from subsidy.intake.reading import walk
from subsidy.season.archive import file_sha256
from subsidy.season.posting import read_postings

from .jobs import JOB_NAME, STATUS_JOB, county_pipeline_job, status_job
from .partitions import county_year

CONCURRENCY_TAG = "subsidy/county_year"  # a label naming the county-year; the run queue limits by dagster/partition


def scan(inputs: Path, cursor: dict, exclude: tuple[Path, ...] = ()) -> tuple[list[str], dict]:
    """The partition keys to run and the new cursor. The folders of `exclude` (the outputs, when they lie inside
    the inputs) are not watched: a run's own outputs never start another run."""
    seen = cursor.get("files", {})  # rel -> [size, mtime_ns, sha]
    pending_before = cursor.get("pending", {})  # rel -> [size, mtime_ns]
    fingerprints = cursor.get("fingerprints", {})  # partition -> fingerprint of its stable files
    sequence = cursor.get("sequence", 0)
    files, pending = {}, {}
    waiting: set[str] = set()
    for path in walk(inputs, exclude)[0] if inputs.is_dir() else ():
        rel = path.relative_to(inputs).as_posix()
        part = partition_of(rel)
        if part is None or any(s.startswith((".", "~$")) for s in rel.split("/")):
            continue
        stat = path.stat()
        shape = [stat.st_size, stat.st_mtime_ns]
        known = seen.get(rel)
        if known and known[:2] == shape:
            files[rel] = known
        elif pending_before.get(rel) == shape:  # unchanged since the last tick: copying has finished
            files[rel] = shape + [file_sha256(path)]
        else:
            pending[rel] = shape
            waiting.add(part.key)
            if known:
                files[rel] = known  # keep the last good state until the new one settles
    by_partition: dict[str, list] = {}
    for rel, (_, _, sha) in files.items():
        by_partition.setdefault(partition_of(rel).key, []).append((rel, sha))
    to_run = []
    new_fingerprints = {}
    for key in sorted(set(by_partition) | set(fingerprints)):
        if key in waiting:
            if key in fingerprints:
                new_fingerprints[key] = fingerprints[key]
            continue
        listing = sorted(by_partition.get(key, []))
        fingerprint = hashlib.sha256(json.dumps(listing, ensure_ascii=False).encode()).hexdigest() if listing else ""
        if fingerprint:
            new_fingerprints[key] = fingerprint
        if fingerprint != fingerprints.get(key, "") and listing:
            to_run.append(key)
    sequence += len(to_run)
    return to_run, {"files": files, "pending": pending, "fingerprints": new_fingerprints, "sequence": sequence}


def postings_changed(archive: Path, cursor: dict, known: set[str]) -> tuple[list[str], str]:
    """The county-years whose status to refresh after archive/postings.csv changed (a posting was recorded), and
    the file's new fingerprint."""
    path = archive / "postings.csv"
    fingerprint = file_sha256(path) if path.exists() else ""
    if fingerprint == cursor.get("postings", ""):
        return [], fingerprint
    keys = {f"{r['year']}-{r['county']}" for r in read_postings(archive)}
    return sorted(keys & known), fingerprint


def make_sensor(inputs_dir: str = "inputs", interval: int = 15):
    @dg.sensor(
        name="inputs_sensor", jobs=[county_pipeline_job, status_job], minimum_interval_seconds=interval,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="监视 inputs/：放入、修改或删除文件后，自动为该县该年度重新运行（等文件复制完成后才读取）；"
                    "登记张贴（archive/postings.csv 变化）后刷新该县该年度的公示进度。",
    )
    def inputs_sensor(context: dg.SensorEvaluationContext):
        inputs = Path(os.environ.get("SUBSIDY_INPUTS", inputs_dir))
        outputs = Path(os.environ.get("SUBSIDY_OUTPUTS", "outputs"))
        cursor = json.loads(context.cursor) if context.cursor else {}
        keys, new_cursor = scan(inputs, cursor, exclude=(outputs,))
        requests = [
            dg.RunRequest(partition_key=key, job_name=JOB_NAME, tags={CONCURRENCY_TAG: key},
                          run_key=f"{key}:{new_cursor['fingerprints'][key][:16]}:{cursor.get('sequence', 0) + n}")
            for n, key in enumerate(keys)
        ]
        known = set(context.instance.get_dynamic_partitions(county_year.name))
        refresh, new_cursor["postings"] = postings_changed(outputs / "archive", cursor, known)
        requests += [dg.RunRequest(partition_key=key, job_name=STATUS_JOB, tags={CONCURRENCY_TAG: key},
                                   run_key=f"status:{key}:{new_cursor['postings'][:16]}")
                     for key in refresh if key not in keys]
        new_keys = sorted({key for key in keys if key not in known})
        return dg.SensorResult(
            run_requests=requests,
            dynamic_partitions_requests=[county_year.build_add_request(new_keys)] if new_keys else [],
            cursor=json.dumps(new_cursor, ensure_ascii=False, sort_keys=True),
        )

    return inputs_sensor
