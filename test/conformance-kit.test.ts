// The conformance kit against real plugin processes: the example file driver passes every check,
// each fault of the faulty driver is caught by the check meant for it (and by no other), the
// JUnit report is well formed, and `cghost conformance` exits 0, 1 and 2 as documented.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConformanceCommand } from "../host/cli/conformance-command.js";
import { runCli } from "./cli-harness.js";
import {
  CHECK_NAMES,
  formatJunitReport,
  formatTextReport,
  runConformance,
  splitShellWords,
  xmlAttribute,
  xmlText,
  type CheckName,
  type ConformanceOptions,
  type ConformanceReport,
  type ConformanceTarget,
} from "../host/conformance/index.js";

const root = join(import.meta.dirname, "..");
const FILE_DRIVER = join(root, "dist", "examples", "file-driver", "main.js");
const FAULTY_DRIVER = join(root, "dist", "examples", "faulty-driver", "main.js");
const PYTHON_DRIVER = join(root, "examples", "python-driver", "main.py");
// One "GB" of the file driver is 64 KiB here, so its copies stay cheap.
const BYTES_PER_GB = "65536";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cghost-conformance-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The reports of the fault table, for the tests that read them further. */
const reports = new Map<string, ConformanceReport>();

/** A fresh data directory for one file-driver run. */
function dataDir(name: string): string {
  return join(dir, name);
}

/** The names of the checks that ended with `status`. */
function checksThat(report: ConformanceReport, status: "passed" | "failed" | "skipped"): CheckName[] {
  return report.checks.filter((c) => c.status === status).map((c) => c.name);
}

/**
 * Runs the kit against a plugin and expects every check to pass; the report is the assertion
 * message. Adding a driver to CI is one expectConformant() call, as for the two example drivers.
 */
async function expectConformant(plugin: ConformanceTarget, options: Omit<ConformanceOptions, "plugin"> = {}): Promise<ConformanceReport> {
  const report = await runConformance({ plugin, ...options });
  expect(checksThat(report, "passed"), formatTextReport(report, { verbose: true })).toEqual([...CHECK_NAMES]);
  expect(report.ok).toBe(true);
  return report;
}

function faulty(...faults: string[]): ConformanceTarget {
  return { command: process.execPath, args: [FAULTY_DRIVER, ...faults.flatMap((f) => ["--fault", f])] };
}

