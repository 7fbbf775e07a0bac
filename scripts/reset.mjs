#!/usr/bin/env node
// `npm run reset -- notebooks/NN-x.ipynb`: puts a lesson back as it was handed out (the student
// version committed in git), after copying the student's own work beside it with a timestamp in its
// name, so nothing is lost. For a lesson that no longer opens, runs, or that a student wants to start
// again. Works in any clone of the course with git (Binder's included).
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const USAGE = "usage: npm run reset -- notebooks/NN-name.ipynb   (the lesson to restore; your work is kept beside it)";

/**
 * Runs git with `args` in `cwd`; returns its stdout, or throws with git's own message.
 * @param {string[]} args
 * @param {string} cwd
 */
function git(args, cwd) {
  const r = spawnSync("git", args, { cwd, encoding: "buffer", timeout: 30_000 });
  if (r.error) throw new Error(`git could not run (${r.error.message}): reset needs git, which comes with the course's clone.`);
  if (r.status !== 0) throw new Error(r.stderr.toString().trim() || `git ${args.join(" ")} failed (exit ${r.status})`);
  return r.stdout;
}

/** "2026-12-07T11-08-05": a timestamp that sorts and is valid in every file system. */
function stamp(date = new Date()) {
  return date.toISOString().slice(0, 19).replaceAll(":", "-");
}

/**
 * Restores `notebook` from the version committed in git (HEAD), keeping the current file as
 * `NAME.backup-STAMP.ipynb` beside it. Returns what it did.
 * @param {string} notebook the lesson's path, relative to the current folder or absolute
 * @param {{ now?: Date }} [options]
 * @returns {{ restored: string; backup: string | null }}
 */
export function resetNotebook(notebook, { now = new Date() } = {}) {
  if (typeof notebook !== "string" || !notebook.endsWith(".ipynb")) {
    throw new Error(`the notebook to reset must be a path ending in .ipynb (got ${JSON.stringify(notebook)}). ${USAGE}`);
  }
  const file = path.resolve(notebook);
  const folder = path.dirname(file);
  if (!existsSync(folder)) throw new Error(`no folder ${folder}. ${USAGE}`);
  const top = git(["rev-parse", "--show-toplevel"], folder).toString().trim();
  const inRepo = path.relative(top, file).split(path.sep).join("/");
  if (!inRepo.startsWith("notebooks/")) {
    throw new Error(
      `reset restores the student lessons in notebooks/ (got ${inRepo}); instructor/ holds the solutions, not a lesson to restore.`,
    );
  }
  let original;
  try {
    original = git(["show", `HEAD:${inRepo}`], top);
  } catch {
    throw new Error(`${inRepo} is not a lesson of the course (git has no such file): check the name with ls notebooks/.`);
  }
  let backup = null;
  if (existsSync(file)) {
    if (readFileSync(file).equals(original)) return { restored: inRepo, backup: null };
    backup = file.replace(/\.ipynb$/, `.backup-${stamp(now)}.ipynb`);
    if (existsSync(backup)) throw new Error(`${backup} exists already: wait a second and run reset again.`);
    copyFileSync(file, backup);
  }
  writeFileSync(file, original);
  return { restored: inRepo, backup: backup && path.relative(top, backup).split(path.sep).join("/") };
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("reset.mjs")) {
  const args = process.argv.slice(2);
  if (args.length !== 1 || args[0] === "--help" || args[0] === "-h") {
    console.log(USAGE);
    process.exit(args.length === 1 ? 0 : 2);
  }
  try {
    const { restored, backup } = resetNotebook(args[0]);
    if (backup) console.log(`Your work is kept in ${backup}; ${restored} is back as it was handed out.`);
    else console.log(`${restored} was already as it was handed out: nothing to keep, nothing changed.`);
    console.log("In JupyterLab: close the lesson's tab without saving (or File → Reload Notebook from Disk), then open it again.");
  } catch (e) {
    console.error(`reset: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }
}
