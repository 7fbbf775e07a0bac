/**
 * Which cells the tslab kernel is asked to run, watched from inside the kernel (race-lab is loaded into
 * the kernel's process by the lesson's first cell): each run is counted, and each cell's source noted
 * (which solution cells it holds; what it defines, for the message after an interrupt). The hooks into
 * tslab are kernel/tslab.ts's. A third place: what tslab prints to stderr (`process.stderr.write`, which it sets per cell). On
 * an interrupt (■) it prints the stack trace of its internal "Interrupted asynchronously" error; we
 * print what stopped and which cell to run again instead (core/interrupt-note.ts). A cell's compile
 * errors come one write each: we print each once, the one to fix first on top. race-lab's own errors
 * lose their stack (the library's inside, not the student's code). Outside a tslab kernel (workers, child
 * processes, scripts, tests) nothing is watched.
 */
import { interruptSummary, lastInterruptedCell, noteCellSource, unfinishedCellAdvice, type InterruptedCell } from "../core/interrupt-note";
import { runInterruptHooks } from "../core/lifecycle";
import { SYNC_INTERRUPT_TRACE, TSLAB_INTERRUPT_TRACE, watchExecuteRequests } from "../kernel/tslab";
import { takeTrialProgress } from "./trial-progress";
import { missingNameTip } from "./missing-name";

const SOLUTION_CELL = /\bsolutionCell\(\s*["']([\w-]+)["']\s*\)/g;

let runs = 0;
let watching = false;
/** Exercise id → the run in which a cell holding `solutionCell(id)` was last sent to the kernel. */
const asked = new Map<string, number>();

function install(): void {
  watching = watchExecuteRequests({
    onRun: () => {
      runs += 1;
    },
    onSource: (src) => {
      noteCellSource(src);
      for (const m of src.matchAll(SOLUTION_CELL)) asked.set(m[1], runs);
    },
  });
  if (watching) replaceInterruptTrace();
}

/** One compile error as tslab prints it: "[file ]line:column - message". */
const DIAGNOSTIC = /^(?:\S+ )?(\d+):(\d+) - ([^]*?)\n?$/;
/** race-lab's own errors, as console.error prints them: the name (or "Error [name]"), the message, then the stack. */
const LIBRARY_ERROR =
  /^(?:Error \[(?=\w+\]))?(RaceLab\w*Error|ExerciseFailedError|Run\w*Error|WorkerError|MainThreadBlockError|NotImplementedError|\w*TimeoutError)\]?(?: \[[^\]]*\])?: /;

/**
 * What to print for one cell's compile errors: each once, the one to fix first on top, no echoes.
 *
 * @internal
 * @example
 * ```ts
 * orderDiagnostics(["1:19 - Cannot find name 'Entry'.", "1:19 - Exported variable 'x' has or is using private name 'Entry'."]);
 * ```
 */
export function orderDiagnostics(lines: string[]): string[] {
  const unique = [...new Set(lines.map((l) => (l.endsWith("\n") ? l : `${l}\n`)))];
  const missing = new Set([...unique.join("").matchAll(/Cannot find name '([\w$]+)'/g)].map((m) => m[1]));
  // "Exported variable 'x' has or is using private name 'Entry'" only repeats "Cannot find name 'Entry'"
  // (tslab exports every name of a cell and emits its declaration): the student fixes the one, the other goes.
  const kept = unique.filter((l) => {
    const privateName = /has or is using private name '([\w$]+)'/.exec(l);
    return !privateName || !missing.has(privateName[1]);
  });
  const rank = (l: string): number => {
    const text = DIAGNOSTIC.exec(l)?.[3] ?? l;
    // Syntax first (the parser's complaint is the cause of the rest), then what follows from a body
    // that does not parse or return (a "must return a value" goes once the typo is fixed).
    if (/expected\.$|^Unknown keyword|^Unterminated|^Invalid character|^Unexpected|^Declaration or statement expected/.test(text)) return 0;
    if (/must return a value|lacks ending return statement|Not all code paths return a value|has or is using private name/.test(text))
      return 2;
    return 1;
  };
  const position = (l: string): number => {
    const m = DIAGNOSTIC.exec(l);
    return m ? Number(m[1]) * 100_000 + Number(m[2]) : Number.MAX_SAFE_INTEGER;
  };
  return kept
    .map((l, i) => ({ l, i }))
    .sort((a, b) => rank(a.l) - rank(b.l) || position(a.l) - position(b.l) || a.i - b.i)
    .map((x) => x.l);
}

/** An error's printout up to its first stack frame: its message, ending in a newline. */
function withoutFrames(text: string): string {
  const at = text.search(/\n\s+at /);
  return at < 0 ? text : `${text.slice(0, at)}\n`;
}

/**
 * race-lab's error without its stack: the stack is the library's inside, never the student's code.
 *
 * @internal
 * @example
 * ```ts
 * withoutLibraryStack("RaceLabArgumentError: … \n    at checkReport (…)"); // "RaceLabArgumentError: …\n"
 * ```
 */
export function withoutLibraryStack(text: string): string {
  const m = LIBRARY_ERROR.exec(text);
  if (!m) return text;
  const message = withoutFrames(text);
  // Node prints "Error [Name]: …" when the stack's first line does not carry the error's name.
  return message.startsWith("Error [") ? `${m[1]}${message.slice(message.indexOf("]") + 1)}` : message;
}

