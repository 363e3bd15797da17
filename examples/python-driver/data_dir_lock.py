"""One file driver per data directory (the Python twin of examples/file-driver/data-dir-lock.ts).

Two drivers on one directory would sweep each other's temporary files at start-up and race on the
same records. The lock is a pid file, DIR/driver.pid, created exclusively: a driver that exits
removes it; one that was killed leaves it behind, and the next start takes it over once no live
Python file driver has that pid.
"""

import atexit
import os

LOCK_FILE = "driver.pid"


class DataDirInUse(Exception):
    """The data directory is held by another live driver."""


def lock_data_dir(data_dir: str) -> None:
    """Takes DATA_DIR/driver.pid for this process until it exits; raises DataDirInUse naming the holder."""
    os.makedirs(data_dir, exist_ok=True)
    path = os.path.join(data_dir, LOCK_FILE)
    for _ in range(2):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            holder = _holder(path)
            if holder is not None and holder != os.getpid() and _is_driver(holder):
                raise DataDirInUse(
                    f"the data directory {data_dir} is in use by another file driver (pid {holder}); stop it, or give this one another --data-dir"
                ) from None
            # Left by a driver that was killed: take it over.
            os.unlink(path)
            continue
        with os.fdopen(fd, "w") as out:
            out.write(f"{os.getpid()}\n")
        atexit.register(_release, path)
        return
    raise DataDirInUse(f"the data directory {data_dir}: another driver took {LOCK_FILE} at the same moment; try again")


def _holder(path: str):
    try:
        with open(path, encoding="utf-8") as handle:
            pid = int(handle.read().strip())
    except (OSError, ValueError):
        return None
    return pid if pid > 0 else None


def _is_driver(pid: int) -> bool:
    """Whether pid is a live process running this driver (by its command line, where Linux shows it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            # A reused pid belongs to some other program: its command line names no driver of ours.
            return b"python-driver" in handle.read()
    except OSError:
        return True


def _release(path: str) -> None:
    if _holder(path) == os.getpid():
        try:
            os.unlink(path)
        except OSError:
            pass
