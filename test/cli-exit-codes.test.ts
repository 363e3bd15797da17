// The client commands' exit codes and error output, against a real `cghost serve` hosting the
// scripted driver: 2 for bad input, 3 for refusals, 4 when the driver fails the operation (with
// the rule, the statuses written, and the row's last error to act on), 0 otherwise.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeDir, runCli, runJson, ServeProcess, temporaryDir, writeConfig } from "./cli-harness.js";

const SCRIPTED_DRIVER = join(import.meta.dirname, "..", "dist", "test", "drivers", "scripted-driver.js");

let dataDir: string;
let script: string;
let serve: ServeProcess | undefined;

beforeAll(async () => {
  dataDir = temporaryDir("cghost-exit-");
  script = join(dataDir, "script.json");
  writeFileSync(script, JSON.stringify({ unimplemented: ["create_cgsnapshot"] }));
  const config = writeConfig(dataDir, {
    plugins: [
      {
        command: process.execPath,
        args: [SCRIPTED_DRIVER],
        env: { CGHOST_SCRIPT: script, CGHOST_CALLS: join(dataDir, "calls.jsonl") },
      },
    ],
  });
  serve = await ServeProcess.start(dataDir, ["--config", config]);
});

afterAll(() => {
  serve?.kill();
  removeDir(dataDir);
});

function cli(args: string[]) {
  return runJson([...args, "--data-dir", dataDir]);
}

describe("cghost exit codes", () => {
  it("exits 4 when the driver fails, printing the rule, the statuses written and what to do", async () => {
    writeFileSync(script, JSON.stringify({ create_group: { fail: { code: 13, message: "the array is on fire" } } }));
    const { code, json } = await cli(["group", "create", "--name", "doomed", "--volume-type", "gold"]);
    expect(code).toBe(4);
    const error = json.error as {
      code: string;
      message: string;
      grpcCode: number;
      hint: string;
      failure: { operation: string; ruleId: string; cause: string; written: Array<{ kind: string; id: string; status: string }> };
    };
    expect(error.code).toBe("OPERATION_FAILED");
    expect(error.message).toContain("the array is on fire");
    expect(error.grpcCode).toBe(2); // UNKNOWN: see host/front/error-status.ts
    expect(error.failure.operation).toBe("create_group");
    expect(error.failure.ruleId).toMatch(/^R1\./);
    const written = error.failure.written.find((w) => w.kind === "group")!;
    expect(written.status).toBe("error");
    expect(error.hint).toContain(`cghost group show ${written.id}`);

    // The row itself says why, for a person who looks later.
    const shown = await cli(["group", "show", written.id]);
    expect(shown.code).toBe(0);
    expect(shown.json).toMatchObject({ id: written.id, status: "error", lastError: { message: expect.stringContaining("the array is on fire") } });

    // And without --json, the same on standard error for a person.
    const human = await runCli(["group", "create", "--name", "doomed-2", "--volume-type", "gold", "--data-dir", dataDir]);
    expect(human.code).toBe(4);
    expect(human.stdout).toBe("");
    expect(human.stderr).toMatch(/^cghost: OPERATION_FAILED: .*the array is on fire/);
    expect(human.stderr).toMatch(/KIND +ID +STATUS\n +group +\S+ +error/);
    expect(human.stderr).toContain("What to do:");
  });

  it("exits 3 when the plugin does not implement the operation, and nothing is written", async () => {
    writeFileSync(script, JSON.stringify({}));
    const volume = await cli(["volume", "create", "--size-gb", "1", "--volume-type", "gold"]);
    const group = await cli(["group", "create", "--name", "g", "--volume-type", "gold"]);
    expect([volume.code, group.code]).toEqual([0, 0]);
    const groupId = group.json.id as string;
    expect((await cli(["group", "update", groupId, "--add", volume.json.id as string])).code).toBe(0);
    const { code, json } = await cli(["cgsnapshot", "create", groupId]);
    expect(code).toBe(3);
    expect(json.error).toMatchObject({ code: "UNSUPPORTED_OPERATION", message: expect.stringContaining("create_cgsnapshot") });
    const list = await cli(["cgsnapshot", "list", "--group", groupId]);
    expect(list.json).toEqual({ cgsnapshots: [] });
  });

  it("exits 3 for a status that forbids the operation, naming the object and the status", async () => {
    const group = await cli(["group", "create", "--name", "g2", "--volume-type", "gold"]);
    const volume = await cli(["volume", "create", "--size-gb", "1", "--volume-type", "gold"]);
    const attached = await cli(["volume", "attach", volume.json.id as string]);
    expect(attached.json).toMatchObject({ status: "in-use" });
    expect((await cli(["group", "update", group.json.id as string, "--add", volume.json.id as string])).code).toBe(0);
    const { code, json } = await cli(["group", "delete", group.json.id as string, "--delete-volumes"]);
    expect(code).toBe(3);
    expect(json.error).toMatchObject({ code: "INVALID_STATUS", message: expect.stringContaining(volume.json.id as string) });
  });

  it("exits 2 for bad input, from the command line or from the host", async () => {
    const usage = await cli(["volume", "create", "--size-gb", "0", "--volume-type", "gold"]);
    expect(usage.code).toBe(2);
    expect(usage.json.error).toMatchObject({ code: "USAGE", message: expect.stringContaining('--size-gb "0"') });

    const badType = await cli(["group", "create", "--name", "x", "--volume-type", "no spaces"]);
    expect(badType.code).toBe(2);
    expect(badType.json.error).toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining('"no spaces"') });

    const unknownId = await cli(["cgsnapshot", "delete", "00000000-0000-4000-8000-000000000000"]);
    expect(unknownId.code).toBe(2);
    expect(unknownId.json.error).toMatchObject({ code: "NOT_FOUND", hint: expect.stringContaining("'cghost cgsnapshot list'") });

    // An unknown volume named to a group command points at the volume list.
    writeFileSync(script, "{}");
    const groupOfVolume = await cli(["group", "create", "--name", "holder", "--volume-type", "gold"]);
    const unknownVolume = await cli(["group", "update", groupOfVolume.json.id as string, "--add", "no-such-volume"]);
    expect(unknownVolume.code).toBe(2);
    expect(unknownVolume.json.error).toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringContaining("no-such-volume"),
      hint: expect.stringContaining("'cghost volume list'"),
    });

    const unknownOption = await runCli(["group", "create", "--nme", "x", "--data-dir", dataDir]);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("'--nme'");
    expect(unknownOption.stderr).toContain("cghost group create --help");

    const noSource = await cli(["group", "create-from-source", "--name", "x"]);
    expect(noSource.code).toBe(2);
    expect(noSource.json.error).toMatchObject({ code: "USAGE", message: expect.stringContaining("--cgsnapshot") });

    // A single-valued option twice is refused, not silently the last; a negative size is a size.
    const twice = await cli(["volume", "create", "--size-gb", "1", "--size-gb", "2", "--volume-type", "gold"]);
    expect(twice.code).toBe(2);
    expect(twice.json.error).toMatchObject({ code: "USAGE", message: '--size-gb is given 2 times ("1", "2"); give it once' });
    const negative = await cli(["volume", "create", "--size-gb", "-1", "--volume-type", "gold"]);
    expect(negative.code).toBe(2);
    expect(negative.json.error).toMatchObject({ code: "USAGE", message: expect.stringContaining('--size-gb "-1" must be a whole number of GB') });

    // A listing filtered by a group that does not exist says so, rather than listing nothing.
    const noGroup = await cli(["volume", "list", "--group", "00000000-0000-4000-8000-0000000000ab"]);
    expect(noGroup.code).toBe(2);
    expect(noGroup.json.error).toMatchObject({ code: "NOT_FOUND", message: "group 00000000-0000-4000-8000-0000000000ab does not exist" });
  });

  it("exits 3 with a plain message when no server answers", async () => {
    const elsewhere = temporaryDir("cghost-none-");
    try {
      const { code, json } = await runJson(["volume", "list", "--data-dir", elsewhere]);
      expect(code).toBe(3);
      expect(json.error).toMatchObject({
        code: "SERVER_UNAVAILABLE",
        message: `cannot reach cghost serve at unix:${join(elsewhere, "cghost.sock")} (no such socket)`,
        hint: expect.stringContaining(`cghost serve --data-dir ${elsewhere}`),
      });
      const viaEnv = await runJson(["volume", "list"], { CGHOST_ADDRESS: serve!.state().address });
      expect(viaEnv.code).toBe(0);
    } finally {
      removeDir(elsewhere);
    }
  });
});

