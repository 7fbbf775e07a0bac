// The transaction explorer: a static table that stands without scripts, and a script that, run
// against a stand-in for the page, steps through an interleaving: who can move, who waits for whom,
// the server's view of each session, the end with the checker's verdict, each step said in the live
// region.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mountStepper } from "../helpers/stepper-page";
import { HERMITAGE_TESTS, database, exploreTransactions } from "race-lab";
import { RaceLabArgumentError, transactionExplorerHtml } from "race-lab/internal";

after(() => database().end());

test("stepping through the lost update by hand: a wait, the answer at the commit, the checker's cycle", async () => {
  const p4 = HERMITAGE_TESTS.find((t) => t.id === "P4")!.options;
  const report = await exploreTransactions({ ...p4, levels: ["READ COMMITTED"], details: true });
  const html = transactionExplorerHtml(report, { title: "P4 </script>" });
  assert.ok(html.includes("P4 &lt;/script&gt;"));
  assert.equal(
    (html.match(/<tr>/g) ?? []).length,
    report.interleavings.length + 1,
    "the static table: a header and a row per interleaving",
  );
  const { live, said, click } = mountStepper(html);
  assert.equal(said.attributes["aria-live"], "polite");
  assert.match(said.textContent, /the start: READ COMMITTED/);
  assert.match(live.innerHTML, /T1 runs its next statement/);
  assert.match(live.innerHTML, /T2 runs its next statement/);
  for (const t of ["0", "1", "0"]) click("rl-go", ["data-tx", t]); // T1 reads, T2 reads, T1 updates
  assert.match(live.innerHTML, /RowExclusiveLock on test/, "the server's view of T1's locks");
  click("rl-go", ["data-tx", "1"]); // T2's UPDATE waits for T1's row
  assert.match(live.innerHTML, /waits for T1/);
  assert.match(said.textContent, /^T2 sent UPDATE .*, it waits for T1$/, "the live region says the step and the wait");
  assert.doesNotMatch(live.innerHTML, /data-tx="1"/, "a waiting transaction cannot move");
  click("rl-go", ["data-tx", "0"]); // T1 commits: T2's UPDATE answers
  assert.doesNotMatch(live.innerHTML, /waits for T1/);
  click("rl-go", ["data-tx", "1"]); // T2 commits
  assert.match(live.innerHTML, /the check failed/);
  assert.match(said.textContent, /^the end: .*✗ the check failed$/);
  assert.match(live.innerHTML, /checker: lost update: T2 —rw test:1→ T1 —ww test:1→ T2/);
  assert.match(live.innerHTML, /<svg/);
  click("rl-back");
  assert.doesNotMatch(live.innerHTML, /the check failed/);
  click("rl-restart");
  assert.match(live.innerHTML, /<button class="rl-back" disabled>/, "back to the start: nothing to go back to");
  assert.throws(() => transactionExplorerHtml({} as never), RaceLabArgumentError);
});
