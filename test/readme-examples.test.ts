// The README's two code examples, kept true: the embedding example runs against the built
// package (through its "cghost/host" export) with the example file driver, and the driver
// examples (the README's and docs/writing-a-driver.md's) type-check against "cghost/plugin-sdk".
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..");
const readme = readFileSync(join(root, "README.md"), "utf8");

const guide = { name: "docs/writing-a-driver.md", text: readFileSync(join(root, "docs", "writing-a-driver.md"), "utf8") };

/** The first ```ts block after the heading `## title` of a document (README.md by default). */
function exampleUnder(title: string, doc = { name: "README.md", text: readme }): string {
  const at = doc.text.indexOf(`## ${title}\n`);
  if (at < 0) throw new Error(`${doc.name} has no section '## ${title}'`);
  const block = /```ts\n([\s\S]*?)```/.exec(doc.text.slice(at));
  if (!block) throw new Error(`${doc.name}'s section '${title}' has no ts example`);
  return block[1]!;
}

// Inside the repository, so that "cghost/..." resolves to this package's own exports.
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(root, ".readme-check-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("README examples", () => {
  it("the embedding example runs: a group, two volumes, a cgsnapshot and a clone, all available", { timeout: 90_000 }, async () => {
    const code = exampleUnder("Embedding the host").replaceAll(
      '"dist/examples/file-driver/file-driver.mjs"',
      JSON.stringify(join(root, "dist", "examples", "file-driver", "file-driver.mjs")),
    );
    expect(code).toContain('from "cghost/host"');
    writeFileSync(join(dir, "embed.mjs"), code);
    const { stdout, stderr } = await run(process.execPath, [join(dir, "embed.mjs")], { cwd: dir, timeout: 60_000 });
    expect(stderr).toBe("");
    expect(stdout.trim()).toBe("available [ 'available', 'available' ]");
  });

  it("the driver examples (README, docs/writing-a-driver.md section 4) type-check against the SDK", async () => {
    const code = exampleUnder("Writing a driver (TypeScript)");
    expect(code).toContain('from "cghost/plugin-sdk"');
    writeFileSync(join(dir, "driver.ts"), code);
    const operations = exampleUnder("4. The operations", guide);
    expect(operations).toContain('from "cghost/plugin-sdk"');
    writeFileSync(join(dir, "operations.ts"), operations);
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, noEmit: true, types: ["node"] },
        files: ["driver.ts", "operations.ts"],
      }),
    );
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    const result = await run(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { cwd: dir, timeout: 120_000 }).catch(
      (error: { stdout?: string; code?: number }) => ({ stdout: error.stdout ?? String(error), failed: true }),
    );
    expect(result.stdout).toBe("");
  });
});
