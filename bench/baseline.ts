// The baseline: a bare grpc-js unary round trip over the Unix socket to the plugin process, with
// the same request and response messages as each operation, and no host, journal or database.
import { randomUUID } from "node:crypto";
import { credentials, Metadata } from "@grpc/grpc-js";
import { ConsistencyGroupDriverServiceClient } from "../gen/cgdriver/v1/driver.js";
import { CLIENT_OPTIONS } from "./channel-options.js";
import { type BenchOperation, sampleRequests, type SampleRequests } from "./sample-requests.js";
import type { CallWindow, Cycle, Unit } from "./workload.js";

/** The generated client's method for each operation. */
const CLIENT_METHOD = {
  create_group: "createConsistencyGroup",
  create_group_from_source: "createConsistencyGroupFromSource",
  delete_group: "deleteConsistencyGroup",
  update_group: "updateConsistencyGroup",
  create_cgsnapshot: "createCgSnapshot",
  delete_cgsnapshot: "deleteCgSnapshot",
} as const satisfies Record<BenchOperation, keyof ConsistencyGroupDriverServiceClient>;

/** What the host sends with each of its calls: an `x-request-id` and a deadline. */
export interface AsTheHostSends {
  requestId: string;
  deadlineMs: number;
}

/** A plain client of the driver service: one unary call per operation, nothing else. */
export interface BaselineClient {
  /** Without `asHost` the call carries no metadata and no deadline: the bare round trip. */
  call<K extends BenchOperation>(op: K, request: SampleRequests[K], asHost?: AsTheHostSends): Promise<void>;
  close(): void;
}

/** Connects the generated client to address (its own channel, not shared with the host's). */
export async function openBaselineClient(address: string): Promise<BaselineClient> {
  const client = new ConsistencyGroupDriverServiceClient(address, credentials.createInsecure(), {
    ...CLIENT_OPTIONS,
    "grpc.use_local_subchannel_pool": 1,
  });
  await new Promise<void>((resolve, reject) =>
    client.waitForReady(Date.now() + 10_000, (error) => (error ? reject(error) : resolve())),
  );
  return {
    call: (op, request, asHost) =>
      new Promise<void>((resolve, reject) => {
        const done = (error: Error | null): void => (error ? reject(error) : resolve());
        if (asHost === undefined) {
          const method = client[CLIENT_METHOD[op]] as (req: unknown, cb: (error: Error | null) => void) => unknown;
          method.call(client, request, done);
          return;
        }
        const metadata = new Metadata();
        metadata.set("x-request-id", asHost.requestId);
        const method = client[CLIENT_METHOD[op]] as (req: unknown, md: Metadata, opts: { deadline: number }, cb: (error: Error | null) => void) => unknown;
        method.call(client, request, metadata, { deadline: Date.now() + asHost.deadlineMs }, done);
      }),
    close: () => client.close(),
  };
}

/** How a latency cycle sends one operation's request; it may fill in the call window. */
export type Send = <K extends BenchOperation>(op: K, request: SampleRequests[K], call: CallWindow) => Promise<void>;

/** What the calls sent as the host sends carry as their deadline: long enough never to fire, as the host's defaults. */
export const AS_HOST_DEADLINE_MS = 60_000;

/** Sends each call with an `x-request-id` (a new UUID) and a deadline, as the host does, and nothing else. */
export function sendAsTheHost(client: BaselineClient): Send {
  return (op, request) => client.call(op, request, { requestId: randomUUID(), deadlineMs: AS_HOST_DEADLINE_MS });
}

/**
 * The baseline's latency cycle: each operation's sample request once, requests built before the
 * clock starts, sent by `send` (by default a bare call through client). With `busyUsBefore`, the
 * client first keeps its thread busy that long before each call, off the clock: the host does its
 * transactions there, and this measures what such a gap alone does to a bare round trip (the
 * plugin's process has gone idle by the time the call comes).
 */
export function baselineCycle(
  client: BaselineClient,
  operations: readonly BenchOperation[],
  options: { busyUsBefore?: number; send?: Send } = {},
): Cycle {
  const busyMs = (options.busyUsBefore ?? 0) / 1000;
  const send: Send = options.send ?? ((op, request) => client.call(op, request));
  return async (time) => {
    const requests = sampleRequests();
    for (const op of operations) {
      if (busyMs > 0) for (const until = performance.now() + busyMs; performance.now() < until; );
      await time(op, (call) => send(op, requests[op], call));
    }
  };
}

/**
 * The baseline's throughput unit: create a group, then delete it (two calls). With emptyGroup the
 * delete names no volume, like the host's unit, which deletes the empty group it created.
 */
export function baselineUnit(client: BaselineClient, options: { emptyGroup?: boolean } = {}): Unit {
  return async () => {
    const requests = sampleRequests();
    if (options.emptyGroup) requests.delete_group.volumes = [];
    await client.call("create_group", requests.create_group);
    await client.call("delete_group", requests.delete_group);
    return 2;
  };
}
