#!/usr/bin/env python3
"""Race Lab's grader backend: runs one assembled submission, one cell at a time, in a fresh tslab kernel.

Usage: backend.py JOB.json RESULT.json      (grader/runner.mjs writes JOB and reads RESULT)

JOB and RESULT are defined, with the roles and statuses they name, in grader/schema.json; both are
validated here (and the verdicts the judge writes), as runner.mjs validates them on its side.
Each cell's metadata.race_lab_grading.role says what it is: `setup` is the grader's own first cell (its
source is written here: it installs the judge with a fresh secret), run again after every kernel
restart, and must succeed; a `test` cell calls the judge, which runs the source's test and writes a
verdict signed with the secret.

How a cell runs (so that a submission cannot fake or hide its result):
- one execute request at a time; after a reply that is not ok we wait out tslab's 200 ms abort window
  before the next request, and a cell answered `abort` anyway is sent once more;
- a cell past the timeout: interrupt (the course library ends its threads and children on SIGINT),
  then kill the kernel, end every process it left, start a fresh one, re-run the setup and the earlier
  non-test cells quietly, and go on with the next cell (at most MAX_RESTARTS times);
- this process is a child subreaper (prctl), so a process that double-forks or detaches from the kernel
  is re-parented here and still found; runner.mjs also runs us in a PID namespace where it can.
  Afterwards every process the kernels started is ended: our descendants, and whatever carries the
  run's marker in its environment (processes.py's ProcessWatcher, shared with the notebook harness).
- the verdict: a test counts only through a line in the verdict file that starts with this kernel's
  secret (handed to the judge in a file it deletes before any student code runs); the kernel's reply
  status comes from the student's process and is never enough.
"""
import json
import os
import signal
import sys
import time
import uuid

import nbformat

from feedback_charts import add_untrusted_charts
from kernel import ABORT_WINDOW_S, Kernel, error_of, output_text
from processes import MARKER_VAR, become_subreaper, end_processes
from schema import CELL_STATUS, ROLE, validate
from verdicts import Verdicts

MAX_RESTARTS = 3
# After the kernel is gone, its runs' children get a moment to exit by themselves (the library ends
# them at exit); whatever is still there then is killed. Short: a grader does not judge cleanliness.
LEFTOVER_GRACE_S = 0.5
REPLAYED = (ROLE["setup"], ROLE["locked"], ROLE["solution"], ROLE["student"])


class Stopped(Exception):
    """SIGTERM from runner.mjs: the submission ran past its limit. Stop, clean up, report what ran."""


def on_sigterm(signum, frame):
    raise Stopped("the submission ran past its time limit")


LIBRARY_ENTRIES = ("race-lab", "race-lab/course", "race-lab/instructor")


def setup_source(judge, secret_file, verdict_file):
    config = {"secretFile": secret_file, "verdictFile": verdict_file, "typescript": judge["typescript"], "tests": judge["tests"]}
    # The judge gets the library's public names in one object: the lesson's (race-lab), the checks and
    # expect* helpers (race-lab/course), and the verdict as a value (race-lab/instructor).
    library = "Object.assign({}, " + ", ".join(f'require("{entry}")' for entry in LIBRARY_ENTRIES) + ")"
    # vega-lite adds Set.prototype.toJSON as it loads: a chart drawn first, before the judge locks the
    # built-ins, or no chart of the submission could be drawn (a chart that fails is reported in its cell).
    return ("// Race Lab grader: installs the judge before any student code runs (grader/judge.cjs).\n"
            "await require(\"race-lab\").renderVegaLite({ mark: \"point\", data: { values: [] } }).catch(() => undefined);\n"
            f"require({json.dumps(judge['module'])}).install({json.dumps(config)}, {library});")


def grading_of(cell):
    """The cell's role and grade_id, as the job gives them (validated: every cell has both)."""
    meta = cell.metadata["race_lab_grading"]
    return meta["role"], meta["grade_id"]


def role_of(cell):
    return grading_of(cell)[0]


def write_feedback(job, nb):
    """The executed notebook as the student sees it: the tests' own text, not the calls into the judge,
    and charts that show although the notebook opens untrusted (feedback_charts.py)."""
    feedback = nbformat.reads(json.dumps(job["notebook"]), as_version=4)
    shown = job["feedback_sources"]
    for index, (cell, ran) in enumerate(zip(feedback.cells, nb.cells)):
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = ran.outputs, ran.get("execution_count")
        if str(index) in shown:
            cell.source = shown[str(index)]
    feedback.cells = [c for c in feedback.cells if role_of(c) != ROLE["setup"]]
    for c in feedback.cells:
        c.metadata.pop("race_lab_grading", None)
    add_untrusted_charts(feedback.cells)
    nbformat.write(feedback, job["notebook_out"])


