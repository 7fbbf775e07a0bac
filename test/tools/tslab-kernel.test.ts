// src/kernel/launcher.cjs, the kernel the kernelspec runs: tslab, with its five sockets bound before
// it reads a request. tslab's own start binds them all at once while it already reads, and zeromq
// refuses a socket that is binding (EBUSY): a request that arrives then gets no reply. The client
// (scripts/first-reply.mjs) sends kernel_info_request before the kernel listens, so that it arrives
// the moment the shell port takes connections. In-process starts (tslab's ZmqServer with a stub
// handler, no TypeScript compiler) show the loss with tslab's own start and its absence with ours;
// real kernels, started from the kernelspec three at a time, answer their first request.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { connectionFile, firstReply } from "../../scripts/first-reply.mjs";
import { kernelSpec } from "../../scripts/kernelspec.mjs";

const ROOT = path.resolve(__dirname, "..", "..");
const LAUNCHER = path.join(ROOT, "src", "kernel", "launcher.cjs");
const STARTS = path.join(__dirname, "helpers", "in-process-starts.mjs");
const launcher = require(LAUNCHER) as { SUPPORTED_TSLAB: string; tslabVersion: () => string };

type Starts = { outcomes: Record<string, number>; rounds: number; ebusy: number };

/** In-process starts (helpers/in-process-starts.mjs): what became of each first request. */
function inProcessStarts(how: "tslab" | "bound", rounds: number, untilLost = false): Promise<Starts> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [STARTS, how, String(rounds), ...(untilLost ? ["--until-lost"] : [])], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(stdout));
      else reject(new Error(`in-process-starts.mjs ${how} exited with ${code}: ${stderr}`));
    });
  });
}

const ROUNDS = 150;

test(`in process: tslab's own start loses a first reply within ${ROUNDS * 2} starts (the failure this kernel exists for)`, async () => {
  const r = await inProcessStarts("tslab", ROUNDS * 2, true);
  assert.ok(
    r.outcomes.lost || r.outcomes.silent,
    `tslab's own start answered all ${r.rounds} first requests: this test no longer sees the race it guards against`,
  );
  assert.ok(r.ebusy > 0, `a first request went unanswered with no EBUSY: ${JSON.stringify(r)}`);
});

test(`in process: with the sockets bound first, ${ROUNDS} first requests all answered`, async () => {
  const r = await inProcessStarts("bound", ROUNDS);
  assert.deepEqual(r, { outcomes: { answered: ROUNDS }, rounds: ROUNDS, ebusy: 0 });
});

test("the kernelspec's kernel answers its first request, three started at a time", async () => {
  const argv = kernelSpec().argv;
  assert.equal(argv[1], LAUNCHER);
  const results = await Promise.all([0, 1, 2].map(() => firstReply(argv, { cwd: ROOT, timeoutMs: 60_000 })));
  for (const r of results) assert.equal(r.outcome, "answered", r.stderr);
});

test("a port the kernel cannot listen on ends it, naming the address", async (t) => {
  const { folder, file, info } = await connectionFile();
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(info.hb_port, "127.0.0.1", resolve));
  t.after(() => taken.close());
  const child = spawn(process.execPath, [LAUNCHER, "--config-path", file], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const code = await new Promise((resolve) => child.once("exit", resolve));
  clearTimeout(timer);
  assert.equal(code, 1, stderr);
  assert.match(stderr, new RegExp(`tslab-kernel: cannot listen on tcp://127\\.0\\.0\\.1:${info.hb_port}: `));
});

test("without --config-path the kernel says what it needs and exits", async () => {
  const child = spawn(process.execPath, [LAUNCHER], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise((resolve) => child.once("exit", resolve));
  assert.equal(code, 2);
  assert.match(stderr, /--config-path: give the kernel's connection file/);
});

test("the tslab installed and pinned is the version whose start the kernel reorders", () => {
  const pinned = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).dependencies.tslab;
  assert.equal(pinned, launcher.SUPPORTED_TSLAB);
  assert.equal(launcher.tslabVersion(), launcher.SUPPORTED_TSLAB);
});
