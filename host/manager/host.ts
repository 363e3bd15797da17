// The embeddable host: what a volume service calls. Validates, journals, writes transitional
// statuses, calls the plugin, and applies the status rules, each step's writes in one transaction.
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { pino, type Logger } from "pino";
import { RPC_BY_KIND, type RequestByKind, type ResponseByKind } from "../contract.js";
import type {
  CgSnapshotRow,
  GroupRow,
  JournalEntry,
  OperationKind,
  RowWrite,
  SnapshotRow,
  VolumeRow,
} from "../model.js";
import type { PluginClient } from "../plugin/plugin-client.js";
import type { DriverOutcome, RuleResult } from "../rules/outcome.js";
import { isStoreRefusal, type JournalSummary, type ListFilter, type Parents, type Store } from "../store/store.js";
import { rowAfterWrite, rowsAfterWrites } from "../store/written-rows.js";
import {
  checkCgSnapshotSource,
  checkCreateCgSnapshot,
  checkDeleteCgSnapshot,
  checkDeleteGroup,
  checkGroupSource,
  checkId,
  checkStatus,
  checkUpdateGroup,
  liveCgSnapshot,
  liveGroup,
  liveVolume,
} from "./checks.js";
import { DEFAULT_DEADLINES_MS } from "./deadlines.js";
import { HostError, type OperationFailure } from "./errors.js";
import {
  parseCaller,
  parseCreateGroup,
  parseDeadlines,
  parseGroupText,
  parseRegisterVolume,
  parseText,
  parseVolumeTypes,
  type CreateGroupInput,
  type RegisterVolumeInput,
} from "./inputs.js";
import { KeyedLock, volumeLockKey } from "./keyed-lock.js";
import { newOperationId } from "./operation-id.js";
import { pluginReadiness, recoverOpenOperations, waitForReadiness, type RecoverySummary } from "./recovery.js";
import { journalRequest, journalRows, prepareCall, type KnownRows, type PreparedCall, type SubjectByKind } from "./request-builders.js";

/** Who asks for an operation; every field is optional and defaulted. */
export interface Caller {
  requestId?: string;
  projectId?: string;
  userId?: string;
}

/** How to build a host around a store and a connected plugin. */
export interface HostOptions {
  /** Where rows and the journal live (see openSqliteStore). The host closes it on close(). */
  store: Store;
  /**
   * The connected plugin. The host closes it on close(). RULES.md section 8's retries (an
   * uncertain or never-sent call resent with the same operation id) and its "plugin unavailable"
   * refusal come from a supervised plugin, which openHost builds (and `cghost serve` uses). A single
   * connection from launchPlugin / connectPlugin sends each call once, raising any transport
   * failure with its code recorded, is never restarted, and is always treated as callable: fine
   * for tests and tools, not for a volume service.
   */
  plugin: PluginClient;
  /** Per-operation gRPC deadlines in milliseconds; missing ones come from DEFAULT_DEADLINES_MS. */
  deadlinesMs?: Partial<Record<OperationKind, number>>;
  /** Structured logger; silent by default. */
  logger?: Logger;
  /** The project of rows created without a caller project; default `default`. */
  defaultProjectId?: string;
  /** Clock, for tests; default `() => new Date()`. */
  clock?: () => Date;
  /** How long recover() waits for the plugin to say it is ready before failing what it cannot re-issue; default 30000. */
  recoveryReadyTimeoutMs?: number;
  /**
   * How long an operation's caller waits while the database refuses to record the driver's
   * answer (a full disk, an I/O error, a lock held past the busy timeout), the host retrying
   * meanwhile; then the caller gets OUTCOME_PENDING and the host goes on retrying in the
   * background until the database takes it or the host closes. Default 10000.
   */
  outcomeWaitMs?: number;
  /**
   * How long closed journal entries are kept, for operators reading what an operation did; older
   * ones are deleted after recover() and then hourly. Default 7 days; Infinity keeps them all.
   * Open entries are never deleted: they are what recovery needs.
   */
  journalRetentionMs?: number;
}

/** The default of HostOptions.outcomeWaitMs. */
export const DEFAULT_OUTCOME_WAIT_MS = 10_000;
/** Retries of an outcome the database refused wait 50 ms, doubling up to this. */
const OUTCOME_RETRY_MAX_MS = 2000;

/** The wait before retry number `attempt` (from 1) of a refused outcome. */
function outcomeRetryDelay(attempt: number): number {
  return Math.min(OUTCOME_RETRY_MAX_MS, 50 * 2 ** Math.min(attempt - 1, 16));
}

/** The default of HostOptions.journalRetentionMs. */
export const DEFAULT_JOURNAL_RETENTION_MS = 7 * 24 * 3600 * 1000;
const JOURNAL_PRUNE_EVERY_MS = 3600 * 1000;

/** A group with its member volumes. */
export interface GroupView {
  group: GroupRow;
  volumes: VolumeRow[];
}

/** A cgsnapshot with its snapshots. */
export interface CgSnapshotView {
  cgsnapshot: CgSnapshotRow;
  snapshots: SnapshotRow[];
}

/** Where a create-from-source copies from: exactly one of the two. */
export type GroupSourceInput = { cgsnapshotId: string; groupId?: undefined } | { groupId: string; cgsnapshotId?: undefined };

/** Emitted once per operation that reached the plugin, after its outcome committed. */
export interface OperationEvent {
  kind: OperationKind;
  operationId: string;
  requestId: string;
  groupId: string;
  ok: boolean;
  ruleId: string;
  /** Why it failed (the failure code), when it did. */
  cause?: string;
  /** Milliseconds from the first status write to the outcome's commit. */
  ms: number;
  /** The rows the outcome wrote, with their final statuses. */
  written: Array<{ kind: string; id: string; status: string }>;
  /**
   * What the deciding rule warned of without changing the outcome, e.g. error statuses a driver
   * reported in a create-from-source it did not fail (R2.2). Logged as warnings, and counted by
   * `cghost serve`'s metrics (cghost_operation_warnings_total).
   */
  warnings: string[];
}

/**
 * Emitted once per driver call the host makes, with its final outcome: the attempts of a call the
 * plugin layer retried (an uncertain failure, resent with the same operation id) count as one.
 */
export interface PluginCallEvent {
  kind: OperationKind;
  method: string;
  /** The gRPC status code (0 for OK); undefined when the failure had none (e.g. never connected). */
  grpcCode: number | undefined;
  ms: number;
}