/**
 * What the student reads instead of tslab's trace of an interrupt. An interrupt that came while the
 * cell's synchronous part ran reached no SIGINT listener: what that part started (runs, managers,
 * connections) is ended here, as a SIGINT would have.
 *
 * @internal
 * @example
 * ```ts
 * interruptText("Error: Interrupted asynchronously\n    at …"); // "Interrupted: ended 2 threads. …\n"
 * ```
 */
export function interruptText(trace: string): string {
  if (SYNC_INTERRUPT_TRACE.test(trace)) runInterruptHooks();
  return interruptSummary(takeTrialProgress()) + "\n";
}

/**
 * What the student reads for one write of tslab to a cell's stderr (compile errors aside): the
 * interrupt's summary for tslab's trace of it; nothing for the rejection of a run an interrupt ended
 * (the summary counted it; its cell, stopped while starting it, no longer awaits it); race-lab's own
 * errors without their stack; a TypeError about `undefined` after an interrupt without its stack, and
 * which cell to run again.
 *
 * @internal
 * @example
 * ```ts
 * studentStderr("UnhandledPromiseRejection: RunInterruptedError: run 'work' was interrupted …"); // ""
 * ```
 */
export function studentStderr(chunk: string): string {
  if (chunk.startsWith(TSLAB_INTERRUPT_TRACE) || SYNC_INTERRUPT_TRACE.test(chunk)) return interruptText(chunk);
  if (/^UnhandledPromiseRejection: RunInterruptedError\b/.test(chunk)) return "";
  const text = withoutLibraryStack(chunk);
  // A value an interrupted cell did not make, used by the student's own code: say so.
  const cell = lastInterruptedCell();
  if (!cell || !/^TypeError: Cannot read properties of undefined/.test(chunk)) return text;
  // Its frames are tslab's and the evaluated cell's ("evalmachine"): no help, the cause is the
  // interrupted cell that left the value undefined (a cell run once, then again and interrupted,
  // keeps its names for tslab's compiler but not their values). The message stays.
  return `${withoutFrames(text)}Tip: ${cell.names.length ? `${cell.names.map((n) => `\`${n}\``).join(", ")} ` : "a value "}may be undefined: ${unfinishedCellAdvice()}.\n`;
}

/**
 * The tips under a cell's "Cannot find name" errors, each name once: the names the interrupted cell
 * was to make (run that cell again: tslab keeps no name of a cell that did not finish), then, for
 * any other name the lesson defines, the cell that defines it.
 *
 * @internal
 * @example
 * ```ts
 * missingNameTips(["2:23 - Cannot find name 'plainReport'.\n"], lastInterruptedCell());
 * ```
 */
export function missingNameTips(lines: string[], cell: InterruptedCell | null): string[] {
  const missing = [...new Set([...lines.join("").matchAll(/Cannot find name '([\w$]+)'/g)].map((m) => m[1]))];
  const unmade = cell ? missing.filter((n) => cell.declared.includes(n)) : [];
  const tips: string[] = [];
  if (cell && unmade.length) {
    tips.push(
      `Tip: ${unmade.map((n) => `'${n}'`).join(", ")} ${unmade.length === 1 ? "was" : "were"} to be made by the cell that was interrupted (it starts \`${cell.firstLine}\`): run that cell again, then this one.\n`,
    );
  }
  for (const name of missing) {
    const tip = unmade.includes(name) ? "" : missingNameTip(`Cannot find name '${name}'`);
    if (tip && !tips.includes(tip)) tips.push(tip);
  }
  return tips;
}

function replaceInterruptTrace(): void {
  const stderr = process.stderr;
  let write = stderr.write;
  const call = (fn: typeof write, text: string) => (fn as (...a: unknown[]) => boolean).call(stderr, text);
  // Compile errors of one cell come one write each, in one synchronous loop: held for a microtask
  // (still before tslab ends the cell) and printed together, in order, through that cell's stream.
  let pending: string[] = [];
  let pendingWrite: typeof write | null = null;
  const flush = () => {
    const lines = orderDiagnostics(pending);
    const to = pendingWrite ?? write;
    pending = [];
    pendingWrite = null;
    for (const line of lines) call(to, line);
    const names = lines.join("");
    if (names.includes("Cannot find name '")) {
      try {
        for (const tip of missingNameTips(lines, lastInterruptedCell())) call(to, tip);
      } catch {
        // a tip is a nicety: the errors themselves went through as they were
      }
    }
  };
  const filtered = function (this: unknown, chunk: unknown, ...rest: unknown[]): boolean {
    let text = chunk;
    if (typeof chunk === "string" && DIAGNOSTIC.test(chunk) && chunk.indexOf("\n") >= chunk.length - 1) {
      if (pendingWrite === null) {
        pendingWrite = write;
        queueMicrotask(flush);
      }
      pending.push(chunk);
      return true;
    }
    if (typeof chunk === "string") text = studentStderr(chunk);
    return (write as (...a: unknown[]) => boolean).call(stderr, text, ...rest);
  };
  Object.defineProperty(stderr, "write", {
    configurable: true,
    enumerable: true,
    get: () => filtered,
    set: (fn: typeof stderr.write) => {
      write = fn; // tslab routes stderr to the running cell's output
    },
  });
}

install();

/** True when cell runs are watched (inside a tslab kernel). */
export function watchingCells(): boolean {
  return watching;
}

/** The number of the cell run in progress (0 outside a kernel). */
export function cellRunNumber(): number {
  return runs;
}

/** The run in which a cell holding `solutionCell(id)` was last sent to the kernel, or null. */
export function lastAskedToRun(id: string): number | null {
  return asked.get(id) ?? null;
}
