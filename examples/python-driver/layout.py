"""Where everything lives under the data directory, and the id checks that make paths safe.

Every path is built here, from ids checked here, so no other module joins request input into a
path: a "../" or "/" in an id would otherwise let a request read or delete files outside the data
directory.

    <data-dir>/volumes/<volumeId>.img                       sparse volume files
    <data-dir>/groups/<groupId>.json                        group records (membership)
    <data-dir>/cgsnapshots/<cgsnapshotId>/<snapshotId>.img  one copy per member volume
    <data-dir>/operations/<operationId>.json                answers of completed operations
"""
import os
import re

import atomic_file
from driver_errors import FileDriverError

# Leading alphanumeric: rules out "." and "..", and the dot-prefixed names of temporary files.
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def check_id(what: str, value: str) -> str:
    """Returns the id when it is safe as a file name (UUID-like), else raises INVALID_ARGUMENT naming it."""
    if not isinstance(value, str) or _SAFE_ID.fullmatch(value) is None:
        raise FileDriverError(
            "INVALID_ARGUMENT",
            f"{what} {value!r} is not a valid id: use 1-128 characters of [A-Za-z0-9._-] starting with a letter or digit (a UUID fits)",
        )
    return value


def check_id_list(what: str, ids) -> None:
    """Checks every id of one list and that none repeats: a repeated id would make the answer malformed."""
    seen = set()
    for value in ids:
        check_id(what, value)
        if value in seen:
            raise FileDriverError("INVALID_ARGUMENT", f"{what} {value!r} appears twice in the request")
        seen.add(value)


class DataLayout:
    """The on-disk layout of one data directory."""

    def __init__(self, data_dir: str):
        # Absolute, so provider locations stay meaningful from any working directory.
        self.root = os.path.abspath(data_dir)
        self.volumes_dir = os.path.join(self.root, "volumes")
        self.groups_dir = os.path.join(self.root, "groups")
        self.cgsnapshots_dir = os.path.join(self.root, "cgsnapshots")
        self.operations_dir = os.path.join(self.root, "operations")

    def directories(self):
        """The four top-level directories."""
        return [self.volumes_dir, self.groups_dir, self.cgsnapshots_dir, self.operations_dir]

    def prepare(self) -> None:
        """Creates the directories if missing and removes temporaries a crashed process left behind."""
        for path in self.directories():
            os.makedirs(path, exist_ok=True)
        snapshot_dirs = [entry.path for entry in os.scandir(self.cgsnapshots_dir) if entry.is_dir(follow_symlinks=False)]
        for path in self.directories() + snapshot_dirs:
            atomic_file.sweep_temporaries(path)

    def volume_file(self, volume_id: str) -> str:
        """The sparse file of a volume."""
        return os.path.join(self.volumes_dir, check_id("volume id", volume_id) + ".img")

    def group_record(self, group_id: str) -> str:
        """The record of a group."""
        return os.path.join(self.groups_dir, check_id("group id", group_id) + ".json")

    def cgsnapshot_dir(self, cgsnapshot_id: str) -> str:
        """The directory holding a cgsnapshot's copies."""
        return os.path.join(self.cgsnapshots_dir, check_id("cgsnapshot id", cgsnapshot_id))

    def snapshot_file(self, cgsnapshot_id: str, snapshot_id: str) -> str:
        """The copy of one member volume inside a cgsnapshot."""
        return os.path.join(self.cgsnapshot_dir(cgsnapshot_id), check_id("snapshot id", snapshot_id) + ".img")

    def operation_record(self, operation_id: str) -> str:
        """The ledger entry of an operation."""
        return os.path.join(self.operations_dir, check_id("operation id", operation_id) + ".json")
