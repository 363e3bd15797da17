// The benchmark's command line: what the full and the quick run measure, the overrides, the
// help, and refusals that name the bad value.
import { describe, expect, it } from "vitest";
import { HELP, parsePlan, SECTIONS, type RunPlan } from "../bench/plan.js";

function plan(...argv: string[]): RunPlan {
  const parsed = parsePlan(argv);
  if (parsed === "help") throw new Error("expected a plan, got help");
  return parsed;
}

describe("bench command line", () => {
  it("runs every section by default, three repeats, both durabilities and the reference sides", () => {
    const full = plan();
    expect([...full.sections]).toEqual([...SECTIONS]);
    expect(full.repeats).toBe(3);
    expect(full.latency.durabilities).toEqual(["normal", "full"]);
    expect(full.latency.referenceSides).toBe(true);
    expect(full.throughput.concurrencies).toEqual([1, 16, 64, 256]);
    expect(full.scale.volumes).toEqual([1_000, 10_000, 100_000]);
    expect(full.startRepeats).toBeGreaterThanOrEqual(5);
  });

  it("--quick runs the baseline, create and delete one at a time, and 64 callers", () => {
    const quick = plan("--quick");
    expect([...quick.sections]).toEqual(["latency", "throughput"]);
    expect(quick.latency.operations).toEqual(["create_group", "delete_group"]);
    expect(quick.latency.durabilities).toEqual(["normal"]);
    expect(quick.throughput.concurrencies).toEqual([64]);
  });

  it("takes --only, --repeats, --scale-volumes and --out", () => {
    const p = plan("--only", "scale,start", "--repeats", "7", "--scale-volumes", "1000,100000", "--out", "/tmp/x.json");
    expect([...p.sections]).toEqual(["scale", "start"]);
    expect(p.repeats).toBe(7);
    expect(p.startRepeats).toBe(7);
    expect(p.scale.volumes).toEqual([1000, 100000]);
    expect(p.outPath).toBe("/tmp/x.json");
  });

  it("refuses what it does not know, naming it", () => {
    expect(() => parsePlan(["--bogus"])).toThrow(/unknown argument "--bogus"\nusage: npm run bench/);
    expect(() => parsePlan(["--only", "latency,speed"])).toThrow(/unknown section "speed"/);
    expect(() => parsePlan(["--repeats", "0"])).toThrow(/--repeats must be a whole number >= 1/);
    expect(() => parsePlan(["--scale-volumes", "1000,x"])).toThrow(/--scale-volumes takes whole numbers >= 1/);
    expect(() => parsePlan(["--out"])).toThrow(/--out needs a value/);
  });

  it("--help asks for the help, which names every section and option", () => {
    expect(parsePlan(["--quick", "--help"])).toBe("help");
    expect(parsePlan(["-h"])).toBe("help");
    for (const word of [...SECTIONS, "--quick", "--repeats", "--only", "--scale-volumes", "--out", "latency ratio p50 X.XX, throughput ratio Y.YY"]) {
      expect(HELP).toContain(word);
    }
  });
});
