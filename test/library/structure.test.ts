// The library's shape, as docs/DESIGN.md describes it: every source file in a layer folder (only the
// entry files at the top), no code file of src/, scripts/ or grader/ over 300 lines, and no import
// cycle (static imports, `import type` included, and `require("./…")` calls: a lazy require is
// still a cycle).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const SRC = path.resolve(__dirname, "..", "..", "src");
const MAX_LINES = 300;

/** Every .ts file under src/ (not the build), as paths relative to src/. */
function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === "dist" || name === "node_modules" ? [] : sourceFiles(full);
    return name.endsWith(".ts") ? [path.relative(SRC, full)] : [];
  });
}

/** The relative modules a file imports: `from "./x"`, `import("./x")`, `require("./x")`. */
export function importsOf(file: string, text: string): string[] {
  const found = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*)["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1]);
  return found.map((spec) => path.join(path.dirname(file), spec) + ".ts");
}

/** The cycles of a graph (each as the path that closes it), found by depth-first search. */
export function cyclesOf(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

function libraryGraph(): Map<string, string[]> {
  return new Map(sourceFiles().map((file) => [file, importsOf(file, readFileSync(path.join(SRC, file), "utf8"))]));
}

// The package's entry files (src/package.json's exports): race-lab, race-lab/course, /instructor, /internal.
const ENTRY_FILES = ["course.ts", "index.ts", "instructor.ts", "internal.ts"];

test("every source file sits in a layer folder; only the entry files are at the top", () => {
  assert.deepEqual(
    sourceFiles()
      .filter((f) => !f.includes(path.sep))
      .sort(),
    ENTRY_FILES,
  );
});

/** The code files of a folder of the repository (the library's build excluded), relative to the root. */
function codeFiles(folder: string): string[] {
  const root = path.resolve(SRC, "..");
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return name === "dist" || name === "node_modules" ? [] : walk(full);
      return /\.(ts|mjs|cjs|js)$/.test(name) ? [path.relative(root, full)] : [];
    });
  return walk(path.join(root, folder));
}

/** Lines as `wc -l` counts them (formatted by Prettier: the layout is the formatter's). */
export function lineCount(text: string): number {
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

test(`no code file in src/, scripts/ or grader/ is longer than ${MAX_LINES} lines`, () => {
  const root = path.resolve(SRC, "..");
  const long = ["src", "scripts", "grader"]
    .flatMap(codeFiles)
    .map((f) => [f, lineCount(readFileSync(path.join(root, f), "utf8"))] as const)
    .filter(([, lines]) => lines > MAX_LINES);
  assert.ok(codeFiles("src").length > 100, "the library's files are found");
  assert.deepEqual(long, []);
});

test("the line count catches a file one line over the limit", () => {
  assert.equal(lineCount("a\n".repeat(MAX_LINES + 1)) > MAX_LINES, true);
  assert.equal(lineCount("a\n".repeat(MAX_LINES)), MAX_LINES);
});

test("every relative import names a file that exists", () => {
  const files = new Set(sourceFiles());
  const missing = [...libraryGraph()].flatMap(([file, deps]) => deps.filter((d) => !files.has(d)).map((d) => `${file} → ${d}`));
  assert.deepEqual(missing, []);
});

// The layers, lowest first: a file may import from its own folder and the folders before it.
const LAYERS = [
  "kernel",
  "core",
  "primitives",
  "shared",
  "run",
  "files",
  "manager",
  "database",
  "display",
  "trace",
  "course",
  "scheduler",
  "transactions",
];
// The files workers, children and the manager's server load from disk: they may load the whole library.
const ENTRIES = ["run/worker-entry.ts", "run/child-entry.ts", "manager/manager-server.ts", "scheduler/worker.ts"];

test("each folder imports only from its own layer and the layers below it (docs/DESIGN.md)", () => {
  const layer = (file: string) => LAYERS.indexOf(file.split(path.sep)[0]);
  assert.deepEqual(
    sourceFiles().filter((f) => f.includes(path.sep) && layer(f) < 0),
    [],
    "every folder is a known layer",
  );
  const upward = [...libraryGraph()].flatMap(([file, deps]) =>
    ENTRY_FILES.includes(file)
      ? []
      : deps.filter((d) => (d === "index.ts" ? !ENTRIES.includes(file) : layer(d) > layer(file))).map((d) => `${file} → ${d}`),
  );
  assert.deepEqual(upward, []);
});

test("the library has no import cycle", () => {
  assert.deepEqual(
    cyclesOf(libraryGraph()).map((c) => c.join(" → ")),
    [],
  );
});

test("the cycle check finds a cycle, also one closed by a lazy require (it can fail)", () => {
  const graph = new Map([
    ["index.ts", importsOf("index.ts", 'export * from "./run/travel";')],
    ["run/travel.ts", importsOf("run/travel.ts", 'library ??= require("../index");')],
  ]);
  assert.deepEqual(cyclesOf(graph), [["index.ts", "run/travel.ts", "index.ts"]]);
});
