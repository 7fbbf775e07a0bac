// race-lab's entry points (src/package.json's `exports`): what the root may hold, and that a lesson
// cell finds each subpath and its types, in Node and under tslab's own TypeScript (module resolution
// node10, which ignores `exports`: the subpaths' types come from `typesVersions`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, realpathSync, rmSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "..", "..");
const SRC = path.join(ROOT, "src");
const MAX_ROOT_NAMES = 90;

type ExportsMap = Record<string, string | { types: string; default: string }>;
const pkg = JSON.parse(readFileSync(path.join(SRC, "package.json"), "utf8")) as { exports: ExportsMap };

/** The package's subpaths ("race-lab", "race-lab/course", …) and the types file each names. */
function entries(): { specifier: string; types: string }[] {
  return Object.entries(pkg.exports)
    .filter(([subpath]) => subpath !== "./package.json")
    .map(([subpath, target]) => ({
      specifier: subpath === "." ? "race-lab" : `race-lab/${subpath.slice(2)}`,
      types: path.join(SRC, (target as { types: string }).types),
    }));
}

/** The names an entry file exports (values and types), each with whether its declaration is @internal. */
function exportedNames(entryFile: string): { name: string; internal: boolean }[] {
  const program = ts.createProgram([entryFile], {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    types: ["node"],
    experimentalDecorators: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entryFile)!)!;
  return checker.getExportsOfModule(moduleSymbol).map((exported) => {
    const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const internal = (target.declarations ?? []).some((d) => ts.getJSDocTags(d).some((tag) => tag.tagName.text === "internal"));
    return { name: exported.name, internal };
  });
}

/** The names of `entry` (a file of src/) that are marked @internal. */
function internalNames(entryFile: string): string[] {
  return exportedNames(entryFile)
    .filter((e) => e.internal)
    .map((e) => e.name);
}

test(`race-lab's root exports at most ${MAX_ROOT_NAMES} names, and no public entry exports an @internal one`, () => {
  const root = exportedNames(path.join(SRC, "index.ts"));
  assert.ok(root.length <= MAX_ROOT_NAMES, `race-lab exports ${root.length} names`);
  assert.ok(root.length >= 60, `race-lab exports what the lessons use (${root.length} names)`);
  for (const file of ["index.ts", "course.ts", "instructor.ts"]) assert.deepEqual(internalNames(path.join(SRC, file)), [], file);
});

test("the @internal check finds an internal name (it can fail)", () => {
  // internal.ts is the whole library, @internal names included.
  const internal = internalNames(path.join(SRC, "internal.ts"));
  assert.ok(internal.includes("provideLibrary") && internal.includes("runJobs"), internal.join(", "));
});

test("each entry loads in Node by its subpath, and nothing else of the package does", () => {
  const names = entries().map(({ specifier }) => [specifier, Object.keys(require(specifier)).length] as const);
  for (const [specifier, count] of names) assert.ok(count > 0, `${specifier} exports nothing`);
  assert.throws(() => require("race-lab/dist/core/errors"), { code: "ERR_PACKAGE_PATH_NOT_EXPORTED" });
});

test("under tslab's TypeScript (node10), each subpath's types are the ones the exports map names", () => {
  // The compiler tslab itself loads, resolving from a notebook's folder as a cell's import does.
  const { tslabTypeScript } = require("../../src/kernel/tslab-modules.cjs") as { tslabTypeScript(): typeof ts };
  const tslabTs = tslabTypeScript();
  const cell = path.join(ROOT, "notebooks", "cell.ts");
  const options = { moduleResolution: tslabTs.ModuleResolutionKind.Node10 };
  const resolved = entries().map(({ specifier }) => {
    const file = tslabTs.resolveModuleName(specifier, cell, options, tslabTs.sys).resolvedModule?.resolvedFileName;
    return [specifier, file && realpathSync(file)];
  });
  assert.deepEqual(
    resolved,
    entries().map(({ specifier, types }) => [specifier, types]),
  );
});

test("in a tslab kernel, a cell imports race-lab, race-lab/course and race-lab/instructor with their types", (t) => {
  const saved = path.join(ROOT, "test-artifacts", `entry-points-${process.pid}`);
  t.after(() => rmSync(saved, { recursive: true, force: true }));
  const fixture = path.join(ROOT, "test", "fixtures", "student", "entry-points.ipynb");
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, "scripts", "run-notebooks.mjs"), "--no-git-check", "--save-executed", saved, fixture],
    {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 300_000,
    },
  );
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`); // a compile error (a module or its types not found) fails a cell
  const cells = (
    JSON.parse(readFileSync(path.join(saved, "student", "entry-points.ipynb"), "utf8")) as { cells: { outputs?: { text?: string[] }[] }[] }
  ).cells;
  const printed = cells.map((c) => (c.outputs ?? []).map((o) => (o.text ?? []).join("")).join(""));
  assert.deepEqual(printed.slice(1), ["function function function function\n", "function function\n"]);
});
