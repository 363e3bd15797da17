// A correct in-memory driver (an operation ledger for idempotency, deletes that treat "not there"
// as done, deadlines honoured) into which main.ts's --fault flags inject one mistake each. Every
// fault is a mistake real drivers make; see FAULTS in cli-options.ts for which check catches it.
import { setTimeout as sleep } from "node:timers/promises";
import { status } from "@grpc/grpc-js";
import { CgSnapshotStatus, DriverError, GroupStatus, SnapshotStatus, VolumeStatus, type Driver, type DriverContext } from "../../plugin-sdk/index.js";
import type { Fault, OperationName } from "./cli-options.js";

/** How long each call takes under the crash fault, so that concurrent calls surely overlap. */
const CRASH_CALL_MS = 50;
/** The field number the unknown-field fault sends; the contract defines none so high. */
const UNKNOWN_FIELD_NUMBER = 15;

interface GroupRecord {
  providerId: string;
  volumes: Set<string>;
}

/** Options of createMemoryDriver. */
export interface MemoryDriverOptions {
  faults: ReadonlySet<Fault>;
  /** The operation the hang fault never answers. */
  hangOn: OperationName;
  /** Operations left out: not declared, so the SDK answers them UNIMPLEMENTED. Default none. */
  without?: ReadonlySet<OperationName>;
  /** Called by the crash fault instead of exiting, for tests; default exits the process with 70. */
  crash?: () => never;
}

