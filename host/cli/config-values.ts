// Reading typed values out of a parsed JSON configuration: each reader names the key's path and
// the file, the value it found, and what is allowed, so a person can fix the file at once.
import { isAbsolute, resolve } from "node:path";

/** A configuration `cghost serve` cannot run with; exit code 2. */
export class ConfigError extends Error {
  readonly code = "CONFIG";
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Names a key for an error message: `store.durability in /etc/cghost.json`. */
export type KeyNamer = (path: string) => string;

/** The value as a JSON object, or an error naming `path`. */
export function objectAt(value: unknown, path: string, at: KeyNamer): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(`${at(path)} must be a JSON object, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Refuses a key that is not one of `allowed`, listing those that are. */
export function checkKeys(object: Record<string, unknown>, allowed: readonly string[], path: string, at: KeyNamer): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(`${at(path)} has an unknown key ${JSON.stringify(key)}; the keys allowed there are ${allowed.join(", ")} (docs/cli.md)`);
    }
  }
}

/** A non-empty string, or undefined when absent. */
export function optionalString(value: unknown, path: string, at: KeyNamer): string | undefined {
  return value === undefined ? undefined : nonEmptyString(value, path, at);
}

/** A non-empty string. */
export function nonEmptyString(value: unknown, path: string, at: KeyNamer): string {
  if (typeof value !== "string" || value === "") throw new ConfigError(`${at(path)} must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

/** true or false, or undefined when absent. */
export function optionalBoolean(value: unknown, path: string, at: KeyNamer): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw new ConfigError(`${at(path)} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/** A list of strings, or undefined when absent. */
export function optionalStringList(value: unknown, path: string, at: KeyNamer): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw new ConfigError(`${at(path)} must be a list of strings, got ${JSON.stringify(value)}`);
  }
  return value as string[];
}

/** An object whose every value is a string. */
export function stringMap(value: unknown, path: string, at: KeyNamer): Record<string, string> {
  const map = objectAt(value, path, at);
  for (const [key, v] of Object.entries(map)) {
    if (typeof v !== "string") throw new ConfigError(`${at(`${path}.${key}`)} must be a string, got ${JSON.stringify(v)}`);
  }
  return map as Record<string, string>;
}

/** Whole milliseconds from 1 (or 0 with allowZero) to a day, or undefined when absent. */
export function optionalMs(value: unknown, path: string, at: KeyNamer, options: { allowZero?: boolean } = {}): number | undefined {
  if (value === undefined) return undefined;
  const min = options.allowZero ? 0 : 1;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > 86_400_000) {
    throw new ConfigError(`${at(path)} must be a whole number of milliseconds from ${min} to 86400000 (a day), got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A TCP port from 0 to 65535, given as a number or a string of digits (a flag); `shown` is what the error quotes. */
export function portFrom(value: unknown, where: string, shown: unknown = value): number {
  const port = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`${where} must be a port from 0 (the OS chooses a free one) to 65535, got ${JSON.stringify(shown)}`);
  }
  return port;
}

/** A path made absolute against `base`, or undefined when absent. */
export function resolvePath(base: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  return isAbsolute(path) ? path : resolve(base, path);
}
