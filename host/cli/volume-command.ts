// `cghost volume create|list|show|attach|detach|unregister`: the volumes a volume service registers with the
// host before it puts them in groups.
import { CliUsageError } from "./command.js";
import { clientCommand } from "./client-command.js";
import { answered } from "./front-client.js";
import { commandGroup } from "./command-group.js";
import { listAll } from "./list-pages.js";
import { volumeJson } from "./json-view.js";
import { volumeText, volumesTable } from "./text-view.js";

const create = clientCommand({
  path: "volume create",
  summary: "register a volume (available, in no group) so it can join a group",
  description:
    "Registers a volume the volume service created: the host records it 'available' (or 'in-use'\n" +
    "with --attached) and in no group. The driver is not called; it sees the volume when the\n" +
    "volume joins a group.",
  options: {
    "size-gb": { type: "string", synopsis: "--size-gb N", help: "(required) size in GB, a whole number from 1 to 1048576" },
    "volume-type": { type: "string", synopsis: "--volume-type TYPE", help: "(required) the volume type; a group accepts only its own types" },
    name: { type: "string", synopsis: "--name NAME", help: "a free-form name" },
    attached: { type: "boolean", synopsis: "--attached", help: "register it attached ('in-use')" },
  },
  examples: ["cghost volume create --size-gb 10 --volume-type gold --name db-data"],
  interruptHint: "cghost volume list",
  async run(ctx) {
    const sizeText = ctx.required("size-gb");
    const sizeGb = Number(sizeText);
    if (!/^\d+$/.test(sizeText) || !Number.isSafeInteger(sizeGb) || sizeGb < 1 || sizeGb > 1_048_576) {
      throw new CliUsageError(`--size-gb ${JSON.stringify(sizeText)} must be a whole number of GB from 1 to 1048576`, "volume create");
    }
    const { volume } = await ctx.client.invoke(ctx.client.client.registerVolume, {
      caller: undefined,
      name: ctx.option("name") ?? "",
      sizeGb,
      volumeType: ctx.required("volume-type"),
      attached: ctx.flag("attached"),
    }, ctx.quick);
    const v = answered(volume);
    return { json: volumeJson(v), text: `Registered volume ${v.id} (${v.status}).\n\n${volumeText(v)}\nNext: cghost group update GROUP --add ${v.id}\n` };
  },
});

const list = clientCommand({
  path: "volume list",
  summary: "list volumes, optionally of one group",
  description: "Lists the volumes the host knows, oldest first.",
  options: {
    group: { type: "string", synopsis: "--group GROUP", help: "only the volumes of this group" },
    deleted: { type: "boolean", synopsis: "--deleted", help: "include deleted volumes" },
  },
  examples: ["cghost volume list", "cghost volume list --group 6f1c0a52-0000-4000-8000-000000000000 --json"],
  async run(ctx) {
    const volumes = await listAll((pageToken) =>
      ctx.client
        .invoke(ctx.client.client.listVolumes, { groupId: ctx.option("group") ?? "", includeDeleted: ctx.flag("deleted"), pageSize: 0, pageToken }, ctx.quick)
        .then((r) => ({ items: r.volumes, nextPageToken: r.nextPageToken })),
    );
    return { json: { volumes: volumes.map(volumeJson) }, text: volumesTable(volumes) };
  },
});

const show = clientCommand({
  path: "volume show",
  summary: "show one volume, its status and its last error",
  positionals: ["VOLUME"],
  description: "Shows one volume, deleted ones included.",
  examples: ["cghost volume show 6f1c0a52-0000-4000-8000-000000000000"],
  async run(ctx) {
    const { volume } = await ctx.client.invoke(ctx.client.client.getVolume, { volumeId: ctx.positional("VOLUME") }, ctx.quick);
    const v = answered(volume);
    return { json: volumeJson(v), text: volumeText(v) };
  },
});

function attachCommand(attached: boolean) {
  const verb = attached ? "attach" : "detach";
  return clientCommand({
    path: `volume ${verb}`,
    summary: attached ? "mark a volume attached ('in-use')" : "mark a volume detached ('available')",
    positionals: ["VOLUME"],
    description: attached
      ? "Marks a volume attached to an instance ('in-use'). A group with an attached volume cannot be deleted."
      : "Marks a volume detached ('available').",
    examples: [`cghost volume ${verb} 6f1c0a52-0000-4000-8000-000000000000`],
    async run(ctx) {
      const { volume } = await ctx.client.invoke(ctx.client.client.setVolumeAttached, { volumeId: ctx.positional("VOLUME"), attached }, ctx.quick);
      const v = answered(volume);
      return { json: volumeJson(v), text: `Volume ${v.id} is ${v.status}.\n` };
    },
  });
}

const unregister = clientCommand({
  path: "volume unregister",
  summary: "forget a volume in no group ('available' or 'error'); the driver is not called",
  positionals: ["VOLUME"],
  description:
    "The inverse of 'volume create': the host forgets a volume that is in no group and 'available'\n" +
    "or 'error' (it becomes 'deleted'; 'volume show' still finds it). The driver is not called: the\n" +
    "volume's storage stays the volume service's. Remove it from its group or detach it first.",
  examples: ["cghost volume unregister 6f1c0a52-0000-4000-8000-000000000000"],
  async run(ctx) {
    const { volume } = await ctx.client.invoke(ctx.client.client.unregisterVolume, { volumeId: ctx.positional("VOLUME") }, ctx.quick);
    const v = answered(volume);
    return { json: volumeJson(v), text: `Unregistered volume ${v.id} (${v.status}).\n` };
  },
});

/** The `cghost volume` command. */
export const volumeCommand = commandGroup({
  name: "volume",
  summary: "register, list, show and unregister volumes",
  example: "cghost volume create --size-gb 10 --volume-type gold",
  subcommands: [create, list, show, attachCommand(true), attachCommand(false), unregister],
});
