// What a person sees without --json: aligned tables for lists, a field list for one object, and
// its last error spelled out, since that is what a person needs when something is in `error`.
import type { CgSnapshot, ConsistencyGroup, LastError, Operation, OperationEvent, OperationRows, Plugin, Snapshot, Volume } from "../front/front-contract.js";

/** Rows aligned under a header; an empty list says so instead of printing a bare header. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, empty: string): string {
  if (rows.length === 0) return `${empty}\n`;
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return `${[line(headers), ...rows.map(line)].join("\n")}\n`;
}

/** Label: value lines, labels aligned. */
function fields(entries: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...entries.map(([label]) => label.length));
  return entries.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join("\n") + "\n";
}

/** Volumes as a table. */
export function volumesTable(volumes: readonly Volume[]): string {
  return table(
    ["ID", "STATUS", "SIZE", "TYPE", "GROUP", "NAME"],
    volumes.map((v) => [v.id, v.status, `${v.sizeGb} GB`, v.volumeType, v.groupId || "-", v.name || "-"]),
    "No volumes.",
  );
}

/** Groups as a table. */
export function groupsTable(groups: readonly ConsistencyGroup[]): string {
  return table(
    ["ID", "STATUS", "NAME", "VOLUME TYPES", "CREATED"],
    groups.map((g) => [g.id, g.status, g.name, g.volumeTypes.join(","), isoSeconds(g.createTime)]),
    "No groups.",
  );
}

/** Cgsnapshots as a table. */
export function cgsnapshotsTable(cgsnapshots: readonly CgSnapshot[]): string {
  return table(
    ["ID", "STATUS", "GROUP", "NAME", "CREATED"],
    cgsnapshots.map((c) => [c.id, c.status, c.groupId, c.name || "-", isoSeconds(c.createTime)]),
    "No cgsnapshots.",
  );
}

/** Plugins as a table. */
export function pluginsTable(plugins: readonly Plugin[]): string {
  return table(
    ["NAME", "STATE", "VERSION", "RESTARTS", "PID", "OPERATIONS"],
    plugins.map((p) => [p.name, p.state, p.vendorVersion, String(p.restarts), p.pid ? String(p.pid) : "-", `${p.operations.length} of 6`]),
    "No plugins.",
  );
}

/** One volume. */
export function volumeText(v: Volume): string {
  return (
    `volume ${v.id}  ${v.status}\n` +
    fields([
      ["name", v.name || "-"],
      ["size", `${v.sizeGb} GB`],
      ["volume type", v.volumeType],
      ["group", v.groupId || "-"],
      ["copied from", v.sourceId || "-"],
      ["project", v.projectId],
      ["provider", providerText(v)],
      ["created", isoSeconds(v.createTime)],
      ...deletedField(v.deleteTime),
      ...lastErrorField(v.lastError),
    ])
  );
}

/** One group and its volumes. */
export function groupText(g: ConsistencyGroup, volumes: readonly Volume[]): string {
  const source = g.sourceCgsnapshotId ? `cgsnapshot ${g.sourceCgsnapshotId}` : g.sourceGroupId ? `group ${g.sourceGroupId}` : "-";
  return (
    `group ${g.id}  ${g.status}\n` +
    fields([
      ["name", g.name],
      ["description", g.description || "-"],
      ["volume types", g.volumeTypes.join(", ")],
      ["copied from", source],
      ["project", g.projectId],
      ["provider", providerText(g)],
      ["created", isoSeconds(g.createTime)],
      ...deletedField(g.deleteTime),
      ...lastErrorField(g.lastError),
    ]) +
    (volumes.length === 0 ? "\nNo volumes.\n" : `\n${volumes.length === 1 ? "1 volume" : `${volumes.length} volumes`}:\n${indent(volumesTable(volumes))}`)
  );
}

/** One cgsnapshot and its snapshots. */
export function cgsnapshotText(c: CgSnapshot, snapshots: readonly Snapshot[]): string {
  return (
    `cgsnapshot ${c.id}  ${c.status}\n` +
    fields([
      ["group", c.groupId],
      ["name", c.name || "-"],
      ["description", c.description || "-"],
      ["provider", providerText(c)],
      ["created", isoSeconds(c.createTime)],
      ...deletedField(c.deleteTime),
      ...lastErrorField(c.lastError),
    ]) +
    (snapshots.length === 0
      ? "\nNo snapshots.\n"
      : `\n${snapshots.length === 1 ? "1 snapshot" : `${snapshots.length} snapshots`}:\n` +
        indent(table(["ID", "STATUS", "VOLUME", "SIZE"], snapshots.map((s) => [s.id, s.status, s.volumeId, `${s.volumeSizeGb} GB`]), "")))
  );
}

