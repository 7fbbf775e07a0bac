#!/usr/bin/env python3
"""Runs notebooks on a running Jupyter server's kernels, as a browser does: the REST API (contents,
sessions) and the kernel's websocket, through whatever proxy stands in front (a JupyterHub's). Each
cell is judged as the notebook harness (run_notebooks.py) judges it; so are the recorded outcomes,
when the server's kernels record them to a file this process can read.

Usage: remote_notebook.py --server URL --token TOKEN [--timeout S] [--outcomes FILE] [--save]
                          (PATH ... | --path PATH --cell CODE [--cell CODE ...])
URL: the server's base URL (on a hub: http://HOST:PORT/user/NAME/); TOKEN: a token it accepts.
PATH: a notebook's path on the server; --cell: run these cells instead, as a notebook at PATH (the
kernel starts in PATH's folder; the file need not exist). --save: write each executed notebook back
(PUT), as a student saving it. Prints, per notebook, its cell times (with --cell, what the cells
printed: `cell N output: …`) and `PASS|FAIL path: N cells, N failures, S s` with the failures, then
`N passed, N failed`. Exit status 0 when all passed.
"""
import argparse
import asyncio
import datetime
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, output_from_msg
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_notebooks as harness  # noqa: E402  (beside this file: the same judgement of cells and outcomes)
from kernel import output_text  # noqa: E402  (grader/, on the path the harness set)

KERNEL_START_S = 120  # a kernel's first reply on a busy machine
REST_TIMEOUT_S = 120  # three students' servers on two shared cores answer slowly at times


class KernelDied(Exception):
    pass


