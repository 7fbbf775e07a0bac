#!/usr/bin/env python3
"""Race Lab's grader backend: runs one assembled submission, one cell at a time, in a fresh tslab kernel.

Usage: grade_notebook.py JOB.json RESULT.json      (scripts/grade.mjs writes JOB and reads RESULT)

JOB: {"notebook": <nbformat 4 dict>, "cwd": dir, "timeout": seconds per cell, "kernel": "tslab",
      "notebook_out": path or null}. Each cell's metadata.race_lab_grading.role says what it is:
  setup    the grader's own first cell; run again after every kernel restart; must succeed
  guard    the grader's cell right before each test cell; a test after a failed guard is not run
  test     a test cell: scored by scripts/grade.mjs from its reply status
  solution / locked / student    everything else
RESULT: {"cells": [{index, role, grade_id, status, error, text, seconds, resent}], "kernels",
         "restarts": [...], "leftovers": [...], "fatal"}; status is ok, error, abort, timeout, dead or skipped.

How a cell runs (the rules of issue 7):
- one execute request at a time; after a reply that is not ok we wait out tslab's 200 ms abort window
  before the next request, and a cell answered `abort` anyway is sent once more;
- a cell past the timeout: interrupt (the course library ends its threads and children on SIGINT),
  then kill the kernel, start a fresh one, re-run the setup and the earlier non-test cells quietly,
  and go on with the next cell (at most MAX_RESTARTS times);
- afterwards every process the kernels started is ended: the kernel's descendants and whatever
  carries the run's marker in its environment (the notebook harness's ProcessWatcher, imported).
"""
import json
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_notebooks import ABORT_WINDOW_S, MARKER_VAR, ProcessWatcher, kill_all  # noqa: E402

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import CellTimeoutError, DeadKernelError  # noqa: E402
from nbclient.util import run_sync  # noqa: E402

MAX_RESTARTS = 3
INTERRUPT_GRACE_S = 1.0  # time the kernel gets to end its runs after SIGINT, before it is killed
# After the kernel is gone, its runs' children get a moment to exit by themselves (the library ends
# them at exit); whatever is still there then is killed. Short: a grader does not judge cleanliness.
LEFTOVER_GRACE_S = 0.5
REPLAYED = ("setup", "locked", "solution", "student")


def role_of(cell):
    return cell.metadata.get("race_lab_grading", {}).get("role", "student")


def output_text(cell, limit=2000):
    parts = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            parts.append(o.get("text", ""))
        elif o.get("output_type") in ("display_data", "execute_result"):
            parts.append(str(o.get("data", {}).get("text/plain", "")) + "\n")
        elif o.get("output_type") == "error":
            parts.append(f"{o.get('ename', '')}: {o.get('evalue', '')}\n")
    text = "".join(parts).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_of(cell):
    for o in cell.get("outputs", []):
        if o.get("output_type") == "error":
            return f"{o.get('ename', '')}: {o.get('evalue', '')}"
    # tslab reports compile errors on stderr, with reply status error and no error output.
    stderr = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stderr").strip()
    return stderr.splitlines()[0][:300] if stderr else None


class Kernel:
    """One tslab kernel and the watcher of the processes it starts."""

    def __init__(self, nb, job, marker):
        self.replies = {}
        self.client = NotebookClient(
            nb,
            kernel_name=job.get("kernel", "tslab"),
            timeout=job["timeout"],
            startup_timeout=60,
            allow_errors=True,
            interrupt_on_timeout=False,  # we interrupt, then kill: see run()
            record_timing=False,
            on_cell_executed=lambda cell, cell_index, execute_reply: self.replies.__setitem__(cell_index, execute_reply),
        )
        self.client.km = self.client.create_kernel_manager()
        self.client.start_new_kernel(cwd=job["cwd"])
        self.client.start_new_kernel_client()
        self.watcher = ProcessWatcher(marker)
        self.watcher.start(self.client.km.provisioner.pid)
        self.count = 0

    def run(self, cell, index):
        """(status, seconds) of one cell; status ok, error, abort, timeout or dead."""
        self.replies.pop(index, None)
        self.count += 1
        started = time.monotonic()
        try:
            self.client.execute_cell(cell, index, execution_count=self.count)
        except CellTimeoutError:
            return "timeout", time.monotonic() - started
        except DeadKernelError:
            return "dead", time.monotonic() - started
        reply = self.replies.get(index)
        status = reply["content"].get("status") if reply else None
        return (status if status in ("ok", "error", "abort") else "error"), time.monotonic() - started

    def stop(self, wedged):
        """Shuts the kernel down: gracefully, or (wedged) SIGINT, a moment for cleanup, then kill."""
        client = self.client
        try:
            if wedged and client.km is not None:
                try:
                    run_sync(client.km.interrupt_kernel)()
                    time.sleep(INTERRUPT_GRACE_S)
                except Exception:  # noqa: BLE001 - a dead kernel cannot be interrupted
                    pass
            client.shutdown_kernel = "immediate" if wedged else "graceful"
            if client.km is not None:
                client._cleanup_kernel()
        finally:
            self.watcher.stop()


