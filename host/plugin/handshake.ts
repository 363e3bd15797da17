// The launched-child handshake line of proto/README.md, and contract-version negotiation. Pure:
// no I/O, so the launcher and the tests share one definition of a valid line.
import { PluginLaunchError } from "./errors.js";

/** The handshake format version this host reads (`cghost_handshake`). */
export const HANDSHAKE_FORMAT = 1;

/** The contract versions this host speaks, oldest first. */
export const HOST_CONTRACT_VERSIONS: readonly string[] = ["v1"];

/** A handshake line that passed every check. */
export interface Handshake {
  /** `unix://` followed by the socket path the host chose, or `127.0.0.1:PORT` for a TCP launch. */
  address: string;
  contractVersions: string[];
  /** The pid the plugin reported (informational: the host trusts the pid it spawned). */
  pid: number | undefined;
}

/**
 * What the line must match: the values the host gave the plugin. A Unix launch names the socket
 * path; a TCP launch (`transport: "tcp"`) expects a loopback `127.0.0.1:PORT` the plugin chose.
 */
export type HandshakeExpectation = { nonce: string; socketPath: string } | { nonce: string; transport: "tcp" };

/** Parses and checks one handshake line; throws PLUGIN_HANDSHAKE_INVALID naming what is wrong. */
export function parseHandshakeLine(line: string, expected: HandshakeExpectation): Handshake {
  const invalid = (why: string): PluginLaunchError =>
    new PluginLaunchError(
      "PLUGIN_HANDSHAKE_INVALID",
      `${why}; the line was ${quote(line)}; the plugin must write the line exactly as proto/README.md describes`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw invalid("the handshake line is not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalid("the handshake line is not a JSON object");
  }
  const fields = parsed as Record<string, unknown>;
  if (fields.cghost_handshake !== HANDSHAKE_FORMAT) {
    throw invalid(`cghost_handshake must be ${HANDSHAKE_FORMAT}, got ${JSON.stringify(fields.cghost_handshake)}`);
  }
  // A wrong nonce means the line is not an answer to this launch (a stale or foreign plugin).
  if (fields.nonce !== expected.nonce) {
    throw invalid(`nonce must echo CGHOST_PLUGIN_NONCE, got ${JSON.stringify(fields.nonce)}`);
  }
  let address: string;
  if ("socketPath" in expected) {
    address = `unix://${expected.socketPath}`;
    if (fields.address !== address) {
      throw invalid(`address must be ${JSON.stringify(address)} (unix:// and CGHOST_PLUGIN_SOCKET), got ${JSON.stringify(fields.address)}`);
    }
  } else {
    // Loopback only: the host dials what the line says, and must never be sent off the machine.
    const match = typeof fields.address === "string" ? /^127\.0\.0\.1:(\d{1,5})$/.exec(fields.address) : null;
    const port = match ? Number(match[1]) : 0;
    if (!match || port < 1 || port > 65535) {
      throw invalid(`address must be "127.0.0.1:PORT" (a TCP launch listens on loopback), got ${JSON.stringify(fields.address)}`);
    }
    address = fields.address as string;
  }
  const versions = fields.contract_versions;
  if (!Array.isArray(versions) || versions.length === 0 || !versions.every((v): v is string => typeof v === "string" && v !== "")) {
    throw invalid(`contract_versions must be a non-empty array of strings, got ${JSON.stringify(versions)}`);
  }
  const pid = fields.pid;
  if (pid !== undefined && !(Number.isSafeInteger(pid) && (pid as number) > 0)) {
    throw invalid(`pid must be a positive integer when present, got ${JSON.stringify(pid)}`);
  }
  return { address, contractVersions: versions, pid: pid as number | undefined };
}

/**
 * Picks the highest contract version both lists hold (`v2` above `v1`); throws
 * PLUGIN_CONTRACT_MISMATCH naming both lists when they share none. `source` says where the
 * plugin's list came from, for the message.
 */
export function negotiateContract(hostVersions: readonly string[], pluginVersions: readonly string[], source: string): string {
  const shared = pluginVersions.filter((v) => hostVersions.includes(v));
  if (shared.length === 0) {
    throw new PluginLaunchError(
      "PLUGIN_CONTRACT_MISMATCH",
      `the host speaks contract versions [${hostVersions.join(", ")}] and the plugin (${source}) speaks [${pluginVersions.join(", ")}]; ` +
        "they share none: upgrade the older side, or run a plugin built for one of the host's versions",
    );
  }
  return shared.reduce((best, v) => (versionRank(v) > versionRank(best) ? v : best));
}

/** `vN` ranks N; anything else ranks below every `vN`, so a known version always wins. */
function versionRank(version: string): number {
  const match = /^v(\d+)$/.exec(version);
  return match ? Number(match[1]) : -1;
}

/** The line as a JSON string, cut to a readable length. */
function quote(line: string): string {
  const max = 300;
  return JSON.stringify(line.length > max ? `${line.slice(0, max)}...` : line);
}
