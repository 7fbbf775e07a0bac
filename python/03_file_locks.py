"""Lesson 03 port: a file lock makes the two counting processes exact, and what such a lock is.

The workbook "Locks!" (2-locks-workbook.txt) locks `work` with
`fasteners.interprocess_locked`. fasteners is a PyPI package (`pip install fasteners`), not part of
the standard library. On Linux and macOS its InterProcessLock opens the lock file and takes
`fcntl.lockf(f, LOCK_EX | LOCK_NB)` on it, sleeping between tries (0.01 s growing to 0.1 s) until it
gets it. `interprocess_locked` below does the same with the standard library, and the real fasteners
runs too when it is installed.

It also shows what a lockf lock is:
* the OS releases it when the holding process dies: a crashed holder blocks nobody;
* it belongs to the process: two threads of one process both "get" it (it does not exclude them);
* the workbook's snippet `@interproess_locked('/tmp/tmp_lock')` names a function that does not exist;
* which process ran the main module's top level for a child, per start method: under `fork` the
  parent (the child is its copy); under `spawn` the child itself; under `forkserver` the fork server
  from Python 3.13.8 / 3.14.1 on (it preloads `__main__` once, and each child is forked from it),
  the child itself before those versions (the preload was dead code: CPython issue gh-126631).
  Defaults: fork on Linux up to 3.13, forkserver on POSIX other than macOS from 3.14, spawn on
  Windows and on macOS (from 3.8).

Run:  python3 python/03_file_locks.py          (readable output)
      python3 python/03_file_locks.py --json   (results as JSON, for the notebook)
      add --counts 100,200 for fewer increments

Standard library only (fcntl: Linux/macOS). Every file, the lock files included, lives in a fresh
temporary folder removed at the end.
"""
import fcntl
import functools
import json
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from functools import partial
from multiprocessing import Pool

try:
    import fasteners  # optional: pip install fasteners
except ImportError:
    fasteners = None

QUIET = "--json" in sys.argv
# --counts A,B: the two processes' increments (the workbook's 1000 and 2000 by default)
COUNTS = [int(c) for c in sys.argv[sys.argv.index("--counts") + 1].split(",")] if "--counts" in sys.argv else [1000, 2000]
IMPORTED_IN = os.getpid()  # the process that ran this module's top level


def say(text):
    if not QUIET:
        print(text, flush=True)


def work(max_count, filename):
    """Lesson 02's counter: read the number, add one, rewrite the file. Returns read errors."""
    read_errors = 0
    for _ in range(max_count):
        count = 0
        if os.path.isfile(filename):
            try:
                with open(filename) as f:
                    count = int(f.read())
            except ValueError:
                read_errors += 1
                count = 0
        with open(filename, "w") as f:
            f.write(str(count + 1) + "\n")
    return read_errors


