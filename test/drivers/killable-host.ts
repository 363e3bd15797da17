// A host in a process of its own, for the tests of a host that dies without stopping its plugin
// (test/host-killed-plugin-exits.test.ts): it opens a host with the scripted driver through
// openHost (so supervised), prints {"pluginPid": N} on stdout, then ends as HOST_END says:
// `stay` (the default) stays up until killed, `throw` dies of an uncaught exception, `exit`
// calls process.exit(3). Either way the host's close() never runs.
//
// Environment: HOST_DIR, a directory for the database, the script and the calls log; HOST_END.
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openHost } from "../../host/index.js";

const dir = process.env.HOST_DIR;
if (!dir) throw new Error("killable-host: set HOST_DIR");
const script = join(dir, "script.json");
const calls = join(dir, "calls.jsonl");
writeFileSync(script, "{}");
appendFileSync(calls, "");
const host = await openHost({
  storePath: join(dir, "cghost.db"),
  plugin: { command: process.execPath, args: [join(import.meta.dirname, "scripted-driver.js")], env: { CGHOST_SCRIPT: script, CGHOST_CALLS: calls } },
});
process.stdout.write(`${JSON.stringify({ pluginPid: host.pluginPid })}\n`);
const end = process.env.HOST_END ?? "stay";
if (end === "throw") {
  setImmediate(() => {
    throw new Error("killable-host: an uncaught exception, on purpose");
  });
} else if (end === "exit") {
  setImmediate(() => process.exit(3));
} else {
  // Stay up until killed; the plugin child's pipes alone would too, but say it.
  setInterval(() => undefined, 60_000);
}
