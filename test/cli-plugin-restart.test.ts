// The plugin child dies under a running `cghost serve`: the server restarts it, and `cghost plugin
// show`, serve.json and /metrics follow (state, new pid, restarts). Crashing too often marks it
// `failed`: driver calls are refused (exit 3, nothing written) until `cghost plugin reset`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAlive, removeDir, runJson, ServeProcess, temporaryDir, writeConfig } from "./cli-harness.js";

let dataDir: string;
let serve: ServeProcess | undefined;

beforeAll(async () => {
  dataDir = temporaryDir("cghost-restart-");
  const config = writeConfig(dataDir, {
    plugins: [
      {
        builtin: "file-driver",
        args: ["--bytes-per-gb", "4096"],
        supervision: { restartBackoff: { initialMs: 50, maxMs: 200 }, crashLoop: { maxCrashes: 2, windowMs: 60_000 } },
      },
    ],
  });
  serve = await ServeProcess.start(dataDir, ["--config", config]);
});

afterAll(() => {
  serve?.kill();
  removeDir(dataDir);
});

type PluginJson = { state: string; pid: number | null; restarts: number; stateMessage: string | null };

async function plugin(): Promise<PluginJson> {
  const { code, json } = await runJson(["plugin", "show", "file-driver", "--data-dir", dataDir]);
  expect(code).toBe(0);
  return json as unknown as PluginJson;
}

/** Polls `cghost plugin show` until `accept` holds. */
async function pluginUntil(accept: (p: PluginJson) => boolean, timeoutMs = 15_000): Promise<PluginJson> {
  const until = Date.now() + timeoutMs;
  let last = await plugin();
  while (!accept(last)) {
    if (Date.now() > until) throw new Error(`the plugin never got there; last seen ${JSON.stringify(last)}`);
    last = await plugin();
  }
  return last;
}

async function metric(series: string): Promise<number> {
  const text = await (await fetch(serve!.state().metricsUrl!)).text();
  return Number(new RegExp(`^${series.replace(/[{}"]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1] ?? "NaN");
}

describe("a plugin that dies under cghost serve", () => {
  it("is restarted, and every view follows it", async () => {
    const first = await plugin();
    expect(first).toMatchObject({ state: "ready", restarts: 0 });
    process.kill(first.pid!, "SIGKILL");

    const back = await pluginUntil((p) => p.state === "ready" && p.restarts === 1);
    expect(back.pid).not.toBe(first.pid);
    expect(isAlive(first.pid!)).toBe(false);
    expect(serve!.state().plugin.pid).toBe(back.pid);
    // The relaunched child listens somewhere new; serve.json says where.
    const shown = (await runJson(["plugin", "show", "file-driver", "--data-dir", dataDir])).json as { address: string };
    expect(serve!.state().plugin.address).toBe(shown.address);
    expect(await metric('cghost_plugin_restarts_total{plugin="file-driver"}')).toBe(1);
    expect(await metric('cghost_plugin_state{plugin="file-driver",state="ready"}')).toBe(1);

    const group = await runJson(["group", "create", "--name", "after-restart", "--volume-type", "standard", "--data-dir", dataDir]);
    expect(group.code).toBe(0);
  });

  it("is refused once it crash-loops, until an operator resets it", async () => {
    // The second crash within the window marks it failed (crashLoop.maxCrashes 2).
    process.kill((await plugin()).pid!, "SIGKILL");
    const failed = await pluginUntil((p) => p.state === "failed");
    expect(failed.stateMessage).toMatch(/crashed 2 times/);
    // No child is alive: serve.json names none rather than the dead one.
    expect(serve!.state().plugin.pid).toBeUndefined();

    const refused = await runJson(["group", "create", "--name", "refused", "--volume-type", "standard", "--data-dir", dataDir]);
    expect(refused.code).toBe(3);
    expect(refused.json.error).toMatchObject({ code: "PLUGIN_UNAVAILABLE", message: expect.stringContaining("failed") });
    const groups = await runJson(["group", "list", "--data-dir", dataDir]);
    expect((groups.json.groups as Array<{ name: string }>).map((g) => g.name)).toEqual(["after-restart"]);

    const reset = await runJson(["plugin", "reset", "file-driver", "--data-dir", dataDir]);
    expect(reset.code).toBe(0);
    await pluginUntil((p) => p.state === "ready");
    const again = await runJson(["group", "create", "--name", "after-reset", "--volume-type", "standard", "--data-dir", dataDir]);
    expect(again.code).toBe(0);
  });
});
