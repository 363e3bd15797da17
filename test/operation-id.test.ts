// Operation ids are RFC 9562 version 7 UUIDs that sort in the order they were made.
import { describe, expect, it } from "vitest";
import { newOperationId } from "../host/manager/operation-id.js";

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("operation ids", () => {
  it("are version 7 UUIDs whose first 48 bits are the time in milliseconds", () => {
    const at = Date.UTC(2026, 11, 1, 12, 0, 0, 123);
    const id = newOperationId(at + 10_000_000);
    expect(id).toMatch(V7);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at + 10_000_000);
  });

  it("sort in the order made: within one millisecond, across milliseconds, and when the clock steps back", () => {
    const start = Date.now() + 20_000_000;
    const times = [start, start, start, start + 1, start + 1, start - 5_000, start - 5_000, start + 2];
    const ids = times.map((t) => newOperationId(t));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(V7);
  });

  it("move time on by a millisecond when 4,096 are made in one", () => {
    const start = Date.now() + 30_000_000;
    const ids = Array.from({ length: 5000 }, () => newOperationId(start));
    expect([...ids].sort()).toEqual(ids);
    expect(parseInt(ids.at(-1)!.slice(0, 8) + ids.at(-1)!.slice(9, 13), 16)).toBe(start + 1);
  });

  it("are unique across many", () => {
    const ids = Array.from({ length: 20_000 }, () => newOperationId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
