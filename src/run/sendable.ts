// Whether a value can be copied to a thread or a process: what an argument, a bound value or a
// constant from the notebook must be.
import { RaceLabArgumentError } from "../core/errors";
import { Destination, notSharable } from "../core/shared-object";
import { functionSource } from "./function-source";

/**
 * Checks that `value` can be copied to a thread or process: no symbols, and no functions unless
 * `options.functions` (anywhere in arrays and plain objects), and for processes no shared memory. A
 * function allowed must be one written in the notebook: it travels as its source, with what it uses.
 *
 * @example
 * ```ts
 * checkSendable(args, "argLists[0]", "process", { functions: true });
 * ```
 * Warning: it checks only what it can see at once; a function's own travel (what it uses from the
 * notebook) is checked when it is packed.
 */
export function checkSendable(value: unknown, where: string, to: Destination, options: { functions?: boolean } = {}): void {
  walk(value, where, to, options.functions === true, 0);
}

function walk(value: unknown, where: string, to: Destination, functions: boolean, depth: number): void {
  if (typeof value === "function" && functions) {
    try {
      functionSource(value as (...args: any[]) => unknown);
    } catch {
      throw new RaceLabArgumentError(
        where,
        "data, shared objects, or a function written in the notebook (a built-in or bound function has no source to send)",
        value,
      );
    }
    return;
  }
  if (typeof value === "function" || typeof value === "symbol") {
    throw new RaceLabArgumentError(
      where,
      `data or shared objects: a ${typeof value} cannot be copied to another ${to} (send a function as fn, or bind values to it with partial())`,
      value,
    );
  }
  if (
    to === "process" &&
    (value instanceof SharedArrayBuffer || (ArrayBuffer.isView(value) && value.buffer instanceof SharedArrayBuffer))
  ) {
    throw notSharable("SharedArrayBuffer");
  }
  if (depth >= 8 || typeof value !== "object" || value === null) return;
  if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${where}[${i}]`, to, functions, depth + 1));
  else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) walk(v, `${where}.${k}`, to, functions, depth + 1);
  }
}
