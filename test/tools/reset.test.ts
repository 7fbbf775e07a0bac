// `npm run reset -- notebooks/NN-x.ipynb` (scripts/reset.mjs) puts a lesson back as committed and
// keeps the student's work beside it; it refuses what is not a student lesson. Each case runs the
// script in a throwaway git repository, as a student's clone would be.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const SCRIPT = path.resolve(__dirname, "..", "..", "scripts", "reset.mjs");
const HANDED_OUT = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n';

function clone(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "race-lab-reset-"));
  mkdirSync(path.join(dir, "notebooks"));
  mkdirSync(path.join(dir, "instructor"));
  writeFileSync(path.join(dir, "notebooks", "01-x.ipynb"), HANDED_OUT);
  writeFileSync(path.join(dir, "instructor", "01-x.ipynb"), HANDED_OUT);
  const git = (...args: string[]) => spawnSync("git", args, { cwd: dir, encoding: "utf8" });
  git("init", "-q");
  git("add", ".");
  git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "lesson");
  return dir;
}
function reset(dir: string, notebook: string) {
  const r = spawnSync(process.execPath, [SCRIPT, notebook], { cwd: dir, encoding: "utf8", timeout: 30_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test("reset restores the committed lesson and keeps the student's work beside it, timestamped", () => {
  const dir = clone();
  try {
    const lesson = path.join(dir, "notebooks", "01-x.ipynb");
    writeFileSync(lesson, "the student's broken work");
    const r = reset(dir, "notebooks/01-x.ipynb");
    assert.equal(r.code, 0, r.out);
    assert.equal(readFileSync(lesson, "utf8"), HANDED_OUT);
    const kept = readdirSync(path.join(dir, "notebooks")).filter((f) => /^01-x\.backup-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.ipynb$/.test(f));
    assert.equal(kept.length, 1, `one backup beside the lesson: ${readdirSync(path.join(dir, "notebooks"))}`);
    assert.equal(readFileSync(path.join(dir, "notebooks", kept[0]), "utf8"), "the student's broken work");
    assert.match(r.out, /Your work is kept in notebooks\/01-x\.backup-/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("reset of an untouched or deleted lesson makes no backup", () => {
  const dir = clone();
  try {
    const r = reset(dir, "notebooks/01-x.ipynb");
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /already as it was handed out/);
    rmSync(path.join(dir, "notebooks", "01-x.ipynb"));
    assert.equal(reset(dir, "notebooks/01-x.ipynb").code, 0);
    assert.deepEqual(readdirSync(path.join(dir, "notebooks")), ["01-x.ipynb"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("reset refuses what is not a student lesson, saying why", () => {
  const dir = clone();
  try {
    assert.match(reset(dir, "notebooks/99-none.ipynb").out, /not a lesson of the course/);
    assert.match(reset(dir, "instructor/01-x.ipynb").out, /restores the student lessons in notebooks\//);
    assert.match(reset(dir, "notebooks/01-x.txt").out, /must be a path ending in \.ipynb/);
    const noArgs = spawnSync(process.execPath, [SCRIPT], { cwd: dir, encoding: "utf8" });
    assert.equal(noArgs.status, 2);
    assert.match(noArgs.stdout, /usage: npm run reset --/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