/** One plugin. */
export function pluginText(p: Plugin): string {
  return (
    `plugin ${p.name}  ${p.state}\n` +
    fields([
      ...(p.stateMessage ? ([["why", p.stateMessage]] as const) : []),
      ["version", p.vendorVersion],
      ["contract", p.contractVersions.join(", ")],
      ["restarts", String(p.restarts)],
      ["pid", p.pid ? String(p.pid) : "- (none: a sidecar, or a child that is not running now)"],
      ["address", p.address],
      ["operations", p.operations.join(", ") || "none"],
      ["copies from", p.createFromSourceKinds.join(", ") || "nothing"],
    ])
  );
}

/** Operations of the journal as a table, newest first. */
export function operationsTable(operations: readonly Operation[]): string {
  return table(
    ["ID", "OPERATION", "STATE", "RESULT", "GROUP", "STARTED", "TOOK"],
    operations.map((o) => [o.operationId, o.operation, o.state, o.result || "-", o.groupId, isoSeconds(o.startTime), took(o)]),
    "No operations.",
  );
}

/** One operation of the journal and the rows it names (at most 10 ids of a kind; the rest counted). */
export function operationText(o: Operation, rows: OperationRows): string {
  const ids = (kind: string, list: readonly string[]): Array<readonly [string, string]> => {
    if (list.length === 0) return [];
    const shown = list.slice(0, 10).join(", ");
    return [[`${kind}s`, list.length > 10 ? `${shown} and ${list.length - 10} more` : shown]];
  };
  return (
    `operation ${o.operationId}  ${o.state}\n` +
    fields([
      ["operation", o.operation],
      ["result", o.result || "-"],
      ["group", o.groupId],
      ["request id", o.requestId || "-"],
      ["started", isoMillis(o.startTime)],
      ["ended", o.endTime ? `${isoMillis(o.endTime)} (${took(o)})` : "-"],
      ...ids("group", rows.groupIds),
      ...ids("volume", rows.volumeIds),
      ...ids("cgsnapshot", rows.cgsnapshotIds),
      ...ids("snapshot", rows.snapshotIds),
    ]) +
    (STATE_NOTES[o.state] ? `\n${STATE_NOTES[o.state]}\n` : "")
  );
}

/** What an open operation's state means for the person reading it. */
const STATE_NOTES: Readonly<Record<string, string>> = {
  running: "The server is calling the driver, or recording its answer.",
  recording: "The driver answered, but the server's database refused the outcome; the server keeps trying. Check its disk and log.",
  unfinished: "A server stopped before this ended; the next start settles it (it calls the driver again with this operation id).",
};

function took(o: Operation): string {
  if (!o.startTime || !o.endTime) return "-";
  return `${o.endTime.getTime() - o.startTime.getTime()} ms`;
}

/**
 * One operation's outcome on one line: when, what, how it ended and by which rule, how long, its
 * group and operation ids, the statuses it wrote (a run of one kind and status counted, so a
 * 100,000-volume delete stays one short line), then any warnings.
 */
export function operationLine(e: OperationEvent): string {
  const outcome = e.ok ? `succeeded (${e.ruleId})` : `failed (${e.ruleId}, ${e.cause})`;
  const runs = new Map<string, string[]>();
  for (const w of e.written) {
    const key = `${w.kind} ${w.status}`;
    const ids = runs.get(key);
    if (ids) ids.push(w.id);
    else runs.set(key, [w.id]);
  }
  const written = [...runs].map(([key, ids]) => {
    const [kind, status] = key.split(" ") as [string, string];
    return ids.length === 1 ? `${kind} ${ids[0]} ${status}` : `${ids.length} ${kind}s ${status}`;
  });
  const parts = [
    isoMillis(e.time),
    e.operation,
    `${outcome} in ${e.durationMs} ms`,
    `group ${e.groupId}`,
    `operation ${e.operationId}`,
    `wrote ${written.join(", ") || "nothing"}`,
    ...e.warnings.map((w) => `warning: ${w}`),
  ];
  return `${parts.join("  ")}\n`;
}

function isoMillis(time: Date | undefined): string {
  return time ? time.toISOString() : "-";
}

function providerText(row: { providerLocation: string; providerId: string }): string {
  const parts = [row.providerId ? `id ${row.providerId}` : "", row.providerLocation ? `at ${row.providerLocation}` : ""].filter(Boolean);
  return parts.length === 0 ? "-" : parts.join(", ");
}

function deletedField(time: Date | undefined): Array<readonly [string, string]> {
  return time ? [["deleted", isoSeconds(time)]] : [];
}

function lastErrorField(error: LastError | undefined): Array<readonly [string, string]> {
  if (!error) return [];
  const grpc = error.grpcCode ? `, gRPC code ${error.grpcCode.value}` : "";
  return [["last error", `${error.code}: ${error.message} (operation ${error.operationId}${grpc}, ${isoSeconds(error.time)})`]];
}

function isoSeconds(time: Date | undefined): string {
  return time ? time.toISOString().replace(/\.\d{3}Z$/, "Z") : "-";
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? line : `  ${line}`))
    .join("\n");
}