class Server:
    """A Jupyter server's REST API, with a token."""

    def __init__(self, base, token):
        self.base = base if base.endswith("/") else base + "/"
        self.token = token

    def call(self, method, route, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(urllib.parse.urljoin(self.base, route), data=data, method=method,
                                         headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=REST_TIMEOUT_S) as response:
            text = response.read()
        return json.loads(text) if text else None

    def channels_url(self, kernel_id, session):
        ws = urllib.parse.urlparse(urllib.parse.urljoin(self.base, f"api/kernels/{kernel_id}/channels"))
        return ws._replace(scheme="wss" if ws.scheme == "https" else "ws", query=f"session_id={session}").geturl()


class Kernel:
    """One kernel's websocket: every message it sends goes into a queue, read with a deadline."""

    def __init__(self, ws, session):
        self.ws = ws
        self.session = session
        self.messages = asyncio.Queue()
        self.reader = asyncio.ensure_future(self._read())

    @classmethod
    async def connect(cls, server, kernel_id):
        session = uuid.uuid4().hex
        request = HTTPRequest(server.channels_url(kernel_id, session), headers={"Authorization": f"token {server.token}"},
                              connect_timeout=REST_TIMEOUT_S, request_timeout=REST_TIMEOUT_S)
        return cls(await websocket_connect(request, max_message_size=256 * 1024 * 1024), session)

    async def _read(self):
        while True:
            text = await self.ws.read_message()
            await self.messages.put(None if text is None else json.loads(text))
            if text is None:
                return

    def send(self, msg_type, content):
        msg_id = uuid.uuid4().hex
        self.ws.write_message(json.dumps({
            "header": {"msg_id": msg_id, "username": "race-lab", "session": self.session, "msg_type": msg_type,
                       "version": "5.3", "date": datetime.datetime.now(datetime.timezone.utc).isoformat()},
            "parent_header": {}, "metadata": {}, "content": content, "channel": "shell", "buffers": [],
        }))
        return msg_id

    async def next(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise asyncio.TimeoutError
        msg = await asyncio.wait_for(self.messages.get(), left)
        if msg is None:
            raise KernelDied("the server closed the kernel's websocket")
        if msg["msg_type"] == "status" and msg["content"].get("execution_state") in ("restarting", "dead"):
            raise KernelDied(f"the kernel died (the server says {msg['content']['execution_state']})")
        return msg

    async def wait_until_ready(self):
        deadline = time.monotonic() + KERNEL_START_S
        while True:
            asked = self.send("kernel_info_request", {})
            try:
                answer_by = min(deadline, time.monotonic() + 2)
                while True:
                    msg = await self.next(answer_by)
                    if msg["msg_type"] == "kernel_info_reply" and msg["parent_header"].get("msg_id") == asked:
                        return
            except asyncio.TimeoutError:
                if time.monotonic() >= deadline:
                    raise
            except KernelDied:
                if time.monotonic() >= deadline:
                    raise  # a kernel that died at start is restarted by the server: ask again

    async def execute(self, cell, timeout):
        """Runs one cell: its outputs are set from the messages, as the browser shows them. Returns the
        reply's status."""
        asked = self.send("execute_request", {"code": cell.source, "silent": False, "store_history": True,
                                              "user_expressions": {}, "allow_stdin": False, "stop_on_error": False})
        deadline = time.monotonic() + timeout
        cell.outputs = []
        status = idle = None
        clear_next = False
        while status is None or not idle:
            msg = await self.next(deadline)
            if msg["parent_header"].get("msg_id") != asked:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "execute_reply":
                status = content.get("status")
                cell.execution_count = content.get("execution_count")
            elif kind == "status":
                idle = content.get("execution_state") == "idle"
            elif kind == "clear_output":
                if content.get("wait"):
                    clear_next = True
                else:
                    cell.outputs = []
            elif kind in ("stream", "display_data", "execute_result", "error"):
                if clear_next:
                    cell.outputs, clear_next = [], False
                cell.outputs.append(output_from_msg(msg))
        return status

    async def close(self):
        self.ws.close()
        self.reader.cancel()


async def run_notebook(server, path, nb, args):
    failures = []
    cell_seconds = {}
    outcomes_at = os.path.getsize(args.outcomes) if args.outcomes and os.path.exists(args.outcomes) else 0
    started = time.monotonic()
    session = server.call("POST", "api/sessions", {"path": path, "type": "notebook", "name": os.path.basename(path),
                                                   "kernel": {"name": "tslab"}})
    kernel = None
    try:
        kernel = await Kernel.connect(server, session["kernel"]["id"])
        await kernel.wait_until_ready()
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            where = f"cell {index} [{harness.preview(cell.source)}]"
            cell_started = time.monotonic()
            try:
                status = await kernel.execute(cell, args.timeout)
            except asyncio.TimeoutError:
                failures.append(f"{where}: timed out after {args.timeout} s (remaining cells not run)")
                break
            except KernelDied as exc:
                failures.append(f"{where}: {exc} (remaining cells not run)")
                break
            cell_seconds[index] = time.monotonic() - cell_started
            failures += harness.cell_failures(where, cell, status)
            if status == "error":
                await asyncio.sleep(harness.ABORT_WINDOW_S)  # tslab aborts what comes within 200 ms of a failure
    except (asyncio.TimeoutError, KernelDied) as exc:
        failures.append(f"the kernel did not answer: {exc or 'no reply within the time allowed'}")
    finally:
        if kernel:
            await kernel.close()
        try:
            server.call("DELETE", f"api/sessions/{session['id']}")  # shuts the kernel down
        except urllib.error.URLError as exc:
            failures.append(f"could not shut the kernel down: {exc}")
    if args.save:
        server.call("PUT", f"api/contents/{urllib.parse.quote(path)}", {"type": "notebook", "format": "json", "content": nb})
    if args.outcomes and os.path.exists(args.outcomes):
        with open(args.outcomes, encoding="utf-8") as f:
            f.seek(outcomes_at)
            failures += harness.judge_outcome_lines([line for line in f if line.strip()])
    times_line, slow = harness.cell_times_report(nb, cell_seconds)
    print(f"  {times_line}", flush=True)
    if args.cell:  # cells given on the command line: what they printed is the caller's to read
        for index, cell in enumerate(nb.cells):
            for line in output_text(cell).splitlines():
                print(f"  cell {index} output: {line}", flush=True)
    for index, problem in harness.rendered.notebook_problems(nb):
        failures.append(f"cell {index}: output: {problem}")
    return sum(1 for c in nb.cells if c.cell_type == "code" and c.source.strip()), failures + slow, time.monotonic() - started


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("paths", nargs="*", help="notebooks on the server")
    ap.add_argument("--server", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--timeout", type=int, default=300, help="seconds a cell may run (default 300)")
    ap.add_argument("--outcomes", help="the file the server's kernels record outcomes to (RACE_LAB_OUTCOMES)")
    ap.add_argument("--save", action="store_true", help="write each executed notebook back to the server")
    ap.add_argument("--path", help="with --cell: the notebook path the cells run as")
    ap.add_argument("--cell", action="append", default=[], help="a cell to run (instead of notebooks)")
    args = ap.parse_args()
    if bool(args.cell) == bool(args.paths) or bool(args.cell) != bool(args.path):
        ap.error("give notebooks, or --path with --cell")
    server = Server(args.server, args.token)
    passed = failed = 0
    for path in args.paths or [args.path]:
        print(f"{path}: running…", flush=True)
        try:
            if args.cell:
                nb = new_notebook(cells=[new_code_cell(code) for code in args.cell])
            else:
                nb = nbformat.from_dict(server.call("GET", f"api/contents/{urllib.parse.quote(path)}?type=notebook")["content"])
            cells, failures, seconds = await run_notebook(server, path, nb, args)
        except Exception as exc:  # noqa: BLE001 - a server that does not answer, a websocket refused, …
            cells, failures, seconds = 0, [f"could not run: {type(exc).__name__}: {exc}"], 0.0
        print(f"{'FAIL' if failures else 'PASS'} {path}: {cells} cells, {len(failures)} failures, {seconds:.1f} s", flush=True)
        for f in failures:
            print(f"  - {f}", flush=True)
        failed += bool(failures)
        passed += not failures
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
