// Does a kernel answer the first request it is sent? Starts a kernel from a kernelspec's argv, as
// Jupyter does (a connection file with five free ports), and sends kernel_info_request before the
// kernel listens: zeromq delivers it the moment the shell port takes a connection, the earliest a
// front end's request can arrive. Used by the kernel's test (test/tools/tslab-kernel.test.ts)
// and the benchmark (bench/cases/first-reply.mjs).
import { spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

// The zeromq binding that tslab loads, so the client speaks exactly the kernel's zeromq.
const { tslabZeromq } = createRequire(import.meta.url)("../src/kernel/tslab-modules.cjs");
/** @type {typeof import("zeromq")} */
const zmq = tslabZeromq();

/** The delimiter between routing ids and the signed parts of a Jupyter message. */
const DELIM = "<IDS|MSG>";

/**
 * What became of the first request: "answered"; "lost" (a later request was answered, that one
 * never); "silent" (no request answered within the time allowed); "exited" (the kernel ended first).
 * @typedef {"answered" | "lost" | "silent" | "exited"} Outcome
 */
/**
 * A Jupyter connection file's content.
 * @typedef {{ transport: string; ip: string; key: string; signature_scheme: string; shell_port: number; iopub_port: number; control_port: number; stdin_port: number; hb_port: number }} ConnectionInfo
 */

/**
 * The first port of the range the system takes outgoing connections' ports from, or null where it
 * cannot be read.
 * @returns {number | null}
 */
function firstEphemeralPort() {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(low) ? low : null;
  } catch {
    return null;
  }
}

/**
 * Listens on `port` (0: any) on 127.0.0.1; resolves with the server, or null when the port is taken.
 * @param {number} port
 * @returns {Promise<net.Server | null>}
 */
function listenOn(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(null));
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

/**
 * `count` different TCP ports, free on 127.0.0.1 a moment ago: all held open until all are chosen, so
 * that none is handed out twice. Chosen below the range of outgoing connections' ports where that
 * range is known: the client reconnects every millisecond, each try from a new such port, and one of
 * them equal to a kernel's port would make the client connect to itself, or hold the port as the
 * kernel binds it (a failure of this client, not of the kernel).
 * @param {number} count
 * @returns {Promise<number[]>}
 */
