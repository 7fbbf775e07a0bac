"""Lesson 08, Python port: races of timing with primitives that wait.

Four races, each (1) forced to happen, (2) left to chance over trials, (3) fixed:
  lost-wakeup   a bare Condition.notify() sent before anyone waits is lost; an Event keeps its state
  no-loop       `if not items: cond.wait()` -- two consumers woken for one item; wait_for() loops
  barrier       a party slower than the barrier's timeout breaks it for everyone; size the timeout
                as a failure detector, and abort() a barrier whose party died so nobody hangs
  ordering      B reads before A has written; an Event orders them
Every wait has a timeout: a wait that times out is reported as "deadlocked", never left hanging.
Threads are enough here: timing races are about *when*, and Python's threads interleave at the
same points the lesson's TypeScript threads do.

Run:  python3 python/08_timing_races.py [--json] [--trials 20]
Standard library only.
"""

import argparse
import json
import random
import threading
import time

WAIT_S = 0.02  # how long a waiter waits before we call it deadlocked


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
    """mode: 'forced' (notify first), 'natural' (both start together), 'fixed' (Event)."""
    if mode == "fixed":
        event = threading.Event()
        waiter = lambda: "woke" if event.wait(WAIT_S) else "deadlocked"
        return run_together(waiter, event.set)[0]
    cond = threading.Condition()

    def waiter():
        with cond:
            return "woke" if cond.wait(WAIT_S) else "deadlocked"

    def notifier():
        with cond:
            cond.notify()  # a bare notification: nothing remembers it was sent

    if mode == "forced":
        notifier()  # the notification goes first, to nobody
        return waiter()
    return run_together(waiter, notifier)[0]


# --- 2. check, then wait, without a predicate loop -------------------------------------------
def no_loop(mode):
    """Two consumers, two items put one at a time. Anomaly: a consumer found no item."""
    cond = threading.Condition()
    items = []
    waiting = threading.Semaphore(0)

    def consumer():
        with cond:
            if mode == "fixed":
                if not cond.wait_for(lambda: items, WAIT_S * 4):
                    return "deadlocked"
            elif not items:  # checked once: `if`, not `while`
                waiting.release()
                cond.wait(WAIT_S * 4)
            return items.pop() if items else "no item"

    def producer():
        if mode == "forced":  # both consumers are waiting before the first item arrives
            waiting.acquire(timeout=1)
            waiting.acquire(timeout=1)
        for item in ("a", "b"):
            with cond:
                items.append(item)
                cond.notify_all()  # wakes both consumers for one item
            time.sleep(0.002)

    got = run_together(consumer, consumer, producer)[:2]
    return "no item" if "no item" in got else ("deadlocked" if "deadlocked" in got else "ok")


# --- 3. a barrier broken by a timeout ---------------------------------------------------------
def barrier(mode):
    """Three parties meet; the barrier's timeout is 20 ms. Anomaly: the barrier broke."""
    timeout = 1.0 if mode == "fixed" else 0.020
    b = threading.Barrier(3, timeout=timeout)

    def party(work_s):
        def go():
            time.sleep(work_s)
            b.wait()
            return "met"
        return go

    if mode == "forced":
        works = [0.0, 0.0, 0.040]  # one party takes twice the timeout
    else:
        works = [random.uniform(0, 0.030) for _ in range(3)]
    got = run_together(*(party(w) for w in works))
    return "broken" if "BrokenBarrierError" in got else "met"


def barrier_with_dead_party():
    """A party that dies aborts the barrier: the others learn at once instead of hanging."""
    b = threading.Barrier(3)  # no timeout at all

    def healthy():
        b.wait()
        return "met"

    def dies():
        try:
            raise ValueError("party crashed before the barrier")
        except ValueError:
            b.abort()  # the broken state is how the others find out
            return "died"

    started = time.perf_counter()
    got = run_together(healthy, healthy, dies)
    return {"results": got, "ms": round((time.perf_counter() - started) * 1000, 1)}


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
        if mode == "fixed" and not written.wait(WAIT_S):
            return "deadlocked"
        return box["value"]

    if mode == "forced":
        read = b()  # B runs first, every time
        a()
        return read
    return run_together(a, b)[1]


DEMOS = [
    ("lost wake-up: notify before wait", lost_wakeup, lambda r: r == "deadlocked"),
    ("check then wait, no predicate loop", no_loop, lambda r: r != "ok"),
    ("barrier broken by a 20 ms timeout", barrier, lambda r: r == "broken"),
    ("B reads before A writes", ordering, lambda r: r != 42),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--trials", type=int, default=20, help="trials of each natural and fixed run")
    args = parser.parse_args()

    demos = []
    for name, fn, anomaly in DEMOS:
        row = {"demo": name, "trials": args.trials}
        row["forced"] = fn("forced")
        row["naturalAnomalies"] = sum(anomaly(fn("natural")) for _ in range(args.trials))
        row["fixedAnomalies"] = sum(anomaly(fn("fixed")) for _ in range(args.trials))
        demos.append(row)
    report = {"lesson": "08-timing-races", "demos": demos, "deadParty": barrier_with_dead_party()}
    if args.json:
        print(json.dumps(report))
        return
    for d in demos:
        print(f"{d['demo']}: forced -> {d['forced']!r}; by chance {d['naturalAnomalies']}/{d['trials']}; "
              f"fixed {d['fixedAnomalies']}/{d['trials']}")
    dead = report["deadParty"]
    print(f"barrier with a party that dies and aborts it: {dead['results']} in {dead['ms']} ms")


if __name__ == "__main__":
    main()
