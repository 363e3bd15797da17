"""The reusable part of a cghost plugin in Python: everything of proto/README.md but the driver.

serve(driver) listens, answers cgdriver.v1.PluginService, cgdriver.v1.ConsistencyGroupDriverService
and grpc.health.v1.Health, and then either
  - as a launched child (the default): performs the handshake on descriptor $CGHOST_HANDSHAKE_FD,
    echoing $CGHOST_PLUGIN_NONCE, and watches that descriptor as the lifeline: end-of-file means
    the host is gone, and the plugin stops; or
  - as a sidecar (`address`): listens there, with no handshake.
In both modes SIGTERM (and SIGINT) stop the server gracefully: health turns NOT_SERVING, new calls
are refused, calls in flight get `grace_seconds` to finish and are cancelled after that.

A driver is any object with `name`, `vendor_version`, `probe()` returning (ready, message), and
any of the six methods below, each taking (request, call: CallContext) and returning the response
message (None for the empty one). A method it lacks answers UNIMPLEMENTED and is left out of
GetCapabilities. `source_kinds` lists the create-from-source kinds it accepts ("cgsnapshot",
"group"). To fail a call (the interface's "raise"), raise DriverError with a gRPC status code.

The generated stubs (build_stubs.py) must be importable before this module is imported.
"""
import json
import logging
import os
import re
import signal
import socket
import threading
import time
from concurrent import futures

import grpc
import grpc_health_v1_pb2 as health_pb2
import grpc_health_v1_pb2_grpc as health_pb2_grpc
from cgdriver.v1 import driver_pb2, driver_pb2_grpc, plugin_pb2, plugin_pb2_grpc

from json_log import FieldsAdapter

# The contract versions this module speaks.
CONTRACT_VERSIONS = ["v1"]
# The host accepts messages up to 64 MiB both ways (proto/README.md); so does the plugin.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
# Under the host's 5 s between SIGTERM and SIGKILL, so a graceful stop finishes first.
DEFAULT_GRACE_SECONDS = 3.0

# RPC name -> (driver method, Operation enum value, response class).
_OPERATIONS = {
    "CreateConsistencyGroup": ("create_consistency_group", plugin_pb2.OPERATION_CREATE_CONSISTENCY_GROUP, driver_pb2.CreateConsistencyGroupResponse),
    "CreateConsistencyGroupFromSource": (
        "create_consistency_group_from_source",
        plugin_pb2.OPERATION_CREATE_CONSISTENCY_GROUP_FROM_SOURCE,
        driver_pb2.CreateConsistencyGroupFromSourceResponse,
    ),
    "DeleteConsistencyGroup": ("delete_consistency_group", plugin_pb2.OPERATION_DELETE_CONSISTENCY_GROUP, driver_pb2.DeleteConsistencyGroupResponse),
    "UpdateConsistencyGroup": ("update_consistency_group", plugin_pb2.OPERATION_UPDATE_CONSISTENCY_GROUP, driver_pb2.UpdateConsistencyGroupResponse),
    "CreateCgSnapshot": ("create_cg_snapshot", plugin_pb2.OPERATION_CREATE_CG_SNAPSHOT, driver_pb2.CreateCgSnapshotResponse),
    "DeleteCgSnapshot": ("delete_cg_snapshot", plugin_pb2.OPERATION_DELETE_CG_SNAPSHOT, driver_pb2.DeleteCgSnapshotResponse),
}
# The request's oneof case -> source kind name, and kind name -> SourceKind enum value.
_SOURCE_CASES = {"cgsnapshot_source": "cgsnapshot", "group_source": "group"}
_SOURCE_KINDS = {"cgsnapshot": plugin_pb2.SOURCE_KIND_CG_SNAPSHOT, "group": plugin_pb2.SOURCE_KIND_GROUP}
_SERVICE_NAMES = ["", "cgdriver.v1.ConsistencyGroupDriverService", "cgdriver.v1.PluginService"]


class DriverError(Exception):
    """Fails a driver call with a gRPC status: the interface's "raise"."""

    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message


class PluginError(Exception):
    """The plugin cannot start: it does not know where to listen, cannot listen, or cannot hand shake."""


class CallContext:
    """What a driver method knows of its call: ids, a logger carrying them, and whether the caller gave up."""

    def __init__(self, operation: str, operation_id: str, request_id: str, log: logging.LoggerAdapter, context: grpc.ServicerContext):
        self.operation = operation
        self.operation_id = operation_id
        self.request_id = request_id
        self.log = log
        self._context = context

    def cancelled(self) -> bool:
        """True once the caller cancelled or the deadline passed: abandon the work and raise."""
        return not self._context.is_active()

    def deadline_passed(self) -> bool:
        """True when the call's gRPC deadline has passed (tells a deadline from a cancel)."""
        remaining = self._context.time_remaining()
        return remaining is not None and remaining <= 0


