"""Hardening (#14): limits on time and size against hostile loopback servers."""

import http.server
import threading
import time

import pytest

from ansible_collections.msp.autotask.plugins.module_utils._client import (
    AutotaskClient,
    AutotaskDeadlineError,
    AutotaskError,
)
from playbook import run_tasks

SECRET = "hardening-secret-Hh42"
CODE = "HARDENING-CODE"


class Hostile(http.server.BaseHTTPRequestHandler):
    """Answers every GET as the server's ``mode`` says."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *unused):
        pass

    def do_GET(self):
        getattr(self, self.server.mode)()

    def drip(self):
        # Headers at once, then one byte every 0.1 s: each socket read succeeds, the body never ends.
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        try:
            for _ in range(1000):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass  # the client gave up: what the test wants

    def huge_declared(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(200 * 1024 * 1024))
        self.end_headers()
        self.wfile.write(b'{"items": [')

    def huge_chunked(self):
        # No length announced: the cap must hold while reading.
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        piece = b"x" * 65536
        try:
            for _ in range(400):  # 25 MB if nobody stops it
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        except OSError:
            pass

    def busy(self):
        self.send_response(503)
        self.send_header("Retry-After", "0.4")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


@pytest.fixture
def hostile():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.base = "http://127.0.0.1:%d/ATServicesRest" % server.server_address[1]
    yield server
    server.shutdown()
    server.server_close()


def client(server, mode, **kwargs):
    server.mode = mode
    return AutotaskClient("hardening@example.test", SECRET, CODE, api_url=server.base, zone_cache_path=False, **kwargs)


def test_a_dripping_answer_ends_at_the_request_deadline(hostile):
    started = time.monotonic()
    with pytest.raises(AutotaskDeadlineError, match="request_timeout"):
        client(hostile, "drip", timeout=30, request_timeout=1.0).threshold_information()
    elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 2.0  # the deadline plus one drip interval and scheduling; no retry


@pytest.mark.parametrize("mode", ["huge_declared", "huge_chunked"])
def test_an_oversized_answer_fails_clearly(hostile, mode):
    with pytest.raises(AutotaskError, match="larger than max_response_bytes"):
        client(hostile, mode, max_response_bytes=4 * 1024 * 1024).threshold_information()


def test_no_retry_waits_past_the_run_deadline(hostile):
    started = time.monotonic()
    c = client(hostile, "busy", retry_budget=60, run_deadline=time.monotonic() + 1.5)
    with pytest.raises(AutotaskError, match="unavailable"):
        c.threshold_information()
    assert time.monotonic() - started < 2.0
    with pytest.raises(AutotaskDeadlineError, match="run_timeout"):
        time.sleep(max(0.0, c.run_deadline - time.monotonic()))
        c.threshold_information()


def test_the_module_takes_the_limits_as_options(hostile):
    hostile.mode = "drip"
    defaults = {
        "username": "hardening@example.test",
        "secret": SECRET,
        "integration_code": CODE,
        "api_url": hostile.base,
        "zone_cache_path": "",
        "request_timeout": 1,
    }
    started = time.monotonic()
    (result,), _ = run_tasks([{"msp.autotask.autotask_info": {"gather": ["thresholds"]}}], defaults)
    assert result["failed"] and "request_timeout" in result["msg"]
    assert time.monotonic() - started < 30  # ansible-playbook's own start-up included
    assert SECRET not in str(result)
