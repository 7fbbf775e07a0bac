"""One tslab kernel run one cell at a time through nbclient, watched for the processes it starts.

tslab answers `abort`, with no output, to a request that arrives within 200 ms of a failed cell: the
caller waits ABORT_WINDOW_S after a failure (the notebook harness imports it too).
"""
import time

from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync

from processes import ProcessWatcher
from schema import CELL_STATUS

ABORT_WINDOW_S = 0.25  # tslab aborts requests for 200 ms after an error; wait past it after an expected one
INTERRUPT_GRACE_S = 1.0  # time the kernel gets to end its runs after SIGINT, before it is killed


def output_text(cell, limit=2000):
    parts = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            parts.append(o.get("text", ""))
        elif o.get("output_type") in ("display_data", "execute_result"):
            parts.append(str(o.get("data", {}).get("text/plain", "")) + "\n")
        elif o.get("output_type") == "error":
            parts.append(f"{o.get('ename', '')}: {o.get('evalue', '')}\n")
    text = "".join(parts).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_of(cell):
    for o in cell.get("outputs", []):
        if o.get("output_type") == "error":
            return f"{o.get('ename', '')}: {o.get('evalue', '')}"
    # tslab reports compile errors on stderr, with reply status error and no error output.
    stderr = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stderr").strip()
    return stderr.splitlines()[0][:300] if stderr else None


class Kernel:
    """One tslab kernel and the watcher of the processes it starts."""

    def __init__(self, nb, job, marker):
        self.replies = {}
        self.client = NotebookClient(
            nb,
            kernel_name=job.get("kernel", "tslab"),
            timeout=job["timeout"],
            startup_timeout=60,
            allow_errors=True,
            interrupt_on_timeout=False,  # we interrupt, then kill: see run()
            record_timing=False,
            on_cell_executed=lambda cell, cell_index, execute_reply: self.replies.__setitem__(cell_index, execute_reply),
        )
        self.client.km = self.client.create_kernel_manager()
        self.client.start_new_kernel(cwd=job["cwd"])
        self.client.start_new_kernel_client()
        self.watcher = ProcessWatcher(marker)
        self.watcher.start(self.client.km.provisioner.pid)
        self.count = 0

    def run(self, cell, index):
        """(status, seconds) of one cell; status ok, error, abort, timeout or dead."""
        self.replies.pop(index, None)
        self.count += 1
        started = time.monotonic()
        try:
            self.client.execute_cell(cell, index, execution_count=self.count)
        except CellTimeoutError:
            return CELL_STATUS["timeout"], time.monotonic() - started
        except DeadKernelError:
            return CELL_STATUS["dead"], time.monotonic() - started
        reply = self.replies.get(index)
        status = reply["content"].get("status") if reply else None
        return (status if status in (CELL_STATUS["ok"], CELL_STATUS["error"], CELL_STATUS["abort"]) else CELL_STATUS["error"]), time.monotonic() - started

    def stop(self, wedged):
        """Shuts the kernel down: gracefully, or (wedged) SIGINT, a moment for cleanup, then kill."""
        client = self.client
        try:
            if wedged and client.km is not None:
                try:
                    run_sync(client.km.interrupt_kernel)()
                    time.sleep(INTERRUPT_GRACE_S)
                except Exception:  # noqa: BLE001 - a dead kernel cannot be interrupted
                    pass
            client.shutdown_kernel = "immediate" if wedged else "graceful"
            if client.km is not None:
                client._cleanup_kernel()
        finally:
            self.watcher.stop()