describe("cghost exit code 5", () => {
  it("exits 5, outcome unknown, when the server dies after it had the operation's request; the next server settles it", async () => {
    const dir = temporaryDir("cghost-exit5-");
    const hanging = join(dir, "script.json");
    writeFileSync(hanging, JSON.stringify({ create_group: { hang: true } }));
    const config = writeConfig(dir, {
      plugins: [{ command: process.execPath, args: [SCRIPTED_DRIVER], env: { CGHOST_SCRIPT: hanging, CGHOST_CALLS: join(dir, "calls.jsonl") } }],
    });
    const server = await ServeProcess.start(dir, ["--config", config]);
    try {
      const pending = runJson(["group", "create", "--name", "limbo", "--volume-type", "gold", "--data-dir", dir]);
      // The driver has the call, so the server had the request: then the server dies.
      await server.waitFor("scripted call received", 10_000, "stderr");
      server.kill();
      const { code, json } = await pending;
      expect(code).toBe(5);
      expect(json.error).toMatchObject({
        code: "OUTCOME_UNKNOWN",
        message: expect.stringContaining("it may have run the operation"),
        // Started with a configuration file: the hint restarts it with that file.
        hint: expect.stringContaining(`'cghost group list' shows where it got; if the server died, start it again ('cghost serve --config ${config} --data-dir ${dir}')`),
      });
      expect(json.error).toMatchObject({
        hint: expect.stringContaining("a create may have made the object already, so look for it by name in that list before running the command again"),
      });
      // As the hint says: the next server re-issues the call (now answered) before it serves.
      writeFileSync(hanging, "{}");
      const next = await ServeProcess.start(dir, ["--config", config]);
      try {
        expect(next.stdout).toContain("Settling 1 operation(s) a previous server left unfinished, before serving");
        expect(next.stdout).toContain("recovered   1 operation(s) a previous server left unfinished");
        const listed = await runJson(["group", "list", "--data-dir", dir]);
        expect((listed.json.groups as Array<{ name: string; status: string }>).map((g) => [g.name, g.status])).toEqual([["limbo", "available"]]);
      } finally {
        next.kill();
      }
    } finally {
      server.kill();
      removeDir(dir);
    }
  });
});
