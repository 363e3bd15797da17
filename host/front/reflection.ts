// gRPC server reflection, so grpcurl, buf curl and other generic clients can list, describe and
// call the front API without the .proto files. The front API's descriptors are the ones buf
// compiled (gen/cghost/v1/file_descriptors.ts: real file names, snake_case fields, imports
// declared); the health service's is built in health-descriptor.ts. proto-loader's descriptors
// would merge each package into one made-up file, without its imports and with relative type
// names, which such clients refuse.
import type { Server } from "@grpc/grpc-js";
import type { PackageDefinition } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { FRONT_FILE_DESCRIPTORS } from "./front-contract.js";
import { healthFileDescriptor } from "./health-descriptor.js";

/** Adds the reflection service describing the front API and the health service to a server. */
export function addReflection(server: Pick<Server, "addService">): void {
  // ReflectionService reads only the fileDescriptorProtos of each entry of a package definition.
  const definition = {
    "cghost.v1": { fileDescriptorProtos: FRONT_FILE_DESCRIPTORS.map((file) => Buffer.from(file.base64, "base64")) },
    "grpc.health.v1": { fileDescriptorProtos: [healthFileDescriptor()] },
  } as unknown as PackageDefinition;
  new ReflectionService(definition).addToServer(server);
}
