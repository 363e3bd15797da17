// The capabilities check: GetCapabilities is honest. Every undeclared operation (and every
// undeclared kind of source of a declared create-from-source) answers UNIMPLEMENTED; every
// declared one works when the kit drives a whole life cycle through the plugin: create group A,
// add two volumes, remove one, add it back, snapshot A, create a group from that cgsnapshot and
// one from A (each declared kind), delete the cgsnapshot, delete the three groups.
// "Works" means answered OK without an error status; whether the answer is well formed is the
// well-formed check's business, so each fault is reported by one check.
import { status as GrpcStatus } from "@grpc/grpc-js";
import { RPC_BY_KIND } from "../contract.js";
import { OPERATION_KINDS, type OperationKind } from "../model.js";
import { describeFailure } from "./answers.js";
import { blockedByHang, failed, passed, type CheckContext, type CheckVerdict, type ConformanceCheck } from "./check.js";
import type { KitCgSnapshot, KitGroup, KitSource } from "./kit-requests.js";
import type { KitSession, Sent } from "./kit-session.js";

const SOURCE_KINDS = ["cgsnapshot", "group"] as const;

export const capabilitiesCheck: ConformanceCheck = {
  name: "capabilities",
  title: "every declared operation works, and every undeclared one answers UNIMPLEMENTED",
  needsPlugin: true,
  async run(ctx: CheckContext): Promise<CheckVerdict> {
    const { session, client } = ctx;
    const declared = new Set<OperationKind>(client.capabilities.operations);
    const kinds = new Set(client.capabilities.createFromSourceKinds);
    const problems: string[] = [];
    const details: string[] = [];

    for (const kind of OPERATION_KINDS.filter((k) => !declared.has(k))) {
      await expectUnimplemented(session, `${RPC_BY_KIND[kind].method} (not declared)`, () => sendPhantom(session, kind, "cgsnapshot"), problems, details);
    }
    if (declared.has("create_group_from_source")) {
      for (const kind of SOURCE_KINDS.filter((k) => !kinds.has(k))) {
        await expectUnimplemented(
          session,
          `CreateConsistencyGroupFromSource from a ${kind} (kind not declared)`,
          () => sendPhantom(session, "create_group_from_source", kind),
          problems,
          details,
        );
      }
    }

    const blocked: string[] = [];
    const worked = new Set<OperationKind>();
    const untested = await lifeCycle(ctx, declared, kinds, { problems, details, blocked, worked });
    if (untested.length > 0) details.push(`declared but not exercised: ${untested.join("; ")}`);
    if (problems.length > 0) return failed(problems[0]!, [...problems.slice(1), ...details]);
    if (blocked.length > 0) return blockedByHang(blocked, details);
    const undeclared = `every undeclared one answered UNIMPLEMENTED (${OPERATION_KINDS.length - declared.size})`;
    if (untested.length === 0) return passed(`every declared operation worked (${declared.size}) and ${undeclared}`, details);
    // Nothing failed, but the summary must not claim what the kit never saw.
    return passed(
      `${worked.size} of ${declared.size} declared operations worked and ${undeclared}; not exercised: ${untested.join("; ")}`,
      details,
    );
  },
};

