// `cghost group create|create-from-source|update|delete|list|show`: consistency groups, the
// driver operations of RULES.md sections 1 to 4.
import { CliUsageError } from "./command.js";
import { clientCommand } from "./client-command.js";
import { commandGroup } from "./command-group.js";
import { answered } from "./front-client.js";
import { groupJson } from "./json-view.js";
import { listAll } from "./list-pages.js";
import { withSpinner } from "./spinner.js";
import { groupsTable, groupText } from "./text-view.js";

const EXAMPLE_ID = "6f1c0a52-0000-4000-8000-000000000000";

const create = clientCommand({
  path: "group create",
  summary: "create an empty consistency group",
  description:
    "Creates an empty group that accepts volumes of the given types: the driver's\n" +
    "CreateConsistencyGroup. On success the group is 'available'; if the driver fails, it ends\n" +
    "'error' and the command exits 4.",
  options: {
    name: { type: "string", synopsis: "--name NAME", help: "(required) the group's name" },
    "volume-type": { type: "string", multiple: true, synopsis: "--volume-type TYPE", help: "(required) a volume type the group accepts; repeat or comma-separate for several" },
    description: { type: "string", synopsis: "--description TEXT", help: "a free-form description" },
  },
  examples: ["cghost group create --name db-1 --volume-type gold", "cghost group create --name db-1 --volume-type gold,silver --json"],
  interruptHint: "cghost group list",
  async run(ctx) {
    const volumeTypes = ctx.list("volume-type");
    if (volumeTypes.length === 0) throw new CliUsageError("--volume-type TYPE is required (at least one)", "group create");
    const name = ctx.required("name");
    const { group } = await withSpinner(
      `creating group ${name}`,
      ctx.client.invoke(ctx.client.client.createConsistencyGroup, { caller: undefined, name, description: ctx.option("description") ?? "", volumeTypes }, ctx.long),
    );
    const g = answered(group);
    return {
      json: groupJson(g, []),
      text: `Created group ${g.id} (${g.status}).\n\n${groupText(g, [])}\nNext: add volumes with 'cghost group update ${g.id} --add VOLUME_ID'\n`,
    };
  },
});

const createFromSource = clientCommand({
  path: "group create-from-source",
  summary: "create a group whose volumes copy a cgsnapshot or another group",
  description:
    "Creates a group with one new volume per snapshot of a cgsnapshot (--cgsnapshot) or per\n" +
    "volume of a group (--group): the driver's CreateConsistencyGroupFromSource. The source must\n" +
    "be 'available', with all its snapshots or volumes 'available'.",
  options: {
    name: { type: "string", synopsis: "--name NAME", help: "(required) the new group's name" },
    cgsnapshot: { type: "string", synopsis: "--cgsnapshot CGSNAPSHOT", help: "copy this cgsnapshot (exactly one of --cgsnapshot and --group)" },
    group: { type: "string", synopsis: "--group GROUP", help: "copy this group's volumes" },
    "volume-type": { type: "string", multiple: true, synopsis: "--volume-type TYPE", help: "volume types the new group accepts, including every source volume's type (default: the source group's)" },
    description: { type: "string", synopsis: "--description TEXT", help: "a free-form description" },
  },
  examples: [`cghost group create-from-source --name db-1-clone --cgsnapshot ${EXAMPLE_ID}`, `cghost group create-from-source --name db-1-copy --group ${EXAMPLE_ID} --json`],
  interruptHint: "cghost group list",
  async run(ctx) {
    const cgsnapshot = ctx.option("cgsnapshot");
    const group = ctx.option("group");
    if ((cgsnapshot === undefined) === (group === undefined)) {
      throw new CliUsageError("give exactly one source: --cgsnapshot CGSNAPSHOT or --group GROUP", "group create-from-source");
    }
    const name = ctx.required("name");
    const response = await withSpinner(
      `creating group ${name} from ${cgsnapshot ? `cgsnapshot ${cgsnapshot}` : `group ${group}`}`,
      ctx.client.invoke(
        ctx.client.client.createConsistencyGroupFromSource,
        {
          caller: undefined,
          name,
          description: ctx.option("description") ?? "",
          volumeTypes: ctx.list("volume-type"),
          source: cgsnapshot !== undefined ? { $case: "sourceCgsnapshotId", value: cgsnapshot } : { $case: "sourceGroupId", value: group! },
        },
        ctx.long,
      ),
    );
    const g = answered(response.group);
    return { json: groupJson(g, response.volumes), text: `Created group ${g.id} (${g.status}).\n\n${groupText(g, response.volumes)}` };
  },
});

