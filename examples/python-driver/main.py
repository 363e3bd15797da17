#!/usr/bin/python3
"""python-file-driver: a cghost consistency-group driver in Python that keeps volumes as sparse files.

Run it with Debian's Python (/usr/bin/python3), which sees Debian's python3-grpcio and
python3-protobuf. As a child launched by cghost (the handshake of proto/README.md):
  /usr/bin/python3 examples/python-driver/main.py --data-dir DIR
As a sidecar:
  /usr/bin/python3 examples/python-driver/main.py --data-dir DIR --address unix:///run/py-driver.sock
"""
import argparse
import importlib
import os
import shutil
import sys
import tempfile
import time

_STARTED = time.monotonic()
_HERE = os.path.dirname(os.path.abspath(__file__))
# Debian package of each module the driver imports, for an error that says what to install.
_DEBIAN_PACKAGES = {"grpc": "python3-grpcio", "google.protobuf": "python3-protobuf"}


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number of bytes, got {text!r}")
    return int(text)


def parse_args(argv):
    """The command line; exits 2 with a message for a wrong one."""
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="python-file-driver: a cghost consistency-group driver that keeps volumes as sparse files.",
        epilog="Without --address it expects to be launched by a cghost host (proto/README.md). Logs are JSON lines on standard error.",
    )
    parser.add_argument("--data-dir", required=True, metavar="DIR", help="where volumes, groups, cgsnapshots and the operation ledger live (created if missing; one driver process per directory)")
    parser.add_argument("--bytes-per-gb", type=_positive_int, default=1024**3, metavar="N", help="bytes per GB of volume size (default 1073741824, a real GiB); demos and tests pass a small value such as 1048576")
    parser.add_argument("--address", metavar="ADDR", help="run as a sidecar listening on ADDR (unix:///abs/path.sock or host:port) instead of as a child launched by cghost; host:port needs --insecure")
    parser.add_argument("--insecure", action="store_true", help="with a host:port ADDR, serve plaintext (a warning is logged); this example does no TLS, so a host:port needs it")
    parser.add_argument("--stubs-dir", metavar="DIR", help="use stubs generated beforehand by build_stubs.py DIR instead of generating them at start-up with /usr/bin/protoc")
    args = parser.parse_args(argv)
    if args.address == "":
        parser.error("--address needs a value such as unix:///run/py-driver.sock or 127.0.0.1:50051")
    tcp = args.address is not None and not args.address.startswith("unix:")
    if tcp and not args.insecure:
        parser.error(
            f"--address {args.address} is a TCP address, and this example does no TLS: pass --insecure to serve plaintext "
            "on a network you trust, or listen on unix:///abs/path.sock"
        )
    if args.insecure and not tcp:
        parser.error("--insecure applies to a host:port --address only; a unix:// socket or a launched child needs no such flag")
    return args


def _missing_debian_module():
    """What to install when a module the driver needs cannot be imported, else None."""
    for module, package in _DEBIAN_PACKAGES.items():
        try:
            importlib.import_module(module)
        except ImportError as error:
            return (
                f"cannot import {module} ({error}) with {sys.executable}: install Debian's {package} "
                f"(apt-get install -y {package}) and run the driver with /usr/bin/python3, not another python3 on PATH"
            )
    return None


def _load_stubs(stubs_dir, log) -> None:
    """Makes the generated modules importable: from `stubs_dir`, or generated now into a private temporary directory."""
    import build_stubs

    started = time.monotonic()
    private = None
    if stubs_dir is None:
        private = tempfile.mkdtemp(prefix="cghost-py-stubs-")
        stubs_dir = private
    try:
        if private is not None:
            build_stubs.generate(private)
        build_stubs.check_stubs_dir(stubs_dir)
        sys.path.insert(0, os.path.abspath(stubs_dir))
        # Import every stub now: once loaded, the private directory is not needed, and removing it
        # at once means a killed driver leaves nothing behind.
        write_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, private is not None or sys.dont_write_bytecode
        try:
            for module in build_stubs.MODULES:
                importlib.import_module(module)
        finally:
            sys.dont_write_bytecode = write_bytecode
    finally:
        if private is not None:
            shutil.rmtree(private, ignore_errors=True)
    log.info("stubs ready", extra={"generated": private is not None, "ms": round((time.monotonic() - started) * 1000, 1)})


def main(argv) -> int:
    args = parse_args(argv)
    from json_log import json_logger

    log = json_logger("python-file-driver")
    missing = _missing_debian_module()
    if missing is not None:
        log.error(missing)
        return 1
    import build_stubs

    try:
        _load_stubs(args.stubs_dir, log)
    except build_stubs.StubsError as error:
        log.error(f"cannot load the contract's stubs: {error}")
        return 1

    import cgdriver_plugin
    from file_backend import FileBackend
    from file_driver import FileDriver

    from data_dir_lock import DataDirInUse, lock_data_dir

    # One driver per data directory, held before the backend sweeps what a crash left there.
    try:
        lock_data_dir(args.data_dir)
    except DataDirInUse as error:
        log.error(str(error))
        return 1
    backend = FileBackend(args.data_dir, bytes_per_gb=args.bytes_per_gb)
    log.info("starting", extra={"data_dir": backend.layout.root, "bytes_per_gb": args.bytes_per_gb, "startup_ms": round((time.monotonic() - _STARTED) * 1000, 1)})
    try:
        return cgdriver_plugin.serve(FileDriver(backend), address=args.address, insecure=args.insecure, log=log)
    except cgdriver_plugin.PluginError as error:
        log.error(str(error))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