/** Drives the life cycle with the declared operations; returns what it could not exercise and why. */
async function lifeCycle(
  ctx: CheckContext,
  declared: ReadonlySet<OperationKind>,
  kinds: ReadonlySet<"cgsnapshot" | "group">,
  found: { problems: string[]; details: string[]; blocked: string[]; worked: Set<OperationKind> },
): Promise<string[]> {
  const { session } = ctx;
  const { problems, details, blocked, worked } = found;
  const untested: string[] = [];
  const works = async <K extends OperationKind>(label: string, sending: Promise<Sent<K>>): Promise<boolean> => {
    const sent = await sending;
    if (sent.problem === undefined) {
      details.push(`${label}: worked`);
      worked.add(sent.kind);
    }
    else if (sent.hung) blocked.push(label);
    else problems.push(`${label} is declared but did not work: ${sent.problem}`);
    return sent.problem === undefined;
  };
  const step = { step: "life cycle" };
  if (!declared.has("create_group")) {
    untested.push(...[...declared].map((k) => `${RPC_BY_KIND[k].method} (needs CreateConsistencyGroup)`));
    return untested;
  }
  const a = session.newGroup("capabilities-a");
  if (!(await works("CreateConsistencyGroup (group A)", session.createGroup(a, step)))) return untested;

  if (declared.has("update_group")) {
    const volumes = session.newVolumes("capabilities-a", 2);
    const v1 = volumes[0]!;
    const v2 = volumes[1]!;
    if (await works("UpdateConsistencyGroup adding 2 volumes to A", session.updateGroup(a, [v1, v2], [], step))) {
      if (await works("UpdateConsistencyGroup removing 1 volume from A", session.updateGroup(a, [], [v2], step))) {
        await works("UpdateConsistencyGroup adding it back to A", session.updateGroup(a, [v2], [], step));
      }
    }
  }
  const hasVolumes = a.volumeIds.length > 0;
  const needsVolumes = "(needs a group with volumes, added by UpdateConsistencyGroup)";

  let cgsnapshot: KitCgSnapshot | undefined;
  if (declared.has("create_cgsnapshot")) {
    if (!hasVolumes) untested.push(`CreateCgSnapshot ${needsVolumes}`);
    else {
      const s = session.newCgSnapshot("capabilities-s", a);
      if (await works("CreateCgSnapshot of A (cgsnapshot S)", session.createCgSnapshot(s, a, step))) cgsnapshot = s;
    }
  }

  const made: KitGroup[] = [];
  if (declared.has("create_group_from_source")) {
    for (const kind of SOURCE_KINDS.filter((k) => kinds.has(k))) {
      let source: KitSource | undefined;
      if (kind === "cgsnapshot") {
        if (cgsnapshot === undefined) untested.push("CreateConsistencyGroupFromSource from a cgsnapshot (needs a cgsnapshot from CreateCgSnapshot)");
        else source = { kind, cgsnapshot };
      } else if (!hasVolumes) untested.push(`CreateConsistencyGroupFromSource from a group ${needsVolumes}`);
      else source = { kind, group: a, volumes: session.membersOf(a) };
      if (source === undefined) continue;
      const target = session.newGroup(`capabilities-from-${kind}`);
      made.push(target);
      await works(`CreateConsistencyGroupFromSource from a ${kind === "cgsnapshot" ? "cgsnapshot (S)" : "group (A)"}`, session.createGroupFromSource(target, source, step));
    }
  }

  if (cgsnapshot !== undefined) {
    if (declared.has("delete_cgsnapshot")) await works("DeleteCgSnapshot S", session.deleteCgSnapshot(cgsnapshot, step));
  } else if (declared.has("delete_cgsnapshot")) untested.push("DeleteCgSnapshot (needs a cgsnapshot from CreateCgSnapshot)");

  if (declared.has("delete_group")) {
    for (const group of [...made.reverse(), a]) {
      if (session.cgsnapshotsLeft.some((c) => c.groupId === group.id)) continue; // the host refuses while a cgsnapshot remains
      if (!session.groupsLeft.includes(group)) continue;
      await works(`DeleteConsistencyGroup ${group.name.replace(/^conformance-/, "")}`, session.deleteGroup(group, step));
    }
  }
  return untested;
}

/** Sends `kind` about objects the plugin never saw (the kit made them up; nothing to clean if refused). */
async function sendPhantom(session: KitSession, kind: OperationKind, sourceKind: "cgsnapshot" | "group"): Promise<Sent<OperationKind>> {
  const step = { step: "undeclared operation" };
  const phantom = session.phantomGroup("capabilities-undeclared", 1);
  switch (kind) {
    case "create_group":
      return session.createGroup(session.newGroup("capabilities-undeclared"), step);
    case "update_group":
      return session.updateGroup(phantom, session.newVolumes("capabilities-undeclared", 1), [], step);
    case "create_cgsnapshot":
      return session.createCgSnapshot(session.newCgSnapshot("capabilities-undeclared", phantom), phantom, step);
    case "create_group_from_source": {
      const source: KitSource =
        sourceKind === "cgsnapshot"
          ? { kind: "cgsnapshot", cgsnapshot: session.newCgSnapshot("capabilities-undeclared", phantom) }
          : { kind: "group", group: phantom, volumes: session.membersOf(phantom) };
      return session.createGroupFromSource(session.newGroup("capabilities-undeclared"), source, step);
    }
    case "delete_cgsnapshot":
      return session.deleteCgSnapshot(session.newCgSnapshot("capabilities-undeclared", phantom), step);
    case "delete_group":
      return session.deleteGroup(phantom, step);
  }
}

async function expectUnimplemented(
  session: KitSession,
  label: string,
  send: () => Promise<Sent<OperationKind>>,
  problems: string[],
  details: string[],
): Promise<void> {
  const sent = await send();
  const { outcome } = sent;
  if (outcome.kind === "raised" && outcome.failure.grpcCode === GrpcStatus.UNIMPLEMENTED) {
    details.push(`${label}: answered UNIMPLEMENTED`);
    forgetTargets(session, sent);
    return;
  }
  if (outcome.kind === "returned") {
    problems.push(`${label} answered OK: declare it in GetCapabilities, or answer UNIMPLEMENTED (the host refuses undeclared calls before sending them)`);
  } else {
    problems.push(`${label} answered ${describeFailure(outcome.failure)} instead of UNIMPLEMENTED`);
  }
}

/** After UNIMPLEMENTED nothing was created; any other answer may have created something, which cleanup deletes. */
function forgetTargets(session: KitSession, sent: Sent<OperationKind>): void {
  const request = sent.request as { group?: { id: string }; cgsnapshot?: { id: string } };
  if (sent.kind === "create_group" || sent.kind === "create_group_from_source") session.forget(request.group?.id ?? "");
  if (sent.kind === "create_cgsnapshot") session.forget(request.cgsnapshot?.id ?? "");
}
