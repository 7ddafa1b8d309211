"""Work spread over every core: parsing the input files and drawing the notices; and many small files read at once.

Workers are forked where the platform can (fast start, and they share the parent's memory until they write to it)
and spawned elsewhere (Windows) or when SUBSIDY_START_METHOD says so. A worker forgets the parent's locks and ends
itself when the parent dies (a killed run leaves no orphans drawing on). Results come back in order.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from subsidy.base.locking import forget_inherited

T = TypeVar("T")
R = TypeVar("R")

START_METHOD = os.environ.get("SUBSIDY_START_METHOD") or (
    "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")


READING_THREADS = 16


def on_threads(fn: Callable[[T], R], items: Sequence[T], threads: int = READING_THREADS) -> list[R]:
    """fn over items on threads, in order: for work that waits on the disk (listing folders, reading files), so that
    the disk is asked for many at once. From a cold cache, 2,951 manifests of 2 KB read one after another took 1.1 s
    on this machine, on 16 threads 0.4 s. fn should do little in Python (the threads share one interpreter) and must be
    safe to run on several threads. Each thread takes every n-th item (one task per thread, not per item)."""
    items = list(items)
    n = min(threads, len(items))
    if n < 2:
        return [fn(item) for item in items]
    done = list(_thread_pool().map(lambda share: [fn(item) for item in share], [items[k::n] for k in range(n)]))
    results: list = [None] * len(items)
    for k, share in enumerate(done):
        results[k::n] = share
    return results


_THREADS: list[ThreadPoolExecutor] = []  # one pool per process, its threads started once (about 1 ms each here)


def _thread_pool() -> ThreadPoolExecutor:
    if not _THREADS:
        _THREADS.append(ThreadPoolExecutor(READING_THREADS, thread_name_prefix="subsidy-read"))
    return _THREADS[0]


os.register_at_fork(after_in_child=_THREADS.clear)  # a forked child has none of its parent's threads


def warm(paths: Sequence[os.PathLike | str]) -> None:
    """Read the files on threads and drop what was read, so that reading them one by one next finds them in the
    operating system's cache (a file missing or unreadable is left to that reading to report)."""
    on_threads(_read_through, paths)


def _read_through(path: os.PathLike | str) -> None:
    try:
        with open(path, "rb", buffering=0) as f:
            while f.read(1 << 20):
                pass
    except OSError:
        pass


def cores(workers: int | None = None) -> int:
    return workers or min(os.cpu_count() or 1, 8)


@contextmanager
def cyclic_gc(enabled: bool) -> Iterator[None]:
    """The cyclic garbage collector on or off meanwhile, as it was afterwards. A stage builds hundreds of thousands
    of small records with no reference cycles among them; the collector would only walk them again and again, and
    every record already held again each time (a re-run spent about a third of its time there). Reference counting
    still frees what is dropped. Turned on for a while, it leaves what is already held alone meanwhile (frozen):
    its first collection would otherwise walk everything made while it was off (half a second after reading)."""
    was = gc.isenabled()
    if enabled and not was:
        gc.freeze()
    gc.enable() if enabled else gc.disable()
    try:
        yield
    finally:
        gc.enable() if was else gc.disable()
        if enabled and not was:
            gc.unfreeze()


def _start(initializer: Callable[..., None] | None, args: tuple) -> None:
    forget_inherited()
    gc.enable()  # a worker draws notices (reportlab makes cycles) even when the parent's collector is off
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
    if initializer is not None:
        initializer(*args)


def spread(fn: Callable[[T], R], items: Sequence[T], workers: int | None = None, *,
           initializer: Callable[..., None] | None = None, initargs: tuple = (),
           start_method: str | None = None) -> Iterator[R]:
    """fn over items on `workers` processes (all cores by default), in order; in this process when there is one
    core or only a few items. `initializer(*initargs)` runs first wherever fn runs."""
    workers = cores(workers)
    if workers <= 1 or len(items) < 4:
        with cyclic_gc(True):
            if initializer is not None:
                initializer(*initargs)
            yield from map(fn, items)
        return
    # a forked worker shares the parent's memory until it writes to it; the cyclic GC would write to every object
    # (and copy the whole run's rows into each worker), so the parent's objects are frozen meanwhile
    gc.freeze()
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(start_method or START_METHOD),
                                 initializer=_start, initargs=(initializer, initargs)) as pool:
            yield from pool.map(fn, items, chunksize=max(1, min(16, len(items) // (workers * 8))))
    finally:
        gc.unfreeze()


def alongside(fn: Callable[[], R]) -> Callable[[], R]:
    """Start fn() in a forked process while this one carries on; returns a function that waits for fn's result
    (raising what fn raised). fn sees this process's memory as it was at the start. Where processes are not
    forked, or on one core, fn runs here and now."""
    if cores() <= 1 or START_METHOD != "fork" or multiprocessing.current_process().daemon:  # (may not have children)
        value = fn()
        return lambda: value
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    gc.freeze()  # as in spread(): the child's collector leaves the shared objects alone
    try:
        child = context.Process(target=_alongside, args=(fn, send), daemon=True)
        child.start()
    finally:
        gc.unfreeze()
    send.close()

    def result() -> R:
        try:
            ok, value = receive.recv()
        except EOFError:
            child.join()
            raise RuntimeError(f"后台进程意外退出（退出码 {child.exitcode}）") from None
        finally:
            receive.close()
        child.join()
        if not ok:
            raise value
        return value

    return result


def _alongside(fn: Callable[[], R], send) -> None:
    _start(None, ())
    try:
        outcome = (True, fn())
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
        outcome = (False, exc)
    try:
        send.send(outcome)
    except Exception:  # noqa: BLE001 - a result or exception that does not pickle
        send.send((False, RuntimeError(str(outcome[1]))))
    send.close()
