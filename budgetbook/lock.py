"""One consolidation per output at a time: an advisory lock (fcntl.flock) beside the file.

Invariant: the lock is held by an open file descriptor, so it is released when the process
ends, even after a crash; the lock file itself stays (deleting it would let two processes
lock two different files of the same name).
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path


class Busy(RuntimeError):
    pass


def lock_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.lock")


class OutputLock:
    def __init__(self, target: Path, wait: float = 0.0):
        self.path = lock_path(target)
        self.wait = wait
        self.fd: int | None = None

    def __enter__(self) -> "OutputLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
                    os.close(fd)
                    raise Busy(holder) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, sedan {time.strftime('%Y-%m-%d %H:%M:%S')}".encode(), 0)
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
