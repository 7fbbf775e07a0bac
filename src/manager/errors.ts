// The manager's errors: it could not be reached or answer (ManagerError), or a method threw there (RemoteError).
import { RaceLabError } from "../core/errors";

/**
 * The manager could not be reached, did not answer in time, or was shut down.
 *
 * @example
 * ```ts
 * await manager.shutdown();
 * await pool.get(); // ManagerError: the manager was shut down …
 * ```
 * Warning: once the manager is shut down or its process has ended, every later call fails the same way: start a new
 * Manager rather than retry.
 */
export class ManagerError extends RaceLabError {}

/**
 * A method of a managed object threw, in the manager's process. `message` is the original error's
 * message; `remoteName` its name (e.g. "Error", "TypeError", "Empty" for a queue get that timed out).
 *
 * @example
 * ```ts
 * try { await pool.get(); } catch (e) { if (e instanceof RemoteError) console.log(e.remoteName, e.message); }
 * ```
 * Warning: the method ran in the manager's process: what it changed before throwing stays changed. Only the error's
 * name, message and stack cross, not its class.
 */
export class RemoteError extends RaceLabError {
  constructor(
    message: string,
    /** The original error's name. */
    readonly remoteName: string,
    /** The original stack trace, in the manager's process. */
    readonly remoteStack: string | undefined,
    /** What was called, e.g. "ConnectionPool.get()". */
    readonly call: string,
  ) {
    super(message);
  }
}
