// The file driver's entry point and its only contact with the plugin SDK: it parses the command
// line, opens the backend, and adapts each of the six calls: the request goes straight to the
// backend, the answer's status words become the contract's enums and wrapper lists, and the
// backend's errors become gRPC statuses. All the work is in backend.ts and below.
import { mkdirSync } from "node:fs";
import { status } from "@grpc/grpc-js";
import {
  CgSnapshotStatus,
  DriverError,
  GroupStatus,
  SnapshotStatus,
  VolumeStatus,
  serve,
  ServeError,
  type Driver,
  type DriverContext,
} from "../../plugin-sdk/index.js";
import { FileBackend } from "./backend.js";
import { DataDirInUseError, lockDataDir } from "./data-dir-lock.js";
import { CliUsageError, HELP, parseCli } from "./cli-options.js";
import { FileDriverError } from "./errors.js";
import type { ItemUpdate, ModelUpdate, ReportedStatus } from "./model.js";
import type { Outcome } from "./operation-ledger.js";

const GROUP: Record<ReportedStatus, GroupStatus> = {
  available: GroupStatus.GROUP_STATUS_AVAILABLE,
  error: GroupStatus.GROUP_STATUS_ERROR,
  deleted: GroupStatus.GROUP_STATUS_DELETED,
  error_deleting: GroupStatus.GROUP_STATUS_ERROR_DELETING,
};
const VOLUME: Record<ReportedStatus, VolumeStatus> = {
  available: VolumeStatus.VOLUME_STATUS_AVAILABLE,
  error: VolumeStatus.VOLUME_STATUS_ERROR,
  deleted: VolumeStatus.VOLUME_STATUS_DELETED,
  error_deleting: VolumeStatus.VOLUME_STATUS_ERROR_DELETING,
};
const CG_SNAPSHOT: Record<ReportedStatus, CgSnapshotStatus> = {
  available: CgSnapshotStatus.CG_SNAPSHOT_STATUS_AVAILABLE,
  error: CgSnapshotStatus.CG_SNAPSHOT_STATUS_ERROR,
  deleted: CgSnapshotStatus.CG_SNAPSHOT_STATUS_DELETED,
  error_deleting: CgSnapshotStatus.CG_SNAPSHOT_STATUS_ERROR_DELETING,
};
const SNAPSHOT: Record<ReportedStatus, SnapshotStatus> = {
  available: SnapshotStatus.SNAPSHOT_STATUS_AVAILABLE,
  error: SnapshotStatus.SNAPSHOT_STATUS_ERROR,
  deleted: SnapshotStatus.SNAPSHOT_STATUS_DELETED,
  error_deleting: SnapshotStatus.SNAPSHOT_STATUS_ERROR_DELETING,
};

/** A model_update or entry on the wire: the enum status (absent = UNSPECIFIED) and the location. */
function wire<S>(update: ModelUpdate, table: Record<ReportedStatus, S>): { status?: S; providerLocation?: string } {
  return {
    ...(update.status === undefined ? {} : { status: table[update.status] }),
    ...(update.providerLocation === undefined ? {} : { providerLocation: update.providerLocation }),
  };
}

/** A per-item list on the wire: present (possibly empty) wrapper of entries. */
function wireList<S>(items: readonly ItemUpdate[], table: Record<ReportedStatus, S>): { updates: Array<{ id: string; status?: S; providerLocation?: string }> } {
  return { updates: items.map((item) => ({ id: item.id, ...wire(item, table) })) };
}

