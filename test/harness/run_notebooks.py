#!/usr/bin/env python3
"""Race Lab's notebook harness: execute notebooks headless through nbclient on the `tslab` kernel.

Usage: run_notebooks.py [--timeout SECONDS] [--kernel NAME] [--no-git-check] [--no-outcome-check]
                        [--save-executed DIR] [PATH ...]
PATH is a notebook or a folder of notebooks (default: both versions of the lessons at the repository
root, instructor/ with the solutions and notebooks/ as students get them).

What makes a notebook fail (each is reported with its reason):
- a cell whose execute reply has status `error`, unless the cell is tagged `raises-exception`;
- a cell whose reply has status `abort`. tslab answers `abort`, with no output at all, to every
  request that arrives within 200 ms of a failed cell, so a harness that only reads outputs would
  pass such a notebook. We read every reply.
- a cell that writes to stderr, unless tagged `raises-exception`;
- a cell tagged `raises-exception` that does not fail;
- an output that fails rendered.py's rules (a chart wider than 900 px or with text cut off or past its
  edge, an axis label with six decimals, a table cell holding JSON);
- a cell that runs past the per-cell timeout, or a kernel that dies;
- a process started during the run (a descendant of the kernel, or any process carrying this run's
  marker in its environment) still alive after the kernel shut down;
- a new entry in `git status --porcelain` after the run (a stray, modified or deleted file), or a
  race-lab per-run folder (`/tmp/race-lab-*`) still there after the kernel exited;
- a recorded outcome that breaks the course's promise: an `unsafe` demo that showed its race in
  fewer than 90% of its trials, or a `safe` demo that went wrong at all (--no-outcome-check skips it);
- a code cell that took longer than 2.0 s (what a student should wait at most), unless it is tagged
  `slow-by-design` with its reason in the cell's metadata (`"slow_reason": "…"`: the waiting is the
  lesson), at most one such cell per notebook (see cell_times_report); when slow cells are a
  notebook's only failures it runs once more, and the second run decides. $RACE_LAB_SLOW_CELL_S sets
  another limit in seconds (a loaded machine inflates every time); `off` lists slow cells as warnings.

The kernel starts in the notebook's folder and inherits our environment. Each notebook's demos record
into a file of their own (RACE_LAB_OUTCOMES), appended afterwards to the caller's RACE_LAB_OUTCOMES.
Prints per notebook its cells' median, 90th percentile and slowest time, then one line (cells,
failures, seconds), and ends with `N passed, N failed`.
Exit status: 0 when every notebook passed, 1 otherwise, 2 on bad usage.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# The process watcher and the kernel's abort window are the grader's, shared with it (grader/).
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "grader"))
import rendered  # noqa: E402  (beside this file)

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
except ImportError as exc:  # pragma: no cover - depends on the machine
    sys.stderr.write(
        f"run_notebooks.py: {exc}. This Python ({sys.executable}) lacks nbclient: run it with the Python "
        "that has Jupyter (npm run test:notebooks finds it), or install nbclient "
        "(Debian: apt-get install python3-nbclient; pip: pip install nbclient).\n"
    )
    sys.exit(2)

from kernel import ABORT_WINDOW_S  # noqa: E402
from processes import MARKER_VAR, ProcessWatcher, kill_all  # noqa: E402

OUTCOMES_VAR = "RACE_LAB_OUTCOMES"
UNSAFE_MIN_RATE = 0.9
GRACE_S = 3.0  # time given to processes to exit by themselves after the kernel is gone
SLOW_CELL_VAR = "RACE_LAB_SLOW_CELL_S"
SLOW_CELL_S = 2.0  # the longest a code cell may take, unless tagged slow-by-design: what a student should wait at most
SLOW_TAG = "slow-by-design"
SLOW_FAILURE = re.compile(r"cell \d+ \[.*\]: took [\d.]+ s, over the [\d.]+ s limit for a cell")


# --- git -----------------------------------------------------------------------------------------

def git_status(root):
    r = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=all"],
                       capture_output=True, text=True, timeout=60)
    return r.stdout if r.returncode == 0 else None


def status_diff(before, after):
    """Entries new in `after`: a new untracked file, a newly modified or deleted tracked one. An entry
    that went away (a change committed or undone meanwhile) is no stray file and does not count."""
    return sorted(set(after.splitlines()) - set(before.splitlines()))


# --- one notebook -----------------------------------------------------------------------------------

ERROR_LINE = re.compile(r"^[A-Za-z_.]*(Error|Exception)\b.*")


def summarize(text, width=300):
    """The telling line of an error report: `SomeError: message`, else its first line (tslab's compile errors)."""
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    line = next((l for l in lines if ERROR_LINE.match(l)), lines[0] if lines else "(no output)")
    return line if len(line) <= width else line[: width - 1] + "…"


def preview(source, width=60):
    first = next((l.strip() for l in source.splitlines() if l.strip()), "")
    return first if len(first) <= width else first[: width - 1] + "…"


def kernel_memory(pid):
    """The kernel's memory as Linux counts it, read from /proc just before it shuts down: resident
    (VmRSS) and peak resident (VmHWM) of the kernel process, and the resident memory of the processes
    it started (a lesson's PostgreSQL, child processes still up), in MiB; None off Linux."""
    def status(p):
        try:
            with open(f"/proc/{p}/status") as f:
                return dict(line.split(":", 1) for line in f.read().splitlines() if ":" in line)
        except OSError:
            return None
    def mib(fields, key):
        return round(int(fields.get(key, "0 kB").split()[0]) / 1024, 1)
    own = status(pid)
    if own is None:
        return None
    parents = {}
    for entry in os.listdir("/proc"):
        fields = status(entry) if entry.isdigit() else None
        if fields and "PPid" in fields:
            parents[int(entry)] = (int(fields["PPid"]), mib(fields, "VmRSS"))
    def descends(p):
        seen = set()
        while p in parents and p not in seen:
            seen.add(p)
            p = parents[p][0]
            if p == pid:
                return True
        return False
    children = sum(rss for p, (_, rss) in parents.items() if p != pid and descends(p))
    return {"resident": mib(own, "VmRSS"), "peak": mib(own, "VmHWM"), "children": round(children, 1)}


def cell_failures(where, cell, status):
    """What is wrong with one executed code cell, from its execute reply's status and its outputs: an
    error it was not tagged to raise, a tagged one that did not fail, another status, stderr."""
    expects_error = "raises-exception" in cell.metadata.get("tags", [])
    stderr = "".join(o.get("text", "") for o in cell.outputs
                     if o.get("output_type") == "stream" and o.get("name") == "stderr")
    errors = [o for o in cell.outputs if o.get("output_type") == "error"]
    failures = []
    if status == "error" and not expects_error:
        detail = f"{errors[0].get('ename', '')}: {errors[0].get('evalue', '')}" if errors else summarize(stderr)
        failures.append(f"{where}: error: {detail}")
    elif status not in ("ok", "error"):
        failures.append(f"{where}: unexpected reply status {status!r}")
    elif expects_error and status != "error":
        failures.append(f"{where}: tagged raises-exception but did not fail")
    if stderr and not expects_error and status == "ok":
        failures.append(f"{where}: wrote to stderr: {summarize(stderr)}")
    return failures


def run_notebook(path, args, repo_root):
    nb = nbformat.read(path, as_version=4)
    folder = os.path.dirname(os.path.abspath(path))
    failures = []
    marker = uuid.uuid4().hex
    os.environ[MARKER_VAR] = marker  # inherited by the kernel and everything it starts
    # Each notebook records its demos' outcomes into a file of its own, judged below and then
    # appended to the caller's RACE_LAB_OUTCOMES file, if any.
    callers_outcomes = os.environ.get(OUTCOMES_VAR)
    outcomes_fd, outcomes_file = tempfile.mkstemp(prefix="race-lab-outcomes-", suffix=".jsonl")
    os.close(outcomes_fd)
    os.environ[OUTCOMES_VAR] = outcomes_file
    before = git_status(repo_root) if args.git_check and repo_root else None
    temp_before = race_lab_temp_entries(marker)
    replies = {}
    cell_seconds = {}  # index -> seconds its execute request took (judged by cell_times_report)

    def on_cell_executed(cell, cell_index, execute_reply):
        replies[cell_index] = execute_reply

    client = NotebookClient(
        nb,
        kernel_name=args.kernel,
        timeout=args.timeout,
        startup_timeout=60,
        allow_errors=True,  # we judge every reply ourselves, below
        interrupt_on_timeout=False,
        record_timing=False,
        resources={"metadata": {"path": folder}},
        on_cell_executed=on_cell_executed,
    )
    watcher = ProcessWatcher(marker)
    started = time.monotonic()
    code_cells = 0
    abort_first = abort_slot = None
    try:
        with client.setup_kernel(cwd=folder):
            watcher.start(client.km.provisioner.pid)
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                code_cells += 1
                tags = cell.metadata.get("tags", [])
                expects_error = "raises-exception" in tags
                where = f"cell {index} [{preview(cell.source)}]"
                replies.pop(index, None)
                cell_started = time.monotonic()
                try:
                    client.execute_cell(cell, index, execution_count=code_cells)
                    cell_seconds[index] = time.monotonic() - cell_started
                except CellTimeoutError:
                    failures.append(f"{where}: timed out after {args.timeout} s (remaining cells not run)")
                    break
                except DeadKernelError:
                    failures.append(f"{where}: the kernel died (remaining cells not run)")
                    break
                reply = replies.get(index)
                status = reply["content"].get("status") if reply else None
                if status == "abort":
                    if abort_first is None:  # one line for a run of aborted cells
                        abort_first, abort_slot = index, len(failures)
                        failures.append("")
                    cells_txt = f"cell {index}" if abort_first == index else f"cells {abort_first}-{index}"
                    failures[abort_slot] = (f"{cells_txt}: aborted by the kernel (reply status abort, no output): "
                                            "sent within 200 ms of a failed cell, as Jupyter's Run All does")
                    continue
                abort_first = None
                failures += cell_failures(where, cell, status)
                if status == "error" and expects_error:
                    # An expected error: wait out tslab's 200 ms abort window, as a student running
                    # cell by cell would. (Jupyter's Run All sends the next cell at once, and tslab
                    # aborts it: prefer catching and showing an error inside the cell.)
                    time.sleep(ABORT_WINDOW_S)
            memory = kernel_memory(client.km.provisioner.pid)
            if memory:
                print(f"  kernel memory: resident {memory['resident']} MiB, peak {memory['peak']} MiB, "
                      f"its processes {memory['children']} MiB", flush=True)
    except Exception as exc:  # kernel would not start, bad notebook, …
        failures.append(f"could not run: {type(exc).__name__}: {exc}")
    finally:
        # setup_kernel's exit has shut the kernel down (gracefully: tslab gets to run its exit hooks).
        watcher.stop()
        os.environ.pop(MARKER_VAR, None)
        if callers_outcomes is None:
            os.environ.pop(OUTCOMES_VAR, None)
        else:
            os.environ[OUTCOMES_VAR] = callers_outcomes
    seconds = time.monotonic() - started
    if args.outcome_check:
        failures += judge_outcomes(outcomes_file, callers_outcomes)
    else:
        os.unlink(outcomes_file)  # nothing judged: the file goes all the same (no stray file in /tmp)
    times_line, slow_failures = cell_times_report(nb, cell_seconds)
    print(f"  {times_line}", flush=True)
    failures += slow_failures

    deadline = time.monotonic() + GRACE_S
    left = watcher.leftovers()
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = watcher.leftovers()
    if left:
        listing = "; ".join(f"pid {pid}: {cmd[:120]}" for pid, cmd in sorted(left.items()))
        failures.append(f"{len(left)} process(es) still running after the kernel shut down: {listing} (killed)")
        kill_all(left)

    # race-lab's per-run folders (runFolder) must be gone once the kernel has exited.
    stray_temp = sorted(race_lab_temp_entries(marker) - temp_before)
    if stray_temp:
        failures.append("temporary folders left behind: " + ", ".join(stray_temp) + " (removed)")
        for entry in stray_temp:
            shutil.rmtree(entry, ignore_errors=True)

    if before is not None:
        after = git_status(repo_root)
        changed = status_diff(before, after) if after is not None else []
        if changed:
            failures.append("the work tree changed (stray or modified files): " + ", ".join(changed)
                            + " (if someone else edited this work tree meanwhile, run it again)")
    if args.rendered_check:
        # What the student sees must make its point (test/harness/rendered.py): charts that fit, nothing
        # cut off, whole numbers where they count, no JSON in tables.
        for index, problem in rendered.notebook_problems(nb):
            failures.append(f"cell {index}: output: {problem}")
    if args.save_executed:
        # The executed notebook, outputs and all, for tests that read what a student would see
        # (test/tools/rendered.test.ts). <folder>/<name>: both versions of a lesson share a name.
        out = os.path.join(args.save_executed, os.path.basename(folder), os.path.basename(path))
        os.makedirs(os.path.dirname(out), exist_ok=True)
        nbformat.write(nb, out)
    return code_cells, failures, seconds


def race_lab_temp_entries(marker):
    """race-lab's per-run folders made during this notebook's run: under the harness, runFolder()
    names them race-lab-<prefix>-<first 8 characters of the run's marker>-XXXXXX, so folders of
    other programs running at the same time are never counted (nor removed)."""
    tmp = tempfile.gettempdir()
    tag = f"-{marker[:8]}-"
    return {os.path.join(tmp, e) for e in os.listdir(tmp) if e.startswith("race-lab-") and tag in e}


def judge_outcomes(outcomes_file, callers_outcomes):
    """The course's promise about recorded demos: an `unsafe` demo shows its race in at least 90% of
    its trials, a `safe` one in none. Other variants (`rare`, `natural`, …) are shown, not judged."""
    try:
        with open(outcomes_file, encoding="utf-8") as f:
            lines = [line for line in f if line.strip()]
    finally:
        os.unlink(outcomes_file)
    if callers_outcomes:
        with open(callers_outcomes, "a", encoding="utf-8") as f:
            f.writelines(lines)
    return judge_outcome_lines(lines)


def judge_outcome_lines(lines):
    """judge_outcomes' promise for recorded outcomes given as lines of JSON."""
    failures = []
    for line in lines:
        try:
            o = json.loads(line)
            variant, demo, trials, anomalies = o["variant"], o["demo"], int(o["trials"]), int(o["anomalies"])
        except (ValueError, KeyError, TypeError):
            failures.append(f"recorded outcome is not valid: {summarize(line)}")
            continue
        if variant == "unsafe" and anomalies < UNSAFE_MIN_RATE * trials:
            failures.append(f"unsafe demo {demo!r} showed its race in only {anomalies} of {trials} trials "
                            f"(at least {UNSAFE_MIN_RATE:.0%} required)")
        if variant == "safe" and anomalies > 0:
            failures.append(f"safe demo {demo!r} went wrong in {anomalies} of {trials} trials (none allowed)")
    return failures


def percentile(sorted_xs, q):
    """The q-th percentile (0-100) of sorted values, linearly interpolated (numpy's default)."""
    if not sorted_xs:
        return 0.0
    pos = (len(sorted_xs) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(sorted_xs) - 1)
    return sorted_xs[low] + (sorted_xs[high] - sorted_xs[low]) * (pos - low)


def cell_times_report(nb, cell_seconds):
    """What a student waits for, per notebook: the median, 90th percentile and slowest code
    cell, and a failure for each cell over the slow-cell limit that is not tagged `slow-by-design`
    with a `slow_reason` in its metadata. At most one cell per notebook may be slow by design.
    The limit is SLOW_CELL_S, or $RACE_LAB_SLOW_CELL_S in seconds (a loaded machine inflates every
    time); with $RACE_LAB_SLOW_CELL_S=off, slow cells are warnings, not failures."""
    setting = os.environ.get(SLOW_CELL_VAR, "").strip()
    strict = setting.lower() != "off"
    limit = float(setting) if strict and setting else SLOW_CELL_S
    failures = []
    warnings = []
    tagged = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and SLOW_TAG in c.metadata.get("tags", [])]
    for i in tagged:
        if not str(nb.cells[i].metadata.get("slow_reason", "")).strip():
            failures.append(f"cell {i} [{preview(nb.cells[i].source)}]: tagged {SLOW_TAG} without a reason "
                            "(say why the waiting is the lesson in the cell's metadata: \"slow_reason\": \"…\")")
    if len(tagged) > 1:
        failures.append(f"cells {', '.join(map(str, tagged))}: tagged {SLOW_TAG}; at most one cell per notebook may be")
    for i, secs in sorted(cell_seconds.items()):
        if secs > limit and i not in tagged:
            (failures if strict else warnings).append(f"cell {i} [{preview(nb.cells[i].source)}]: took {secs:.2f} s, over the {limit:g} s limit "
                            f"for a cell (${SLOW_CELL_VAR}); make it quicker, or tag it {SLOW_TAG} with a slow_reason")
    xs = sorted(cell_seconds.values())
    if not xs:
        return "cell times: no code cell ran", failures
    slowest = max(cell_seconds, key=cell_seconds.get)
    line = (f"cell times: median {percentile(xs, 50):.2f} s, 90th percentile {percentile(xs, 90):.2f} s, "
            f"slowest {xs[-1]:.2f} s (cell {slowest} [{preview(nb.cells[slowest].source)}]"
            f"{', ' + SLOW_TAG if slowest in tagged else ''}); limit {limit:g} s; all cells {sum(xs):.2f} s")
    for w in warnings:
        line += f"\n  warning: {w}"
    return line, failures


