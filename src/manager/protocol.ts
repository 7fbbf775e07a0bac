// The manager's wire protocol: each message is a 4-byte big-endian length, a 1-byte format tag, then
// the message. The message means what a v8.serialize'd object (structured clone) means: Maps, Sets,
// Dates, typed arrays, undefined and shared references survive; functions and class identity do not.
// A message made only of plain objects, arrays, strings, booleans, null and finite numbers travels
// as JSON, which reads back the same; anything else as v8.serialize. (v8.serialize costs several
// microseconds for even the smallest message, JSON a fraction of one: most calls carry small plain
// data, and a round trip encodes and decodes twice; see bench/ANALYSIS.md.)
//   request  { id, op: "create" | "builtin" | "call" | "ping" | "shutdown", … }
//   response { id, ok: true, value } | { id, ok: false, error: { name, message, stack } }
import * as v8 from "v8";
import { ManagerError } from "./errors";
import type { CellDefinition } from "../run/cell-definitions";

/** The largest message either side accepts. */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** Format tags. */
const V8 = 0;
const JSON_TEXT = 1;

/** The most values a message may hold to be checked for JSON: past this, v8.serialize is as quick. */
const JSON_CHECK_BUDGET = 512;

/**
 * Whether JSON.parse(JSON.stringify(value)) gives what v8.deserialize(v8.serialize(value)) gives:
 * plain objects (prototype Object.prototype or null) and dense arrays without extra keys, holding
 * strings, booleans, null and finite numbers other than -0, each object reached once (v8 keeps a
 * shared reference shared; JSON would copy it). False past `budget.left` values.
 */
function jsonExact(value: unknown, seen: Set<object>, budget: { left: number }): boolean {
  if (--budget.left < 0) return false;
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      if (seen.has(value)) return false;
      seen.add(value);
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype || Object.keys(value).length !== value.length) return false;
        for (let i = 0; i < value.length; i++) if (!jsonExact(value[i], seen, budget)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in value) {
        if (!Object.prototype.hasOwnProperty.call(value, key)) return false; // inherited from a null-prototype chain: cannot be
        if (!jsonExact((value as Record<string, unknown>)[key], seen, budget)) return false;
      }
      return true;
    }
    default:
      return false; // undefined, bigint, symbol, function
  }
}

/**
 * The envelope's own fields (id, op, ok, value, error, …) are read by name, where a missing field and
 * one holding undefined read the same: `{ id, ok: true, value: undefined }` (a method that returns
 * nothing) goes as JSON without `value`.
 */
function withoutUndefinedFields(message: Record<string, unknown>): Record<string, unknown> {
  for (const key in message) {
    if (message[key] === undefined) {
      const copy: Record<string, unknown> = {};
      for (const k in message) if (message[k] !== undefined) copy[k] = message[k];
      return copy;
    }
  }
  return message;
}

/** @internal A message as it goes over the socket: length, format tag, JSON text or v8 serialization. */
export function encodeFrame(message: unknown): Buffer {
  if (typeof message === "object" && message !== null && Object.getPrototypeOf(message) === Object.prototype) {
    const envelope = withoutUndefinedFields(message as Record<string, unknown>);
    if (jsonExact(envelope, new Set(), { left: JSON_CHECK_BUDGET })) {
      const text = JSON.stringify(envelope);
      const size = Buffer.byteLength(text);
      const frame = Buffer.allocUnsafe(5 + size);
      frame.writeUInt32BE(1 + size, 0);
      frame[4] = JSON_TEXT;
      frame.write(text, 5, "utf8");
      return frame;
    }
  }
  const body = v8.serialize(message);
  const frame = Buffer.allocUnsafe(5 + body.length);
  frame.writeUInt32BE(1 + body.length, 0);
  frame[4] = V8;
  body.copy(frame, 5);
  return frame;
}

/** @internal Collects socket chunks and hands out whole messages. */
export class FrameReader {
  private buffer = Buffer.alloc(0);

  /** Adds a chunk; returns every message now complete. Throws on an oversized or unreadable frame. */
  push(chunk: Buffer): unknown[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const messages: unknown[] = [];
    while (this.buffer.length >= 4) {
      const size = this.buffer.readUInt32BE(0);
      if (size > MAX_FRAME_BYTES) throw new ManagerError(`a manager message of ${size} bytes is over the ${MAX_FRAME_BYTES}-byte limit`);
      if (size < 1) throw new ManagerError("a manager message without its format byte");
      if (this.buffer.length < 4 + size) break;
      const tag = this.buffer[4];
      if (tag === JSON_TEXT) messages.push(JSON.parse(this.buffer.toString("utf8", 5, 4 + size)));
      else if (tag === V8) messages.push(v8.deserialize(this.buffer.subarray(5, 4 + size)));
      else throw new ManagerError(`a manager message in an unknown format (${tag})`);
      this.buffer = this.buffer.subarray(4 + size);
    }
    return messages;
  }
}

/** @internal What a request asks. */
export type ManagerRequest =
  | { id: number; op: "ping" }
  | { id: number; op: "shutdown" }
  | { id: number; op: "create"; source: string; name: string; definitions?: CellDefinition[]; args: unknown[] }
  | { id: number; op: "builtin"; kind: BuiltinKind; args: unknown[] }
  | { id: number; op: "call"; objectId: number; method: string; args: unknown[] };

/** @internal The server's answer. */
export type ManagerResponse =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { name: string; message: string; stack?: string } };

/** @internal The objects the server provides itself. */
export type BuiltinKind = "Queue" | "Lock" | "Semaphore";

/** @internal A request before the client gives it its id. */
export type RequestBody = ManagerRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;