/**
 * Where an operation of the journal stands. `running`: this host is calling the driver or
 * recording its answer. `recording`: the driver answered, the database refused the outcome, and
 * the host keeps trying (its caller got OUTCOME_PENDING). `unfinished`: open, but no host here runs
 * it: a host stopped or died first, and the next start settles it (RULES.md section 9).
 * `done`: its outcome is recorded.
 */
export type OperationState = "running" | "recording" | "unfinished" | "done";

/** One operation of the journal, as listOperations and showOperation give it. */
export interface OperationRecord extends Omit<JournalSummary, "state"> {
  state: OperationState;
}

/** The events a Host emits, for metrics and watchers. */
export interface HostEvents {
  operation: [OperationEvent];
  "plugin-call": [PluginCallEvent];
}

/** What one operation does at each step of the common flow. */
interface OperationPlan<K extends OperationKind, T> {
  kind: K;
  /** Keys serialised on this host: the group ids (and volume ids) the operation touches. */
  lockKeys: string[];
  /** The group the journal files the operation under. */
  groupId: string;
  caller: Caller | undefined;
  /**
   * Checks first (RULES.md), reading the store; throws HostError. It runs in the transaction
   * that then journals and begins, so a refusal keeps nothing and no other host moves a row
   * between the check and the write.
   */
  check(): void;
  /** In that same transaction, after the journal entry: inserts and compare-and-set status moves. */
  begin(): void;
  /**
   * The operation's rows, read after check(): journaled, and the request is built from them by
   * request-builders.ts, which restart recovery also uses to rebuild the same request.
   */
  subject(): SubjectByKind[K];
  /** Rows begin() left exactly known (see KnownRows); the request reads the rest from the store. */
  known?(): KnownRows;
  /**
   * The parents whose live rows the operation moves and its outcome writes, all of them (a
   * hint that lets the store update 100,000 rows through the parent's index; see Parents).
   */
  parents?: Parents;
  /**
   * The call's result, read in the transaction that applies the outcome, after it. `written` is
   * what was applied: a finish may build rows from it instead of reading them (see groupViewAfter).
   */
  finish(written: Written): T;
}

/** The writes an outcome applied and the timestamp the store stamped them with. */
interface Written {
  writes: readonly RowWrite[];
  at: string;
}

/**
 * The rows an operation wrote as its parent's listing returns them afterwards (soft-deleted ones
 * only when the parent is deleted too); undefined unless that is certain: every row has one
 * write, stays the parent's, and the parent holds no other row (counted, not read).
 */
function childrenAfter<R extends VolumeRow | SnapshotRow>(
  kind: "volume" | "snapshot",
  rows: readonly R[],
  written: Written,
  parentDeleted: boolean,
  belongs: (row: R) => boolean,
  count: (includeDeleted: boolean) => number,
): R[] | undefined {
  const after = rowsAfterWrites(kind, rows, written.writes, written.at);
  if (after === undefined || !after.every(belongs)) return undefined;
  const listed = parentDeleted ? after : after.filter((row) => row.deletedAt === null);
  return count(parentDeleted) === listed.length ? listed : undefined;
}

/** The group row after the one write the outcome made to it; undefined when it made none or several. */
function groupAfterItsWrite(group: GroupRow, written: Written): GroupRow | undefined {
  const writes = written.writes.filter((write) => write.kind === "group" && write.id === group.id);
  return writes.length === 1 ? rowAfterWrite(group, writes[0]!, written.at) : undefined;
}

/** Creates the embeddable host around a store and a connected plugin. */
export function createHost(options: HostOptions): Host {
  return new Host(options);
}

/** The host's API for a volume service. Calls on one group are serialised; others run concurrently. */
export class Host extends EventEmitter<HostEvents> {
  private readonly store: Store;
  private readonly plugin: PluginClient;
  private readonly log: Logger;
  private readonly deadlines: Record<OperationKind, number>;
  private readonly defaultProjectId: string;
  private readonly clock: () => Date;
  private readonly locks = new KeyedLock();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly recoveryReadyTimeoutMs: number;
  private readonly journalRetentionMs: number;
  private pruneTimer: NodeJS.Timeout | undefined;
  /** The next retry of each outcome the database refused, by operation id (settleLater). */
  private readonly outcomeRetries = new Map<string, NodeJS.Timeout>();
  /** The operations this host is running: from their first write to their outcome's commit. */
  private readonly running = new Set<string>();
  private readonly outcomeWaitMs: number;
  private closed = false;
  /**
   * Set when close() stopped waiting for operations in flight: their outcomes are no longer
   * written (their journal entries stay open for the next start to settle, RULES.md section 9),
   * and operations still queued on a lock do not begin.
   */
  private abandoning = false;
  /** What the last recover() did (openHost runs one at start-up); undefined before any. */
  lastRecovery: RecoverySummary | undefined;

  constructor(options: HostOptions) {
    super();
    this.store = options.store;
    this.plugin = options.plugin;
    this.log = options.logger ?? pino({ level: "silent" });
    // Checked here: a deadline grpc-js cannot set would throw out of a call after its statuses were written.
    this.deadlines = { ...DEFAULT_DEADLINES_MS, ...parseDeadlines(options.deadlinesMs) };
    this.defaultProjectId = options.defaultProjectId ?? "default";
    this.clock = options.clock ?? (() => new Date());
    this.recoveryReadyTimeoutMs = options.recoveryReadyTimeoutMs ?? 30_000;
    const retention = options.journalRetentionMs ?? DEFAULT_JOURNAL_RETENTION_MS;
    if (!(retention >= 0)) throw new HostError("INVALID_ARGUMENT", `journalRetentionMs ${String(retention)} must be 0 or more (Infinity keeps every entry)`);
    this.journalRetentionMs = retention;
    const outcomeWait = options.outcomeWaitMs ?? DEFAULT_OUTCOME_WAIT_MS;
    if (!(outcomeWait >= 0 && outcomeWait < Infinity)) throw new HostError("INVALID_ARGUMENT", `outcomeWaitMs ${String(outcomeWait)} must be a number of milliseconds, 0 or more`);
    this.outcomeWaitMs = outcomeWait;
  }

  /**
   * How many operations the driver answered whose outcome the database refused, and which the
   * host is still retrying in the background (their callers got OUTCOME_PENDING). Above 0, the
   * database needs attention: a full disk, an I/O error, a lock another process holds.
   */
  get outcomesPending(): number {
    return this.outcomeRetries.size;
  }