def grade(job):
    nb = nbformat.reads(json.dumps(job["notebook"]), as_version=4)
    ok, timeout, dead = CELL_STATUS["ok"], CELL_STATUS["timeout"], CELL_STATUS["dead"]
    results = {}
    restarts = []
    watchers = []
    ended_early = []
    fatal = None
    marker = uuid.uuid4().hex
    os.environ[MARKER_VAR] = marker  # inherited by the kernel and everything it starts
    os.environ["RACE_LAB_GRADING"] = "1"
    os.environ.pop("RACE_LAB_OUTCOMES", None)  # grading must not append to an instructor's outcomes file
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
    kernel = None
    kernels = 0
    judge = job["judge"]
    verdicts = Verdicts(job["work"])

    def record(i, status, error=None, seconds=0, resent=False, text=""):
        role, grade_id = grading_of(nb.cells[i])
        results[i] = {"index": i, "role": role, "grade_id": grade_id, "status": status, "error": error,
                      "text": text, "seconds": round(seconds, 3), "resent": resent}

    def run_once(i):
        """Runs cell i, re-sending it once if tslab aborted it; waits out the abort window after a failure."""
        status, seconds = kernel.run(nb.cells[i], i)
        resent = False
        if status == CELL_STATUS["abort"]:
            time.sleep(ABORT_WINDOW_S)
            status, seconds = kernel.run(nb.cells[i], i)
            resent = True
        if status != ok:
            time.sleep(ABORT_WINDOW_S)
        return status, seconds, resent

    def start(upto):
        """A fresh kernel with the setup and the non-test cells before position `upto` run again."""
        nonlocal kernel, kernels
        secret_file = verdicts.new_secret(job["work"])
        for i in code:
            if role_of(nb.cells[i]) == ROLE["setup"]:
                nb.cells[i].source = setup_source(judge, secret_file, verdicts.file)
        kernel = Kernel(nb, job, marker)
        kernels += 1
        watchers.append(kernel.watcher)
        for i in code[:upto]:
            if role_of(nb.cells[i]) not in REPLAYED:
                continue
            status, _, _ = run_once(i)
            if role_of(nb.cells[i]) == ROLE["setup"] and status != ok:
                return f"the grader's setup cell failed ({status}): {error_of(nb.cells[i]) or 'no output'}"
            if status in (timeout, dead):
                return f"re-running cell {i} after a restart: {status}"
        return None

    try:
        setups = [k for k, i in enumerate(code) if role_of(nb.cells[i]) == ROLE["setup"]]
        first = (setups[-1] + 1) if setups else 0
        fatal = start(first)
        for i in code[:first]:
            record(i, ok if not fatal else CELL_STATUS["error"], error=fatal, text=output_text(nb.cells[i]))
        k = first
        while fatal is None and k < len(code):
            i = code[k]
            is_test = role_of(nb.cells[i]) == ROLE["test"]
            if is_test:
                verdicts.skip()
            status, seconds, resent = run_once(i)
            error = {timeout: f"timed out after {job['timeout']} s", dead: "the kernel died"}.get(status)
            error = error or (error_of(nb.cells[i]) if status != ok else None)
            record(i, status, error=error, seconds=seconds, resent=resent, text=output_text(nb.cells[i]))
            if is_test:
                results[i]["verdict"] = verdicts.take(results[i]["grade_id"])
            if status in (timeout, dead):
                restarts.append({"cell": i, "reason": error})
                kernel.stop(wedged=True)
                kernel = None
                # What the old kernel left must not see the next kernel's secret file.
                ended_early.extend(end_processes(watchers, LEFTOVER_GRACE_S))
                if len(restarts) > MAX_RESTARTS:
                    fatal = f"gave up after {MAX_RESTARTS} kernel restarts"
                    break
                fatal = start(k)  # the cells before this one; it is not run again
            k += 1
    except Exception as exc:  # noqa: BLE001 - a kernel that will not start, …: reported, not raised
        fatal = f"{type(exc).__name__}: {exc}"
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # from here on we clean up: a second SIGTERM must not stop that
        if kernel is not None:
            kernel.stop(wedged=fatal is not None)
        os.environ.pop(MARKER_VAR, None)
    leftovers = ended_early + end_processes(watchers, LEFTOVER_GRACE_S)

    for i in code:
        if i not in results:
            record(i, CELL_STATUS["skipped"], error=fatal or "not run")
    if job["notebook_out"]:
        write_feedback(job, nb)
    return {"cells": [results[i] for i in code], "kernels": kernels, "restarts": restarts, "leftovers": leftovers, "fatal": fatal}


def main():
    if len(sys.argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, on_sigterm)
    become_subreaper()
    with open(sys.argv[1], encoding="utf-8") as f:
        job = json.load(f)
    validate("job", job)  # a ValueError naming what is wrong: runner.mjs shows the log's tail
    result = grade(job)
    validate("result", result)
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
