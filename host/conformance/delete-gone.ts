// The delete-gone check: deleting what is already gone succeeds (driver.proto). The host sends
// such deletes after its own restart and when an operator retries a delete, with a new operation
// id, so the plugin's operation ledger cannot help: the delete itself must treat "not there" as
// done. Cases: a group (with a volume) and a cgsnapshot (with a snapshot) the plugin never saw,
// and a group and a cgsnapshot deleted once, then deleted again with a new operation id. Each
// must answer OK with no error status.
import type { OperationKind } from "../model.js";
import { blockedByHang, failed, passed, skipped, type CheckContext, type CheckVerdict, type ConformanceCheck } from "./check.js";
import type { Sent } from "./kit-session.js";

export const deleteGoneCheck: ConformanceCheck = {
  name: "delete-gone",
  title: "deleting a group or cgsnapshot that is already gone succeeds",
  needsPlugin: true,
  async run(ctx: CheckContext): Promise<CheckVerdict> {
    const { session, client } = ctx;
    const declared = new Set<OperationKind>(client.capabilities.operations);
    if (!declared.has("delete_group") && !declared.has("delete_cgsnapshot")) {
      return skipped("neither DeleteConsistencyGroup nor DeleteCgSnapshot is declared");
    }
    const problems: string[] = [];
    const details: string[] = [];
    const blocked: string[] = [];
    const step = { step: "delete what is gone" };
    const succeeds = async <K extends OperationKind>(label: string, sending: Promise<Sent<K>>): Promise<boolean> => {
      const sent = await sending;
      if (sent.problem === undefined) details.push(`${label}: succeeded`);
      else if (sent.hung) blocked.push(label);
      else problems.push(`${label} did not succeed: ${sent.problem}; deleting what is already gone must answer OK with no error status`);
      return sent.problem === undefined;
    };

    if (declared.has("delete_group")) {
      await succeeds("DeleteConsistencyGroup of a group the plugin never saw", session.deleteGroup(session.phantomGroup("gone-never-created", 1), step));
      if (declared.has("create_group")) {
        const group = session.newGroup("gone-group");
        const created = await session.createGroup(group, step);
        if (created.problem === undefined && declared.has("update_group")) await session.updateGroup(group, session.newVolumes("gone-group", 1), [], step);
        if (created.hung) blocked.push("CreateConsistencyGroup");
        else if (created.problem !== undefined) problems.push(`CreateConsistencyGroup failed, so a deleted group could not be deleted again: ${created.problem}`);
        else if (await succeeds("DeleteConsistencyGroup (first time)", session.deleteGroup(group, step))) {
          await succeeds("DeleteConsistencyGroup of the deleted group again, new operation id", session.deleteGroup(group, step));
        }
      }
    }
    if (declared.has("delete_cgsnapshot")) {
      const phantom = session.phantomGroup("gone-never-created", 1);
      await succeeds("DeleteCgSnapshot of a cgsnapshot the plugin never saw", session.deleteCgSnapshot(session.newCgSnapshot("gone-never-created", phantom), step));
      if (["create_group", "update_group", "create_cgsnapshot"].every((k) => declared.has(k as OperationKind))) {
        const group = session.newGroup("gone-cgsnapshot");
        const made: Array<Sent<OperationKind>> = [await session.createGroup(group, step)];
        if (made.at(-1)!.problem === undefined) made.push(await session.updateGroup(group, session.newVolumes("gone-cgsnapshot", 1), [], step));
        const cgsnapshot = made.at(-1)!.problem === undefined ? session.newCgSnapshot("gone-cgsnapshot", group) : undefined;
        if (cgsnapshot !== undefined) made.push(await session.createCgSnapshot(cgsnapshot, group, step));
        const failure = made.find((sent) => sent.problem !== undefined);
        if (failure?.hung) blocked.push(`the ${failure.kind} call making the cgsnapshot to delete twice`);
        else if (failure !== undefined || cgsnapshot === undefined) {
          problems.push(`the group and cgsnapshot to delete twice could not be made: ${failure?.problem ?? "?"} (see the capabilities check)`);
        } else if (await succeeds("DeleteCgSnapshot (first time)", session.deleteCgSnapshot(cgsnapshot, step))) {
          await succeeds("DeleteCgSnapshot of the deleted cgsnapshot again, new operation id", session.deleteCgSnapshot(cgsnapshot, step));
        }
        // The group is left to the cleanup check.
      }
    }
    if (problems.length > 0) return failed(problems[0]!, [...problems.slice(1), ...details]);
    if (blocked.length > 0) return blockedByHang(blocked, details);
    return passed(`every delete succeeded, of things never created and of things already deleted (${details.length} calls)`, details);
  },
};
