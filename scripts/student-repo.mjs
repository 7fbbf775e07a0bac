// The student repository (`npm run release -- --student-repo DIR`): what an instructor publishes for
// students, Binder links or nbgitpuller — the student notebooks, the race-lab library's source, the
// Python ports, the setup (`npm install && npm start`, Binder's postBuild, the devcontainer) — and
// nothing of the instructor's: no instructor/ (solutions, answer keys), no grader, no tests.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./jupyter.mjs";

/** A folder the student repository may not be written into. */
export class StudentRepoError extends Error {}

/** Tracked files copied as they are: a folder ends with "/". */
export const STUDENT_FILES = [
  "src/",
  "python/",
  "scripts/course.mjs",
  "scripts/jupyter.mjs",
  "scripts/kernelspec.mjs",
  "binder/environment.yml",
  "binder/postBuild",
  ".devcontainer/",
  "package-lock.json",
];
/** What `npm run …` offers students: the rest of the course's scripts need what is not there. */
const STUDENT_SCRIPTS = ["prepare", "build", "start", "setup"];
/** Marks a folder as a student repository: only such a folder (or an empty one) is rewritten. */
export const MARKER = ".race-lab-student-repo";
const GITIGNORE = ["node_modules/", "src/dist/", ".venv/", ".ipynb_checkpoints/", "__pycache__/", ""].join("\n");

/**
 * The course's tracked files that go to students, relative to ROOT (src/dist and other build output
 * are not tracked).
 * @returns {string[]}
 */
function trackedStudentFiles() {
  const tracked = execFileSync("git", ["-C", ROOT, "ls-files", "-z"], { encoding: "utf8" }).split("\0").filter(Boolean);
  return tracked.filter((file) => STUDENT_FILES.some((entry) => (entry.endsWith("/") ? file.startsWith(entry) : file === entry)));
}

/**
 * Empties `dir` for a new student repository (its .git, if any, stays), or throws when it holds
 * anything else than an earlier one.
 * @param {string} dir
 */
function prepare(dir) {
  if (!existsSync(dir)) return mkdirSync(dir, { recursive: true });
  const entries = readdirSync(dir).filter((e) => e !== ".git");
  if (entries.length > 0 && !entries.includes(MARKER)) {
    throw new StudentRepoError(
      `--student-repo ${dir}: the folder holds files and is no student repository (no ${MARKER}): name a new or empty folder`,
    );
  }
  for (const entry of entries) rmSync(path.join(dir, entry), { recursive: true, force: true });
}

/**
 * Writes the student repository into `dir`: the student notebooks given (name → text), the files of
 * STUDENT_FILES, a package.json whose scripts are the students' (dependencies unchanged, so that the
 * lock file still fits it), the student README (docs/STUDENT-README.md) and a .gitignore.
 * @param {string} dir
 * @param {{ name: string; text: string }[]} notebooks
 * @returns {number} how many files were written
 */
export function writeStudentRepo(dir, notebooks) {
  prepare(dir);
  const files = trackedStudentFiles();
  for (const file of files) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  mkdirSync(path.join(dir, "notebooks"));
  for (const { name, text } of notebooks) writeFileSync(path.join(dir, "notebooks", name), text);
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
  pkg.scripts = Object.fromEntries(STUDENT_SCRIPTS.map((s) => [s, pkg.scripts[s]]));
  writeFileSync(path.join(dir, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
  copyFileSync(path.join(ROOT, "docs", "STUDENT-README.md"), path.join(dir, "README.md"));
  writeFileSync(path.join(dir, ".gitignore"), GITIGNORE);
  writeFileSync(
    path.join(dir, MARKER),
    "Written by `npm run release -- --student-repo` from the course's repository; the next release rewrites everything here but .git.\n",
  );
  return files.length + notebooks.length + 4;
}
