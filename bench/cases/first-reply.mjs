// first-reply: does a fresh kernel answer the first request it is sent? `--starts N` kernel starts
// (300 by default, 6 in a quick run), three at a time, each asked for kernel_info the moment its shell
// port takes connections (scripts/first-reply.mjs; the same harsh client for every kernel). The time
// is start → first reply; an anomaly is a first request left unanswered (a later one answered, none
// within TIMEOUT_MS, or the kernel ended). The course's kernel (what the kernelspec runs,
// src/kernel/launcher.cjs) beside tslab as installed (its own bin/tslab), and Python's ipykernel
// (its kernelspec, through the Jupyter Python).
import { firstReply } from "../../scripts/first-reply.mjs";
import { createRequire } from "node:module";
import { kernelSpec } from "../../scripts/kernelspec.mjs";
import { JUPYTER_PYTHON, ROOT, runCommand } from "../lib.mjs";

const { TSLAB_BIN } = createRequire(import.meta.url)("../../src/kernel/tslab-modules.cjs");

const AT_A_TIME = 3;
// Twice the front ends' 60-s wait: a start that a loaded machine slows is not counted as unanswered.
const TIMEOUT_MS = 120_000;

/** `starts` kernel starts of `argv`, AT_A_TIME at once: one sample per start. */
async function starts(label, argv, count) {
  const samples = [];
  let begun = 0;
  const one = async () => {
    while (begun < count) {
      begun++;
      const r = await firstReply(argv, { cwd: ROOT, timeoutMs: TIMEOUT_MS });
      samples.push({ ms: r.ms, anomaly: r.outcome !== "answered", observed: r.outcome });
      if (samples.length % 25 === 0 || samples.length === count) {
        const unanswered = samples.filter((s) => s.anomaly).length;
        process.stderr.write(`  ${label}: ${samples.length}/${count} starts, ${unanswered} first request(s) unanswered\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: AT_A_TIME }, one));
  return samples;
}

const count = ({ starts: n, quick }) => n ?? (quick ? 6 : 300);

async function ipykernelArgv() {
  const code =
    "import json; from jupyter_client.kernelspec import KernelSpecManager as K; print(json.dumps(K().get_kernel_spec('python3').argv))";
  return JSON.parse(await runCommand(JUPYTER_PYTHON, ["-c", code], { timeoutMs: 60_000 }));
}

export default [
  {
    name: "first-reply",
    title: `a fresh kernel's first request: start → first reply, and how many go unanswered (${AT_A_TIME} starts at a time)`,
    reps: { full: 1, quick: 1 },
    heavy: true,
    rows: [
      {
        variant: "the course's kernel (the kernelspec) vs ipykernel: start → first reply; anomaly = first request unanswered",
        ts: "kernel",
        py: "ipykernel",
        kind: "safe",
        unit: "ms",
      },
      {
        variant: "tslab as installed (bin/tslab kernel): start → first reply; anomaly = first request unanswered",
        ts: "tslab",
        py: null,
        kind: "rare",
        unit: "ms",
      },
    ],
    ts: async (ctx) => ({
      kernel: await starts("the course's kernel", kernelSpec().argv, count(ctx)),
      tslab: await starts("tslab as installed", [process.execPath, TSLAB_BIN, "kernel", "--config-path", "{connection_file}"], count(ctx)),
    }),
    py: async (ctx) => ({ ipykernel: await starts("ipykernel", await ipykernelArgv(), count(ctx)) }),
  },
];
