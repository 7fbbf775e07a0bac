// The class's hub for test/hub/class.test.ts: the student repository released into a temporary folder
// (its node_modules a link to this checkout's), the kernel registered under a prefix by that
// repository's own setup, one PostgreSQL for the class, and Debian's JupyterHub started with the
// course's configuration (hub/jupyterhub_config.py) on free ports. Stopping ends the hub (which stops
// every student's server, and they their kernels), then checks that no process of the class is left
// and that nothing of it stays in /tmp.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EmbeddedServer, freePort } from "race-lab/internal";
import { findHarnessPython } from "../../scripts/jupyter.mjs";

export const ROOT = path.resolve(__dirname, "..", "..");
const HUB_START_MS = 120_000;
const SERVER_START_MS = 180_000;
const STOP_MS = 60_000;
const PASSWORD = "class-test";
// The hub runs under a shell that holds a pipe from the test: when the pipe closes — stopClassHub
// closes it, or the test's process ends, even by SIGKILL — the shell sends the hub SIGTERM, and the
// hub stops every student's server before it exits. The shell ends with the hub. (An asynchronous
// list reads /dev/null unless told otherwise: the pipe goes to the reader as fd 3, not to the hub.)
const GUARD_SCRIPT = 'exec 3<&0; "$0" "$@" 3<&- </dev/null & hub=$!; { read -r _ <&3 || :; kill -TERM "$hub" 2>/dev/null; } & wait "$hub"';

export interface Student {
  name: string;
  token: string;
  /** The student's server: http://127.0.0.1:PORT/user/NAME/ (through the hub's proxy). */
  url: string;
  home: string;
}

