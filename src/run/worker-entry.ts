// The file every worker thread of a run loads. It rebuilds the traveled function, waits at the start
// gate with the others, runs its jobs and posts the results back. A cold worker gets its task as
// workerData; a spare (spare-threads.ts) is started ahead with none, says so, and gets its task as
// its first message. Either way a thread serves one task and ends.
import { parentPort, workerData } from "worker_threads";
import { setWorkerContext } from "../core/environment";
import { GATE_OPEN, GATE_READY } from "./gate";
import type { WorkerMessage, WorkerTask } from "./run";
import { decodeShared, encodeForThread } from "../core/shared-object";
import type { SpareWorkerData } from "./spare-threads";
import { errorReport, unpackFunction } from "./travel";
import { lightLibrary } from "./light-library";
import { provideLibrary } from "./worker-scope";

// The whole library loads only if the traveled function uses a race-lab name.
// race-lab's names load on first use: most functions sent here need only a few (light-library.ts).
provideLibrary(() => lightLibrary(() => require("../index")));

const send = (message: WorkerMessage) => parentPort!.postMessage(message);

async function main(task: WorkerTask): Promise<void> {
  let fn: (...args: any[]) => unknown;
  let jobs: unknown[][];
  try {
    // All the slow preparation happens before the gate, so the work itself starts together.
    fn = unpackFunction(task.fn);
    jobs = decodeShared(task.jobs) as unknown[][];
  } catch (error) {
    return send({ type: "error", error: errorReport(error) });
  }

  const gate = new Int32Array(task.gate!);
  Atomics.add(gate, GATE_READY, 1);
  send({ type: "ready" }); // the main thread must not block, so it learns readiness by message
  // Sleep until the main thread opens the gate. wait() returns at once ("not-equal") when the gate
  // opened between our load and our wait, so the release can never be missed; the loop absorbs
  // spurious wake-ups; the deadline guarantees no endless wait even if the main thread vanished.
  const deadline = Date.now() + task.gateTimeoutMs;
  while (Atomics.load(gate, GATE_OPEN) === 0) {
    const left = deadline - Date.now();
    if (left <= 0) {
      return send({ type: "error", error: { name: "Error", message: "the start gate never opened" } });
    }
    Atomics.wait(gate, GATE_OPEN, 0, left);
  }
  setWorkerContext({ kind: "thread", number: task.number, of: task.of, readyAtStart: Atomics.load(gate, GATE_READY) });

  const results: unknown[] = [];
  try {
    for (const args of jobs) results.push(await fn(...args));
  } catch (error) {
    return send({ type: "error", error: errorReport(error, task.fn.name) });
  }
  // Output first: a chunk counts in writableLength until the parent has received it, and the parent
  // receives every chunk written so far before it acknowledges the empty write. So no line of this run
  // can land in a later cell once the run has returned (nothing to wait for when nothing is pending).
  const pending = [process.stdout, process.stderr].filter((stream) => stream.writableLength > 0);
  await Promise.all(pending.map((stream) => new Promise((resolve) => stream.write("", resolve))));
  // Nothing left to run here (no timer, socket or child the function left open): the thread ends by
  // itself, and the run need not wait for its teardown (~5-15 ms) before returning.
  const idle = process.getActiveResourcesInfo().length === 0;
  try {
    send({ type: "result", results: encodeForThread(results), idle });
  } catch (error) {
    const reason = (error as Error).message;
    send({
      type: "error",
      error: { name: "DataCloneError", message: `its result cannot be copied back to the main thread (${reason}); return plain data` },
    });
  }
}

/**
 * What a spare does while it waits, so that its run does not: V8 compiles a function the first time
 * it is called and Node reads and compiles a module the first time it is required, in every new
 * thread. So the spare runs a task's steps once on a tiny function (rebuild, decode, encode) and
 * loads the module of the shared objects most runs are given (Value, which brings Lock and RLock).
 * What it saves is measured in bench/ANALYSIS.md ("runThreads with spares ready"). Nothing of it is kept: no state, no output.
 */
function warmUp(): void {
  const fn = unpackFunction({ source: "function warmUp(x) { return x; }", name: "warmUp", bound: [] });
  const [args] = decodeShared([[0]]) as unknown[][];
  encodeForThread([fn(...args)]);
  process.getActiveResourcesInfo();
  require("../shared/value");
}

if ((workerData as SpareWorkerData | undefined)?.spare) {
  // once(): after the task the port has no listener left, so the thread ends when its work is done.
  parentPort!.once("message", (task: WorkerTask) => void main(task));
  warmUp();
  const { up } = workerData as SpareWorkerData;
  // Store before notify: a keepThreadsReady() that checks after the store sees 1 and does not wait;
  // one already waiting is woken (no lost wake-up).
  Atomics.store(up, 0, 1);
  Atomics.notify(up, 0);
} else {
  void main(workerData as WorkerTask);
}
