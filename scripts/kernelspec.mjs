// The project's kernelspec "tslab": what it runs (this checkout's kernel launcher, with this node),
// where it is registered, and registering it. Used by `npm start` / `npm run setup`, the notebook
// harness wrapper, the grader and the tests.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT, probe } from "./jupyter.mjs";

/** What the kernelspec runs: tslab, started so that it answers its first request (see the file). */
export const KERNEL_LAUNCHER = path.join(ROOT, "src", "kernel", "launcher.cjs");
/** The package the launcher starts; there once `npm install` has run. */
const TSLAB_PACKAGE = path.join(ROOT, "node_modules", "tslab", "package.json");
export const KERNEL_NAME = "tslab";
/** @typedef {{ argv: string[]; display_name: string; language: string }} KernelSpec */
/** @typedef {import("./jupyter.mjs").JupyterInfo} JupyterInfo */
/** @typedef {"user" | "sys-prefix" | { prefix: string }} KernelWhere */
/** @typedef {(line: string) => void} Log */

/**
 * The kernelspec we register: the project's own tslab, through src/kernel/launcher.cjs, run by the
 * node that runs this script.
 * @returns {KernelSpec}
 */
export function kernelSpec() {
  return {
    argv: [process.execPath, KERNEL_LAUNCHER, "--config-path", "{connection_file}"],
    display_name: "TypeScript",
    language: "typescript",
  };
}

/**
 * @param {KernelSpec | undefined} a
 * @param {KernelSpec | undefined} b
 */
function sameSpec(a, b) {
  return !!a && !!b && JSON.stringify(a.argv) === JSON.stringify(b.argv) && a.display_name === b.display_name && a.language === b.language;
}

/**
 * The tslab kernelspec this Jupyter resolves (highest-priority one), or null.
 * @param {string} jupyterPath
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {{ dir: string; spec: KernelSpec } | null}
 */
export function resolvedKernel(jupyterPath, env = process.env) {
  const r = probe(jupyterPath, ["kernelspec", "list", "--json"], { env, timeoutMs: 60_000 });
  if (!r.ok) return null;
  try {
    const entry = JSON.parse(r.stdout).kernelspecs?.[KERNEL_NAME];
    return entry ? { dir: entry.resource_dir, spec: entry.spec } : null;
  } catch {
    return null;
  }
}

/**
 * Registers kernelspec `tslab` so that `jupyter` finds the project's tslab. Idempotent: when the
 * spec Jupyter resolves already runs this project's tslab with this node, it changes nothing.
 * where: "user" (default), "sys-prefix" (a virtual environment) or { prefix } (e.g. Binder).
 * @param {string} jupyterPath
 * @param {{ where?: KernelWhere; log?: Log; env?: NodeJS.ProcessEnv }} [options]
 * @returns {{ changed: boolean; dir: string }}
 */
export function registerKernel(jupyterPath, { where = "user", log = console.log, env = process.env } = {}) {
  if (!existsSync(TSLAB_PACKAGE)) {
    throw new Error(`tslab is not installed (${path.relative(ROOT, TSLAB_PACKAGE)} is missing): run \`npm install\` first.`);
  }
  const want = kernelSpec();
  const prefix = typeof where === "object" ? path.resolve(where.prefix) : null;
  const prefixDir = prefix ? path.join(prefix, "share", "jupyter", "kernels", KERNEL_NAME) : null;
  const current = prefixDir ? readSpec(prefixDir) : resolvedKernel(jupyterPath, env);
  const summary = `${want.argv[0]} ${path.relative(ROOT, want.argv[1]) || want.argv[1]}`;
  if (current && sameSpec(current.spec, want)) {
    // A spec an earlier setup left at 0700 under the prefix: made readable for the other users too.
    if (prefixDir) readableByAll(prefixDir);
    log(`Kernel: "${KERNEL_NAME}" (TypeScript) already registered at ${current.dir} → ${summary}`);
    return { changed: false, dir: current.dir };
  }
  const tmp = mkdtempSync(path.join(tmpdir(), "race-lab-kernel-"));
  try {
    // `kernelspec install` copies the folder with its mode: mkdtemp's 0700 would hide the kernel from
    // every other user of a system-wide prefix (a hub's students). Readable by all, whatever the umask.
    writeFileSync(path.join(tmp, "kernel.json"), JSON.stringify(want, null, 1) + "\n");
    readableByAll(tmp);
    const flag = prefix ? ["--prefix", prefix] : where === "sys-prefix" ? ["--sys-prefix"] : ["--user"];
    const r = probe(jupyterPath, ["kernelspec", "install", tmp, "--name", KERNEL_NAME, "--replace", ...flag], { env, timeoutMs: 60_000 });
    if (!r.ok) throw new Error(`\`jupyter kernelspec install\` failed:\n${r.stderr || r.stdout}`);
    const dir = /Installed kernelspec \S+ in (.+)/.exec(r.stderr + r.stdout)?.[1]?.trim() ?? prefixDir ?? "(unknown)";
    const replaced = current ? `, replacing the one at ${current.dir} that ran ${current.spec?.argv?.slice(0, 2).join(" ")}` : "";
    log(`Kernel: registered "${KERNEL_NAME}" (TypeScript) at ${dir} → ${summary}${replaced}`);
    if (!prefixDir) {
      const now = resolvedKernel(jupyterPath, env);
      if (!now || !sameSpec(now.spec, want)) {
        log(
          `Kernel: warning: Jupyter still resolves "${KERNEL_NAME}" to ${now?.dir ?? "nothing"} (JUPYTER_PATH set?); the course may run another tslab.`,
        );
      }
    }
    return { changed: true, dir };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * A kernelspec folder every user can read (0755, its kernel.json 0644), whatever the umask was.
 * @param {string} dir
 */
function readableByAll(dir) {
  for (const [file, mode] of /** @type {const} */ ([
    [dir, 0o755],
    [path.join(dir, "kernel.json"), 0o644],
  ])) {
    if ((statSync(file).mode & 0o777) !== mode) chmodSync(file, mode);
  }
}

/**
 * @param {string} dir
 * @returns {{ dir: string; spec: KernelSpec } | null}
 */
function readSpec(dir) {
  try {
    return { dir, spec: JSON.parse(readFileSync(path.join(dir, "kernel.json"), "utf8")) };
  } catch {
    return null;
  }
}

/**
 * Where the kernelspec goes for a Jupyter found in `source` (a venv keeps its kernels inside itself).
 * @param {JupyterInfo} info
 * @returns {KernelWhere}
 */
export function defaultWhere(info) {
  return info.source === "venv" ? "sys-prefix" : "user";
}
