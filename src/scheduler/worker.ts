// The file each controlled worker thread loads. It rebuilds the function once, then runs it once per
// schedule the main thread sends, stopping at every point (and wherever a primitive would sleep)
// until the main thread chooses it.

import { parentPort, workerData } from "worker_threads";
import { setWorkerContext } from "../core/environment";
import { decodeShared } from "../core/shared-object";
import { errorReport, unpackFunction } from "../run/travel";
import { provideLibrary } from "../run/worker-scope";
import { control, type Controller } from "../primitives/schedule-control";
import { ABORT, COMMAND, GRANT, type JobMessage, type ParkMessage, TIMED_OUT, type TeamTask } from "./protocol";
import { findResources } from "./resources";
import { Scheduler } from "./scheduler";

// The whole library loads only if the function uses a race-lab name (as in run/worker-entry.ts).
provideLibrary(() => require("../index"));

const task = workerData as TeamTask;
const slots = new Int32Array(task.control);
const send = (message: ParkMessage) => parentPort!.postMessage(message);

/** Thrown inside the function to unwind it when its schedule is over (deadlock, error, replay done). */
class ScheduleOver extends Error {}

class WorkerController implements Controller {
  private label = "start";
  private over = false;

  constructor(private readonly resources: Map<SharedArrayBuffer, string>) {}

  valueAccess(access: "read" | "write", what = ".value"): void {
    if (task.valuePoints) this.point(`${access} ${what}`);
  }

  point(label: string): void {
    this.label = String(label);
    this.park({ type: "point", label: this.label });
  }

  block(view: Int32Array, index: number, seen: number, deadline: number): "ok" | "timed-out" {
    const buffer = view.buffer as SharedArrayBuffer;
    const resource = this.resources.get(buffer);
    const command = this.park({ type: "block", label: this.label, buffer, index, seen, timed: deadline !== Infinity, resource });
    return command === TIMED_OUT ? "timed-out" : "ok";
  }

  private park(message: ParkMessage): number {
    // Once told to unwind, every later point unwinds too (a `catch` in the function cannot resume it).
    if (this.over) throw new ScheduleOver("the schedule is over");
    // Read the grant counter BEFORE telling the main thread we are parked: a grant that arrives
    // between the message and our wait then changes the counter, and wait returns at once (no
    // lost wake-up).
    const seen = Atomics.load(slots, GRANT);
    send(message);
    const deadline = Date.now() + task.parkLimitMs;
    while (Atomics.load(slots, GRANT) === seen) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.over = true;
        throw new ScheduleOver("never chosen again: the main thread is gone");
      }
      Atomics.wait(slots, GRANT, seen, left);
    }
    // The command was stored before the grant counter moved (both seq-cst), so it is the new one.
    const command = Atomics.load(slots, COMMAND);
    if (command === ABORT) {
      this.over = true;
      throw new ScheduleOver("the schedule is over");
    }
    return command;
  }
}

let fn: (...args: any[]) => unknown;
try {
  fn = unpackFunction(task.fn);
  setWorkerContext({ kind: "thread", number: task.worker + 1, of: 0, readyAtStart: 0 });
  send({ type: "ready" });
} catch (error) {
  send({ type: "fatal", error: errorReport(error) });
}

parentPort!.on("message", async (message: JobMessage) => {
  let args: unknown[];
  try {
    args = decodeShared(message.args) as unknown[];
  } catch (error) {
    return send({ type: "fatal", error: errorReport(error) });
  }
  const resources = new Map<SharedArrayBuffer, string>();
  for (const found of findResources(args, String(task.worker))) if (!resources.has(found.buffer)) resources.set(found.buffer, found.path);
  control.current = new WorkerController(resources);
  let outcome: ParkMessage;
  try {
    await fn(...args, new Scheduler());
    outcome = { type: "done" };
  } catch (error) {
    outcome = error instanceof ScheduleOver ? { type: "aborted" } : { type: "failed", error: errorReport(error, task.fn.name) };
  } finally {
    control.current = undefined;
  }
  send(outcome);
});
