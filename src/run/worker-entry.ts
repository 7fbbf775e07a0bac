// The file every worker thread of a run loads. It rebuilds the traveled function, waits at the start
// gate with the others, runs its jobs and posts the results back.
import { parentPort, workerData } from "worker_threads";
import { setWorkerContext } from "../core/environment";
import { GATE_OPEN, GATE_READY } from "./gate";
import type { WorkerMessage, WorkerTask } from "./run";
import { decodeShared, encodeForThread } from "../core/shared-object";
import { errorReport, unpackFunction } from "./travel";
import { provideLibrary } from "./worker-scope";

// The whole library loads only if the traveled function uses a race-lab name.
provideLibrary(() => require("../index"));

const task = workerData as WorkerTask;
const send = (message: WorkerMessage) => parentPort!.postMessage(message);

async function main(): Promise<void> {
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
  try {
    send({ type: "result", results: encodeForThread(results) });
  } catch (error) {
    const reason = (error as Error).message;
    send({
      type: "error",
      error: { name: "DataCloneError", message: `its result cannot be copied back to the main thread (${reason}); return plain data` },
    });
  }
}

void main();
