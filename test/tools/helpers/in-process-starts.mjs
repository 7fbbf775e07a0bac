// Kernel starts in one process, for test/tools/tslab-kernel.test.ts: tslab's ZmqServer with a stub
// handler (no TypeScript compiler, so a start takes milliseconds), started either by tslab's own
// init or by src/kernel/launcher.cjs's bindThenServe, each asked for kernel_info the moment its
// shell port takes connections. In a process of its own because tslab's own start leaves promises
// rejected with EBUSY that nothing handles, which node:test would count against the test.
// Usage: node in-process-starts.mjs tslab|bound ROUNDS [--until-lost]
// Prints one JSON line: {"outcomes": {"answered": n, ...}, "rounds": n, "ebusy": n}
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { askFirst, connectionFile } from "../../../scripts/first-reply.mjs";

const require = createRequire(import.meta.url);
const { bindThenServe } = require("../../../src/kernel/launcher.cjs");
const { ZmqServer } = createRequire(require.resolve("tslab/package.json"))("./dist/jupyter");

const [how, roundsArg, until] = process.argv.slice(2);
const rounds = Number(roundsArg);
if (!["tslab", "bound"].includes(how) || !Number.isInteger(rounds) || rounds < 1) {
  console.error("usage: node in-process-starts.mjs tslab|bound ROUNDS [--until-lost]");
  process.exit(2);
}

let ebusy = 0;
process.on("unhandledRejection", (reason) => {
  if (reason?.code !== "EBUSY") throw reason;
  ebusy++;
});

/** What tslab's handleKernelInfo asks of its handler, and what close() calls. */
const stubHandler = { handleKernel: () => ({ protocol_version: "5.3", implementation: "stub" }), close: () => {} };
const outcomes = {};
let done = 0;
while (done < rounds) {
  const { folder, file, info } = await connectionFile();
  const server = new ZmqServer(stubHandler, file);
  const asked = askFirst(info, { timeoutMs: 2000, retryAfterMs: 300 });
  const started = (how === "tslab" ? server.init() : bindThenServe(server)).catch((error) => console.error(String(error)));
  const { outcome } = await asked;
  await started;
  server.close();
  rmSync(folder, { recursive: true, force: true });
  outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  done++;
  if (until === "--until-lost" && outcome !== "answered") break;
}
console.log(JSON.stringify({ outcomes, rounds: done, ebusy }));
process.exit(0); // tslab's dead read loops may hold the event loop open
