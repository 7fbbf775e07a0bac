// How busy the machine's processors are right now, from /proc/stat (Linux): what a background job
// (starting spare processes) asks before it takes a core from whatever the student runs next.
import * as fs from "fs";

/** The machine's processor time so far (in clock ticks), busy and in all; undefined without /proc/stat. */
function processorTimes(): { busy: number; total: number } | undefined {
  try {
    // The first line sums every core: "cpu  user nice system idle iowait irq softirq steal …".
    const fields = fs.readFileSync("/proc/stat", "utf8").split("\n", 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
    if (fields.length < 5 || fields.some((n) => !Number.isFinite(n))) return undefined;
    const total = fields.reduce((sum, n) => sum + n, 0);
    return { busy: total - fields[3] - fields[4], total };
  } catch {
    return undefined;
  }
}

/**
 * The share of the machine's processor time that was busy during the next `sampleMs` (0: idle,
 * 1: every core busy), or undefined where /proc/stat cannot be read (not Linux).
 *
 * @internal
 * @example
 * ```ts
 * if (((await busyShare()) ?? 0) < 0.25) startSomethingInTheBackground();
 * ```
 * Warning: the whole machine's share, other users' work included, in clock ticks of 10 ms: a sample
 * shorter than about 100 ms reads mostly noise. The wait does not keep the process alive.
 */
export async function busyShare(sampleMs = 200): Promise<number | undefined> {
  const before = processorTimes();
  await new Promise((resolve) => setTimeout(resolve, sampleMs).unref());
  const after = processorTimes();
  if (!before || !after || after.total <= before.total) return undefined;
  return (after.busy - before.busy) / (after.total - before.total);
}
