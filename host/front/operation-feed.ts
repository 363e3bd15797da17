// WatchOperations: every Host "operation" event goes to each open watch stream whose filter it
// matches. Streams never end on their own, so the server ends them all when it stops; otherwise a
// graceful shutdown would wait on them forever.
import { Metadata, status as GrpcStatus, type ServerWritableStream } from "@grpc/grpc-js";
import type { Host, OperationEvent } from "../manager/host.js";
import type { WatchOperationsRequest, WatchOperationsResponse } from "./front-contract.js";
import { toServiceStatus } from "./error-status.js";
import { operationEventToMessage } from "./to-message.js";

/** Events a watcher may have queued before it is cut off as too slow, so one stuck client cannot grow the server's memory. */
export const MAX_QUEUED_EVENTS = 10_000;

type WatchStream = ServerWritableStream<WatchOperationsRequest, WatchOperationsResponse>;

/** The open watch streams of one server. */
export class OperationFeed {
  private readonly streams = new Set<WatchStream>();
  private readonly onOperation = (event: OperationEvent): void => this.publish(event);
  private closed = false;

  constructor(private readonly host: Host) {
    host.on("operation", this.onOperation);
  }

  /** Serves one WatchOperations call until the client cancels or the server stops. */
  watch(stream: WatchStream): void {
    if (this.closed) {
      stream.emit("error", { code: GrpcStatus.UNAVAILABLE, details: "the server is stopping" });
      return;
    }
    // A typo in the filter would otherwise watch nothing, silently, for ever.
    const filter = stream.request.groupId;
    if (filter !== "") {
      try {
        this.host.groupRow(filter);
      } catch (error) {
        stream.emit("error", toServiceStatus(error));
        return;
      }
    }
    this.streams.add(stream);
    // Headers now, not with the first event: the client learns at once that the watch is in place.
    stream.sendMetadata(new Metadata());
    const forget = (): void => {
      this.streams.delete(stream);
    };
    stream.on("cancelled", forget);
    stream.on("close", forget);
    stream.on("error", forget);
  }

  /** How many watch streams are open. */
  get size(): number {
    return this.streams.size;
  }

  /** Ends every stream with OK and refuses new ones: the server is stopping. */
  close(): void {
    this.closed = true;
    this.host.off("operation", this.onOperation);
    for (const stream of this.streams) stream.end();
    this.streams.clear();
  }

  private publish(event: OperationEvent): void {
    const message = { event: operationEventToMessage(event, new Date()) };
    for (const stream of this.streams) {
      const filter = stream.request.groupId;
      if (filter !== "" && filter !== event.groupId) continue;
      if (stream.writableLength >= MAX_QUEUED_EVENTS) {
        this.streams.delete(stream);
        stream.emit("error", {
          code: GrpcStatus.RESOURCE_EXHAUSTED,
          details: `the watcher fell ${MAX_QUEUED_EVENTS} events behind and was cut off; read faster, or filter by group_id, and watch again`,
        });
        continue;
      }
      stream.write(message);
    }
  }
}
