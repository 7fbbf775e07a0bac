// Naming the shared primitives a schedule uses, so a deadlock can say "worker 0 waits for lockB, held
// by worker 1". Both sides walk the arguments the same way: the worker reports the path of the buffer
// it waits on ("1[0].lock"), the main thread turns the path into a name and, for locks, an owner.

import { Lock } from "../primitives/lock";

const MAX_DEPTH = 6;

/**
 * One shared primitive found in a schedule's arguments.
 *
 * @internal
 * @example
 * ```ts
 * const found: FoundResource = { path: "0[1]", object: lock, buffer };
 * ```
 */
export interface FoundResource {
  path: string;
  object: object;
  buffer: SharedArrayBuffer;
}

function isShared(value: unknown): value is Int32Array {
  return value instanceof Int32Array && value.buffer instanceof SharedArrayBuffer;
}

/**
 * Every object holding a shared Int32Array (locks, semaphores, events, conditions…) reachable from
 * one worker's arguments, with its path.
 *
 * @internal
 * @example
 * ```ts
 * findResources(args, "0"); // [{ path: "0[0].lock", object: lock, buffer }]
 * ```
 */
export function findResources(args: unknown[], root: string): FoundResource[] {
  const found: FoundResource[] = [];
  const seen = new Set<object>();
  const walk = (value: unknown, path: string, depth: number): void => {
    if (typeof value !== "object" || value === null || depth > MAX_DEPTH || seen.has(value) || ArrayBuffer.isView(value)) return;
    seen.add(value);
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${path}[${i}]`, depth + 1));
    const fields = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [, field] of fields) {
      if (isShared(field)) {
        found.push({ path, object: value, buffer: field.buffer as SharedArrayBuffer });
        break;
      }
    }
    for (const [key, field] of fields) walk(field, `${path}.${key}`, depth + 1);
  };
  walk(args, root, 0);
  return found;
}

/**
 * What the main thread knows about one primitive: a name for people and, for locks, who holds it.
 *
 * @internal
 * @example
 * ```ts
 * const r: KnownResource = { name: "lockA", owner: () => 1 };
 * ```
 */
export interface KnownResource {
  name: string;
  /** The threadId holding it (locks), or undefined when it has no owner or is free. */
  owner(): number | undefined;
}

/**
 * Names every primitive of a schedule's argument lists: `names` given by `setup` first (`{ lockA }`),
 * then "Lock 1", "Semaphore 2" by kind, and nested ones after their parent ("counter.lock").
 *
 * @internal
 * @example
 * ```ts
 * const known = nameResources(args, { lockA, lockB }); // path → { name, owner }
 * ```
 */
export function nameResources(argLists: unknown[][], names: Record<string, unknown>): Map<string, KnownResource> {
  const byObject = new Map<object, string>();
  for (const [name, object] of Object.entries(names)) if (typeof object === "object" && object !== null) byObject.set(object, name);
  const counts = new Map<string, number>();
  const known = new Map<string, KnownResource>();
  const named = new Map<object, KnownResource>();
  argLists.forEach((args, w) => {
    for (const { path, object } of findResources(args, String(w))) {
      let resource = named.get(object);
      if (!resource) {
        const name = byObject.get(object) ?? nestedName(path, known) ?? defaultName(object, counts);
        resource = { name, owner: ownerReader(object) };
        named.set(object, resource);
      }
      known.set(path, resource);
    }
  });
  return known;
}

function nestedName(path: string, known: Map<string, KnownResource>): string | undefined {
  const dot = path.lastIndexOf(".");
  if (dot < 0) return undefined;
  const parent = known.get(path.slice(0, dot));
  return parent && `${parent.name}.${path.slice(dot + 1)}`;
}

function defaultName(object: object, counts: Map<string, number>): string {
  const kind = object.constructor?.name || "primitive";
  const n = (counts.get(kind) ?? 0) + 1;
  counts.set(kind, n);
  return `${kind} ${n}`;
}

function ownerReader(object: object): () => number | undefined {
  // The workers are all parked when a deadlock is reported: the lock's own atomic read of its owner.
  if (object instanceof Lock) return () => object.ownerThreadId();
  return () => undefined;
}