/** The in-memory driver, committing `options.faults`. */
export function createMemoryDriver(options: MemoryDriverOptions): Driver {
  const { faults } = options;
  const has = (fault: Fault): boolean => faults.has(fault);
  const groups = new Map<string, GroupRecord>();
  const volumes = new Map<string, string>(); // volume id -> provider id
  const cgsnapshots = new Map<string, { providerId: string; snapshots: string[] }>();
  const ledger = new Map<string, Promise<unknown>>();
  let serial = 0;
  let inFlight = 0;
  const mint = (kind: string): string => `mem-${kind}-${++serial}`;
  const crash =
    options.crash ??
    ((): never => {
      process.stderr.write("faulty-driver: crashing on purpose (--fault crash): two calls were in flight at once\n");
      process.exit(70);
    });

  /** Runs one call: the crash and hang faults, then the work once per operation id (unless non-idempotent). */
  async function run<T>(operation: OperationName, ctx: DriverContext, work: () => T): Promise<T> {
    inFlight += 1;
    try {
      if (has("crash")) {
        if (inFlight > 1) crash();
        await sleep(CRASH_CALL_MS);
      }
      if (has("hang") && operation === options.hangOn) {
        ctx.log.warn("hanging on purpose (--fault hang): this call will never answer");
        await new Promise<never>(() => undefined);
      }
      if (ctx.signal.aborted) throw DriverError.from(ctx.signal.reason);
      if (has("non-idempotent")) return work();
      // A repeat returns the first call's answer (or waits for it); failures are not kept.
      let entry = ledger.get(ctx.operationId);
      if (entry === undefined) {
        entry = Promise.resolve().then(work);
        ledger.set(ctx.operationId, entry);
        entry.catch(() => ledger.delete(ctx.operationId));
      }
      return structuredClone((await entry) as T);
    } finally {
      inFlight -= 1;
    }
  }

  const notFound = (what: string): DriverError => new DriverError(status.NOT_FOUND, `${what} does not exist in this driver's memory`);
  const location = (kind: string, id: string): string => `memory://${kind}/${id}`;
  const unknownField = (): { _unknownFields?: Record<number, Uint8Array[]> } =>
    has("unknown-field") ? { _unknownFields: { [UNKNOWN_FIELD_NUMBER * 8]: [Uint8Array.of(1)] } } : {};

  const driver: Driver = {
    name: "faulty-driver",
    vendorVersion: "0.1.0",
    createConsistencyGroup: (req, ctx) =>
      run("create_group", ctx, () => {
        const id = req.group!.id;
        const existing = groups.get(id);
        const record = existing !== undefined && !has("non-idempotent") ? existing : { providerId: mint("group"), volumes: new Set<string>() };
        groups.set(id, record);
        return {
          modelUpdate: {
            status: has("bad-statuses") ? GroupStatus.GROUP_STATUS_CREATING : GroupStatus.GROUP_STATUS_AVAILABLE,
            providerId: record.providerId,
            providerLocation: location("groups", id),
          },
          ...unknownField(),
        };
      }),

    updateConsistencyGroup: (req, ctx) =>
      run("update_group", ctx, () => {
        const group = groups.get(req.group!.id);
        if (group === undefined) throw notFound(`group ${req.group!.id}`);
        for (const v of req.addVolumes) {
          if (!volumes.has(v.id) || has("non-idempotent")) volumes.set(v.id, mint("volume"));
          group.volumes.add(v.id);
        }
        for (const v of req.removeVolumes) group.volumes.delete(v.id);
        return {
          addVolumesUpdate: { updates: req.addVolumes.map((v) => ({ id: v.id, providerId: volumes.get(v.id)!, providerLocation: location("volumes", v.id) })) },
          removeVolumesUpdate: { updates: req.removeVolumes.map((v) => ({ id: v.id })) },
        };
      }),

    createCgSnapshot: (req, ctx) =>
      run("create_cgsnapshot", ctx, () => {
        const cgsnapshot = req.cgsnapshot!;
        if (!groups.has(cgsnapshot.groupId)) throw notFound(`group ${cgsnapshot.groupId}`);
        const record = { providerId: mint("cgsnapshot"), snapshots: req.snapshots.map((s) => s.id) };
        cgsnapshots.set(cgsnapshot.id, record);
        return {
          modelUpdate: { status: CgSnapshotStatus.CG_SNAPSHOT_STATUS_AVAILABLE, providerId: record.providerId },
          snapshotsModelUpdate: {
            updates: req.snapshots.map((s) => ({
              // The classic mix-up: the snapshot's volume id where its own id belongs.
              id: has("wrong-ids") ? s.volumeId : s.id,
              status: SnapshotStatus.SNAPSHOT_STATUS_AVAILABLE,
              providerLocation: location(`cgsnapshots/${cgsnapshot.id}`, s.id),
            })),
          },
        };
      }),

    createConsistencyGroupFromSource: (req, ctx) =>
      run("create_group_from_source", ctx, () => {
        const source = req.source!;
        if (source.$case === "groupSource") {
          if (has("lying-capabilities")) throw new DriverError(status.UNIMPLEMENTED, "faulty-driver cannot really create a group from a group");
          if (!groups.has(source.value.group!.id)) throw notFound(`source group ${source.value.group!.id}`);
        } else if (!cgsnapshots.has(source.value.cgsnapshot!.id)) throw notFound(`source cgsnapshot ${source.value.cgsnapshot!.id}`);
        const id = req.group!.id;
        groups.set(id, { providerId: mint("group"), volumes: new Set(req.volumes.map((v) => v.id)) });
        for (const v of req.volumes) volumes.set(v.id, mint("volume"));
        return {
          modelUpdate: { status: GroupStatus.GROUP_STATUS_AVAILABLE, providerId: groups.get(id)!.providerId, providerLocation: location("groups", id) },
          volumesModelUpdate: {
            updates: req.volumes.map((v) => ({ id: v.id, status: VolumeStatus.VOLUME_STATUS_AVAILABLE, providerId: volumes.get(v.id)!, providerLocation: location("volumes", v.id) })),
          },
        };
      }),

    deleteCgSnapshot: (req, ctx) =>
      run("delete_cgsnapshot", ctx, () => {
        const id = req.cgsnapshot!.id;
        if (!cgsnapshots.has(id) && has("delete-gone-fails")) throw notFound(`cgsnapshot ${id}`);
        cgsnapshots.delete(id);
        return {
          modelUpdate: { status: CgSnapshotStatus.CG_SNAPSHOT_STATUS_DELETED },
          snapshotsModelUpdate: { updates: req.snapshots.map((s) => ({ id: s.id, status: SnapshotStatus.SNAPSHOT_STATUS_DELETED })) },
        };
      }),

    deleteConsistencyGroup: (req, ctx) =>
      run("delete_group", ctx, () => {
        const id = req.group!.id;
        if (!groups.has(id) && has("delete-gone-fails")) throw notFound(`group ${id}`);
        groups.delete(id);
        for (const v of req.volumes) volumes.delete(v.id);
        return {
          modelUpdate: { status: GroupStatus.GROUP_STATUS_DELETED },
          volumesModelUpdate: { updates: req.volumes.map((v) => ({ id: v.id, status: VolumeStatus.VOLUME_STATUS_DELETED })) },
        };
      }),
  };
  for (const operation of options.without ?? []) delete driver[METHOD_OF[operation]];
  return driver;
}

/** The Driver method of each operation, for --without. */
const METHOD_OF = {
  create_group: "createConsistencyGroup",
  create_group_from_source: "createConsistencyGroupFromSource",
  delete_group: "deleteConsistencyGroup",
  update_group: "updateConsistencyGroup",
  create_cgsnapshot: "createCgSnapshot",
  delete_cgsnapshot: "deleteCgSnapshot",
} as const satisfies Record<OperationName, keyof Driver>;
