// The file every child process of a run loads. It receives its task over IPC, rebuilds the
// function, says "ready", waits for "go" (sent once every child is ready), runs its jobs and sends
// the results back. A spare process may instead be told to serve: it becomes a server (the manager's).
import * as path from "path";
import { leaveRunWorkerRole, libraryFolder, setWorkerContext } from "../core/environment";
import type { ChildMessage, WorkerMessage, WorkerTask } from "./run";
import { decodeShared } from "../core/shared-object";
import { errorReport, unpackFunction } from "./travel";
import { lightLibrary } from "./light-library";
import { provideLibrary } from "./worker-scope";

// The whole library loads only if the traveled function uses a race-lab name.
// race-lab's names load on first use: most functions sent here need only a few (light-library.ts).
provideLibrary(() => lightLibrary(() => require("../index")));

// A child never outlives its parent: when the IPC channel closes (parent ended, even by SIGKILL), go.
process.on("disconnect", () => process.exit(1));

let task: WorkerTask | undefined;
let fn: ((...args: any[]) => unknown) | undefined;
let jobs: unknown[][] = [];

function send(message: WorkerMessage, then?: () => void): void {
  try {
    process.send!(message, undefined, undefined, () => then?.());
  } catch (error) {
    const reason = (error as Error).message;
    process.send!(
      {
        type: "error",
        error: { name: "DataCloneError", message: `its result cannot be copied back to the parent (${reason}); return plain data` },
      },
      undefined,
      undefined,
      () => process.exit(1),
    );
  }
}

async function go(ready: number): Promise<void> {
  setWorkerContext({ kind: "process", number: task!.number, of: task!.of, readyAtStart: ready });
  const results: unknown[] = [];
  try {
    for (const args of jobs) results.push(await fn!(...args));
  } catch (error) {
    return send({ type: "error", error: errorReport(error, task!.fn.name) }, () => process.exit(1));
  }
  // Exit once the result is written to the channel: stdout to a pipe is synchronous on Linux, so
  // everything printed before has been flushed too.
  send({ type: "result", results }, () => process.exit(0));
}

process.on("message", (message: ChildMessage) => {
  if (message.type === "task") {
    task = message.task;
    try {
      fn = unpackFunction(task.fn);
      jobs = decodeShared(task.jobs) as unknown[][];
    } catch (error) {
      return send({ type: "error", error: errorReport(error) }, () => process.exit(1));
    }
    send({ type: "ready" });
  } else if (message.type === "go") {
    void go(message.ready);
  } else if (message.type === "serve") {
    serve(message.entry, message.args);
  }
});

/** A spare process becomes one of the library's servers: what a cold fork of that entry runs. */
function serve(entry: string, args: string[]): void {
  leaveRunWorkerRole();
  try {
    (require(path.join(libraryFolder(), entry)) as { serve(...args: string[]): void }).serve(...args);
  } catch (error) {
    console.error(`race-lab: a spare process could not become ${entry}: ${(error as Error).message}`);
    process.exit(2);
  }
}

// Up and listening: a spare process is now ready to be handed a task (spare-processes.ts).
send({ type: "loaded" });
