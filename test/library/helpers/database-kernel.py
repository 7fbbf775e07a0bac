"""Drives a real tslab kernel through jupyter_client, as Jupyter does (its interrupt signals the
kernel's whole process group): a cell starts the kernel's PostgreSQL, makes a table and runs a long
query; the kernel is interrupted (the cell fails, the kernel lives on, the long query's backend is
ended, the server survives); the next cell reads the table on the same server, then runs a long query;
the kernel is restarted mid-cell (the old kernel's server is gone, and its folder). Prints one JSON
object of findings.
Usage: python3 test/library/helpers/database-kernel.py NOTEBOOK_FOLDER"""
import json
import os
import sys
import time
import uuid

from jupyter_client.manager import KernelManager

MARKER = uuid.uuid4().hex
os.environ["RACE_LAB_HARNESS_RUN"] = MARKER  # runFolder() tags its folders with it
CELL = ('import { database } from "race-lab";\n'
        'const db = database();\n'
        'await db.query("CREATE TABLE IF NOT EXISTS kept (n int)");\n'
        'await db.query("SELECT pg_sleep(60)");')
# `db` and the import of the interrupted cell are gone with it (tslab keeps a cell's names only when
# it finishes): the next cell asks for the database again, and must get the same one.
AFTER = ('import { database } from "race-lab";\n'
         'const { rows } = await database().query("SELECT count(*) AS n FROM kept");\n'
         'if (rows.length !== 1) throw new Error("no table");')


def stat(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
        fields = text[text.rindex(")") + 2:].split()
        return fields[0], int(fields[1])  # state, ppid
    except OSError:
        return None


def descendants(root):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = stat(int(entry))
            if st:
                children.setdefault(st[1], []).append(int(entry))
    out, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


def is_postgres(pid):
    return b"postgres" in cmdline(pid)


def is_postmaster(pid):
    # the postmaster keeps its command line; backends retitle themselves "postgres: …"
    line = cmdline(pid)
    return line.split(b"\0")[0].endswith(b"/postgres") and b"\0-D\0" in line


def alive(pid):
    st = stat(pid)
    return st is not None and st[0] != "Z"


def wait_for(pred, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return pred()


def start_long_cell(km, kc):
    msg_id = kc.execute(CELL)
    # the server is up and the long query runs: a backend shows it in its title ("postgres: … SELECT")
    busy = lambda: any(b"SELECT" in cmdline(p) for p in descendants(km.provisioner.pid) if is_postgres(p))  # noqa: E731
    ok = wait_for(busy, 120)
    return msg_id, [p for p in descendants(km.provisioner.pid) if is_postgres(p)] if ok else []


def reply_to(kc, msg_id, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            msg = kc.get_shell_msg(timeout=1)
        except Exception:  # noqa: BLE001 - queue.Empty
            continue
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg["content"]["status"]
    return None


def main():
    folder = sys.argv[1]
    found = {}
    km = KernelManager(kernel_name="tslab")
    km.start_kernel(cwd=folder)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    try:
        msg_id, pids = start_long_cell(km, kc)
        found["first_server"] = pids
        postmasters = [p for p in pids if is_postmaster(p)]
        sleeping = [p for p in pids if b"SELECT" in cmdline(p)]
        km.interrupt_kernel()
        found["interrupted_cell"] = reply_to(kc, msg_id, 60)
        found["long_query_ended"] = bool(sleeping) and wait_for(lambda: not any(alive(p) for p in sleeping), 15)
        time.sleep(0.3)  # past tslab's abort window after the failed cell
        found["kernel_alive_after_interrupt"] = reply_to(kc, kc.execute("1 + 1"), 60)
        found["table_read_after_interrupt"] = reply_to(kc, kc.execute(AFTER), 60)
        found["server_survived_interrupt"] = len(postmasters) == 1 and alive(postmasters[0])
        found["postmasters_after_interrupt"] = len([p for p in descendants(km.provisioner.pid) if is_postmaster(p)])

        msg_id, pids = start_long_cell(km, kc)
        found["second_server"] = pids
        old_kernel = km.provisioner.pid
        km.restart_kernel(now=False)
        found["gone_after_restart"] = wait_for(lambda: not any(alive(p) for p in pids), 20)
        found["old_kernel_gone"] = wait_for(lambda: not alive(old_kernel), 20)
        kc.wait_for_ready(timeout=120)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    tmp = "/tmp"
    found["folders_left"] = [e for e in os.listdir(tmp) if e.startswith("race-lab-") and f"-{MARKER[:8]}-" in e]
    print(json.dumps(found))


if __name__ == "__main__":
    main()
