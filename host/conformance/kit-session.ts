// The kit's side of one conformance run: it mints every id it sends, sends each driver call with
// a deadline, records every call and answer (for the well-formed and deadlines checks), applies
// answers the way the host would (provider fields; membership only when the host would accept
// the answer), and keeps the inventory of what may exist on the backend, for the cleanup check.
import { Metadata, status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import type { RequestByKind, ResponseByKind } from "../contract.js";
import type { OperationKind } from "../model.js";
import type { PluginClient } from "../plugin/index.js";
import { openPluginChannel, type PluginChannel } from "../plugin/plugin-channel.js";
import type { DriverFailure } from "../rules/outcome.js";
import { idsNamedBy, malformedAnswer, notWorking, type AnyOutcome } from "./answers.js";
import {
  createCgSnapshotRequest,
  createGroupFromSourceRequest,
  createGroupRequest,
  deleteCgSnapshotRequest,
  deleteGroupRequest,
  newId,
  newKitCgSnapshot,
  newKitGroup,
  newKitVolume,
  updateGroupRequest,
  type KitCgSnapshot,
  type KitGroup,
  type KitSource,
  type KitVolume,
  type Provided,
} from "./kit-requests.js";

/** One driver call of the run, as sent and as answered. */
export interface CallRecord {
  /** The check that sent it. */
  check: string;
  /** What the check was doing, e.g. `create group A`. */
  step: string;
  kind: OperationKind;
  operationId: string;
  request: RequestByKind[OperationKind];
  outcome: AnyOutcome;
  deadlineMs: number;
  /** True for the calls the deadlines check sends with a too-short deadline, or cancels, on purpose. */
  deliberate: boolean;
  elapsedMs: number;
}

/** A sent call: the request (to re-send as is), its operation id and its outcome. */
export interface Sent<K extends OperationKind> {
  kind: K;
  request: RequestByKind[K];
  operationId: string;
  outcome: AnyOutcome;
  /**
   * Why it did not work (raised, or answered with an error status), or undefined when it worked.
   * A malformed answer still "works" here: the well-formed check reports it, so that one fault is
   * reported by one check rather than by every check that happened to send that call.
   */
  problem: string | undefined;
  /** Why the host would refuse the answer (RULES.md section 7), or undefined. */
  malformed: string | undefined;
  /**
   * True when the call ran out of its ordinary deadline, or was not sent because an earlier call
   * of the same operation did: the deadlines check reports hangs, other checks only stop at them.
   */
  hung: boolean;
}

/** Per-call options of the session's operations. */
export interface SendOptions {
  /** What the check is doing, for the report. */
  step: string;
  /** Reuse this operation id (a repeat); a fresh one by default. */
  operationId?: string;
  /** Default: the kit's call deadline. */
  deadlineMs?: number;
  deliberate?: boolean;
}

/** A kit bug: a request named an id the kit did not create. Never a plugin failure. */
export class KitIdError extends Error {
  override readonly name = "KitIdError";
}

/** The state of one conformance run against one plugin. */
export class KitSession {
  /** Every call sent, in order. */
  readonly calls: CallRecord[] = [];
  /** The check now running; stamped on every call. */
  currentCheck = "";
  /** Set by the runner once Probe says the plugin is not ready (or gone): why. */
  notReady: string | undefined;
  private readonly created = new Set<string>();
  private readonly volumes = new Map<string, KitVolume>();
  private readonly liveGroups = new Map<string, KitGroup>();
  private readonly liveCgSnapshots = new Map<string, KitCgSnapshot>();
  private rawChannel: PluginChannel | undefined;
  /** Operations that ran out of an ordinary deadline, with the check that saw it first. */
  private readonly hungKinds = new Map<OperationKind, string>();

  constructor(
    private readonly client: PluginClient,
    private readonly callDeadlineMs: number,
  ) {}

  /** A new group object (not sent). */
  newGroup(label: string): KitGroup {
    return this.mint(newKitGroup(label));
  }

  /** `count` new volume objects in no group (not sent). */
  newVolumes(label: string, count: number): KitVolume[] {
    return Array.from({ length: count }, (_, i) => {
      const volume = this.mint(newKitVolume(`${label}-${i + 1}`));
      this.volumes.set(volume.id, volume);
      return volume;
    });
  }

  /**
   * A group object with `volumeCount` member volumes that was never sent: for requests about
   * things the plugin never saw (an undeclared operation, deleting what is already gone).
   */
  phantomGroup(label: string, volumeCount: number): KitGroup {
    const group = this.newGroup(label);
    for (const volume of this.newVolumes(label, volumeCount)) {
      volume.groupId = group.id;
      group.volumeIds.push(volume.id);
    }
    return group;
  }

  /** A new cgsnapshot object of `group`'s current members (not sent). */
  newCgSnapshot(label: string, group: KitGroup): KitCgSnapshot {
    const cgsnapshot = this.mint(newKitCgSnapshot(label, group, this.volumes));
    for (const snapshot of cgsnapshot.snapshots) this.created.add(snapshot.id);
    return cgsnapshot;
  }

  /** The volume objects of a group's members. */
  membersOf(group: KitGroup): KitVolume[] {
    return group.volumeIds.map((id) => this.volumes.get(id)!);
  }

  /** Groups that may exist on the backend: created (or attempted) and not deleted. */
  get groupsLeft(): KitGroup[] {
    return [...this.liveGroups.values()];
  }

  /** Cgsnapshots that may exist on the backend. */
  get cgsnapshotsLeft(): KitCgSnapshot[] {
    return [...this.liveCgSnapshots.values()];
  }

  /** Drops objects from the inventory: the plugin refused to create them (UNIMPLEMENTED), so nothing exists. */
  forget(...ids: string[]): void {
    for (const id of ids) {
      this.liveGroups.delete(id);
      this.liveCgSnapshots.delete(id);
    }
  }

  /** How many ids the kit minted. */
  get createdIdCount(): number {
    return this.created.size;
  }

  /** Counts a group as possibly existing (a create the kit sends by other means), so cleanup deletes it. */
  trackGroup(group: KitGroup): void {
    this.liveGroups.set(group.id, group);
  }

  createGroup(group: KitGroup, options: SendOptions): Promise<Sent<"create_group">> {
    this.liveGroups.set(group.id, group);
    return this.send("create_group", createGroupRequest(options.operationId ?? newId(), group), options);
  }

  async updateGroup(group: KitGroup, add: KitVolume[], remove: KitVolume[], options: SendOptions): Promise<Sent<"update_group">> {
    const sent = await this.send("update_group", updateGroupRequest(options.operationId ?? newId(), group, add, remove), options);
    if (sent.problem === undefined) this.applyMembership(group, add, remove);
    return sent;
  }

  createCgSnapshot(cgsnapshot: KitCgSnapshot, group: KitGroup, options: SendOptions): Promise<Sent<"create_cgsnapshot">> {
    this.liveCgSnapshots.set(cgsnapshot.id, cgsnapshot);
    return this.send("create_cgsnapshot", createCgSnapshotRequest(options.operationId ?? newId(), cgsnapshot, group), options);
  }

  /** Create-from-source of a new group with one new target volume per source item. */
  createGroupFromSource(group: KitGroup, source: KitSource, options: SendOptions): Promise<Sent<"create_group_from_source">> {
    const count = source.kind === "cgsnapshot" ? source.cgsnapshot.snapshots.length : source.volumes.length;
    const targets = this.newVolumes(group.name.replace(/^conformance-/, ""), count);
    // The host creates the target rows as members of the new group before the call.
    for (const target of targets) target.groupId = group.id;
    group.volumeIds.push(...targets.map((t) => t.id));
    this.liveGroups.set(group.id, group);
    return this.send("create_group_from_source", createGroupFromSourceRequest(options.operationId ?? newId(), group, targets, source), options);
  }

  async deleteCgSnapshot(cgsnapshot: KitCgSnapshot, options: SendOptions): Promise<Sent<"delete_cgsnapshot">> {
    const sent = await this.send("delete_cgsnapshot", deleteCgSnapshotRequest(options.operationId ?? newId(), cgsnapshot), options);
    if (sent.problem === undefined) this.liveCgSnapshots.delete(cgsnapshot.id);
    return sent;
  }

  async deleteGroup(group: KitGroup, options: SendOptions): Promise<Sent<"delete_group">> {
    const sent = await this.send("delete_group", deleteGroupRequest(options.operationId ?? newId(), group, this.membersOf(group)), options);
    if (sent.problem === undefined) this.liveGroups.delete(group.id);
    return sent;
  }

  /** Sends `sent.request` again, byte for byte (same operation id), as the host's retry would. */
  async resend<K extends OperationKind>(sent: Sent<K>, options: Omit<SendOptions, "operationId">): Promise<Sent<K>> {
    return this.send(sent.kind, sent.request, options);
  }

  /**
   * Sends a call on a channel of the kit's own and cancels it as soon as it is on its way (the
   * client's RST_STREAM reaches the plugin as a cancellation); resolves with what the client saw.
   */
  sendAndCancel<K extends OperationKind>(kind: K, request: RequestByKind[K], step: string): Promise<Sent<K>> {
    const channel = this.channel();
    const started = performance.now();
    const operationId = (request as { operationId: string }).operationId;
    this.checkIds(kind, request);
    return new Promise((resolve) => {
      const method = METHOD_NAMES[kind];
      const invoke = (channel.driver as unknown as Record<string, (...args: unknown[]) => { cancel(): void }>)[method]!.bind(channel.driver);
      const call = invoke(request, new Metadata(), { deadline: Date.now() + this.callDeadlineMs }, (error: ServiceError | null, response: ResponseByKind[K]) => {
        const outcome: AnyOutcome =
          error === null ? { kind: "returned", response } : { kind: "raised", failure: failureOf(error) };
        resolve(this.record(kind, request, outcome, { step, deliberate: true, deadlineMs: this.callDeadlineMs }, started, operationId));
      });
      // One turn of the event loop lets grpc-js write the request before the cancellation.
      setTimeout(() => call.cancel(), 5);
    });
  }

  /** The kit's own channel to the plugin (for cancellation, health and raw PluginService calls). */
  channel(): PluginChannel {
    this.rawChannel ??= openPluginChannel(this.client.address, { maxMessageBytes: 64 * 1024 * 1024 });
    return this.rawChannel;
  }

  /** Closes the kit's own channel. */
  close(): void {
    this.rawChannel?.close();
    this.rawChannel = undefined;
  }

  private mint<T extends { id: string }>(object: T): T {
    this.created.add(object.id);
    return object;
  }

  private checkIds(kind: OperationKind, request: RequestByKind[OperationKind]): void {
    const foreign = idsNamedBy(kind, request).filter((id) => !this.created.has(id));
    if (foreign.length > 0) throw new KitIdError(`the kit was about to send ${kind} naming ids it did not create: ${foreign.join(", ")}`);
  }

  private async send<K extends OperationKind>(kind: K, request: RequestByKind[K], options: SendOptions): Promise<Sent<K>> {
    this.checkIds(kind, request);
    const operationId = (request as { operationId: string }).operationId;
    const hungIn = this.hungKinds.get(kind);
    if (hungIn !== undefined && options.deliberate !== true) {
      // Waiting out another deadline would prove nothing new and cost the whole deadline again.
      const failure = { code: "NOT_SENT", message: `not sent: this operation already ran out of its deadline in the ${hungIn} check` };
      return { kind, request, operationId, outcome: { kind: "raised", failure }, problem: failure.message, malformed: undefined, hung: true };
    }
    const deadlineMs = options.deadlineMs ?? this.callDeadlineMs;
    const started = performance.now();
    const requestId = (request as { context?: { requestId: string } }).context?.requestId;
    const outcome = await this.client.call(kind, request, { deadlineMs, ...(requestId === undefined ? {} : { requestId }) });
    return this.record(kind, request, outcome as AnyOutcome, { ...options, deadlineMs }, started, operationId);
  }

  private record<K extends OperationKind>(
    kind: K,
    request: RequestByKind[K],
    outcome: AnyOutcome,
    options: SendOptions & { deadlineMs: number },
    started: number,
    operationId: string,
  ): Sent<K> {
    this.calls.push({
      check: this.currentCheck,
      step: options.step,
      kind,
      operationId,
      request,
      outcome,
      deadlineMs: options.deadlineMs,
      deliberate: options.deliberate === true,
      elapsedMs: Math.round(performance.now() - started),
    });
    const problem = notWorking(kind, outcome);
    const hung = options.deliberate !== true && outcome.kind === "raised" && outcome.failure.code === "DEADLINE_EXCEEDED";
    if (hung && !this.hungKinds.has(kind)) this.hungKinds.set(kind, this.currentCheck);
    let malformed: string | undefined;
    if (outcome.kind === "returned") {
      malformed = malformedAnswer(kind, request, outcome.response as ResponseByKind[K])?.message;
      // The host applies nothing of a malformed answer; neither does the kit.
      if (malformed === undefined) this.applyProviderFields(kind, request, outcome.response as ResponseByKind[K]);
    }
    return { kind, request, operationId, outcome, problem, malformed, hung };
  }

  private applyMembership(group: KitGroup, add: readonly KitVolume[], remove: readonly KitVolume[]): void {
    const removed = new Set(remove.map((v) => v.id));
    group.volumeIds = group.volumeIds.filter((id) => !removed.has(id));
    for (const v of remove) v.groupId = "";
    for (const v of add) {
      v.groupId = group.id;
      if (!group.volumeIds.includes(v.id)) group.volumeIds.push(v.id);
    }
  }

  /** Keeps provider_location, provider_id and metadata from a well-formed answer, as the host stores them. */
  private applyProviderFields<K extends OperationKind>(kind: K, request: RequestByKind[K], response: ResponseByKind[K]): void {
    const r = response as Partial<ResponseByKind["update_group"] & ResponseByKind["delete_group"] & ResponseByKind["create_cgsnapshot"]> & {
      modelUpdate?: ProviderUpdate;
    };
    const modelId =
      kind === "create_cgsnapshot" || kind === "delete_cgsnapshot"
        ? (request as RequestByKind["create_cgsnapshot"]).cgsnapshot?.id
        : (request as RequestByKind["create_group"]).group?.id;
    const model = modelId === undefined ? undefined : (this.liveGroups.get(modelId) ?? this.liveCgSnapshots.get(modelId));
    if (model && r.modelUpdate) applyUpdate(model, r.modelUpdate);
    for (const list of [r.volumesModelUpdate, r.addVolumesUpdate, r.removeVolumesUpdate]) {
      for (const entry of list?.updates ?? []) {
        const volume = this.volumes.get(entry.id);
        if (volume) applyUpdate(volume, entry);
      }
    }
    const cgsnapshot = modelId === undefined ? undefined : this.liveCgSnapshots.get(modelId);
    for (const entry of r.snapshotsModelUpdate?.updates ?? []) {
      const snapshot = cgsnapshot?.snapshots.find((s) => s.id === entry.id);
      if (snapshot) applyUpdate(snapshot, entry);
    }
  }
}

interface ProviderUpdate {
  providerLocation?: string | undefined;
  providerId?: string | undefined;
  metadata: Record<string, string>;
}

function applyUpdate(target: Provided, update: ProviderUpdate): void {
  if (update.providerLocation !== undefined) target.providerLocation = update.providerLocation;
  if (update.providerId !== undefined) target.providerId = update.providerId;
  target.metadata = { ...target.metadata, ...update.metadata };
}

/** The generated client's method of each operation. */
const METHOD_NAMES: Readonly<Record<OperationKind, string>> = {
  create_group: "createConsistencyGroup",
  create_group_from_source: "createConsistencyGroupFromSource",
  delete_group: "deleteConsistencyGroup",
  update_group: "updateConsistencyGroup",
  create_cgsnapshot: "createCgSnapshot",
  delete_cgsnapshot: "deleteCgSnapshot",
};

function failureOf(error: ServiceError): DriverFailure {
  const name = GrpcStatus[error.code] ?? String(error.code);
  return { code: name, grpcCode: error.code, message: error.details };
}
