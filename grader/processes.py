"""The process watcher, shared by the grader's backend and the notebook harness: what a kernel started, found and ended.

A kernel's descendants are found by polling /proc; one that detaches (setsid, double fork) is found by a
marker in the environment it inherited (MARKER_VAR); as a child subreaper, the grader's backend also
inherits orphans. Linux only (/proc, prctl).
"""
import ctypes
import os
import signal
import threading
import time

MARKER_VAR = "RACE_LAB_HARNESS_RUN"
POLL_S = 0.05
PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1


def proc_stat(pid):
    """(ppid, starttime, state) of a live process, or None. starttime tells a pid reused later apart."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    rest = data[data.rindex(")") + 2:].split()
    return int(rest[1]), rest[19], rest[0]


def all_pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def has_marker(pid, marker):
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return f"{MARKER_VAR}={marker}".encode() in f.read().split(b"\0")
    except OSError:
        return False


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip() or "?"
    except OSError:
        return "?"


class ProcessWatcher:
    """Records every descendant of the kernel while it runs, by polling /proc.

    A process that detaches (setsid, double fork) is reparented away from the kernel, so we also
    mark the kernel's environment: whatever inherits it is found after shutdown by its marker.
    """

    def __init__(self, marker):
        self.marker = marker
        self.root = None
        self.seen = {}  # pid -> starttime
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self, root_pid):
        self.root = root_pid
        self._thread.start()

    def _loop(self):
        while not self._stop.is_set():
            self.scan()
            self._stop.wait(POLL_S)

    def scan(self):
        children = {}
        stats = {}
        for pid in all_pids():
            st = proc_stat(pid)
            if st:
                stats[pid] = st
                children.setdefault(st[0], []).append(pid)
        todo = list(children.get(self.root, []))
        while todo:
            pid = todo.pop()
            if pid not in self.seen and pid in stats:
                self.seen[pid] = stats[pid][1]
            todo.extend(children.get(pid, []))

    def stop(self):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def leftovers(self):
        """Processes of this run still alive (zombies do not count: they hold no resources but a pid)."""
        alive = {}
        for pid, start in self.seen.items():
            st = proc_stat(pid)
            if st and st[1] == start and st[2] != "Z":
                alive[pid] = cmdline(pid)
        me = os.getpid()
        for pid in all_pids():
            if pid != me and pid not in alive and has_marker(pid, self.marker):
                st = proc_stat(pid)
                if st and st[2] != "Z":
                    alive[pid] = cmdline(pid)
        return alive


def kill_all(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def become_subreaper():
    """Orphans of our descendants are re-parented to us (not to pid 1), so none escapes the cleanup;
    and when our parent dies (the grader stopped), we get SIGTERM: stop, end everything, report."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def descendants():
    """Our live descendants (zombies reaped): pid -> command line."""
    while True:  # as a subreaper we inherit orphans' exit statuses: collect them
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
    children = {}
    for pid in all_pids():
        st = proc_stat(pid)
        if st and st[2] != "Z":
            children.setdefault(st[0], []).append(pid)
    found = {}
    todo = list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        if pid not in found:
            found[pid] = cmdline(pid)
            todo.extend(children.get(pid, []))
    return found


def end_processes(watchers, grace_s):
    """Ends every process the kernels started; returns what was still running."""
    deadline = time.monotonic() + grace_s
    left = {}
    while True:
        left = descendants()
        for w in watchers:
            left.update(w.leftovers())
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    ended = dict(left)
    for _ in range(20):  # a fork racing the kill: repeat until none is left
        kill_all(left)
        time.sleep(0.05)
        left = descendants()
        for w in watchers:
            left.update(w.leftovers())
        if not left:
            break
        ended.update(left)
    return [f"pid {pid}: {cmd[:120]}" for pid, cmd in sorted(ended.items())]
