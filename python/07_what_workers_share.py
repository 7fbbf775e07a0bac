"""Lesson 07 in Python: what a thread and a process started by fork, spawn or forkserver share.

The Python side of notebooks/07-what-workers-share.ipynb. Three questions, asked of two workers of
each kind: ``threading.Thread``s, and ``multiprocessing`` processes started with ``fork`` (the child
is a copy of the parent), ``spawn`` (a fresh interpreter) and ``forkserver`` (forked from a server
process that was itself started fresh, the first time one is needed). The default start method is
``fork`` on Linux up to Python 3.13 and ``forkserver`` from 3.14; ``spawn`` on macOS (since 3.8)
and Windows:

* ``globals``: the parent sets a global ``visits = 41``, then starts two workers that each do
  ``visits += 1`` and report what they saw. Threads share the global (the parent sees 43 after);
  a forked child gets a *copy* (it sees 41, counts to 42, and the parent keeps 41); a spawned
  child starts a fresh interpreter that imports this module again, so it sees the module's
  initial 0, not the 41 the parent set under ``if __name__ == "__main__"``. A forkserver child is
  forked from the server, not from the parent: it too sees the module's 0 (the server imported the
  main module when it started).
* ``files``: the parent opens a file and hands its descriptor *number* to the workers, which ask
  the OS what that number refers to. A thread is in the same process: the same open file. A forked
  child inherited a copy of the descriptor table: the same open file. A spawned child is a new
  program: the descriptor was not inherited (Python opens files non-inheritable, PEP 446), so the
  number is either not open there or names some other file the new interpreter opened. The same
  for a forkserver child: its memory and descriptors come from the server, not from the parent.
* ``arguments``: the parent passes a list to both workers; each appends to it. Threads got the very
  object (the parent's list grows to 3); a process got a copy (the forked memory for ``fork``,
  pickled for ``spawn`` and ``forkserver``), and the parent's list is unchanged.

Run: ``python3 python/07_what_workers_share.py [--json]``. Standard library only; every file it
writes lives in a fresh temporary folder that is removed at the end. ``fork`` and ``forkserver``
are skipped where the OS has none (Windows).
"""
import argparse
import json
import multiprocessing as mp
import os
import shutil
import sys
import tempfile
import threading

visits = 0  # what a freshly imported copy of this module starts with


def visit(fd, inode, items, report):
    """One worker: counts a visit in its view of the global `visits`, asks the OS what descriptor
    number `fd` is here, and appends to the list it was given. Reports all three."""
    global visits
    seen = visits
    visits += 1
    left = visits
    try:
        here = "the same open file" if os.fstat(fd).st_ino == inode else "another file"
    except OSError as error:
        here = f"not open here ({error.__class__.__name__})"
    items.append("added by a worker")
    report.put((seen, left, here, len(items)))


class ThreadReport:
    """A list with put(), so the thread variants use the same worker functions."""

    def __init__(self):
        self.items = []

    def put(self, item):
        self.items.append(item)


def run_workers(how, target, args_list):
    """Runs one worker per argument tuple as `how` ("thread", "fork", "spawn" or "forkserver"); returns their reports."""
    if how == "thread":
        report = ThreadReport()
        workers = [threading.Thread(target=target, args=(*args, report)) for args in args_list]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return report.items
    ctx = mp.get_context(how)
    report = ctx.Queue()
    workers = [ctx.Process(target=target, args=(*args, report)) for args in args_list]
    for w in workers:
        w.start()
    results = [report.get(timeout=30) for _ in workers]
    for w in workers:
        w.join()
    return results


def main():
    global visits
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    options = parser.parse_args()

    kinds = [k for k in ["thread", "fork", "spawn", "forkserver"] if k == "thread" or k in mp.get_all_start_methods()]
    folder = tempfile.mkdtemp(prefix="race-lab-10-")
    results = {"python": sys.version.split()[0], "default_start_method": mp.get_start_method(), "kinds": kinds}
    try:
        path = os.path.join(folder, "shared.txt")
        with open(path, "w") as f:
            f.write("hello\n")
        fd = os.open(path, os.O_RDONLY)
        inode = os.fstat(fd).st_ino
        for how in kinds:
            visits = 41
            items = ["made by the parent"]
            got = run_workers(how, visit, [(fd, inode, items), (fd, inode, items)])
            results[how] = {
                "globals_seen": sorted(g[0] for g in got),
                "globals_left": sorted(g[1] for g in got),
                "parent_after": visits,
                "file": got[0][2],
                "worker_list_length": max(g[3] for g in got),
                "parent_list_length": len(items),
            }
        os.close(fd)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    if options.json:
        print(json.dumps(results))
        return
    print(f"Python {results['python']} (default start method here: {results['default_start_method']})")
    for how in kinds:
        r = results[how]
        print(f"{how:>10}: workers saw visits = {r['globals_seen']}, left {r['globals_left']}; "
              f"the parent has {r['parent_after']}. fd: {r['file']}. "
              f"list: {r['worker_list_length']} items in the worker, {r['parent_list_length']} in the parent")


if __name__ == "__main__":
    main()
