// `npm run test:binder`: binder/postBuild, run as repo2docker runs it (in a clean clone, with an
// environment's Python first on PATH), registers a kernel that runs the welcome notebook — and the
// check fails for a postBuild that is broken. The environment is a virtual environment over Debian's
// Jupyter (see check-postbuild.mjs); the conda build from environment.yml is not exercised.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT, checkPostBuild } from "./check-postbuild.mjs";

const POSTBUILD = readFileSync(path.join(ROOT, "binder", "postBuild"), "utf8");
const NPM_CI = /^npm ci .*$/m;
const SETUP = /^node scripts\/course\.mjs setup --prefix "\$prefix"$/m;

test("binder/postBuild: kernel tslab in the environment's prefix runs the clone's tslab; the welcome notebook runs through it", () => {
  const summary = checkPostBuild({ log: (m) => console.log(m) });
  assert.match(summary.kernel, /\/env\/share\/jupyter\/kernels\/tslab$/);
  assert.match(summary.tslab, /\/repo\/src\/kernel\/launcher\.cjs$/);
  assert.equal(summary.studentNotebooks, true, "the launch link's notebooks/ holds the student versions");
  assert.match(summary.database, /^PostgreSQL \d+/, "the database lessons' PostgreSQL starts from the clone's npm packages");
});

test("a postBuild with a failing command in the middle fails the check (set -e holds)", () => {
  assert.match(POSTBUILD, NPM_CI, "the test's anchor, the `npm ci` line, is in binder/postBuild");
  const broken = POSTBUILD.replace(NPM_CI, (line) => `${line}\nfalse  # inserted by the test: a failing command`);
  assert.throws(() => checkPostBuild({ postBuild: broken }), /binder\/postBuild failed: exit status 1/);
});

test("a postBuild that registers the kernel in the user's home, not the environment's prefix, fails the check", () => {
  // A real mistake: on a JupyterHub the home folder is a fresh volume, so a kernel under
  // ~/.local/share/jupyter would vanish. postBuild's own check passes (Jupyter finds it); ours must not.
  assert.match(POSTBUILD, SETUP, "the test's anchor, the kernel registration line, is in binder/postBuild");
  const broken = POSTBUILD.replace(SETUP, "node scripts/course.mjs setup");
  assert.throws(() => checkPostBuild({ postBuild: broken }), /not into the environment's prefix/);
});
