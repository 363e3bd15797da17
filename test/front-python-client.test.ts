// A client of the front API written in another language works: Debian's Python with
// python3-grpcio generates stubs from proto/cghost/v1 alone and creates and deletes a group
// through a real `cghost serve` (test/clients/python/group_lifecycle.py).
import { execFile } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeDir, ServeProcess, temporaryDir, writeConfig } from "./cli-harness.js";

// Debian's interpreter: the python3 first on PATH may be another install that cannot see Debian's packages.
const PYTHON = "/usr/bin/python3";
const ROOT = join(import.meta.dirname, "..");
const CLIENT = join(ROOT, "test", "clients", "python", "group_lifecycle.py");

let dataDir: string;
let stubs: string;
let serve: ServeProcess | undefined;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(PYTHON, args, { cwd: ROOT, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  dataDir = temporaryDir("cghost-py-");
  stubs = temporaryDir("cghost-py-stubs-");
  const config = writeConfig(dataDir, { plugins: [{ builtin: "file-driver", args: ["--bytes-per-gb", "4096"] }] });
  serve = await ServeProcess.start(dataDir, ["--config", config]);
});

afterAll(() => {
  serve?.kill();
  removeDir(dataDir);
  removeDir(stubs);
});

describe("the front API from Python", () => {
  it("has Debian's gRPC for Python installed (CI installs it)", async () => {
    const probe = await run(["-c", "import grpc, grpc_tools.protoc"]);
    expect(
      probe.code,
      `${PYTHON} cannot import grpc or grpc_tools: install Debian's packages with ` +
        `'apt-get install -y python3-grpcio python3-grpc-tools'\n${probe.stderr}`,
    ).toBe(0);
  });

  it("creates and deletes a group through cghost serve", async () => {
    const generated = await run([
      "-m",
      "grpc_tools.protoc",
      "-I",
      "proto",
      `--python_out=${stubs}`,
      `--grpc_python_out=${stubs}`,
      "proto/cghost/v1/resources.proto",
      "proto/cghost/v1/host_service.proto",
    ]);
    expect(generated.code, `grpc_tools.protoc failed:\n${generated.stderr}`).toBe(0);

    const result = await run([CLIENT, "--stubs", stubs, "--address", serve!.state().address]);
    expect(result.code, `the Python client failed:\n${result.stderr}`).toBe(0);
    const seen = JSON.parse(result.stdout) as {
      registered: Array<{ status: string; project_id: string }>;
      created: { id: string; status: string; project_id: string };
      updated: { status: string; volumes: string[] };
      shown: { status: string; volumes: Array<{ status: string }>; has_create_time: boolean; has_delete_time: boolean };
      refused: { grpc_code: string; host_code: string; details: string } | null;
      deleted: { status: string; volumes: string[]; has_delete_time: boolean };
    };
    expect(seen.registered).toEqual([
      { id: expect.any(String), status: "available", project_id: "python-project" },
      { id: expect.any(String), status: "available", project_id: "python-project" },
    ]);
    expect(seen.created).toMatchObject({ status: "available", project_id: "python-project" });
    expect(seen.updated).toEqual({ status: "available", volumes: [seen.created.id, seen.created.id] });
    expect(seen.shown).toEqual({
      status: "available",
      volumes: [expect.objectContaining({ status: "available" }), expect.objectContaining({ status: "available" })],
      has_create_time: true,
      has_delete_time: false,
    });
    expect(seen.refused).toMatchObject({ grpc_code: "NOT_FOUND", host_code: "NOT_FOUND", details: expect.stringContaining("does not exist") });
    expect(seen.deleted).toEqual({ status: "deleted", volumes: ["deleted", "deleted"], has_delete_time: true });

    // The server logged the Python client's own request id.
    expect(serve!.stderr).toContain((JSON.parse(result.stdout) as { request_id: string }).request_id);
  });
});