export interface ClassHub {
  folder: string;
  base: string; // http://127.0.0.1:PORT/
  db: EmbeddedServer;
  /** Marks every process of the class (the hub passes it on to the servers, they to the kernels). */
  marker: string;
  hub: ChildProcess;
  log: () => string;
  /** The hub's REST API (and the servers' behind its proxy), with the driver service's token, another
   * token, or none (null). */
  api: (method: string, route: string, opts?: { token?: string | null; body?: unknown }) => Promise<any>;
  homeOf: (name: string) => string;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a command to its end (at most `ms`); throws with its output when it fails. */
function run(cmd: string, args: string[], opts: { cwd?: string; ms?: number } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, encoding: "utf8", timeout: opts.ms ?? 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** What is missing on this machine for a hub: Debian's packages (.ci/run installs them). */
export function missingHub(): string | null {
  for (const cmd of ["jupyterhub", "configurable-http-proxy", "jupyterhub-singleuser"]) {
    if (spawnSync("sh", ["-c", `command -v ${cmd}`]).status !== 0)
      return `${cmd} is not installed (Debian: apt-get install jupyterhub node-configurable-http-proxy)`;
  }
  return null;
}

export async function startClassHub(): Promise<ClassHub> {
  const folder = mkdtempSync(path.join(tmpdir(), "race-lab-hub-"));
  const course = path.join(folder, "course");
  const hubFolder = path.join(folder, "hub");
  let db: EmbeddedServer | undefined;
  try {
    // What students get: the student repository, set up as its README says (npm's packages linked
    // from this checkout instead of `npm ci`, which would take minutes).
    run(process.execPath, [path.join(ROOT, "scripts", "release.mjs"), "--student-repo", course]);
    symlinkSync(path.join(ROOT, "node_modules"), path.join(course, "node_modules"));
    run(process.execPath, [path.join(course, "scripts", "course.mjs"), "setup", "--prefix", path.join(folder, "kernel")], { cwd: course });
    db = await EmbeddedServer.start();
    const [port, hubPort, proxyApiPort] = [await freePort(), await freePort(), await freePort()];
    const token = randomBytes(16).toString("hex");
    const marker = randomUUID().replace(/-/g, "");
    mkdirSync(hubFolder);
    const logFile = path.join(folder, "hub.log");
    const logFd = openSync(logFile, "a");
    const hub = spawn(
      "/bin/sh",
      [
        "-c",
        GUARD_SCRIPT,
        "jupyterhub",
        "-f",
        path.join(ROOT, "hub", "jupyterhub_config.py"),
        `--port=${port}`,
        `--JupyterHub.hub_port=${hubPort}`,
        `--ConfigurableHTTPProxy.api_url=http://127.0.0.1:${proxyApiPort}`,
      ],
      {
        cwd: hubFolder,
        env: {
          ...process.env,
          RACE_LAB_COURSE: course,
          RACE_LAB_KERNEL_PREFIX: path.join(folder, "kernel"),
          DATABASE_URL: db.url,
          RACE_LAB_HUB_DRIVER_TOKEN: token,
          RACE_LAB_HUB_PASSWORD: PASSWORD,
          RACE_LAB_HARNESS_RUN: marker,
          RACE_LAB_CLASS_SALT: "the test class",
        },
        detached: true, // its own process group, so that SIGINT to the test's group does not reach it
        stdio: ["pipe", logFd, logFd],
      },
    );
    closeSync(logFd);
    const base = `http://127.0.0.1:${port}/`;
    const api: ClassHub["api"] = async (method, route, opts = {}) => {
      const res = await fetch(new URL(route, base), {
        method,
        headers: { ...(opts.token === null ? {} : { Authorization: `token ${opts.token ?? token}` }), "Content-Type": "application/json" },
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(60_000),
      });
      const text = await res.text();
      if (!res.ok) throw Object.assign(new Error(`${method} ${route}: HTTP ${res.status} ${text}`), { status: res.status });
      return text ? JSON.parse(text) : null;
    };
    const cls: ClassHub = {
      folder,
      base,
      db,
      marker,
      hub,
      log: () => readFileSync(logFile, "utf8"),
      api,
      homeOf: (name) => path.join(hubFolder, "homes", name),
    };
    for (const deadline = Date.now() + HUB_START_MS; ; await sleep(250)) {
      if (
        await api("GET", "hub/api/").then(
          () => true,
          () => false,
        )
      )
        return cls;
      const exited = hub.exitCode !== null || hub.signalCode !== null;
      if (exited || Date.now() > deadline) {
        const log = cls.log();
        await stopClassHub(cls);
        throw new Error(`${exited ? "the hub exited while starting" : `the hub did not answer within ${HUB_START_MS / 1000} s`}:\n${log}`);
      }
    }
  } catch (e) {
    await db?.stop();
    rmSync(folder, { recursive: true, force: true });
    throw e;
  }
}

/** A student logs in (the login form, as a browser would), asks the hub's REST API for a token with
 * their password, and starts their server with it; resolves once the server is ready. */
export async function logIn(cls: ClassHub, name: string): Promise<Student> {
  const form = await fetch(new URL("hub/login", cls.base), {
    method: "POST",
    redirect: "manual",
    body: new URLSearchParams({ username: name, password: PASSWORD }),
    signal: AbortSignal.timeout(60_000),
  });
  if (form.status !== 302) throw new Error(`${name}: the login form answered ${form.status}`);
  const { token } = await cls.api("POST", `hub/api/users/${name}/tokens`, {
    token: null,
    body: { note: "class test", auth: { username: name, password: PASSWORD } },
  });
  await cls.api("POST", `hub/api/users/${name}/server`, { token });
  for (const deadline = Date.now() + SERVER_START_MS; ; await sleep(500)) {
    const user = await cls.api("GET", `hub/api/users/${name}`, { token });
    if (user.servers?.[""]?.ready) break;
    if (Date.now() > deadline) throw new Error(`${name}'s server was not ready within ${SERVER_START_MS / 1000} s:\n${cls.log()}`);
  }
  return { name, token, url: new URL(`user/${name}/`, cls.base).href, home: cls.homeOf(name) };
}

/** One process of the class, as /proc shows it. */
export interface ClassProcess {
  pid: number;
  ppid: number;
  /** JUPYTERHUB_USER of its environment: whose server it belongs to (inherited by kernels and their children). */
  user: string | null;
  cwd: string | null;
  cmd: string;
  rssKiB: number;
}

/** Every live process carrying the class's marker (the servers, kernels and what lessons start). */
export function classProcesses(marker: string): ClassProcess[] {
  const found: ClassProcess[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, "latin1").split("\0");
      if (!env.includes(`RACE_LAB_HARNESS_RUN=${marker}`)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state === "Z") continue;
      let cwd: string | null = null;
      try {
        cwd = readlinkSync(`/proc/${entry}/cwd`);
      } catch {
        // gone meanwhile
      }
      const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1];
      found.push({
        pid: Number(entry),
        ppid: Number(ppid),
        cwd,
        rssKiB: Number(rss ?? 0),
        user: env.find((v) => v.startsWith("JUPYTERHUB_USER="))?.slice("JUPYTERHUB_USER=".length) ?? null,
        cmd: readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ").trim(),
      });
    } catch {
      // it ended while we looked
    }
  }
  return found;
}

