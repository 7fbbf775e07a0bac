"""Lesson 04 port: a shared Value of 2000, one process deposits 1 and one withdraws 1.

The first part of shared/python-lessons/4-synchronization-in-processes.txt, with its five-run
printout: `demo_shared_memory_problem()` (no lock) and `demo_lock1()` (a separate `Lock`, passed to
both processes, acquired and released by hand). Then the course's additions:

* ``get_lock``: the Value's own lock (`with balance.get_lock():`), instead of a separate one;
* ``fast``:     no sleep, many iterations: the same update, far more often;
* the type of `Value`'s default lock (an RLock: its `.value` getter and setter take it too).

Run: ``python3 python/04_shared_value.py``  (the original's printout, five runs each)
     ``python3 python/04_shared_value.py --json [--trials N] [--sleep-iterations N] [--iterations N]
     [--demos no_lock,lock1,get_lock,fast]``  (only the demos named; all four by default)
Standard library only.
"""
import argparse
import json
import sys
import time
from multiprocessing import Lock, Process, Value

# --- The original ------------------------------------------------------------------------------
def deposit(balance, iterations=1000):
    for i in range(iterations):
        time.sleep(0.001)
        balance.value = balance.value + 1


def withdraw(balance, iterations=1000):
    for i in range(iterations):
        time.sleep(0.001)
        balance.value = balance.value - 1


def deposit_lock1(balance, lock, iterations=1000):
    for i in range(iterations):
        time.sleep(0.001)
        lock.acquire()
        balance.value = balance.value + 1
        lock.release()


def withdraw_lock1(balance, lock, iterations=1000):
    for i in range(iterations):
        time.sleep(0.001)
        lock.acquire()
        balance.value = balance.value - 1
        lock.release()


# --- The course's additions --------------------------------------------------------------------
def deposit_get_lock(balance, iterations=1000):
    for i in range(iterations):
        time.sleep(0.001)
        with balance.get_lock():  # the Value's own lock around the whole read-modify-write
            balance.value = balance.value + 1


def withdraw_get_lock(balance, iterations=1000):
    for i in range(iterations):
        time.sleep(0.001)
        with balance.get_lock():
            balance.value = balance.value - 1


def deposit_fast(balance, iterations):
    for i in range(iterations):
        balance.value = balance.value + 1


def withdraw_fast(balance, iterations):
    for i in range(iterations):
        balance.value = balance.value - 1


def two_processes(add, sub, *extra, show=False):
    balance = Value('i', 2000)
    args = (balance, *extra)
    if show:
        print(f'before same number of deposit and withdraw: {balance.value}')
    p1 = Process(target=add, args=args)
    p2 = Process(target=sub, args=args)
    p1.start()
    p2.start()
    p1.join()
    p2.join()
    if show:
        print(f'after same number of deposit and withdraw: {balance.value}')
    return balance.value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--sleep-iterations", type=int, default=1000)
    parser.add_argument("--iterations", type=int, default=100000)
    parser.add_argument("--demos", default="no_lock,lock1,get_lock,fast", help="the demos to run, comma-separated")
    args = parser.parse_args()
    n = args.sleep_iterations  # passed as an argument: a child started by spawn or forkserver would not see a global set here
    show = not args.json

    demos = {
        "no_lock": lambda: two_processes(deposit, withdraw, n, show=show),
        "lock1": lambda: two_processes(deposit_lock1, withdraw_lock1, Lock(), n, show=show),
        "get_lock": lambda: two_processes(deposit_get_lock, withdraw_get_lock, n, show=show),
        "fast": lambda: two_processes(deposit_fast, withdraw_fast, args.iterations, show=show),
    }
    results = {
        "python": sys.version.split()[0], "expected": 2000, "trials": args.trials,
        "sleep_iterations": n, "fast_iterations": args.iterations,
        "default_lock": type(Value('i', 0).get_lock()).__name__,
    }
    wanted = args.demos.split(",")
    unknown = [name for name in wanted if name not in demos]
    if unknown:
        parser.error(f"unknown demo(s) {', '.join(unknown)}; choose from {', '.join(demos)}")
    for name in wanted:
        demo = demos[name]
        if show:
            print(f"--- {name} ---")
        start = time.perf_counter()
        finals = [demo() for _ in range(args.trials)]
        results[name] = {"finals": finals, "ms": round((time.perf_counter() - start) * 1000)}
    if args.json:
        print(json.dumps(results))
    else:
        print(f"Value's default lock: {results['default_lock']}")


if __name__ == "__main__":
    main()
