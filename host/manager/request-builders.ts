// How each operation's driver request is built from its rows, in one place: the normal flow builds
// it right after the transitional writes, and restart recovery (recovery.ts) rebuilds the very same
// request from the journal after a crash. Both read the rows back from the store by the ids the
// journal keeps, in the order it keeps them, so the two requests cannot drift apart.
import type { RequestByKind, ResponseByKind } from "../contract.js";
import type { CgSnapshotRow, GroupRow, JournalEntry, OperationKind, SnapshotRow, VolumeRow } from "../model.js";
import {
  decideCreateCgSnapshot,
  decideCreateGroup,
  decideCreateGroupFromSource,
  decideDeleteCgSnapshot,
  decideDeleteGroup,
  decideUpdateGroup,
} from "../rules/index.js";
import type { DriverOutcome, RuleContext, RuleResult } from "../rules/outcome.js";
import type { Store } from "../store/store.js";
import { HostError } from "./errors.js";
import { volumeLockKey } from "./keyed-lock.js";
import { callerMessage, cgsnapshotMessage, groupMessage, snapshotMessage, volumeMessage } from "./to-contract.js";

/** The caller of an operation with every field filled in, as sent in the request's context. */
export interface CallerIdentity {
  requestId: string;
  projectId: string;
  userId: string;
}

/** What names the rows of each operation, in request order: enough to rebuild its request. */
export interface SubjectByKind {
  create_group: { groupId: string };
  /** Exactly one source; target i is the copy of the source item its `source_id` names. */
  create_group_from_source: {
    groupId: string;
    sourceCgsnapshotId?: string;
    sourceGroupId?: string;
    targetVolumeIds: string[];
  };
  delete_group: { groupId: string; volumeIds: string[]; deleteVolumes: boolean };
  update_group: { groupId: string; addIds: string[]; removeIds: string[] };
  create_cgsnapshot: { groupId: string; cgsnapshotId: string; snapshotIds: string[] };
  delete_cgsnapshot: { groupId: string; cgsnapshotId: string; snapshotIds: string[] };
}

/**
 * What the journal's `request` column holds. Flat on purpose: checks.ts reads a create-from-source
 * entry's `sourceGroupId` / `sourceCgsnapshotId` to refuse deleting a source in use.
 */
export type JournalRequest<K extends OperationKind> = { format: typeof JOURNAL_FORMAT; caller: CallerIdentity } & SubjectByKind[K];

/** The version of the journal request layout; entries of another layout cannot be re-issued. */
export const JOURNAL_FORMAT = 1;

/** A request ready to send, and the rule table to apply to its outcome. */
export interface PreparedCall<K extends OperationKind> {
  request: RequestByKind[K];
  decide(outcome: DriverOutcome<ResponseByKind[K]>, ctx: RuleContext): RuleResult;
}

/** The journal's `request` value for an operation. */
export function journalRequest<K extends OperationKind>(caller: CallerIdentity, subject: SubjectByKind[K]): JournalRequest<K> {
  return { format: JOURNAL_FORMAT, caller: { ...caller }, ...subject };
}

/** Every row id the operation names, by kind (the journal's `rows`). */
export function journalRows<K extends OperationKind>(kind: K, subject: SubjectByKind[K]): JournalEntry["rows"] {
  const s = subject as Partial<SubjectByKind[OperationKind]> & Record<string, unknown>;
  const list = (value: unknown): string[] => (Array.isArray(value) ? (value as string[]) : []);
  const one = (value: unknown): string[] => (typeof value === "string" ? [value] : []);
  switch (kind) {
    case "create_group_from_source":
      return { groups: one(s.groupId), volumes: list(s.targetVolumeIds), cgsnapshots: [], snapshots: [] };
    case "delete_group":
      return { groups: one(s.groupId), volumes: list(s.volumeIds), cgsnapshots: [], snapshots: [] };
    case "update_group":
      return { groups: one(s.groupId), volumes: [...list(s.addIds), ...list(s.removeIds)], cgsnapshots: [], snapshots: [] };
    case "create_cgsnapshot":
    case "delete_cgsnapshot":
      return { groups: one(s.groupId), volumes: [], cgsnapshots: one(s.cgsnapshotId), snapshots: list(s.snapshotIds) };
    default:
      return { groups: one(s.groupId), volumes: [], cgsnapshots: [], snapshots: [] };
  }
}

/**
 * Reads a journal entry's request back; throws a HostError naming what is missing when the entry
 * was written by another layout (or damaged), so recovery can say why it could not re-issue it.
 */