/** Stops the hub (it stops every student's server, and they their kernels), then the class's database;
 * kills whatever of the class is still running. Returns what was left: processes and /tmp entries. */
export async function stopClassHub(cls: ClassHub): Promise<{ processes: string[]; tmp: string[] }> {
  const exited = (p: ChildProcess) => p.exitCode !== null || p.signalCode !== null;
  if (!exited(cls.hub)) {
    const gone = new Promise<void>((resolve) => cls.hub.once("exit", () => resolve()));
    cls.hub.stdin!.end(); // the guard shell sends the hub SIGTERM, and waits for it
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([gone, new Promise((resolve) => (timer = setTimeout(resolve, STOP_MS)))]);
    clearTimeout(timer); // a pending timer would keep the test's process alive for the rest of it
    if (!exited(cls.hub)) process.kill(-cls.hub.pid!, "SIGKILL");
  }
  // A server's kernels end a moment after it (their exit hooks drop schemas, stop processes).
  let left = classProcesses(cls.marker);
  for (let waited = 0; left.length > 0 && waited < 15_000; waited += 250) {
    await sleep(250);
    left = classProcesses(cls.marker);
  }
  for (const p of left) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  await cls.db.stop();
  const tag = `-${cls.marker.slice(0, 8)}-`;
  const tmp = readdirSync(tmpdir()).filter((e) => e.startsWith("race-lab-") && e.includes(tag));
  for (const entry of tmp) rmSync(path.join(tmpdir(), entry), { recursive: true, force: true });
  rmSync(cls.folder, { recursive: true, force: true });
  return { processes: left.map((p) => `${p.pid} (${p.user ?? "no user"}): ${p.cmd.slice(0, 120)}`), tmp };
}

/** Runs notebooks (or cells) on a student's server through the hub's proxy, with the notebook
 * harness's judgement (test/harness/remote_notebook.py). */
export function runOnServer(
  student: Student,
  args: string[],
): { child: ChildProcess; done: Promise<{ code: number | null; out: string }> } {
  const python = findHarnessPython();
  if (!python) throw new Error("no Python with nbclient (npm run setup -- --ci installs it)");
  const child = spawn(
    python,
    [
      path.join(ROOT, "test", "harness", "remote_notebook.py"),
      "--server",
      student.url,
      "--token",
      student.token,
      "--outcomes",
      path.join(student.home, "race-lab-outcomes.jsonl"),
      ...args,
    ],
    {
      cwd: ROOT,
      // Three students share two cores here: cells take longer than a student alone would wait.
      env: { ...process.env, RACE_LAB_SLOW_CELL_S: "off" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const killer = setTimeout(() => child.kill("SIGTERM"), 1_200_000);
  const done = new Promise<{ code: number | null; out: string }>((resolve) =>
    child.on("close", (code) => {
      clearTimeout(killer);
      resolve({ code, out });
    }),
  );
  return { child, done };
}
