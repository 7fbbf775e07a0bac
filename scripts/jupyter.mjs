// Finding (or installing) Jupyter, and the Python that runs the notebook harness. The kernelspec it
// registers: kernelspec.mjs.
// Shared by `npm start` / `npm run setup` (scripts/course.mjs), the notebook harness wrapper
// (scripts/run-notebooks.mjs) and CI (.ci/run), so all three agree on which Jupyter is in use.
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const VENV = path.join(ROOT, ".venv");
/**
 * One `jupyter` command and what it offers (inspectJupyter).
 * @typedef {{ path: string; source: "PATH" | "venv" | "system"; lab: string | null; notebook: string | null; python: string | null; nbclient: boolean }} JupyterInfo
 */
/** @typedef {"apt" | "venv"} InstallStep */
/** @typedef {(line: string) => void} Log */

export const DEBIAN_PACKAGES = ["jupyter-notebook", "python3-nbclient", "jupyter-nbconvert", "jupyter-client", "python3-ipykernel"];

/**
 * Runs a command quietly; never throws, never waits forever.
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ timeoutMs?: number; env?: NodeJS.ProcessEnv }} [options]
 */
export function probe(cmd, args, { timeoutMs = 120_000, env } = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: timeoutMs, env: env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  return { ok: r.status === 0, status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", error: r.error };
}

/**
 * Runs a command with its output shown to the user (installs take a while; silence would look like a hang).
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv }} [options]
 */
function runVisible(cmd, args, { env } = {}) {
  const r = spawnSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"], env: env ?? process.env });
  return r.status === 0;
}

/**
 * `which`: the absolute path of an executable on PATH, or null.
 * @param {string} name
 * @param {string} [envPath]
 * @returns {string | null}
 */
export function onPath(name, envPath = process.env.PATH ?? "") {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return null;
}

/**
 * The Python interpreter a `jupyter` script runs under, read from its shebang line.
 * @param {string} jupyterPath
 * @returns {string | null}
 */
function pythonOf(jupyterPath) {
  if (jupyterPath.startsWith(VENV + path.sep)) return path.join(VENV, "bin", "python");
  try {
    const first = readFileSync(jupyterPath, "utf8").split("\n", 1)[0];
    const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
    if (!m) return null;
    if (m[1].endsWith("/env") && m[2]) return onPath(m[2]);
    return m[1];
  } catch {
    return null;
  }
}

/**
 * Whether this Python can run the notebook harness (nbclient, nbformat, jupyter_client).
 * @param {string | null} python
 */
export function hasNbclient(python) {
  return !!python && probe(python, ["-c", "import nbclient, nbformat, jupyter_client"], { timeoutMs: 60_000 }).ok;
}

/**
 * What one `jupyter` command offers: JupyterLab and/or the classic Notebook (their versions), the
 * Python it runs on and whether that Python has nbclient (needed by the notebook harness).
 * @param {string | null} jupyterPath
 * @param {JupyterInfo["source"]} source
 * @returns {JupyterInfo | null}
 */
export function inspectJupyter(jupyterPath, source) {
  if (!jupyterPath || !existsSync(jupyterPath)) return null;
  /** @param {string} sub */
  const version = (sub) => {
    const r = probe(jupyterPath, [sub, "--version"], { timeoutMs: 60_000 });
    return r.ok ? (r.stdout.trim().split("\n").pop() ?? null) : null;
  };
  const python = pythonOf(jupyterPath);
  return { path: jupyterPath, source, lab: version("lab"), notebook: version("notebook"), python, nbclient: hasNbclient(python) };
}

/**
 * @param {JupyterInfo} info
 * @param {{ ci: boolean }} options
 */
function usable(info, { ci }) {
  return (!!info.lab || !!info.notebook) && (!ci || info.nbclient);
}

/** @param {JupyterInfo} info */
function describe(info) {
  const apps = [info.lab && `JupyterLab ${info.lab}`, info.notebook && `Notebook ${info.notebook}`].filter(Boolean).join(", ");
  return `${info.path} (${apps}${info.nbclient ? ", nbclient" : ""})`;
}

/**
 * Whether this system is Debian or Ubuntu (or derived from one), from /etc/os-release.
 * @param {Record<string, string>} [osRelease]
 */
export function isDebianLike(osRelease = readOsRelease()) {
  const ids = `${osRelease.ID ?? ""} ${osRelease.ID_LIKE ?? ""}`.split(/\s+/);
  return ids.includes("debian") || ids.includes("ubuntu");
}

/** @returns {Record<string, string>} */
function readOsRelease() {
  try {
    return Object.fromEntries(
      readFileSync("/etc/os-release", "utf8")
        .split("\n")
        .filter((l) => l.includes("="))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1).replace(/^"|"$/g, "")]),
    );
  } catch {
    return {};
  }
}

/**
 * The order in which we try to get a Jupyter, given what we know about this machine. Pure, so the
 * decision is unit-tested (test/tools/course.test.ts) without installing anything.
 * Students get a private virtual environment first (JupyterLab, no root needed); CI prefers the
 * system's packages when it may install them (fast, and what the harness is tested with).
 * @param {{ debianLike: boolean; root: boolean; hasApt: boolean; hasPython: boolean; ci: boolean }} facts
 * @returns {InstallStep[]}
 */
