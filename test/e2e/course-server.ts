// The course side of the browser tests (test/e2e/*.test.ts): `npm start` as the README says (here
// with `-- --no-browser --port N`), Jupyter's REST API, and Debian's Chromium driven by playwright-core.
// `withCourse` starts the course and a browser that can never save a notebook, runs the test, then
// ends both and checks that no process of the course outlives it and that no notebook it names
// changed on disk. What a student does in a notebook's page is notebook-page.ts.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { freePort } from "race-lab/internal";

export const ROOT = path.resolve(__dirname, "..", "..");
export const ARTIFACTS = path.join(ROOT, "test-artifacts");
const CHROMIUM = process.env.RACE_LAB_CHROMIUM ?? "/usr/bin/chromium";
const START_TIMEOUT_MS = 120_000; // setup (kernel check) + the server's start

// Chromium on a closed network, as root: no sandbox (root), nothing phoning home, no GPU.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Processes (other than this one) whose environment carries `marker`: the server, kernels, and
 * anything a lesson started — they all inherit the environment of `npm start`. Linux /proc. */
export function markedProcesses(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").split("\0").includes(marker)) found.push(Number(entry));
    } catch {
      // it ended while we looked, or is not ours to read: not a leftover of this test
    }
  }
  return found;
}

export interface Course {
  child: ChildProcess;
  url: string; // the URL `npm start` printed, with its token
  base: string; // http://127.0.0.1:PORT/
  token: string;
  marker: string;
  output: () => string;
}

/** `npm start -- --no-browser --port N`, the README's command; resolves with the URL it prints. */
async function startCourse(port: number, labDir: string): Promise<Course> {
  const marker = `RACE_LAB_E2E=${randomUUID()}`;
  // JupyterLab keeps settings and workspaces in ~/.jupyter/lab; give it a fresh pair instead, with
  // autosave off (outputs must not be saved into the working tree's notebooks; a blocked save would
  // raise a "File Save Error" dialog) and no news pop-up over the notebook. The classic Notebook
  // ignores these.
  const settings = path.join(labDir, "settings");
  mkdirSync(path.join(settings, "@jupyterlab", "docmanager-extension"), { recursive: true });
  writeFileSync(
    path.join(settings, "@jupyterlab", "docmanager-extension", "plugin.jupyterlab-settings"),
    JSON.stringify({ autosave: false }),
  );
  mkdirSync(path.join(settings, "@jupyterlab", "apputils-extension"), { recursive: true });
  writeFileSync(
    path.join(settings, "@jupyterlab", "apputils-extension", "notification.jupyterlab-settings"),
    JSON.stringify({ fetchNews: "false" }),
  );
  // RACE_LAB_E2E_APP=lab|classic asks `npm start` for that app (it fails when it is not installed).
  const appFlag = process.env.RACE_LAB_E2E_APP ? [`--${process.env.RACE_LAB_E2E_APP}`] : [];
  const child = spawn("npm", ["start", "--", "--no-browser", "--port", String(port), ...appFlag], {
    cwd: ROOT,
    // Own process group, so teardown can signal npm, the start script and Jupyter together (npm
    // alone does not pass SIGTERM on to grandchildren).
    detached: true,
    env: {
      ...process.env,
      [marker.split("=")[0]]: marker.split("=")[1],
      BROWSER: "true", // should anything still try to open a browser, it runs `true`
      JUPYTERLAB_SETTINGS_DIR: settings,
      JUPYTERLAB_WORKSPACES_DIR: path.join(labDir, "workspaces"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const output = () => text;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm start printed no URL within ${START_TIMEOUT_MS / 1000} s:\n${text}`)),
      START_TIMEOUT_MS,
    );
    const look = (chunk: Buffer) => {
      text += chunk.toString();
      // Classic: http://127.0.0.1:N/?token=…; Lab / Notebook 7: http://127.0.0.1:N/lab?token=… (or /tree?token=…)
      const m = new RegExp(`https?://(?:localhost|127\\.0\\.0\\.1):${port}/\\S*[?&]token=[0-9a-f]+`).exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[0].replace("//localhost:", "//127.0.0.1:"));
      }
    };
    child.stdout!.on("data", look);
    child.stderr!.on("data", look);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}) before printing a URL:\n${text}`));
    });
  });
  const token = new URL(url).searchParams.get("token")!;
  return { child, url, base: `http://127.0.0.1:${port}/`, token, marker, output };
}