class LaunchEnvironment:
    """The four CGHOST_* variables a launching host sets (proto/README.md, step 2)."""

    def __init__(self, socket_path: str, handshake_fd: int, nonce: str, host_versions):
        self.socket_path = socket_path
        self.handshake_fd = handshake_fd
        self.nonce = nonce
        self.host_versions = host_versions

    @staticmethod
    def read(env=os.environ):
        """The launch environment, or None when CGHOST_PLUGIN_SOCKET is not set (not launched by a host)."""
        socket_path = env.get("CGHOST_PLUGIN_SOCKET", "")
        if not socket_path:
            if env.get("CGHOST_PLUGIN_TLS_CERT"):
                raise PluginError(
                    "the host launched this plugin with the tcp transport (mutual TLS), which cgdriver_plugin.py does not "
                    "implement; launch it with the default unix transport"
                )
            return None
        if not os.path.isabs(socket_path):
            raise PluginError(f"CGHOST_PLUGIN_SOCKET must be an absolute path, got {socket_path!r}")
        raw_fd = env.get("CGHOST_HANDSHAKE_FD", "3")
        if not raw_fd.isdigit():
            raise PluginError(f"CGHOST_HANDSHAKE_FD must be a descriptor number, got {raw_fd!r}")
        nonce = env.get("CGHOST_PLUGIN_NONCE", "")
        if not nonce:
            raise PluginError("CGHOST_PLUGIN_SOCKET is set but CGHOST_PLUGIN_NONCE is not: the launching host must set both")
        versions = [v.strip() for v in env.get("CGHOST_CONTRACT_VERSIONS", "").split(",") if v.strip()]
        return LaunchEnvironment(socket_path, int(raw_fd), nonce, versions)


class _Health(health_pb2_grpc.HealthServicer):
    """grpc.health.v1.Health over a status per service name; Watch streams end when the server stops."""

    def __init__(self):
        self._changed = threading.Condition()
        self._status = {name: health_pb2.HealthCheckResponse.NOT_SERVING for name in _SERVICE_NAMES}
        self._closing = False

    def set_all(self, status, closing: bool = False) -> None:
        with self._changed:
            for name in self._status:
                self._status[name] = status
            self._closing = self._closing or closing
            self._changed.notify_all()

    def Check(self, request, context):
        with self._changed:
            status = self._status.get(request.service)
        if status is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"unknown service {request.service!r}; this plugin serves {_SERVICE_NAMES}")
        return health_pb2.HealthCheckResponse(status=status)

    def Watch(self, request, context):
        context.add_callback(self._wake)
        sent = None
        while context.is_active():
            with self._changed:
                status = self._status.get(request.service, health_pb2.HealthCheckResponse.SERVICE_UNKNOWN)
                closing = self._closing
                if status == sent and not closing:
                    self._changed.wait()
                    continue
            if status != sent:
                sent = status
                yield health_pb2.HealthCheckResponse(status=status)
            if closing:
                return  # a stopping server must not wait for its watchers to hang up

    def _wake(self) -> None:
        with self._changed:
            self._changed.notify_all()


def _plugin_service(driver, log):
    implemented = [enum for _, (method, enum, _) in _OPERATIONS.items() if callable(getattr(driver, method, None))]
    kinds = [_SOURCE_KINDS[k] for k in getattr(driver, "source_kinds", ()) if plugin_pb2.OPERATION_CREATE_CONSISTENCY_GROUP_FROM_SOURCE in implemented]

    class PluginService(plugin_pb2_grpc.PluginServiceServicer):
        def GetPluginInfo(self, request, context):
            return plugin_pb2.GetPluginInfoResponse(name=driver.name, vendor_version=driver.vendor_version, contract_versions=CONTRACT_VERSIONS)

        def GetCapabilities(self, request, context):
            return plugin_pb2.GetCapabilitiesResponse(operations=implemented, create_from_source_kinds=kinds)

        def Probe(self, request, context):
            try:
                ready, message = driver.probe()
            except Exception as error:  # a probe that breaks says "not ready", with why
                log.exception("probe failed")
                return plugin_pb2.ProbeResponse(ready=False, message=f"probe failed: {error}")
            return plugin_pb2.ProbeResponse(ready=bool(ready), message=message or "")

    return PluginService()


