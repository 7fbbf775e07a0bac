"""Lesson 11, Python port: you are the scheduler.

A tiny controlled scheduler for Python threads, in the spirit of the lesson's explore()/replay():
each worker calls point(label) to end a step; a step runs alone, and the controller chooses which
worker takes the next one. Every schedule of two workers is run, on real threads, by re-running the
program from the start for each one (depth-first over the choices).

  lost-update    two unlocked increments: 6 schedules, 4 lose an update
  one-step       `x += 1` after a single point: 2 schedules, none bad -- a step is indivisible
                 here, so the read and the write inside it can never be split (the model's blind spot)
  locked         the same under a Lock: every schedule the lock allows ends with 2
  two-locks      a then b against b then a: some schedules deadlock

A worker waiting for a lock is not chosen until the lock is free (acquire() is wrapped to try first,
then wait at a point); a schedule where nobody can go on is a deadlock.

Run:  python3 python/11_you_are_the_scheduler.py [--json]
Standard library only.
"""

import argparse
import json
import threading

STEP_TIMEOUT_S = 5.0


class Controlled:
    """One run of `workers` threads under control. point() parks the caller until it is chosen."""

    def __init__(self, workers):
        self.cond = threading.Condition()
        self.turn = None  # the worker allowed to run now, or None while the controller chooses
        self.state = ["new"] * workers  # new, running, point, blocked, done
        self.blocked_on = [None] * workers

    def _park(self, me, state, lock=None):
        with self.cond:
            if self.turn == "abort":
                raise SystemExit
            self.state[me], self.blocked_on[me] = state, lock
            self.turn = None
            self.cond.notify_all()
            if not self.cond.wait_for(lambda: self.turn == me or self.turn == "abort", STEP_TIMEOUT_S):
                raise RuntimeError(f"worker {me} was never chosen again")
            if self.turn == "abort":
                raise SystemExit  # unwinds the thread quietly: the schedule is over
            self.state[me] = "running"

    def point(self, me):
        self._park(me, "point")

    def acquire(self, me, lock):
        """Lock.acquire under control: a point; while the lock is taken, wait without being chosen."""
        self._park(me, "point")
        while not lock.acquire(blocking=False):
            self._park(me, "blocked", lock)

    def done(self, me):
        with self.cond:
            self.state[me] = "done"
            if self.turn != "abort":  # an abort must reach every stuck worker
                self.turn = None
            self.cond.notify_all()

    def enabled(self):
        return [w for w, s in enumerate(self.state)
                if s == "point" or (s == "blocked" and not self.blocked_on[w].locked())]

    def wait_all_parked(self):
        with self.cond:
            if not self.cond.wait_for(lambda: "running" not in self.state, STEP_TIMEOUT_S):
                raise RuntimeError("a step did not reach its next point in time")

    def grant(self, worker):
        with self.cond:
            self.turn = worker
            self.state[worker] = "running"  # now, not when it wakes: the wait below must see it run
            self.cond.notify_all()
        self.wait_all_parked()


def run_schedule(program, prefix):
    """Runs `program` once, following `prefix`, then always the first worker that can go on."""
    bodies, observe = program()
    ctl = Controlled(len(bodies))
    decisions = []
    threads = []
    for me, body in enumerate(bodies):  # each runs alone up to its first point
        def target(me=me, body=body):
            try:
                body(ctl, me)
            finally:
                if ctl.state[me] != "done":
                    ctl.done(me)
        t = threading.Thread(target=target, daemon=True)
        with ctl.cond:
            ctl.state[me] = "running"
        t.start()
        ctl.wait_all_parked()
        threads.append(t)
    while True:
        enabled = ctl.enabled()
        if not enabled:
            break
        chosen = prefix[len(decisions)] if len(decisions) < len(prefix) else enabled[0]
        decisions.append((enabled, chosen))
        ctl.grant(chosen)
    deadlock = any(s != "done" for s in ctl.state)
    if deadlock:
        with ctl.cond:
            ctl.turn = "abort"
            ctl.cond.notify_all()
    for t in threads:
        t.join(STEP_TIMEOUT_S)
    return [c for _, c in decisions], observe(), deadlock, decisions


def explore(program):
    """Every schedule, depth first: change the deepest choice that has an untried alternative."""
    schedules, prefix = {}, []
    while prefix is not None:
        order, observed, deadlock, decisions = run_schedule(program, prefix)
        schedules.setdefault(tuple(order), (observed, deadlock))
        prefix = None
        for i in range(len(decisions) - 1, -1, -1):
            enabled, chosen = decisions[i]
            at = enabled.index(chosen)
            if at + 1 < len(enabled):
                prefix = [c for _, c in decisions[:i]] + [enabled[at + 1]]
                break
    return schedules


def lost_update():
    box = {"x": 0}

    def increment(ctl, me):
        ctl.point(me)
        seen = box["x"]
        ctl.point(me)
        box["x"] = seen + 1
    return [increment, increment], lambda: box["x"]


def one_step():
    """The increment as one step: the read and the write with no point between them."""
    box = {"x": 0}

    def increment(ctl, me):
        ctl.point(me)
        box["x"] += 1
    return [increment, increment], lambda: box["x"]


def locked():
    box, lock = {"x": 0}, threading.Lock()

    def increment(ctl, me):
        ctl.acquire(me, lock)
        ctl.point(me)
        seen = box["x"]
        ctl.point(me)
        box["x"] = seen + 1
        lock.release()
    return [increment, increment], lambda: box["x"]


def two_locks():
    a, b = threading.Lock(), threading.Lock()

    def worker(first, second):
        def body(ctl, me):
            ctl.acquire(me, first)
            ctl.acquire(me, second)
            second.release()
            first.release()
        return body
    return [worker(a, b), worker(b, a)], lambda: 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args()
    results = []
    for name, program, expected in [("lost-update", lost_update, 2), ("one-step", one_step, 2), ("locked", locked, 2),
                                     ("two-locks", two_locks, 0)]:
        found = explore(program)
        bad = sum(1 for observed, deadlock in found.values() if deadlock or observed != expected)
        deadlocks = sum(1 for _, deadlock in found.values() if deadlock)
        results.append({"demo": name, "schedules": len(found), "bad": bad, "deadlocks": deadlocks,
                        "orders": ["".join(map(str, o)) for o in found]})
    if args.json:
        print(json.dumps({"demos": results}))
    else:
        for r in results:
            print(f"{r['demo']:12} {r['schedules']:3} schedules, {r['bad']} bad ({r['deadlocks']} deadlocks)")


if __name__ == "__main__":
    main()
