// An interrupt in the middle of an exploration of transactions: a plain script ends by SIGINT; the
// kernel survives with the exploration rejected (RunInterruptedError) and its connections ended, while
// the kernel's server stays for the next cell (a student's tables survive an interrupt).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";

function runScript(mode: string): Promise<{ signal: string | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "..", "helpers", "transactions-sigint.ts"), mode], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve) =>
    child.on("close", (_code, signal) => {
      clearTimeout(killer);
      resolve({ signal, output });
    }),
  );
}

test("in a plain node script, SIGINT mid-exploration ends the script", async () => {
  const result = await runScript("plain");
  assert.match(result.output, /MID EXPLORATION/);
  assert.equal(result.signal, "SIGINT", result.output);
  assert.doesNotMatch(result.output, /FINISHED/);
});

test("in the kernel, an interrupt mid-exploration rejects it and ends its connections, not the kernel or its server", async () => {
  const result = await runScript("kernel");
  assert.equal(result.signal, null, `the kernel was killed by the interrupt: ${result.output}`);
  assert.match(result.output, /MID EXPLORATION/);
  assert.match(result.output, /KERNEL LISTENER RAN/);
  assert.match(result.output, /REJECTED RunInterruptedError/);
  assert.match(result.output, /STILL ALIVE true 1 SLEEPERS 0/, "the server answers; the interrupted statement's connection is gone");
  assert.match(result.output, /ENDED 0/, "ending the session stops the server");
});
