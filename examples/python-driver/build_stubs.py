#!/usr/bin/python3
"""Generates the Python stubs of the driver contract (and of the health service) with Debian's protoc.

Usage: /usr/bin/python3 build_stubs.py OUT_DIR

Debian's python3-grpc-tools bundles libprotoc 3.5, which rejects the proto3 `optional` that
proto/cgdriver/v1/types.proto uses, so this runs Debian's protoc 3.21 (package protobuf-compiler)
with grpc_python_plugin (package protobuf-compiler-grpc) instead. The stubs are never committed:
main.py generates them into a private temporary directory at start-up (about 25 ms), or uses the
ones this script wrote when given --stubs-dir.
"""
import os
import shutil
import subprocess
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
# The repository's contract, and this example's vendored copy of the standard health.proto.
CONTRACT_ROOT = os.path.normpath(os.path.join(_HERE, "..", "..", "proto"))
HEALTH_ROOT = os.path.join(_HERE, "proto")
CONTRACT_FILES = ["cgdriver/v1/types.proto", "cgdriver/v1/plugin.proto", "cgdriver/v1/driver.proto"]
HEALTH_FILES = ["grpc_health_v1.proto"]
# One module per generated file; their presence is what "the stubs are there" means.
MODULES = [
    "cgdriver.v1.types_pb2",
    "cgdriver.v1.plugin_pb2",
    "cgdriver.v1.plugin_pb2_grpc",
    "cgdriver.v1.driver_pb2",
    "cgdriver.v1.driver_pb2_grpc",
    "grpc_health_v1_pb2",
    "grpc_health_v1_pb2_grpc",
]


class StubsError(Exception):
    """The stubs cannot be generated or found; the message names what to install or pass."""


def _tool(env_name: str, debian_path: str, package: str, what: str) -> str:
    chosen = os.environ.get(env_name) or (debian_path if os.access(debian_path, os.X_OK) else shutil.which(os.path.basename(debian_path)))
    if not chosen:
        raise StubsError(f"{what} not found at {debian_path} or on PATH: install the Debian package {package} (apt-get install -y {package}), or set {env_name}")
    return chosen


def generate(out_dir: str) -> None:
    """Writes the stub modules into `out_dir` (created if missing) by running protoc once."""
    protoc = _tool("CGHOST_PROTOC", "/usr/bin/protoc", "protobuf-compiler", "protoc")
    plugin = _tool("CGHOST_GRPC_PYTHON_PLUGIN", "/usr/bin/grpc_python_plugin", "protobuf-compiler-grpc", "grpc_python_plugin")
    for root, names in ((CONTRACT_ROOT, CONTRACT_FILES), (HEALTH_ROOT, HEALTH_FILES)):
        for name in names:
            if not os.path.isfile(os.path.join(root, name)):
                raise StubsError(f"{os.path.join(root, name)} is missing: build_stubs.py must stay in examples/python-driver/ of a cghost checkout")
    os.makedirs(out_dir, exist_ok=True)
    command = [
        protoc,
        f"-I{CONTRACT_ROOT}",
        f"-I{HEALTH_ROOT}",
        f"--python_out={out_dir}",
        f"--grpc_out={out_dir}",
        f"--plugin=protoc-gen-grpc={plugin}",
        *[os.path.join(CONTRACT_ROOT, name) for name in CONTRACT_FILES],
        *[os.path.join(HEALTH_ROOT, name) for name in HEALTH_FILES],
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        hint = ""
        if "optional" in result.stderr:
            hint = " (this protoc is too old for proto3 `optional`: use Debian's /usr/bin/protoc 3.21 from protobuf-compiler, not python3-grpc-tools' bundled 3.5)"
        raise StubsError(f"protoc failed with exit code {result.returncode}{hint}: {result.stderr.strip()}")


def check_stubs_dir(stubs_dir: str) -> None:
    """Raises StubsError naming the first missing module when `stubs_dir` does not hold every stub."""
    for module in MODULES:
        path = os.path.join(stubs_dir, *module.split(".")) + ".py"
        if not os.path.isfile(path):
            raise StubsError(f"{path} is missing: generate the stubs with /usr/bin/python3 {os.path.join(_HERE, 'build_stubs.py')} {stubs_dir}")


def main(argv) -> int:
    if len(argv) == 1 and argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        generate(argv[0])
        check_stubs_dir(argv[0])
    except StubsError as error:
        print(f"build_stubs.py: {error}", file=sys.stderr)
        return 1
    print(f"stubs written to {os.path.abspath(argv[0])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
