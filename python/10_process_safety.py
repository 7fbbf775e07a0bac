"""Lesson 10, Python port: the process-safety toolkit, and a bank that must conserve its money.

Each demo runs real processes (multiprocessing) and checks one property:
  lock         4 processes add 1 to a shared Value 10000 times each: 40000 with a Lock, less without
  release      a threading.Lock released by a thread, and a multiprocessing.Lock released by a
               process, that did not acquire it: Python allows both (the course's Lock refuses)
  rlock        a method that calls another method under the same lock: a plain Lock deadlocks on
               itself (acquire with a timeout reports "timed out"), an RLock does not
  semaphore    6 processes use a pool of 2 slots; inside, each waits (at most 200 ms) until three
               are in: 3 or more without a semaphore, at most 2 with one
  condition    a producer and a consumer hand over 200 items through a Condition
  barrier      3 processes work in 3 phases; nobody starts a phase before all finished the last
  owner        a controlling process owns a counter; the others send it messages on a Queue
  bank         10 accounts of 100; transfers between them; total must stay 1000. Forced: two
               processes both read account 0 before either writes it (1010 at the end); by
               chance: random transfers without locks. Per-account locks taken in inconsistent
               order deadlock (a timeout reports it); taking them in account order fixes it
Run:  python3 python/10_process_safety.py [--json]
Standard library only.
"""

import argparse
import json
import multiprocessing as mp
import random
import threading
import time

CTX = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
TIMEOUT_S = 0.1  # a lock not acquired in this time is reported as "timed out"


def gated(gate, target, args):
    gate.wait(timeout=10)  # the start gate: all processes begin together, as in the lesson
    target(*args)


def run_procs(target, arg_lists):
    gate = CTX.Barrier(len(arg_lists))
    procs = [CTX.Process(target=gated, args=(gate, target, args)) for args in arg_lists]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=20)
        if p.is_alive():  # the last safety net: never leave a process behind
            p.terminate()
            p.join()


# --- Lock -------------------------------------------------------------------------------------
def add_many(counter, n, use_lock):
    for _ in range(n):
        if use_lock:
            with counter.get_lock():
                counter.value += 1
        else:
            counter.value += 1  # read, add, write: three steps another process can split


def demo_lock(use_lock):
    counter = CTX.Value("i", 0)
    run_procs(add_many, [(counter, 10000, use_lock)] * 4)
    return counter.value


# --- who may release a Lock -------------------------------------------------------------------
def release_in_another_thread():
    """A threading.Lock acquired here and released by another thread: allowed in Python."""
    lock = threading.Lock()
    lock.acquire()
    outcome = {}

    def releaser():
        try:
            lock.release()
            outcome["released"] = True
        except RuntimeError:
            outcome["released"] = False

    t = threading.Thread(target=releaser)
    t.start()
    t.join(timeout=5)
    return outcome.get("released", False)


def release_lock(lock, released):
    lock.release()  # this process never acquired it
    released.value = 1


def release_in_another_process():
    """A multiprocessing.Lock acquired by this process and released by a child: allowed too."""
    lock, released = CTX.Lock(), CTX.Value("i", 0)
    lock.acquire()
    run_procs(release_lock, [(lock, released)])
    return released.value == 1 and lock.acquire(timeout=1)


# --- RLock ------------------------------------------------------------------------------------
def deposit_and_log(lock, result):
    """deposit() holds the lock and calls log_balance(), which takes it again."""
    with lock:
        if not lock.acquire(timeout=TIMEOUT_S):  # log_balance() takes the same lock
            result.value = 0  # timed out: a plain Lock is not re-entrant, we wait for ourselves
            return
        lock.release()
        result.value = 1


def demo_rlock(kind):
    lock = CTX.RLock() if kind == "rlock" else CTX.Lock()
    result = CTX.Value("i", -1)
    run_procs(deposit_and_log, [(lock, result)])
    return "ok" if result.value == 1 else "timed out"


# --- Semaphore --------------------------------------------------------------------------------
def use_slot(slots, inside, most, meet, use_semaphore):
    if use_semaphore:
        slots.acquire()
    try:
        with inside.get_lock():
            inside.value += 1
            most.value = max(most.value, inside.value)
        try:
            meet.wait(timeout=0.2)  # the forced race: stay inside until three are in
        except threading.BrokenBarrierError:
            pass  # broken: no third could come in
        with inside.get_lock():
            inside.value -= 1
    finally:
        if use_semaphore:
            slots.release()


def demo_semaphore(use_semaphore):
    slots, inside, most, meet = CTX.BoundedSemaphore(2), CTX.Value("i", 0), CTX.Value("i", 0), CTX.Barrier(3)
    run_procs(use_slot, [(slots, inside, most, meet, use_semaphore)] * 6)
    return most.value


# --- Condition: producer and consumer -----------------------------------------------------------
def producer(cond, box, n):
    for i in range(1, n + 1):
        with cond:
            cond.wait_for(lambda: box[0] == 0, TIMEOUT_S * 10)  # wait for an empty box
            box[0] = i
            cond.notify_all()


