import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RaceLabArgumentError } from "./errors";

/** The environment variable that sets the core count the course uses, whatever the machine has. */
export const CORES_VARIABLE = "RACE_LAB_CORES";
/** The environment variable that points the quota reader at another cgroup folder (tests). */
export const CGROUP_ROOT_VARIABLE = "RACE_LAB_CGROUP_ROOT";
/** The most cores {@link usableCores} accepts from {@link CORES_VARIABLE}. */
export const MAX_CORES_OVERRIDE = 1024;

/** Which limit gave {@link usableCores} its count. */
export type CoreLimit = "override" | "cgroup quota" | "affinity" | "availableParallelism";

/**
 * How many cores this process may really keep busy at once, and which limit said so.
 *
 * @example
 * ```ts
 * const c: CoreCount = usableCores(); // { cores: 1, limitedBy: "cgroup quota", quota: 1, … }
 * ```
 */
export interface CoreCount {
  /** Cores the process may really use at once: the smallest of the limits below, at least 1. */
  cores: number;
  /** The limit that set `cores`. */
  limitedBy: CoreLimit;
  /** `os.availableParallelism()`: what Node reports. */
  availableParallelism: number;
  /** CPUs in this process's affinity mask, when it can be read. */
  affinity?: number;
  /** The cgroup's CPU quota in CPUs (quota ÷ period, may be fractional), when one is set. */
  quota?: number;
  /** The file the quota came from. */
  quotaFile?: string;
}

/**
 * Where to look, for tests: a fake cgroup folder, a fake environment, a fake `/proc/self/status`.
 *
 * @example
 * ```ts
 * usableCores({ cgroupRoot: "/tmp/fake-cgroup", env: {} });
 * ```
 */
export interface CoreSources {
  /** The cgroup file system's root; default `RACE_LAB_CGROUP_ROOT`, else `/sys/fs/cgroup`. */
  cgroupRoot?: string;
  /** Environment to read `RACE_LAB_CORES` from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The process status file holding `Cpus_allowed_list`; default `/proc/self/status`. */
  statusFile?: string;
}

/**
 * The cores this process may really use at once. Node's `os.availableParallelism()` counts the
 * affinity mask but, on Node 20, not a container's CPU quota (Binder, a hub's pod): a 1-CPU pod on a
 * 32-core host reports 32. This reads, in order: the `RACE_LAB_CORES` override; the cgroup quota
 * (v2 `cpu.max`, v1 `cpu.cfs_quota_us` ÷ `cpu.cfs_period_us`, rounded up: a 1.5-CPU quota lets two
 * threads run at once part of the time); the affinity mask (`Cpus_allowed_list`); then
 * `os.availableParallelism()`. The smallest wins.
 *
 * @example
 * ```ts
 * const { cores, limitedBy } = usableCores();
 * console.log(`${cores} cores (${limitedBy})`);
 * ```
 * Warning: a quota is a share of time, not a set of cores: with a quota of 1, two threads still both
 * run, taking turns within each period. Throws {@link RaceLabArgumentError} when `RACE_LAB_CORES` is
 * not an integer from 1 to 1024.
 */
export function usableCores(sources: CoreSources = {}): CoreCount {
  const env = sources.env ?? process.env;
  const available = os.availableParallelism();
  const result: CoreCount = { cores: available, limitedBy: "availableParallelism", availableParallelism: available };
  const affinity = affinityCount(sources.statusFile ?? "/proc/self/status");
  if (affinity !== undefined) result.affinity = affinity;
  const quota = cgroupQuota(sources.cgroupRoot ?? (env[CGROUP_ROOT_VARIABLE] || "/sys/fs/cgroup"));
  if (quota) {
    result.quota = quota.cpus;
    result.quotaFile = quota.file;
  }
  if (affinity !== undefined && affinity < result.cores) {
    result.cores = affinity;
    result.limitedBy = "affinity";
  }
  if (quota && Math.max(1, Math.ceil(quota.cpus)) < result.cores) {
    result.cores = Math.max(1, Math.ceil(quota.cpus));
    result.limitedBy = "cgroup quota";
  }
  const override = env[CORES_VARIABLE];
  if (override !== undefined && override !== "") {
    result.cores = parseOverride(override);
    result.limitedBy = "override";
  }
  return result;
}

