"""Lesson 07, Python port: a connection pool hosted in a manager's server process.

A puzzle from a Q&A site: ten connections live in a `ConnectionPool` inside a `BaseManager`
server; eleven client processes each call `get()` through a proxy. `get()` reads the last ready
connection, pops it and moves it to the leased list -- with no lock. The asker expected duplicate
ids and saw none. The pool is not shared: only proxies to it are, and every call is a remote
procedure call whose cost dwarfs the window between the read and the pop.

Python's manager serves each client connection in its own *thread*, so the unlocked `get()` runs in
several threads at once. Whether two can interleave between the read and the pop depends on where
the interpreter may switch threads: since CPython 3.10 only on entry to a function, at a backward
jump and after a call, and there is none between ``ready[-1]`` and ``pop()`` -- so on 3.10+ with the
GIL it does not race at all; before 3.10, or on the free-threaded build (3.13t), it can, rarely.
Widen the window with a random sleep (which releases the GIL) and nearly every client leases the
same connection.

Run:  python3 python/07_managers_and_proxies.py [--json] [--max-delay-ms 20] [--trials 10]
Standard library only.
"""

import argparse
import json
import multiprocessing as mp
import random
import threading
import time
from multiprocessing.managers import BaseManager

POOL_SIZE = 10
CLIENTS = 11


class ConnectionPool:
    """Ten connection ids; `get()` leases one. `locked=True` is the fixed version."""

    def __init__(self, size=POOL_SIZE, max_delay_s=0.0, locked=False):
        self.ready = list(range(size))
        self.leased = []
        self.max_delay_s = max_delay_s
        # The fix: a lock makes read-pop-append one step; a bounded semaphore counts free slots,
        # so a client beyond the tenth is refused cleanly instead of racing for an empty list.
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
        if self.max_delay_s:
            time.sleep(random.uniform(0, self.max_delay_s))  # ... the window, widened ...
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


def one_trial(manager, ctx, max_delay_s, locked):
    pool = manager.ConnectionPool(POOL_SIZE, max_delay_s, locked)
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
    pool = manager.ConnectionPool(POOL_SIZE, 0.0, False)
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
    demos = []
    with PoolManager(ctx=ctx) as manager:
        rtt = round_trip_us(manager)
        wide_trials = max(1, args.trials // 2)
        for name, variant, delay_ms, locked, trials in [
            ("pool.get() through proxies, no delay", "rare", 0.0, False, args.trials),
            (f"pool.get() with a random delay up to {args.max_delay_ms:g} ms", "unsafe", args.max_delay_ms, False, wide_trials),
            ("pool.get() with a lock and a semaphore in the server", "safe", args.max_delay_ms, True, wide_trials),
        ]:
            started = time.perf_counter()
            rows = [one_trial(manager, ctx, delay_ms / 1000, locked) for _ in range(trials)]
            demos.append({
                "demo": name,
                "variant": variant,
                "trials": trials,
                "anomalies": sum(1 for r in rows if r["duplicates"] > 0),
                "duplicates": [r["duplicates"] for r in rows],
                "lost": [r["lost"] for r in rows],
                "errors": [r["errors"] for r in rows],
                "ms": round((time.perf_counter() - started) * 1000),
            })
    report = {"lesson": "07-managers-and-proxies", "roundTripUs": round(rtt, 1), "demos": demos}
    if args.json:
        print(json.dumps(report))
        return
    print(f"one proxy call round trip: {rtt:.1f} us")
    for d in demos:
        print(f"{d['variant']:>6}  {d['demo']}: duplicates in {d['anomalies']}/{d['trials']} trials "
              f"(per trial {d['duplicates']}, lost {d['lost']}, errors {d['errors']}, {d['ms']} ms)")


if __name__ == "__main__":
    main()
