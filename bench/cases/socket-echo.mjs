// The floor under the manager's transport: a bare echo over a Unix domain socket between two Node
// processes, both ends on an event loop as the manager's client and server are. One small message
// out, the same bytes back, `calls` times in a row; returns µs per round trip. No framing, no
// serialization, no timers: whatever a proxy call costs above this is the manager's own work.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

// The echo server, run with `node -e`: echoes every chunk back and prints "ready" once it listens.
const SERVER = `
const net = require("net");
const server = net.createServer((s) => s.on("data", (d) => s.write(d)));
server.listen(process.argv[1], () => console.log("ready"));
process.stdin.on("end", () => process.exit(0)); // the parent went away or is done: stop
process.stdin.resume();
`;

/**
 * Starts the echo server and connects to it. `roundTrips(calls)` returns µs per round trip of a
 * `bytes`-byte message (the first call warms up with `warmup` untimed ones); `close()` ends the server
 * and removes its folder. Kept open across blocks, so that echo and proxy blocks can take turns.
 */
export async function openSocketEcho({ bytes = 48, warmup = 100 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "race-lab-echo-"));
  const socketPath = path.join(dir, "echo.sock");
  const server = spawn(process.execPath, ["-e", SERVER, socketPath], { stdio: ["pipe", "pipe", "inherit"] });
  const stopServer = () => {
    server.stdin.end();
    server.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise((resolve, reject) => {
      server.once("error", reject);
      server.once("exit", (code) => reject(new Error(`the echo server exited with ${code}`)));
      server.stdout.once("data", resolve);
    });
    const socket = net.createConnection(socketPath);
    await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    const message = Buffer.alloc(bytes, 1);
    let waiting = null;
    let got = 0;
    socket.on("data", (d) => {
      got += d.length;
      if (got >= bytes && waiting) {
        got -= bytes;
        const done = waiting;
        waiting = null;
        done();
      }
    });
    const roundTrip = () =>
      new Promise((resolve) => {
        waiting = resolve;
        socket.write(message);
      });
    let warm = false;
    return {
      async roundTrips(calls) {
        if (!warm) for (let i = 0; i < warmup; i++) await roundTrip();
        warm = true;
        const t0 = performance.now();
        for (let i = 0; i < calls; i++) await roundTrip();
        return ((performance.now() - t0) * 1000) / calls;
      },
      close() {
        socket.destroy();
        stopServer();
      },
    };
  } catch (error) {
    stopServer();
    throw error;
  }
}
