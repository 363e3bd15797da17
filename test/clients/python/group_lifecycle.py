#!/usr/bin/python3
"""A client of the cghost front API in Python: what a volume service in another language does.

It registers two volumes, creates a group, adds the volumes, reads the group back, deletes it with
its volumes, and shows how a failure arrives (gRPC code plus the host's own code in the trailing
metadata). It prints one JSON object with what it saw, for test/front-python-client.test.ts.

Stubs come from proto/cghost/v1 (nothing else is needed):
    /usr/bin/python3 -m grpc_tools.protoc -I proto --python_out=OUT --grpc_python_out=OUT \
        proto/cghost/v1/resources.proto proto/cghost/v1/host_service.proto
Run:
    /usr/bin/python3 test/clients/python/group_lifecycle.py --stubs OUT --address unix:/path/cghost.sock
"""

import argparse
import json
import sys
import uuid


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stubs", required=True, help="directory holding the generated cghost/v1 modules")
    parser.add_argument("--address", required=True, help="the front API, e.g. unix:/x/.cghost/cghost.sock")
    args = parser.parse_args()
    sys.path.insert(0, args.stubs)

    import grpc
    from cghost.v1 import host_service_pb2 as api
    from cghost.v1 import host_service_pb2_grpc as api_grpc
    from cghost.v1 import resources_pb2 as resources

    request_id = str(uuid.uuid4())
    caller = resources.CallerContext(request_id=request_id, project_id="python-project", user_id="alice")
    seen = {"request_id": request_id}
    with grpc.insecure_channel(args.address) as channel:
        host = api_grpc.HostServiceStub(channel)
        volumes = [
            host.RegisterVolume(api.RegisterVolumeRequest(caller=caller, size_gb=size, volume_type="standard")).volume
            for size in (1, 2)
        ]
        seen["registered"] = [{"id": v.id, "status": v.status, "project_id": v.project_id} for v in volumes]

        group = host.CreateConsistencyGroup(
            api.CreateConsistencyGroupRequest(caller=caller, name="from-python", volume_types=["standard"])
        ).group
        seen["created"] = {"id": group.id, "status": group.status, "project_id": group.project_id}

        updated = host.UpdateConsistencyGroup(
            api.UpdateConsistencyGroupRequest(caller=caller, group_id=group.id, add_volume_ids=[v.id for v in volumes])
        )
        seen["updated"] = {"status": updated.group.status, "volumes": [v.group_id for v in updated.volumes]}

        shown = host.GetConsistencyGroup(api.GetConsistencyGroupRequest(group_id=group.id))
        seen["shown"] = {
            "status": shown.group.status,
            "volumes": [{"id": v.id, "status": v.status} for v in shown.volumes],
            "has_create_time": shown.group.HasField("create_time"),
            "has_delete_time": shown.group.HasField("delete_time"),
        }

        # A failure: an id that names nothing comes back as NOT_FOUND, the host's code in the trailers.
        try:
            host.GetConsistencyGroup(api.GetConsistencyGroupRequest(group_id=str(uuid.uuid4())))
            seen["refused"] = None
        except grpc.RpcError as error:
            trailers = dict(error.trailing_metadata() or ())
            seen["refused"] = {
                "grpc_code": error.code().name,
                "host_code": trailers.get("cghost-error-code"),
                "details": error.details(),
            }

        deleted = host.DeleteConsistencyGroup(
            api.DeleteConsistencyGroupRequest(caller=caller, group_id=group.id, delete_volumes=True)
        )
        seen["deleted"] = {
            "status": deleted.group.status,
            "volumes": [v.status for v in deleted.volumes],
            "has_delete_time": deleted.group.HasField("delete_time"),
        }

    json.dump(seen, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
