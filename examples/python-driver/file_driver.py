"""The file driver's only contact with gRPC and the generated stubs.

Each of the six calls: the request's parts go to the backend (file_backend.py) as plain values, the
answer's status words become the contract's enums and wrapper lists, and the backend's errors
become gRPC statuses. All the work is in file_backend.py and below.
"""
import grpc
from cgdriver.v1 import driver_pb2, types_pb2

from cgdriver_plugin import CallContext, DriverError
from driver_errors import FileDriverError
from file_backend import FileBackend, SnapshotRef, SourceRef, VolumeRef

_GROUP = {
    "available": types_pb2.GROUP_STATUS_AVAILABLE,
    "error": types_pb2.GROUP_STATUS_ERROR,
    "deleted": types_pb2.GROUP_STATUS_DELETED,
    "error_deleting": types_pb2.GROUP_STATUS_ERROR_DELETING,
}
_VOLUME = {
    "available": types_pb2.VOLUME_STATUS_AVAILABLE,
    "error": types_pb2.VOLUME_STATUS_ERROR,
    "deleted": types_pb2.VOLUME_STATUS_DELETED,
    "error_deleting": types_pb2.VOLUME_STATUS_ERROR_DELETING,
}
_CG_SNAPSHOT = {
    "available": types_pb2.CG_SNAPSHOT_STATUS_AVAILABLE,
    "error": types_pb2.CG_SNAPSHOT_STATUS_ERROR,
    "deleted": types_pb2.CG_SNAPSHOT_STATUS_DELETED,
    "error_deleting": types_pb2.CG_SNAPSHOT_STATUS_ERROR_DELETING,
}
_SNAPSHOT = {
    "available": types_pb2.SNAPSHOT_STATUS_AVAILABLE,
    "error": types_pb2.SNAPSHOT_STATUS_ERROR,
    "deleted": types_pb2.SNAPSHOT_STATUS_DELETED,
    "error_deleting": types_pb2.SNAPSHOT_STATUS_ERROR_DELETING,
}


def _fields(update: dict, table: dict) -> dict:
    """A model_update or entry's wire fields: the enum status (absent = UNSPECIFIED) and the location (absent = keep)."""
    fields = {}
    if "status" in update:
        fields["status"] = table[update["status"]]
    if "provider_location" in update:
        fields["provider_location"] = update["provider_location"]
    return fields


def _entries(message_class, list_class, items, table):
    """A per-item list on the wire: the wrapper always set (possibly empty), one entry per item."""
    return list_class(updates=[message_class(id=item["id"], **_fields(item, table)) for item in items])


def _required(request, field: str, what: str):
    """The request's message field, or INVALID_ARGUMENT: proto3 messages may arrive unset."""
    if not request.HasField(field):
        raise DriverError(grpc.StatusCode.INVALID_ARGUMENT, f"the request has no {what}")
    return getattr(request, field)


def _volume_refs(volumes):
    return [VolumeRef(v.id, v.size_gb) for v in volumes]


