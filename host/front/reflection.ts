// gRPC server reflection, so grpcurl and other generic clients can list and call the front API
// without the .proto files. @grpc/reflection reads descriptors from a proto-loader package
// definition, which is loaded from the .proto files shipped next to the compiled code.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Server } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { protoPath as healthProtoPath } from "grpc-health-check";

/** The front API's .proto files, relative to the proto root. */
const FRONT_PROTO_FILES = ["cghost/v1/host_service.proto", "cghost/v1/resources.proto"];

/** Adds the reflection service describing the front API and the health service to a server. */
export function addReflection(server: Pick<Server, "addService">): void {
  const protoRoot = findProtoRoot();
  const definition = loadSync([...FRONT_PROTO_FILES.map((f) => join(protoRoot, f)), healthProtoPath], {
    includeDirs: [protoRoot],
  });
  new ReflectionService(definition).addToServer(server);
}

/** proto/ at the repository root: two levels up from host/front/ in the sources, three from dist/. */
function findProtoRoot(): string {
  const candidates = [resolve(import.meta.dirname, "..", "..", "proto"), resolve(import.meta.dirname, "..", "..", "..", "proto")];
  const found = candidates.find((dir) => existsSync(join(dir, FRONT_PROTO_FILES[0]!)));
  if (!found) {
    throw new Error(`the front API's .proto files are missing (looked in ${candidates.join(" and ")}); reinstall cghost`);
  }
  return found;
}
