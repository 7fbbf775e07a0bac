"""Lesson 04 in Python: a shared Value of 2000, one process deposits 1 and one withdraws 1.

The Python original of notebooks/04-shared-value.ipynb. Three demos:

* ``sleep``:  1000 iterations each, a 1 ms sleep, then ``balance.value = balance.value + 1``.
* ``fast``:   no sleep, 100000 iterations each: the same update, far more often.
* ``locked``: the fast demo with ``with balance.get_lock():`` around each update.

Run: ``python3 python/04_shared_value.py [--json] [--trials N] [--sleep-iterations N] [--iterations N]``
Standard library only.
"""
import argparse
import json
import sys
import time
from multiprocessing import Process, Value


def deposit(balance, iterations, pause):
    for _ in range(iterations):
        if pause:
            time.sleep(pause)
        # Reading .value and writing it are each atomic (each takes the Value's own lock);
        # the pair is not: the other process can write in between, and its update is lost.
        balance.value = balance.value + 1


def withdraw(balance, iterations, pause):
    for _ in range(iterations):
        if pause:
            time.sleep(pause)
        balance.value = balance.value - 1


def deposit_locked(balance, iterations, pause):
    for _ in range(iterations):
        if pause:
            time.sleep(pause)
        with balance.get_lock():  # the whole read-modify-write under one lock
            balance.value = balance.value + 1


def withdraw_locked(balance, iterations, pause):
    for _ in range(iterations):
        if pause:
            time.sleep(pause)
        with balance.get_lock():
            balance.value = balance.value - 1


def one_trial(add, sub, iterations, pause):
    balance = Value("i", 2000)
    workers = [Process(target=add, args=(balance, iterations, pause)),
               Process(target=sub, args=(balance, iterations, pause))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return balance.value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--sleep-iterations", type=int, default=1000)
    parser.add_argument("--iterations", type=int, default=100000)
    args = parser.parse_args()

    demos = {
        "sleep": (deposit, withdraw, args.sleep_iterations, 0.001),
        "fast": (deposit, withdraw, args.iterations, 0),
        "locked": (deposit_locked, withdraw_locked, args.iterations, 0),
    }
    results = {"python": sys.version.split()[0], "expected": 2000, "trials": args.trials}
    for name, (add, sub, iterations, pause) in demos.items():
        start = time.perf_counter()
        finals = [one_trial(add, sub, iterations, pause) for _ in range(args.trials)]
        results[name] = {"iterations": iterations, "finals": finals,
                         "ms": round((time.perf_counter() - start) * 1000)}
    if args.json:
        print(json.dumps(results))
    else:
        print(f"Python {results['python']}, expected {results['expected']} every time")
        for name in demos:
            r = results[name]
            print(f"{name:>6} ({r['iterations']} iterations each): {r['finals']}  [{r['ms']} ms]")


if __name__ == "__main__":
    main()
