"""Lesson 06 in Python: is a lock necessary with threads when there is a GIL? Yes.

The Python original of notebooks/06-no-gil.ipynb. Eight threads add 1 to a global balance, 100000
times each, five trials per variant:

* ``plain``:  ``balance += 1`` with no lock. On CPython 3.11 this usually loses nothing: the GIL is
  handed to another thread only at certain points (on entry to a function, at a backward jump,
  after a call), never between the load and the store of this one statement.
* ``split``:  the same read-modify-write split by a function call (``b = balance; pause();
  balance = b + 1``): the call is a point where the GIL can change hands, so updates are lost.
* ``locked``: the split version with ``with lock:`` around it: exact every time.
* ``local``:  each thread counts in a local variable and adds its total once, under the lock.

Free-threaded CPython (3.13t and later, no GIL) loses updates in ``plain`` as well, like JavaScript
workers on a SharedArrayBuffer.

``--switch-interval S`` sets ``sys.setswitchinterval(S)``: how long a thread may hold the GIL before
it is asked to hand it over (default 0.005 s). A shorter interval means more hand-overs, so the split
version's window is hit far more often (with the default, a short trial may finish within one
interval and lose nothing); ``plain`` still loses none on 3.10-3.12.

Run: ``python3 python/06_no_gil.py [--json] [--threads N] [--iterations N] [--trials N] [--switch-interval S]``
Standard library only.
"""
import argparse
import json
import sys
import threading
import time

balance = 0
lock = threading.Lock()


def pause():
    """Does nothing; calling it gives the interpreter a chance to switch threads."""


def plain(iterations):
    global balance
    for _ in range(iterations):
        balance += 1  # one statement, several bytecodes: load, add, store


def split(iterations):
    global balance
    for _ in range(iterations):
        b = balance
        pause()          # a function call: the GIL may be handed over right here
        balance = b + 1  # writes a stale value if another thread updated balance meanwhile


def locked(iterations):
    global balance
    for _ in range(iterations):
        with lock:  # the read and the write happen as one step for every other thread
            b = balance
            pause()
            balance = b + 1


def local(iterations):
    global balance
    mine = 0
    for _ in range(iterations):
        mine += 1  # a local variable: no other thread can see it, so nothing to lock
    with lock:
        balance += mine  # one shared update per thread


VARIANTS = {"plain": plain, "split": split, "locked": locked, "local": local}


def one_trial(work, threads, iterations):
    global balance
    balance = 0
    workers = [threading.Thread(target=work, args=(iterations,)) for _ in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return balance, (time.perf_counter() - start) * 1000


def gil_enabled():
    check = getattr(sys, "_is_gil_enabled", None)  # Python 3.13+
    return True if check is None else check()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--iterations", type=int, default=100000)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--switch-interval", type=float, default=None,
                        help="seconds a thread may hold the GIL before handing it over (default: Python's, 0.005)")
    args = parser.parse_args()
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)

    expected = args.threads * args.iterations
    results = {"python": sys.version.split()[0], "gil": gil_enabled(), "switch_interval": sys.getswitchinterval(),
               "threads": args.threads,
               "iterations": args.iterations, "expected": expected, "trials": args.trials}
    for name, work in VARIANTS.items():
        runs = [one_trial(work, args.threads, args.iterations) for _ in range(args.trials)]
        results[name] = {"finals": [r[0] for r in runs],
                         "lost": [expected - r[0] for r in runs],
                         "ms": [round(r[1], 1) for r in runs]}
    if args.json:
        print(json.dumps(results))
    else:
        print(f"Python {results['python']} (GIL {'on' if results['gil'] else 'off'}, "
              f"switch interval {results['switch_interval'] * 1000:g} ms), "
              f"{args.threads} threads x {args.iterations}: expected {expected}")
        for name in VARIANTS:
            r = results[name]
            print(f"{name:>6}: lost {r['lost']}  ms {r['ms']}")


if __name__ == "__main__":
    main()