async function freePorts(count) {
  const below = firstEphemeralPort();
  /** @type {net.Server[]} */
  const servers = [];
  try {
    for (let tries = 0; servers.length < count; tries++) {
      if (tries > 1000) throw new Error(`no ${count} free ports found below ${below}`);
      const port = below !== null && below > 11_000 ? 10_000 + Math.floor(Math.random() * (below - 10_000)) : 0;
      const server = await listenOn(port);
      if (server) servers.push(server);
    }
    return servers.map((server) => /** @type {net.AddressInfo} */ (server.address()).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/**
 * A signed kernel_info_request (Jupyter's wire protocol, HMAC-SHA256 with the connection's key).
 * @param {string} key
 * @param {string} msgId
 */
function kernelInfoRequest(key, msgId) {
  const header = {
    msg_id: msgId,
    msg_type: "kernel_info_request",
    session: "first-reply",
    username: "race-lab",
    version: "5.3",
    date: new Date().toISOString(),
  };
  const parts = [JSON.stringify(header), "{}", "{}", "{}"];
  const hmac = createHmac("sha256", key);
  for (const part of parts) hmac.update(part);
  return [DELIM, hmac.digest("hex"), ...parts];
}

/**
 * The msg_id of the request a reply answers.
 * @param {Buffer[]} frames
 */
function parentId(frames) {
  const delim = frames.findIndex((f) => f.toString() === DELIM);
  return JSON.parse(frames[delim + 3].toString()).msg_id;
}

/**
 * A connection file with five ports free a moment ago, in a new temporary folder (the caller removes it).
 * @returns {Promise<{ folder: string; file: string; info: ConnectionInfo }>}
 */
export async function connectionFile() {
  const folder = mkdtempSync(path.join(tmpdir(), "race-lab-first-reply-"));
  const file = path.join(folder, "kernel.json");
  const [shell, iopub, control, stdin, hb] = await freePorts(5);
  const info = {
    transport: "tcp",
    ip: "127.0.0.1",
    key: randomBytes(16).toString("hex"),
    signature_scheme: "hmac-sha256",
    shell_port: shell,
    iopub_port: iopub,
    control_port: control,
    stdin_port: stdin,
    hb_port: hb,
  };
  writeFileSync(file, JSON.stringify(info));
  return { folder, file, info };
}

/**
 * Sends kernel_info_request to the shell port of `info` at once, before anything listens there; when
 * no reply has come after `retryAfterMs`, sends one more each second, as jupyter_client does while it
 * waits for a kernel. Resolves with what became of the first request, "exited" when `ended` resolves
 * first.
 *
 * @example
 * ```js
 * const { info, file } = await connectionFile();
 * const asked = askFirst(info);   // then start the kernel on `file`
 * ```
 * Warning: the client reconnects every millisecond, so the request arrives the moment the port takes
 * connections: harsher than Jupyter's client (every 100 ms). A kernel that loses it here may lose it
 * there less often, not never.
 * @param {ConnectionInfo} info
 * @param {{ timeoutMs?: number; retryAfterMs?: number; ended?: Promise<unknown> }} [options]
 * @returns {Promise<{ outcome: Outcome; ms: number }>}
 */
export async function askFirst(info, { timeoutMs = 30_000, retryAfterMs = 3000, ended = new Promise(() => {}) } = {}) {
  const started = performance.now();
  const dealer = new zmq.Dealer({ reconnectInterval: 1, linger: 0 });
  dealer.connect(`tcp://${info.ip}:${info.shell_port}`);
  const first = `first-${randomBytes(4).toString("hex")}`;
  let retries = 0;
  const retry = setInterval(
    () => {
      if (performance.now() - started >= retryAfterMs) dealer.send(kernelInfoRequest(info.key, `retry-${++retries}`)).catch(() => {});
    },
    Math.min(1000, retryAfterMs),
  );
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {Promise<Outcome>} */
  const reply = dealer.receive().then((frames) => (parentId(frames) === first ? "answered" : "lost"));
  reply.catch(() => {}); // ended by close() below when no reply came
  try {
    await dealer.send(kernelInfoRequest(info.key, first));
    /** @type {Promise<Outcome>} */
    const late = new Promise((resolve) => (timer = setTimeout(() => resolve("silent"), timeoutMs)));
    const outcome = await Promise.race([reply, late, ended.then(() => /** @type {Outcome} */ ("exited"))]);
    return { outcome, ms: performance.now() - started };
  } finally {
    clearInterval(retry);
    clearTimeout(timer);
    dealer.close();
  }
}

/**
 * Starts the kernel `argv` ("{connection_file}" in it is replaced) on a fresh connection file and asks
 * it for kernel_info as {@link askFirst} does. Always ends the kernel (SIGTERM, then SIGKILL) and
 * removes the connection file before it resolves.
 *
 * @example
 * ```js
 * const { outcome } = await firstReply(kernelSpec().argv);   // "answered" when the kernel is sound
 * ```
 * Warning: the same harsh client as askFirst's; and one start says little: count over many.
 * @param {string[]} argv
 * @param {{ timeoutMs?: number; retryAfterMs?: number; cwd?: string }} [options]
 * @returns {Promise<{ outcome: Outcome; ms: number; stderr: string }>}
 */
export async function firstReply(argv, { cwd, ...options } = {}) {
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === "string")) {
    throw new TypeError(`argv: expected the kernel's command line as a non-empty array of strings, got ${JSON.stringify(argv)}`);
  }
  const { folder, file, info } = await connectionFile();
  const child = spawn(
    argv[0],
    argv.slice(1).map((a) => a.replace("{connection_file}", file)),
    { cwd, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  const ended = new Promise((resolve) => child.once("exit", resolve));
  try {
    const { outcome, ms } = await askFirst(info, { ...options, ended });
    return { outcome, ms, stderr };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const kill = setTimeout(() => child.kill("SIGKILL"), 3000);
      await ended;
      clearTimeout(kill);
    }
    rmSync(folder, { recursive: true, force: true });
  }
}
