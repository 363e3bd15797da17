"""The file driver's backend: the six operations over a data directory (layout.py).

Each operation is validated first, then run once per operation id through the ledger, then answered
per item. It knows nothing of gRPC or protobuf: requests arrive as plain values and answers are
JSON-ready dicts in the contract's field names, with statuses in RULES.md's words
("available", "error", "deleted", "error_deleting"); file_driver.py maps them to the wire. An
entry's "reason" explains an error status in the driver's log and is never sent.
"""
import os
import shutil
from typing import Callable, List, NamedTuple, Optional

import sparse_copy
from driver_errors import FileDriverError, raise_if_cancelled
from group_record import read_group_record, write_group_record
from layout import DataLayout, check_id, check_id_list
from operation_ledger import OperationLedger, Outcome, fingerprint_of

GIB = 1024 * 1024 * 1024
# Sizes must stay below what an off_t holds.
_MAX_BYTES = 2**63 - 1


class VolumeRef(NamedTuple):
    """A volume as a request names it; the size matters where the driver creates its file."""

    id: str
    size_gb: int


class SnapshotRef(NamedTuple):
    """A member snapshot as a request names it: the copy of one volume."""

    id: str
    volume_id: str


class SourceRef(NamedTuple):
    """The source of create-from-source: kind "cgsnapshot" (items are snapshot ids) or "group" (volume ids)."""

    kind: str
    id: str
    item_ids: List[str]


Cancelled = Optional[Callable[[], bool]]


