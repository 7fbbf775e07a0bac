"""The judge's signed verdicts, read back: lines `<secret> <verdict JSON>` the kernel appends to one file.

Only a line that starts with the running kernel's secret (handed to the judge in a file it deletes
before any student code runs) and holds a valid verdict (grader/schema.json) counts.
"""
import json
import os
import secrets

from schema import is_valid


class Verdicts:
    """The judge's signed verdicts: lines `<secret> <json>` appended to one file by the kernel."""

    def __init__(self, folder):
        self.file = os.path.join(folder, "verdicts")
        open(self.file, "wb").close()
        self.secret = None
        self.offset = 0

    def new_secret(self, folder):
        """A fresh secret for a fresh kernel, in a file the judge reads and deletes at install."""
        self.secret = secrets.token_hex(32).encode()
        path = os.path.join(folder, f"secret-{secrets.token_hex(8)}")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(self.secret)
        self.offset = os.path.getsize(self.file)
        return path

    def skip(self):
        """Forget what was written so far: only what a test cell itself causes counts for it."""
        self.offset = os.path.getsize(self.file)

    def take(self, grade_id):
        """The verdict for grade_id from the lines written since skip(), with this kernel's secret; else
        None. Every run of that test in the meantime must have passed (a student's code may start one)."""
        with open(self.file, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        runs = []
        for line in data.split(b"\n"):
            if not line.startswith(self.secret + b" "):
                continue  # anything else was written by someone without the secret
            try:
                v = json.loads(line[len(self.secret) + 1:].decode("utf-8"))
            except ValueError:
                continue
            if is_valid("verdict", v) and v["gradeId"] == grade_id:
                runs.append({"gradeId": grade_id, "passed": v["passed"], "detail": v["detail"][:2000]})
        if not runs:
            return None
        failed = [r for r in runs if not r["passed"]]
        return failed[0] if failed else runs[-1]