export function installPlan({ debianLike, root, hasApt, hasPython, ci }) {
  const apt = debianLike && root && hasApt;
  /** @type {InstallStep[]} */
  const steps = [];
  if (ci && apt) steps.push("apt");
  if (hasPython) steps.push("venv");
  if (!ci && apt) steps.push("apt");
  return steps;
}

export const NO_JUPYTER_HELP = `Race Lab needs Jupyter (JupyterLab or the classic Notebook) and could not find or install it.
Install it in one of these ways, then run \`npm start\` again:
  - pip:    python3 -m pip install --user jupyterlab          (or: python3 -m venv .venv && .venv/bin/pip install jupyterlab)
  - conda:  conda install -c conda-forge jupyterlab
  - system: sudo apt-get install jupyter-notebook python3-nbclient python3-ipykernel   (Debian/Ubuntu;
            other systems: their "jupyter" / "jupyterlab" package)`;

/**
 * Finds a usable Jupyter, installing one if needed (saying so). Returns inspectJupyter's record.
 * `ci`: also require nbclient, and prefer the system's packages. Throws with NO_JUPYTER_HELP on failure.
 * @param {{ ci?: boolean; log?: Log }} [options]
 * @returns {JupyterInfo}
 */
export function ensureJupyter({ ci = false, log = console.log } = {}) {
  const fromPath = inspectJupyter(onPath("jupyter"), "PATH");
  if (fromPath && usable(fromPath, { ci })) {
    log(`Jupyter: using ${describe(fromPath)} from PATH`);
    return fromPath;
  }
  const fromVenv = inspectJupyter(path.join(VENV, "bin", "jupyter"), "venv");
  if (fromVenv && usable(fromVenv, { ci })) {
    log(`Jupyter: using the project's virtual environment ${describe(fromVenv)}`);
    return fromVenv;
  }
  if (fromPath)
    log(
      `Jupyter: ${fromPath.path} is on PATH but lacks ${fromPath.lab || fromPath.notebook ? "nbclient (needed by the tests)" : "both JupyterLab and the classic Notebook"}.`,
    );
  else log("Jupyter: no `jupyter` command on PATH.");

  const python3 = onPath("python3");
  const plan = installPlan({
    debianLike: isDebianLike(),
    root: typeof process.getuid === "function" && process.getuid() === 0,
    hasApt: !!onPath("apt-get"),
    hasPython: !!python3,
    ci,
  });
  for (const step of plan) {
    // installPlan offers "venv" only when there is a python3.
    const found = step === "venv" ? python3 && installIntoVenv(python3, log) : installDebianPackages(log);
    if (found && usable(found, { ci })) {
      log(`Jupyter: now using ${describe(found)}`);
      return found;
    }
  }
  throw new Error(NO_JUPYTER_HELP);
}

/**
 * @param {string} python3
 * @param {Log} log
 */
function installIntoVenv(python3, log) {
  const created = !existsSync(VENV);
  log(
    `Jupyter: creating a project-local virtual environment (${path.relative(ROOT, VENV)}/) with \`${python3} -m venv\` and installing JupyterLab into it with pip…`,
  );
  const pip = path.join(VENV, "bin", "pip");
  const ok =
    (existsSync(pip) || runVisible(python3, ["-m", "venv", VENV])) &&
    // Few retries and a short timeout: an unreachable registry should fail in seconds, not minutes.
    runVisible(pip, ["install", "--retries", "1", "--timeout", "30", "jupyterlab", "nbclient"]);
  if (ok) return inspectJupyter(path.join(VENV, "bin", "jupyter"), "venv");
  log("Jupyter: pip could not install JupyterLab (is the Python package registry reachable?).");
  if (created) rmSync(VENV, { recursive: true, force: true }); // no half-made environment left to confuse the next run
  return null;
}

/** @param {Log} log */
function installDebianPackages(log) {
  log(`Jupyter: installing the system's Jupyter packages with apt-get (${DEBIAN_PACKAGES.join(" ")})…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  if (!runVisible("apt-get", ["update"], { env }))
    log("Jupyter: `apt-get update` failed; trying the install with the package lists we have.");
  if (!runVisible("apt-get", ["install", "-y", "--no-install-recommends", ...DEBIAN_PACKAGES], { env })) {
    log("Jupyter: apt-get could not install the packages.");
    return null;
  }
  return inspectJupyter(onPath("jupyter") ?? "/usr/bin/jupyter", "system");
}

/**
 * The Python that runs the notebook harness: RACE_LAB_PYTHON, else the Python of the Jupyter in use
 * (so both see the same kernelspecs), else the system's /usr/bin/python3, else python3 on PATH —
 * the first that has nbclient. Returns null when none has it. Does not install anything.
 * @returns {string | null}
 */
export function findHarnessPython() {
  if (process.env.RACE_LAB_PYTHON) return process.env.RACE_LAB_PYTHON;
  const candidates = [];
  const jupyter = onPath("jupyter");
  if (jupyter) candidates.push(pythonOf(jupyter));
  candidates.push(path.join(VENV, "bin", "python"), "/usr/bin/python3", onPath("python3"));
  for (const python of candidates) {
    if (python && existsSync(python) && hasNbclient(python)) return python;
  }
  return null;
}
