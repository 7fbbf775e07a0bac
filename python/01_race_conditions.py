"""Lesson 01 port: the FakeDatabase race of the original, with threads, and the asyncio twist.

The original, the Python lesson "Race Condition" (3-fake-database-race.txt), runs two `update`
calls in threads (`ThreadPoolExecutor.map`), each reading `self.value`, sleeping 0.1 s with `time.sleep`, and writing
the copy back: 10 instead of 20. A `threading.Lock` (by hand, then with `with`) gives 20. Its "red
note": an exception inside a function given to `executor.map` is raised only when `map`'s results
are read. The original has no asyncio: the asyncio version below is the course's own, the Python
side of its JavaScript twist (one thread, `await`).

Run:  python3 python/01_race_conditions.py          (the original's printout)
      python3 python/01_race_conditions.py --json   (results as JSON, for the notebook)
      python3 python/01_race_conditions.py --json --with-sleep 0.1
          (the `with` version sleeps 0.1 s, like the others, instead of the original's 1 s)

Standard library only. Takes about 3 seconds (the original's `with` version sleeps 1 s), under a
second with `--with-sleep 0.1`.
"""
import asyncio
import concurrent.futures
import inspect
import json
import multiprocessing
import sys
import textwrap
import threading
import time

QUIET = "--json" in sys.argv
WITH_SLEEP = float(sys.argv[sys.argv.index("--with-sleep") + 1]) if "--with-sleep" in sys.argv else 1.0


def say(text):
    if not QUIET:
        print(text, flush=True)


# --- The original, with threads ------------------------------------------------------------------
class FakeDatabase:
    def __init__(self):
        self.value = 0

    def update(self, name):
        say(f"{name}: starting update")
        local_copy = self.value
        local_copy += 10
        time.sleep(0.1)
        self.value = local_copy
        say(f"{name}: finishing update")


class LockedFakeDatabase:  # the original's "Solving Rase Condition by `Lock`": acquire/release by hand
    def __init__(self):
        self.value = 0
        self._lock = threading.Lock()

    def update(self, name):
        self._lock.acquire()  ## get the lock
        say(f"{name}: starting update")
        local_copy = self.value
        local_copy += 10
        time.sleep(0.1)
        self.value = local_copy
        say(f"{name}: finishing update")
        self._lock.release()  ## release the lock


class WithFakeDatabase:  # the original's "Best Practice is using `Lock` with `with`" (it sleeps 1 s: WITH_SLEEP)
    def __init__(self):
        self.value = 0
        self._lock = threading.Lock()

    def update(self, name):
        with self._lock:
            say(f"{name}: starting update")
            local_copy = self.value
            local_copy += 10
            time.sleep(WITH_SLEEP)
            self.value = local_copy
            say(f"{name}: finishing update")


def run_threads(database_class):
    db = database_class()
    say(f"Testing update. Starting value is {db.value}.")
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor() as executor:
        executor.map(db.update, ("thread 1", "thread 2"))
    ms = round((time.perf_counter() - started) * 1000)
    say(f"Testing update. Ending value is {db.value}.")
    return {"value": db.value, "ms": ms}


def red_note():
    """The original's red note: 'run the above script without importing time'."""
    namespace = {"say": lambda text: None}  # no `time` in this namespace, as if it was never imported
    exec(textwrap.dedent(inspect.getsource(FakeDatabase)), namespace)
    db = namespace["FakeDatabase"]()
    try:
        with concurrent.futures.ThreadPoolExecutor() as executor:
            results = executor.map(db.update, ("thread 1", "thread 2"))
        raised_without_reading = None
    except Exception as error:  # not reached: the exceptions wait inside map's results
        raised_without_reading = f"{type(error).__name__}: {error}"
    # Both calls ran and failed with NameError, yet nothing was raised: map's results were not read.
    try:
        list(results)  # reading them re-raises the first call's exception
        raised = None
    except NameError as error:
        raised = f"{type(error).__name__}: {error}"
    return {"raised_without_reading": raised_without_reading, "raised_when_reading": raised}


# --- "A child process created using the fork start method will get a copy of all global variables" --
counter = 0


def child_adds_one(report):
    global counter
    counter += 1  # changes the child's copy of the global
    report.put(counter)


def fork_copy():
    """A forked child changes its copy of a global; the parent's global stays as it was."""
    global counter
    counter = 41
    context = multiprocessing.get_context("fork")
    report = context.Queue()
    child = context.Process(target=child_adds_one, args=(report,))
    child.start()
    child_value = report.get(timeout=30)
    child.join()
    say(f"fork: the child's counter became {child_value}; the parent's is still {counter}")
    return {"before": 41, "child_after": child_value, "parent_after": counter}


# --- The JavaScript twist, in Python: one thread, asyncio, a race at every await ------------------
class AsyncFakeDatabase:
    def __init__(self):
        self.value = 0
        self._lock = asyncio.Lock()

    async def update(self, name):
        local_copy = self.value
        local_copy += 10
        await asyncio.sleep(0.1)  # the event loop runs the other task here
        self.value = local_copy

    async def locked_update(self, name):
        async with self._lock:
            await self.update(name)


async def run_async(locked):
    db = AsyncFakeDatabase()
    update = db.locked_update if locked else db.update
    started = time.perf_counter()
    await asyncio.gather(update("task 1"), update("task 2"))
    return {"value": db.value, "ms": round((time.perf_counter() - started) * 1000)}


def main():
    results = {
        "python": sys.version.split()[0],
        "threads": {"unsafe": run_threads(FakeDatabase)},
    }
    results["threads"]["lock"] = run_threads(LockedFakeDatabase)
    results["threads"]["with"] = run_threads(WithFakeDatabase)
    results["red_note"] = red_note()
    say(f"Red note: nothing raised until map's results were read; then: {results['red_note']['raised_when_reading']}")
    results["fork_copy"] = fork_copy()
    results["asyncio"] = {"unsafe": asyncio.run(run_async(False)), "safe": asyncio.run(run_async(True))}
    say(f"asyncio twist: no lock {results['asyncio']['unsafe']['value']}, asyncio.Lock {results['asyncio']['safe']['value']}")
    if QUIET:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