describe("the conformance kit", () => {
  it("passes the TypeScript file driver on every check", async () => {
    const report = await expectConformant({
      command: process.execPath,
      args: [FILE_DRIVER, "--data-dir", dataDir("file-driver"), "--bytes-per-gb", BYTES_PER_GB],
    });
    expect(report.plugin?.name).toBe("file-driver");
  });

  it("passes the Python file driver on every check (Debian's python3-grpcio, installed by .ci/run)", async () => {
    const report = await expectConformant({
      command: "/usr/bin/python3",
      args: [PYTHON_DRIVER, "--data-dir", dataDir("python-driver"), "--bytes-per-gb", BYTES_PER_GB],
    });
    expect(report.plugin?.name).toBe("python-file-driver");
  });

  it("passes the TypeScript file driver as a sidecar on TCP loopback, started with --insecure", async () => {
    const child = spawn(process.execPath, [FILE_DRIVER, "--data-dir", dataDir("tcp-sidecar"), "--bytes-per-gb", BYTES_PER_GB, "--address", "127.0.0.1:0", "--insecure"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      let stderr = "";
      // The driver logs the address it bound (port 0: the system's choice) once it serves.
      const address = await new Promise<string>((resolve, reject) => {
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
          stderr += chunk;
          const serving = /"address":"(127\.0\.0\.1:\d+)"[^\n]*"msg":"serving"/.exec(stderr);
          if (serving) resolve(serving[1]!);
        });
        child.once("exit", (code) => reject(new Error(`the file driver exited with ${code} before serving:\n${stderr}`)));
      });
      expect(stderr).toContain("serving plaintext TCP on 127.0.0.1:0 (insecure: true)");
      await expectConformant({ address, insecure: true });
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
  });

  it("passes the faulty driver when it commits no fault", async () => {
    await expectConformant(faulty());
  });

  it("passes a driver that leaves update_group out, naming what it could not exercise without it", async () => {
    const report = await expectConformant({ command: process.execPath, args: [FAULTY_DRIVER, "--without", "update_group"] });
    const capabilities = report.checks.find((c) => c.name === "capabilities")!;
    // Without UpdateConsistencyGroup no group gets volumes, so nothing that needs them can run.
    expect(capabilities.reason).toMatch(/^2 of 5 declared operations worked and every undeclared one answered UNIMPLEMENTED \(1\); not exercised: /);
    expect(capabilities.reason).toContain("CreateCgSnapshot (needs a group with volumes, added by UpdateConsistencyGroup)");
    expect(capabilities.reason).toContain("DeleteCgSnapshot (needs a cgsnapshot from CreateCgSnapshot)");
    expect(formatTextReport(report, { verbose: false })).toContain("not exercised: CreateCgSnapshot");
  });

  // Each fault, the checks that must fail, and nothing else: the others pass or, stopped by a
  // hang, are skipped (the deadlines check alone reports hangs).
  const FAULT_TABLE: Array<{ fault: string; failing: CheckName[]; options?: Omit<ConformanceOptions, "plugin"> }> = [
    { fault: "wrong-ids", failing: ["well-formed"] },
    { fault: "bad-statuses", failing: ["well-formed"] },
    { fault: "unknown-field", failing: ["well-formed"] },
    { fault: "non-idempotent", failing: ["idempotency"] },
    { fault: "lying-capabilities", failing: ["capabilities"] },
    { fault: "delete-gone-fails", failing: ["delete-gone"] },
    // A shorter call deadline only makes the hang cost less; the hang itself is forever.
    { fault: "hang", failing: ["deadlines"], options: { callDeadlineMs: 2_000 } },
    // The crash takes the plugin down: the objects of the concurrency check cannot be deleted.
    { fault: "crash", failing: ["concurrency", "cleanup"] },
  ];

  for (const { fault, failing, options } of FAULT_TABLE) {
    it(`catches --fault ${fault} with the ${failing.join(" and ")} check`, async () => {
      const report = await runConformance({ plugin: faulty(fault), ...options });
      reports.set(fault, report);
      const text = formatTextReport(report, { verbose: true });
      expect(checksThat(report, "failed"), text).toEqual(failing);
      expect(report.ok).toBe(false);
      expect(report.checks.find((c) => c.name === "handshake")?.status, text).toBe("passed");
      for (const name of failing) expect(report.checks.find((c) => c.name === name)?.reason, text).not.toBe("");
    });
  }

  it("names the offending rule and id in the well-formed check's reason", () => {
    const wrongIds = reports.get("wrong-ids");
    const badStatuses = reports.get("bad-statuses");
    const unknownField = reports.get("unknown-field");
    if (!wrongIds || !badStatuses || !unknownField) return; // reported by the table's own failures
    const reason = (r: ConformanceReport): string => r.checks.find((c) => c.name === "well-formed")!.reason;
    expect(reason(wrongIds)).toMatch(/R7\.1: snapshots_model_update names snapshot [0-9a-f-]{36}, which was not sent/);
    expect(reason(badStatuses)).toMatch(/R7\.3: model_update reports GROUP_STATUS_CREATING/);
    expect(reason(unknownField)).toMatch(/R7\.4: the response carries field number 15/);
  });

  it("reports a plugin that does not start as a failed handshake, the rest skipped", async () => {
    const report = await runConformance({ plugin: { command: join(dir, "no-such-plugin") }, startTimeoutMs: 5_000 });
    expect(checksThat(report, "failed")).toEqual(["handshake"]);
    expect(checksThat(report, "skipped")).toEqual(CHECK_NAMES.filter((n) => n !== "handshake"));
    expect(report.checks[0]!.reason).toMatch(/did not start/);
  });
});