  /**
   * Deletes closed journal entries of operations started `olderThanMs` or more ago (default:
   * the retention the host was made with); returns how many. Open entries are never deleted.
   */
  pruneJournal(olderThanMs: number = this.journalRetentionMs): number {
    this.checkOpen();
    if (!(olderThanMs >= 0)) throw new HostError("INVALID_ARGUMENT", `olderThanMs ${String(olderThanMs)} must be 0 or more`);
    if (olderThanMs === Infinity) return 0;
    const pruned = this.store.pruneJournal(new Date(this.clock().getTime() - olderThanMs).toISOString());
    if (pruned > 0) this.log.info({ pruned, olderThanMs }, "pruned closed journal entries");
    return pruned;
  }

  /** What the plugin said of itself at connection: name, version, contract versions. */
  get pluginInfo(): PluginClient["info"] {
    return this.plugin.info;
  }

  /** The plugin's operations and create-from-source kinds, as it declared them. */
  get pluginCapabilities(): PluginClient["capabilities"] {
    return this.plugin.capabilities;
  }

  /** The plugin child's pid, or undefined for a sidecar. */
  get pluginPid(): number | undefined {
    return this.plugin.pid;
  }

  /** Registers a volume the volume service created, `available` (or `in-use`), in no group. */
  registerVolume(input: RegisterVolumeInput): VolumeRow {
    this.checkOpen();
    const id = randomUUID();
    this.store.insertVolume({ ...parseRegisterVolume(input, this.defaultProjectId), id, groupId: null, sourceId: null });
    return this.mustVolume(id);
  }

  /**
   * The inverse of registerVolume: forgets a volume in no group that is `available` or `error`
   * (soft delete; showVolume still finds it). The driver is not called. This is also the way out
   * for a volume an update left `error` outside any group.
   */
  unregisterVolume(volumeId: string): VolumeRow {
    this.checkOpen();
    const volume = liveVolume(this.store, volumeId);
    this.refuseIfMoving(volume.id);
    if (volume.groupId !== null) {
      throw new HostError("INVALID_STATUS", `volume ${volume.id} is in group ${volume.groupId}; remove it from the group first, then unregister it`);
    }
    checkStatus("volume", volume, ["available", "error"], "unregistering");
    try {
      this.store.transaction(() => this.store.applyWrites([{ kind: "volume", id: volume.id, expect: [volume.status], status: "deleted", softDelete: true }]));
    } catch (error) {
      throw HostError.from(error);
    }
    return this.mustVolume(volume.id);
  }

  /** Marks a volume attached (`in-use`) or detached (`available`). */
  setVolumeAttached(volumeId: string, attached: boolean): VolumeRow {
    this.checkOpen();
    const volume = liveVolume(this.store, volumeId);
    this.refuseIfMoving(volume.id);
    checkStatus("volume", volume, [attached ? "available" : "in-use"], attached ? "attaching" : "detaching");
    try {
      this.store.setVolumeAttached(volume.id, attached);
    } catch (error) {
      throw HostError.from(error);
    }
    return liveVolume(this.store, volume.id);
  }

  /** One volume, soft-deleted ones included; NOT_FOUND when the id names nothing. */
  showVolume(volumeId: string): VolumeRow {
    this.checkOpen();
    const volume = this.store.getVolume(checkId("volume", volumeId));
    if (!volume) throw new HostError("NOT_FOUND", `volume ${volumeId} does not exist`);
    return volume;
  }

  /** Volumes, optionally of one group; NOT_FOUND when that group's id names nothing. */
  listVolumes(filter?: ListFilter & { groupId?: string }): VolumeRow[] {
    this.checkOpen();
    if (filter?.groupId === undefined) return this.store.listVolumes(filter);
    return this.store.read(() => (this.knownGroup(filter.groupId!), this.store.listVolumes(filter)));
  }

  /** One group with its volumes, soft-deleted ones included; NOT_FOUND when the id names nothing. */
  showGroup(groupId: string): GroupView {
    this.checkOpen();
    checkId("group", groupId);
    // One snapshot: the group and its volumes as of the same commit.
    return this.store.read(() => {
      const group = this.store.getGroup(groupId);
      if (!group) throw new HostError("NOT_FOUND", `group ${groupId} does not exist`);
      return { group, volumes: this.store.listVolumes({ groupId, includeDeleted: group.deletedAt !== null }) };
    });
  }

  /** Groups. */
  listGroups(filter?: ListFilter): GroupRow[] {
    this.checkOpen();
    return this.store.listGroups(filter);
  }

  /**
   * The journal, newest first: at most `limit` operations (default 1000), those older than the
   * operation `before` when given (the last of the previous page), only open ones with `openOnly`,
   * only one group's with `groupId` (NOT_FOUND when it names no group).
   */
  listOperations(filter: { groupId?: string; openOnly?: boolean; before?: string; limit?: number } = {}): OperationRecord[] {
    this.checkOpen();
    const limit = filter.limit ?? 1000;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new HostError("INVALID_ARGUMENT", `limit ${String(limit)} must be a whole number from 1`);
    const before = filter.before === undefined ? undefined : checkId("operation", filter.before);
    const summaries = this.store.read(() => {
      if (filter.groupId !== undefined) this.knownGroup(filter.groupId);
      return this.store.listJournalSummaries({
        limit,
        ...(filter.openOnly ? { openOnly: true } : {}),
        ...(filter.groupId === undefined ? {} : { groupId: filter.groupId }),
        ...(before === undefined ? {} : { before }),
      });
    });
    return summaries.map((summary) => ({ ...summary, state: this.operationState(summary.operationId, summary.state) }));
  }

  /** One operation of the journal with every row it names; NOT_FOUND when the journal has none by that id. */
  showOperation(operationId: string): { operation: OperationRecord; rows: JournalEntry["rows"] } {
    this.checkOpen();
    const entry = this.store.getJournal(checkId("operation", operationId));
    if (!entry) throw new HostError("NOT_FOUND", `operation ${operationId} does not exist (never run here, or older than the journal keeps)`);
    const request = entry.request as { caller?: { requestId?: unknown } } | null;
    const { rows } = entry;
    return {
      operation: {
        operationId: entry.operationId,
        kind: entry.kind,
        groupId: entry.groupId,
        state: this.operationState(entry.operationId, entry.state),
        result: entry.result,
        createdAt: entry.createdAt,
        closedAt: entry.closedAt,
        requestId: typeof request?.caller?.requestId === "string" ? request.caller.requestId : "",
        counts: { groups: rows.groups.length, volumes: rows.volumes.length, cgsnapshots: rows.cgsnapshots.length, snapshots: rows.snapshots.length },
      },
      rows,
    };
  }

