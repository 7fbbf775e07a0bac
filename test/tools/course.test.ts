// `npm start` / `npm run setup` (scripts/course.mjs, scripts/jupyter.mjs, scripts/kernelspec.mjs): which way to get Jupyter,
// registering the tslab kernel idempotently, and a served Jupyter listing it. Every registration here
// goes into a temporary JUPYTER_DATA_DIR, so the user's own kernels are never touched.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "race-lab/internal";
import { NO_JUPYTER_HELP, VENV, findHarnessPython, installPlan, isDebianLike, onPath } from "../../scripts/jupyter.mjs";
import { KERNEL_LAUNCHER, kernelSpec, registerKernel } from "../../scripts/kernelspec.mjs";

const ROOT = path.resolve(__dirname, "..", "..");
const COURSE = path.join(ROOT, "scripts", "course.mjs");
const jupyter = onPath("jupyter") ?? path.join(VENV, "bin", "jupyter");

function tempDataDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), "race-lab-jupyter-data-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An environment whose Jupyter sees no user kernels but those in `data` (jupyter_core also reads
 * the Python user base, ~/.local/share/jupyter, so that moves too). */
function isolated(data: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    JUPYTER_DATA_DIR: data,
    PYTHONUSERBASE: path.join(data, "userbase"),
    JUPYTER_RUNTIME_DIR: path.join(data, "runtime"),
  };
}

test("install plan: Jupyter on PATH needs no plan; without it, a venv first for students, apt first for CI", () => {
  const debianRoot = { debianLike: true, root: true, hasApt: true, hasPython: true };
  assert.deepEqual(installPlan({ ...debianRoot, ci: false }), ["venv", "apt"]);
  assert.deepEqual(installPlan({ ...debianRoot, ci: true }), ["apt", "venv"]);
  assert.deepEqual(installPlan({ ...debianRoot, root: false, ci: false }), ["venv"]);
  assert.deepEqual(installPlan({ ...debianRoot, debianLike: false, ci: true }), ["venv"]);
  assert.deepEqual(installPlan({ ...debianRoot, hasPython: false, ci: false }), ["apt"]);
  assert.deepEqual(installPlan({ debianLike: false, root: false, hasApt: false, hasPython: false, ci: false }), []);
});

test("Debian and Ubuntu are recognised from /etc/os-release", () => {
  assert.equal(isDebianLike({ ID: "debian" }), true);
  assert.equal(isDebianLike({ ID: "ubuntu", ID_LIKE: "debian" }), true);
  assert.equal(isDebianLike({ ID: "linuxmint", ID_LIKE: "ubuntu debian" }), true);
  assert.equal(isDebianLike({ ID: "fedora" }), false);
  assert.equal(isDebianLike({}), false);
});

test("the message for a machine with no way to Jupyter names pip, conda and the system's packages", () => {
  for (const way of [/pip install/, /conda install/, /apt-get install jupyter-notebook/]) assert.match(NO_JUPYTER_HELP, way);
});

test("the kernelspec runs this checkout's kernel (src/kernel/launcher.cjs) with this node, by absolute paths", () => {
  const spec = kernelSpec();
  assert.deepEqual(spec.argv, [process.execPath, KERNEL_LAUNCHER, "--config-path", "{connection_file}"]);
  assert.ok(path.isAbsolute(spec.argv[0]) && path.isAbsolute(spec.argv[1]));
  assert.equal(spec.display_name, "TypeScript");
  assert.equal(spec.language, "typescript");
});

test("registering is idempotent, says what it did, and replaces a stale spec", (t) => {
  const data = tempDataDir(t);
  const env = isolated(data);
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);

  const first = registerKernel(jupyter, { env, log });
  assert.equal(first.changed, true);
  assert.match(lines.join("\n"), /registered "tslab" \(TypeScript\) at .*race-lab-jupyter-data-.*kernels\/tslab/);
  const file = path.join(data, "kernels", "tslab", "kernel.json");
  assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), kernelSpec());

  const second = registerKernel(jupyter, { env, log });
  assert.equal(second.changed, false);
  assert.match(lines[lines.length - 1], /already registered/);

  // A spec left by another checkout (or an old node) is replaced, and the message says so.
  writeFileSync(
    file,
    JSON.stringify({ ...kernelSpec(), argv: ["/old/node", "/elsewhere/tslab", "kernel", "--config-path", "{connection_file}"] }),
  );
  const third = registerKernel(jupyter, { env, log });
  assert.equal(third.changed, true);
  assert.match(lines[lines.length - 1], /replacing the one at .* that ran \/old\/node \/elsewhere\/tslab/);
  assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), kernelSpec());
});

test("registering under a prefix (Binder) writes <prefix>/share/jupyter/kernels/tslab, idempotently", (t) => {
  const prefix = tempDataDir(t);
  const env = isolated(path.join(prefix, "user-data"));
  assert.equal(registerKernel(jupyter, { where: { prefix }, env, log: () => {} }).changed, true);
  const file = path.join(prefix, "share", "jupyter", "kernels", "tslab", "kernel.json");
  assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), kernelSpec());
  assert.equal(registerKernel(jupyter, { where: { prefix }, env, log: () => {} }).changed, false);
});

