#!/usr/bin/env node
// The TypeScript kernel as Jupyter starts it (the kernelspec written by scripts/kernelspec.mjs runs this
// file): tslab, with its five sockets bound one after the other before it reads a single message.
//
// Why: tslab 1.0.22 starts reading its sockets and binds all five at the same time. zeromq refuses any
// call on a socket while that socket binds (EBUSY, "Socket is blocked by a bind or unbind operation"),
// so a request that arrives in that window is lost: its "busy" status cannot be published (iopub still
// binding), and that request gets no reply; or the shell's read loop throws and ends, and no request
// gets a reply again. JupyterLab and the classic Notebook wait 60 s for the first reply
// ("Connecting to kernel"). Here nothing is read until every socket is bound; a request that came
// earlier waits in zeromq's queue. A socket that cannot be bound ends the kernel, with the address in
// the message, so that Jupyter sees a dead kernel instead of a silent one.
//
// tslab's module paths are in tslab-modules.cjs; the ZmqServer fields this needs are in this file.
// tslab is pinned (package.json) and no longer developed upstream.
//
// Usage: node src/kernel/launcher.cjs --config-path CONNECTION_FILE
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { parseArgs } = require("node:util");

// Node 22 and later keep V8's compiled code of the modules a process loads in a cache folder, when
// asked: from the second kernel start on, race-lab's modules and TypeScript's compiler come compiled
// from it (the first import cell about a sixth quicker: bench/ANALYSIS.md, "kernel-start"). The
// folder is beside the installed packages (ignored by git, gone with them); where it cannot be
// written, Node goes on without it. Node 20 has no such cache.
require("node:module").enableCompileCache?.(path.join(__dirname, "..", "..", "node_modules", ".cache", "race-lab-compile"));
const { SUPPORTED_TSLAB, tslabKernelModules, tslabVersion, tslabZeromq } = require("./tslab-modules.cjs");

/** @param {unknown} error */
const report = (error) => console.error("tslab-kernel:", error);

/**
 * Reads a socket until it is closed, handing each message to `handle` without waiting for it (an
 * execute request must not hold up the next request); a request that fails is reported.
 * @param {AsyncIterable<Buffer[]>} socket
 * @param {(message: Buffer[]) => Promise<void>} handle
 */
async function serve(socket, handle) {
  for await (const message of socket) handle(message).catch(report);
}

/**
 * Answers each heartbeat with itself; a Reply socket takes its next message only after it has answered.
 * @param {import("zeromq").Reply} socket
 */
async function echo(socket) {
  for await (const message of socket) await socket.send(message);
}

/**
 * tslab's ZmqServer.init in another order: bind the five sockets one after the other, then read shell,
 * control and heartbeat. Otherwise what tslab 1.0.22 does: the same sockets in the same fields, each
 * request handled by tslab's handleShellMessage. Rejects, naming the address, when a bind fails.
 *
 * @example
 * ```js
 * ZmqServer.prototype.init = function () { return bindThenServe(this); };
 * ```
 * Warning: written against tslab 1.0.22's ZmqServer (its fields and handleShellMessage); main() uses
 * it only when that is the tslab installed.
 * @param {import("tslab/dist/jupyter").ZmqServer} server
 * @returns {Promise<void>}
 */
async function bindThenServe(server) {
  const zmq = tslabZeromq();
  const info = JSON.parse(fs.readFileSync(server.configPath, "utf8"));
  server.connInfo = info;
  const iopub = (server.iopub = new zmq.Publisher());
  const shell = (server.shell = new zmq.Router());
  const control = (server.control = new zmq.Router());
  const stdin = (server.stdin = new zmq.Router());
  const hb = (server.hb = new zmq.Reply());
  /** @type {[import("zeromq").Socket, number][]} */
  const ports = [
    [iopub, info.iopub_port],
    [shell, info.shell_port],
    [control, info.control_port],
    [stdin, info.stdin_port],
    [hb, info.hb_port],
  ];
  for (const [socket, port] of ports) {
    const address = `${info.transport}://${info.ip}:${port}`;
    try {
      await socket.bind(address);
    } catch (error) {
      throw new Error(`cannot listen on ${address}: ${error instanceof Error ? error.message : error}`);
    }
  }
  serve(shell, (message) => server.handleShellMessage(shell, ...message)).catch(report);
  serve(control, (message) => server.handleShellMessage(control, ...message)).catch(report);
  echo(hb).catch(report);
}

/** Starts tslab's TypeScript kernel on the connection file given as --config-path. */
function main() {
  const { values } = parseArgs({ options: { "config-path": { type: "string" } } });
  const configPath = values["config-path"];
  if (!configPath) throw new Error("--config-path: give the kernel's connection file (Jupyter passes {connection_file})");
  const version = tslabVersion();
  if (version === SUPPORTED_TSLAB) {
    const { ZmqServer } = tslabKernelModules();
    /** @this {import("tslab/dist/jupyter").ZmqServer} */
    ZmqServer.prototype.init = function () {
      return bindThenServe(this).catch((/** @type {Error} */ error) => {
        console.error(`tslab-kernel: ${error.message}`);
        process.exit(1);
      });
    };
  } else {
    console.error(
      `tslab-kernel: tslab ${version} is not ${SUPPORTED_TSLAB}, the version whose socket start this file orders; starting it unchanged`,
    );
  }
  // This tslab, the one the kernelspec names: not another copy that tslab would look for from the
  // notebook's folder upwards.
  const { startKernel } = tslabKernelModules();
  startKernel({ configPath, enableFindLocal: false, jsKernel: false, globalVersion: version });
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(`tslab-kernel: ${error instanceof Error ? error.message : error}`);
    process.exit(2);
  }
}

module.exports = { SUPPORTED_TSLAB, bindThenServe, tslabVersion };
