"""Lesson 03 port: an inter-process file lock makes the two counting processes exact.

Run:  python3 python/03_file_locks.py          (readable output)
      python3 python/03_file_locks.py --json   (results as JSON, for the notebook)

Standard library only (fcntl.flock, so Linux/macOS). When the `fasteners` package is installed,
the lesson's original decorator `@fasteners.interprocess_locked(path)` is run as well.
Every file, the lock file included, lives in a fresh temporary folder removed at the end.
"""
import fcntl
import functools
import json
import os
import sys
import tempfile
import time
from functools import partial
from multiprocessing import Pool

try:
    import fasteners  # optional: pip install fasteners
except ImportError:
    fasteners = None

QUIET = "--json" in sys.argv


def work(max_count, filename):
    """Lesson 02's counter: read the number, add one, rewrite the file. Returns read errors."""
    read_errors = 0
    for _ in range(max_count):
        count = 0
        if os.path.exists(filename):
            try:
                with open(filename) as f:
                    count = int(f.read())
            except ValueError:
                read_errors += 1
                count = 0
        with open(filename, "w") as f:
            f.write(f"{count + 1}\n")
    return read_errors


def interprocess_locked(lock_path):
    """A decorator like fasteners' @interprocess_locked(path), built on fcntl.flock."""

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with open(lock_path, "a") as lock_file:
                fcntl.flock(lock_file, fcntl.LOCK_EX)  # waits while another process holds it
                try:
                    return fn(*args, **kwargs)
                finally:
                    fcntl.flock(lock_file, fcntl.LOCK_UN)

        return wrapper

    return decorate


# The lock path is known only at run time (a per-run temporary folder), so the decorator is applied
# inside the child: a module-level function is what Pool can pickle and send.
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
    if fn is None:  # the serial baseline: one process, all 3000 increments
        errors = [work(3000, filename)]
    else:
        with Pool(2) as pool:
            errors = pool.map(partial(fn, filename=filename, lock_path=lock_path), [1000, 2000])
    ms = round((time.perf_counter() - started) * 1000)
    return {"value": read_number(filename), "expected": 3000, "read_errors": errors, "ms": ms}


def main():
    results = {}
    with tempfile.TemporaryDirectory(prefix="race-lab-03-") as folder:
        results["serial"] = run(folder, "serial", None)
        results["flock"] = run(folder, "flock", locked_work)
        if fasteners is not None:
            results["fasteners"] = run(folder, "fasteners", fasteners_work)
    results["fasteners_installed"] = fasteners is not None
    if QUIET:
        print(json.dumps(results))
    else:
        for name in ("serial", "flock", "fasteners"):
            if name in results:
                r = results[name]
                print(f"{name:10} {r['value']} (expected 3000) read errors {r['read_errors']} in {r['ms']} ms")
        if fasteners is None:
            print("fasteners is not installed: only the fcntl.flock version ran.")


if __name__ == "__main__":
    main()
