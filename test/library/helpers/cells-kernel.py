"""Runs code cells one after another in a real tslab kernel, through jupyter_client as Jupyter does,
and prints one JSON list: for each cell, its status ("ok" or "error") and what it printed.
Usage: python3 test/library/helpers/cells-kernel.py FOLDER CELL [CELL ...]"""
import json
import sys

from jupyter_client.manager import KernelManager


def run_cell(kc, code, seconds=120):
    msg_id = kc.execute(code)
    printed = []
    while True:
        msg = kc.get_iopub_msg(timeout=seconds)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            printed.append(content["text"])
        elif kind == "error":
            printed.append(f'{content["ename"]}: {content["evalue"]}')
        elif kind == "status" and content["execution_state"] == "idle":
            break
    reply = kc.get_shell_msg(timeout=seconds)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=seconds)
    return {"status": reply["content"]["status"], "printed": "".join(printed)}


def main():
    folder, cells = sys.argv[1], sys.argv[2:]
    km = KernelManager(kernel_name="tslab")
    km.start_kernel(cwd=folder)
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=120)
        print(json.dumps([run_cell(kc, cell) for cell in cells]))
    finally:
        km.shutdown_kernel(now=True)


main()
