"""Python side of `npm run bench`: times the lessons' Python ports, case by case.

Usage: python3 bench/python/bench.py CASE [--reps N] [--quick]
Prints one JSON object: {"python": version, "variants": {name: [{"ms": float, "observed": number,
"anomaly": bool}, ...]}} — one entry per repetition (a "value" replaces "ms" where the variant
measures something else, e.g. a round trip in µs or operations per second).

The workloads are the ports in python/ themselves, imported (their file names start with digits, so
through importlib); only what no port has (a flock per increment, multiprocessing.Lock throughput,
start-up costs) is written here. Standard library only. Every file lives in a temporary folder.
"""
import argparse
import fcntl
import importlib.util
import json
import multiprocessing as mp
import os
import sys
import tempfile
import threading
import time
from functools import partial

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.argv.append("--json")  # the ports read --json from sys.argv at import time to stay quiet


def port(name):
    """Imports python/<name>.py as a module (it is `import`able only by path: it starts with a digit)."""
    spec = importlib.util.spec_from_file_location(f"port_{name}", os.path.join(ROOT, "python", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # multiprocessing pickles the port's functions by module name
    spec.loader.exec_module(module)
    return module


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return (time.perf_counter() - started) * 1000, result


# --- file-counter-unlocked / file-counter-locked (lessons 02-03) ---------------------------------

def flock_per_increment(max_count, filename, lock_path):
    """Lesson 03's exercise in Python: the flock taken around each single increment."""
    p03 = sys.modules["port_03_file_locks"]
    with open(lock_path, "a") as lock_file:
        for _ in range(max_count):
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                p03.work(1, filename)
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)
    return 0


def file_counter(locked, reps, quick):
    p03 = port("03_file_locks")
    counts = [50, 100] if quick else [1000, 2000]
    expected = sum(counts)
    variants = {"flock around work": p03.locked_work, "flock per increment": flock_per_increment}
    if not locked:
        variants = {"unlocked": None}
    elif p03.fasteners is not None:
        variants["fasteners"] = p03.fasteners_work
    out = {}
    for name, fn in variants.items():
        rows = []
        for rep in range(reps):
            with tempfile.TemporaryDirectory(prefix="race-lab-bench-") as folder:
                filename = os.path.join(folder, "count.txt")
                lock_path = os.path.join(folder, "count.lock")
                task = partial(p03.work, filename=filename) if fn is None else partial(fn, filename=filename, lock_path=lock_path)

                def run():
                    with mp.Pool(2) as pool:
                        return pool.map(task, counts)

                ms, _ = timed(run)
                value = p03.read_number(filename)
            rows.append({"ms": ms, "observed": value, "anomaly": value != expected})
        out[name] = rows
    return out


# --- shared-value-sleep / shared-value-nosleep (lesson 04) ---------------------------------------

def deposit_fast_locked(balance, iterations):
    """The port's fast loop (no sleep) with the Value's own lock around each update: no port has it."""
    for _ in range(iterations):
        with balance.get_lock():
            balance.value = balance.value + 1


def withdraw_fast_locked(balance, iterations):
    for _ in range(iterations):
        with balance.get_lock():
            balance.value = balance.value - 1


def shared_value(sleep, reps, quick):
    p04 = port("04_shared_value")
    iterations = (20 if quick else 1000) if sleep else (2000 if quick else 100000)
    if sleep:  # the original's loops: a 1 ms sleep before each update
        variants = [("unlocked", p04.deposit, p04.withdraw), ("locked", p04.deposit_get_lock, p04.withdraw_get_lock)]
    else:
        variants = [("unlocked", p04.deposit_fast, p04.withdraw_fast), ("locked", deposit_fast_locked, withdraw_fast_locked)]
    out = {}
    for name, add, sub in variants:
        rows = []
        for _ in range(reps):
            ms, final = timed(lambda: p04.two_processes(add, sub, iterations))
            rows.append({"ms": ms, "observed": final, "anomaly": final != 2000})
        out[name] = rows
    return out


# --- pool-decorator (lesson 05) ------------------------------------------------------------------

def pool_decorator(reps, quick):
    p05 = port("05_decorators")
    times = 50 if quick else 500
    out = {}
    # The TypeScript case runs both pools at once (Promise.all), so the port runs with together=True
    # (starmap_async): all four tasks overlap. Timed from before the pools start, as on the TS side.
    for name, key in [("unlocked", "unsafe"), ("lock per task", "whole_task"), ("lock per update", "decorated")]:
        rows = []
        for _ in range(reps):
            p05.balance.value = 20000  # the port's module-level Value: forked pools inherit it
            _, final, ms, _deposited = p05.one_run(p05.TASKS[key], times, True)
            rows.append({"ms": ms, "observed": final, "anomaly": final != 20000})
        out[name] = rows
    return out


# --- no-gil (lesson 06) --------------------------------------------------------------------------

def no_gil(reps, quick):
    p06 = port("06_no_gil")
    threads, iterations = 8, (5000 if quick else 100000)
    out = {}
    for name, key in [("unsafe", "plain"), ("unsafe, split by a call", "split"), ("lock", "locked"), ("local sums", "local")]:
        rows = []
        for _ in range(reps):
            ms, (final, _) = timed(lambda: p06.one_trial(p06.VARIANTS[key], threads, iterations))
            rows.append({"ms": ms, "observed": final, "anomaly": final != threads * iterations})
        out[name] = rows
    return out


# --- manager-rpc (lesson 08) ---------------------------------------------------------------------

def manager_rpc(reps, quick):
    p08 = port("08_managers_and_proxies")
    ctx = p08.context()
    out = {"manager start": [], "round trip": []}
    for name in ("no delay", "widened window", "lock in the server"):
        out[name] = []
    calls = 200 if quick else 1000
    for _ in range(reps):
        started = time.perf_counter()
        manager = p08.PoolManager(ctx=ctx)
        manager.start()
        out["manager start"].append({"ms": (time.perf_counter() - started) * 1000})
        try:
            out["round trip"].append({"value": p08.round_trip_us(manager, calls)})
            for name, delay_s, locked in [("no delay", 0.0, False), ("widened window", 0.020, False),
                                          ("lock in the server", 0.020, True)]:
                ms, r = timed(lambda: p08.one_trial(manager, ctx, delay_s, locked))
                bad = r["duplicates"] + (r["lost"] if locked else 0)
                out[name].append({"ms": ms, "observed": r["duplicates"], "anomaly": bad > 0})
        finally:
            manager.shutdown()
    return out


# --- lock-throughput -----------------------------------------------------------------------------

def hammer(lock, counter, times, barrier, results):
    """One process: `times` × (acquire; counter += 1; release), timed after all start together."""
    barrier.wait()
    started = time.perf_counter()
    for _ in range(times):
        lock.acquire()
        counter.value += 1  # a RawValue: no lock of its own, the mp.Lock is the only one
        lock.release()
    results.put(time.perf_counter() - started)


def lock_throughput(reps, quick):
    ctx = mp.get_context("fork")
    # 400000: long enough (~0.3 s contended) that the processes really overlap after the barrier;
    # with 40000 one process often finished before the other got going, and the rate looked 4x higher.
    times = 2000 if quick else 400000
    out = {}
    for procs in (1, 2, 4):
        rows = []
        for _ in range(reps):
            lock, counter, barrier, results = ctx.Lock(), ctx.RawValue("i", 0), ctx.Barrier(procs), ctx.Queue()
            workers = [ctx.Process(target=hammer, args=(lock, counter, times, barrier, results)) for _ in range(procs)]
            for w in workers:
                w.start()
            seconds = max(results.get(timeout=120) for _ in workers)
            for w in workers:
                w.join(timeout=30)
            rows.append({"value": procs * times / seconds / 1e6, "observed": counter.value,
                         "anomaly": counter.value != procs * times})
        out[f"multiprocessing.Lock, {procs} process{'es' if procs > 1 else ''}"] = rows
    return out


# --- spawn ---------------------------------------------------------------------------------------

def nothing():
    return None


def spawn(reps, quick):
    out = {"thread": [], "process (fork)": [], "process (spawn)": []}
    reps_fast = reps * 2
    for _ in range(reps_fast):
        def one_thread():
            t = threading.Thread(target=nothing)
            t.start()
            t.join()
        out["thread"].append({"ms": timed(one_thread)[0]})
    for method in ("fork", "spawn"):
        ctx = mp.get_context(method)
        for _ in range(reps):
            def one_process():
                p = ctx.Process(target=nothing)
                p.start()
                p.join()
            out[f"process ({method})"].append({"ms": timed(one_process)[0]})
    return out


CASES = {
    "file-counter-unlocked": lambda reps, quick: file_counter(False, reps, quick),
    "file-counter-locked": lambda reps, quick: file_counter(True, reps, quick),
    "shared-value-sleep": lambda reps, quick: shared_value(True, reps, quick),
    "shared-value-nosleep": lambda reps, quick: shared_value(False, reps, quick),
    "pool-decorator": pool_decorator,
    "no-gil": no_gil,
    "manager-rpc": manager_rpc,
    "lock-throughput": lock_throughput,
    "spawn": spawn,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true", help="accepted for symmetry; the output is always JSON")
    args = ap.parse_args()
    variants = CASES[args.case](args.reps, args.quick)
    print(json.dumps({"python": sys.version.split()[0], "variants": variants}))


if __name__ == "__main__":
    main()