test("a kernel registered under a prefix is readable by every user (a hub's students), and a 0700 one is repaired", (t) => {
  const prefix = tempDataDir(t);
  const env = isolated(path.join(prefix, "user-data"));
  const dir = path.join(prefix, "share", "jupyter", "kernels", "tslab");
  const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);
  registerKernel(jupyter, { where: { prefix }, env, log: () => {} });
  assert.deepEqual([mode(dir), mode(path.join(dir, "kernel.json"))], ["755", "644"]);
  chmodSync(dir, 0o700); // what an earlier setup left
  assert.equal(registerKernel(jupyter, { where: { prefix }, env, log: () => {} }).changed, false);
  assert.equal(mode(dir), "755");
});

test("as root, a user without privileges finds the kernel registered under a prefix", (t) => {
  if (process.getuid?.() !== 0 || !onPath("setpriv")) {
    t.skip("needs root and setpriv to run as another user");
    return;
  }
  const prefix = tempDataDir(t);
  chmodSync(prefix, 0o755); // mkdtemp's folder: the other user must reach the prefix inside it
  const run = spawnSync(process.execPath, [COURSE, "setup", "--prefix", prefix], {
    cwd: ROOT,
    env: isolated(path.join(prefix, "user-data")),
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  // What a student's server does: list the kernels of JUPYTER_PATH, as the user nobody.
  const python = findHarnessPython();
  assert.ok(python, "a Python with jupyter_client");
  const listed = spawnSync(
    "setpriv",
    [
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      python,
      "-c",
      "import json; from jupyter_client.kernelspec import KernelSpecManager as K; print(json.dumps(K().find_kernel_specs()))",
    ],
    {
      env: {
        PATH: process.env.PATH,
        HOME: prefix,
        JUPYTER_PATH: path.join(prefix, "share", "jupyter"),
        JUPYTER_DATA_DIR: path.join(prefix, "nobody"),
      },
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  assert.equal(listed.status, 0, listed.stderr);
  assert.equal(JSON.parse(listed.stdout).tslab, path.join(prefix, "share", "jupyter", "kernels", "tslab"), listed.stdout);
});

test("`course.mjs setup` finds Jupyter and registers the kernel, then finds it registered", (t) => {
  const env = isolated(tempDataDir(t));
  const run = () => spawnSync(process.execPath, [COURSE, "setup"], { cwd: ROOT, env, encoding: "utf8", timeout: 120_000 });
  const first = run();
  assert.equal(first.status, 0, first.stdout + first.stderr);
  assert.match(first.stdout, /^Jupyter: using .*jupyter/m);
  assert.match(first.stdout, /^Kernel: registered "tslab"/m);
  const second = run();
  assert.equal(second.status, 0, second.stdout + second.stderr);
  assert.match(second.stdout, /^Kernel: "tslab" \(TypeScript\) already registered/m);
});

test("`course.mjs start --port N` stops with a clear message when the port is taken", async (t) => {
  const env = isolated(tempDataDir(t));
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, [COURSE, "start", "--no-browser", "--port", String(port)], { cwd: ROOT, env });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => resolve({ code, out }));
  });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, new RegExp(`Port ${port} is already in use`));
  assert.match(r.out, new RegExp(`npm start -- --port ${port + 1}`));
});

test("`course.mjs start --no-browser --port N` serves Jupyter with the TypeScript kernel and the welcome notebook", async (t) => {
  const data = tempDataDir(t);
  const env = isolated(data);
  const port = await freePort();
  const child = spawn(process.execPath, [COURSE, "start", "--no-browser", "--port", String(port)], { cwd: ROOT, env });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  t.after(async () => {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  });
  let out = "";
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Jupyter did not print its URL within 60 s:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d;
      const m = new RegExp(`http://(?:127\\.0\\.0\\.1|localhost):${port}/\\S*\\?token=(\\w+)`).exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(new URL(m[0]));
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`course.mjs start exited (${code}):\n${out}`)));
  });
  const token = url.searchParams.get("token");
  const base = `http://127.0.0.1:${port}`;
  const specs = (await (await fetch(`${base}/api/kernelspecs?token=${token}`)).json()) as {
    kernelspecs: Record<string, { spec: { display_name: string; argv: string[] } }>;
  };
  assert.equal(specs.kernelspecs.tslab?.spec.display_name, "TypeScript");
  assert.equal(specs.kernelspecs.tslab?.spec.argv[1], KERNEL_LAUNCHER);
  const welcome = await fetch(`${base}/api/contents/notebooks/00-welcome.ipynb?content=0&token=${token}`);
  assert.equal(welcome.status, 200);
  // The URL Jupyter prints (and a browser opens) leads to the welcome notebook.
  const home = await fetch(`${base}/?token=${token}`, { redirect: "manual" });
  assert.match(home.headers.get("location") ?? "", /\/notebooks\/00-welcome\.ipynb\?/);
});
