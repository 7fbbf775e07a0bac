"""Lesson 05 in Python: a lock that is both a context manager and a decorator (ContextDecorator).

The Python original of notebooks/05-decorators.ipynb, as the original wrote it: a module-level
``balance = Value('i', 20000)`` and ``simple_lock = SimpleLock()`` (whose ``__init__`` makes its own
``Lock()``), ``deposit``/``withdraw`` of one amount each, ``deposit_task``/``withdraw_task`` that call
them ``times`` times, and ``with Pool(2) as pd, Pool(2) as pw:`` running ``pd.starmap(...)`` and then
``pw.starmap(...)``. Variants:

* ``unsafe``:     no lock (the original's ``no_lock_example``).
* ``decorated``:  ``@simple_lock`` on ``deposit`` and ``withdraw``: one lock per update (the original's
  ``decorator_example``).
* ``with``:       ``with simple_lock:`` inside ``deposit`` and ``withdraw`` (the original's
  ``with_example``): the same lock per update, written as a block.
* ``whole_task``: this course's addition, not the original's: ``@simple_lock`` on the *task*, so the
  lock is held for all ``times`` updates.

Two facts about the original that the lesson teaches:

* ``starmap`` blocks until its tasks are done, so all deposits finish before any withdrawal starts:
  the original's comment "Use two cores to deposit and two cores to withdraw" describes something
  that never happens. The race is between the two depositing processes, then between the two
  withdrawing ones. (``--together`` uses ``starmap_async`` for both pools, so that all four overlap.)
* The children find ``balance`` and ``simple_lock`` as globals because the pools *fork* the parent:
  they inherit the very same shared Value and Lock. That is the ``fork`` start method, Linux's
  default up to Python 3.13. Under ``spawn`` (Windows, macOS) a child is a fresh interpreter that
  imports the module again; under ``forkserver`` (Linux's default from 3.14) it is forked by a server
  process that was itself started fresh, not from the parent. Either way the children use a Value
  and a Lock made again outside the parent, and the parent's balance never moves. This port asks
  for ``fork`` unless ``--start-method`` names another (``--start-method spawn`` shows the above).

Like the original, the balance is not reset between runs: each run prints ``before`` and ``after``.

Run: ``python3 python/05_decorators.py [--json] [--trials N] [--times N] [--together] [--start-method M]``
Standard library only (POSIX: the default ``fork`` start method is not on Windows).
"""
import argparse
import json
import multiprocessing
import sys
import time
from contextlib import ContextDecorator
from multiprocessing import Lock, Value


class SimpleLock(ContextDecorator):

    def __init__(self):
        self.lock = Lock()

    def __enter__(self):
        self.lock.acquire()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.lock.release()


balance = Value('i', 20000)
simple_lock = SimpleLock()


def deposit(amount):
    balance.value = balance.value + amount        # read, add, write: not atomic


def withdraw(amount):
    balance.value = balance.value - amount


@simple_lock
def deposit_decorated(amount):
    balance.value = balance.value + amount


@simple_lock
def withdraw_decorated(amount):
    balance.value = balance.value - amount


def deposit_with(amount):
    with simple_lock:
        balance.value = balance.value + amount


def withdraw_with(amount):
    with simple_lock:
        balance.value = balance.value - amount


def deposit_task(amount, times):
    for _ in range(times):
        deposit(amount)


def withdraw_task(amount, times):
    for _ in range(times):
        withdraw(amount)


def deposit_task_decorated(amount, times):
    for _ in range(times):
        deposit_decorated(amount)


def withdraw_task_decorated(amount, times):
    for _ in range(times):
        withdraw_decorated(amount)


def deposit_task_with(amount, times):
    for _ in range(times):
        deposit_with(amount)


def withdraw_task_with(amount, times):
    for _ in range(times):
        withdraw_with(amount)


@simple_lock
def deposit_whole_task(amount, times):   # the course's variant: one lock for the whole task
    for _ in range(times):
        deposit(amount)


@simple_lock
def withdraw_whole_task(amount, times):
    for _ in range(times):
        withdraw(amount)


TASKS = {
    "unsafe": (deposit_task, withdraw_task),
    "decorated": (deposit_task_decorated, withdraw_task_decorated),
    "with": (deposit_task_with, withdraw_task_with),
    "whole_task": (deposit_whole_task, withdraw_whole_task),
}


def one_run(tasks, times, together, start_method="fork"):
    """One run of the original's example: returns (before, after, ms, the balance after the deposits)."""
    deposit_fn, withdraw_fn = tasks
    amount = [10, 10]
    times_list = [times, times]
    before = balance.value
    ctx = multiprocessing.get_context(start_method)
    start = time.perf_counter()
    with ctx.Pool(2) as pd, ctx.Pool(2) as pw:
        if together:
            d = pd.starmap_async(deposit_fn, zip(amount, times_list))
            w = pw.starmap_async(withdraw_fn, zip(amount, times_list))
            d.get(60)
            w.get(60)
        else:
            pd.starmap(deposit_fn, zip(amount, times_list))    # blocks: every deposit is done ...
            deposited = balance.value
            pw.starmap(withdraw_fn, zip(amount, times_list))   # ... before the first withdrawal
    if together:
        deposited = None  # the phases overlap: there is no moment after the deposits only
    return before, balance.value, (time.perf_counter() - start) * 1000, deposited


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument("--trials", type=int, default=5, help="runs per variant (the original: 5)")
    parser.add_argument("--times", type=int, default=500, help="updates per task (the original: 500)")
    parser.add_argument("--together", action="store_true", help="starmap_async: deposits and withdrawals overlap")
    parser.add_argument("--start-method", default="fork", choices=["fork", "spawn", "forkserver"],
                        help="how the pools start their processes (default fork, as the original relied on)")
    args = parser.parse_args()

    results = {"python": sys.version.split()[0], "trials": args.trials, "times": args.times, "together": args.together,
               "start_method": args.start_method}
    for name, tasks in TASKS.items():
        balance.value = 20000
        runs = [one_run(tasks, args.times, args.together, args.start_method) for _ in range(args.trials)]
        results[name] = {
            "before": [r[0] for r in runs],
            "after": [r[1] for r in runs],
            "drift": [r[1] - r[0] for r in runs],
            "ms": [round(r[2], 1) for r in runs],
            "after_deposits": [r[3] for r in runs],
        }
    if args.json:
        print(json.dumps(results))
        return
    print(f"Python {results['python']}, {args.times} updates of 10 per task"
          + (", deposits and withdrawals at the same time" if args.together else "")
          + f", start method {args.start_method}")
    for name in TASKS:
        print(f"--- {name} ---")
        for before, after, mid in zip(results[name]["before"], results[name]["after"], results[name]["after_deposits"]):
            print(f"before: {before}")
            if args.start_method != "fork" and mid is not None:
                print(f"(after the deposits: {mid}: the children's deposits went to their own balance)")
            print(f"after: {after}")


if __name__ == "__main__":
    main()
