// The FileDescriptorProto of gRPC's health service (grpc.health.v1, as grpc-health-check serves
// it), for server reflection. Built here, field by field, because proto-loader's descriptor of
// that file names types relatively ("HealthCheckResponse", not ".grpc.health.v1.HealthCheckResponse")
// and strict clients (buf curl, Go's protodesc) then refuse the whole file.
//
// Only the wire format of google/protobuf/descriptor.proto is needed: strings, varints and nested
// messages, by field number.

type Field = [number, string | number | boolean | Uint8Array | Field[]];

function varint(value: number): number[] {
  const out: number[] = [];
  while (value > 0x7f) {
    out.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

/** Encodes fields in order: strings and messages length-delimited, numbers and booleans as varints. */
function encode(fields: readonly Field[]): Buffer {
  const parts: Buffer[] = [];
  for (const [number, value] of fields) {
    if (typeof value === "number" || typeof value === "boolean") {
      parts.push(Buffer.from([...varint(number * 8), ...varint(Number(value))]));
      continue;
    }
    const payload = typeof value === "string" ? Buffer.from(value) : value instanceof Uint8Array ? Buffer.from(value) : encode(value);
    parts.push(Buffer.from([...varint(number * 8 + 2), ...varint(payload.length)]), payload);
  }
  return Buffer.concat(parts);
}

// FieldDescriptorProto: name 1, number 3, label 4 (1 optional), type 5 (9 string, 14 enum), type_name 6, json_name 10.
const field = (name: string, number: number, type: number, jsonName: string, typeName?: string): Field => [
  2,
  [[1, name], [3, number], [4, 1], [5, type], ...(typeName ? ([[6, typeName]] as Field[]) : []), [10, jsonName]],
];
// MethodDescriptorProto: name 1, input_type 2, output_type 3, server_streaming 6.
const method = (name: string, input: string, output: string, serverStreaming = false): Field => [
  2,
  [[1, name], [2, input], [3, output], ...(serverStreaming ? ([[6, true]] as Field[]) : [])],
];

const PACKAGE = "grpc.health.v1";

/** grpc/health/v1/health.proto as a FileDescriptorProto, encoded. */
export function healthFileDescriptor(): Buffer {
  return encode([
    [1, "grpc/health/v1/health.proto"],
    [2, PACKAGE],
    // DescriptorProto: name 1, field 2, enum_type 4.
    [4, [[1, "HealthCheckRequest"], field("service", 1, 9, "service")]],
    [
      4,
      [
        [1, "HealthCheckResponse"],
        field("status", 1, 14, "status", `.${PACKAGE}.HealthCheckResponse.ServingStatus`),
        // EnumDescriptorProto: name 1, value 2 (EnumValueDescriptorProto: name 1, number 2).
        [
          4,
          [
            [1, "ServingStatus"],
            ...(["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"].map((name, number): Field => [2, [[1, name], [2, number]]])),
          ],
        ],
      ],
    ],
    // ServiceDescriptorProto: name 1, method 2.
    [
      6,
      [
        [1, "Health"],
        method("Check", `.${PACKAGE}.HealthCheckRequest`, `.${PACKAGE}.HealthCheckResponse`),
        method("Watch", `.${PACKAGE}.HealthCheckRequest`, `.${PACKAGE}.HealthCheckResponse`, true),
      ],
    ],
    [12, "proto3"],
  ]);
}
