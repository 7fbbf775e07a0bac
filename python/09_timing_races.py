"""Lesson 09, Python port: races of timing with primitives that wait.

Four races, each (1) forced to happen, (2) left to chance over trials, (3) fixed:
  lost-wakeup   a bare Condition.notify() sent before anyone waits is lost; fixed by waiting for a
                predicate over shared state (wait_for), or by an Event, which keeps its state
  no-loop       `if not items: cond.wait()` -- two consumers woken for one item; a `while` loops
  barrier       a party slower than the barrier's timeout breaks it for everyone; size the timeout
                as a failure detector. A party that crashes calls nothing: the others' timeout
                releases them; a party that knows it will not arrive calls abort(): released at once
  ordering      B reads before A has written; an Event orders them
Every wait has a timeout: a wait that times out is reported as "timed out", never left hanging (a
hang, not a deadlock: nobody here waits in a cycle).
Threads are enough here: timing races are about *when*, and Python's threads interleave at the
same points the lesson's TypeScript threads do.

Run:  python3 python/09_timing_races.py [--json] [--trials 20]
Standard library only.
"""

import argparse
import json
import random
import threading
import time

WAIT_S = 0.02  # how long a waiter waits before it reports "timed out"


def run_together(*targets):
    """Start threads that wait at one start gate, then run them and return their results."""
    gate = threading.Barrier(len(targets))
    results = [None] * len(targets)

    def runner(i, fn):
        gate.wait()
        try:
            results[i] = fn()
        except Exception as error:  # a failed party is an outcome, not a crash of the demo
            results[i] = f"{type(error).__name__}"

    threads = [threading.Thread(target=runner, args=(i, fn)) for i, fn in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=5)
    return results


# --- 1. the lost wake-up -------------------------------------------------------------------
def lost_wakeup(mode):
    """mode: 'forced' (notify first), 'natural' (both start together), 'fixed' (a predicate over a
    flag, wait_for, notifier still first), 'event' (an Event, setter still first)."""
    if mode == "event":
        event = threading.Event()
        event.set()  # before anyone waits: the flag stays up
        return "woke" if event.wait(WAIT_S) else "timed out"
    cond = threading.Condition()
    state = {"ready": False}

    def waiter():
        with cond:
            if mode == "fixed":
                return "woke" if cond.wait_for(lambda: state["ready"], WAIT_S) else "timed out"
            return "woke" if cond.wait(WAIT_S) else "timed out"

    def notifier():
        with cond:
            state["ready"] = True  # the shared state the fixed waiter checks (the bare one ignores it)
            cond.notify()  # a bare notification: nothing remembers it was sent

    if mode in ("forced", "fixed"):
        notifier()  # the notification goes first, to nobody
        return waiter()
    return run_together(waiter, notifier)[0]


# --- 2. check, then wait, without a predicate loop -------------------------------------------
def until(ready, limit_s=5.0):
    """Polls `ready` every millisecond, at most `limit_s` seconds: the forced runs' handshake."""
    end = time.monotonic() + limit_s
    while not ready() and time.monotonic() < end:
        time.sleep(0.001)


def no_loop(mode):
    """Two consumers, two items put one at a time. Anomaly: a consumer found no item.
    forced: the first item comes once both consumers wait, the second once both have woken up."""
    cond = threading.Condition()
    items = []
    count = {"waiting": 0, "finished": 0}

    def consumer():
        with cond:
            got = None
            if mode == "fixed":
                while not items:  # the predicate loop: check again after every wake-up
                    count["waiting"] += 1
                    if not cond.wait(1.0):
                        got = "timed out"
                        break
            elif not items:  # checked once: `if`, not `while`
                count["waiting"] += 1
                cond.wait(1.0)
            if got is None:
                got = items.pop() if items else "no item"
            count["finished"] += 1
            return got

    def producer():
        forced = mode != "natural"
        if forced:  # counted under the lock, and wait() releases it: once we hold it, both wait
            until(lambda: count["waiting"] >= 2)
        for item in ("a", "b"):
            with cond:
                items.append(item)
                cond.notify_all()  # wakes both consumers for one item
            if forced:
                until(lambda: count["finished"] >= 2 or count["waiting"] >= 3)
            else:
                time.sleep(0.002)

    got = run_together(consumer, consumer, producer)[:2]
    return "no item" if "no item" in got else ("timed out" if "timed out" in got else "ok")