export function readJournalRequest<K extends OperationKind>(entry: JournalEntry & { kind: K }): { caller: CallerIdentity; subject: SubjectByKind[K] } {
  const raw = entry.request as Record<string, unknown> | null;
  const fail = (what: string): never => {
    throw new HostError("INTERNAL", `journal entry ${entry.operationId} (${entry.kind}) cannot be re-issued: ${what}`);
  };
  if (typeof raw !== "object" || raw === null) return fail("its request is not an object");
  if (raw.format !== JOURNAL_FORMAT) return fail(`its request has format ${JSON.stringify(raw.format)}, this host writes ${JOURNAL_FORMAT}`);
  const { format: _format, caller, ...subject } = raw;
  const c = caller as Partial<CallerIdentity> | undefined;
  if (typeof c?.requestId !== "string" || typeof c.projectId !== "string" || typeof c.userId !== "string") return fail("its caller is incomplete");
  const isText = (v: unknown): boolean => typeof v === "string";
  const isList = (v: unknown): boolean => Array.isArray(v) && v.every(isText);
  const fields: Record<OperationKind, Record<string, (v: unknown) => boolean>> = {
    create_group: { groupId: isText },
    create_group_from_source: { groupId: isText, targetVolumeIds: isList },
    delete_group: { groupId: isText, volumeIds: isList, deleteVolumes: (v) => typeof v === "boolean" },
    update_group: { groupId: isText, addIds: isList, removeIds: isList },
    create_cgsnapshot: { groupId: isText, cgsnapshotId: isText, snapshotIds: isList },
    delete_cgsnapshot: { groupId: isText, cgsnapshotId: isText, snapshotIds: isList },
  };
  const expected = fields[entry.kind];
  if (expected === undefined) return fail(`kind ${JSON.stringify(entry.kind)} is unknown`);
  for (const [name, valid] of Object.entries(expected)) if (!valid(subject[name])) return fail(`its field ${name} is missing or malformed`);
  if (entry.kind === "create_group_from_source" && isText(subject.sourceCgsnapshotId) === isText(subject.sourceGroupId)) {
    return fail("it names no source or two sources");
  }
  return { caller: { requestId: c.requestId, projectId: c.projectId, userId: c.userId }, subject: subject as SubjectByKind[K] };
}

/** The keys an operation holds on this host (see KeyedLock): its group, a source group, moved volumes. */
export function operationLockKeys<K extends OperationKind>(store: Store, kind: K, subject: SubjectByKind[K]): string[] {
  const s = subject as SubjectByKind[OperationKind] & Partial<Record<string, unknown>>;
  if (kind === "update_group") {
    const u = subject as SubjectByKind["update_group"];
    return [u.groupId, ...u.addIds.map(volumeLockKey), ...u.removeIds.map(volumeLockKey)];
  }
  if (kind === "create_group_from_source") {
    const c = subject as SubjectByKind["create_group_from_source"];
    const sourceGroupId = c.sourceGroupId ?? (c.sourceCgsnapshotId === undefined ? undefined : store.getCgSnapshot(c.sourceCgsnapshotId)?.groupId);
    return sourceGroupId === undefined ? [c.groupId] : [c.groupId, sourceGroupId];
  }
  return [s.groupId];
}

/**
 * Rows an operation already holds exactly as its begin() left them (read by its check, moved by
 * compare-and-set): the request is built from these instead of reading 100,000 rows again.
 */
export interface KnownRows {
  /** The group row, inserted or moved by begin(): one primary-key read less per operation. */
  groups?: ReadonlyMap<string, GroupRow>;
  volumes?: ReadonlyMap<string, VolumeRow>;
  snapshots?: ReadonlyMap<string, SnapshotRow>;
}

/** Reads the operation's rows (now transitional) and builds its request and the rule to apply. */
export function prepareCall<K extends OperationKind>(
  store: Store,
  kind: K,
  subject: SubjectByKind[K],
  operationId: string,
  caller: CallerIdentity,
  known: KnownRows = {},
): PreparedCall<K> {
  const build = BUILDERS[kind] as unknown as Builder<K>;
  return build(new Rows(store, known), subject, { operationId, context: callerMessage(caller) });
}

type Builder<K extends OperationKind> = (
  rows: Rows,
  subject: SubjectByKind[K],
  common: { operationId: string; context: ReturnType<typeof callerMessage> },
) => PreparedCall<K>;

