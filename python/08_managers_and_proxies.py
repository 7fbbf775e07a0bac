"""Lesson 08, Python port: a connection pool hosted in a manager's server process.

A puzzle from a Q&A site ("Unexpected multiprocessing behavior with omitted lock", Stack Overflow):
ten connections live in a `ConnectionPool` inside a `BaseManager` server; eleven client processes
each call `get()` through a proxy. `get()` reads the last ready connection, pops it and moves it to
the leased list -- with no lock. The asker expected duplicate ids and saw none. The pool is not
shared: only proxies to it are, and every call is a remote procedure call.

Python's manager serves each client connection in its own *thread*, so the unlocked `get()` runs in
several threads. Whether two can interleave between the read and the pop depends on where the
interpreter may switch threads: since CPython 3.10 (bpo-29988) only after a call returns and at the
backward jump of a loop (and, since 3.11, at a function's start), and there is none between
``ready[-1]`` and ``pop()`` -- so on 3.10 and later, with the GIL, the no-delay version cannot race.
Before 3.10, or on the free-threaded build (3.13t and later), it can, but rarely: the window is tiny
next to a proxy round trip.

Three windows between the read and the pop:
* ``no delay``: the asker's `get()`.
* ``random delay``: a random sleep up to --max-delay-ms (the answer used 100 ms): the sleep releases
  the GIL, so other clients' calls run in the window -- likely, not certain (a call that arrives after
  the others' sleeps ended finds nothing to race with).
* ``held open``: the window waits at a ``threading.Barrier`` until every client's call has read
  (at most 5 s): every client reads the same last connection, every trial.
and the fix, ``locked``: a lock around read-pop-append and a bounded semaphore (the random delay).

Run:  python3 python/08_managers_and_proxies.py [--json] [--max-delay-ms 20] [--trials 10]
Standard library only.
"""

import argparse
import json
import multiprocessing as mp
import platform
import random
import sys
import threading
import time
from multiprocessing.managers import BaseManager

POOL_SIZE = 10
CLIENTS = 11


class ConnectionPool:
    """Ten connection ids; `get()` leases one. `locked=True` is the fixed version.

    `window`: 0 for none, a number of seconds for a random sleep up to it, or "hold" to wait at a
    barrier until `clients` calls have read."""

    def __init__(self, size=POOL_SIZE, window=0.0, locked=False, clients=CLIENTS):
        self.ready = list(range(size))
        self.leased = []
        self.window = window
        self.held = threading.Barrier(clients) if window == "hold" else None
        # The fix: a lock makes read-pop-append one step; a semaphore whose initial count is the pool's
        # size counts free slots, so a client beyond the tenth is refused cleanly. Bounded: a release
        # above that initial count raises ValueError (it catches a connection given back twice).
        self.lock = threading.Lock() if locked else None
        self.slots = threading.BoundedSemaphore(size) if locked else None

    def get(self):
        if self.lock is None:
            return self._take()
        if not self.slots.acquire(blocking=False):
            raise RuntimeError("no connections available")
        with self.lock:
            return self._take()

    def _take(self):
        if not self.ready:
            raise RuntimeError("no connections available")
        conn = self.ready[-1]  # read ...
        if self.held is not None:
            try:
                self.held.wait(timeout=5)  # ... the window held open until every client has read ...
            except threading.BrokenBarrierError:
                pass  # a client that never came: go on rather than hang
        elif self.window:
            time.sleep(random.uniform(0, self.window))  # ... or a random sleep ...
        self.ready.pop()  # ... pop: another thread may have popped in between
        self.leased.append(conn)
        return conn

    def ping(self):
        return None

    def ready_count(self):
        return len(self.ready)


class PoolManager(BaseManager):
    pass


PoolManager.register("ConnectionPool", ConnectionPool)


def client(pool, results):
    """One client process: lease a connection through the proxy, report what happened."""
    try:
        results.put(("ok", pool.get()))
    except Exception as error:  # the proxy re-raises the server's exception here
        results.put(("error", str(error)))


def context():
    # fork starts eleven clients in milliseconds; spawn (the only choice on Windows) also works.
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


def one_trial(manager, ctx, window, locked):
    pool = manager.ConnectionPool(POOL_SIZE, window, locked, CLIENTS)
    results = ctx.Queue()
    clients = [ctx.Process(target=client, args=(pool, results)) for _ in range(CLIENTS)]
    for p in clients:
        p.start()
    outcomes = [results.get(timeout=30) for _ in clients]
    for p in clients:
        p.join(timeout=30)
    leased = [value for kind, value in outcomes if kind == "ok"]
    errors = [value for kind, value in outcomes if kind == "error"]
    # Lost: popped from `ready` but leased to nobody (another client's pop took it).
    lost = POOL_SIZE - pool.ready_count() - len(set(leased))
    return {"duplicates": len(leased) - len(set(leased)), "lost": lost, "errors": len(errors)}


def round_trip_us(manager, calls=2000):
    pool = manager.ConnectionPool(POOL_SIZE, 0.0, False, CLIENTS)
    pool.ping()
    start = time.perf_counter()
    for _ in range(calls):
        pool.ping()
    return (time.perf_counter() - start) / calls * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--trials", type=int, default=10, help="trials of the no-delay case")
    parser.add_argument("--max-delay-ms", type=float, default=20.0, help="widest random delay (the source used 100)")
    args = parser.parse_args()

    ctx = context()
    delay_s = args.max_delay_ms / 1000
    demos = []
    with PoolManager(ctx=ctx) as manager:
        rtt = round_trip_us(manager)
        few = max(1, args.trials // 2)
        for key, variant, name, window, locked, trials in [
            ("no delay", "natural", "pool.get() through proxies, no delay", 0.0, False, args.trials),
            ("random delay", "natural", f"a random delay up to {args.max_delay_ms:g} ms", delay_s, False, few),
            ("held open", "unsafe", "the window held open until every client has read", "hold", False, few),
            ("locked", "safe", "a lock and a bounded semaphore in the server", delay_s, True, few),
        ]:
            started = time.perf_counter()
            rows = [one_trial(manager, ctx, window, locked) for _ in range(trials)]
            demos.append({
                "key": key,
                "demo": name,
                "variant": variant,
                "trials": trials,
                "anomalies": sum(1 for r in rows if r["duplicates"] > 0),
                "duplicates": [r["duplicates"] for r in rows],
                "lost": [r["lost"] for r in rows],
                "errors": [r["errors"] for r in rows],
                "ms": round((time.perf_counter() - started) * 1000),
            })
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    report = {"lesson": "08-managers-and-proxies", "python": platform.python_version(), "gil": gil,
              "roundTripUs": round(rtt, 1), "demos": demos}
    if args.json:
        print(json.dumps(report))
        return
    print(f"Python {report['python']} ({'with' if gil else 'without'} the GIL); one proxy call round trip: {rtt:.1f} us")
    for d in demos:
        print(f"{d['key']:>12} ({d['variant']})  {d['demo']}: duplicates in {d['anomalies']}/{d['trials']} trials "
              f"(per trial {d['duplicates']}, lost {d['lost']}, errors {d['errors']}, {d['ms']} ms)")


if __name__ == "__main__":
    main()
