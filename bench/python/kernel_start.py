"""`kernel-start` case of `npm run bench`: how long a student waits for a fresh kernel.

Usage: /usr/bin/python3 bench/python/kernel_start.py --kernel tslab --first-output CODE --first-import CODE
       [--reps N] [--cwd FOLDER]
Needs jupyter_client (Debian's /usr/bin/python3 has it). For each repetition: start a fresh kernel
in FOLDER, send CODE (a one-line print) and time until its first output arrives; then send the
lesson's first import cell and time until the kernel is idle again; then shut the kernel down.
Prints one JSON object: {"kernel", "variants": {"first output": [{"ms"}], "ready": [...], "first import": [...]}}.
"""
import argparse
import json
import os
import queue
import time

from jupyter_client.manager import KernelManager

TIMEOUT_S = 60


def run_cell(client, code):
    """Executes `code`; returns (ms to the first output, ms to idle, error text or None)."""
    started = time.monotonic()
    msg_id = client.execute(code, store_history=False)
    first = None
    error = None
    deadline = started + TIMEOUT_S
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no idle status within {TIMEOUT_S} s")
        try:
            msg = client.get_iopub_msg(timeout=left)
        except queue.Empty:
            continue
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind in ("stream", "display_data", "execute_result") and first is None:
            first = (time.monotonic() - started) * 1000
        if kind == "error":
            error = f"{msg['content'].get('ename')}: {msg['content'].get('evalue')}"
        if kind == "status" and msg["content"].get("execution_state") == "idle":
            return first, (time.monotonic() - started) * 1000, error


def one_rep(kernel, cwd, first_output, first_import):
    started = time.monotonic()
    km = KernelManager(kernel_name=kernel)
    km.start_kernel(cwd=cwd)
    client = km.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=TIMEOUT_S)
        ready = (time.monotonic() - started) * 1000
        first, _, error = run_cell(client, first_output)
        if first is None or error:
            raise RuntimeError(f"the first cell gave no output ({error})")
        to_output = ready + first  # from start_kernel to the first cell's output
        _, imported, error = run_cell(client, first_import)
        if error:
            raise RuntimeError(f"the first import cell failed: {error}")
        return {"ready": ready, "first output": to_output, "first import": imported}
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--kernel", default="tslab")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--cwd", default=os.getcwd())
    ap.add_argument("--first-output", required=True)
    ap.add_argument("--first-import", required=True)
    args = ap.parse_args()
    variants = {"ready": [], "first output": [], "first import": []}
    for _ in range(args.reps):
        rep = one_rep(args.kernel, args.cwd, args.first_output, args.first_import)
        for name, ms in rep.items():
            variants[name].append({"ms": ms})
    print(json.dumps({"kernel": args.kernel, "variants": variants}))


if __name__ == "__main__":
    main()
