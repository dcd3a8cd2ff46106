"""The control plane plays the technician; the CLI starts and stops cleanly."""

import os
import signal
import subprocess
import sys

import requests
from conftest import ADMIN, T1, Api


def test_technician_creates_level_and_api_user(admin, server):
    r = admin.control(
        "POST",
        "/tenants/%d/security-levels" % T1,
        {
            "name": "API User (Mindmatrix)",
            "copy_from": "API User (system) (API-only)",
            "permissions": [
                {
                    "section": "CRM",
                    "subsection": "Object Permissions",
                    "name": "Accounts",
                    "permission": "View: All, Add: Yes, Edit: All, Delete: None",
                }
            ],
        },
    )
    assert r.status_code == 200, r.text
    r = admin.control(
        "POST",
        "/tenants/%d/api-users" % T1,
        {
            "firstName": "Mindmatrix",
            "lastName": "API",
            "email": "mm@t1.example",
            "security_level": "API User (Mindmatrix)",
            "internal": True,
        },
    )
    assert r.status_code == 200, r.text
    user = r.json()
    assert user["secret"] and user["userName"]
    probe = Api(server, (user["userName"], user["secret"], ADMIN[2]))
    info = probe.call("GET", "Companies/entityInformation").json()["info"]
    assert info["userAccessForDelete"] == "None" and info["userAccessForCreate"] == "All"
    # The copy inherited everything else from the system level.
    assert probe.call("GET", "Tickets/entityInformation").json()["info"]["userAccessForDelete"] == "All"
    state = admin.control("GET", "/tenants/%d" % T1).json()
    assert "secret" not in str(state["api_users"])
    assert any(lv["name"] == "API User (Mindmatrix)" for lv in state["security_levels"])


def test_system_levels_cannot_be_edited(admin):
    r = admin.control("PATCH", "/tenants/%d/security-levels/API User (system) (API-only)" % T1, {"active": False})
    assert r.status_code == 400


def test_the_system_level_answers_to_the_name_vendor_guides_use(admin):
    # Vendor documents say "API User (system)"; the UI names it "API User (system) (API-only)".
    r = admin.control(
        "POST",
        "/tenants/%d/api-users" % T1,
        {
            "firstName": "SolarWinds",
            "lastName": "API",
            "email": "sw@t1.example",
            "security_level": "api user (system)",
            "internal": True,
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["security_level"] == "API User (system) (API-only)"


def test_control_plane_is_not_under_the_rest_prefix(server):
    r = requests.get(server.url + "/webservices14/ATServicesRest/V1.0/_sandbox/health", timeout=5)
    assert r.status_code != 200
    assert requests.get(server.url + "/_sandbox/health", timeout=5).json()["ok"] is True


def test_reset_restores_the_seed(admin, server):
    admin.control("PATCH", "/tenants/%d/entities/Resources/10" % T1, {"isActive": False})
    admin.control("POST", "/reset")
    assert server.sandbox.tenants[T1].records["Resources"][10]["isActive"] is True


def test_bad_control_input_is_a_400(admin):
    assert admin.control("PUT", "/faults", {"explode": 1}).status_code == 400
    assert (
        admin.control("POST", "/tenants/%d/security-levels" % T1, {"name": "x", "copy_from": "nope"}).status_code == 400
    )


def test_cli_prints_url_and_stops_on_sigterm(tmp_path):
    seed = tmp_path / "seed.yml"
    seed.write_text("tenants:\n  - id: 1\n    zone: webservices1\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen(
        [sys.executable, "-m", "autotask_sandbox", "--port", "0", "--seed", str(seed)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(url + "/_sandbox/health", timeout=5).json() == {"ok": True, "tenants": 1}
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
