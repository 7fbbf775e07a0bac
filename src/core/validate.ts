import { RaceLabArgumentError } from "./errors";

/** The most workers (threads or processes) one run may start: more only thrashes a small machine. */
export const MAX_WORKERS = 64;
/** The longest timeout a run or a wait accepts: 10 minutes. */
export const MAX_TIMEOUT_MS = 600_000;

/**
 * Checks that `value` is an integer in `[min, max]` and returns it.
 *
 * @example
 * ```ts
 * const n = checkInteger("workers", workers, 1, MAX_WORKERS);
 * ```
 * Warning: throws {@link RaceLabArgumentError} naming `name`; call it first thing in every public function.
 */
export function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new RaceLabArgumentError(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/**
 * Checks a count of workers, trials or iterations: a positive integer up to `max`.
 *
 * @example
 * ```ts
 * checkCount("trials", 20, 1000); // 20
 * ```
 * Warning: `min` is 1 unless given: a count of 0 throws a RaceLabArgumentError naming `name`.
 */
export function checkCount(name: string, value: unknown, max: number, min = 1): number {
  return checkInteger(name, value, min, max);
}

/**
 * Checks a timeout in milliseconds: a finite number from 0 to {@link MAX_TIMEOUT_MS}, or undefined
 * (returned as `fallback`).
 *
 * @example
 * ```ts
 * const ms = checkTimeout("timeoutMs", opts.timeoutMs, 60_000);
 * ```
 * Warning: only `undefined` gives `fallback`: null, NaN, Infinity or more than 600 000 ms throw.
 */
export function checkTimeout(name: string, value: unknown, fallback: number): number;
export function checkTimeout(name: string, value: unknown, fallback?: undefined): number | undefined;
export function checkTimeout(name: string, value: unknown, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > MAX_TIMEOUT_MS) {
    throw new RaceLabArgumentError(name, `a number of milliseconds from 0 to ${MAX_TIMEOUT_MS}`, value);
  }
  return value;
}

/**
 * Checks that `value` is a function.
 *
 * @example
 * ```ts
 * checkFunction("fn", work);
 * ```
 * Warning: any function passes, a class included: it does not check that the function can travel.
 */
export function checkFunction(name: string, value: unknown): (...args: any[]) => unknown {
  if (typeof value !== "function") throw new RaceLabArgumentError(name, "a function", value);
  return value as (...args: any[]) => unknown;
}

/**
 * Checks that `value` is one of `allowed`.
 *
 * @example
 * ```ts
 * checkOneOf("kind", opts.kind, ["thread", "process"] as const);
 * ```
 * Warning: compares exactly: "Thread" is not "thread".
 */
export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new RaceLabArgumentError(name, `one of ${allowed.join(", ")}`, value);
  }
  return value as T;
}

/**
 * Checks that `value` is an array (of argument lists, items, …) of at most `max` entries.
 *
 * @example
 * ```ts
 * checkArray("argLists", argLists, MAX_WORKERS);
 * ```
 * Warning: checks the length only, not the entries: check each one yourself.
 */
export function checkArray(name: string, value: unknown, max: number, min = 0): unknown[] {
  if (!Array.isArray(value) || value.length < min || value.length > max) {
    throw new RaceLabArgumentError(name, `an array of ${min} to ${max} entries`, value);
  }
  return value;
}

/**
 * Checks an options argument: a plain object (undefined reads as `{}`) and, when `allowed` is given,
 * no key outside it. Returns it typed.
 *
 * @example
 * ```ts
 * const o = checkOptions<RunOptions>("opts", opts, "{ timeoutMs, label }", ["timeoutMs", "label"]);
 * ```
 * Warning: without `allowed`, unknown keys pass silently (a misspelt option is ignored); no value is checked.
 */
export function checkOptions<T extends object>(name: string, value: unknown, example: string, allowed?: readonly string[]): T {
  if (value === undefined) return {} as T;
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new RaceLabArgumentError(name, `an object like ${example}`, value);
  for (const key of allowed ? Object.keys(value) : []) {
    if (!allowed!.includes(key)) throw new RaceLabArgumentError(`${name}.${key}`, `one of the options ${allowed!.join(", ")}`, key);
  }
  return value as T;
}

/**
 * Checks a name or label: a non-empty string of at most `max` characters.
 *
 * @internal
 * @example
 * ```ts
 * const demo = checkText("demo", options.demo);
 * ```
 */
export function checkText(name: string, value: unknown, max = 200): string {
  if (typeof value !== "string" || value.trim() === "" || value.length > max) {
    throw new RaceLabArgumentError(name, `a non-empty string of at most ${max} characters`, value);
  }
  return value;
}
