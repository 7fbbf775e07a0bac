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
import { staleSolution } from "./solution-cell";

/**
 * A solution stub was run: the exercise is not done yet.
 *
 * @example
 * ```ts
 * function countSerial(n: number): number { notImplemented("countSerial"); }
 * ```
 * Warning: thrown in a thread or process it arrives as a WorkerFailedError with `causeName` "NotImplementedError": test
 * for both, as `check` does.
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
 * Warning: `check` catches it and shows "not solved yet"; it escapes the cell only in grading mode. Do not catch it
 * inside a check's body.
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
 * Warning: it always throws; called inside a worker, the run fails with a WorkerFailedError (its `causeName` says
 * "NotImplementedError").
 */
export function notImplemented(name: string): never {
  if (typeof name !== "string" || name.trim() === "")
    throw new RaceLabArgumentError("name", "the function's name (a non-empty string)", name);
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
  // A Map's or a Set's contents are not own keys: compared as their entries, in insertion order.
  if ((a instanceof Map && b instanceof Map) || (a instanceof Set && b instanceof Set)) return deepEqual([...a], [...b], depth + 1);
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
 * Warning: Maps and Sets compare by their entries in insertion order; other objects by prototype and own enumerable
 * keys, so a class instance's private fields are not compared.
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
 * Warning: only `true` itself passes: a truthy value such as 1 or "yes" fails.
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
 * Warning: both ends count; NaN and anything not a number fail, and `hi` below `lo` throws RaceLabArgumentError.
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
  /**
   * Hints from the idea to the code, one step at a time: the first failed check shows the first, each
   * later failure one more (the last may be code; the first should never be).
   */
  hints?: string[];
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
 * Warning: read at each call, and only the exact value "1" counts: `RACE_LAB_GRADING=true` is not grading mode.
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

/** Failed checks so far, per exercise: how many of its hints the student has seen. */
const failures = new Map<string, number>();

/** The hint to show after this failure: one step further each time (a single hint every time). */
function nextHint(id: string, single: string | undefined, steps: string[] | undefined): string | undefined {
  if (!steps) return single;
  const seen = Math.min((failures.get(id) ?? 0) + 1, steps.length);
  failures.set(id, seen);
  const label = steps.length > 1 ? `(${seen} of ${steps.length}${seen < steps.length ? "; run the check again for the next" : ""}) ` : "";
  return label + steps[seen - 1];
}

/**
 * Expects a multiple-choice answer to be the right one, without ever printing which one it is: a
 * wrong choice fails with "not this one", an answer that is no choice at all lists the choices.
 *
 * @example
 * ```ts
 * expectChoice(whyBelow3000(), ["a", "b", "c"], "b", "why the count stays below 3000");
 * ```
 * Warning: compares the strings exactly (case and spaces count). The right answer sits in the cell's source: it is kept
 * out of the output only.
 */
export function expectChoice(actual: unknown, choices: string[], correct: string, what: string): void {
  checkWhat(what);
  if (!Array.isArray(choices) || choices.length < 2 || choices.some((c) => typeof c !== "string")) {
    throw new RaceLabArgumentError("choices", "an array of at least two choices (strings)", choices);
  }
  if (!choices.includes(correct))
    throw new RaceLabArgumentError("correct", `one of the choices ${choices.map((c) => JSON.stringify(c)).join(", ")}`, correct);
  if (typeof actual !== "string" || !choices.includes(actual)) {
    throw new ExerciseFailedError(`${what}: answer one of ${choices.map((c) => JSON.stringify(c)).join(", ")} (got ${show(actual)})`);
  }
  if (actual !== correct)
    throw new ExerciseFailedError(`${what}: not ${JSON.stringify(actual)} — read the demo's output again and weigh each choice`);
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
  const { hint: single, hints: steps } = options;
  if (single !== undefined && typeof single !== "string") throw new RaceLabArgumentError("hint", "a string", single);
  if (steps !== undefined && (!Array.isArray(steps) || steps.length === 0 || steps.some((h) => typeof h !== "string" || h.trim() === ""))) {
    throw new RaceLabArgumentError("hints", "a non-empty array of hints (strings), from the idea to the code", steps);
  }
  const timeoutMs = checkTimeout("timeoutMs", options.timeoutMs, 60_000);

  let reason: string | null = null;
  let stub = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ExerciseFailedError(`the check did not finish within ${timeoutMs} ms`)), timeoutMs);
    });
    // A solution cell that did not compile left the old definition in the kernel: do not judge it.
    const stale = staleSolution(id);
    if (stale !== null) throw new ExerciseFailedError(stale);
    await Promise.race([Promise.resolve().then(body), timeout]);
  } catch (e) {
    // A stub called inside a thread, a process or a manager comes back wrapped: look at the cause too.
    stub = e instanceof NotImplementedError || (e instanceof WorkerFailedError && e.causeName === "NotImplementedError");
    reason = stub
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
  const why = endSentence(stub ? ` (${reason})` : ` — ${reason}`);
  const hint = nextHint(id, single, steps);
  const hintText = hint ? ` Hint: ${hint}` : "";
  // Jupyter typesets $…$ in HTML output as math: SQL's $1 … $2 in a reason or hint must stay text.
  showHtml(
    `<div class="tex2jax_ignore mathjax_ignore" style="color:#c62828"><b>✘ ${escapeHtml(id)}: not solved yet</b>${withCode(why)}` +
      (hint ? ` <i>Hint: ${withCode(hint)}</i>` : "") +
      `</div>`,
    `✘ ${id}: not solved yet${why}${hintText}`,
  );
  if (gradingMode()) throw new ExerciseFailedError(`${id}: not solved — ${reason}`);
  return false;
}

/** Ends a sentence with a full stop unless it already ends with one (or with "?", "!", or one inside a parenthesis). */
function endSentence(text: string): string {
  return /[.!?]["')\]]*$/.test(text) ? text : `${text}.`;
}

/** Escaped HTML in which `code` spans (the hints' backticks) are shown as code. */
function withCode(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, "<code>$1</code>");
}
