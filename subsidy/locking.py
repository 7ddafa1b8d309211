"""One run at a time per output folder (a county-year): a command-line run and a Dagster run never interleave.

An advisory lock (fcntl.flock) on `<outputs>/.lock`. The operating system releases it when the process ends,
so a killed run never leaves a stale lock. Re-entrant within a process.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_HELD: dict[str, tuple[int, int]] = {}  # folder -> (file descriptor, depth)


class LockTimeout(RuntimeError):
    """Another run kept the folder locked for too long."""


def acquire(outputs: Path, timeout: float = 3600, notify=None) -> None:
    key = str(outputs.resolve())
    if key in _HELD:
        fd, depth = _HELD[key]
        _HELD[key] = (fd, depth + 1)
        return
    outputs.mkdir(parents=True, exist_ok=True)
    fd = os.open(outputs / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + timeout
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if notify and not told:
                notify(f"另一个任务正在写 {outputs}，等待其完成……")
                told = True
            if time.monotonic() > deadline:
                os.close(fd)
                raise LockTimeout(f"{outputs} 被另一个任务占用超过{timeout:.0f}秒") from None
            time.sleep(0.2)
    _HELD[key] = (fd, 1)


def release(outputs: Path) -> None:
    key = str(outputs.resolve())
    fd, depth = _HELD.get(key, (None, 0))
    if fd is None:
        return
    if depth > 1:
        _HELD[key] = (fd, depth - 1)
        return
    del _HELD[key]
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


@contextmanager
def output_lock(outputs: Path, notify=None) -> Iterator[None]:
    acquire(outputs, notify=notify)
    try:
        yield
    finally:
        release(outputs)


def forget_inherited() -> None:
    """In a forked worker: close the lock files inherited from the parent, without unlocking them.

    A flock belongs to the open file, which a fork shares: if a worker kept its copy, the lock would outlive
    a killed parent. Closing (never LOCK_UN, which would unlock the parent too) leaves it to the parent.
    """
    for fd, _ in _HELD.values():
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()
