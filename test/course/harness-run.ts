// The notebook harness run as a child process with an environment of the test's own (a database of
// its own, a class database), its output kept for the assertion's message. The cells' times are
// judged by `npm run test:notebooks` and the benchmark, not here, beside a server of the test's own.
import { spawn } from "node:child_process";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");

/** Runs the harness on `notebooks` with `env` added; resolves with its exit code and output. */
export function runHarness(notebooks: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, "scripts", "run-notebooks.mjs"), "--no-git-check", ...notebooks], {
    cwd: ROOT,
    env: { ...process.env, RACE_LAB_SLOW_CELL_S: "off", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const killer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(killer);
      resolve({ code, out });
    }),
  );
}
