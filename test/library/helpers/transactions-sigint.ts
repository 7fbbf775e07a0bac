// Interrupts an exploration of transactions while a statement runs on the server, either as a plain
// node script (it must end by SIGINT, as Ctrl-C would) or like the tslab kernel (own SIGINT listener,
// the exploration started from code run by vm with breakOnSigint: it must survive, the exploration
// rejected, its connections ended, the kernel's server and schema kept for the next cell). Usage: node --import tsx test/library/helpers/transactions-sigint.ts plain|kernel
import * as vm from "vm";
import * as raceLab from "race-lab/internal";

const kernel = process.argv[2] === "kernel";
if (kernel) process.on("SIGINT", () => console.log("KERNEL LISTENER RAN"));
(globalThis as any).__raceLab = raceLab;
const cell = `__raceLab.exploreTransactions({
  setup: "CREATE TABLE t (id int)",
  transactions: [["SELECT pg_sleep(60)"], ["SELECT 1"]],
  timeoutMs: 120000,
})`;
const running: Promise<unknown> = kernel ? vm.runInThisContext(cell, { breakOnSigint: true }) : vm.runInThisContext(cell);
running.then(
  () => console.log("FINISHED (should not happen)"),
  async (error) => {
    console.log("REJECTED", error.name);
    // The kernel's server outlives an interrupt; the interrupted run's connections (the sleep) do not.
    const db = raceLab.database();
    const { rows } = await db.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)'");
    console.log("STILL ALIVE", db.isOpen, raceLab.EmbeddedServer.all().length, "SLEEPERS", rows[0].n);
    await db.end();
    console.log("ENDED", raceLab.EmbeddedServer.all().length);
  },
);
// Interrupt once the sleep runs on the server (the exploration is then mid-interleaving).
const watch = setInterval(async () => {
  if (!raceLab.database().isOpen) return;
  const { rows } = await raceLab
    .database()
    .query("SELECT count(*) AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' AND state = 'active'");
  if (Number(rows[0].n) > 0) {
    clearInterval(watch);
    console.log("MID EXPLORATION");
    process.kill(process.pid, "SIGINT");
  }
}, 100);
