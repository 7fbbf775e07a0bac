"""Lesson 02 port: the "Locks!" workbook's file counter, in one process and in two.

`work` is the function of the workbook "Locks!" (2-locks-workbook.txt) with two additions,
marked below: it counts its read errors and returns the count, and `verbose=False` silences its
prints (the notebook counts instead of scrolling).

Run:  python3 python/02_file_write_conflicts.py            (the workbook's printout, flush=True)
      python3 python/02_file_write_conflicts.py --json     (results as JSON, for the notebook)
      python3 python/02_file_write_conflicts.py --prints unbuffered,buffered
          (only the two-process run, printing, once per mode named, each after a line "== MODE ==";
          `print` hands sys.stdout its text and its line end as two writes. Block-buffered (as usual
          for a pipe): with flush=True both leave in one os.write, so lines never mix. Unbuffered (as
          `python -u` / PYTHONUNBUFFERED=1 make it): each piece is its own os.write, and two
          processes' messages can share a line)
      --counts A,B   the two processes' counts instead of the workbook's 1000,2000 (any mode)

Standard library only. Every file lives in a fresh temporary folder, removed at the end.
"""
import functools
import io
import json
import multiprocessing
import os
import sys
import tempfile

QUIET = "--json" in sys.argv
COUNTS = [int(c) for c in sys.argv[sys.argv.index("--counts") + 1].split(",")] if "--counts" in sys.argv else [1000, 2000]


def work(max_count, filename, verbose=True):

    read_errors = 0  # added: count the read errors
    for n in range(max_count):

        # Check for data already present
        if os.path.isfile(filename):
            f = open(filename, "r")
            try:
                nbr = int(f.read())
            except ValueError as err:
                read_errors += 1  # added
                # The flush argument helps print messages appear correctly
                # when multiple processes are trying to print
                if verbose:
                    print("File read error, starting to count from 0; error: " + str(err),
                          flush=True)
                nbr = 0
        else:
            if verbose:
                print("File doesn't exist, starting to count from 0.", flush=True)
            nbr = 0

        # Update data
        next = nbr + 1

        # Write update (overwrite existing data)
        f = open(filename, "w")
        f.write(str(next) + '\n')
        f.close()
    return read_errors  # added


def read_number(filename):
    with open(filename) as f:
        return int(f.read())


def set_stdout(mode):
    """Replaces sys.stdout by one that is block-buffered or unbuffered. Each pool worker calls it too
    (the pool's initializer): a forked child would inherit the parent's, but spawn and forkserver
    children (the default start method on Linux from Python 3.14) start with a fresh sys.stdout."""
    raw = open(sys.stdout.fileno(), "wb", buffering=0, closefd=False)
    if mode == "unbuffered":
        sys.stdout = io.TextIOWrapper(raw, write_through=True)
    else:
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(raw))


def prints(modes):
    for mode in modes:
        set_stdout(mode)
        print(f"== {mode} ==", flush=True)
        with tempfile.TemporaryDirectory(prefix="race-lab-02-") as folder:
            parallel = os.path.join(folder, "parallel.txt")
            with multiprocessing.Pool(processes=2, initializer=set_stdout, initargs=(mode,)) as p:
                p.map(functools.partial(work, filename=parallel), COUNTS)
        sys.stdout.flush()


def main():
    if "--prints" in sys.argv:
        modes = sys.argv[sys.argv.index("--prints") + 1].split(",")
        if not set(modes) <= {"buffered", "unbuffered"}:
            sys.exit(f"--prints: buffered, unbuffered or both (comma-separated), not {','.join(modes)}")
        return prints(modes)
    verbose = not QUIET
    with tempfile.TemporaryDirectory(prefix="race-lab-02-") as folder:
        serial = os.path.join(folder, "serial.txt")
        work(1000, serial, verbose)
        serial_value = read_number(serial)

        parallel = os.path.join(folder, "parallel.txt")
        with multiprocessing.Pool(processes=2) as p:
            errors = p.map(functools.partial(work, filename=parallel, verbose=verbose), COUNTS)
        parallel_value = read_number(parallel)

    if QUIET:
        print(json.dumps({
            "python": sys.version.split()[0],
            "start_method": multiprocessing.get_start_method(),
            "serial": {"value": serial_value, "expected": 1000},
            "parallel": {"value": parallel_value, "expected": sum(COUNTS), "read_errors": errors},
        }))
    else:
        print(f"one process:   {serial_value} (expected 1000)")
        print(f"two processes: {parallel_value} (expected {sum(COUNTS)}), read errors per process: {errors}")


if __name__ == "__main__":
    main()
