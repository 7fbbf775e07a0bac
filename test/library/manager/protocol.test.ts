// The manager's wire protocol (src/manager/protocol.ts): a message sent as JSON must read back exactly
// as the v8 structured clone it replaces would (the JSON path is a speed-up, never a change of
// meaning), whatever the value, and however the socket cuts the frames into chunks.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as v8 from "v8";
import { encodeFrame, FrameReader } from "../../../src/manager/protocol";

/** What v8's structured clone gives back: the meaning every frame must keep. */
const cloned = (value: unknown): unknown => v8.deserialize(v8.serialize(value));

/** Sends `messages` through encodeFrame and a FrameReader, cut into chunks of `chunkSize` bytes. */
function roundTrip(messages: unknown[], chunkSize: number): unknown[] {
  const bytes = Buffer.concat(messages.map((m) => encodeFrame(m)));
  const reader = new FrameReader();
  const out: unknown[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize) out.push(...reader.push(bytes.subarray(at, at + chunkSize)));
  return out;
}

const shared = { n: 1 };
const cycle: Record<string, unknown> = { name: "cycle" };
cycle.self = cycle;
const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1, b: [2, 3] });
const sparse = [1, , 3];
const withExtraKey = Object.assign([1, 2], { extra: "kept by v8" });
class Point {
  constructor(
    public x: number,
    public y: number,
  ) {}
}

const VALUES: [string, unknown][] = [
  ["small plain data", { id: 7, ok: true, value: { items: ["a", "b"], count: 2, nested: { deep: [null, false, 1.5] } } }],
  ["a method that returned nothing", { id: 8, ok: true, value: undefined }],
  ["undefined inside", { id: 9, ok: true, value: { a: undefined, list: [undefined] } }],
  ["-0, NaN, Infinity", { id: 10, ok: true, value: [-0, NaN, Infinity, -Infinity] }],
  ["a bigint", { id: 11, ok: true, value: 2n ** 70n }],
  ["Map, Set, Date, RegExp", { id: 12, ok: true, value: [new Map([["k", 1]]), new Set([1, 2]), new Date(0), /a+b/gi] }],
  ["typed arrays", { id: 13, ok: true, value: [new Uint8Array([1, 2, 3]), new Float64Array([0.5])] }],
  ["a shared reference", { id: 14, ok: true, value: [shared, shared] }],
  ["a cycle", { id: 15, ok: true, value: cycle }],
  ["a null-prototype object", { id: 16, ok: true, value: nullProto }],
  ["a sparse array", { id: 17, ok: true, value: sparse }],
  ["an array with an extra key", { id: 18, ok: true, value: withExtraKey }],
  ["a class instance (its class is not kept)", { id: 19, ok: true, value: new Point(1, 2) }],
  ["a lone surrogate and a __proto__ key", { id: 20, ok: true, value: JSON.parse('{"s":"\\ud800x","__proto__":{"p":1}}') }],
  [
    "an error envelope",
    { id: 21, ok: false, error: { name: "RangeError", message: "out of range", stack: "RangeError: out of range\n    at f" } },
  ],
  ["a long list", { id: 22, ok: true, value: Array.from({ length: 2000 }, (_, i) => i) }],
  ["not an envelope", [1, "two", { three: 3 }]],
];

test("every message reads back as its v8 structured clone would, JSON path or not", () => {
  for (const [name, value] of VALUES) {
    const [back] = roundTrip([value], 1 << 20);
    assert.deepStrictEqual(back, stripUndefinedEnvelopeFields(cloned(value)), name);
    if (name === "a shared reference") {
      const pair = (back as { value: unknown[] }).value;
      assert.equal(pair[0], pair[1], "a shared reference stays shared");
    }
  }
});

test("frames cut into chunks of any size read back whole and in order", () => {
  const messages = VALUES.map(([, value]) => value);
  const expected = messages.map((m) => stripUndefinedEnvelopeFields(cloned(m)));
  for (const size of [1, 2, 3, 5, 7, 64, 4096]) assert.deepStrictEqual(roundTrip(messages, size), expected, `chunks of ${size} bytes`);
});

test("a frame over the size limit, without its format byte or in an unknown format is refused", () => {
  const header = (size: number, tag?: number) =>
    Buffer.from([size >>> 24, (size >>> 16) & 255, (size >>> 8) & 255, size & 255, ...(tag === undefined ? [] : [tag])]);
  assert.throws(() => new FrameReader().push(header(0x7fffffff)), /over the \d+-byte limit/);
  assert.throws(() => new FrameReader().push(header(0)), /without its format byte/);
  assert.throws(() => new FrameReader().push(Buffer.concat([header(2, 9), Buffer.from([0])])), /unknown format \(9\)/);
});

/**
 * The envelope's own fields are read by name, where a missing field and one holding undefined read
 * the same (protocol.ts drops them from the JSON form): compare envelopes without them.
 */
function stripUndefinedEnvelopeFields(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