function parseOverride(text: string): number {
  const n = Number(text.trim());
  if (!/^\s*\d+\s*$/.test(text) || !Number.isInteger(n) || n < 1 || n > MAX_CORES_OVERRIDE) {
    throw new RaceLabArgumentError(
      `the environment variable ${CORES_VARIABLE}`,
      `an integer from 1 to ${MAX_CORES_OVERRIDE} (unset it to use the machine's own count)`,
      text,
    );
  }
  return n;
}

/** Counts the CPUs in `Cpus_allowed_list` ("0-3,6"), or undefined when the file is not there. */
function affinityCount(statusFile: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(statusFile, "utf8");
  } catch {
    return undefined; // not Linux, or no /proc: availableParallelism already counts the mask
  }
  const line = /^Cpus_allowed_list:\s*(.+)$/m.exec(text);
  if (!line) return undefined;
  let count = 0;
  for (const part of line[1].trim().split(",")) {
    const [from, to] = part.split("-").map((s) => Number(s));
    if (!Number.isInteger(from)) return undefined;
    count += to === undefined ? 1 : Number.isInteger(to) && to >= from ? to - from + 1 : NaN;
  }
  return Number.isFinite(count) && count > 0 ? count : undefined;
}

/** The smallest CPU quota from the cgroup files under `root`, or undefined when none is set. */
function cgroupQuota(root: string): { cpus: number; file: string } | undefined {
  let best: { cpus: number; file: string } | undefined;
  const consider = (cpus: number | undefined, file: string) => {
    if (cpus !== undefined && cpus > 0 && (!best || cpus < best.cpus)) best = { cpus, file };
  };
  for (const folder of cgroupFolders(root)) {
    const v2 = path.join(folder, "cpu.max");
    consider(readV2(v2), v2);
    const quota = path.join(folder, "cpu.cfs_quota_us");
    consider(readV1(quota, path.join(folder, "cpu.cfs_period_us")), quota);
  }
  return best;
}

/**
 * The folders that may hold this process's CPU limits: the root, the v1 cpu controller's folder,
 * and, when the root is the host's (no cgroup namespace), this process's own cgroup and its parents.
 */
function cgroupFolders(root: string): string[] {
  const bases = [root, ...["cpu", "cpu,cpuacct", "cpuacct,cpu"].map((c) => path.join(root, c))];
  const folders = new Set(bases);
  let own: string[] = [];
  try {
    own = fs.readFileSync("/proc/self/cgroup", "utf8").split("\n");
  } catch {
    // no /proc: the root's files are all there is
  }
  for (const line of own) {
    const [, controllers, where] = line.split(":");
    if (!where || where === "/") continue;
    const base =
      controllers === ""
        ? root
        : controllers?.split(",").includes("cpu")
          ? bases.find((b) => fs.existsSync(path.join(b, "cpu.cfs_quota_us")))
          : undefined;
    if (!base) continue;
    for (let p = where; p !== "/" && p !== "."; p = path.posix.dirname(p)) folders.add(path.join(base, p));
  }
  return [...folders];
}

function readV2(file: string): number | undefined {
  const text = readSmall(file);
  if (!text) return undefined;
  const [quota, period = "100000"] = text.trim().split(/\s+/);
  if (quota === "max") return undefined;
  const q = Number(quota);
  const p = Number(period);
  return q > 0 && p > 0 ? q / p : undefined;
}

function readV1(quotaFile: string, periodFile: string): number | undefined {
  const quota = Number(readSmall(quotaFile)?.trim());
  const period = Number(readSmall(periodFile)?.trim());
  return quota > 0 && period > 0 ? quota / period : undefined; // -1: no quota
}

function readSmall(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