  /** What an entry's state means on this host: see OperationState. */
  private operationState(operationId: string, stored: JournalEntry["state"]): OperationState {
    if (stored === "closed") return "done";
    if (this.outcomeRetries.has(operationId)) return "recording";
    return this.running.has(operationId) ? "running" : "unfinished";
  }

  /** One cgsnapshot with its snapshots; NOT_FOUND when the id names nothing. */
  showCgSnapshot(cgsnapshotId: string): CgSnapshotView {
    this.checkOpen();
    checkId("cgsnapshot", cgsnapshotId);
    return this.store.read(() => {
      const cgsnapshot = this.store.getCgSnapshot(cgsnapshotId);
      if (!cgsnapshot) throw new HostError("NOT_FOUND", `cgsnapshot ${cgsnapshotId} does not exist`);
      return {
        cgsnapshot,
        snapshots: this.store.listSnapshots(cgsnapshot.id, { includeDeleted: cgsnapshot.deletedAt !== null }),
      };
    });
  }

  /**
   * showGroup after an operation that wrote the group and each of `volumes` (the rows its check
   * read, as begin left them): built from those rows and the writes, not read a second time (a
   * 100,000-volume delete saves ~0.35 s); read when the group holds a volume it did not write.
   */
  private groupViewAfter(known: GroupRow, volumes: readonly VolumeRow[], written: Written): GroupView {
    const groupId = known.id;
    const group = groupAfterItsWrite(known, written);
    const after =
      group &&
      childrenAfter("volume", volumes, written, group.deletedAt !== null, (v) => v.groupId === groupId, (includeDeleted) =>
        this.store.countVolumes({ groupId, includeDeleted }),
      );
    return group && after ? { group, volumes: after } : this.showGroup(groupId);
  }

  /** showCgSnapshot after an operation that wrote each of `snapshots`; see groupViewAfter. */
  private cgSnapshotViewAfter(cgsnapshotId: string, snapshots: readonly SnapshotRow[], written: Written): CgSnapshotView {
    const cgsnapshot = this.store.getCgSnapshot(cgsnapshotId);
    const after =
      cgsnapshot &&
      childrenAfter("snapshot", snapshots, written, cgsnapshot.deletedAt !== null, (s) => s.cgsnapshotId === cgsnapshotId, (includeDeleted) =>
        this.store.countSnapshots(cgsnapshotId, { includeDeleted }),
      );
    return cgsnapshot && after ? { cgsnapshot, snapshots: after } : this.showCgSnapshot(cgsnapshotId);
  }

  /** Cgsnapshots, optionally of one group; NOT_FOUND when that group's id names nothing. */
  listCgSnapshots(filter?: ListFilter & { groupId?: string }): CgSnapshotRow[] {
    this.checkOpen();
    if (filter?.groupId === undefined) return this.store.listCgSnapshots(filter);
    return this.store.read(() => (this.knownGroup(filter.groupId!), this.store.listCgSnapshots(filter)));
  }

  /**
   * Refuses to change a volume an update is adding or removing: that update compare-and-sets its
   * status when the driver answers, and a change now would make the outcome conflict and leave
   * the group 'updating'.
   */
  private refuseIfMoving(volumeId: string): void {
    if (this.locks.held(volumeLockKey(volumeId))) {
      throw new HostError(
        "CONFLICT",
        `volume ${volumeId} is being added to or removed from a group by an operation in progress; nothing was written: retry once it ends`,
      );
    }
  }

  /** One group's row without its volumes, deleted ones included; NOT_FOUND when the id names nothing. */
  groupRow(groupId: string): GroupRow {
    return this.knownGroup(groupId);
  }

  /** A group row, deleted ones included: an empty listing must mean an empty group, not a typo. */
  private knownGroup(groupId: string): GroupRow {
    const group = this.store.getGroup(checkId("group", groupId));
    if (!group) throw new HostError("NOT_FOUND", `group ${groupId} does not exist`);
    return group;
  }

  /** Creates an empty group (RULES.md section 1). */
  async createGroup(input: CreateGroupInput, caller?: Caller): Promise<GroupRow> {
    this.checkOpen();
    const spec = parseCreateGroup(input);
    const id = randomUUID();
    const projectId = caller?.projectId ?? this.defaultProjectId;
    let inserted: GroupRow | undefined;
    return this.execute<"create_group", GroupRow>({
      kind: "create_group",
      lockKeys: [id],
      groupId: id,
      caller,
      check: () => undefined,
      begin: () => {
        inserted = this.store.insertGroup({ id, ...spec, projectId, status: "creating", sourceCgsnapshotId: null, sourceGroupId: null });
      },
      known: () => (inserted === undefined ? {} : { groups: new Map([[id, inserted]]) }),
      subject: () => ({ groupId: id }),
      finish: (written) => (inserted && groupAfterItsWrite(inserted, written)) ?? this.mustGroup(id),
    });
  }

