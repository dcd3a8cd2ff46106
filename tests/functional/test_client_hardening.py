"""Hardening (#14): limits on time and size against hostile loopback servers."""

import http.server
import json
import os
import threading
import time

import pytest

from ansible_collections.msp.autotask.plugins.module_utils._client import (
    AutotaskClient,
    AutotaskDeadlineError,
    AutotaskError,
    AutotaskUntrustedHostError,
    ZoneCache,
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
        self.server.hits.append(self.path)
        getattr(self, self.server.mode)()

    def answer(self, status, body):
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def zone_elsewhere(self):
        # A rewritten zoneInformation answer: the zone is another listener, over http (#14 item 1).
        self.answer(200, {"zoneName": "Rewritten", "url": self.server.elsewhere, "webUrl": "", "ci": 52001})

    def record(self):
        self.answer(200, {"apiVersions": ["V1.0"]})

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


def start_server(mode):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    server.daemon_threads = True
    server.mode, server.hits = mode, []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.netloc = "127.0.0.1:%d" % server.server_address[1]
    server.base = "http://%s/ATServicesRest" % server.netloc
    return server


@pytest.fixture
def hostile():
    servers = []
    yield lambda mode: servers.append(start_server(mode)) or servers[-1]
    for server in servers:
        server.shutdown()
        server.server_close()


def client(server, mode, **kwargs):
    server.mode = mode
    kwargs.setdefault("trusted_hosts", [server.netloc])
    return AutotaskClient("hardening@example.test", SECRET, CODE, api_url=server.base, zone_cache_path=False, **kwargs)


def test_a_dripping_answer_ends_at_the_request_deadline(hostile):
    server = hostile("drip")
    started = time.monotonic()
    with pytest.raises(AutotaskDeadlineError, match="request_timeout"):
        client(server, "drip", timeout=30, request_timeout=1.0).threshold_information()
    elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 2.0  # the deadline plus one drip interval and scheduling; no retry


@pytest.mark.parametrize("mode", ["huge_declared", "huge_chunked"])
def test_an_oversized_answer_fails_clearly(hostile, mode):
    with pytest.raises(AutotaskError, match="larger than max_response_bytes"):
        client(hostile(mode), mode, max_response_bytes=4 * 1024 * 1024).threshold_information()


def test_no_retry_waits_past_the_run_deadline(hostile):
    started = time.monotonic()
    c = client(hostile("busy"), "busy", retry_budget=60, run_deadline=time.monotonic() + 1.5)
    with pytest.raises(AutotaskError, match="unavailable"):
        c.threshold_information()
    assert time.monotonic() - started < 2.0
    with pytest.raises(AutotaskDeadlineError, match="run_timeout"):
        time.sleep(max(0.0, c.run_deadline - time.monotonic()))
        c.threshold_information()


def test_the_module_takes_the_limits_as_options(hostile):
    server = hostile("drip")
    defaults = {
        "username": "hardening@example.test",
        "secret": SECRET,
        "integration_code": CODE,
        "api_url": server.base,
        "zone_cache_path": "",
        "request_timeout": 1,
    }
    started = time.monotonic()
    (result,), _ = run_tasks([{"msp.autotask.autotask_info": {"gather": ["thresholds"]}}], defaults)
    assert result["failed"] and "request_timeout" in result["msg"]
    assert time.monotonic() - started < 30  # ansible-playbook's own start-up included
    assert SECRET not in str(result)


def test_a_rewritten_zone_answer_gets_no_credentials_and_is_not_cached(hostile, tmp_path):
    discovery, elsewhere = hostile("zone_elsewhere"), hostile("record")
    discovery.elsewhere = elsewhere.base + "/"
    cache = str(tmp_path / "zones.json")
    c = AutotaskClient(
        "hardening@example.test",
        SECRET,
        CODE,
        zone_discovery_url="http://%s/atservicesrest" % discovery.netloc,
        zone_cache_path=cache,
        trusted_hosts=[discovery.netloc],  # the discovery host only, as a test proxy would be named
    )
    with pytest.raises(AutotaskUntrustedHostError, match=r"refusing to send credentials to http://127\.0\.0\.1"):
        c.threshold_information()
    assert elsewhere.hits == [] and len(discovery.hits) == 1
    assert ZoneCache(cache).get(c.zone_discovery_url, c.username) is None


def test_the_module_fails_the_tenant_on_a_rewritten_zone_and_warns_once_for_a_named_host(hostile, tmp_path):
    discovery, elsewhere = hostile("zone_elsewhere"), hostile("record")
    discovery.elsewhere = elsewhere.base + "/"
    defaults = {
        "username": "hardening@example.test",
        "secret": SECRET,
        "integration_code": CODE,
        "zone_discovery_url": "http://%s/atservicesrest" % discovery.netloc,
        "zone_cache_path": str(tmp_path / "zones.json"),
        "trusted_hosts": [discovery.netloc],
    }
    task = {"msp.autotask.autotask_info": {"gather": ["thresholds"]}}
    (first, second), proc = run_tasks([task, task], defaults)
    assert first["failed"] and "refusing to send credentials" in first["msg"] and second["failed"]
    assert elsewhere.hits == [] and not os.path.exists(tmp_path / "zones.json")
    assert proc.stderr.count("trusted_hosts lets credentials go to hosts outside") == 1  # two tasks, one warning
