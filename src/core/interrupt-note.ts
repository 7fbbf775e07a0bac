/**
 * What the student reads when they interrupt the kernel (■): what stopped — "Interrupted: ended 2
 * processes; 12 of 200 trials done" — and which cell to run again, instead of tslab's stack trace of
 * its own internal "Interrupted asynchronously" error (cell-watch.ts swaps the one for the other). The
 * runs note here the workers they ended; cell-watch.ts notes each cell's source and adds how far a
 * series of trials came (course/trial-progress.ts).
 */

let ended = { threads: 0, processes: 0 };
let running: { source: string } | null = null;
/** The interrupted cell: its first line, the names it left without a value, and every name it declares (tslab keeps none of them). */
export interface InterruptedCell {
  firstLine: string;
  names: string[];
  declared: string[];
}

let interrupted: InterruptedCell | null = null;

/**
 * Notes that the kernel's interrupt ended `count` workers of one run (called by the runs' SIGINT listener).
 *
 * @example
 * ```ts
 * noteInterruptedWorkers("process", 2);
 * ```
 */
export function noteInterruptedWorkers(kind: "thread" | "process", count: number): void {
  if (kind === "thread") ended = { ...ended, threads: ended.threads + count };
  else ended = { ...ended, processes: ended.processes + count };
}

/**
 * Notes the source of the cell the kernel runs now (called by cell-watch.ts at the start of each run).
 *
 * @example
 * ```ts
 * noteCellSource("const unsafe = await runTrials({ … });");
 * ```
 */
export function noteCellSource(source: string): void {
  running = { source };
}

const TOP_LEVEL_DECLARATION = /^(?:export\s+)?(?:async\s+)?(?:function\*?|class)\s+([\w$]+)/gm;
const TOP_LEVEL_NAME = /^(?:export\s+)?(?:const|let|var)\s+(?:\{([^}]*)\}|\[([^\]]*)\]|([\w$]+))/gm;

/**
 * The names a cell declares at its top level with const, let or var (the ones an interrupt leaves undefined).
 *
 * @example
 * ```ts
 * topLevelNames("const unsafe = await runTrials({ … });"); // ["unsafe"]
 * ```
 */
export function topLevelNames(source: string): string[] {
  const names: string[] = [];
  for (const m of source.matchAll(TOP_LEVEL_NAME)) {
    if (m[3]) names.push(m[3]);
    else
      for (const part of (m[1] ?? m[2] ?? "").split(",")) {
        const name = /([\w$]+)\s*(?:=.*)?$/.exec(part.trim())?.[1];
        if (name) names.push(name);
      }
  }
  return [...new Set(names)];
}

/** The cell's first line of code, shortened: how the student finds it again. */
function firstLineOf(source: string): string {
  const line = (source.split("\n").find((l) => l.trim() !== "" && !/^\s*(\/\/|\/\*|\*)/.test(l)) ?? "").trim();
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const quoteNames = (names: string[]) => names.map((n) => `\`${n}\``).join(", ");

/**
 * The line that replaces tslab's interrupt stack trace, and forgets what it reported: what ended, how
 * far the work came (`progress`, e.g. the trials done), and that this cell must run again (naming the
 * values it did not make).
 *
 * @example
 * ```ts
 * interruptSummary("12 of 200 trials done (counter — unsafe), not kept"); // "Interrupted: ended 2 processes; 12 of 200 trials done …"
 * ```
 */
export function interruptSummary(progress?: string): string {
  const parts: string[] = [];
  const workers = [
    ended.processes ? count(ended.processes, "process", "processes") : "",
    ended.threads ? count(ended.threads, "thread", "threads") : "",
  ].filter(Boolean);
  parts.push(workers.length ? `ended ${workers.join(" and ")}` : "no process or thread was running");
  if (progress) parts.push(progress);
  ended = { threads: 0, processes: 0 };
  let rerun = "";
  if (running) {
    const names = topLevelNames(running.source);
    const functions = [...running.source.matchAll(TOP_LEVEL_DECLARATION)].map((m) => m[1]);
    interrupted = { firstLine: firstLineOf(running.source), names, declared: [...new Set([...functions, ...names])] };
    rerun = names.length
      ? ` This cell did not finish, so ${quoteNames(names)} ${names.length === 1 ? "has" : "have"} no value: run this cell again before the cells that use ${names.length === 1 ? "it" : "them"}.`
      : " This cell did not finish: run it again if later cells need what it does.";
  }
  return `Interrupted: ${parts.join("; ")}.${rerun} Cells queued after this one did not run.`;
}

/**
 * What to tell a student whose cell got `undefined` where a value made by an earlier cell belongs:
 * that cell did not finish (interrupted?) and must run again. Names the interrupted cell when there was one.
 *
 * @example
 * ```ts
 * unfinishedCellAdvice(); // "the cell that makes it did not finish (interrupted?): run the cell that makes it again, then this one"
 * ```
 */
export function unfinishedCellAdvice(): string {
  const which = interrupted ? ` (the interrupted one starts \`${interrupted.firstLine}\`)` : "";
  return `the cell that makes it did not finish (interrupted?): run the cell that makes it again${which}, then this one`;
}

/**
 * The interrupted cell of this kernel, if any: its first line, the names it left without a value, and
 * every name it declares.
 *
 * @example
 * ```ts
 * lastInterruptedCell()?.names; // ["unsafe"]
 * ```
 */
export function lastInterruptedCell(): InterruptedCell | null {
  return interrupted;
}
