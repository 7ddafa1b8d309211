"""One run at a time per output folder (a county-year): a command-line run and a Dagster run never interleave.

A file lock on `<outputs>/.lock` through the `filelock` library (flock on Linux and macOS, LockFileEx on
Windows). The operating system releases it when the process ends, so a killed run never leaves a stale lock.
Re-entrant within a process; a second process waits (saying so once) up to `timeout` seconds.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock

# how long a run waits for another run of the same county-year (SUBSIDY_LOCK_WAIT seconds, for tests)
WAIT_SECONDS = float(os.environ.get("SUBSIDY_LOCK_WAIT", 600))
_HELD: dict[str, tuple[filelock.FileLock, int]] = {}  # folder -> (lock, depth)


class LockTimeout(RuntimeError):
    """Another run kept the folder locked for too long (the message is in Chinese, for the clerk)."""


def acquire(outputs: Path, timeout: float | None = None, notify: Callable[[str], None] | None = None) -> None:
    timeout = WAIT_SECONDS if timeout is None else timeout
    key = str(outputs.resolve())
    if key in _HELD:
        lock, depth = _HELD[key]
        _HELD[key] = (lock, depth + 1)
        return
    outputs.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(outputs / ".lock", thread_local=False)
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        if notify:
            notify(f"另一个任务正在处理 {outputs}，等待其完成（最多{_duration(timeout)}）……")
        try:
            lock.acquire(timeout=timeout)
        except filelock.Timeout:
            raise LockTimeout(f"{outputs} 被另一个任务占用超过{_duration(timeout)}，本次未运行：请等它结束后再试") from None
    _HELD[key] = (lock, 1)


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.0f}分钟" if seconds >= 60 else f"{seconds:.0f}秒"


def release(outputs: Path) -> None:
    key = str(outputs.resolve())
    lock, depth = _HELD.get(key, (None, 0))
    if lock is None:
        return
    if depth > 1:
        _HELD[key] = (lock, depth - 1)
        return
    del _HELD[key]
    lock.release(force=True)


def held(outputs: Path) -> bool:
    return str(outputs.resolve()) in _HELD


@contextmanager
def output_lock(outputs: Path, notify: Callable[[str], None] | None = None) -> Iterator[None]:
    acquire(outputs, notify=notify)
    try:
        yield
    finally:
        release(outputs)


def forget_inherited() -> None:
    """In a worker process started by fork: forget the parent's locks (never release them: that is the parent's)."""
    _HELD.clear()
