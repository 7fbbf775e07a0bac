/**
 * Exercise checks for the notebooks (nbgrader style): a test cell calls `check(id, body, { hint })`,
 * whose body uses `expectEqual`, `expectTrue` and `expectBetween`. A student sees "✔ solved" or
 * "✘ not solved yet — reason. Hint: …" and "Run all" goes on; the grader sets `RACE_LAB_GRADING=1`, and
 * then a failed check throws `ExerciseFailedError`, so the cell errors and earns no points.
 */
import { RaceLabArgumentError, RaceLabError, WorkerFailedError } from "../core/errors";
import { checkOptions, checkTimeout } from "../core/validate";
import { showHtml } from "../display/display";
import { escapeHtml } from "../display/table";

/**
 * A solution stub was run: the exercise is not done yet.
 *
 * @example
 * ```ts
 * function countSerial(n: number): number { notImplemented("countSerial"); }
 * ```
 */
export class NotImplementedError extends RaceLabError {}

/**
 * An exercise check failed (an expectation did not hold). Thrown by `expect*`, and by `check` in
 * grading mode.
 *
 * @example
 * ```ts
 * expectEqual(1999, 2000, "the count"); // ExerciseFailedError: the count: expected 2000, got 1999
 * ```
 */
export class ExerciseFailedError extends RaceLabError {}

/**
 * Throws {@link NotImplementedError}: put it where the student's solution goes.
 *
 * @example
 * ```ts
 * function safeIncrement(counter: Value): void {
 *   notImplemented("safeIncrement");
 * }
 * ```
 */
export function notImplemented(name: string): never {
  if (typeof name !== "string" || name.trim() === "") throw new RaceLabArgumentError("name", "the function's name (a non-empty string)", name);
  throw new NotImplementedError(`${name} is not implemented yet`);
}

function checkWhat(what: unknown): string {
  if (typeof what !== "string" || what.trim() === "") {
    throw new RaceLabArgumentError("what", "a short description of the checked value (a non-empty string)", what);
  }
  return what;
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  if (typeof value === "bigint") return `${value}n`;
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json.length > 120 ? json.slice(0, 117) + "..." : json;
  } catch {
    // cyclic: fall through
  }
  return String(value);
}

function deepEqual(a: unknown, b: unknown, depth = 0): boolean {
  if (Object.is(a, b) || (a === 0 && b === 0)) return true;
  if (depth > 20 || typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i], depth + 1));
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as any)[k], (b as any)[k], depth + 1));
}

/**
 * Expects `actual` to equal `expected` (numbers, strings, booleans, and arrays / plain objects of them,
 * compared deeply).
 *
 * @example
 * ```ts
 * expectEqual(counter.value, 2000, "the shared counter after two threads added 1000 each");
 * ```
 */
