// The file driver as the build ships it and `cghost serve` launches it: one bundled module that
// needs nothing but Node, so it runs from a copy far from node_modules and answers like main.js.
import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { fileDriverMain, fileDriverPlugin } from "../host/cli/default-plugin.js";
import { openHost } from "../host/index.js";
import { tempDirPerTest } from "./support/temp-dir.js";

const BUNDLE = join(import.meta.dirname, "..", "dist", "examples", "file-driver", "file-driver.mjs");
const BUNDLER = join(import.meta.dirname, "..", "dist", "examples", "file-driver", "bundle.js");

const dir = tempDirPerTest("cghost-bundle-");

/** Every module the bundle names: static and dynamic imports, and require() calls. */
function namedModules(source: string): string[] {
  const names = new Set<string>();
  for (const pattern of [/^\s*import\s[^\n]*?\bfrom\s*["']([^"'\n]+)["']/gm, /\bimport\(\s*["']([^"'\n]+)["']\s*\)/g, /\b(?:__)?require\(\s*["']([^"'\n]+)["']\s*\)/g]) {
    for (const match of source.matchAll(pattern)) names.add(match[1]!);
  }
  return [...names];
}

describe("the bundled file driver", () => {
  it("is what cghost serve launches", () => {
    expect(fileDriverMain()).toBe(BUNDLE);
    expect(fileDriverPlugin("/data").args).toEqual([BUNDLE, "--data-dir", "/data"]);
  });

  it("names no module but Node's own", () => {
    const named = namedModules(readFileSync(BUNDLE, "utf8"));
    // grpc-js is inside, its require() of http2 kept as a call for Node to answer.
    expect(named).toEqual(expect.arrayContaining(["node:module", "http2"]));
    expect(named.filter((name) => !isBuiltin(name))).toEqual([]);
  });

  it("runs from a copy outside the project and writes every status through the host", async () => {
    const copy = join(dir.path, "file-driver.mjs");
    copyFileSync(BUNDLE, copy);
    const storePath = join(dir.path, "cghost.db");
    const host = await openHost({ storePath, plugin: { command: process.execPath, args: [copy, "--data-dir", join(dir.path, "files")] } });
    try {
      expect(host.pluginInfo.name).toBe("file-driver");
      expect(readFileSync(`/proc/${host.pluginPid}/cmdline`, "utf8").split("\0")).toContain(copy);
      const group = await host.createGroup({ name: "bundled", volumeTypes: ["gold"] });
      const volume = host.registerVolume({ sizeGb: 1, volumeType: "gold" });
      await host.updateGroup(group.id, { addVolumeIds: [volume.id] });
      await host.deleteGroup(group.id, { deleteVolumes: true });
    } finally {
      await host.close();
    }
    const db = dir.track(new Database(storePath, { readonly: true, fileMustExist: true }));
    expect(db.prepare("SELECT status, deleted_at IS NOT NULL AS gone FROM groups").all()).toEqual([{ status: "deleted", gone: 1 }]);
    expect(db.prepare("SELECT status, deleted_at IS NOT NULL AS gone FROM volumes").all()).toEqual([{ status: "deleted", gone: 1 }]);
    expect(db.prepare("SELECT COUNT(*) AS open FROM journal WHERE closed_at IS NULL").get()).toEqual({ open: 0 });
  });

  it("is made by a bundler that has help and refuses arguments", () => {
    const help = spawnSync(process.execPath, [BUNDLER, "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: node dist\/examples\/file-driver\/bundle\.js/);
    const refused = spawnSync(process.execPath, [BUNDLER, "--minify"], { encoding: "utf8" });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("takes no arguments (got --minify)");
  });
});
