// The kernel's PostgreSQL in a real kernel, driven as Jupyter drives it: interrupting a cell that
// waits on the database ends its query but not the server (the next cell reads the same tables), and
// restarting the kernel in the middle of such a cell leaves no postgres process and no folder behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { findHarnessPython } from "../../../scripts/jupyter.mjs";

const ROOT = path.resolve(__dirname, "..", "..", "..");

test("an interrupt ends the cell's query, not the server; a restart mid-cell leaves no postgres process behind", (t) => {
  const python = findHarnessPython();
  if (!python) return t.skip("no Python with jupyter_client here");
  const r = spawnSync(python, [path.join(__dirname, "..", "helpers", "database-kernel.py"), path.join(ROOT, "notebooks")], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 400_000,
  });
  const found = JSON.parse(r.stdout.trim().split("\n").pop() || "{}");
  const why = `${r.stdout}\n${r.stderr}`;
  assert.ok(found.first_server?.length >= 2, `the first cell's server ran: ${why}`);
  assert.equal(found.interrupted_cell, "error", why);
  assert.equal(found.long_query_ended, true, `the interrupted cell's query was ended: ${why}`);
  assert.equal(found.kernel_alive_after_interrupt, "ok", `the kernel answers after the interrupt: ${why}`);
  assert.equal(found.table_read_after_interrupt, "ok", `the next cell reads the table made before the interrupt: ${why}`);
  assert.equal(found.server_survived_interrupt, true, `the server survived the interrupt: ${why}`);
  assert.equal(found.postmasters_after_interrupt, 1, `no second server was started: ${why}`);
  assert.ok(found.second_server?.length >= 2, `the second cell's server ran: ${why}`);
  assert.equal(found.gone_after_restart, true, `postgres processes left after the restart: ${why}`);
  assert.equal(found.old_kernel_gone, true, why);
  assert.deepEqual(found.folders_left, [], why);
});
