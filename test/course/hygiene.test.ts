// Committed notebooks must be clean: nbformat 4.5 with cell ids, kernelspec tslab, no outputs, null
// execution counts, valid structure. `npm run nb:clean` fixes most of this; these tests fail when it
// was not run, and on structures it cannot fix. Two fixtures show the checks do fail.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { findHarnessPython } from "../../scripts/jupyter.mjs";

const ROOT = path.resolve(__dirname, "..", "..");
const NOTEBOOKS = path.join(ROOT, "notebooks"); // the student versions (generated, committed)
const INSTRUCTOR = path.join(ROOT, "instructor"); // the lessons' source: solutions and hidden tests
const FIXTURES = path.join(ROOT, "test", "fixtures");
const CELL_ID = /^[a-zA-Z0-9-_]{1,64}$/;
const CELL_KEYS: Record<string, string[]> = {
  code: ["cell_type", "execution_count", "id", "metadata", "outputs", "source"],
  markdown: ["attachments", "cell_type", "id", "metadata", "source"],
  raw: ["attachments", "cell_type", "id", "metadata", "source"],
};

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** Every way a notebook file breaks the hygiene rules, in words (empty when clean). */
export function hygieneProblems(file: string): string[] {
  const problems: string[] = [];
  let nb: unknown;
  try {
    nb = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    return [`not JSON: ${(err as Error).message}`];
  }
  if (!isObject(nb)) return ["not a JSON object"];
  if (nb.nbformat !== 4 || nb.nbformat_minor !== 5) problems.push(`nbformat ${nb.nbformat}.${nb.nbformat_minor}, not 4.5`);
  for (const key of Object.keys(nb))
    if (!["cells", "metadata", "nbformat", "nbformat_minor"].includes(key)) problems.push(`unknown top-level key ${key}`);
  const kernelspec = isObject(nb.metadata) ? nb.metadata.kernelspec : undefined;
  if (!isObject(kernelspec) || kernelspec.name !== "tslab" || kernelspec.language !== "typescript") {
    problems.push(`kernelspec is ${JSON.stringify(kernelspec)}, not tslab (TypeScript)`);
  }
  if (!Array.isArray(nb.cells)) return [...problems, "cells is not a list"];
  const ids = new Set<string>();
  nb.cells.forEach((cell: unknown, i: number) => {
    const at = `cell ${i}`;
    if (!isObject(cell)) return problems.push(`${at}: not an object`);
    const type = String(cell.cell_type);
    const allowed = CELL_KEYS[type];
    if (!allowed) return problems.push(`${at}: unknown cell_type ${JSON.stringify(cell.cell_type)}`);
    if (typeof cell.id !== "string" || !CELL_ID.test(cell.id)) problems.push(`${at}: missing or invalid id ${JSON.stringify(cell.id)}`);
    else if (ids.has(cell.id)) problems.push(`${at}: duplicate id ${cell.id}`);
    else ids.add(cell.id);
    if (!isObject(cell.metadata)) problems.push(`${at}: metadata is not an object`);
    const source = cell.source;
    if (!(typeof source === "string" || (Array.isArray(source) && source.every((s) => typeof s === "string"))))
      problems.push(`${at}: source is not text`);
    for (const key of Object.keys(cell)) if (!allowed.includes(key)) problems.push(`${at}: unexpected key ${key} in a ${type} cell`);
    if (type === "code") {
      if (!Array.isArray(cell.outputs)) problems.push(`${at}: outputs missing`);
      else if (cell.outputs.length > 0) problems.push(`${at}: has ${cell.outputs.length} output(s)`);
      if (cell.execution_count !== null) problems.push(`${at}: execution_count is ${JSON.stringify(cell.execution_count)}, not null`);
      if (isObject(cell.metadata) && "execution" in cell.metadata) problems.push(`${at}: execution timing metadata`);
    }
    return undefined;
  });
  return problems;
}

function nbClean(files: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "nb-clean.mjs"), "--check", ...files], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