class FileDriver:
    """The cgdriver_plugin driver over a FileBackend."""

    name = "python-file-driver"
    vendor_version = "0.1.0"
    source_kinds = ("cgsnapshot", "group")

    def __init__(self, backend: FileBackend):
        self._backend = backend

    def probe(self):
        return self._backend.probe()

    def create_consistency_group(self, request, call: CallContext):
        group = _required(request, "group", "group")
        answer = self._answer(call, lambda: self._backend.create_group(request.operation_id, group.id))
        return driver_pb2.CreateConsistencyGroupResponse(model_update=types_pb2.GroupUpdate(**_fields(answer["model_update"], _GROUP)))

    def create_consistency_group_from_source(self, request, call: CallContext):
        group = _required(request, "group", "group")
        if request.WhichOneof("source") == "cgsnapshot_source":
            cgsnapshot = _required(request.cgsnapshot_source, "cgsnapshot", "source cgsnapshot")
            source = SourceRef("cgsnapshot", cgsnapshot.id, [s.id for s in request.cgsnapshot_source.snapshots])
        else:
            source_group = _required(request.group_source, "group", "source group")
            source = SourceRef("group", source_group.id, [v.id for v in request.group_source.volumes])
        answer = self._answer(
            call,
            lambda: self._backend.create_group_from_source(request.operation_id, group.id, _volume_refs(request.volumes), source, call.cancelled),
        )
        return driver_pb2.CreateConsistencyGroupFromSourceResponse(
            model_update=types_pb2.GroupUpdate(**_fields(answer["model_update"], _GROUP)),
            volumes_model_update=_entries(types_pb2.VolumeUpdate, types_pb2.VolumeUpdateList, answer["volumes_model_update"], _VOLUME),
        )

    def delete_consistency_group(self, request, call: CallContext):
        group = _required(request, "group", "group")
        answer = self._answer(call, lambda: self._backend.delete_group(request.operation_id, group.id, [v.id for v in request.volumes]))
        return driver_pb2.DeleteConsistencyGroupResponse(
            model_update=types_pb2.GroupUpdate(**_fields(answer["model_update"], _GROUP)),
            volumes_model_update=_entries(types_pb2.VolumeUpdate, types_pb2.VolumeUpdateList, answer["volumes_model_update"], _VOLUME),
        )

    def update_consistency_group(self, request, call: CallContext):
        group = _required(request, "group", "group")
        answer = self._answer(
            call,
            lambda: self._backend.update_group(request.operation_id, group.id, _volume_refs(request.add_volumes), [v.id for v in request.remove_volumes]),
        )
        return driver_pb2.UpdateConsistencyGroupResponse(
            model_update=types_pb2.GroupUpdate(**_fields(answer["model_update"], _GROUP)),
            add_volumes_update=_entries(types_pb2.VolumeUpdate, types_pb2.VolumeUpdateList, answer["add_volumes_update"], _VOLUME),
            remove_volumes_update=_entries(types_pb2.VolumeUpdate, types_pb2.VolumeUpdateList, answer["remove_volumes_update"], _VOLUME),
        )

    def create_cg_snapshot(self, request, call: CallContext):
        cgsnapshot = _required(request, "cgsnapshot", "cgsnapshot")
        snapshots = [SnapshotRef(s.id, s.volume_id) for s in request.snapshots]
        answer = self._answer(call, lambda: self._backend.create_cgsnapshot(request.operation_id, cgsnapshot.id, snapshots, call.cancelled))
        return driver_pb2.CreateCgSnapshotResponse(
            model_update=types_pb2.CgSnapshotUpdate(**_fields(answer["model_update"], _CG_SNAPSHOT)),
            snapshots_model_update=_entries(types_pb2.SnapshotUpdate, types_pb2.SnapshotUpdateList, answer["snapshots_model_update"], _SNAPSHOT),
        )

    def delete_cg_snapshot(self, request, call: CallContext):
        cgsnapshot = _required(request, "cgsnapshot", "cgsnapshot")
        answer = self._answer(call, lambda: self._backend.delete_cgsnapshot(request.operation_id, cgsnapshot.id, [s.id for s in request.snapshots]))
        return driver_pb2.DeleteCgSnapshotResponse(
            model_update=types_pb2.CgSnapshotUpdate(**_fields(answer["model_update"], _CG_SNAPSHOT)),
            snapshots_model_update=_entries(types_pb2.SnapshotUpdate, types_pb2.SnapshotUpdateList, answer["snapshots_model_update"], _SNAPSHOT),
        )

    def _answer(self, call: CallContext, run) -> dict:
        """Runs one backend call: logs every item's reason and whether it was replayed; maps errors to gRPC statuses."""
        try:
            outcome = run()
        except FileDriverError as error:
            if error.code == "CANCELLED" and call.deadline_passed():
                raise DriverError(grpc.StatusCode.DEADLINE_EXCEEDED, error.detail) from error
            raise DriverError(grpc.StatusCode[error.code], error.detail) from error
        for key, value in outcome.answer.items():
            for item in value if isinstance(value, list) else [value]:
                if "reason" in item:
                    call.log.warning("item not done", extra={"item": item.get("id", key), "reason": item["reason"]})
        call.log.info("answered from the operation ledger" if outcome.replayed else "done", extra={"replayed": outcome.replayed})
        return outcome.answer
