// The scope a traveled function is rebuilt in, on the other side: \`require\`, race-lab's names, Node
// modules a cell imported, TypeScript's emit helpers; and the plain-words TravelError for a name
// that did not travel.
import { builtinModules, createRequire } from "module";
import * as path from "path";
import { RaceLabArgumentError, RaceLabError, TravelError } from "../core/errors";
import { displayName } from "./function-source";

/**
 * One name a travelling function uses from the notebook, as it travels: the source of a function or
 * class, a copied value (shared objects of race-lab stay shared in threads), or a race-lab export.
 *
 * @example
 * ```ts
 * const helper: CellDefinition = { name: "helper", source: "function helper(n) { return n * 2; }" };
 * ```
 * Warning: definitions come in dependency order (what a class extends comes before it); rebuild them
 * in that order.
 */
export type CellDefinition = { name: string; source: string } | { name: string; value: unknown } | { name: string; library: string };

let loadLibrary: (() => unknown) | undefined;
let library: unknown;

/**
 * @internal Says where race-lab's exports come from for rebuilt functions (`race_lab_1.x`,
 * `require("race-lab")`): index.ts gives its own exports; the worker, child and manager entries give
 * a loader, so that a worker loads the whole library only when its function uses it.
 */
export function provideLibrary(load: () => unknown): void {
  loadLibrary = load;
  library = undefined;
}

function raceLab(): unknown {
  if (library === undefined) {
    if (!loadLibrary) throw new RaceLabError("race-lab's exports were not provided (load race-lab through its index or an entry file)");
    library = loadLibrary();
  }
  return library;
}

/** @internal race-lab's exports, as rebuilt functions see them. */
export function libraryExports(): Record<string, unknown> {
  return raceLab() as Record<string, unknown>;
}

const cwdRequire = createRequire(path.join(process.cwd(), "__race_lab_travel__.js"));

/** `require` inside a traveled function: resolves from the notebook's folder, like the cell's own. */
function travelRequire(id: string): unknown {
  if (id === "race-lab") return raceLab();
  try {
    return cwdRequire(id);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw error;
    return require(id);
  }
}
travelRequire.resolve = cwdRequire.resolve;

// TypeScript's emit helpers (the same behaviour as tslib's). A cell that defines a decorated class
// inside a function compiles to calls of these; the cell defines them at its top, which does not
// travel, so the worker provides them.
function keepName<T>(target: T): T {
  return target;
}

function __decorate(decorators: Function[], target: any, key?: string | symbol, desc?: PropertyDescriptor | null): any {
  const c = arguments.length;
  let r = c < 3 ? target : desc === null ? (desc = Object.getOwnPropertyDescriptor(target, key!)) : desc;
  const reflect = Reflect as any;
  if (typeof reflect.decorate === "function") r = reflect.decorate(decorators, target, key, desc);
  else
    for (let i = decorators.length - 1; i >= 0; i--) {
      const d = decorators[i] as any;
      if (d) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    }
  if (c > 3 && r) Object.defineProperty(target, key!, r);
  return r;
}
function __metadata(key: string, value: unknown): unknown {
  const reflect = Reflect as any;
  return typeof reflect.metadata === "function" ? reflect.metadata(key, value) : undefined;
}
function __param(index: number, decorator: Function) {
  return (target: unknown, key: unknown) => decorator(target, key, index);
}
function __importDefault(mod: any): any {
  return mod && mod.__esModule ? mod : { default: mod };
}
function __importStar(mod: any): any {
  if (mod && mod.__esModule) return mod;
  const result: any = {};
  if (mod != null) for (const k of Object.keys(mod)) if (k !== "default") result[k] = mod[k];
  result.default = mod;
  return result;
}

const builtins = new Set(builtinModules);

/** The Node module a tslab-compiled import name stands for: `fs_1` → "fs", `node_fs_1` → "fs". */
function builtinFor(compiledName: string): string | undefined {
  const base = compiledName.replace(/_\d+$/, "").replace(/^node_/, "");
  return builtins.has(base) ? base : undefined;
}

function travelScope(source: string, name: string, travelled: Map<string, () => unknown>): { names: string[]; values: unknown[] } {
  // __name is what tsx/esbuild insert to keep function names (`__name(fn, "fn")`): scripts and tests
  // run under tsx send functions whose source calls it.
  const names = ["require", "exports", "__decorate", "__metadata", "__param", "__importDefault", "__importStar", "__name"];
  const values: unknown[] = [
    travelRequire,
    cellNamesInWorker(name, travelled),
    __decorate,
    __metadata,
    __param,
    __importDefault,
    __importStar,
    keepName,
  ];
  const seen = new Set(names);
  // `import { sleep } from "race-lab"` in a cell compiles to `race_lab_1.sleep`: bind every such name.
  for (const [id] of source.matchAll(/\brace_lab_\d+\b/g)) {
    if (seen.has(id)) continue;
    seen.add(id);
    names.push(id);
    values.push(raceLab());
  }
  // `import fs from "fs"` compiles to `fs_1.default`: bind names of Node's own modules the same way.
  for (const [id] of source.matchAll(/\b[a-z][a-z0-9_]*_\d+\b/g)) {
    const module = builtinFor(id);
    if (!module || seen.has(id)) continue;
    seen.add(id);
    names.push(id);
    values.push(__importStar(require(module)));
  }
  return { names, values };
}

/**
 * The plain-words error for a name that did not travel, or `undefined` when `error` is something else.
 *
 * @example
 * ```ts
 * try { fn(); } catch (e) { throw travelErrorFor(e, source, "work") ?? e; }
 * ```
 * Warning: only a `ReferenceError` naming an identifier that appears in `source` is turned into a TravelError; rethrow
 * the rest.
 */
