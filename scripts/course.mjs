#!/usr/bin/env node
// The course's front door.
//   node scripts/course.mjs setup [--ci] [--prefix P]   find or install Jupyter, register kernel "tslab"
//   node scripts/course.mjs start [--no-browser] [--port N] [--lab|--classic]
//                                                    setup, then open notebooks/00-welcome.ipynb
// `npm start` and `npm run setup` call this; so does .ci/run (setup --ci).
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { ROOT, ensureJupyter } from "./jupyter.mjs";
import { defaultWhere, registerKernel } from "./kernelspec.mjs";

const WELCOME = "notebooks/00-welcome.ipynb"; // a URL path as well as a file path

/**
 * Finds (or installs) Jupyter and registers the kernel; returns the Jupyter in use.
 * @param {{ ci?: boolean; prefix?: string }} [options]
 */
function setup({ ci = false, prefix } = {}) {
  if (!existsSync(path.join(ROOT, "node_modules", "race-lab", "dist", "index.js"))) {
    // `npm install` builds it (the "prepare" script); this covers a cleaned src/dist.
    console.log("Library: race-lab is not built yet; building it (npm run build)…");
    const r = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
    if (r.status !== 0) console.log("Library: the build failed; notebooks that import race-lab will fail until it builds.");
  }
  const jupyter = ensureJupyter({ ci });
  registerKernel(jupyter.path, { where: prefix ? { prefix } : defaultWhere(jupyter) });
  return jupyter;
}

/**
 * @param {number} port
 * @returns {Promise<boolean>}
 */
function portFree(port) {
  // Jupyter listens on localhost; try the same address so "in use" means what Jupyter will see.
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** @param {string} value */
function parsePort(value) {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidArgumentError("a port is an integer from 1 to 65535.");
  return port;
}

/**
 * The arguments that open the welcome notebook, with the server rooted at the project (README,
 * notebooks/, python/ all visible). We set the app's default URL rather than pass the file: the
 * classic Notebook before 7 opens a browser whenever it is given a file, even with --no-browser, and
 * this way the URL Jupyter prints (and opens) leads straight to the notebook in every app.
 * @param {"lab" | "notebook"} app
 * @param {string | null} notebookVersion
 */
function openWelcome(app, notebookVersion) {
  if (app === "lab") return ["--ServerApp.root_dir=" + ROOT, `--LabApp.default_url=/lab/tree/${WELCOME}`];
  if (Number.parseInt(notebookVersion ?? "", 10) >= 7) {
    return ["--ServerApp.root_dir=" + ROOT, `--JupyterNotebookApp.default_url=/notebooks/${WELCOME}`];
  }
  return ["--NotebookApp.notebook_dir=" + ROOT, `--NotebookApp.default_url=/notebooks/${WELCOME}`];
}

/** @param {{ lab?: boolean; classic?: boolean; browser?: boolean; port?: number }} opts */
async function start(opts) {
  const jupyter = setup();
  /** @type {"lab" | "notebook"} */
  let app = jupyter.lab ? "lab" : "notebook";
  if (opts.lab) {
    if (!jupyter.lab)
      throw new Error(
        `--lab: JupyterLab is not installed with ${jupyter.path} (install it: python3 -m pip install jupyterlab), or drop --lab.`,
      );
    app = "lab";
  }
  if (opts.classic) {
    if (!jupyter.notebook) throw new Error(`--classic: the classic Notebook is not installed with ${jupyter.path}, or drop --classic.`);
    app = "notebook";
  }
  const args = [app, ...openWelcome(app, jupyter.notebook)];
  if (opts.browser === false) args.push("--no-browser");
  if (opts.port !== undefined) {
    if (!(await portFree(opts.port))) {
      throw new Error(
        `Port ${opts.port} is already in use (another Jupyter? list them with \`${jupyter.path} ${app === "lab" ? "server" : "notebook"} list\`).\n` +
          `Stop it, or pick another port: npm start -- --port ${opts.port + 1}`,
      );
    }
    args.push(`--port=${opts.port}`);
  }
  // Jupyter refuses to run as root without this (containers, Binder-like machines run as root).
  if (typeof process.getuid === "function" && process.getuid() === 0) args.push("--allow-root");
  console.log(`Starting ${app === "lab" ? "JupyterLab" : "the classic Notebook"}: ${jupyter.path} ${args.join(" ")}`);
  console.log("Stop it with Ctrl+C.");
  const child = spawn(jupyter.path, args, { cwd: ROOT, stdio: "inherit" });
  // Ctrl+C reaches Jupyter through the terminal; a plain kill of this wrapper is passed on.
  for (const sig of /** @type {const} */ (["SIGTERM", "SIGHUP"])) process.on(sig, () => child.kill(sig));
  process.on("SIGINT", () => {}); // Jupyter asks "Shutdown this server?"; let it decide.
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const program = new Command()
  .name("course")
  .description("Race Lab: set up Jupyter with the TypeScript kernel and open the course")
  .showHelpAfterError();

program
  .command("setup")
  .description('find (or install) Jupyter and register the TypeScript kernel "tslab" (idempotent)')
  .option("--ci", "also require nbclient (the notebook harness); prefer the system's packages")
  .option("--prefix <dir>", "register the kernel under <dir>/share/jupyter/kernels (e.g. Binder)")
  .action((opts) => {
    setup(opts);
  });

program
  .command("start", { isDefault: true })
  .description("set up, then open notebooks/00-welcome.ipynb in JupyterLab (or the classic Notebook)")
  .option("--no-browser", "do not open a browser; print the URL instead")
  .option("--port <n>", "serve on this port", parsePort)
  .addOption(new Option("--lab", "use JupyterLab (fails if it is not installed)").conflicts("classic"))
  .addOption(new Option("--classic", "use the classic Notebook"))
  .action(start);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  console.error(`\n${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
