// The PluginClient over a ready channel: driver calls that never reject (every failure becomes a
// classified `raised` outcome), probes, and close, which also stops a launched child.
import { Metadata, type Client, type ServiceError } from "@grpc/grpc-js";
import type { Logger } from "pino";
import {
  ConsistencyGroupDriverServiceService,
  RPC_BY_KIND,
  type ProbeResponse,
  type RequestByKind,
  type ResponseByKind,
} from "../contract.js";
import { OPERATION_KINDS, type OperationKind } from "../model.js";
import type { DriverFailure, DriverOutcome } from "../rules/outcome.js";
import { classifyFailure, type FailureClass } from "./classify.js";
import type { LaunchedChild } from "./launched-child.js";
import type { PluginChannel } from "./plugin-channel.js";
import type { CallOptions, PluginCapabilities, PluginClient, PluginInfo } from "./plugin-client.js";

/** The deadline of a probe when the caller names none. */
export const DEFAULT_PROBE_DEADLINE_MS = 5_000;

/** One unary method of the driver service, as grpc-js needs it for makeUnaryRequest. */
interface UnaryMethod {
  path: string;
  requestSerialize: (value: never) => Buffer;
  responseDeserialize: (value: Buffer) => unknown;
}

// RPC_BY_KIND names methods as the proto does; the generated service keys them in camelCase, so
// look them up by path once, and fail at load (not on a call) if the contract and table disagree.
const DRIVER_METHODS: ReadonlyMap<OperationKind, UnaryMethod> = new Map(
  OPERATION_KINDS.map((kind): [OperationKind, UnaryMethod] => {
    const { method } = RPC_BY_KIND[kind];
    const definition = Object.values(ConsistencyGroupDriverServiceService).find((d) => d.path.endsWith(`/${method}`));
    if (!definition) throw new Error(`RPC_BY_KIND names ${method}, which ConsistencyGroupDriverService lacks; regenerate gen/`);
    return [kind, definition];
  }),
);

/** A driver call's outcome with, when it raised, the retry class of its failure (classify.ts). */
export type ClassifiedOutcome<R> = { kind: "returned"; response: R } | { kind: "raised"; failure: DriverFailure; class: FailureClass };

/** Everything a connection is built from, once the start-up calls succeeded. */
export interface PluginConnectionParts {
  address: string;
  info: PluginInfo;
  capabilities: PluginCapabilities;
  /** The contract version both sides speak. */
  contractVersion: string;
  channel: PluginChannel;
  maxMessageBytes: number;
  logger: Logger;
  /** The launched child this connection owns and stops on close; absent for a sidecar. */
  child?: { process: LaunchedChild; stopGraceMs: number };
}

/** A connected plugin: launched child or sidecar. */
export class PluginConnection implements PluginClient {
  readonly info: PluginInfo;
  readonly capabilities: PluginCapabilities;
  readonly contractVersion: string;
  private readonly parts: PluginConnectionParts;
  private closing: Promise<void> | undefined;

  constructor(parts: PluginConnectionParts) {
    this.parts = parts;
    this.info = parts.info;
    this.capabilities = parts.capabilities;
    this.contractVersion = parts.contractVersion;
  }

  get address(): string {
    return this.parts.address;
  }

  get pid(): number | undefined {
    return this.parts.child?.process.pid;
  }

  /** The grpc-js client of this connection's channel, for calls outside the generated services (gRPC health). */
  get grpcClient(): Client {
    return this.parts.channel.driver;
  }

  /** Sends one driver call with a deadline and `x-request-id`; resolves with the outcome, never rejects. */
  async call<K extends OperationKind>(kind: K, request: RequestByKind[K], options: CallOptions): Promise<DriverOutcome<ResponseByKind[K]>> {
    const outcome = await this.send(kind, request, options);
    return outcome.kind === "returned" ? outcome : { kind: "raised", failure: outcome.failure };
  }

  /** Like call(), keeping the retry class of a failure, so a supervisor can decide to retry. */
  send<K extends OperationKind>(kind: K, request: RequestByKind[K], options: CallOptions): Promise<ClassifiedOutcome<ResponseByKind[K]>> {
    const { method } = RPC_BY_KIND[kind];
    const context = { maxMessageBytes: this.parts.maxMessageBytes, method, deadlineMs: options.deadlineMs };
    // Per call, a child logger (an object and a string of bindings) only when its lines are kept.
    const log = this.parts.logger.isLevelEnabled("debug")
      ? this.parts.logger.child({ method, ...(options.requestId === undefined ? {} : { requestId: options.requestId }) })
      : undefined;
    if (this.closing) {
      const classified = classifyFailure(new Error("the plugin client was closed; open a new one"), context);
      return Promise.resolve({ kind: "raised", ...classified });
    }
    const definition = DRIVER_METHODS.get(kind)!;
    const started = performance.now();
    return new Promise((resolve) => {
      const settle = (error: ServiceError | Error | null, response: ResponseByKind[K] | undefined): void => {
        const ms = Math.round(performance.now() - started);
        if (error === null && response !== undefined) {
          log?.debug({ ms }, "driver call returned");
          resolve({ kind: "returned", response });
          return;
        }
        const classified = classifyFailure(error ?? new Error("grpc-js reported neither an answer nor an error"), context);
        log?.debug({ ms, code: classified.failure.code, grpcCode: classified.failure.grpcCode, class: classified.class }, "driver call raised");
        resolve({ kind: "raised", failure: classified.failure, class: classified.class });
      };
      try {
        // Inside the try: Metadata refuses a value that is not printable ASCII, before anything is sent.
        const metadata = new Metadata();
        if (options.requestId !== undefined) metadata.set("x-request-id", options.requestId);
        this.parts.channel.driver.makeUnaryRequest<RequestByKind[K], ResponseByKind[K]>(
          definition.path,
          definition.requestSerialize as (value: RequestByKind[K]) => Buffer,
          definition.responseDeserialize as (value: Buffer) => ResponseByKind[K],
          request,
          metadata,
          { deadline: Date.now() + options.deadlineMs },
          (error, response) => settle(error, response),
        );
      } catch (error) {
        // grpc-js throws synchronously only before anything is sent (a closed channel).
        settle(error instanceof Error ? error : new Error(String(error)), undefined);
      }
    });
  }

  /** Asks the plugin whether it can serve calls; an unreachable plugin is not ready (never rejects). */
  probe(options: { deadlineMs?: number } = {}): Promise<{ ready: boolean; message: string }> {
    const deadlineMs = options.deadlineMs ?? DEFAULT_PROBE_DEADLINE_MS;
    if (this.closing) return Promise.resolve({ ready: false, message: "the plugin client was closed" });
    return new Promise((resolve) => {
      const answer = (error: ServiceError | null, response: ProbeResponse | undefined): void => {
        if (error === null && response !== undefined) {
          resolve({ ready: response.ready, message: response.message });
          return;
        }
        const { failure } = classifyFailure(error, { maxMessageBytes: this.parts.maxMessageBytes, method: "Probe", deadlineMs });
        resolve({ ready: false, message: failure.message });
      };
      try {
        this.parts.channel.plugin.probe({}, new Metadata(), { deadline: Date.now() + deadlineMs }, answer);
      } catch (error) {
        resolve({ ready: false, message: `Probe was not sent: ${error instanceof Error ? error.message : String(error)}` });
      }
    });
  }

  /** Closes the channel and, for a launched child, stops it; idempotent, resolves once it is gone. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    this.parts.channel.close();
    const child = this.parts.child;
    if (child) await child.process.stop(child.stopGraceMs);
  }
}
