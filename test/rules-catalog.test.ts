// Keeps the rule ids in step across the three places they live: the catalog
// (host/rules/catalog.ts), docs/rules.md, and the test titles under test/ (a title opening with its
// id). An id cannot be documented without existing, exist without a test, or be named by a test
// without existing.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { RULE_IDS } from "../host/rules/catalog.js";

const root = join(import.meta.dirname, "..");
const ID = /\bR\d+\.\d+\b/g;
// it or test (with any modifier such as .skip), any quote, and the id opening the title.
const TITLE = /\b(?:it|test)(?:\.\w+)*\(\s*["'`](R\d+\.\d+)\b/g;

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith(".test.ts") ? [relative(root, path)] : [];
  });
}

/** Every id opening a test title, with the files that name it. */
function idsInTestTitles(): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  for (const file of testFiles(join(root, "test"))) {
    for (const match of readFileSync(join(root, file), "utf8").matchAll(TITLE)) {
      const id = match[1]!;
      found.set(id, (found.get(id) ?? new Set()).add(file));
    }
  }
  return found;
}

interface DocRow {
  id: string;
  section: string;
  files: string[];
}

/** The table rows of docs/rules.md: `| id | section | row text | tests |`. */
function docRows(text: string): DocRow[] {
  return text
    .split("\n")
    .filter((line) => /^\|\s*R\d+\.\d+\s*\|/.test(line))
    .map((line) => {
      const cells = line.split("|").map((cell) => cell.trim());
      return {
        id: cells[1]!,
        section: cells[2]!,
        files: [...cells[cells.length - 2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!),
      };
    });
}

const docs = readFileSync(join(root, "docs", "rules.md"), "utf8");
const rows = docRows(docs);
const titles = idsInTestTitles();
const catalog = new Set<string>(RULE_IDS);

describe("rule catalog", () => {
  it("documents every catalog id in one row of docs/rules.md, under its own section", () => {
    for (const id of RULE_IDS) {
      const matching = rows.filter((row) => row.id === id);
      expect(matching, `${id} rows in docs/rules.md`).toHaveLength(1);
      expect(matching[0]!.section, `${id} section`).toBe(id.slice(1).split(".")[0]);
    }
  });

  it("mentions no id in docs/rules.md that the catalog does not define", () => {
    for (const [id] of docs.matchAll(ID)) expect(catalog.has(id), `docs/rules.md names ${id}`).toBe(true);
  });

  it("names every catalog id in at least one test title", () => {
    for (const id of RULE_IDS) expect(titles.has(id), `no test title starts with ${id}`).toBe(true);
  });

  it("names no unknown id in any test title", () => {
    for (const [id, files] of titles) expect(catalog.has(id), `${[...files].join(", ")} name ${id}`).toBe(true);
  });

  it("has, for each id, a test through the host (a real plugin process and the database) that names it", () => {
    for (const id of RULE_IDS) {
      const hostFiles = [...(titles.get(id) ?? [])].filter((file) => file.startsWith("test/host-"));
      expect(hostFiles, `no test/host-*.test.ts title starts with ${id}`).not.toHaveLength(0);
    }
  });

  it("lists, for each id, test files that really name it, the pure rule tests among them", () => {
    for (const row of rows) {
      const naming = titles.get(row.id) ?? new Set<string>();
      expect(row.files.length, `${row.id} lists no test file`).toBeGreaterThan(0);
      for (const file of row.files) expect(naming.has(file), `docs/rules.md says ${file} names ${row.id}`).toBe(true);
      for (const file of naming) {
        if (file.startsWith("test/rules-")) expect(row.files, `${row.id} should list ${file}`).toContain(file);
      }
    }
  });
});