def consumer(cond, box, n, total):
    for _ in range(n):
        with cond:
            cond.wait_for(lambda: box[0] != 0, TIMEOUT_S * 10)  # wait for a full box
            total.value += box[0]
            box[0] = 0
            cond.notify_all()


def demo_condition(n=200):
    cond, box, total = CTX.Condition(), CTX.Array("i", [0], lock=False), CTX.Value("i", 0)
    procs = [CTX.Process(target=producer, args=(cond, box, n)),
             CTX.Process(target=consumer, args=(cond, box, n, total))]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=20)
    return total.value  # expected n*(n+1)/2


# --- Barrier: phases ----------------------------------------------------------------------------
def phased(barrier, log, lock, me):
    for phase in range(3):
        time.sleep(random.uniform(0, 0.005))
        with lock:
            log[me * 3 + phase] = time.monotonic_ns() // 1000  # when I finished this phase
        barrier.wait(timeout=5)


def demo_barrier():
    barrier, log, lock = CTX.Barrier(3), CTX.Array("q", 9, lock=False), CTX.Lock()
    run_procs(phased, [(barrier, log, lock, me) for me in range(3)])
    # Every finish of phase p+1 comes after every finish of phase p.
    ends = [[log[me * 3 + p] for me in range(3)] for p in range(3)]
    return all(min(ends[p + 1]) >= max(ends[p]) for p in range(2))


# --- a controlling process that owns the resource ---------------------------------------------
def owner(queue, result, expected_messages):
    count = 0  # only this process touches the count: nothing to lock
    for _ in range(expected_messages):
        count += queue.get(timeout=10)
    result.value = count


def sender(queue, n):
    for _ in range(n):
        queue.put(1)


def demo_owner():
    queue, result = CTX.Queue(), CTX.Value("i", 0)
    procs = [CTX.Process(target=owner, args=(queue, result, 4 * 500))]
    procs += [CTX.Process(target=sender, args=(queue, 500)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=20)
    return result.value


# --- the bank -----------------------------------------------------------------------------------
def transfers(accounts, locks, pairs, mode, timed_out, seed, meet):
    rng = random.Random(seed)
    for src, dst in pairs:
        amount = 10 if mode == "forced" else rng.randint(1, 10)
        if mode in ("none", "forced"):
            balance = accounts[src]
            if mode == "forced":
                meet.wait(timeout=5)  # both processes have read the source account
            accounts[src] = balance - amount
            accounts[dst] += amount
            continue
        first, second = (min(src, dst), max(src, dst)) if mode == "ordered" else (src, dst)
        locks[first].acquire()
        if not locks[second].acquire(timeout=TIMEOUT_S):
            timed_out.value += 1  # each holds one lock and waits for the other's: give up
            locks[first].release()
            return
        accounts[src] -= amount
        accounts[dst] += amount
        locks[second].release()
        locks[first].release()


def demo_bank(mode, n_accounts=10, per_process=20000):
    accounts = CTX.Array("i", [100] * n_accounts, lock=False)
    locks = [CTX.Lock() for _ in range(n_accounts)]
    timed_out, meet = CTX.Value("i", 0), CTX.Barrier(2)
    arg_lists = []
    for me in range(2):
        rng = random.Random(me)
        if mode == "none":
            pairs = [tuple(rng.sample(range(n_accounts), 2)) for _ in range(per_process)]
        elif mode == "forced":  # both move 10 out of account 0: one to 1, one to 2
            pairs = [(0, 1 + me)]
        else:  # one process moves money 0->1, the other 1->0: the classic opposite order
            pairs = [(0, 1) if me == 0 else (1, 0)] * per_process
        arg_lists.append((accounts, locks, pairs, mode, timed_out, me, meet))
    run_procs(transfers, arg_lists)
    return {"total": sum(accounts[:]), "timedOut": timed_out.value > 0}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    started = time.perf_counter()
    report = {
        "lesson": "10-process-safety",
        "counterNoLock": demo_lock(False), "counterLock": demo_lock(True), "counterExpected": 40000,
        "releasedByOtherThread": release_in_another_thread(), "releasedByOtherProcess": release_in_another_process(),
        "reentryLock": demo_rlock("lock"), "reentryRLock": demo_rlock("rlock"),
        "mostInsideNoSemaphore": demo_semaphore(False), "mostInsideSemaphore": demo_semaphore(True),
        "conditionTotal": demo_condition(), "conditionExpected": 200 * 201 // 2,
        "barrierPhasesInOrder": demo_barrier(),
        "ownerCount": demo_owner(), "ownerExpected": 2000,
        "bankForced": demo_bank("forced"), "bankNoLocks": demo_bank("none"), "bankInconsistentOrder": demo_bank("inconsistent"),
        "bankOrdered": demo_bank("ordered"), "bankExpected": 1000,
    }
    report["ms"] = round((time.perf_counter() - started) * 1000)
    if args.json:
        print(json.dumps(report))
        return
    for key, value in report.items():
        print(f"{key:>24}: {value}")


if __name__ == "__main__":
    main()