def _request_id(request, context) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == "x-request-id":
            return value
    return request.context.request_id if request.HasField("context") else ""


def _unary(driver, log, rpc: str):
    method_name, _, response_class = _OPERATIONS[rpc]
    method = getattr(driver, method_name, None)
    kinds = set(getattr(driver, "source_kinds", ()))

    def handle(request, context):
        call_log = FieldsAdapter(log, {"operation": rpc, "operation_id": request.operation_id, "request_id": _request_id(request, context)})
        if method is None:
            context.abort(grpc.StatusCode.UNIMPLEMENTED, f"{driver.name} does not implement {rpc}, and GetCapabilities does not list it")
        if rpc == "CreateConsistencyGroupFromSource":
            case = request.WhichOneof("source")
            if case is None:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "CreateConsistencyGroupFromSource names no source: set cgsnapshot_source or group_source")
            if _SOURCE_CASES[case] not in kinds:
                context.abort(grpc.StatusCode.UNIMPLEMENTED, f"{driver.name} does not create groups from a {_SOURCE_CASES[case]} source; it accepts: {sorted(kinds)}")
        call = CallContext(rpc, request.operation_id, call_log.extra["request_id"], call_log, context)
        started = time.monotonic()
        try:
            response = method(request, call)
        except DriverError as error:
            call_log.warning("failed", extra={"code": error.code.name, "error": error.message, "ms": _ms_since(started)})
            context.abort(error.code, error.message)
        except Exception as error:
            call_log.exception("unexpected failure", extra={"ms": _ms_since(started)})
            context.abort(grpc.StatusCode.INTERNAL, f"{driver.name} {rpc} failed: {type(error).__name__}: {error}")
        call_log.info("answered", extra={"ms": _ms_since(started)})
        return response_class() if response is None else response

    return handle


def _driver_service(driver, log):
    methods = {rpc: _unary(driver, log, rpc) for rpc in _OPERATIONS}

    class DriverService(driver_pb2_grpc.ConsistencyGroupDriverServiceServicer):
        CreateConsistencyGroup = staticmethod(methods["CreateConsistencyGroup"])
        CreateConsistencyGroupFromSource = staticmethod(methods["CreateConsistencyGroupFromSource"])
        DeleteConsistencyGroup = staticmethod(methods["DeleteConsistencyGroup"])
        UpdateConsistencyGroup = staticmethod(methods["UpdateConsistencyGroup"])
        CreateCgSnapshot = staticmethod(methods["CreateCgSnapshot"])
        DeleteCgSnapshot = staticmethod(methods["DeleteCgSnapshot"])

    return DriverService()


def _ms_since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


def _announce(launch: LaunchEnvironment, address: str) -> None:
    """Writes the handshake line to the handshake descriptor (proto/README.md, step 3)."""
    line = json.dumps(
        {"cghost_handshake": 1, "nonce": launch.nonce, "address": address, "contract_versions": CONTRACT_VERSIONS, "pid": os.getpid()}
    ).encode("utf-8") + b"\n"
    try:
        # Children this process may start must not hold the lifeline open after we are gone.
        os.set_inheritable(launch.handshake_fd, False)
        view = memoryview(line)
        while view:
            view = view[os.write(launch.handshake_fd, view):]
    except OSError as error:
        raise PluginError(
            f"cannot write the handshake line to descriptor {launch.handshake_fd} ({error}): run the plugin under a cghost host, "
            "which passes it, or as a sidecar with --address"
        ) from error


def _watch_lifeline(fd: int, on_host_gone) -> None:
    """Reads the handshake descriptor until end-of-file (the host is gone), in a daemon thread."""

    def watch():
        try:
            while os.read(fd, 4096):
                pass  # the host never writes; anything read is ignored
            reason = "the handshake channel reached end-of-file"
        except OSError as error:
            reason = f"the handshake channel failed: {error}"
        on_host_gone(f"the host is gone: {reason}")

    threading.Thread(target=watch, name="cghost-lifeline", daemon=True).start()


def _bound_address(requested: str, port: int) -> str:
    # For host:0 the address worth reporting is the one with the port the system chose.
    if requested.startswith("unix:"):
        return requested
    return re.sub(r":[0-9]+$", f":{port}", requested)


