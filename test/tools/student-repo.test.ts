// `npm run release -- --student-repo DIR` (scripts/student-repo.mjs): the repository an instructor
// publishes for students holds the student notebooks, the library, the Python ports and the setup,
// and no solution, no hidden test, no answer key, nothing of instructor/, grader/ or test/. Checked
// against the instructor's notebooks themselves: the code of every solution region and hidden test,
// and every written answer, appears in no file of the repository.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { cellText, readNotebook, roleOf } from "../../grader/notebook.mjs";
import { leaks } from "../../grader/release-notebook.mjs";
import { ROLE } from "../../grader/schema.mjs";

const ROOT = path.resolve(__dirname, "..", "..");
const INSTRUCTOR = path.join(ROOT, "instructor");

function release(dir: string): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "release.mjs"), "--student-repo", dir], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name))],
  );
}

/** Text without white space, quotes, commas and escaped line ends, so that neither indentation nor
 * a notebook's JSON (a cell's source is a list of quoted lines) can hide a copy. */
function normalized(text: string): string {
  return text.replace(/\\n/g, "").replace(/[\s"',\\]/g, "");
}

/** What students must never get, from the instructor's notebooks: each solution region and hidden
 * test region (the code between the markers), and each written answer (a markdown solution cell). */
function secrets(): { where: string; text: string }[] {
  const found: { where: string; text: string }[] = [];
  for (const name of readdirSync(INSTRUCTOR).filter((f) => f.endsWith(".ipynb"))) {
    readNotebook(path.join(INSTRUCTOR, name)).cells.forEach((cell, i) => {
      const text = cellText(cell);
      if (cell.cell_type === "markdown" && roleOf(cell) === ROLE.solution)
        found.push({ where: `${name} cell ${i} (written answer)`, text });
      for (const [, kind, body] of text.matchAll(/\/\/ BEGIN (SOLUTION|HIDDEN TESTS)\n([\s\S]*?)\n\s*\/\/ END \1/g)) {
        found.push({ where: `${name} cell ${i} (${kind.toLowerCase()})`, text: body });
      }
    });
  }
  // A one-line region such as `return n;` could appear anywhere by chance: only telling ones count.
  return found.map((s) => ({ ...s, text: normalized(s.text) })).filter((s) => s.text.length >= 24);
}

test("the student repository holds the notebooks, library, ports and setup, and no solution, hidden test or instructor file", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "race-lab-student-repo-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = release(path.join(dir, "repo"));
  assert.equal(r.code, 0, r.out);
  const repo = path.join(dir, "repo");
  const files = filesUnder(repo);

  for (const needed of [
    "notebooks/00-welcome.ipynb",
    "notebooks/14-hermitage-live.ipynb",
    "python/04_shared_value.py",
    "src/index.ts",
    "src/package.json",
    "scripts/course.mjs",
    "scripts/jupyter.mjs",
    "binder/postBuild",
    "package.json",
    "package-lock.json",
    "README.md",
  ]) {
    assert.ok(files.includes(needed), `${needed} is missing`);
  }
  assert.ok(statSync(path.join(repo, "binder", "postBuild")).mode & 0o100, "postBuild stays executable");
  const instructorOnly = files.filter((f) => /^(instructor|grader|test|bench|docs|\.ci)\//.test(f) || f.startsWith("src/dist/"));
  assert.deepEqual(instructorOnly, [], "files of the instructor, the tests or the build");
  assert.deepEqual(
    JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8")).scripts,
    {
      prepare: "npm run build",
      build: "tsc -p src/tsconfig.json",
      start: "node scripts/course.mjs start",
      setup: "node scripts/course.mjs setup",
    },
    "only the scripts whose files are there",
  );

  // The notebooks are the committed student notebooks: what is published is what the tests run.
  for (const name of readdirSync(path.join(ROOT, "notebooks")).filter((f) => f.endsWith(".ipynb"))) {
    assert.equal(readFileSync(path.join(repo, "notebooks", name), "utf8"), readFileSync(path.join(ROOT, "notebooks", name), "utf8"), name);
    assert.deepEqual(leaks(readNotebook(path.join(repo, "notebooks", name))), [], name);
  }

  const texts = files.map((f) => ({ f, text: readFileSync(path.join(repo, f), "utf8") }));
  const markers = texts.filter(({ text }) => /(BEGIN|END) (SOLUTION|HIDDEN TESTS)/.test(text)).map(({ f }) => f);
  assert.deepEqual(markers, [], "files with solution or hidden-test markers");
  const hidden = secrets();
  assert.ok(hidden.length >= 20, `the instructor's notebooks hold solutions to look for (${hidden.length})`);
  const normalizedTexts = texts.map(({ f, text }) => ({ f, text: normalized(text) }));
  const leaked = hidden.flatMap((s) => normalizedTexts.filter(({ text }) => text.includes(s.text)).map(({ f }) => `${s.where} in ${f}`));
  assert.deepEqual(leaked, [], "solutions or hidden tests found in the student repository");
});

test("the student repository is written only into a new, empty or earlier student folder, whose .git stays", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "race-lab-student-repo-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const other = path.join(dir, "someones-work");
  mkdirSync(other);
  writeFileSync(path.join(other, "thesis.txt"), "mine");
  const refused = release(other);
  assert.equal(refused.code, 1);
  assert.match(refused.out, /--student-repo .*someones-work: the folder holds files and is no student repository/);
  assert.equal(readFileSync(path.join(other, "thesis.txt"), "utf8"), "mine");

  const repo = path.join(dir, "published");
  assert.equal(release(repo).code, 0);
  mkdirSync(path.join(repo, ".git"));
  writeFileSync(path.join(repo, ".git", "HEAD"), "ref: refs/heads/main\n");
  writeFileSync(path.join(repo, "notebooks", "stale.ipynb"), "{}");
  const again = release(repo);
  assert.equal(again.code, 0, again.out);
  assert.equal(readFileSync(path.join(repo, ".git", "HEAD"), "utf8"), "ref: refs/heads/main\n");
  assert.ok(!readdirSync(path.join(repo, "notebooks")).includes("stale.ipynb"), "the earlier release's files are replaced");
});