  /** Creates a group whose volumes copy a cgsnapshot's snapshots or a group's volumes (RULES.md section 2). */
  async createGroupFromSource(
    input: Omit<CreateGroupInput, "volumeTypes"> & { volumeTypes?: string[]; source: GroupSourceInput },
    caller?: Caller,
  ): Promise<GroupView> {
    this.checkOpen();
    const source = input.source as Partial<{ cgsnapshotId: unknown; groupId: unknown }> | undefined;
    const hasSnapshot = source?.cgsnapshotId !== undefined;
    const hasGroup = source?.groupId !== undefined;
    if (hasSnapshot === hasGroup) {
      throw new HostError("INVALID_ARGUMENT", "create-from-source needs exactly one source: a cgsnapshot id or a group id");
    }
    const kind = hasSnapshot ? "cgsnapshot" : "group";
    if (this.plugin.capabilities.operations.includes("create_group_from_source") && !this.plugin.capabilities.createFromSourceKinds.includes(kind)) {
      throw new HostError(
        "UNSUPPORTED_OPERATION",
        `plugin '${this.plugin.info.name}' cannot create a group from a ${kind} (it declares: ${this.plugin.capabilities.createFromSourceKinds.join(", ") || "no source kind"}); nothing was written`,
      );
    }
    const text = parseGroupText(input);
    const explicitTypes = input.volumeTypes === undefined ? undefined : parseVolumeTypes(input.volumeTypes);
    const id = randomUUID();
    const projectId = caller?.projectId ?? this.defaultProjectId;
    // Resolve the source now to know which group to serialise on; check() re-reads it under the lock.
    const sourceGroupId = hasSnapshot
      ? liveCgSnapshot(this.store, String(source?.cgsnapshotId)).groupId
      : liveGroup(this.store, String(source?.groupId)).id;
    const targets: Array<{ id: string; source: VolumeRow | SnapshotRow; volumeType: string; sizeGb: number }> = [];
    let volumeTypes: string[] = [];
    const readSource = (): void => {
      targets.length = 0;
      if (hasSnapshot) {
        const cgsnapshot = liveCgSnapshot(this.store, String(source?.cgsnapshotId));
        const snapshots = this.store.listSnapshots(cgsnapshot.id);
        checkCgSnapshotSource(cgsnapshot, snapshots);
        volumeTypes = this.mustGroup(cgsnapshot.groupId).volumeTypes;
        for (const snapshot of snapshots) {
          const origin = this.store.getVolume(snapshot.volumeId);
          targets.push({ id: randomUUID(), source: snapshot, sizeGb: snapshot.volumeSizeGb, volumeType: origin?.volumeType ?? "" });
        }
      } else {
        const group = liveGroup(this.store, String(source?.groupId));
        const volumes = this.store.listVolumes({ groupId: group.id });
        checkGroupSource(group, volumes);
        volumeTypes = group.volumeTypes;
        for (const volume of volumes) {
          targets.push({ id: randomUUID(), source: volume, sizeGb: volume.sizeGb, volumeType: volume.volumeType });
        }
      }
      // A copy the new group does not accept could never be re-added once removed (section 4).
      const outside = explicitTypes === undefined ? undefined : targets.find((t) => !explicitTypes.includes(t.volumeType));
      if (outside !== undefined) {
        throw new HostError(
          "INVALID_ARGUMENT",
          `volume type '${outside.volumeType}' of source ${hasSnapshot ? "snapshot" : "volume"} ${outside.source.id} is not one of the new group's ` +
            `volume types (${explicitTypes!.join(", ")}), so the group would hold a volume of a type it does not support; ` +
            `list '${outside.volumeType}' too, or leave the volume types out to take the source group's (${volumeTypes.join(", ")}); nothing was written`,
        );
      }
    };
    const sourceRef = hasSnapshot ? { sourceCgsnapshotId: String(source?.cgsnapshotId) } : { sourceGroupId: String(source?.groupId) };
    return this.execute<"create_group_from_source", GroupView>({
      kind: "create_group_from_source",
      lockKeys: [id, sourceGroupId],
      groupId: id,
      caller,
      parents: { volume: id },
      check: readSource,
      begin: () => {
        this.store.insertGroup({
          id,
          ...text,
          volumeTypes: explicitTypes ?? volumeTypes,
          projectId,
          status: "creating",
          sourceCgsnapshotId: hasSnapshot ? String(source?.cgsnapshotId) : null,
          sourceGroupId: hasGroup ? String(source?.groupId) : null,
        });
        for (const target of targets) {
          this.store.insertVolume({
            id: target.id,
            name: "",
            sizeGb: target.sizeGb,
            volumeType: target.volumeType,
            projectId,
            status: "creating",
            groupId: id,
            sourceId: target.source.id,
          });
        }
      },
      // Each target's source_id names its source item, so the targets' order is the pairing.
      subject: () => ({ groupId: id, ...sourceRef, targetVolumeIds: targets.map((t) => t.id) }),
      finish: () => this.showGroup(id),
    });
  }

  /** Adds volumes to and removes volumes from a group (RULES.md section 4). */
  async updateGroup(
    groupId: string,
    change: { addVolumeIds?: readonly string[]; removeVolumeIds?: readonly string[] },
    caller?: Caller,
  ): Promise<GroupView> {
    this.checkOpen();
    checkId("group", groupId);
    if (typeof change !== "object" || change === null) {
      throw new HostError("INVALID_ARGUMENT", `the change ${JSON.stringify(change)} must be an object with addVolumeIds and/or removeVolumeIds`);
    }
    const addIds = idList("addVolumeIds", change.addVolumeIds);
    const removeIds = idList("removeVolumeIds", change.removeVolumeIds);
    let add: VolumeRow[] = [];
    let remove: VolumeRow[] = [];
    return this.execute<"update_group", GroupView>({
      kind: "update_group",
      lockKeys: [groupId, ...addIds.map(volumeLockKey), ...removeIds.map(volumeLockKey)],
      groupId,
      caller,
      check: () => ({ add, remove } = checkUpdateGroup(this.store, liveGroup(this.store, groupId), addIds, removeIds)),
      begin: () => this.store.moveStatus({ kind: "group", ids: [groupId], from: ["available"], to: "updating" }),
      subject: () => ({ groupId, addIds: add.map((v) => v.id), removeIds: remove.map((v) => v.id) }),
      finish: () => this.showGroup(groupId),
    });
  }

  /** Deletes a group and, when asked, its volumes (RULES.md section 3). */
  async deleteGroup(groupId: string, options: { deleteVolumes?: boolean } = {}, caller?: Caller): Promise<GroupView> {
    this.checkOpen();
    checkId("group", groupId);
    let group: GroupRow | undefined;
    let volumes: VolumeRow[] = [];
    let volumeIds: string[] = [];
    let known: KnownRows = {};
    return this.execute<"delete_group", GroupView>({
      kind: "delete_group",
      lockKeys: [groupId],
      groupId,
      caller,
      parents: { volume: groupId },
      check: () => {
        group = liveGroup(this.store, groupId);
        volumes = this.store.listVolumes({ groupId });
        checkDeleteGroup(this.store, group, volumes, options.deleteVolumes === true);
        volumeIds = volumes.map((v) => v.id);
      },
      begin: () => {
        const movedAt = this.store.moveStatus({ kind: "group", ids: [groupId], from: ["available", "error"], to: "deleting" });
        const at = this.store.moveStatus({ kind: "volume", ids: volumeIds, from: ["available", "error", "error_deleting"], to: "deleting", parent: groupId });
        // The rows the check read, moved in place (they are this operation's alone): no copies of 100,000.
        group!.status = "deleting";
        group!.updatedAt = movedAt;
        for (const v of volumes) {
          v.status = "deleting";
          v.updatedAt = at;
        }
        known = { groups: new Map([[groupId, group!]]), volumes: new Map(volumes.map((v) => [v.id, v])) };
      },
      known: () => known,
      subject: () => ({ groupId, volumeIds, deleteVolumes: options.deleteVolumes === true }),
      finish: (written) => this.groupViewAfter(group!, volumes, written),
    });
  }

