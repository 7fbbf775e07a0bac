// The transaction explorer: a static table that stands without scripts, and a script that, run
// against a stand-in for the page (the few DOM calls it makes), steps through an interleaving: who
// can move, who waits for whom, the server's view of each session, the end with the checker's
// verdict. (No browser here: the script's container lookup is the one lesson 11's explorer uses,
// which test/e2e drives in JupyterLab and the classic Notebook.)
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as vm from "vm";
import { HERMITAGE_TESTS, RaceLabArgumentError, database, exploreTransactions, transactionExplorerHtml } from "race-lab";

after(() => database().end());

/** Runs the explorer's script on a stand-in page; returns its live HTML and a way to click a button. */
function mount(html: string) {
  const data = /<script type="application\/json" class="rl-data">([\s\S]*?)<\/script>/.exec(html)![1];
  const script = /<script>([\s\S]*?)<\/script><\/div>$/.exec(html)![1];
  let onClick: ((e: unknown) => void) | undefined;
  const live = { className: "", innerHTML: "", addEventListener: (_: string, fn: (e: unknown) => void) => (onClick = fn) };
  const attributes: Record<string, string> = {};
  const root = {
    querySelector: (selector: string) => (selector === "script.rl-data" ? { textContent: data } : { style: { display: "" } }),
    getAttribute: (name: string) => attributes[name] ?? null,
    setAttribute: (name: string, value: string) => (attributes[name] = value),
    appendChild: () => undefined,
  };
  const document = { currentScript: { closest: () => root }, getElementById: () => root, createElement: () => live };
  vm.runInNewContext(script, { document, setTimeout, setInterval: () => 0, clearInterval: () => undefined });
  const click = (cls: string, attribute?: [string, string]) => {
    const tag = new RegExp(`<button class=["']${cls}[^"']*["']${attribute ? ` ${attribute[0]}="${attribute[1]}"` : ""}`).exec(live.innerHTML);
    assert.ok(tag, `a button ${cls} ${attribute?.join("=") ?? ""} in ${live.innerHTML.slice(0, 300)}`);
    const button = { classList: { contains: (c: string) => c === cls }, getAttribute: (name: string) => (attribute && name === attribute[0] ? attribute[1] : null) };
    onClick!({ target: { closest: () => button } });
  };
  return { live, click };
}

test("stepping through the lost update by hand: a wait, the answer at the commit, the checker's cycle", async () => {
  const p4 = HERMITAGE_TESTS.find((t) => t.id === "P4")!.options;
  const report = await exploreTransactions({ ...p4, levels: ["READ COMMITTED"], details: true });
  const html = transactionExplorerHtml(report, { title: "P4 </script>" });
  assert.ok(html.includes("P4 &lt;/script&gt;"));
  assert.equal((html.match(/<tr>/g) ?? []).length, report.interleavings.length + 1, "the static table: a header and a row per interleaving");
  const { live, click } = mount(html);
  assert.match(live.innerHTML, /T1 runs its next statement/);
  assert.match(live.innerHTML, /T2 runs its next statement/);
  for (const t of ["0", "1", "0"]) click("rl-go", ["data-tx", t]);   // T1 reads, T2 reads, T1 updates
  assert.match(live.innerHTML, /RowExclusiveLock on test/, "the server's view of T1's locks");
  click("rl-go", ["data-tx", "1"]);                                   // T2's UPDATE waits for T1's row
  assert.match(live.innerHTML, /waits for T1/);
  assert.doesNotMatch(live.innerHTML, /data-tx="1"/, "a waiting transaction cannot move");
  click("rl-go", ["data-tx", "0"]);                                   // T1 commits: T2's UPDATE answers
  assert.doesNotMatch(live.innerHTML, /waits for T1/);
  click("rl-go", ["data-tx", "1"]);                                   // T2 commits
  assert.match(live.innerHTML, /the check failed/);
  assert.match(live.innerHTML, /checker: lost update: T2 —rw test:1→ T1 —ww test:1→ T2/);
  assert.match(live.innerHTML, /<svg/);
  click("rl-back");
  assert.doesNotMatch(live.innerHTML, /the check failed/);
  click("rl-restart");
  assert.match(live.innerHTML, /<button class="rl-back" disabled>/, "back to the start: nothing to go back to");
  assert.throws(() => transactionExplorerHtml({} as never), RaceLabArgumentError);
});