def _refuse_live_socket(address: str) -> None:
    """Refuses a Unix socket another process serves on: gRPC would unlink it and bind anew, cutting
    that process off. A file nobody answers on (left by a killed plugin) is left for gRPC to replace."""
    path = address[len("unix://"):] if address.startswith("unix://") else address[len("unix:"):]
    if not os.path.exists(path):
        return
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except OSError:
        return
    finally:
        probe.close()
    raise PluginError(f"cannot listen on {address}: another process is serving there; stop it, or choose another address")


def serve(driver, address=None, log=None, max_message_bytes=MAX_MESSAGE_BYTES, grace_seconds=DEFAULT_GRACE_SECONDS, workers=8, insecure=False) -> int:
    """Serves `driver` as a launched child (default) or a sidecar on `address`; blocks until stopped, returns the exit code.

    A host:port `address` is served in plaintext only with `insecure=True` (and a warning): this
    example does not implement TLS (proto/README.md asks for mutual TLS on TCP).
    """
    log = log or logging.getLogger(driver.name)
    launch = None if address is not None else LaunchEnvironment.read()
    if address is None and launch is None:
        raise PluginError(
            f"{driver.name} does not know where to listen: CGHOST_PLUGIN_SOCKET is not set. Either let a cghost host launch the plugin "
            "(it sets CGHOST_PLUGIN_SOCKET, CGHOST_PLUGIN_NONCE and descriptor 3), or run it as a sidecar with --address "
            "unix:///path/plugin.sock or host:port"
        )
    if address is not None and os.environ.get("CGHOST_PLUGIN_SOCKET"):
        log.warning("CGHOST_PLUGIN_SOCKET is set but --address wins: serving as a sidecar, no handshake, so a launching host will time out", extra={"address": address})
    requested = address if address is not None else f"unix://{launch.socket_path}"
    if not requested.startswith("unix:"):
        if not insecure:
            raise PluginError(
                f"{requested} is a TCP address, which proto/README.md serves with mutual TLS; this example does no TLS: "
                "pass insecure=True (--insecure) for plaintext on a network you trust, or listen on unix:///abs/path.sock"
            )
        log.warning(f"serving plaintext TCP on {requested} (--insecure): anyone who can reach it can call the driver", extra={"address": requested})

    if requested.startswith("unix:"):
        _refuse_live_socket(requested)
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cghost-rpc"),
        options=[
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes),
            # gRPC sets SO_REUSEPORT by default: a second plugin on the same port would bind too and
            # take half the calls. One plugin per address.
            ("grpc.so_reuseport", 0),
        ],
    )
    health = _Health()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    plugin_pb2_grpc.add_PluginServiceServicer_to_server(_plugin_service(driver, log), server)
    driver_pb2_grpc.add_ConsistencyGroupDriverServiceServicer_to_server(_driver_service(driver, log), server)
    try:
        port = server.add_insecure_port(requested)
    except RuntimeError as error:  # grpcio raises when it cannot bind
        port, why = 0, str(error)
    else:
        why = "the address could not be bound"
    if port == 0:
        raise PluginError(f"cannot listen on {requested}: {why}; check the address form (unix:///abs/path.sock or host:port) and that it is free")
    server.start()
    bound = _bound_address(requested, port)
    health.set_all(health_pb2.HealthCheckResponse.SERVING)

    stop_requested = threading.Event()
    reasons = []

    def request_stop(reason: str) -> None:
        if not stop_requested.is_set():
            reasons.append(reason)
            stop_requested.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, _frame: request_stop(f"received {signal.Signals(number).name}"))

    if launch is not None:
        if launch.host_versions and not set(CONTRACT_VERSIONS) & set(launch.host_versions):
            log.warning("the host speaks no contract version this plugin speaks; it will refuse the plugin", extra={"host": launch.host_versions, "plugin": CONTRACT_VERSIONS})
        try:
            _announce(launch, bound)
        except PluginError:
            server.stop(None)
            raise
        _watch_lifeline(launch.handshake_fd, request_stop)
    implemented = [rpc for rpc, (method, _, _) in _OPERATIONS.items() if callable(getattr(driver, method, None))]
    log.info("serving", extra={"address": bound, "mode": "launched" if launch else "sidecar", "operations": implemented})

    stop_requested.wait()
    log.info("stopping", extra={"reason": reasons[0]})
    health.set_all(health_pb2.HealthCheckResponse.NOT_SERVING, closing=True)
    # Leaving is this process's decision now: should a stop hang, exit anyway before the host's SIGKILL.
    watchdog = threading.Timer(grace_seconds + 1.5, lambda: os._exit(0))
    watchdog.daemon = True
    watchdog.start()
    server.stop(grace_seconds).wait()
    log.info("stopped", extra={"address": bound})
    return 0
