// usableCores() counts the cores a process may really use: a container's CPU quota (cgroup v2
// cpu.max, v1 cfs quota ÷ period), the affinity mask, then availableParallelism, or RACE_LAB_CORES.
// Each case reads a fake cgroup folder, so it runs the same on any machine.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { machineInfo } from "race-lab";
import { RaceLabArgumentError, usableCores } from "race-lab/internal";

const roots: string[] = [];
function fakeCgroup(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "race-lab-cgroup-"));
  roots.push(root);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}
test.after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

// A status file allowing every CPU Node sees, so that only the quota can lower the count.
const wide = fakeCgroup({ status: `Name:\tnode\nCpus_allowed_list:\t0-${os.availableParallelism() - 1}\n` });
const statusFile = path.join(wide, "status");

test("cgroup v2: a 1-CPU quota in cpu.max gives 1 core, named as the limit", () => {
  const root = fakeCgroup({ "cpu.max": "100000 100000\n" });
  const c = usableCores({ cgroupRoot: root, env: {}, statusFile });
  assert.equal(c.quota, 1);
  assert.equal(c.quotaFile, path.join(root, "cpu.max"));
  if (os.availableParallelism() > 1) assert.deepEqual([c.cores, c.limitedBy], [1, "cgroup quota"]);
  else assert.equal(c.cores, 1);
});

test("cgroup v2: 'max' is no quota; a fractional quota rounds up", () => {
  const none = usableCores({ cgroupRoot: fakeCgroup({ "cpu.max": "max 100000\n" }), env: {}, statusFile });
  assert.equal(none.quota, undefined);
  assert.equal(none.cores, os.availableParallelism());
  const half = usableCores({ cgroupRoot: fakeCgroup({ "cpu.max": "50000 100000\n" }), env: {}, statusFile });
  assert.equal(half.quota, 0.5);
  assert.equal(half.cores, 1);
  const oneAndHalf = usableCores({ cgroupRoot: fakeCgroup({ "cpu.max": "150000 100000\n" }), env: {}, statusFile });
  assert.equal(oneAndHalf.cores, Math.min(2, os.availableParallelism()));
});

test("cgroup v1: cfs quota ÷ period in the cpu controller's folder; -1 is no quota", () => {
  const root = fakeCgroup({ "cpu,cpuacct/cpu.cfs_quota_us": "50000\n", "cpu,cpuacct/cpu.cfs_period_us": "50000\n" });
  const c = usableCores({ cgroupRoot: root, env: {}, statusFile });
  assert.equal(c.quota, 1);
  assert.equal(c.cores, 1);
  const none = fakeCgroup({ "cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n" });
  assert.equal(usableCores({ cgroupRoot: none, env: {}, statusFile }).quota, undefined);
});

test("the affinity mask limits the count when it is smaller", () => {
  if (os.availableParallelism() < 2) return; // one CPU: nothing smaller to show
  const status = path.join(fakeCgroup({ status: "Cpus_allowed_list:\t3\n" }), "status");
  const c = usableCores({ cgroupRoot: fakeCgroup({}), env: {}, statusFile: status });
  assert.deepEqual([c.cores, c.affinity, c.limitedBy], [1, 1, "affinity"]);
  const ranges = path.join(fakeCgroup({ status: "Cpus_allowed_list:\t0-1,4,6-7\n" }), "status");
  assert.equal(usableCores({ cgroupRoot: fakeCgroup({}), env: {}, statusFile: ranges }).affinity, 5);
});

test("RACE_LAB_CORES overrides every limit; bad values are named clearly", () => {
  const root = fakeCgroup({ "cpu.max": "100000 100000\n" });
  assert.deepEqual(
    (({ cores, limitedBy }) => ({ cores, limitedBy }))(usableCores({ cgroupRoot: root, env: { RACE_LAB_CORES: "64" }, statusFile })),
    { cores: 64, limitedBy: "override" },
  );
  for (const bad of ["0", "-2", "1.5", "many", "2000"]) {
    assert.throws(
      () => usableCores({ cgroupRoot: root, env: { RACE_LAB_CORES: bad }, statusFile }),
      (e: unknown) => e instanceof RaceLabArgumentError && /RACE_LAB_CORES must be an integer from 1 to 1024/.test(e.message),
    );
  }
});

test("machineInfo() reports the quota read from RACE_LAB_CGROUP_ROOT, and the override", () => {
  const root = fakeCgroup({ "cpu.max": "100000 100000\n" });
  const saved = { ...process.env };
  try {
    process.env.RACE_LAB_CGROUP_ROOT = root;
    delete process.env.RACE_LAB_CORES;
    const info = machineInfo();
    assert.equal(info.cpuQuota, 1);
    assert.equal(info.cores, 1);
    process.env.RACE_LAB_CORES = "64";
    assert.deepEqual([machineInfo().cores, machineInfo().coresLimitedBy], [64, "override"]);
  } finally {
    process.env = saved;
  }
});

test("the real machine: a count from 1 to what Node reports, with a named limit", () => {
  const c = usableCores({ env: {} });
  assert.ok(c.cores >= 1 && c.cores <= os.availableParallelism());
  assert.ok(["cgroup quota", "affinity", "availableParallelism"].includes(c.limitedBy));
});
