import { type ChildProcess, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { RaceLabError } from "../core/errors";
import { atExit } from "../core/lifecycle";
import { removeRunFolder, runFolder } from "../core/temp";
import { binariesReachableBy, postgresUser } from "./as-root";
import { postgresBinaries } from "./binaries";
import { pg } from "./connect";
import { freePort, initCluster, processRuns, sleepSyncAtExit } from "./server-process";

// A throwaway PostgreSQL server for one kernel: a fresh cluster in a per-run temporary folder, on a
// free port of 127.0.0.1, no Unix socket (it would be a stray file in /tmp), stopped and removed by
// whoever started it. Nothing here is for keeping data: fsync is off, and the folder goes at the end.

/** How long initdb plus the first accepted connection may take on a busy machine. */
const START_TIMEOUT_MS = 60_000;
/** How long the server gets to stop after SIGQUIT (immediate shutdown) before SIGKILL. */
const STOP_TIMEOUT_MS = 5_000;

// The server runs under a tiny shell that holds a pipe from us on its stdin: when we exit, even by
// SIGKILL (or while our exit hook still waits), the pipe closes, `read` returns, and the shell stops
// the server (immediate shutdown) and removes its run folder. So a killed kernel leaves nothing.
// SIGTERM first: a non-interactive shell starts a background job with SIGQUIT ignored, so a server
// still starting (before it installs its own handlers) would ignore SIGQUIT, and TERM ends it then;
// once it has its handlers, SIGQUIT turns TERM's smart shutdown into an immediate one.
const GUARD_SCRIPT =
  '"$0" "$@" </dev/null & pg=$!; read -r _ || :; kill -TERM "$pg" 2>/dev/null; kill -QUIT "$pg" 2>/dev/null; wait "$pg"; rm -rf "$RACE_LAB_PG_FOLDER"';

function stopAllNow(): void {
  for (const server of EmbeddedServer.all()) server.stopNow();
}

/**
 * A PostgreSQL server started by race-lab for this process: a fresh cluster in a per-run temporary
 * folder, on a free port of 127.0.0.1, with a random password. Lessons get it through
 * {@link database}; tests may start one of their own.
 *
 * @example
 * ```ts
 * const server = await EmbeddedServer.start();
 * const client = new Client({ connectionString: server.url });
 * // …
 * await server.stop(); // the server has exited and its folder is gone
 * ```
 * Warning: stop it when done. At this process's exit {@link EmbeddedServer.stopNow} runs for every
 * server still running; if this process is killed (SIGKILL), the server's guard shell stops it and
 * removes its folder.
 */
export class EmbeddedServer {
  private static running = new Set<EmbeddedServer>();
  private stopped = false;
  private pid: number | undefined;

  private constructor(
    /** The run folder holding the cluster and the server's log. */
    readonly folder: string,
    /** The port on 127.0.0.1 the server listens on. */
    readonly port: number,
    /** `postgresql://postgres:…@127.0.0.1:<port>/postgres`. */
    readonly url: string,
    private readonly guard: ChildProcess,
  ) {}

  /**
   * Initialises a cluster in a new run folder and starts a server on it; resolves once it accepts
   * connections.
   *
   * @example
   * ```ts
   * const server = await EmbeddedServer.start();
   * ```
   * Warning: takes about a second (several on a busy machine); throws a {@link RaceLabError} with
   * the server's log when it cannot start.
   */
  static async start(): Promise<EmbeddedServer> {
    const binaries = postgresBinaries();
    let { postgres, initdb } = binaries;
    const owner = postgresUser();
    const folder = runFolder("postgres");
    try {
      const data = path.join(folder, "data");
      const password = crypto.randomBytes(12).toString("hex");
      if (owner) {
        // The server's user must reach its data folder inside ours, and its guard remove the folder.
        fs.chownSync(folder, owner.uid, owner.gid);
        fs.mkdirSync(data, { mode: 0o700 });
        fs.chownSync(data, owner.uid, owner.gid);
        ({ postgres, initdb } = binariesReachableBy(owner, binaries.root, folder));
      }
      const passwordFile = path.join(folder, "password");
      fs.writeFileSync(passwordFile, password + "\n", { mode: 0o644 });
      // Asynchronous, and the free port found meanwhile: the kernel's thread stays free while initdb runs.
      const [port] = await Promise.all([
        freePort(),
        initCluster(
          initdb,
          [
            "-D",
            data,
            "-U",
            "postgres",
            "--pwfile",
            passwordFile,
            "--auth",
            "scram-sha-256",
            "-E",
            "UTF8",
            "--locale",
            "C",
            "--no-sync",
            "--no-instructions",
          ],
          owner,
        ),
      ]);
      fs.rmSync(passwordFile);
      const log = fs.openSync(path.join(folder, "server.log"), "a");
      const guard = spawn(
        "/bin/sh",
        [
          "-c",
          GUARD_SCRIPT,
          postgres,
          "-D",
          data,
          "-p",
          String(port),
          "-c",
          "listen_addresses=127.0.0.1",
          "-c",
          "unix_socket_directories=",
          "-c",
          "fsync=off",
          "-c",
          "synchronous_commit=off",
          "-c",
          "full_page_writes=off",
        ],
        {
          stdio: ["pipe", log, log],
          env: { ...process.env, RACE_LAB_PG_FOLDER: folder },
          // Its own session and process group: Jupyter's interrupt signals the kernel's whole group, and
          // SIGINT would stop the server (a fast shutdown) and its guard. It still ends with us: stopNow
          // at exit, or the guard when our pipe closes.
          detached: true,
          ...owner,
        },
      );
      fs.closeSync(log);
      // Neither the shell nor its pipe may keep a finished kernel alive: the exit hook stops the server.
      guard.unref();
      (guard.stdin as unknown as { unref?: () => void })?.unref?.();
      const server = new EmbeddedServer(folder, port, `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`, guard);
      EmbeddedServer.running.add(server);
      // In the "workers" phase: the server must stop before the "files" phase removes its folder.
      atExit(stopAllNow, "workers");
      await server.waitUntilReady();
      return server;
    } catch (e) {
      const log = path.join(folder, "server.log");
      const tail = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").slice(-8).join("\n") : "";
      for (const server of EmbeddedServer.running) if (server.folder === folder) server.stopNow();
      removeRunFolder(folder);
      const why = (e as { stderr?: Buffer }).stderr?.toString() || (e as Error).message;
      throw new RaceLabError(`PostgreSQL did not start: ${why.trim()}${tail ? `\nits log ends with:\n${tail}` : ""}`);
    }
  }

  /** The servers of this process that have not stopped. */
  static all(): EmbeddedServer[] {
    return [...EmbeddedServer.running];
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (this.guard.exitCode !== null || this.guard.signalCode !== null) throw new Error("the server exited while starting");
      const client = new (pg().Client)({ connectionString: this.url, connectionTimeoutMillis: 2_000 });
      client.on("error", () => undefined);
      try {
        await client.connect();
        await client.end();
        this.pid = this.postmasterPid();
        return;
      } catch (e) {
        await client.end().catch(() => undefined);
        if (Date.now() > deadline) throw new Error(`no connection within ${START_TIMEOUT_MS} ms: ${(e as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 10)); // a refused connection costs next to nothing
      }
    }
  }

  /** The server's process id, from its lock file (the shell's child), or undefined once it is gone. */
  private postmasterPid(): number | undefined {
    try {
      const pid = Number(fs.readFileSync(path.join(this.folder, "data", "postmaster.pid"), "utf8").split("\n")[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** Whether this server has not been stopped (it may still have died by itself: see its log). */
  get isRunning(): boolean {
    return !this.stopped && this.guard.exitCode === null && this.guard.signalCode === null;
  }

  /**
   * Stops the server now, synchronously (immediate shutdown, then SIGKILL after 5 s), and removes its
   * folder. For exit hooks and interrupts, where nothing asynchronous runs any more.
   *
   * @example
   * ```ts
   * process.on("exit", () => server.stopNow());
   * ```
   * Warning: blocks the calling thread until the server has exited (typically a few milliseconds).
   */
  stopNow(): void {
    if (this.stopped) return;
    this.stopped = true;
    EmbeddedServer.running.delete(this);
    const pid = this.pid ?? this.postmasterPid();
    if (pid !== undefined && processRuns(pid)) {
      // SIGQUIT: immediate shutdown. The server ends its backends, then itself, without a checkpoint.
      process.kill(pid, "SIGQUIT");
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      while (processRuns(pid) && Date.now() < deadline) sleepSyncAtExit(5);
      if (processRuns(pid)) process.kill(pid, "SIGKILL");
    }
    try {
      this.guard.kill("SIGKILL"); // the shell: its server is gone
    } catch {
      // already gone
    }
    removeRunFolder(this.folder);
  }

  /**
   * Stops the server (immediate shutdown: open connections are cut) and removes its folder.
   *
   * @example
   * ```ts
   * await server.stop();
   * ```
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    const exited =
      this.guard.exitCode !== null || this.guard.signalCode !== null
        ? Promise.resolve()
        : new Promise<void>((resolve) => this.guard.once("exit", () => resolve()));
    // Closing the shell's stdin makes it stop the server and wait for it.
    this.guard.stdin?.end();
    const timer = setTimeout(() => this.stopNow(), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
    this.stopNow(); // nothing left to stop: removes the folder
  }
}
