// `cghost plugin list|show`: the driver plugin a server hosts, its state, version, capabilities
// and restarts, probed fresh for each command.
import { clientCommand } from "./client-command.js";
import { commandGroup } from "./command-group.js";
import { answered } from "./front-client.js";
import { pluginJson } from "./json-view.js";
import { pluginsTable, pluginText } from "./text-view.js";

const list = clientCommand({
  path: "plugin list",
  summary: "list the hosted plugins with their state",
  description: "Lists the plugins the server hosts; each is probed first, so the state is current.",
  examples: ["cghost plugin list", "cghost plugin list --json"],
  async run(ctx) {
    const { plugins } = await ctx.client.invoke(ctx.client.client.listPlugins, {}, ctx.quick);
    return { json: { plugins: plugins.map(pluginJson) }, text: pluginsTable(plugins) };
  },
});

const show = clientCommand({
  path: "plugin show",
  summary: "show one plugin: state, version, capabilities, restarts",
  positionals: ["NAME"],
  description: "Shows one hosted plugin by the name it reports (see 'cghost plugin list').",
  examples: ["cghost plugin show file-driver"],
  async run(ctx) {
    const { plugin } = await ctx.client.invoke(ctx.client.client.getPlugin, { name: ctx.positional("NAME") }, ctx.quick);
    const p = answered(plugin);
    return { json: pluginJson(p), text: pluginText(p) };
  },
});

const reset = clientCommand({
  path: "plugin reset",
  summary: "restart a plugin that crashed too often ('failed')",
  positionals: ["NAME"],
  description:
    "A launched plugin that crashes too often in a short time is marked 'failed', and the host\n" +
    "refuses driver calls until an operator resets it. This forgets its crashes and restarts it;\n" +
    "in any other state it changes nothing. Fix what made it crash first (see the server's log).",
  examples: ["cghost plugin reset file-driver"],
  async run(ctx) {
    const { plugin } = await ctx.client.invoke(ctx.client.client.resetPlugin, { name: ctx.positional("NAME") }, ctx.quick);
    const p = answered(plugin);
    return { json: pluginJson(p), text: `Plugin ${p.name} is ${p.state}.\n` };
  },
});

/** The `cghost plugin` command. */
export const pluginCommand = commandGroup({
  name: "plugin",
  summary: "show the driver plugin the server hosts, or reset one that failed",
  example: "cghost plugin list",
  subcommands: [list, show, reset],
});
