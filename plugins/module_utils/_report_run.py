# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the msp.autotask collection.

"""The outcomes of one run, kept as tenants finish, so that a report comes out even when the run stops.

Each tenant writes its outcome to a file of its own in the run's folder under the report directory
(``.msp-autotask-runs/<run id>/``) the moment it finishes. The fleet report of the run is built from
those files: a partial one while tenants are still finishing (refreshed as often as it stays cheap),
the full one once every tenant has finished. A run that is interrupted leaves the partial report,
which names the tenants that had not finished. Every file is written to a temporary name and moved
into place, so no reader ever sees half a file. POSIX only (fcntl, /proc where there is one).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX; the module documents posix only
    fcntl = None

RUNS_DIR = ".msp-autotask-runs"
# A partial report is refreshed after every tenant while writing it is cheap (a small fleet's report
# is then exact when the run stops); once it takes longer, only when the time since the last one is at
# least this many times what writing it took, so writing stays under about a tenth of a large run.
CHEAP_SECONDS = 0.05
REFRESH_FACTOR = 9
STOPPED_MSG = "the run stopped before this tenant recorded its outcome"
UNFINISHED_MSG = (
    "this tenant had not finished when the report was written: the run was interrupted, "
    "or was still running (a finished run replaces this report)"
)


def _start_time(pid):
    """The process's start time in clock ticks since boot (Linux /proc), or '' where there is no /proc."""
    try:
        with open("/proc/%d/stat" % pid, encoding="ascii", errors="replace") as handle:
            # The command name (field 2) may hold spaces and parentheses: count from the last ')'.
            return handle.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def run_id(pid):
    """The id of the run whose controller process is ``pid``: the pid and, where known, its start time."""
    start = _start_time(pid)
    return "%d-%s" % (pid, start) if start else str(pid)


def _run_alive(name):
    """Whether the run ``name`` (a run_id) may still be going: its process exists with the same start time."""
    pid, _sep, start = name.partition("-")
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True  # another user's process with that pid
    return not start or _start_time(int(pid)) == start


def _write_json(path, data):
    """``data`` as JSON at ``path``, through a temporary file in the same folder (owner-only)."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _read_json(path, default=None):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return default


class RunFolder:
    """One run's outcome files under ``dest``."""

    def __init__(self, dest, name):
        if not name or os.sep in name or name.startswith("."):
            raise ValueError("run_id %r is not a folder name" % (name,))
        self.root = os.path.join(dest, RUNS_DIR)
        self.path = os.path.join(self.root, name)
        self.name = name

    def exists(self):
        return os.path.isdir(self.path)

    def open(self, report_path):
        """Create the run's folder once, keeping the report now at ``report_path`` as the run's previous one.

        The partial reports this run writes replace that file; the run still compares with what was
        there before it started. Folders of runs whose process is gone (interrupted) are removed.
        """
        if self.exists():
            return
        os.makedirs(self.root, mode=0o700, exist_ok=True)
        self._prune()
        tmp = tempfile.mkdtemp(dir=self.root, prefix=".new-")
        try:
            _write_json(os.path.join(tmp, "run.json"), {"run_id": self.name, "started": time.time()})
            if os.path.exists(report_path):
                shutil.copyfile(report_path, os.path.join(tmp, "previous.json"))
            # A folder that holds run.json is never empty, so only one worker's rename can win.
            os.rename(tmp, self.path)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            if not self.exists():
                raise

    def _prune(self):
        for name in os.listdir(self.root):
            if name != self.name and not name.startswith(".") and not _run_alive(name):
                shutil.rmtree(os.path.join(self.root, name), ignore_errors=True)

    def previous_path(self):
        """The report that was at dest when the run started, if there was one."""
        path = os.path.join(self.path, "previous.json")
        return path if os.path.exists(path) else None

    def write_outcome(self, outcome):
        """One tenant's outcome, under a name made from its host (any inventory name is a safe file name)."""
        digest = hashlib.sha256(outcome["host"].encode("utf-8")).hexdigest()[:32]
        _write_json(os.path.join(self.path, "tenant-%s.json" % digest), outcome)

    def outcomes(self):
        """Every outcome recorded so far, in host order."""
        found = []
        for name in os.listdir(self.path):
            if name.startswith("tenant-") and name.endswith(".json"):
                outcome = _read_json(os.path.join(self.path, name))
                if isinstance(outcome, dict) and outcome.get("host"):
                    found.append(outcome)
        return sorted(found, key=lambda o: o["host"])

    @contextlib.contextmanager
    def refresh_turn(self):
        """Yields True when this worker should write the partial report now: no one else is, and it is due."""
        if fcntl is None:
            yield False
            return
        state_path = os.path.join(self.path, "refresh.json")
        cheap = _read_json(state_path, {}).get("took", 0) < CHEAP_SECONDS
        with open(os.path.join(self.path, "lock"), "a", encoding="utf-8") as lock:
            try:
                # While it is cheap, wait for the tenant writing it, so that no outcome is left out.
                fcntl.flock(lock, fcntl.LOCK_EX if cheap else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                yield False  # another tenant is writing it; a later refresh includes this one
                return
            try:
                state = _read_json(state_path, {})
                took = state.get("took", 0)
                due = took < CHEAP_SECONDS or time.time() - state.get("end", 0) >= REFRESH_FACTOR * took
                started = time.time()
                yield due
                if due:
                    _write_json(state_path, {"end": time.time(), "took": time.time() - started})
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def remove(self):
        """Remove the run's folder, and the runs' folder when no other run has one there."""
        shutil.rmtree(self.path, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.rmdir(self.root)  # only when empty


def stopped_outcomes(outcomes, hosts, message=STOPPED_MSG):
    """Each targeted host once: one with no outcome is a failed tenant saying why, not a missing row."""
    recorded = {o["host"] for o in outcomes}
    return list(outcomes) + [
        {
            "host": host,
            "name": host,
            "tenant_id": None,
            "vendors": [],
            "results": [],
            "failure": {"task": "?", "msg": message},
        }
        for host in hosts
        if host not in recorded
    ]
