"""Lesson 01 port: the async race on a fake database, its lock fix, and the lost exception.

Run:  python3 python/01_race_conditions.py          (readable output)
      python3 python/01_race_conditions.py --json   (results as JSON, for the notebook)

Standard library only. Takes about half a second.
"""
import asyncio
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

QUIET = "--json" in sys.argv


def say(text):
    if not QUIET:
        print(text)


class FakeDatabase:
    """One value, updated by reading a copy, 'working' 100 ms, then writing the copy back."""

    def __init__(self):
        self.value = 0
        self._lock = asyncio.Lock()

    async def update(self, name):
        say(f"Task {name}: starting update")
        local_copy = self.value  # read
        local_copy += 10  # modify a private copy
        await asyncio.sleep(0.1)  # the event loop runs the other task here
        self.value = local_copy  # write back: overwrites what the other task wrote
        say(f"Task {name}: finishing update")

    async def locked_update(self, name):
        # `async with` is Python's form of withLock(fn): the lock is released even on an exception.
        async with self._lock:
            await self.update(name)


async def run_updates(locked):
    db = FakeDatabase()
    update = db.locked_update if locked else db.update
    started = time.perf_counter()
    await asyncio.gather(update("A"), update("B"))
    return db.value, round((time.perf_counter() - started) * 1000)


def risky(n):
    if n == 2:
        raise ValueError(f"item {n} failed")
    return n * 10


def lost_exception():
    """An exception inside a task given to an executor vanishes unless someone reads the result."""
    with ThreadPoolExecutor(max_workers=2) as executor:
        futures = [executor.submit(risky, n) for n in range(4)]
    # Nothing was printed: the ValueError sits inside futures[2] until we ask for it.
    try:
        results = [f.result() for f in futures]
        recovered = None
    except ValueError as error:
        results = None
        recovered = str(error)
    return {"printed_without_reading": False, "recovered_by_reading_results": recovered, "results": results}


def main():
    say("Without a lock:")
    unsafe_value, unsafe_ms = asyncio.run(run_updates(locked=False))
    say(f"  final value {unsafe_value} (expected 20) in {unsafe_ms} ms")
    say("With asyncio.Lock:")
    safe_value, safe_ms = asyncio.run(run_updates(locked=True))
    say(f"  final value {safe_value} (expected 20) in {safe_ms} ms")
    lost = lost_exception()
    say(f"Executor exception, seen only when reading the results: {lost['recovered_by_reading_results']}")
    if QUIET:
        print(json.dumps({
            "unsafe": {"value": unsafe_value, "ms": unsafe_ms},
            "safe": {"value": safe_value, "ms": safe_ms},
            "lost_exception": lost,
        }))


if __name__ == "__main__":
    main()
