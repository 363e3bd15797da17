// The idempotency check: every declared operation, sent twice with the same operation id (the
// second a byte-for-byte copy of the first, as the host's retry is), must answer the same both
// times. The kit sees the backend only through answers, so "no second backend object" is proved
// only as far as answers show it: a plugin that made a second object names another
// provider_id or provider_location the second time, and that is caught. A plugin that makes a
// second object yet answers exactly as the first time is not; nor is one whose answers embed
// nothing object-specific. Those limits are inherent to a black-box kit.
import { RPC_BY_KIND } from "../contract.js";
import type { OperationKind } from "../model.js";
import { answerDifferences } from "./answers.js";
import { blockedByHang, failed, passed, skipped, type CheckContext, type CheckVerdict, type ConformanceCheck } from "./check.js";
import type { KitCgSnapshot, KitGroup, KitSource } from "./kit-requests.js";
import type { Sent } from "./kit-session.js";

/** Why a step failed, that it was stopped by an operation that hangs, or undefined when it passed. */
type Problem = string | { hung: string } | undefined;

export const idempotencyCheck: ConformanceCheck = {
  name: "idempotency",
  title: "the same operation id twice does nothing twice and answers as the first call did",
  needsPlugin: true,
  async run(ctx: CheckContext): Promise<CheckVerdict> {
    const { session, client } = ctx;
    const declared = new Set<OperationKind>(client.capabilities.operations);
    if (!declared.has("create_group")) return skipped("CreateConsistencyGroup is not declared, so the kit cannot make anything to repeat operations on");
    const details: string[] = [];
    const step = { step: "idempotency" };

    /** Sends, repeats with the same operation id, compares; a failure message or undefined. */
    const twice = async <K extends OperationKind>(label: string, sending: Promise<Sent<K>>): Promise<Problem> => {
      const first = await sending;
      if (first.hung) return { hung: label };
      if (first.problem !== undefined) return `${label} could not be repeated: the first call did not work (${first.problem})`;
      const second = await session.resend(first, step);
      if (second.hung) return { hung: `${label} repeated` };
      if (second.outcome.kind === "raised" || second.problem !== undefined) {
        return `${label} repeated with the same operation id ${first.operationId} did not work the second time (${second.problem ?? "raised"}): a repeat must answer as the first call did`;
      }
      const firstAnswer = first.outcome.kind === "returned" ? first.outcome.response : undefined;
      const differences = answerDifferences(firstAnswer, second.outcome.response);
      if (differences.length > 0) {
        const object = differences.some((d) => /provider(Id|Location)/.test(d)) ? "; a different provider_id or provider_location means it made a second backend object" : "";
        return `${label} repeated with the same operation id ${first.operationId} answered differently (${differences.join("; ")})${object}`;
      }
      details.push(`${label}: same answer twice`);
      return undefined;
    };

    const problem = await sequence(ctx, declared, twice);
    if (typeof problem === "object") return blockedByHang([problem.hung], details);
    if (problem !== undefined) return failed(problem, details);
    return passed(`each of ${details.length} operations answered the same when repeated with its operation id`, details);
  },
};

async function sequence(
  ctx: CheckContext,
  declared: ReadonlySet<OperationKind>,
  twice: <K extends OperationKind>(label: string, sending: Promise<Sent<K>>) => Promise<Problem>,
): Promise<Problem> {
  const { session, client } = ctx;
  const step = { step: "idempotency" };
  const a: KitGroup = session.newGroup("idempotency-a");
  const name = (kind: OperationKind): string => RPC_BY_KIND[kind].method;
  let problem = await twice(`${name("create_group")} (group A)`, session.createGroup(a, step));
  if (problem !== undefined) return problem;
  if (declared.has("update_group")) {
    problem = await twice(`${name("update_group")} adding 2 volumes`, session.updateGroup(a, session.newVolumes("idempotency-a", 2), [], step));
    if (problem !== undefined) return problem;
  }
  let cgsnapshot: KitCgSnapshot | undefined;
  if (declared.has("create_cgsnapshot") && a.volumeIds.length > 0) {
    cgsnapshot = session.newCgSnapshot("idempotency-s", a);
    problem = await twice(name("create_cgsnapshot"), session.createCgSnapshot(cgsnapshot, a, step));
    if (problem !== undefined) return problem;
  }
  let b: KitGroup | undefined;
  const kind = client.capabilities.createFromSourceKinds.find((k) => (k === "cgsnapshot" ? cgsnapshot !== undefined : a.volumeIds.length > 0));
  if (declared.has("create_group_from_source") && kind !== undefined) {
    const source: KitSource = kind === "cgsnapshot" ? { kind, cgsnapshot: cgsnapshot! } : { kind, group: a, volumes: session.membersOf(a) };
    b = session.newGroup("idempotency-b");
    problem = await twice(`${name("create_group_from_source")} from a ${kind}`, session.createGroupFromSource(b, source, step));
    if (problem !== undefined) return problem;
  }
  if (cgsnapshot !== undefined && declared.has("delete_cgsnapshot")) {
    problem = await twice(name("delete_cgsnapshot"), session.deleteCgSnapshot(cgsnapshot, step));
    if (problem !== undefined) return problem;
  }
  if (declared.has("delete_group")) {
    for (const group of b === undefined ? [a] : [b, a]) {
      if (session.cgsnapshotsLeft.some((c) => c.groupId === group.id)) continue;
      problem = await twice(`${name("delete_group")} (${group.name.replace(/^conformance-/, "")})`, session.deleteGroup(group, step));
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}