export function travelErrorFor(error: unknown, source: string, name: string): TravelError | undefined {
  if (!(error instanceof Error) || error.name !== "ReferenceError") return undefined;
  const missing = /^(\S+) is not defined$/.exec(error.message)?.[1];
  if (!missing || !new RegExp(`(^|[^\\w$.])${missing.replace(/\$/g, "\\$")}(?![\\w$])`).test(source)) return undefined;
  let hint = "";
  if (builtins.has(missing) || builtins.has(missing.replace(/_\d+$/, ""))) {
    const module = missing.replace(/_\d+$/, "");
    hint = ` (\`${missing}\` is Node's "${module}" module imported in the cell: write \`const ${module} = require("${module}");\` inside the function instead.)`;
  } else if (/_\d+$/.test(missing)) {
    hint = ` (\`${missing}\` is how the notebook compiles a module imported in the cell: call \`require(…)\` for it inside the function.)`;
  }
  return notTraveled(name, missing, hint);
}

function notTraveled(name: string, missing: string, hint = ""): TravelError {
  return new TravelError(
    `${displayName(name)} uses \`${missing}\`, which did not travel with it. A function sent to a thread or process ` +
      `travels as its source code only (Python pickles functions by reference the same way, so it has the same rule): ` +
      `pass \`${missing}\` as an argument.${hint}`,
  );
}

/** `exports` inside a traveled function: the names that travelled with it, race-lab's; no other. */
function cellNamesInWorker(name: string, travelled: Map<string, () => unknown>): Record<string, unknown> {
  return new Proxy(
    {},
    {
      get(_, key) {
        if (typeof key !== "string") return undefined;
        const own = travelled.get(key);
        if (own) return own();
        const lib = raceLab() as Record<string, unknown>;
        if (key in lib) return lib[key];
        throw notTraveled(name, key, " (It is defined in an earlier cell of the notebook.)");
      },
    },
  );
}

/**
 * Rebuilds a function from {@link functionSource}'s text, on the other side, with the notebook's
 * definitions that travelled with it (see `cellDefinitions`; values already decoded). Inside it, `require`,
 * every `race_lab_N` (a cell's `import … from "race-lab"`), `exports.name` for race-lab names
 * imported in an earlier cell, Node modules imported in the cell (`fs_1`) and TypeScript's
 * decorator helpers are available. A `ReferenceError` for a name the function
 * expected from around it becomes a {@link TravelError} in plain words.
 *
 * @example
 * ```ts
 * const work = rebuildFunction("(x) => x * 2", "double");
 * work(21); // 42
 * ```
 * Warning: the source is run as code. Only rebuild source that came from your own functions.
 */
export function rebuildFunction(source: string, name = "", definitions: readonly CellDefinition[] = []): (...args: any[]) => any {
  if (typeof source !== "string" || source.trim() === "") {
    throw new RaceLabArgumentError("source", "the source code of a function (a non-empty string)", source);
  }
  if (typeof name !== "string") throw new RaceLabArgumentError("name", "a string", name);
  if (!Array.isArray(definitions)) throw new RaceLabArgumentError("definitions", "an array of cell definitions", definitions);
  const travelled = new Map<string, () => unknown>();
  const everything = [source, ...definitions.map((d) => ("source" in d ? d.source : ""))].join("\n");
  const scope = travelScope(everything, name, travelled);
  const explain = (error: unknown): unknown => travelErrorFor(error, everything, name) ?? error;
  let fn: unknown;
  try {
    defineTravelled(definitions, scope, travelled);
    const own = [...travelled.keys()];
    const values = [...travelled.values()].map((get) => get());
    fn = new Function(...scope.names, ...own, `"use strict";\nreturn (${source}\n);`)(...scope.values, ...values);
  } catch (error) {
    throw (
      travelErrorFor(error, everything, name) ??
      new TravelError(`${displayName(name)} could not be rebuilt from its source code: ${(error as Error).message}`)
    );
  }
  if (typeof fn !== "function") throw new RaceLabArgumentError("source", "the source code of a function", source);
  if (/^class\b/.test(source)) return fn as (...args: any[]) => any;
  const rebuilt = fn as (...args: any[]) => any;
  return function (this: unknown, ...args: any[]) {
    try {
      const result = rebuilt.apply(this, args);
      if (result instanceof Promise) return result.catch((error) => Promise.reject(explain(error)));
      return result;
    } catch (error) {
      throw explain(error);
    }
  };
}

/**
 * Rebuilds the notebook's definitions that travelled with a function, all in one scope (so that
 * they see each other, mutual recursion included), in the order they came: what a class extends
 * before the class. Each name goes into `travelled`, where `exports.name` and the function find it.
 */
function defineTravelled(
  definitions: readonly CellDefinition[],
  scope: { names: string[]; values: unknown[] },
  travelled: Map<string, () => unknown>,
): void {
  if (definitions.length === 0) return;
  const lib = raceLab() as Record<string, unknown>;
  const given = definitions.filter((d) => !("source" in d));
  const sources = definitions.filter((d): d is { name: string; source: string } => "source" in d);
  // The names are known before any is defined, so that `class B extends exports.A` finds A.
  const body =
    `"use strict";\n__travelled({ ${definitions.map((d) => `${JSON.stringify(d.name)}: () => ${d.name}`).join(", ")} });\n` +
    sources.map((d) => `const ${d.name} = (${d.source}\n);`).join("\n");
  const define = (getters: Record<string, () => unknown>) => {
    for (const d of definitions) travelled.set(d.name, getters[d.name]);
  };
  new Function(...scope.names, "__travelled", ...given.map((d) => d.name), body)(
    ...scope.values,
    define,
    ...given.map((d) => ("library" in d ? lib[d.library] : (d as { value: unknown }).value)),
  );
}