/** Jupyter's REST API (the same in the classic Notebook and Jupyter Server). */
export async function api(course: Course, method: string, route: string): Promise<any> {
  const res = await fetch(new URL(route, course.base), {
    method,
    headers: { Authorization: `token ${course.token}` },
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok) throw new Error(`${method} ${route}: HTTP ${res.status}`);
  return res.status === 204 ? null : res.json();
}

/** Shuts down every kernel, then the server (whole process group), then checks that nothing it
 * started is still running; kills and reports any leftover. */
async function stopCourse(course: Course): Promise<number[]> {
  try {
    for (const session of await api(course, "GET", "api/sessions")) await api(course, "DELETE", `api/sessions/${session.id}`);
  } catch {
    // the server may be gone already; the process checks below still run
  }
  const exited = new Promise<void>((resolve) => {
    if (course.child.exitCode !== null || course.child.signalCode !== null) resolve();
    else course.child.once("exit", () => resolve());
  });
  try {
    process.kill(-course.child.pid!, "SIGTERM"); // Jupyter shuts its kernels down on SIGTERM
  } catch {
    // already gone
  }
  await Promise.race([exited, sleep(20_000)]);
  // Jupyter's own shutdown may take a moment after npm has gone; give the marked processes time.
  const deadline = Date.now() + 20_000;
  let left = markedProcesses(course.marker);
  while (left.length && Date.now() < deadline) {
    await sleep(250);
    left = markedProcesses(course.marker);
  }
  for (const pid of left) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // ended in between
    }
  }
  return left;
}

/** The notebook's kernel as the server sees it ("idle", "busy", "starting"…), or undefined. */
export async function kernelState(course: Course, notebook: string): Promise<string | undefined> {
  const sessions: any[] = await api(course, "GET", "api/sessions");
  return sessions.find((s) => String(s.path ?? s.notebook?.path) === notebook)?.kernel?.execution_state;
}

/** The URL of a notebook of the working tree in the app that `npm start` served (the token logs the browser in). */
export function notebookUrl(course: Course, notebook: string): string {
  // Lab: `?reset` opens this notebook alone, without restoring the tabs of earlier pages.
  const lab = new URL(course.url).pathname.startsWith("/lab");
  return `${course.base}${lab ? `lab/tree/${notebook}?reset&` : `notebooks/${notebook}?`}token=${course.token}`;
}

/**
 * Starts the course (`npm start`) and Chromium, runs `body`, then ends both and checks that no
 * process of the course (server, kernels, workers, PostgreSQL) outlives it and that `notebooks` (and
 * every other notebook the test names) were not modified on disk. On a failure, prints the tail of
 * `npm start`'s output.
 */
export async function withCourse(notebooks: string[], body: (context: BrowserContext, course: Course) => Promise<void>): Promise<void> {
  assert.ok(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (Debian: apt-get install chromium), or set RACE_LAB_CHROMIUM`);
  for (const nb of notebooks) assert.ok(existsSync(path.join(ROOT, nb)), `the notebook ${nb} exists`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const before = new Map(notebooks.map((nb) => [nb, readFileSync(path.join(ROOT, nb))]));
  const profile = mkdtempSync(path.join(tmpdir(), "race-lab-e2e-chromium-"));
  const labDir = mkdtempSync(path.join(tmpdir(), "race-lab-e2e-lab-"));
  const course = await startCourse(await freePort(), labDir);
  let context: BrowserContext | undefined;
  let leftovers: number[] = [];
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 1300 },
      timeout: 60_000,
    });
    // The student's path runs notebooks in the working tree: never let the browser write them —
    // outputs would land in the committed notebooks. Reading, and the checkpoint Lab makes on
    // opening (.ipynb_checkpoints/, git-ignored), go through.
    await context.route("**/api/contents/**", (route) => {
      const { method, url } = { method: route.request().method(), url: route.request().url() };
      return method === "GET" || (method === "POST" && /\/checkpoints(\?|$)/.test(url)) ? route.continue() : route.abort();
    });
    await body(context, course);
  } catch (err) {
    console.log(`npm start's output:\n${course.output().slice(-4000)}`);
    throw err;
  } finally {
    await context?.close().catch(() => {});
    leftovers = await stopCourse(course);
    if (leftovers.length) console.log(`processes that outlived the course (now killed): ${leftovers.join(", ")}`);
    rmSync(profile, { recursive: true, force: true });
    rmSync(labDir, { recursive: true, force: true });
  }
  assert.deepEqual(leftovers, [], "no process started by the course (server, kernels, workers) outlives it");
  for (const [nb, bytes] of before) assert.ok(readFileSync(path.join(ROOT, nb)).equals(bytes), `${nb} was not modified on disk`);
}
