// Whether a value can be copied to a thread or a process: what an argument, a bound value or a
// constant from the notebook must be.
import { RaceLabArgumentError } from "../core/errors";
import { Destination, notSharable } from "../core/shared-object";

/**
 * Checks that `value` can be copied to a thread or process: no functions or symbols (anywhere in
 * arrays and plain objects), and for processes no shared memory.
 *
 * @example
 * ```ts
 * checkSendable(args, "argLists[0]", "process");
 * ```
 */
export function checkSendable(value: unknown, where: string, to: Destination, depth = 0): void {
  if (typeof value === "function" || typeof value === "symbol") {
    throw new RaceLabArgumentError(
      where,
      `data or shared objects: a ${typeof value} cannot be copied to another ${to} (send a function as fn, or bind values to it with partial())`,
      value,
    );
  }
  if (to === "process" && (value instanceof SharedArrayBuffer || (ArrayBuffer.isView(value) && value.buffer instanceof SharedArrayBuffer))) {
    throw notSharable("SharedArrayBuffer");
  }
  if (depth >= 8 || typeof value !== "object" || value === null) return;
  if (Array.isArray(value)) value.forEach((v, i) => checkSendable(v, `${where}[${i}]`, to, depth + 1));
  else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) checkSendable(v, `${where}.${k}`, to, depth + 1);
  }
}