/** Runs one backend call: logs the outcome and every error reason, and maps errors to gRPC statuses. */
async function answer<T>(ctx: DriverContext, call: string, run: () => Promise<Outcome<T>>): Promise<T> {
  try {
    const outcome = await run();
    // ctx.log already names the operation and both ids; add only what the backend found.
    for (const item of reasonsIn(outcome.answer)) ctx.log.warn({ item: item.id, reason: item.reason }, "item not done");
    ctx.log.info({ replayed: outcome.replayed }, outcome.replayed ? "answered from the operation ledger" : "done");
    return outcome.answer;
  } catch (error) {
    // An abandoned copy reports the abort's own reason, which tells a deadline from a cancel.
    if (error instanceof FileDriverError && error.code === "CANCELLED" && ctx.signal.aborted) throw DriverError.from(ctx.signal.reason);
    if (error instanceof FileDriverError) throw new DriverError(status[error.code], error.detail, { cause: error });
    ctx.log.error({ err: error }, "unexpected failure");
    throw new DriverError(status.INTERNAL, `file-driver ${call} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** Every model_update or entry of an answer that carries a reason. */
function reasonsIn(answer: unknown): Array<{ id: string; reason: string }> {
  const found: Array<{ id: string; reason: string }> = [];
  for (const [key, value] of Object.entries(answer as Record<string, ModelUpdate | ItemUpdate[]>)) {
    const items: Array<ModelUpdate & { id?: string }> = Array.isArray(value) ? value : [value];
    for (const item of items) if (item.reason !== undefined) found.push({ id: item.id ?? key, reason: item.reason });
  }
  return found;
}

/** The SDK driver over a file backend. */
function createFileDriver(backend: FileBackend): Driver {
  return {
    name: "file-driver",
    vendorVersion: "0.1.0",
    probe: () => backend.probe(),
    async createConsistencyGroup(req, ctx) {
      const a = await answer(ctx, "CreateConsistencyGroup", () => backend.createGroup(req));
      return { modelUpdate: wire(a.modelUpdate, GROUP) };
    },
    async createConsistencyGroupFromSource(req, ctx) {
      const a = await answer(ctx, "CreateConsistencyGroupFromSource", () => backend.createGroupFromSource(req, { signal: ctx.signal }));
      return { modelUpdate: wire(a.modelUpdate, GROUP), volumesModelUpdate: wireList(a.volumesModelUpdate, VOLUME) };
    },
    async deleteConsistencyGroup(req, ctx) {
      const a = await answer(ctx, "DeleteConsistencyGroup", () => backend.deleteGroup(req));
      return { modelUpdate: wire(a.modelUpdate, GROUP), volumesModelUpdate: wireList(a.volumesModelUpdate, VOLUME) };
    },
    async updateConsistencyGroup(req, ctx) {
      const a = await answer(ctx, "UpdateConsistencyGroup", () => backend.updateGroup(req));
      return {
        modelUpdate: wire(a.modelUpdate, GROUP),
        addVolumesUpdate: wireList(a.addVolumesUpdate, VOLUME),
        removeVolumesUpdate: wireList(a.removeVolumesUpdate, VOLUME),
      };
    },
    async createCgSnapshot(req, ctx) {
      const a = await answer(ctx, "CreateCgSnapshot", () => backend.createCgSnapshot(req, { signal: ctx.signal }));
      return { modelUpdate: wire(a.modelUpdate, CG_SNAPSHOT), snapshotsModelUpdate: wireList(a.snapshotsModelUpdate, SNAPSHOT) };
    },
    async deleteCgSnapshot(req, ctx) {
      const a = await answer(ctx, "DeleteCgSnapshot", () => backend.deleteCgSnapshot(req));
      return { modelUpdate: wire(a.modelUpdate, CG_SNAPSHOT), snapshotsModelUpdate: wireList(a.snapshotsModelUpdate, SNAPSHOT) };
    },
  };
}

let command;
try {
  command = parseCli(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof CliUsageError)) throw error;
  process.stderr.write(`file-driver: ${error.message} (see --help)\n`);
  process.exit(2);
}
if (command.kind === "help") {
  process.stdout.write(HELP);
} else {
  try {
    // One driver per data directory, held before the backend sweeps what a crash left there.
    mkdirSync(command.dataDir, { recursive: true });
    lockDataDir(command.dataDir);
    const backend = await FileBackend.open({ dataDir: command.dataDir, bytesPerGb: command.bytesPerGb });
    // serve() owns the rest: handshake or sidecar listening, health, and stopping on SIGTERM.
    await serve(createFileDriver(backend), command.transport);
  } catch (error) {
    // Another driver on the directory, an address in use, a TLS file missing: the operator's to
    // fix, said plainly.
    if (!(error instanceof ServeError || error instanceof DataDirInUseError)) throw error;
    process.stderr.write(`file-driver: ${error.message}\n`);
    process.exit(1);
  }
}
