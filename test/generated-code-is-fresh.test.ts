// gen/ must be exactly what `npm run generate` produces from proto/: regenerate into a temporary
// folder and compare file by file.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const scratch = mkdtempSync(join(tmpdir(), "cghost-gen-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe("generated code", () => {
  it("is what buf generate makes from the protos now (run `npm run generate` if this fails)", () => {
    execFileSync(join(root, "node_modules/.bin/buf"), ["generate", "--output", scratch], { cwd: root, stdio: "pipe" });
    const fresh = filesUnder(join(scratch, "gen")).map((f) => relative(join(scratch, "gen"), f)).sort();
    const committed = filesUnder(join(root, "gen")).map((f) => relative(join(root, "gen"), f)).sort();
    expect(committed).toEqual(fresh);
    for (const file of fresh) {
      expect(readFileSync(join(root, "gen", file), "utf8"), `gen/${file} is stale`).toBe(
        readFileSync(join(scratch, "gen", file), "utf8"),
      );
    }
  });

  it("comes from protos that pass buf lint", () => {
    const out = execFileSync(join(root, "node_modules/.bin/buf"), ["lint"], { cwd: root, stdio: "pipe" }).toString();
    expect(out.trim()).toBe("");
  });
});
