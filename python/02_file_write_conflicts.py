"""Lesson 02 port: two processes count in one file and lose most of the count.

Run:  python3 python/02_file_write_conflicts.py          (readable output)
      python3 python/02_file_write_conflicts.py --json   (results as JSON, for the notebook)

Standard library only. Every file lives in a fresh temporary folder, removed at the end.
"""
import json
import os
import sys
import tempfile
from functools import partial
from multiprocessing import Pool

QUIET = "--json" in sys.argv


def work(max_count, filename):
    """Add one to the number in `filename`, `max_count` times. Returns how many reads failed."""
    read_errors = 0
    for _ in range(max_count):
        if os.path.exists(filename):
            try:
                with open(filename, "r") as f:
                    count = int(f.read())
            except ValueError as error:
                # The other process truncated the file to rewrite it: we read "" and restart at 0.
                read_errors += 1
                if not QUIET and read_errors <= 3:
                    print(f"File read error, starting to count from 0: {error}")
                count = 0
        else:
            if not QUIET:
                print("File doesn't exist, starting to count from 0.")
            count = 0
        count += 1
        with open(filename, "w") as f:  # "w" truncates first: the window for the other reader
            f.write(f"{count}\n")
    return read_errors


def read_number(filename):
    with open(filename) as f:
        return int(f.read())


def main():
    with tempfile.TemporaryDirectory(prefix="race-lab-02-") as folder:
        serial = os.path.join(folder, "serial.txt")
        work(1000, serial)
        serial_value = read_number(serial)

        parallel = os.path.join(folder, "parallel.txt")
        with Pool(2) as pool:
            errors = pool.map(partial(work, filename=parallel), [1000, 2000])
        parallel_value = read_number(parallel)

    if QUIET:
        print(json.dumps({
            "serial": {"value": serial_value, "expected": 1000},
            "parallel": {"value": parallel_value, "expected": 3000, "read_errors": errors},
        }))
    else:
        print(f"one process:   {serial_value} (expected 1000)")
        print(f"two processes: {parallel_value} (expected 3000), read errors per process: {errors}")


if __name__ == "__main__":
    main()