  /** Snapshots every volume of a group at one point in time (RULES.md section 5). */
  async createCgSnapshot(
    groupId: string,
    input: { name?: string; description?: string } = {},
    caller?: Caller,
  ): Promise<CgSnapshotView> {
    this.checkOpen();
    checkId("group", groupId);
    const id = randomUUID();
    const name = parseText("name", input.name);
    const description = parseText("description", input.description);
    let members: VolumeRow[] = [];
    let snapshotIds: string[] = [];
    let inserted: SnapshotRow[] = [];
    return this.execute<"create_cgsnapshot", CgSnapshotView>({
      kind: "create_cgsnapshot",
      lockKeys: [groupId],
      groupId,
      caller,
      parents: { snapshot: id },
      check: () => {
        const group = liveGroup(this.store, groupId);
        members = this.store.listVolumes({ groupId });
        checkCreateCgSnapshot(group, members);
        snapshotIds = members.map(() => randomUUID());
      },
      begin: () => {
        // A no-op move that fails if another host changed the group since the check.
        this.store.moveStatus({ kind: "group", ids: [groupId], from: ["available"], to: "available" });
        const group = this.mustGroup(groupId);
        this.store.insertCgSnapshot({ id, groupId, name, description, projectId: group.projectId, status: "creating" });
        inserted = this.store.insertSnapshots(
          members.map((v, i) => ({ id: snapshotIds[i]!, cgsnapshotId: id, volumeId: v.id, volumeSizeGb: v.sizeGb, status: "creating" })),
        );
      },
      // The request and the result are built from the snapshots as inserted, not read back.
      known: () => ({ snapshots: new Map(inserted.map((s) => [s.id, s])) }),
      subject: () => ({ groupId, cgsnapshotId: id, snapshotIds }),
      finish: (written) => this.cgSnapshotViewAfter(id, inserted, written),
    });
  }

  /** Deletes a cgsnapshot and its snapshots (RULES.md section 6). */
  async deleteCgSnapshot(cgsnapshotId: string, caller?: Caller): Promise<CgSnapshotView> {
    this.checkOpen();
    const found = liveCgSnapshot(this.store, cgsnapshotId);
    let snapshots: SnapshotRow[] = [];
    let snapshotIds: string[] = [];
    let known: KnownRows = {};
    return this.execute<"delete_cgsnapshot", CgSnapshotView>({
      kind: "delete_cgsnapshot",
      lockKeys: [found.groupId],
      groupId: found.groupId,
      caller,
      parents: { snapshot: cgsnapshotId },
      check: () => {
        const cgsnapshot = liveCgSnapshot(this.store, cgsnapshotId);
        checkDeleteCgSnapshot(this.store, cgsnapshot);
        snapshots = this.store.listSnapshots(cgsnapshotId);
        snapshotIds = snapshots.map((s) => s.id);
      },
      begin: () => {
        this.store.moveStatus({ kind: "cgsnapshot", ids: [cgsnapshotId], from: ["available", "error"], to: "deleting" });
        const at = this.store.moveStatus({ kind: "snapshot", ids: snapshotIds, from: ["available", "error", "error_deleting"], to: "deleting", parent: cgsnapshotId });
        for (const s of snapshots) {
          s.status = "deleting";
          s.updatedAt = at;
        }
        known = { snapshots: new Map(snapshots.map((s) => [s.id, s])) };
      },
      known: () => known,
      subject: () => ({ groupId: found.groupId, cgsnapshotId, snapshotIds }),
      finish: (written) => this.cgSnapshotViewAfter(cgsnapshotId, [...(known.snapshots?.values() ?? [])], written),
    });
  }

  /**
   * Settles the operations a host died in the middle of (RULES.md section 9): re-issues each open
   * journal entry's call with its operation id once the plugin is ready, and applies the rules.
   * openHost runs it at start-up; calls made meanwhile wait for the groups being recovered.
   */
  async recover(): Promise<RecoverySummary> {
    this.checkOpen();
    const run = recoverOpenOperations({
      store: this.store,
      log: this.log,
      now: () => this.clock().toISOString(),
      implemented: (kind) => this.plugin.capabilities.operations.includes(kind),
      pluginName: this.plugin.info.name,
      waitUntilReady: () => waitForReadiness(() => pluginReadiness(this.plugin), this.recoveryReadyTimeoutMs),
      call: (kind, request, requestId) => this.callPlugin(kind, request, requestId),
      stopping: () => this.abandoning,
      lock: (keys, fn) => this.locks.run(keys, fn),
      settled: (event) => this.emit("operation", event),
    });
    this.inFlight.add(run);
    try {
      this.lastRecovery = await run;
    } finally {
      this.inFlight.delete(run);
    }
    this.startPruning();
    return this.lastRecovery;
  }

  /** Prunes the journal now and then hourly (an unref'd timer: it never keeps the process alive). */
  private startPruning(): void {
    if (this.pruneTimer !== undefined || this.journalRetentionMs === Infinity) return;
    const prune = (): void => {
      try {
        this.pruneJournal();
      } catch (error) {
        // A busy database now is no reason to stop: the next hour tries again.
        this.log.warn({ err: error }, "could not prune the journal");
      }
    };
    prune();
    this.pruneTimer = setInterval(prune, JOURNAL_PRUNE_EVERY_MS).unref();
  }

  /**
   * Refuses new operations, waits for those in flight, then stops the plugin and closes the store.
   * With `abandonAfterMs`, it waits that long at most: operations still in flight are then left as
   * a killed host leaves them, their rows transitional and their journal entries open, and the
   * next start settles them by re-issuing each call with its operation id (RULES.md section 9).
   * Their callers get HOST_CLOSED. Without it, it waits for them however long they take.
   */
  async close(options: { abandonAfterMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pruneTimer);
    if (this.outcomeRetries.size > 0) {
      this.log.warn(
        { pending: this.outcomeRetries.size },
        "stopping with outcomes the database refused: their rows stay transitional, their journal entries open; the next start settles them (RULES.md section 9)",
      );
      for (const timer of this.outcomeRetries.values()) clearTimeout(timer);
      this.outcomeRetries.clear();
    }
    const settled = Promise.allSettled([...this.inFlight]);
    if (this.inFlight.size > 0 && !(await settledWithin(settled, options.abandonAfterMs ?? Infinity))) {
      this.abandoning = true;
      this.log.warn(
        { inFlight: this.inFlight.size, waitedMs: options.abandonAfterMs },
        "stopping with operations in flight: their outcomes are not written; the next start settles them (RULES.md section 9)",
      );
    }
    try {
      // Stopping the plugin ends the calls of abandoned operations, which then write nothing.
      await this.plugin.close();
      await settled;
    } finally {
      this.store.close();
    }
  }

