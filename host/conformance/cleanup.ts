// The cleanup check: at the end, everything the kit created and did not delete yet is deleted
// through the plugin (cgsnapshots first, then groups with their volumes), and every request of the
// run named only ids the kit itself created (the session refuses to send anything else), so a
// conformance run against a shared backend touches nothing of anyone else's. Limits: the kit sees
// the backend only through answers, so "nothing is left" means "every delete answered OK"; a
// volume the kit added to a group that then failed to join (the host keeps it out of the group)
// has no delete operation in the contract and stays, and is listed.
import { failed, passed, type CheckContext, type CheckVerdict, type ConformanceCheck } from "./check.js";

export const cleanupCheck: ConformanceCheck = {
  name: "cleanup",
  title: "everything the kit created is deleted through the plugin, and the kit touched nothing else",
  // It runs even when the plugin is gone, to list what is left behind.
  needsPlugin: false,
  async run(ctx: CheckContext): Promise<CheckVerdict> {
    const { session, client } = ctx;
    const problems: string[] = [];
    const details: string[] = [];
    const declared = new Set(client.capabilities.operations);
    const step = { step: "cleanup" };
    const probe = session.notReady === undefined ? await client.probe({ deadlineMs: ctx.settings.callDeadlineMs }) : { ready: false, message: session.notReady };
    const left = (): string[] => [
      ...session.cgsnapshotsLeft.map((c) => `cgsnapshot ${c.id} (${c.name})`),
      ...session.groupsLeft.map((g) => `group ${g.id} (${g.name}) with ${g.volumeIds.length} volume(s)`),
    ];
    if (!probe.ready) {
      const remaining = left();
      if (remaining.length === 0) return passed("nothing was left to delete (the plugin no longer answers)", idLine(ctx));
      return failed(`the plugin no longer answers (Probe: ${probe.message}), so ${remaining.length} object(s) the kit created may remain on the backend`, [
        ...remaining.map((r) => `left: ${r}`),
        ...idLine(ctx),
      ]);
    }

    let deleted = 0;
    for (const cgsnapshot of session.cgsnapshotsLeft) {
      if (!declared.has("delete_cgsnapshot")) break;
      const sent = await session.deleteCgSnapshot(cgsnapshot, step);
      if (sent.problem === undefined) deleted += 1;
      else problems.push(`DeleteCgSnapshot ${cgsnapshot.id} (${cgsnapshot.name}) did not work: ${sent.problem}`);
    }
    for (const group of session.groupsLeft) {
      if (!declared.has("delete_group")) break;
      if (session.cgsnapshotsLeft.some((c) => c.groupId === group.id)) continue; // the host refuses it too
      const sent = await session.deleteGroup(group, step);
      if (sent.problem === undefined) deleted += 1;
      else problems.push(`DeleteConsistencyGroup ${group.id} (${group.name}) did not work: ${sent.problem}`);
    }
    const remaining = left();
    if (problems.length > 0) {
      return failed(problems[0]!, [...problems.slice(1), ...remaining.map((r) => `left: ${r}`), ...idLine(ctx)]);
    }
    details.push(`deleted ${deleted} object(s) earlier checks left behind`);
    if (remaining.length > 0) {
      // Not the plugin's fault: it does not declare the delete that would remove them.
      details.push(...remaining.map((r) => `left (its delete operation is not declared): ${r}`));
    }
    return passed(
      remaining.length === 0
        ? `every object the kit created was deleted (${deleted} by this check), and it sent no id it did not create`
        : `${remaining.length} object(s) remain because the plugin declares no operation to delete them`,
      [...details, ...idLine(ctx)],
    );
  },
};

function idLine(ctx: CheckContext): string[] {
  return [`${ctx.session.calls.length} driver calls named only the ${ctx.session.createdIdCount} ids the kit created (project cghost-conformance)`];
}