/** nbformat's own schema validation, with the Python that has Jupyter; null when there is none. */
function nbformatErrors(files: string[]): Record<string, string> | null {
  const python = findHarnessPython();
  if (!python) return null;
  const script = [
    "import json, sys, nbformat",
    "errors = {}",
    "for f in sys.argv[1:]:",
    "    try:",
    "        nbformat.validate(nbformat.read(f, as_version=nbformat.NO_CONVERT))",
    "    except Exception as e:",
    "        errors[f] = f'{type(e).__name__}: {str(e).splitlines()[0]}'",
    "print(json.dumps(errors))",
  ].join("\n");
  const r = spawnSync(python, ["-c", script, ...files], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, string>;
}

const lessons = [INSTRUCTOR, NOTEBOOKS].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => path.join(dir, f)),
);
// The harness fixtures are committed clean too; dirty-* and invalid-* are broken on purpose.
const cleanFixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".ipynb") && !/^(dirty|invalid)-/.test(f))
  .map((f) => path.join(FIXTURES, f));

test("the course has notebooks, starting with 00-welcome", () => {
  for (const dir of ["instructor", "notebooks"])
    assert.ok(lessons.includes(path.join(ROOT, dir, "00-welcome.ipynb")), `${dir}/00-welcome.ipynb is missing`);
});

test("every notebook is clean: 4.5, cell ids, kernelspec tslab, no outputs, null execution counts", () => {
  const report = [...lessons, ...cleanFixtures]
    .map((f) => ({ file: path.relative(ROOT, f), problems: hygieneProblems(f) }))
    .filter((r) => r.problems.length > 0);
  assert.deepEqual(report, [], "run `npm run nb:clean`, then fix what remains");
});

test("nb-clean --check finds nothing to clean", () => {
  const r = nbClean([...lessons, ...cleanFixtures]);
  assert.equal(r.code, 0, r.out);
});

test("every notebook passes nbformat's schema validation", (t) => {
  const errors = nbformatErrors([...lessons, ...cleanFixtures]);
  if (errors === null) return t.skip("no Python with nbformat found");
  assert.deepEqual(errors, {});
});

test("the checks catch a notebook with outputs and execution counts", () => {
  const dirty = path.join(FIXTURES, "dirty-outputs.ipynb");
  const problems = hygieneProblems(dirty);
  assert.ok(
    problems.some((p) => /cell 1: has 1 output/.test(p)),
    problems.join("\n"),
  );
  assert.ok(
    problems.some((p) => /execution_count is 3, not null/.test(p)),
    problems.join("\n"),
  );
  const r = nbClean([dirty]);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /dirty-outputs\.ipynb: not clean/);
});

test("the checks catch an invalid structure", (t) => {
  const invalid = path.join(FIXTURES, "invalid-structure.ipynb");
  const problems = hygieneProblems(invalid).join("\n");
  for (const expected of [
    /nbformat 4\.4, not 4\.5/,
    /not tslab/,
    /cell 0: missing or invalid id/,
    /cell 0: outputs missing/,
    /cell 1: missing or invalid id "not a valid id!"/,
    /cell 1: unexpected key outputs/,
    /cell 2: unknown cell_type "diagram"/,
  ]) {
    assert.match(problems, expected);
  }
  const errors = nbformatErrors([invalid]);
  if (errors === null) return t.skip("no Python with nbformat found");
  assert.ok(errors[invalid], "nbformat should reject it too");
});

test("every lesson is listed in the README's lesson table and in the welcome notebook's contents", () => {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const welcome = readFileSync(path.join(NOTEBOOKS, "00-welcome.ipynb"), "utf8");
  const missing: string[] = [];
  for (const file of readdirSync(NOTEBOOKS).filter((f) => f.endsWith(".ipynb") && f !== "00-welcome.ipynb")) {
    if (!readme.includes(`(notebooks/${file})`)) missing.push(`README.md lacks a link to notebooks/${file}`);
    if (!welcome.includes(`(${file})`)) missing.push(`00-welcome.ipynb lacks a link to ${file}`);
  }
  assert.deepEqual(missing, []);
});
