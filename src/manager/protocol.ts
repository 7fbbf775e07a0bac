// The manager's wire protocol: each message is a 4-byte big-endian length, then a v8.serialize'd
// object (structured clone: Maps, Sets, Dates, typed arrays and undefined survive; functions and
// class identity do not).
//   request  { id, op: "create" | "builtin" | "call" | "ping" | "shutdown", … }
//   response { id, ok: true, value } | { id, ok: false, error: { name, message, stack } }
import * as v8 from "v8";
import { ManagerError } from "./errors";

/** The largest message either side accepts. */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** @internal A message as it goes over the socket: length prefix + v8 serialization. */
export function encodeFrame(message: unknown): Buffer {
  const body = v8.serialize(message);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

/** @internal Collects socket chunks and hands out whole messages. */
export class FrameReader {
  private buffer = Buffer.alloc(0);

  /** Adds a chunk; returns every message now complete. Throws on an oversized frame. */
  push(chunk: Buffer): unknown[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const messages: unknown[] = [];
    while (this.buffer.length >= 4) {
      const size = this.buffer.readUInt32BE(0);
      if (size > MAX_FRAME_BYTES) throw new ManagerError(`a manager message of ${size} bytes is over the ${MAX_FRAME_BYTES}-byte limit`);
      if (this.buffer.length < 4 + size) break;
      messages.push(v8.deserialize(this.buffer.subarray(4, 4 + size)));
      this.buffer = this.buffer.subarray(4 + size);
    }
    return messages;
  }
}

/** @internal What a request asks. */
export type ManagerRequest =
  | { id: number; op: "ping" }
  | { id: number; op: "shutdown" }
  | { id: number; op: "create"; source: string; name: string; args: unknown[] }
  | { id: number; op: "builtin"; kind: BuiltinKind; args: unknown[] }
  | { id: number; op: "call"; objectId: number; method: string; args: unknown[] };

/** @internal The server's answer. */
export type ManagerResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string; stack?: string } };

/** @internal The objects the server provides itself. */
export type BuiltinKind = "Queue" | "Lock" | "Semaphore";

/** @internal A request before the client gives it its id. */
export type RequestBody = ManagerRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;
