"""Publishing files atomically.

Every file the driver publishes is first written under a temporary name in the same directory and
then renamed (or linked) into place: rename is atomic within one file system, so a crash leaves
either the old file, the new one, or a stray temporary name, never a half-written final name.
"""
import os
import secrets

# Temporary names start with a dot, which no valid id can (layout.check_id), so they never collide
# with a final name and the start-up sweep can recognise them.
_TEMP_MARKER = ".tmp-"


def temp_path_for(final_path: str) -> str:
    """A fresh temporary path beside `final_path`, unique to this process and call."""
    directory, name = os.path.split(final_path)
    return os.path.join(directory, f".{name}{_TEMP_MARKER}{os.getpid()}-{secrets.token_hex(6)}")


def sync_directory(directory: str) -> None:
    """Flushes a directory's entries so a rename survives power loss, not only a process crash."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file_atomic(path: str, data: bytes) -> None:
    """Writes `data` to `path` atomically and durably (temporary file, fsync, rename, directory fsync)."""
    temp = temp_path_for(path)
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temp, path)
    except BaseException:
        remove_quietly(temp)
        raise
    sync_directory(os.path.dirname(path))


def publish_replacing(temp: str, path: str) -> None:
    """Moves a finished temporary file onto `path`, replacing what is there, and makes it durable."""
    os.rename(temp, path)
    sync_directory(os.path.dirname(path))


def publish_if_absent(temp: str, path: str) -> bool:
    """Moves a finished temporary file onto `path` only if nothing is there; False when it existed.

    link(2) fails on an existing target, which makes "create if missing" race-free where a
    stat-then-rename would not be.
    """
    try:
        os.link(temp, path)
    except FileExistsError:
        return False
    finally:
        remove_quietly(temp)
    sync_directory(os.path.dirname(path))
    return True


def remove_quietly(path: str) -> None:
    """Deletes a file, ignoring every error: for cleaning up temporaries on a path that already failed."""
    try:
        os.unlink(path)
    except OSError:
        pass


def sweep_temporaries(directory: str) -> int:
    """Removes the temporary files a crashed earlier process left in `directory`; returns how many."""
    stale = [name for name in os.listdir(directory) if name.startswith(".") and _TEMP_MARKER in name]
    for name in stale:
        remove_quietly(os.path.join(directory, name))
    return len(stale)