# --- 3. a barrier broken by a timeout ---------------------------------------------------------
def barrier(mode):
    """Three parties meet; the barrier's timeout is 20 ms (1 s when fixed). Anomaly: it broke.
    forced: the third party arrives only once the others have timed out and broken the barrier."""
    timeout = 1.0 if mode == "fixed" else 0.020
    b = threading.Barrier(3, timeout=timeout)

    def party(work_s):
        def go():
            if work_s < 0:
                until(lambda: b.broken)  # late on purpose: after the others gave up
            else:
                time.sleep(work_s)
            b.wait()
            return "met"
        return go

    if mode == "forced":
        works = [0.0, 0.0, -1]
    elif mode == "fixed":
        works = [0.0, 0.0, 0.040]  # the same late party, a timeout sized for failure
    else:
        works = [random.uniform(0, 0.030) for _ in range(3)]
    got = run_together(*(party(w) for w in works))
    return "broken" if "BrokenBarrierError" in got else "met"


def barrier_fate(fate):
    """Two healthy parties and one that crashes (calls nothing) or aborts (knows it will not arrive)."""
    b = threading.Barrier(3, timeout=0.3)

    def healthy():
        b.wait()
        return "met"

    def fallible():
        if fate == "crashes":
            return "crashed"  # nothing tells the barrier: only the others' timeout can notice
        b.abort()  # alive, and says so: the others are released at once
        return "aborted"

    started = time.perf_counter()
    got = run_together(healthy, healthy, fallible)
    return {"fate": fate, "results": got, "ms": round((time.perf_counter() - started) * 1000, 1)}


# --- 4. an ordering assumption -------------------------------------------------------------
def ordering(mode):
    """A computes then writes 42; B reads it. Anomaly: B read before A wrote."""
    box = {"value": 0}
    written = threading.Event()

    def a():
        time.sleep(0.001)  # A has a little work to do first
        box["value"] = 42
        written.set()

    def b():
        if mode == "fixed" and not written.wait(WAIT_S * 10):
            return "timed out"
        return box["value"]

    if mode == "forced":
        read = b()  # B runs first, every time
        a()
        return read
    if mode == "fixed":  # B starts first again, but now it waits for A's event
        result = {}
        reader = threading.Thread(target=lambda: result.update(read=b()))
        reader.start()
        a()
        reader.join(timeout=5)
        return result.get("read")
    return run_together(a, b)[1]


DEMOS = [
    ("lost wake-up: notify before wait", lost_wakeup, lambda r: r != "woke", ("fixed", "event")),
    ("check then wait, no predicate loop", no_loop, lambda r: r != "ok", ("fixed",)),
    ("barrier broken by a 20 ms timeout", barrier, lambda r: r == "broken", ("fixed",)),
    ("B reads before A writes", ordering, lambda r: r != 42, ("fixed",)),
]
FIX_NAMES = {"fixed": "fixed", "event": "Event"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--trials", type=int, default=20, help="trials of each natural and fixed run")
    args = parser.parse_args()

    demos = []
    for name, fn, anomaly, fixes in DEMOS:
        row = {"demo": name, "trials": args.trials}
        row["forced"] = fn("forced")
        row["naturalAnomalies"] = sum(anomaly(fn("natural")) for _ in range(args.trials))
        row["fixes"] = {FIX_NAMES[f]: sum(anomaly(fn(f)) for _ in range(args.trials)) for f in fixes}
        demos.append(row)
    report = {"lesson": "09-timing-races", "demos": demos, "barrierFates": [barrier_fate("crashes"), barrier_fate("aborts")]}
    if args.json:
        print(json.dumps(report))
        return
    for d in demos:
        fixed = ", ".join(f"{fix} {n}/{d['trials']}" for fix, n in d["fixes"].items())
        print(f"{d['demo']}: forced -> {d['forced']!r}; by chance {d['naturalAnomalies']}/{d['trials']}; {fixed}")
    for f in report["barrierFates"]:
        print(f"barrier with a party that {f['fate']}: {f['results']} in {f['ms']} ms")


if __name__ == "__main__":
    main()
