// The anonymous id a student's records carry in the class's statistics: the same for every kernel the
// student starts, different for each student, and no name in it. The class can see who has not run a
// lesson (by id); only whoever knows the class's salt and the login names can tell whose id is whose.

import { createHash } from "node:crypto";
import * as os from "node:os";
import { RaceLabArgumentError } from "../core/errors";

/** The variable that sets the id outright (a hub may hand each student one). */
export const STUDENT_ID_VARIABLE = "RACE_LAB_STUDENT_ID";
/** A secret of the class, mixed into each id, so that ids cannot be recomputed from login names. */
export const CLASS_SALT_VARIABLE = "RACE_LAB_CLASS_SALT";

/**
 * This student's anonymous id: `RACE_LAB_STUDENT_ID` when set, else 12 hex digits of a SHA-256 of the
 * class salt and the login (JupyterHub's user name on a hub, else user@host).
 *
 * @example
 * ```ts
 * studentId(); // "3f9a0c41d2e7"
 * ```
 * Warning: without `RACE_LAB_CLASS_SALT` anyone who knows a login name can compute its id.
 */
export function studentId(env: NodeJS.ProcessEnv = process.env): string {
  const given = env[STUDENT_ID_VARIABLE]?.trim();
  if (given) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(given))
      throw new RaceLabArgumentError(STUDENT_ID_VARIABLE, "1 to 64 letters, digits, '-' or '_'", given);
    return given;
  }
  const login = env.JUPYTERHUB_USER?.trim() || `${os.userInfo().username}@${os.hostname()}`;
  return createHash("sha256")
    .update(`race-lab-student\0${env[CLASS_SALT_VARIABLE] ?? ""}\0${login}`)
    .digest("hex")
    .slice(0, 12);
}