const update = clientCommand({
  path: "group update",
  summary: "add volumes to and remove volumes from a group",
  positionals: ["GROUP"],
  description:
    "Changes a group's membership: the driver's UpdateConsistencyGroup. The group must be\n" +
    "'available'; added volumes must be 'available' or 'in-use', in no other group, of a type the\n" +
    "group accepts; removed volumes must be in this group.",
  options: {
    add: { type: "string", multiple: true, synopsis: "--add ID,ID", help: "volumes to add (repeat or comma-separate)" },
    remove: { type: "string", multiple: true, synopsis: "--remove ID,ID", help: "volumes to remove (repeat or comma-separate)" },
  },
  examples: [`cghost group update ${EXAMPLE_ID} --add VOLUME_ID,VOLUME_ID`, `cghost group update ${EXAMPLE_ID} --remove VOLUME_ID --json`],
  interruptHint: "cghost group show GROUP",
  async run(ctx) {
    const addVolumeIds = ctx.list("add");
    const removeVolumeIds = ctx.list("remove");
    if (addVolumeIds.length === 0 && removeVolumeIds.length === 0) {
      throw new CliUsageError("nothing to change: give --add ID and/or --remove ID", "group update");
    }
    const groupId = ctx.positional("GROUP");
    const response = await withSpinner(
      `updating group ${groupId}`,
      ctx.client.invoke(ctx.client.client.updateConsistencyGroup, { caller: undefined, groupId, addVolumeIds, removeVolumeIds }, ctx.long),
    );
    const g = answered(response.group);
    return { json: groupJson(g, response.volumes), text: `Updated group ${g.id} (${g.status}).\n\n${groupText(g, response.volumes)}` };
  },
});

const remove = clientCommand({
  path: "group delete",
  summary: "delete a group (and, with --delete-volumes, its volumes)",
  positionals: ["GROUP"],
  description:
    "Deletes a group: the driver's DeleteConsistencyGroup. The group must be 'available' or\n" +
    "'error', have no cgsnapshot left, and no attached volume. A group that holds volumes is\n" +
    "deleted only with --delete-volumes, which deletes them too.",
  options: {
    "delete-volumes": { type: "boolean", synopsis: "--delete-volumes", help: "also delete the group's volumes (required when it has any)" },
  },
  examples: [`cghost group delete ${EXAMPLE_ID} --delete-volumes`],
  interruptHint: "cghost group show GROUP",
  async run(ctx) {
    const groupId = ctx.positional("GROUP");
    const response = await withSpinner(
      `deleting group ${groupId}`,
      ctx.client.invoke(ctx.client.client.deleteConsistencyGroup, { caller: undefined, groupId, deleteVolumes: ctx.flag("delete-volumes") }, ctx.long),
    );
    const g = answered(response.group);
    const volumes = response.volumes.length === 1 ? "1 volume" : `${response.volumes.length} volumes`;
    return { json: groupJson(g, response.volumes), text: `Deleted group ${g.id} (${g.status}) and ${volumes}.\n` };
  },
});

const list = clientCommand({
  path: "group list",
  summary: "list consistency groups",
  description: "Lists the groups, oldest first.",
  options: { deleted: { type: "boolean", synopsis: "--deleted", help: "include deleted groups" } },
  examples: ["cghost group list", "cghost group list --json"],
  async run(ctx) {
    const groups = await listAll((pageToken) =>
      ctx.client
        .invoke(ctx.client.client.listConsistencyGroups, { includeDeleted: ctx.flag("deleted"), pageSize: 0, pageToken }, ctx.quick)
        .then((r) => ({ items: r.groups, nextPageToken: r.nextPageToken })),
    );
    return { json: { groups: groups.map((g) => groupJson(g)) }, text: groupsTable(groups) };
  },
});

const show = clientCommand({
  path: "group show",
  summary: "show one group, its volumes, statuses and last errors",
  positionals: ["GROUP"],
  description: "Shows one group with its volumes, deleted ones included.",
  examples: [`cghost group show ${EXAMPLE_ID}`, `cghost group show ${EXAMPLE_ID} --json`],
  async run(ctx) {
    const response = await ctx.client.invoke(ctx.client.client.getConsistencyGroup, { groupId: ctx.positional("GROUP") }, ctx.quick);
    const g = answered(response.group);
    return { json: groupJson(g, response.volumes), text: groupText(g, response.volumes) };
  },
});

/** The `cghost group` command. */
export const groupCommand = commandGroup({
  name: "group",
  summary: "create, change, copy, delete and show consistency groups",
  example: "cghost group create --name db-1 --volume-type gold",
  subcommands: [create, createFromSource, update, remove, list, show],
});
