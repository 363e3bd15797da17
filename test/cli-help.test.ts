// Every command answers --help with its usage, what it does, its options and an example, and
// exits 0; a bare group of commands lists its commands; --version says the version.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./cli-harness.js";

const COMMANDS = [
  "serve",
  "volume create",
  "volume list",
  "volume show",
  "volume attach",
  "volume detach",
  "volume unregister",
  "group create",
  "group create-from-source",
  "group update",
  "group delete",
  "group list",
  "group show",
  "cgsnapshot create",
  "cgsnapshot delete",
  "cgsnapshot list",
  "cgsnapshot show",
  "operation list",
  "operation show",
  "operation watch",
  "plugin list",
  "plugin show",
  "plugin reset",
  "conformance",
];

describe("cghost --help", () => {
  it("gives every command a usage line, options and an example", async () => {
    const results = await Promise.all(COMMANDS.map((command) => runCli([...command.split(" "), "--help"])));
    results.forEach((result, i) => {
      const command = COMMANDS[i]!;
      expect(result.code, `cghost ${command} --help: ${result.stderr}`).toBe(0);
      expect(result.stdout, command).toMatch(new RegExp(`^Usage: cghost ${command}`));
      expect(result.stdout, command).toMatch(/^Options:$/m);
      expect(result.stdout, command).toMatch(/^Examples?:\n {2}cghost /m);
      expect(result.stderr, command).toBe("");
    });
  });

  it("lists the commands of each group, and of cghost itself", async () => {
    for (const group of ["volume", "group", "cgsnapshot", "operation", "plugin"]) {
      const result = await runCli([group, "--help"]);
      expect(result.code, `cghost ${group} --help: ${result.stderr}`).toBe(0);
      const subcommands = COMMANDS.filter((c) => c.startsWith(`${group} `)).map((c) => c.split(" ")[1]!);
      for (const sub of subcommands) expect(result.stdout).toMatch(new RegExp(`^ {2}${sub} +\\S`, "m"));
    }
    const top = await runCli(["--help"]);
    expect(top.code).toBe(0);
    for (const name of ["serve", "volume", "group", "cgsnapshot", "operation", "plugin", "conformance"]) expect(top.stdout).toMatch(new RegExp(`^ {2}${name} +\\S`, "m"));
    // With no command at all, the same index, but as a usage error.
    expect((await runCli([])).code).toBe(2);
  });

  it("says its version, and the contracts it speaks, with --version", async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const result = await runCli([flag]);
      expect(result.code, flag).toBe(0);
      expect(result.stdout, flag).toBe(`cghost ${version} (driver contract cgdriver.v1; front API cghost.v1; Node ${process.version})\n`);
    }
  });
});
