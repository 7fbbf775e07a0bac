// The claims tests explore a lesson's own code, not a copy that could drift from it: this module
// takes a function declaration out of a lesson notebook (instructor/), compiles it the way the
// kernel does (race-lab names become `race_lab_1.name`, which a worker binds to the library), and
// returns its source, ready to travel to explore()'s threads and be rebuilt there.
import { readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "..", "..");

interface Cell {
  cell_type: string;
  source: string | string[];
  metadata: { nbgrader?: { grade_id?: string } };
}

/** A function the lesson declares, as compiled source, and the grade_id of the cell it is in. */
export interface LessonFunction {
  source: string;
  cell: string;
}

const library = Object.keys(require("race-lab") as Record<string, unknown>);

/**
 * The compiled source of `function name(…)` declared in one of `lesson`'s code cells.
 *
 * @example
 * ```ts
 * const { source, cell } = lessonFunction("09-timing-races", "lostWakeup"); // cell "09-code05"
 * ```
 * Warning: the function must use nothing from the notebook but race-lab's exports and globals:
 * like any function sent to a thread, it travels as its source.
 */
export function lessonFunction(lesson: string, name: string): LessonFunction {
  const nb = JSON.parse(readFileSync(path.join(ROOT, "instructor", `${lesson}.ipynb`), "utf8")) as { cells: Cell[] };
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code") continue;
    const text = [cell.source].flat().join("");
    const file = ts.createSourceFile("cell.ts", text, ts.ScriptTarget.ES2022, true);
    const found = file.statements.find((s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && s.name?.text === name);
    if (!found) continue;
    const declaration = found.getText(file);
    // Import the race-lab names the function uses, so that the compiler writes `race_lab_1.name`.
    const used = new Set<string>();
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) && library.includes(node.text)) used.add(node.text);
      ts.forEachChild(node, visit);
    };
    visit(found);
    const head = used.size > 0 ? `import { ${[...used].join(", ")} } from "race-lab";\n` : "";
    const js = ts.transpileModule(head + declaration, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const fn = new Function("require", "exports", `${js}\nreturn ${name};`)(require, {}) as (...args: unknown[]) => unknown;
    return { source: Function.prototype.toString.call(fn), cell: cell.metadata.nbgrader?.grade_id ?? "?" };
  }
  throw new Error(`${lesson}: no code cell declares function ${name}`);
}

/** One worker of {@link exploreRoles}: a lesson function and the arguments it is called with. */
export type Role = [fn: LessonFunction, args: unknown[]];

/** What {@link exploreRoles} needs for each schedule: fresh shared state, made by `make`. */
export interface Roles {
  roles: Role[];
  /** The outcome of a schedule, from what each worker returned ("-" for one that did not return). */
  observe?: (returned: string[]) => unknown;
  /** Names for the primitives in deadlock descriptions. */
  names?: Record<string, unknown>;
}

/** Options of {@link exploreRoles}. */
export interface RoleOptions {
  /** Every value a worker may return, as text: each worker's return value is recorded as its index. */
  outcomes: string[];
  expected?: unknown;
  /** Start every worker at a scheduling point, so that the explorer also picks who starts first (default true). */
  start?: boolean;
  /** Wraps every SharedArray argument so that each get and set is a scheduling point (default false). */
  watchArrays?: boolean;
  maxSchedules?: number;
}

/** A watched SharedArray: every read and write is a point where the explorer may run another worker. */
function watched(
  array: { get(i: number): number; set(i: number, x: number): void; length: number; toArray(): number[] },
  s: { point(label: string): void },
) {
  return {
    length: array.length,
    get: (i: number) => {
      s.point(`read [${i}]`);
      return array.get(i);
    },
    set: (i: number, x: number) => {
      s.point(`write [${i}]`);
      array.set(i, x);
    },
    toArray: () => array.toArray(),
  };
}

/** The function every explored worker runs: its role's lesson function, rebuilt from source. */
async function playRole(
  source: string,
  args: unknown[],
  outcomes: string[],
  returned: { set(i: number, x: number): void },
  me: number,
  start: boolean,
  watch: boolean,
  watchSource: string,
  s: any,
): Promise<void> {
  const lab = require("race-lab");
  if (start) s.point("start");
  const wrap = lab.rebuildFunction(watchSource);
  const callArgs = watch ? args.map((a) => (a instanceof lab.SharedArray ? wrap(a, s) : a)) : args;
  const got = await lab.rebuildFunction(source)(...callArgs);
  returned.set(me, outcomes.indexOf(String(got)));
}

/**
 * Explores every interleaving of the lesson functions in `make().roles`, one worker each.
 *
 * @example
 * ```ts
 * const report = await exploreRoles(() => ({ roles: [[waiter, [cond]], [notifier, [cond]]] }), { outcomes: ["woke", "timed out"] });
 * ```
 */
export async function exploreRoles(make: () => Roles, options: RoleOptions) {
  const { SharedArray, explore } = require("race-lab") as typeof import("race-lab");
  const workers = make().roles.length;
  return explore({
    fn: playRole,
    workers,
    ...(options.expected === undefined ? {} : { expected: options.expected }),
    ...(options.maxSchedules === undefined ? {} : { maxSchedules: options.maxSchedules }),
    setup: () => {
      const m = make();
      const returned = new SharedArray("i", new Array(workers).fill(-1));
      const texts = () => returned.toArray().map((i) => options.outcomes[i] ?? "-");
      const args = m.roles.map(([fn, a], me) => [
        fn.source,
        a,
        options.outcomes,
        returned,
        me,
        options.start ?? true,
        options.watchArrays ?? false,
        watched.toString(),
      ]);
      return { args, observe: () => (m.observe ? m.observe(texts()) : texts()), ...(m.names ? { names: m.names } : {}) };
    },
  });
}