def try_lockf(lock_file):
    try:
        fcntl.lockf(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:  # held by another process
        return False


def acquire(lock_file, delay=0.01, max_delay=0.1):
    """fasteners' way: try without blocking; if taken, sleep and try again, the sleep growing."""
    while not try_lockf(lock_file):
        time.sleep(delay)
        delay = min(delay + 0.01, max_delay)


def interprocess_locked(lock_path):
    """Like fasteners.interprocess_locked(path): every call holds an fcntl.lockf lock on lock_path."""

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with open(lock_path, "a") as lock_file:
                acquire(lock_file)
                try:
                    return fn(*args, **kwargs)
                finally:
                    fcntl.lockf(lock_file, fcntl.LOCK_UN)

        return wrapper

    return decorate


# The lock path is known only at run time (a per-run folder), so the decorator is applied inside
# the child: Pool pickles a function by its name, so it must be a module-level function.
def locked_work(max_count, filename, lock_path):
    return interprocess_locked(lock_path)(work)(max_count, filename)


def fasteners_work(max_count, filename, lock_path):
    return fasteners.interprocess_locked(lock_path)(work)(max_count, filename)


def read_number(filename):
    with open(filename) as f:
        return int(f.read())


def run(folder, name, fn):
    filename = os.path.join(folder, f"{name}.txt")
    lock_path = os.path.join(folder, f"{name}.lock")
    started = time.perf_counter()
    if fn is None:  # the serial baseline: one process doing all the increments
        errors = [work(sum(COUNTS), filename)]
    else:
        with Pool(2) as pool:
            errors = pool.map(partial(fn, filename=filename, lock_path=lock_path), COUNTS)
    ms = round((time.perf_counter() - started) * 1000)
    return {"value": read_number(filename), "expected": sum(COUNTS), "read_errors": errors, "ms": ms}


def hold_and_crash(lock_path):
    with open(lock_path, "a") as lock_file:
        acquire(lock_file)
        os._exit(1)  # dies holding the lock: no release, no cleanup


def crashed_holder(folder):
    """A process takes the lock and dies without releasing it. Can the next one take it at once?"""
    lock_path = os.path.join(folder, "crash.lock")
    holder = multiprocessing.Process(target=hold_and_crash, args=(lock_path,))
    holder.start()
    holder.join()
    with open(lock_path, "a") as lock_file:
        free = try_lockf(lock_file)
    return {"holder_exit_code": holder.exitcode, "lock_free_after_crash": free, "lock_file_still_there": os.path.exists(lock_path)}


def two_threads(folder):
    """Two threads of one process, each with its own open file: does the second one get the lock?"""
    lock_path = os.path.join(folder, "threads.lock")
    got = []
    first_holds = threading.Event()
    done = threading.Event()

    def first():
        with open(lock_path, "a") as f:
            got.append(try_lockf(f))
            first_holds.set()
            done.wait(10)

    def second():
        first_holds.wait(10)
        with open(lock_path, "a") as f:
            got.append(try_lockf(f))  # lockf locks belong to the process: granted again
        done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"both_threads_got_it": got == [True, True]}


def workbook_snippet():
    """The workbook's decorator line, as written: it names `interproess_locked`."""
    snippet = "@interproess_locked('/tmp/tmp_lock')\ndef work(max_count, filename):\n    ...\n"
    try:
        exec(snippet, {"interprocess_locked": interprocess_locked})
        return None
    except NameError as error:
        return f"{type(error).__name__}: {error}"


def main_module_ran_in(parent_pid):
    """Which process ran this module's top level for the child that calls this."""
    if IMPORTED_IN == os.getpid():
        return "the child itself"
    return "the parent (the child is its fork)" if IMPORTED_IN == parent_pid else "another process: the fork server"


def reimports():
    """Per start method: did the child run the main module again, or get it from its parent or the fork server?"""
    result = {}
    for method in ("fork", "spawn", "forkserver"):
        if method in multiprocessing.get_all_start_methods():
            with multiprocessing.get_context(method).Pool(1) as pool:
                result[method] = pool.map(main_module_ran_in, [os.getpid()])[0]
    return result


def main():
    results = {"python": sys.version.split()[0], "default_start_method": multiprocessing.get_start_method()}
    with tempfile.TemporaryDirectory(prefix="race-lab-03-") as folder:
        results["serial"] = run(folder, "serial", None)
        results["lockf"] = run(folder, "lockf", locked_work)
        if fasteners is not None:
            results["fasteners"] = run(folder, "fasteners", fasteners_work)
        results["crashed_holder"] = crashed_holder(folder)
        results["two_threads"] = two_threads(folder)
    results["fasteners_installed"] = fasteners is not None
    results["workbook_snippet"] = workbook_snippet()
    results["main_module_ran_in"] = reimports()
    if QUIET:
        print(json.dumps(results))
        return
    for name in ("serial", "lockf", "fasteners"):
        if name in results:
            r = results[name]
            say(f"{name:10} {r['value']} (expected {r['expected']}) read errors {r['read_errors']} in {r['ms']} ms")
    if fasteners is None:
        say("fasteners is not installed (pip install fasteners): only the lockf version ran.")
    say(f"a holder that crashed: lock free at once? {results['crashed_holder']['lock_free_after_crash']}")
    say(f"two threads of one process both got the lock? {results['two_threads']['both_threads_got_it']}")
    say(f"the workbook's snippet: {results['workbook_snippet']}")
    for method, who in results["main_module_ran_in"].items():
        say(f"under {method}, the main module was run by {who}")


if __name__ == "__main__":
    main()