class FileBackend:
    """A file-backed consistency-group backend over one data directory."""

    def __init__(self, data_dir: str, bytes_per_gb: int = GIB, reflink: bool = True):
        """Opens (creating if needed) a data directory and clears temporaries a crash left there."""
        if not isinstance(bytes_per_gb, int) or bytes_per_gb < 1:
            raise ValueError(f"bytes_per_gb must be a positive integer, got {bytes_per_gb!r}")
        self.layout = DataLayout(data_dir)
        self.layout.prepare()
        self._bytes_per_gb = bytes_per_gb
        self._reflink = reflink
        self._ledger = OperationLedger(self.layout)

    def probe(self):
        """(ready, message): ready when every directory of the layout exists and is writable."""
        for path in self.layout.directories():
            if not os.access(path, os.W_OK):
                return False, f"data directory {path} is missing or not writable"
        return True, ""

    def create_group(self, operation_id: str, group_id: str) -> Outcome:
        """CreateConsistencyGroup: writes the group record; the group's location is that record."""
        check_id("operation id", operation_id)
        path = self.layout.group_record(group_id)

        def work():
            # A record already there belongs to this same group id: keep its membership.
            if read_group_record(path) is None:
                write_group_record(path, group_id, [], [])
            return {"model_update": {"status": "available", "provider_location": path}}

        return self._ledger.once(operation_id, "create-group", fingerprint_of({"groupId": group_id}), work)

    def create_group_from_source(self, operation_id: str, group_id: str, volumes: List[VolumeRef], source: SourceRef, cancelled: Cancelled = None) -> Outcome:
        """CreateConsistencyGroupFromSource: copies source item i onto volumes[i].

        Any missing source fails the whole call (NOT_FOUND): the host treats every returned answer as
        success (RULES.md R2.2), so an error status would be ignored.
        """
        check_id("operation id", operation_id)
        check_id("group id", group_id)
        check_id_list("target volume id", [v.id for v in volumes])
        if source.kind == "cgsnapshot":
            check_id("source cgsnapshot id", source.id)
            check_id_list("source snapshot id", source.item_ids)
            sources = [(i, f"source snapshot {i}", self.layout.snapshot_file(source.id, i)) for i in source.item_ids]
        elif source.kind == "group":
            check_id("source group id", source.id)
            check_id_list("source volume id", source.item_ids)
            sources = [(i, f"source volume {i}", self.layout.volume_file(i)) for i in source.item_ids]
        else:
            raise FileDriverError("INVALID_ARGUMENT", f"unknown source kind {source.kind!r}; use cgsnapshot or group")
        if len(sources) != len(volumes):
            raise FileDriverError(
                "INVALID_ARGUMENT",
                f"the request has {len(volumes)} target volumes for {len(sources)} source items; item i is the source of volumes[i], so the counts must match",
            )
        targets = [(volume, self.layout.volume_file(volume.id), self._size_of(volume), sources[i]) for i, volume in enumerate(volumes)]
        subject = {"groupId": group_id, "kind": source.kind, "sourceId": source.id, "pairs": [[src[0], volume.id] for volume, _, _, src in targets]}

        def work():
            # Check every source before copying any, so a missing one fails fast and leaves no clones.
            for volume, _, size, (_, what, path) in targets:
                source_size = _size_of_source(what, path)
                if source_size > size:
                    raise FileDriverError("INVALID_ARGUMENT", f"target volume {volume.id} ({size} bytes) is smaller than {what} ({source_size} bytes)")
            for volume, target_path, size, (_, what, path) in targets:
                raise_if_cancelled(cancelled, f"creating group {group_id} from {source.kind} {source.id}")
                try:
                    sparse_copy.copy_volume_file(path, target_path, cancelled=cancelled, minimum_size=size, reflink=self._reflink)
                except FileNotFoundError as error:
                    raise _missing_source(what, path) from error
            record = self.layout.group_record(group_id)
            write_group_record(record, group_id, [t[0].id for t in targets], [], {"kind": source.kind, "id": source.id})
            return {
                "model_update": {"status": "available", "provider_location": record},
                "volumes_model_update": [{"id": volume.id, "status": "available", "provider_location": path} for volume, path, _, _ in targets],
            }

        return self._ledger.once(operation_id, "create-group-from-source", fingerprint_of(subject), work)

    def delete_group(self, operation_id: str, group_id: str, volume_ids: List[str]) -> Outcome:
        """DeleteConsistencyGroup: removes each volume's file, then the group record.

        A file already gone counts as deleted; one that cannot be removed is error_deleting and keeps
        the record for a later delete.
        """
        check_id("operation id", operation_id)
        check_id("group id", group_id)
        check_id_list("volume id", volume_ids)

        def work():
            entries = [_remove_item(i, self.layout.volume_file(i)) for i in volume_ids]
            record = self.layout.group_record(group_id)
            if any(entry["status"] != "deleted" for entry in entries):
                # The group still holds files: keep its record so a later delete can finish the job.
                return {"model_update": {"status": "error_deleting", "provider_location": record}, "volumes_model_update": entries}
            removal = _remove_item(group_id, record)
            model_update = {key: value for key, value in removal.items() if key != "id"}
            return {"model_update": model_update, "volumes_model_update": entries}

        return self._ledger.once(operation_id, "delete-group", fingerprint_of({"groupId": group_id, "volumeIds": list(volume_ids)}), work)

    def update_group(self, operation_id: str, group_id: str, add_volumes: List[VolumeRef], remove_volume_ids: List[str]) -> Outcome:
        """UpdateConsistencyGroup: materialises each added volume's sparse file on first sight and records membership.

        Removed volumes are recorded as departed and keep their files. Entries carry no status, so an
        in-use volume stays in-use.
        """
        check_id("operation id", operation_id)
        check_id("group id", group_id)
        added = [v.id for v in add_volumes]
        removed = list(remove_volume_ids)
        check_id_list("added volume id", added)
        check_id_list("removed volume id", removed)
        both = next((i for i in added if i in removed), None)
        if both is not None:
            raise FileDriverError("INVALID_ARGUMENT", f"volume {both} is both added to and removed from group {group_id}")
        sizes = [self._size_of(v) for v in add_volumes]
        path = self.layout.group_record(group_id)

        def work():
            record = read_group_record(path)
            if record is None:
                raise FileDriverError("NOT_FOUND", f"group {group_id} has no record at {path}: it was not created through this driver's data directory")
            # Files first, record last: a failure part-way leaves membership unchanged, as the host's
            # rules say for a failed update (R4.1), and the files made so far are reused on retry.
            for volume, size in zip(add_volumes, sizes):
                sparse_copy.create_sparse_file_if_missing(self.layout.volume_file(volume.id), size)
            members = [i for i in record["members"] if i not in removed] + [i for i in added if i not in record["members"]]
            departed = [i for i in record["departed"] if i not in added and i not in removed] + removed
            write_group_record(path, group_id, members, departed, record.get("source"))

            def entry(volume_id):
                return {"id": volume_id, "provider_location": self.layout.volume_file(volume_id)}

            return {
                "model_update": {"provider_location": path},
                "add_volumes_update": [entry(i) for i in added],
                "remove_volumes_update": [entry(i) for i in removed],
            }

        subject = {"groupId": group_id, "added": added, "removed": removed}
        return self._ledger.once(operation_id, "update-group", fingerprint_of(subject), work)

    def create_cgsnapshot(self, operation_id: str, cgsnapshot_id: str, snapshots: List[SnapshotRef], cancelled: Cancelled = None) -> Outcome:
        """CreateCgSnapshot: copies each member volume's file into the cgsnapshot's directory.

        A member whose file is missing (or cannot be copied) gets an error entry, which fails the
        call (RULES.md R5.2).
        """
        check_id("operation id", operation_id)
        check_id("cgsnapshot id", cgsnapshot_id)
        check_id_list("snapshot id", [s.id for s in snapshots])
        for s in snapshots:
            check_id(f"volume id of snapshot {s.id}", s.volume_id)
        pairs = [(s, self.layout.volume_file(s.volume_id), self.layout.snapshot_file(cgsnapshot_id, s.id)) for s in snapshots]
        subject = {"cgsnapshotId": cgsnapshot_id, "pairs": [[s.id, s.volume_id] for s in snapshots]}

        def work():
            directory = self.layout.cgsnapshot_dir(cgsnapshot_id)
            os.makedirs(directory, exist_ok=True)
            # The copies are taken one after another, so they are consistent as a group only while
            # nothing writes to the volumes; a real array would quiesce them or snapshot atomically.
            entries = []
            for snapshot, source, target in pairs:
                raise_if_cancelled(cancelled, f"creating cgsnapshot {cgsnapshot_id}")
                try:
                    sparse_copy.copy_volume_file(source, target, cancelled=cancelled, reflink=self._reflink)
                    entries.append({"id": snapshot.id, "status": "available", "provider_location": target})
                except FileNotFoundError:
                    entries.append({"id": snapshot.id, "status": "error", "reason": f"volume {snapshot.volume_id} has no file at {source}"})
                except OSError as error:
                    entries.append({"id": snapshot.id, "status": "error", "reason": f"copying {source} failed: {error}"})
            failed = any(entry["status"] == "error" for entry in entries)
            return {"model_update": {"status": "error" if failed else "available", "provider_location": directory}, "snapshots_model_update": entries}

        return self._ledger.once(operation_id, "create-cgsnapshot", fingerprint_of(subject), work)

    def delete_cgsnapshot(self, operation_id: str, cgsnapshot_id: str, snapshot_ids: List[str]) -> Outcome:
        """DeleteCgSnapshot: removes each snapshot file, then the cgsnapshot's directory.

        A file already gone counts as deleted; one that cannot be removed is error_deleting and keeps
        the directory.
        """
        check_id("operation id", operation_id)
        check_id("cgsnapshot id", cgsnapshot_id)
        check_id_list("snapshot id", snapshot_ids)

        def work():
            entries = [_remove_item(i, self.layout.snapshot_file(cgsnapshot_id, i)) for i in snapshot_ids]
            directory = self.layout.cgsnapshot_dir(cgsnapshot_id)
            if any(entry["status"] != "deleted" for entry in entries):
                return {"model_update": {"status": "error_deleting", "provider_location": directory}, "snapshots_model_update": entries}
            try:
                # What is left is only temporaries of abandoned copies; the host sent every snapshot.
                shutil.rmtree(directory)
            except FileNotFoundError:
                pass
            except OSError as error:
                reason = f"removing {directory} failed: {error}"
                return {"model_update": {"status": "error_deleting", "provider_location": directory, "reason": reason}, "snapshots_model_update": entries}
            return {"model_update": {"status": "deleted"}, "snapshots_model_update": entries}

        subject = {"cgsnapshotId": cgsnapshot_id, "snapshotIds": list(snapshot_ids)}
        return self._ledger.once(operation_id, "delete-cgsnapshot", fingerprint_of(subject), work)

    def _size_of(self, volume: VolumeRef) -> int:
        """The file size of a volume, refusing sizes that are negative or too large for a file."""
        size = volume.size_gb * self._bytes_per_gb
        if volume.size_gb < 0 or size > _MAX_BYTES:
            raise FileDriverError("INVALID_ARGUMENT", f"volume {volume.id} has size {volume.size_gb} GB, which is not a usable whole number of GB")
        return size


def _remove_item(item_id: str, path: str) -> dict:
    """Unlinks one item's file: deleted when it is gone (or already was), error_deleting otherwise."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as error:
        return {"id": item_id, "status": "error_deleting", "provider_location": path, "reason": f"removing {path} failed: {error}"}
    return {"id": item_id, "status": "deleted"}


def _size_of_source(what: str, path: str) -> int:
    """The size of a source file, or NOT_FOUND naming it."""
    try:
        return os.stat(path).st_size
    except FileNotFoundError as error:
        raise _missing_source(what, path) from error


def _missing_source(what: str, path: str) -> FileDriverError:
    return FileDriverError("NOT_FOUND", f"{what} has no file at {path}, so the group cannot be created from it")