def end_processes(watchers):
    """Ends every process the kernels started; returns what was still running."""
    deadline = time.monotonic() + LEFTOVER_GRACE_S
    left = {}
    while True:
        left = {}
        for w in watchers:
            left.update(w.leftovers())
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    kill_all(left)
    return [f"pid {pid}: {cmd[:120]}" for pid, cmd in sorted(left.items())]


def grade(job):
    nb = nbformat.reads(json.dumps(job["notebook"]), as_version=4)
    results = {}
    restarts = []
    watchers = []
    fatal = None
    marker = uuid.uuid4().hex
    os.environ[MARKER_VAR] = marker  # inherited by the kernel and everything it starts
    os.environ["RACE_LAB_GRADING"] = "1"
    os.environ.pop("RACE_LAB_OUTCOMES", None)  # grading must not append to an instructor's outcomes file
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
    kernel = None
    kernels = 0

    def record(i, status, seconds, resent=False):
        cell = nb.cells[i]
        results[i] = {
            "index": i, "role": role_of(cell), "grade_id": cell.metadata.get("race_lab_grading", {}).get("grade_id"),
            "status": status, "error": error_of(cell) if status != "ok" else None,
            "text": output_text(cell), "seconds": round(seconds, 3), "resent": resent,
        }

    def run_once(i):
        """Runs cell i, re-sending it once if tslab aborted it; waits out the abort window after a failure."""
        status, seconds = kernel.run(nb.cells[i], i)
        resent = False
        if status == "abort":
            time.sleep(ABORT_WINDOW_S)
            status, seconds = kernel.run(nb.cells[i], i)
            resent = True
        if status != "ok":
            time.sleep(ABORT_WINDOW_S)
        return status, seconds, resent

    def start(upto):
        """A fresh kernel with the setup and the non-test cells before position `upto` run again."""
        nonlocal kernel, kernels
        kernel = Kernel(nb, job, marker)
        kernels += 1
        watchers.append(kernel.watcher)
        for i in code[:upto]:
            if role_of(nb.cells[i]) not in REPLAYED:
                continue
            status, _, _ = run_once(i)
            if role_of(nb.cells[i]) == "setup" and status != "ok":
                return f"the grader's setup cell failed ({status}): {error_of(nb.cells[i]) or 'no output'}"
            if status in ("timeout", "dead"):
                return f"re-running cell {i} after a restart: {status}"
        return None

    try:
        setups = [k for k, i in enumerate(code) if role_of(nb.cells[i]) == "setup"]
        first = (setups[-1] + 1) if setups else 0
        fatal = start(first)
        for i in code[:first]:
            results[i] = {"index": i, "role": "setup", "grade_id": None, "status": "ok" if not fatal else "error",
                          "error": fatal, "text": output_text(nb.cells[i]), "seconds": 0, "resent": False}
        k = first
        while fatal is None and k < len(code):
            i = code[k]
            role = role_of(nb.cells[i])
            if role == "test" and k > 0 and role_of(nb.cells[code[k - 1]]) == "guard" and results.get(code[k - 1], {}).get("status") != "ok":
                results[i] = {"index": i, "role": role, "grade_id": nb.cells[i].metadata.get("race_lab_grading", {}).get("grade_id"),
                              "status": "skipped", "error": "the grader's guard before this test failed", "text": "",
                              "seconds": 0, "resent": False}
                k += 1
                continue
            status, seconds, resent = run_once(i)
            record(i, status, seconds, resent)
            if status == "timeout":
                results[i]["error"] = f"timed out after {job['timeout']} s"
            elif status == "dead":
                results[i]["error"] = "the kernel died"
            if status in ("timeout", "dead"):
                restarts.append({"cell": i, "reason": results[i]["error"]})
                kernel.stop(wedged=True)
                kernel = None
                if len(restarts) > MAX_RESTARTS:
                    fatal = f"gave up after {MAX_RESTARTS} kernel restarts"
                    break
                fatal = start(k)  # the cells before this one; it is not run again
            k += 1
    except Exception as exc:  # noqa: BLE001 - a kernel that will not start, …: reported, not raised
        fatal = f"{type(exc).__name__}: {exc}"
    finally:
        if kernel is not None:
            kernel.stop(wedged=False)
        os.environ.pop(MARKER_VAR, None)
    leftovers = end_processes(watchers)

    for i in code:
        if i not in results:
            results[i] = {"index": i, "role": role_of(nb.cells[i]), "grade_id": nb.cells[i].metadata.get("race_lab_grading", {}).get("grade_id"),
                          "status": "skipped", "error": fatal or "not run", "text": "", "seconds": 0, "resent": False}
    if job.get("notebook_out"):
        feedback = nbformat.reads(json.dumps(job["notebook"]), as_version=4)
        for cell, ran in zip(feedback.cells, nb.cells):
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = ran.outputs, ran.get("execution_count")
        feedback.cells = [c for c in feedback.cells if role_of(c) not in ("setup", "guard")]
        for c in feedback.cells:
            c.metadata.pop("race_lab_grading", None)
        nbformat.write(feedback, job["notebook_out"])
    return {"cells": [results[i] for i in code], "kernels": kernels, "restarts": restarts, "leftovers": leftovers, "fatal": fatal}


def main():
    if len(sys.argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        job = json.load(f)
    result = grade(job)
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
