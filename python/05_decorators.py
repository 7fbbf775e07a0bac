"""Lesson 05 in Python: a lock that is both a context manager and a decorator (ContextDecorator).

The Python original of notebooks/05-decorators.ipynb. A shared balance of 20000; two pools of two
processes: one pool deposits 10, 500 times per task, the other withdraws 10, 500 times per task
(two tasks each, through ``starmap``). Expected: 20000. Variants:

* ``unsafe``:     no lock.
* ``decorated``:  ``@simple_lock`` on the whole task (the lock is held for all 500 updates).
* ``per_update``: ``with simple_lock:`` around each single update.

Run: ``python3 python/05_decorators.py [--json] [--trials N] [--times N] [--pause SECONDS]``
Standard library only.
"""
import argparse
import json
import sys
import time
from contextlib import ContextDecorator
from multiprocessing import Lock, Pool, Value


class SimpleLock(ContextDecorator):
    """Acquire on enter, release on exit: usable as ``with simple_lock:`` and as ``@simple_lock``."""

    def __init__(self, lock):
        self.lock = lock

    def __enter__(self):
        self.lock.acquire()
        return self

    def __exit__(self, *exc):
        self.lock.release()
        return False


# Set in every pool process by init_worker: processes share no globals, so the shared Value and
# the lock are handed to each process when it starts (this also works with the "spawn" start method).
balance = None
simple_lock = None


def init_worker(shared_balance, lock):
    global balance, simple_lock
    balance = shared_balance
    simple_lock = SimpleLock(lock)


def update(amount):
    # Not atomic: read, add, write. Value's own lock is taken for the read and again for the write.
    balance.value = balance.value + amount


def pause_a_little(pause):
    if pause:
        time.sleep(pause)


def task_unsafe(amount, times, pause):
    for _ in range(times):
        pause_a_little(pause)
        update(amount)


def task_decorated(amount, times, pause):
    # The decorator is applied at call time here because simple_lock exists only once the pool
    # process has started; in a single process one would write @simple_lock above the def.
    @simple_lock
    def whole_task():
        for _ in range(times):
            pause_a_little(pause)
            update(amount)
    whole_task()


def task_per_update(amount, times, pause):
    for _ in range(times):
        pause_a_little(pause)  # outside the lock: only the update itself is serialised
        with simple_lock:
            update(amount)


TASKS = {"unsafe": task_unsafe, "decorated": task_decorated, "per_update": task_per_update}


def one_trial(task, times, pause):
    shared = Value("i", 20000)
    lock = Lock()
    with Pool(2, init_worker, (shared, lock)) as deposits, Pool(2, init_worker, (shared, lock)) as withdrawals:
        start = time.perf_counter()
        d = deposits.starmap_async(task, [(10, times, pause), (10, times, pause)])
        w = withdrawals.starmap_async(task, [(-10, times, pause), (-10, times, pause)])
        d.get(60)
        w.get(60)
        ms = (time.perf_counter() - start) * 1000
    return shared.value, ms


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--times", type=int, default=500, help="updates per task")
    parser.add_argument("--pause", type=float, default=0.0, help="seconds to sleep before each update")
    args = parser.parse_args()

    results = {"python": sys.version.split()[0], "expected": 20000, "trials": args.trials,
               "times": args.times, "pause": args.pause}
    for name, task in TASKS.items():
        runs = [one_trial(task, args.times, args.pause) for _ in range(args.trials)]
        results[name] = {"finals": [r[0] for r in runs], "ms": [round(r[1], 1) for r in runs]}
    if args.json:
        print(json.dumps(results))
    else:
        print(f"Python {results['python']}, expected {results['expected']} every time")
        for name in TASKS:
            r = results[name]
            print(f"{name:>10}: {r['finals']}  ms per trial {r['ms']}")


if __name__ == "__main__":
    main()
