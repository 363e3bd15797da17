// The client commands' connection to `cghost serve`: one call (or one stream) at a time, each with a
// request id, failures turned back into the host's terms (error-status.ts) with the address they
// were sent to.
import { randomUUID } from "node:crypto";
import {
  credentials,
  Metadata,
  type CallOptions,
  type ClientReadableStream,
  type ClientUnaryCall,
  type ServiceError,
} from "@grpc/grpc-js";
import { fromServiceError, isServiceError, type FrontErrorReport } from "../front/error-status.js";
import { HostServiceClient } from "../front/front-contract.js";
import { REQUEST_ID_KEY } from "../front/host-service.js";
import type { ClientTarget } from "./client-target.js";

/** A unary method of the generated client, in its (request, metadata, options, callback) form. */
type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/** A server-streaming method of the generated client, in its (request, metadata, options) form. */
type StreamMethod<Req, Res> = (request: Req, metadata: Metadata, options: Partial<CallOptions>) => ClientReadableStream<Res>;

/** A failed front API call, in the host's terms. */
export class FrontCallError extends Error {
  constructor(
    readonly report: FrontErrorReport,
    readonly target: ClientTarget,
    readonly requestId: string,
  ) {
    super(`${report.code}: ${report.message}`);
    this.name = "FrontCallError";
  }
}

/** Options of a server stream. */
export interface StreamOptions {
  /** Cancels the stream; the messages then end without an error. */
  signal?: AbortSignal;
  /** Called once the server has taken the call (its headers came), before any message. */
  onOpen?: () => void;
}

/** Per-call options. */
export interface InvokeOptions {
  /** Give up after this many milliseconds; none by default (operations may copy whole volumes). */
  deadlineMs?: number;
  /** Cancels the call (the operation itself goes on in the server). */
  signal?: AbortSignal;
  /** The call asks for an operation: losing the server after sending it leaves its outcome unknown. */
  changes?: boolean;
}

/** A connection to the front API. */
export class FrontClient {
  readonly client: HostServiceClient;
  /** Sent as `x-request-id` with every call of this command, so the server's logs can be found. */
  readonly requestId = randomUUID();

  constructor(readonly target: ClientTarget) {
    this.client = new HostServiceClient(target.address, credentials.createInsecure(), {
      // Lists are paged at 1000 rows, far below this; it guards against a huge group's answer.
      "grpc.max_receive_message_length": 64 * 1024 * 1024,
    });
  }

  /** Calls one unary method, e.g. `invoke(c.client.getVolume, { volumeId })`; rejects with FrontCallError. */
  invoke<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, options: InvokeOptions = {}): Promise<Res> {
    const metadata = new Metadata();
    metadata.set(REQUEST_ID_KEY, this.requestId);
    const callOptions: Partial<CallOptions> = options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
    return new Promise<Res>((resolve, reject) => {
      const call = method.call(this.client, request, metadata, callOptions, (error, response) => {
        options.signal?.removeEventListener("abort", cancel);
        if (error) reject(this.failure(error, options.changes === true));
        else resolve(response);
      });
      const cancel = (): void => call.cancel();
      options.signal?.addEventListener("abort", cancel, { once: true });
    });
  }

  /**
   * Opens a server stream, e.g. `stream(c.client.watchOperations, { groupId })`, and yields its
   * messages until the server ends it or `signal` aborts; rejects with FrontCallError. Leaving the
   * loop early cancels the call.
   */
  async *stream<Req, Res>(method: StreamMethod<Req, Res>, request: Req, options: StreamOptions = {}): AsyncGenerator<Res, void, undefined> {
    const metadata = new Metadata();
    metadata.set(REQUEST_ID_KEY, this.requestId);
    const call = method.call(this.client, request, metadata, {});
    const cancel = (): void => call.cancel();
    options.signal?.addEventListener("abort", cancel, { once: true });
    const onOpen = options.onOpen;
    if (onOpen) call.once("metadata", () => onOpen());
    try {
      for await (const message of call) yield message as Res;
    } catch (error) {
      if (options.signal?.aborted) return;
      throw this.failure(error, false);
    } finally {
      options.signal?.removeEventListener("abort", cancel);
      call.cancel();
    }
  }

  /** Closes the channel. */
  close(): void {
    this.client.close();
  }

  private failure(error: unknown, changes: boolean): Error {
    if (!isServiceError(error)) return error instanceof Error ? error : new Error(String(error));
    return new FrontCallError(fromServiceError(error, { changes }), this.target, this.requestId);
  }
}

/** A message field the server always sets; its absence means a server of another version. */
export function answered<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("the server's answer lacks its main field; is it a cghost serve of another version?");
  return value;
}