describe("the JUnit report", () => {
  const report: ConformanceReport = {
    target: `node "main.js" --x <&>`,
    plugin: { name: "p", vendorVersion: "1", contractVersion: "v1", address: "unix:///s", operations: ["create_group"], createFromSourceKinds: [] },
    checks: [
      { name: "handshake", title: "t", status: "passed", reason: "ok <fine> & \"good\"", details: ["a\u0001b"], durationMs: 12 },
      { name: "capabilities", title: "t", status: "failed", reason: "broke: <tag attr='x'> & ]]>", details: ["line\nbreak"], durationMs: 3 },
      { name: "idempotency", title: "t", status: "skipped", reason: "not declared", details: [], durationMs: 0 },
    ],
    counts: { passed: 1, failed: 1, skipped: 1 },
    ok: false,
    startedAt: "2024-01-01T00:00:00.000Z",
    durationMs: 15,
  };

  it("has one testcase per check, a failure per failed check and a skipped per skipped one", () => {
    const xml = formatJunitReport(report);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml.match(/<\/testcase>/g)).toHaveLength(3);
    expect(xml.match(/<failure /g)).toHaveLength(1);
    expect(xml.match(/<skipped /g)).toHaveLength(1);
    expect(xml).toMatch(/<testsuites name="cghost conformance" tests="3" failures="1" errors="0" skipped="1"/);
    expect(xml).toContain('<testcase classname="cghost.conformance" name="capabilities"');
  });

  it("escapes everything the plugin said, and is balanced XML", () => {
    const xml = formatJunitReport(report);
    // Outside tags, no raw markup survives: remove the tags and no < or > or bare & remains.
    const text = xml.replace(/<\?xml[^>]*\?>/, "").replace(/<\/?[a-z-]+(\s+[a-z-]+="[^"<>]*")*\s*\/?>/g, "");
    expect(text).not.toMatch(/[<>]/);
    expect(text).not.toMatch(/&(?!(amp|lt|gt|quot|apos|#\d+);)/);
    expect(xml).not.toContain("\u0001");
    // Every opened element closes, in order.
    const stack: string[] = [];
    for (const [, slash, name, self] of xml.matchAll(/<(\/?)([a-z-]+)(?:\s+[a-z-]+="[^"<>]*")*\s*(\/?)>/g)) {
      if (self === "/") continue;
      if (slash === "/") expect(stack.pop()).toBe(name);
      else stack.push(name!);
    }
    expect(stack).toEqual([]);
    expect(xmlAttribute(`a"b'c\nd`)).toBe("a&quot;b&apos;c&#10;d");
    expect(xmlText("x < y & z")).toBe("x &lt; y &amp; z");
  });

  it("counts the checks of a real failing run", () => {
    const real = reports.get("crash");
    if (!real) return; // the fault table reports why it is missing
    const xml = formatJunitReport(real);
    expect(xml.match(/<testcase /g)).toHaveLength(CHECK_NAMES.length);
    expect(xml.match(/<failure /g)).toHaveLength(real.counts.failed);
    expect(xml.match(/<skipped /g) ?? []).toHaveLength(real.counts.skipped);
  });
});

describe("splitting --plugin-command", () => {
  it("splits words and honours quotes and backslashes, expanding nothing", () => {
    expect(splitShellWords(`node main.js --data-dir '/tmp/a b' --x "q \\"1\\" $HOME" c\\ d`)).toEqual([
      "node",
      "main.js",
      "--data-dir",
      "/tmp/a b",
      "--x",
      'q "1" $HOME',
      "c d",
    ]);
    expect(splitShellWords("  ")).toEqual([]);
    expect(splitShellWords(`a''b ""`)).toEqual(["ab", ""]);
  });

  it("refuses unterminated quotes and a trailing backslash", () => {
    expect(() => splitShellWords(`node 'main.js`)).toThrow(/unterminated single quote/);
    expect(() => splitShellWords(`node "main.js`)).toThrow(/unterminated double quote/);
    expect(() => splitShellWords(`node main.js\\`)).toThrow(/backslash/);
  });
});

describe("cghost conformance", () => {
  function io(): { out: string[]; err: string[]; io: { stdout: { write(t: string): boolean }; stderr: { write(t: string): boolean } } } {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { stdout: { write: (t) => out.push(t) > 0 }, stderr: { write: (t) => err.push(t) > 0 } } };
  }

  it("exits 0 for the file driver, prints JSON and writes the JUnit file, run as the cghost command", async () => {
    const junit = join(dir, "conformance.xml");
    // A data directory with a space, quoted inside --plugin-command.
    const command = `'${process.execPath}' ${FILE_DRIVER} --data-dir '${dataDir("command data")}' --bytes-per-gb ${BYTES_PER_GB}`;
    const result = await runCli(["conformance", "--plugin-command", command, "--json", "--junit", junit]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as ConformanceReport & { format: number };
    expect(json.format).toBe(1);
    expect(json.ok).toBe(true);
    expect(json.checks.map((c) => c.name)).toEqual([...CHECK_NAMES]);
    const xml = readFileSync(junit, "utf8");
    expect(xml.match(/<testcase /g)).toHaveLength(CHECK_NAMES.length);
    expect(xml).not.toContain("<failure");
  });

  it("exits 1 and names the failed check when a check fails", async () => {
    const streams = io();
    const code = await createConformanceCommand(streams.io).run([
      "--plugin-command",
      process.execPath,
      "--plugin-arg",
      FAULTY_DRIVER,
      // An argument that starts with a dash takes the --plugin-arg=VALUE form.
      "--plugin-arg=--fault=non-idempotent",
    ]);
    const text = streams.out.join("");
    expect(code, text).toBe(1);
    expect(text).toMatch(/^FAIL {2}idempotency {3}CreateConsistencyGroup \(group A\) repeated with the same operation id/m);
    expect(text).toMatch(/NOT CONFORMANT/);
  });

  it.each([
    [[], /exactly one of --plugin-command/],
    [["--plugin-command", "x", "--plugin-address", "unix:///s"], /exactly one of/],
    [["--plugin-address", "unix:///s", "--plugin-arg", "a"], /--plugin-arg goes with --plugin-command/],
    [["--plugin-command", "node 'x"], /unterminated single quote/],
    [["--plugin-command", "node", "--timeout-ms", "soon"], /--timeout-ms must be a positive whole number/],
    [["--plugin-command", "node", "--frobnicate"], /Unknown option '--frobnicate'/],
    // Checked before the plugin is launched: `node` alone would never answer a handshake.
    [["--plugin-command", "node", "--junit", "/nonexistent-cghost-dir/x.xml"], /--junit \/nonexistent-cghost-dir\/x.xml: its folder \/nonexistent-cghost-dir does not exist/],
    [["--plugin-command", "node", "--junit", tmpdir()], /is a directory; give a file name/],
  ])("exits 2 for the bad command line %j", async (argv, message) => {
    const streams = io();
    expect(await createConformanceCommand(streams.io).run(argv)).toBe(2);
    expect(streams.err.join("")).toMatch(message);
    expect(streams.err.join("")).toContain("cghost conformance --help");
  });

  it("prints --help with an example and exits 0", async () => {
    const streams = io();
    expect(await createConformanceCommand(streams.io).run(["--help"])).toBe(0);
    expect(streams.out.join("")).toMatch(/Example:\n {2}cghost conformance --plugin-command/);
  });
});
