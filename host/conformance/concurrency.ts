// The concurrency check: the host serialises calls per group but sends calls about different
// groups at once. The kit works on several groups in parallel, one phase at a time (create, add
// two volumes, snapshot, delete the cgsnapshots, delete the groups), and every call must work
// and the plugin must still answer afterwards. What it cannot prove: the absence of races that
// these few calls happen not to hit.
import type { OperationKind } from "../model.js";
import { blockedByHang, failed, passed, skipped, type CheckContext, type CheckVerdict, type ConformanceCheck } from "./check.js";
import type { KitCgSnapshot, KitGroup } from "./kit-requests.js";
import type { Sent } from "./kit-session.js";

export const concurrencyCheck: ConformanceCheck = {
  name: "concurrency",
  title: "calls on different groups at the same time all work, and the plugin survives them",
  needsPlugin: true,
  async run(ctx: CheckContext): Promise<CheckVerdict> {
    const { session, client } = ctx;
    const declared = new Set<OperationKind>(client.capabilities.operations);
    if (!declared.has("create_group")) return skipped("CreateConsistencyGroup is not declared, so there are no groups to work on");
    const n = ctx.settings.concurrentGroups;
    const step = { step: "concurrent calls" };
    const groups: KitGroup[] = Array.from({ length: n }, (_, i) => session.newGroup(`concurrent-${i + 1}`));
    const details: string[] = [];
    const blocked: string[] = [];

    /** Runs one call per group at once; the problems of those that did not work (a hang stops the phases too). */
    const phase = async <K extends OperationKind>(label: string, calls: Array<Promise<Sent<K>>>): Promise<string[]> => {
      const sent = await Promise.all(calls);
      const problems = sent.flatMap((s, i) => (s.problem === undefined || s.hung ? [] : [`${label} #${i + 1} of ${sent.length} at once: ${s.problem}`]));
      if (sent.some((s) => s.hung)) {
        blocked.push(label);
        return problems.length > 0 ? problems : ["(stopped by a hang)"];
      }
      if (problems.length === 0) details.push(`${sent.length} × ${label} at once: all worked`);
      return problems;
    };

    let problems = await phase("CreateConsistencyGroup", groups.map((g) => session.createGroup(g, step)));
    if (problems.length === 0 && declared.has("update_group")) {
      problems = await phase("UpdateConsistencyGroup adding 2 volumes", groups.map((g) => session.updateGroup(g, session.newVolumes(g.name, 2), [], step)));
    }
    let cgsnapshots: KitCgSnapshot[] = [];
    if (problems.length === 0 && declared.has("create_cgsnapshot") && groups.every((g) => g.volumeIds.length > 0)) {
      cgsnapshots = groups.map((g) => session.newCgSnapshot(`${g.name}-s`, g));
      problems = await phase("CreateCgSnapshot", cgsnapshots.map((c, i) => session.createCgSnapshot(c, groups[i]!, step)));
    }
    if (problems.length === 0 && cgsnapshots.length > 0 && declared.has("delete_cgsnapshot")) {
      problems = await phase("DeleteCgSnapshot", cgsnapshots.map((c) => session.deleteCgSnapshot(c, step)));
    }
    if (problems.length === 0 && declared.has("delete_group") && session.cgsnapshotsLeft.every((c) => !groups.some((g) => g.id === c.groupId))) {
      problems = await phase("DeleteConsistencyGroup", groups.map((g) => session.deleteGroup(g, step)));
    }

    const probe = await client.probe({ deadlineMs: ctx.settings.callDeadlineMs });
    if (!probe.ready) problems.push(`after the concurrent calls the plugin no longer answers ready (Probe: ${probe.message}); did it crash?`);
    problems = problems.filter((p) => p !== "(stopped by a hang)");
    if (problems.length > 0) return failed(problems[0]!, [...problems.slice(1), ...details]);
    if (blocked.length > 0) return blockedByHang(blocked, details);
    return passed(`${n} groups worked on at once, each phase in parallel, with every call working`, details);
  },
};
