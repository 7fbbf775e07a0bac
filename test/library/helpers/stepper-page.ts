// A stand-in for the page an explorer's script runs in: the few DOM calls the stepper makes
// (its container, two new elements, clicks on buttons found in the drawn HTML). Returns the drawn
// HTML, what the live region says, and a way to click a button. (No browser here: test/e2e clicks
// through the same scripts in JupyterLab and the classic Notebook.)
import assert from "node:assert/strict";
import * as vm from "vm";

interface StandIn {
  className: string;
  innerHTML: string;
  textContent: string;
  attributes: Record<string, string>;
  setAttribute(name: string, value: string): void;
  addEventListener(type: string, fn: (e: unknown) => void): void;
}

/** Runs the script of an explorer's HTML on a stand-in page. */
export function mountStepper(html: string) {
  const data = /<script type="application\/json" class="rl-data">([\s\S]*?)<\/script>/.exec(html)![1];
  const script = /<script>([\s\S]*?)<\/script><\/div>$/.exec(html)![1];
  let onClick: ((e: unknown) => void) | undefined;
  const created: StandIn[] = [];
  const element = (): StandIn => {
    const e: StandIn = {
      className: "",
      innerHTML: "",
      textContent: "",
      attributes: {},
      setAttribute: (name, value) => (e.attributes[name] = value),
      addEventListener: (_, fn) => (onClick = fn),
    };
    created.push(e);
    return e;
  };
  const root = element();
  const page = {
    querySelector: (selector: string) => (selector === "script.rl-data" ? { textContent: data } : { style: { display: "" } }),
    getAttribute: (name: string) => root.attributes[name] ?? null,
    setAttribute: root.setAttribute,
    appendChild: () => undefined,
  };
  const document = { currentScript: { closest: () => page }, getElementById: () => page, createElement: element, activeElement: null };
  vm.runInNewContext(script, { document, setTimeout, setInterval: () => 0, clearInterval: () => undefined });
  const live = created.find((e) => e.className === "rl-live")!;
  const said = created.find((e) => e.className === "rl-said")!;
  assert.ok(live && said, "the script adds the live view and its announcement region");
  const click = (cls: string, attribute?: [string, string]) => {
    const tag = new RegExp(`<button class=["']${cls}[^"']*["']${attribute ? ` ${attribute[0]}="${attribute[1]}"` : ""}`).exec(
      live.innerHTML,
    );
    assert.ok(tag, `a button ${cls} ${attribute?.join("=") ?? ""} in ${live.innerHTML.slice(0, 300)}`);
    const button = {
      classList: { contains: (c: string) => c === cls },
      getAttribute: (name: string) => (attribute && name === attribute[0] ? attribute[1] : null),
    };
    onClick!({ target: { closest: () => button } });
  };
  return { live, said, click };
}
