// What partial() records about the functions it makes (their source, parameters and bound values),
// read by functionSource and packFunction so that a partial travels with its bound values.
import type { Guard } from "../core/guarded";

/** @internal A parameter of a function, read from its source. */
export interface Parameter {
  /** The parameter's name, or null for a destructured one (`{ a, b }`). */
  name: string | null;
  rest: boolean;
}

/** @internal What `partial()` recorded about a function it made. */
export interface PartialInfo {
  source: string;
  name: string;
  parameters: Parameter[];
  /** Bound values by parameter index. */
  bound: Map<number, unknown>;
  /** The lock held around each call when the partial wraps a guarded function. */
  guard?: Guard;
  /** The function the partial calls (a partial of a partial calls the innermost one). */
  target: (...args: any[]) => any;
}

const partials = new WeakMap<Function, PartialInfo>();

/** @internal What `partial()` recorded about `fn`, if `fn` is a partial. */
export function partialInfo(fn: Function): PartialInfo | undefined {
  return partials.get(fn);
}

/** @internal Records what a partial binds, so it can travel. */
export function recordPartial(fn: Function, info: PartialInfo): void {
  partials.set(fn, info);
}

/** @internal Puts call arguments into the unbound parameter slots, in order, around the bound values. */
export function assemble(bound: Map<number, unknown>, args: unknown[]): unknown[] {
  const full: unknown[] = [];
  let next = 0;
  const last = Math.max(-1, ...bound.keys());
  for (let i = 0; i <= last; i++) full.push(bound.has(i) ? bound.get(i) : args[next++]);
  return full.concat(args.slice(next));
}
