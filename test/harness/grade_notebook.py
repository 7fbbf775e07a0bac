#!/usr/bin/env python3
"""Race Lab's grader backend: runs one assembled submission, one cell at a time, in a fresh tslab kernel.

Usage: grade_notebook.py JOB.json RESULT.json      (scripts/grade.mjs writes JOB and reads RESULT)

JOB: {"notebook": <nbformat 4 dict>, "cwd": dir, "timeout": seconds per cell, "kernel": name,
      "notebook_out": path or null, "feedback_sources": {cell index: the test's text shown in feedback},
      "work": a private folder, "judge": {"guard", "typescript", "tests": {grade_id: source}}}.
  Each cell's metadata.race_lab_grading.role says what it is:
  setup    the grader's own first cell (its source is written here: it installs the judge with a fresh
           secret); run again after every kernel restart; must succeed
  test     a call into the judge, which runs the source's test and writes a verdict signed with the secret
  solution / locked / student    everything else
RESULT: {"cells": [{index, role, grade_id, status, error, text, seconds, resent, verdict}], "kernels",
         "restarts": [...], "leftovers": [...], "fatal"}; status is ok, error, abort, timeout, dead or
         skipped; verdict is the judge's {passed, detail} for a test cell, or null when none came.

How a cell runs (so that a submission cannot fake or hide its result):
- one execute request at a time; after a reply that is not ok we wait out tslab's 200 ms abort window
  before the next request, and a cell answered `abort` anyway is sent once more;
- a cell past the timeout: interrupt (the course library ends its threads and children on SIGINT),
  then kill the kernel, end every process it left, start a fresh one, re-run the setup and the earlier
  non-test cells quietly, and go on with the next cell (at most MAX_RESTARTS times);
- this process is a child subreaper (prctl), so a process that double-forks or detaches from the kernel
  is re-parented here and still found; scripts/grade.mjs also runs us in a PID namespace where it can.
  Afterwards every process the kernels started is ended: our descendants, and whatever carries the
  run's marker in its environment (the notebook harness's ProcessWatcher, imported).
- the verdict: a test counts only through a line in the verdict file that starts with this kernel's
  secret (handed to the judge in a file it deletes before any student code runs); the kernel's reply
  status comes from the student's process and is never enough.
"""
import ctypes
import json
import os
import secrets
import signal
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_notebooks import ABORT_WINDOW_S, MARKER_VAR, ProcessWatcher, all_pids, cmdline, kill_all, proc_stat  # noqa: E402

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
PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1


class Stopped(Exception):
    """SIGTERM from scripts/grade.mjs: the submission ran past its limit. Stop, clean up, report what ran."""


def on_sigterm(signum, frame):
    raise Stopped("the submission ran past its time limit")


