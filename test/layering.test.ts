// DESIGN.md's layering, checked on the source: rules/ is pure, plugin-sdk/ and host/ meet only in
// the generated contract, one module per side imports gen/, and host/ has no import cycles.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

function sources(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return sources(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports, resolved to a repo path when relative. */
function importsOf(file: string): Array<{ spec: string; target: string; typeOnly: boolean }> {
  const text = readFileSync(join(root, file), "utf8");
  const found: Array<{ spec: string; target: string; typeOnly: boolean }> = [];
  for (const match of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+"([^"]+)"/gms)) {
    const spec = match[3]!;
    const target = spec.startsWith(".") ? relative(root, resolve(root, dirname(file), spec)).replace(/\.js$/, ".ts") : spec;
    found.push({ spec, target, typeOnly: match[2] !== undefined });
  }
  return found;
}

describe("layering", () => {
  it("host/rules/ imports nothing but the model, the contract's types and enums, and itself", () => {
    for (const file of sources("host/rules")) {
      for (const { target } of importsOf(file)) {
        const allowed = target.startsWith("host/rules/") || target === "host/model.ts" || target === "host/contract.ts";
        expect(allowed, `${file} imports ${target}`).toBe(true);
      }
    }
  });

  it("plugin-sdk/ never imports host/, and host/ never imports plugin-sdk/", () => {
    for (const file of sources("plugin-sdk")) {
      for (const { target } of importsOf(file)) expect(target.startsWith("host/"), `${file} imports ${target}`).toBe(false);
    }
    for (const file of sources("host")) {
      for (const { target } of importsOf(file)) expect(target.startsWith("plugin-sdk/"), `${file} imports ${target}`).toBe(false);
    }
  });

  it("one module per side imports each generated contract: the driver's, and the host's front API", () => {
    const importers = new Map<string, string[]>([
      ["gen/cgdriver/", ["host/contract.ts", "plugin-sdk/contract.ts"]],
      ["gen/cghost/", ["host/front/front-contract.ts"]],
    ]);
    for (const file of [...sources("host"), ...sources("plugin-sdk")]) {
      for (const { target } of importsOf(file)) {
        if (!target.startsWith("gen/")) continue;
        const allowed = [...importers].find(([prefix]) => target.startsWith(prefix))?.[1] ?? [];
        expect(allowed, `${file} imports ${target}`).toContain(file);
      }
    }
  });

  it("the examples import the SDK, never the host or the generated code", () => {
    for (const file of sources("examples")) {
      for (const { target } of importsOf(file)) {
        expect(target.startsWith("host/") || target.startsWith("gen/"), `${file} imports ${target}`).toBe(false);
      }
    }
  });

  it("host/ folders depend downward only: store, rules and plugin never import the manager or the cli", () => {
    for (const layer of ["host/rules", "host/store", "host/plugin"]) {
      for (const file of sources(layer)) {
        for (const { target } of importsOf(file)) {
          const upward = target.startsWith("host/manager/") || target.startsWith("host/cli/");
          expect(upward, `${file} imports ${target}`).toBe(false);
        }
      }
    }
  });

  it("host/ and plugin-sdk/ have no import cycles", () => {
    const files = [...sources("host"), ...sources("plugin-sdk")];
    const graph = new Map(files.map((f) => [f, importsOf(f).filter((i) => !i.typeOnly).map((i) => i.target)]));
    const state = new Map<string, "visiting" | "done">();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "visiting") {
        cycles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
        return;
      }
      state.set(file, "visiting");
      for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next, [...path, file]);
      state.set(file, "done");
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
