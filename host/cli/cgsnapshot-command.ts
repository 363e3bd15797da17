// `cghost cgsnapshot create|delete|list|show`: point-in-time snapshots of a whole group, the
// driver operations of RULES.md sections 5 and 6.
import { clientCommand } from "./client-command.js";
import { commandGroup } from "./command-group.js";
import { answered } from "./front-client.js";
import { cgsnapshotJson } from "./json-view.js";
import { listAll } from "./list-pages.js";
import { withSpinner } from "./spinner.js";
import { cgsnapshotsTable, cgsnapshotText } from "./text-view.js";

const EXAMPLE_ID = "6f1c0a52-0000-4000-8000-000000000000";

const create = clientCommand({
  path: "cgsnapshot create",
  summary: "snapshot every volume of a group at one point in time",
  positionals: ["GROUP"],
  description:
    "Snapshots every volume of a group together: the driver's CreateCgSnapshot. The group must\n" +
    "be 'available' and hold at least one volume. On success the cgsnapshot and its snapshots are\n" +
    "'available'; if the driver fails, they end 'error' and the command exits 4.",
  options: {
    name: { type: "string", synopsis: "--name NAME", help: "a free-form name" },
    description: { type: "string", synopsis: "--description TEXT", help: "a free-form description" },
  },
  examples: [`cghost cgsnapshot create ${EXAMPLE_ID} --name nightly`],
  interruptHint: "cghost cgsnapshot list",
  async run(ctx) {
    const groupId = ctx.positional("GROUP");
    const response = await withSpinner(
      `snapshotting group ${groupId}`,
      ctx.client.invoke(
        ctx.client.client.createCgSnapshot,
        { caller: undefined, groupId, name: ctx.option("name") ?? "", description: ctx.option("description") ?? "" },
        ctx.long,
      ),
    );
    const c = answered(response.cgsnapshot);
    return {
      json: cgsnapshotJson(c, response.snapshots),
      text:
        `Created cgsnapshot ${c.id} (${c.status}).\n\n${cgsnapshotText(c, response.snapshots)}\n` +
        `Next: copy it with 'cghost group create-from-source --name NAME --cgsnapshot ${c.id}'\n`,
    };
  },
});

const remove = clientCommand({
  path: "cgsnapshot delete",
  summary: "delete a cgsnapshot and its snapshots",
  positionals: ["CGSNAPSHOT"],
  description: "Deletes a cgsnapshot and its snapshots: the driver's DeleteCgSnapshot. It must be 'available' or 'error'.",
  examples: [`cghost cgsnapshot delete ${EXAMPLE_ID}`],
  interruptHint: "cghost cgsnapshot show CGSNAPSHOT",
  async run(ctx) {
    const cgsnapshotId = ctx.positional("CGSNAPSHOT");
    const response = await withSpinner(
      `deleting cgsnapshot ${cgsnapshotId}`,
      ctx.client.invoke(ctx.client.client.deleteCgSnapshot, { caller: undefined, cgsnapshotId }, ctx.long),
    );
    const c = answered(response.cgsnapshot);
    return { json: cgsnapshotJson(c, response.snapshots), text: `Deleted cgsnapshot ${c.id} (${c.status}).\n` };
  },
});

const list = clientCommand({
  path: "cgsnapshot list",
  summary: "list cgsnapshots, optionally of one group",
  description: "Lists the cgsnapshots, oldest first.",
  options: {
    group: { type: "string", synopsis: "--group GROUP", help: "only the cgsnapshots of this group" },
    deleted: { type: "boolean", synopsis: "--deleted", help: "include deleted cgsnapshots" },
  },
  examples: ["cghost cgsnapshot list", `cghost cgsnapshot list --group ${EXAMPLE_ID} --json`],
  async run(ctx) {
    const cgsnapshots = await listAll((pageToken) =>
      ctx.client
        .invoke(ctx.client.client.listCgSnapshots, { groupId: ctx.option("group") ?? "", includeDeleted: ctx.flag("deleted"), pageSize: 0, pageToken }, ctx.quick)
        .then((r) => ({ items: r.cgsnapshots, nextPageToken: r.nextPageToken })),
    );
    return { json: { cgsnapshots: cgsnapshots.map((c) => cgsnapshotJson(c)) }, text: cgsnapshotsTable(cgsnapshots) };
  },
});

const show = clientCommand({
  path: "cgsnapshot show",
  summary: "show one cgsnapshot and its snapshots",
  positionals: ["CGSNAPSHOT"],
  description: "Shows one cgsnapshot with its snapshots, deleted ones included.",
  examples: [`cghost cgsnapshot show ${EXAMPLE_ID} --json`],
  async run(ctx) {
    const response = await ctx.client.invoke(ctx.client.client.getCgSnapshot, { cgsnapshotId: ctx.positional("CGSNAPSHOT") }, ctx.quick);
    const c = answered(response.cgsnapshot);
    return { json: cgsnapshotJson(c, response.snapshots), text: cgsnapshotText(c, response.snapshots) };
  },
});

/** The `cghost cgsnapshot` command. */
export const cgsnapshotCommand = commandGroup({
  name: "cgsnapshot",
  summary: "create, delete and show snapshots of whole groups",
  example: "cghost cgsnapshot create GROUP --name nightly",
  subcommands: [create, remove, list, show],
});