const BUILDERS: { [K in OperationKind]: Builder<K> } = {
  create_group: (rows, s, common) => {
    const group = rows.group(s.groupId);
    return {
      request: { ...common, group: groupMessage(group) },
      decide: (outcome, ctx) => decideCreateGroup({ group }, outcome, ctx),
    };
  },

  create_group_from_source: (rows, s, common) => {
    const group = rows.group(s.groupId);
    const volumes = rows.volumes(s.targetVolumeIds);
    const sourceIdOf = (volume: VolumeRow): string => {
      if (volume.sourceId === null) throw new HostError("INTERNAL", `target volume ${volume.id} of group ${group.id} names no source item`);
      return volume.sourceId;
    };
    const source: RequestByKind["create_group_from_source"]["source"] =
      s.sourceCgsnapshotId !== undefined
        ? {
            $case: "cgsnapshotSource",
            value: {
              cgsnapshot: cgsnapshotMessage(rows.cgsnapshot(s.sourceCgsnapshotId)),
              snapshots: rows.snapshots(volumes.map(sourceIdOf)).map(snapshotMessage),
            },
          }
        : {
            $case: "groupSource",
            value: {
              group: groupMessage(rows.group(s.sourceGroupId ?? "")),
              volumes: rows.volumes(volumes.map(sourceIdOf)).map(volumeMessage),
            },
          };
    return {
      request: { ...common, group: groupMessage(group), volumes: volumes.map(volumeMessage), source },
      decide: (outcome, ctx) => decideCreateGroupFromSource({ group, volumes }, outcome, ctx),
    };
  },

  delete_group: (rows, s, common) => {
    const group = rows.group(s.groupId);
    const volumes = rows.volumes(s.volumeIds);
    return {
      request: { ...common, group: groupMessage(group), volumes: volumes.map(volumeMessage) },
      decide: (outcome, ctx) => decideDeleteGroup({ group, volumes }, outcome, ctx),
    };
  },

  update_group: (rows, s, common) => {
    const group = rows.group(s.groupId);
    const addVolumes = rows.volumes(s.addIds);
    const removeVolumes = rows.volumes(s.removeIds);
    return {
      request: {
        ...common,
        group: groupMessage(group),
        addVolumes: addVolumes.map(volumeMessage),
        removeVolumes: removeVolumes.map(volumeMessage),
      },
      decide: (outcome, ctx) => decideUpdateGroup({ group, addVolumes, removeVolumes }, outcome, ctx),
    };
  },

  create_cgsnapshot: (rows, s, common) => {
    const cgsnapshot = rows.cgsnapshot(s.cgsnapshotId);
    const snapshots = rows.snapshots(s.snapshotIds);
    return {
      request: {
        ...common,
        cgsnapshot: cgsnapshotMessage(cgsnapshot),
        snapshots: snapshots.map(snapshotMessage),
        group: groupMessage(rows.group(s.groupId)),
      },
      decide: (outcome, ctx) => decideCreateCgSnapshot({ cgsnapshot, snapshots }, outcome, ctx),
    };
  },

  delete_cgsnapshot: (rows, s, common) => {
    const cgsnapshot = rows.cgsnapshot(s.cgsnapshotId);
    const snapshots = rows.snapshots(s.snapshotIds);
    return {
      request: { ...common, cgsnapshot: cgsnapshotMessage(cgsnapshot), snapshots: snapshots.map(snapshotMessage) },
      decide: (outcome, ctx) => decideDeleteCgSnapshot({ cgsnapshot, snapshots }, outcome, ctx),
    };
  },
};

/** Row reads that refuse a missing id: the journal names only rows its first transaction wrote. */
class Rows {
  constructor(
    private readonly store: Store,
    private readonly known: KnownRows,
  ) {}

  group(id: string): GroupRow {
    return this.must("group", id, this.known.groups?.get(id) ?? this.store.getGroup(id));
  }

  volume(id: string): VolumeRow {
    return this.must("volume", id, this.store.getVolume(id));
  }

  cgsnapshot(id: string): CgSnapshotRow {
    return this.must("cgsnapshot", id, this.store.getCgSnapshot(id));
  }

  snapshot(id: string): SnapshotRow {
    return this.must("snapshot", id, this.store.getSnapshot(id));
  }

  volumes(ids: readonly string[]): VolumeRow[] {
    const known = this.known.volumes;
    const rows = known !== undefined && ids.every((id) => known.has(id)) ? ids.map((id) => known.get(id)) : this.store.getVolumes(ids);
    return ids.map((id, i) => this.must("volume", id, rows[i]));
  }

  snapshots(ids: readonly string[]): SnapshotRow[] {
    const known = this.known.snapshots;
    const rows = known !== undefined && ids.every((id) => known.has(id)) ? ids.map((id) => known.get(id)) : this.store.getSnapshots(ids);
    return ids.map((id, i) => this.must("snapshot", id, rows[i]));
  }

  private must<R>(kind: string, id: string, row: R | undefined): R {
    if (row === undefined) throw new HostError("INTERNAL", `${kind} ${id} vanished from the store`);
    return row;
  }
}