def become_subreaper():
    """Orphans of our descendants are re-parented to us (not to pid 1), so none escapes the cleanup;
    and when our parent dies (the grader stopped), we get SIGTERM: stop, end everything, report."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def descendants():
    """Our live descendants (zombies reaped): pid -> command line."""
    while True:  # as a subreaper we inherit orphans' exit statuses: collect them
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
    children = {}
    for pid in all_pids():
        st = proc_stat(pid)
        if st and st[2] != "Z":
            children.setdefault(st[0], []).append(pid)
    found = {}
    todo = list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        if pid not in found:
            found[pid] = cmdline(pid)
            todo.extend(children.get(pid, []))
    return found


def setup_source(judge, secret_file, verdict_file):
    config = {"secretFile": secret_file, "verdictFile": verdict_file, "typescript": judge["typescript"], "tests": judge["tests"]}
    return ("// Race Lab grader: installs the judge before any student code runs (scripts/grading-guard.cjs).\n"
            f"require({json.dumps(judge['guard'])}).install({json.dumps(config)}, require(\"race-lab\"));")


class Verdicts:
    """The judge's signed verdicts: lines `<secret> <json>` appended to one file by the kernel."""

    def __init__(self, folder):
        self.file = os.path.join(folder, "verdicts")
        open(self.file, "wb").close()
        self.secret = None
        self.offset = 0

    def new_secret(self, folder):
        """A fresh secret for a fresh kernel, in a file the judge reads and deletes at install."""
        self.secret = secrets.token_hex(32).encode()
        path = os.path.join(folder, f"secret-{secrets.token_hex(8)}")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(self.secret)
        self.offset = os.path.getsize(self.file)
        return path

    def skip(self):
        """Forget what was written so far: only what a test cell itself causes counts for it."""
        self.offset = os.path.getsize(self.file)

    def take(self, grade_id):
        """The verdict for grade_id from the lines written since skip(), with this kernel's secret; else
        None. Every run of that test in the meantime must have passed (a student's code may start one)."""
        with open(self.file, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        runs = []
        for line in data.split(b"\n"):
            if not line.startswith(self.secret + b" "):
                continue  # anything else was written by someone without the secret
            try:
                v = json.loads(line[len(self.secret) + 1:].decode("utf-8"))
            except ValueError:
                continue
            if isinstance(v, dict) and v.get("gradeId") == grade_id:
                runs.append({"passed": v.get("passed") is True, "detail": str(v.get("detail", ""))[:2000]})
        if not runs:
            return None
        failed = [r for r in runs if not r["passed"]]
        return failed[0] if failed else runs[-1]


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
        left = descendants()
        for w in watchers:
            left.update(w.leftovers())
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    ended = dict(left)
    for _ in range(20):  # a fork racing the kill: repeat until none is left
        kill_all(left)
        time.sleep(0.05)
        left = descendants()
        for w in watchers:
            left.update(w.leftovers())
        if not left:
            break
        ended.update(left)
    return [f"pid {pid}: {cmd[:120]}" for pid, cmd in sorted(ended.items())]


def grade(job):
    nb = nbformat.reads(json.dumps(job["notebook"]), as_version=4)
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
    judge = job.get("judge")
    verdicts = Verdicts(job["work"]) if judge else None

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
        if verdicts:
            secret_file = verdicts.new_secret(job["work"])
            for i in code:
                if role_of(nb.cells[i]) == "setup":
                    nb.cells[i].source = setup_source(judge, secret_file, verdicts.file)
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
            if role == "test" and verdicts:
                verdicts.skip()
            status, seconds, resent = run_once(i)
            record(i, status, seconds, resent)
            if role == "test":
                results[i]["verdict"] = verdicts.take(results[i]["grade_id"]) if verdicts else None
            if status == "timeout":
                results[i]["error"] = f"timed out after {job['timeout']} s"
            elif status == "dead":
                results[i]["error"] = "the kernel died"
            if status in ("timeout", "dead"):
                restarts.append({"cell": i, "reason": results[i]["error"]})
                kernel.stop(wedged=True)
                kernel = None
                # What the old kernel left must not see the next kernel's secret file.
                ended_early.extend(end_processes(watchers))
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
    leftovers = ended_early + end_processes(watchers)

    for i in code:
        if i not in results:
            results[i] = {"index": i, "role": role_of(nb.cells[i]), "grade_id": nb.cells[i].metadata.get("race_lab_grading", {}).get("grade_id"),
                          "status": "skipped", "error": fatal or "not run", "text": "", "seconds": 0, "resent": False}
    if job.get("notebook_out"):
        feedback = nbformat.reads(json.dumps(job["notebook"]), as_version=4)
        shown = job.get("feedback_sources") or {}
        for index, (cell, ran) in enumerate(zip(feedback.cells, nb.cells)):
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = ran.outputs, ran.get("execution_count")
            if str(index) in shown:
                cell.source = shown[str(index)]  # the test as the student knows it, not the call into the judge
        feedback.cells = [c for c in feedback.cells if role_of(c) not in ("setup", "guard")]
        for c in feedback.cells:
            c.metadata.pop("race_lab_grading", None)
        nbformat.write(feedback, job["notebook_out"])
    return {"cells": [results[i] for i in code], "kernels": kernels, "restarts": restarts, "leftovers": leftovers, "fatal": fatal}


def main():
    if len(sys.argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, on_sigterm)
    become_subreaper()
    with open(sys.argv[1], encoding="utf-8") as f:
        job = json.load(f)
    result = grade(job)
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