def find_notebooks(paths):
    found = []
    for p in paths:
        if os.path.isdir(p):
            found += sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith(".ipynb"))
        elif p.endswith(".ipynb") and os.path.isfile(p):
            found.append(p)
        else:
            raise SystemExit(f"run_notebooks.py: {p}: not a notebook or a folder")
    return found


def main():
    repo_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("paths", nargs="*", help="notebooks or folders (default: instructor/ and notebooks/)")
    ap.add_argument("--timeout", type=int, default=int(os.environ.get("RACE_LAB_CELL_TIMEOUT", "120")),
                    help="seconds a cell may run (default 120, or $RACE_LAB_CELL_TIMEOUT)")
    ap.add_argument("--kernel", default="tslab", help="kernel name (default tslab)")
    ap.add_argument("--no-outcome-check", dest="outcome_check", action="store_false",
                    help="do not judge recorded outcomes (unsafe >= 90%% anomalies, safe none)")
    ap.add_argument("--no-git-check", dest="git_check", action="store_false",
                    help="do not compare `git status` before and after each notebook")
    ap.add_argument("--no-rendered-check", dest="rendered_check", action="store_false",
                    help="do not judge the rendered outputs (charts, tables: see rendered.py)")
    ap.add_argument("--save-executed", metavar="DIR",
                    help="write each executed notebook (with its outputs) to DIR/<its folder>/<its name>")
    args = ap.parse_args()
    setting = os.environ.get(SLOW_CELL_VAR, "").strip()
    if setting and setting.lower() != "off":
        try:
            if not float(setting) > 0 or float(setting) == float("inf"):
                raise ValueError
        except ValueError:
            print(f"${SLOW_CELL_VAR} is {setting!r}: give the slow-cell limit in seconds (a number above 0, "
                  "e.g. 3.0), or off to list slow cells as warnings", file=sys.stderr)
            return 2
    try:
        notebooks = find_notebooks(args.paths or [os.path.join(repo_root, "instructor"), os.path.join(repo_root, "notebooks")])
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    if not os.path.exists(os.path.join(repo_root, ".git")) and args.git_check:  # a worktree's .git is a file
        repo_root = None  # not a git checkout: nothing to compare

    passed = failed = 0
    for path in notebooks:
        shown = os.path.relpath(path)
        print(f"{shown}: running…", flush=True)
        cells, failures, seconds = run_notebook(path, args, repo_root)
        if failures and all(SLOW_FAILURE.match(f) for f in failures):
            # A cell's time varies from run to run by a few tenths of a second: a cell just over the
            # limit once may be under it the next time. A cell is judged by the better of two runs; a
            # second run with any failure counts, so a cell that is slow every time still fails.
            print(f"  only the time of {len(failures)} cell(s) failed; running the notebook once more", flush=True)
            cells, failures, seconds = run_notebook(path, args, repo_root)
        verdict = "PASS" if not failures else "FAIL"
        print(f"{verdict} {shown}: {cells} cells, {len(failures)} failures, {seconds:.1f} s", flush=True)
        for f in failures:
            print(f"  - {f}", flush=True)
        if failures:
            failed += 1
        else:
            passed += 1
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 and notebooks else 1


if __name__ == "__main__":
    sys.exit(main())