export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  checkWhat(what);
  if (!deepEqual(actual, expected)) throw new ExerciseFailedError(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

/**
 * Expects `condition` to be true.
 *
 * @example
 * ```ts
 * expectTrue(report.anomalies === 0, "no trial of the safe version lost an update");
 * ```
 */
export function expectTrue(condition: unknown, what: string): void {
  checkWhat(what);
  if (condition === true) return;
  throw new ExerciseFailedError(condition === false ? `${what}: this was not the case` : `${what}: expected true, got ${show(condition)}`);
}

/**
 * Expects `x` to be a number from `lo` to `hi` (both included).
 *
 * @example
 * ```ts
 * expectBetween(report.anomalyRate, 0.5, 1, "the share of unsafe trials that lost updates");
 * ```
 */
export function expectBetween(x: unknown, lo: number, hi: number, what: string): void {
  checkWhat(what);
  if (typeof lo !== "number" || Number.isNaN(lo)) throw new RaceLabArgumentError("lo", "a number", lo);
  if (typeof hi !== "number" || Number.isNaN(hi) || hi < lo) throw new RaceLabArgumentError("hi", `a number not below lo (${lo})`, hi);
  if (typeof x !== "number" || Number.isNaN(x) || x < lo || x > hi) {
    throw new ExerciseFailedError(`${what}: expected a number from ${lo} to ${hi}, got ${show(x)}`);
  }
}

/** Options of {@link check}. */
export interface CheckOptions {
  /** Shown when the check fails. */
  hint?: string;
  /** How long the body may take (default 60 000 ms); past it the check fails. */
  timeoutMs?: number;
}

/**
 * True when the grader runs the notebook (`RACE_LAB_GRADING=1`): failed checks then throw.
 *
 * @example
 * ```ts
 * gradingMode(); // false in a student's notebook
 * ```
 */
export function gradingMode(): boolean {
  return process.env.RACE_LAB_GRADING === "1";
}

/**
 * Runs an exercise's checks and says whether it is solved: "✔ <id>: solved" or "✘ <id>: not solved
 * yet — <reason>. Hint: …" (HTML in Jupyter, text elsewhere). Resolves to true when solved.
 *
 * @example
 * ```ts
 * await check("02-ex1-serial", async () => {
 *   expectEqual(await countSerial(1000), 1000, "the serial count");
 * }, { hint: "One process, no race: the count should be exactly what you asked for." });
 * ```
 * Warning: in a student's run a failed check never throws (so "Run all" goes on); with
 * `RACE_LAB_GRADING=1` it throws {@link ExerciseFailedError}. A body still running after `timeoutMs`
 * counts as failed but is not stopped (end its threads with a run timeout of their own).
 */
export async function check(id: string, body: () => unknown, options: CheckOptions = {}): Promise<void> {
  // Returns nothing on purpose: tslab prints a cell's last expression, and `await check(…)` is the last
  // line of every test cell — a stray `true` under the verdict would only confuse.
  await checkSolved(id, body, options);
}

/**
 * {@link check}, returning whether the exercise is solved (for scripts and tests).
 *
 * @example
 * ```ts
 * const solved = await checkSolved("02-ex1", () => expectEqual(countSerial(10), 10, "the count"));
 * ```
 * Warning: in grading mode (`RACE_LAB_GRADING=1`) it throws instead of returning false.
 */
export async function checkSolved(id: string, body: () => unknown, options: CheckOptions = {}): Promise<boolean> {
  if (typeof id !== "string" || id.trim() === "") throw new RaceLabArgumentError("id", "the exercise's id (a non-empty string)", id);
  if (typeof body !== "function") throw new RaceLabArgumentError("body", "a function that runs the checks", body);
  checkOptions("options", options, "{ hint }");
  const { hint } = options;
  if (hint !== undefined && typeof hint !== "string") throw new RaceLabArgumentError("hint", "a string", hint);
  const timeoutMs = checkTimeout("timeoutMs", options.timeoutMs, 60_000);

  let reason: string | null = null;
  let stub = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ExerciseFailedError(`the check did not finish within ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([Promise.resolve().then(body), timeout]);
  } catch (e) {
    // A stub called inside a thread, a process or a manager comes back wrapped: look at the cause too.
    stub = e instanceof NotImplementedError || (e instanceof WorkerFailedError && e.causeName === "NotImplementedError");
    reason =
      stub
        ? "the exercise still has its stub"
        : e instanceof ExerciseFailedError
          ? e.message
          : `your code threw ${e instanceof Error ? `${e.name}: ${e.message}` : show(e)}`;
  } finally {
    clearTimeout(timer);
  }

  if (reason === null) {
    showHtml(`<div style="color:#2e7d32;font-weight:bold">✔ ${escapeHtml(id)}: solved</div>`, `✔ ${id}: solved`);
    return true;
  }
  // A stub reads "not solved yet (the exercise still has its stub)"; any other failure gives its reason.
  const why = stub ? ` (${reason})` : ` — ${reason}`;
  const hintText = hint ? ` Hint: ${hint}` : "";
  showHtml(
    `<div style="color:#c62828"><b>✘ ${escapeHtml(id)}: not solved yet</b>${escapeHtml(why)}.` +
      (hint ? ` <i>Hint: ${escapeHtml(hint)}</i>` : "") +
      `</div>`,
    `✘ ${id}: not solved yet${why}.${hintText}`,
  );
  if (gradingMode()) throw new ExerciseFailedError(`${id}: not solved — ${reason}`);
  return false;
}
