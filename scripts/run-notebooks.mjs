#!/usr/bin/env node
// Runs the notebook harness (test/harness/run_notebooks.py) with a Python that has nbclient, after
// checking that kernel "tslab" is this checkout's tslab (else we would test another copy's kernel).
// Usage: node scripts/run-notebooks.mjs [--timeout S] [--no-git-check] [notebooks or folders…]
// (default: instructor/ and notebooks/). Exit status: the harness's.
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { ROOT, findHarnessPython } from "./jupyter.mjs";
import { KERNEL_LAUNCHER, kernelSpec } from "./kernelspec.mjs";

const python = findHarnessPython();
if (!python) {
  console.error(
    "No Python with nbclient found (tried the Python of `jupyter`, .venv, /usr/bin/python3, python3).\n" +
      "Run `npm run setup -- --ci` to install it, or set RACE_LAB_PYTHON to a Python that has nbclient.",
  );
  process.exit(1);
}

// Which kernelspec "tslab" resolves to, as the harness's own Jupyter client will see it.
const probe = spawnSync(
  python,
  [
    "-c",
    "import json; from jupyter_client.kernelspec import KernelSpecManager as K; s = K().get_kernel_spec('tslab'); print(json.dumps(s.argv))",
  ],
  { encoding: "utf8", timeout: 60_000 },
);
let argv = null;
try {
  argv = JSON.parse(probe.stdout);
} catch {
  // no such kernel: reported below
}
if (!argv || path.resolve(argv[1] ?? "") !== KERNEL_LAUNCHER) {
  console.error(
    argv
      ? `Kernel "tslab" runs ${argv.slice(0, 2).join(" ")}, not this checkout's kernel (${kernelSpec().argv.slice(0, 2).join(" ")}).`
      : 'Kernel "tslab" is not registered with Jupyter.',
  );
  console.error("Register it for this checkout: npm run setup");
  process.exit(1);
}

const harness = path.join(ROOT, "test", "harness", "run_notebooks.py");
const child = spawn(python, [harness, ...process.argv.slice(2)], { stdio: "inherit" });
// Passing signals on lets the harness shut its kernel down instead of orphaning it.
for (const sig of /** @type {const} */ (["SIGINT", "SIGTERM"])) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
