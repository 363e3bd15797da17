// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by area (package, dist/ folder,
// Node internal), then the functions with the most self and total (inclusive) time:
//   node dist/bench/profile-summary.js /tmp/prof/CPU.*.cpuprofile [top]
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [path, topArg] = process.argv.slice(2);
if (!path) {
  console.error("usage: profile-summary.js file.cpuprofile [top]");
  process.exit(2);
}
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(path, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const label = (n: ProfileNode): string => {
  const url = n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, "$1/");
  return `${n.callFrame.functionName || "(anonymous)"} ${url}:${n.callFrame.lineNumber + 1}`;
};
// Where self time lands, by area: a package, a folder of dist/, a Node internal, or V8 itself.
const area = (n: ProfileNode): string => {
  const url = n.callFrame.url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `package ${pkg[1]}`;
  const own = /\/dist\/([^/]+(?:\/[^/]+)?)\//.exec(url);
  if (own) return `dist/${own[1]}`;
  if (url.startsWith("node:")) return url.replace(/^node:(internal\/)?([^/]+).*/, "node $2");
  return n.callFrame.functionName.startsWith("(") ? n.callFrame.functionName : "other";
};
const byArea = new Map<string, number>();
const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  all += dt;
  const node = byId.get(id)!;
  self.set(label(node), (self.get(label(node)) ?? 0) + dt);
  byArea.set(area(node), (byArea.get(area(node)) ?? 0) + dt);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const l = label(byId.get(at)!);
    if (seen.has(l)) continue;
    seen.add(l);
    total.set(l, (total.get(l) ?? 0) + dt);
  }
});
const show = (title: string, map: Map<string, number>): void => {
  console.log(`\n${title} (of ${(all / 1000).toFixed(0)} ms sampled)`);
  for (const [l, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * t) / all).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(0).padStart(6)} ms  ${l}`);
  }
};
show("self time by area", byArea);
show("self time", self);
show("total time", total);
