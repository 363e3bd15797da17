// Readiness of a connected plugin: the standard gRPC health service (grpc.health.v1, overall
// service "") where the plugin serves it, then the contract's own Probe. The health call also
// tells reachability: any answer, even UNIMPLEMENTED, proves the plugin is there; a transport
// failure means it is gone (a sidecar that stopped), which a supervisor handles by re-dialling.
import { Metadata, status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import type { PluginConnection } from "./plugin-connection.js";

/** What one readiness check found. */
export type Readiness =
  | { kind: "ready" }
  | { kind: "not-ready"; reason: string }
  | { kind: "unreachable"; reason: string };

/** Checks health (where served) and Probe on `connection`, each within `deadlineMs`; never rejects. */
export async function checkReadiness(connection: PluginConnection, deadlineMs: number): Promise<Readiness> {
  const health = await checkHealth(connection, deadlineMs);
  if (health.kind === "unreachable") return health;
  const probe = await connection.probe({ deadlineMs });
  if (!probe.ready) return { kind: "not-ready", reason: `Probe says not ready: ${probe.message || "(no message)"}` };
  if (health.kind === "not-serving") return { kind: "not-ready", reason: `the gRPC health service reports ${health.status}` };
  return { kind: "ready" };
}

type Health = { kind: "serving" } | { kind: "not-served" } | { kind: "not-serving"; status: string } | { kind: "unreachable"; reason: string };

function checkHealth(connection: PluginConnection, deadlineMs: number): Promise<Health> {
  const check = healthService.Check!;
  return new Promise((resolve) => {
    const done = (error: ServiceError | null, response: { status?: unknown } | undefined): void => {
      if (error === null) {
        const status = String(response?.status ?? "UNKNOWN");
        resolve(status === "SERVING" || status === "1" ? { kind: "serving" } : { kind: "not-serving", status });
        return;
      }
      if (error.code === GrpcStatus.UNAVAILABLE) {
        resolve({ kind: "unreachable", reason: `the plugin is unreachable: ${error.details}` });
        return;
      }
      // UNIMPLEMENTED: no health service, Probe alone decides. A health check that timed out or
      // failed otherwise proves nothing either way; Probe decides too.
      resolve({ kind: "not-served" });
    };
    try {
      connection.grpcClient.makeUnaryRequest(
        check.path,
        check.requestSerialize as (value: { service: string }) => Buffer,
        check.responseDeserialize as (value: Buffer) => { status?: unknown },
        { service: "" },
        new Metadata(),
        { deadline: Date.now() + deadlineMs },
        done,
      );
    } catch (error) {
      // Only a closed channel throws here.
      resolve({ kind: "unreachable", reason: `the health check was not sent: ${error instanceof Error ? error.message : String(error)}` });
    }
  });
}