  private async execute<K extends OperationKind, T>(plan: OperationPlan<K, T>): Promise<T> {
    this.checkOpen();
    parseCaller(plan.caller);
    this.checkCapability(plan.kind);
    this.checkPluginAvailable(plan.kind);
    const run = this.locks.run(plan.lockKeys, () => this.runLocked(plan));
    this.inFlight.add(run);
    try {
      return await run;
    } finally {
      this.inFlight.delete(run);
    }
  }

  /**
   * Runs fn in a write transaction. With other operations in flight it joins the store's next
   * group commit, so that their commits share one WAL append. Alone, it commits at once: a group
   * commit waits for the event loop's check phase, and a driver call sent from there goes out a
   * loop turn later (about 70 µs a call here, measured in bench/README.md).
   */
  private commit<T>(fn: () => T): Promise<T> {
    if (this.inFlight.size > 1) return this.store.commit(fn);
    try {
      return Promise.resolve(this.store.transaction(fn));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private async runLocked<K extends OperationKind, T>(plan: OperationPlan<K, T>): Promise<T> {
    // An operation that waited on a lock while close() gave up on the others never begins.
    if (this.abandoning) throw new HostError("HOST_CLOSED", `the host stopped before ${plan.kind} could begin; nothing was written`);
    // Again under the lock: the plugin may have gone away while this call waited for another.
    this.checkPluginAvailable(plan.kind);
    const operationId = newOperationId();
    const who: Required<Caller> = {
      requestId: plan.caller?.requestId ?? randomUUID(),
      projectId: plan.caller?.projectId ?? this.defaultProjectId,
      userId: plan.caller?.userId ?? "",
    };
    // Built on first use: a child logger costs an object and a string of its bindings, and most
    // operations log one line at info, or nothing.
    let child: Logger | undefined;
    const log = (): Logger => (child ??= this.log.child({ operation: plan.kind, operationId, requestId: who.requestId, groupId: plan.groupId }));
    let prepared: PreparedCall<K>;
    try {
      // One transaction checks, journals, writes the transitional statuses and builds the
      // request: no other host can change a row between the check and the write, the reads
      // take no locks of their own, and a refusal or a request that cannot be built keeps nothing.
      prepared = await this.commit(() => {
        plan.check();
        const subject = plan.subject();
        this.store.openJournal({
          operationId,
          kind: plan.kind,
          groupId: plan.groupId,
          rows: journalRows(plan.kind, subject),
          request: journalRequest(who, subject),
        });
        plan.begin();
        return prepareCall(this.store, plan.kind, subject, operationId, who, plan.known?.());
      });
    } catch (error) {
      throw HostError.from(error);
    }
    this.running.add(operationId);
    try {
      return await this.callAndRecord(plan, prepared, operationId, who, log);
    } finally {
      this.running.delete(operationId);
    }
  }

  /** The rest of an operation once its journal entry and transitional statuses are committed: the driver call and its outcome. */
  private async callAndRecord<K extends OperationKind, T>(
    plan: OperationPlan<K, T>,
    prepared: PreparedCall<K>,
    operationId: string,
    who: Required<Caller>,
    log: () => Logger,
  ): Promise<T> {
    const started = performance.now();
    const outcome = await this.callPlugin(plan.kind, prepared.request, who.requestId);
    if (this.abandoning) throw abandonedError(plan.kind, operationId);
    const result = prepared.decide(outcome, { operationId, now: this.clock().toISOString() });
    // Likewise the result a successful call returns is read in the transaction that wrote it;
    // a failure to read it must not undo the outcome, so it is caught there and thrown after.
    const apply = (): { value: T } | { error: unknown } | undefined => {
      const at = this.store.applyWrites(result.writes, plan.parents);
      this.store.closeJournal(operationId, result.ruleId);
      if (!result.ok) return undefined;
      try {
        return { value: plan.finish({ writes: result.writes, at }) };
      } catch (error) {
        return { error };
      }
    };
    const report = (): void => this.reportOutcome(plan.kind, plan.groupId, operationId, who.requestId, result, started, log);
    let view: { value: T } | { error: unknown } | undefined;
    try {
      view = await this.commitOutcome(apply, log);
    } catch (error) {
      if (isStoreRefusal(error)) {
        // The driver did it; only the record is missing. Keep trying in the background, so the
        // rows do not wait for a restart to leave their transitional statuses.
        if (!this.closed) this.settleLater(operationId, apply, report, log);
        const retried = this.closed ? "which the host's next start does" : "which it keeps trying, at least every 2 s (and its next start does)";
        throw new HostError(
          "OUTCOME_PENDING",
          `${plan.kind} ${operationId}: the driver answered (${result.ruleId}), but the host's database refused to record it: ${error.message} (${error.code}). ` +
            `Its rows keep their transitional statuses until the host records it, ${retried}`,
          { cause: error },
        );
      }
      // Another host moved a row under us: the journal stays open so recovery settles it.
      log().error({ err: error }, "could not apply the outcome");
      throw HostError.from(error);
    }
    report();
    if (!result.ok) {
      throw new HostError("OPERATION_FAILED", `${plan.kind} ${operationId} failed (${result.ruleId}): ${result.failure?.message ?? "driver failure"}`, {
        failure: failureOf(plan.kind, operationId, result),
      });
    }
    if (view === undefined || "error" in view) throw HostError.from(view?.error ?? new Error("the result of a successful operation was not read"));
    return view.value;
  }

  /**
   * Commits an operation's outcome. When the database refuses it (isStoreRefusal: a full disk, an
   * I/O error, a lock held past the busy timeout), tries again, backing off, for up to
   * outcomeWaitMs while the caller waits; then throws the refusal.
   */
  private async commitOutcome<R>(apply: () => R, log: () => Logger): Promise<R> {
    const giveUpAt = performance.now() + this.outcomeWaitMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.commit(apply);
      } catch (error) {
        const wait = outcomeRetryDelay(attempt);
        if (!isStoreRefusal(error) || this.closed || performance.now() + wait > giveUpAt) throw error;
        log().warn({ err: error, attempt, retryInMs: wait }, "the database refused the outcome; trying again");
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /**
   * Tries an outcome the database refused again, backing off from 50 ms to one attempt every 2 s,
   * until it commits (then `report` runs: the log line and the operation event) or the host
   * closes (the journal entry stays open: the next start settles it, RULES.md section 9).
   */
  private settleLater(operationId: string, apply: () => unknown, report: () => unknown, log: () => Logger, attempt = 1): void {
    const timer = setTimeout(() => {
      this.outcomeRetries.delete(operationId);
      if (this.closed) return;
      try {
        this.store.transaction(apply);
      } catch (error) {
        if (isStoreRefusal(error)) {
          this.settleLater(operationId, apply, report, log, attempt + 1);
          return;
        }
        log().error({ err: error }, "could not apply the outcome; the next start settles it");
        return;
      }
      log().info({ attempts: attempt }, "recorded the outcome the database had refused");
      try {
        report();
      } catch (error) {
        // A listener that throws must not take the process down from a timer.
        log().error({ err: error }, "an operation listener failed");
      }
    }, outcomeRetryDelay(attempt));
    this.outcomeRetries.set(operationId, timer);
  }

  /** Logs an operation's outcome and emits its event, once it is committed. */
  private reportOutcome(
    kind: OperationKind,
    groupId: string,
    operationId: string,
    requestId: string,
    result: RuleResult,
    started: number,
    log: () => Logger,
  ): void {
    const ms = Math.round(performance.now() - started);
    for (const warning of result.warnings) log().warn({ ruleId: result.ruleId }, warning);
    // The event's payload is built only for listeners (the metrics of `cghost serve`, embedders).
    if (this.listenerCount("operation") > 0) this.emit("operation", {
      kind,
      operationId,
      requestId,
      groupId,
      ok: result.ok,
      ruleId: result.ruleId,
      ...(result.ok ? {} : { cause: result.failure?.code ?? "DRIVER_FAILED" }),
      ms,
      written: result.writes.map(writtenStatus),
      warnings: result.warnings,
    });
    if (!result.ok) log().warn({ ruleId: result.ruleId, cause: result.failure?.code ?? "DRIVER_FAILED", ms }, "operation failed");
    else if (this.log.isLevelEnabled("info")) log().info({ ruleId: result.ruleId, ms }, "operation succeeded");
  }

  private async callPlugin<K extends OperationKind>(
    kind: K,
    request: RequestByKind[K],
    requestId: string,
  ): Promise<DriverOutcome<ResponseByKind[K]>> {
    const started = performance.now();
    try {
      const outcome = await this.plugin.call(kind, request, { deadlineMs: this.deadlines[kind], requestId });
      if (this.listenerCount("plugin-call") > 0) this.emit("plugin-call", {
        kind,
        method: RPC_BY_KIND[kind].method,
        grpcCode: outcome.kind === "returned" ? 0 : outcome.failure.grpcCode,
        ms: performance.now() - started,
      });
      return outcome;
    } catch (error) {
      // PluginClient promises never to reject; if it does, the rows must still leave their
      // transitional statuses, so this counts as raised.
      return { kind: "raised", failure: { code: "INTERNAL", message: error instanceof Error ? error.message : String(error) } };
    }
  }

  private checkCapability(kind: OperationKind): void {
    if (!this.plugin.capabilities.operations.includes(kind)) {
      throw new HostError(
        "UNSUPPORTED_OPERATION",
        `plugin '${this.plugin.info.name}' does not implement ${kind} (it declares: ${this.plugin.capabilities.operations.join(", ") || "nothing"})`,
      );
    }
  }

  /** RULES.md section 8, first row: a plugin known not ready refuses the call before any status write. */
  private checkPluginAvailable(kind: OperationKind): void {
    const availability = this.plugin.availability?.();
    if (!availability || availability.callable) return;
    throw new HostError(
      "PLUGIN_UNAVAILABLE",
      `plugin '${this.plugin.info.name}' is ${availability.state} (${availability.reason}); ${kind} was refused and nothing was written; ${availability.advice}`,
    );
  }

  private checkOpen(): void {
    if (this.closed) throw new HostError("HOST_CLOSED", "the host was closed; create a new one");
  }

  private mustGroup(id: string): GroupRow {
    const row = this.store.getGroup(id);
    if (!row) throw new HostError("INTERNAL", `group ${id} vanished from the store`);
    return row;
  }

  private mustVolume(id: string): VolumeRow {
    const row = this.store.getVolume(id);
    if (!row) throw new HostError("INTERNAL", `volume ${id} vanished from the store`);
    return row;
  }
}

/** What a failed operation's caller learns: the rule, the cause, and every status written. */
function failureOf(kind: OperationKind, operationId: string, result: RuleResult): OperationFailure {
  return {
    operation: kind,
    operationId,
    ruleId: result.ruleId,
    cause: result.failure?.code ?? "DRIVER_FAILED",
    ...(result.failure?.grpcCode === undefined ? {} : { grpcCode: result.failure.grpcCode }),
    written: result.writes.map(writtenStatus),
  };
}

function writtenStatus(write: RowWrite): { kind: string; id: string; status: string } {
  return { kind: write.kind, id: write.id, status: write.status };
}

/** A list of ids as a caller gave it: absent is empty; anything but an array of strings is refused, naming it. */
function idList(what: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((id) => typeof id !== "string")) {
    throw new HostError("INVALID_ARGUMENT", `${what} ${JSON.stringify(value)} must be an array of volume ids`);
  }
  return [...(value as string[])];
}

/** Resolves true once `settled` does, false when `ms` pass first (Infinity: waits for it). */
async function settledWithin(settled: Promise<unknown>, ms: number): Promise<boolean> {
  if (ms === Infinity) {
    await settled;
    return true;
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([settled.then(() => true as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the caller of an operation close() gave up on is told. */
function abandonedError(kind: OperationKind, operationId: string): HostError {
  return new HostError(
    "HOST_CLOSED",
    `the host stopped before ${kind} ${operationId} was settled: its statuses stay as they were during the call and its journal entry open; the next start re-issues the call with the same operation id and settles it (RULES.md section 9)`,
  );
}
