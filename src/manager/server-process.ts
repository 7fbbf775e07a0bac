// The manager's server process, started: from a spare process that is told to serve (the way
// Python's forkserver hands out a process already up), else forked cold; then awaited until it
// listens. Either way it is the same server (manager-server.ts) with what a cold fork would see.

import { type ChildProcess, fork } from "child_process";
import * as path from "path";
import { libraryFolder } from "../core/environment";
import { holdChild } from "../core/lifecycle";
import { forwardLines, toStderr, toStdout } from "../core/output";
import type { ChildMessage } from "../run/messages";
import { takeSpareProcess } from "../run/spare-processes";
import { ManagerError } from "./errors";

/** The server's entry, relative to the built library's folder. */
const SERVER_ENTRY = path.join("manager", "manager-server.js");

/**
 * Starts the manager's server on `socketPath` and resolves once it listens; its output is printed
 * with a "[manager] " prefix. A spare process serves when one fits (same environment and folder as
 * now), else a cold fork does. Rejects with `ManagerError` (the process killed) if it does not
 * listen within `timeoutMs`.
 *
 * @internal
 * @example
 * ```ts
 * const child = await startServerProcess(socketPath, 60_000);
 * ```
 */
export async function startServerProcess(socketPath: string, timeoutMs: number): Promise<ChildProcess> {
  const spare = takeSpareProcess();
  spare?.send({ type: "serve", entry: SERVER_ENTRY, args: [socketPath] } satisfies ChildMessage);
  const child = spare ?? forkServer(socketPath);
  void forwardLines(child.stdout!, toStdout, "[manager] ");
  void forwardLines(child.stderr!, toStderr, "[manager] ");
  try {
    await listening(child, timeoutMs);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  // Started: the server must not keep a finished script alive (the exit hook ends it then).
  holdChild(child, false);
  return child;
}

function forkServer(socketPath: string): ChildProcess {
  const env = { ...process.env };
  delete env.RACE_LAB_WORKER; // the server is not a worker of a run
  return fork(path.join(libraryFolder(), SERVER_ENTRY), [socketPath], { stdio: ["ignore", "pipe", "pipe", "ipc"], env });
}

function listening(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ManagerError(`the manager did not start within ${timeoutMs} ms.`)), timeoutMs);
    const onMessage = (m: { type?: string }) => {
      if (m?.type === "loaded") return; // a spare that was still loading says it is up first
      clearTimeout(timer);
      child.off("message", onMessage);
      if (m?.type === "listening") resolve();
      else reject(new ManagerError(`the manager sent ${JSON.stringify(m)} instead of starting.`));
    };
    child.on("message", onMessage);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(
        new ManagerError(`the manager's process ended while starting (exit code ${code}, signal ${signal}); its error is printed above.`),
      );
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new ManagerError(`the manager's process could not start: ${error.message}`));
    });
  });
}
