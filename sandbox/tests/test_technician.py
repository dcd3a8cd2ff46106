"""The technician follows a checklist's text alone; a step it cannot follow stops it."""

import pytest
import requests

from autotask_sandbox.technician import StepError, Technician

T1 = 111  # the tenant conftest.seed() makes

LEVELS = "Admin > Features & Settings > Resources/Users (HR) > Security > Security Levels"
RESOURCES = "Admin > Features & Settings > Resources/Users (HR) > Resources/Users"


def control_of(server):
    def control(method, path, body=None):
        response = requests.request(method, server.url + "/_sandbox" + path, json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    return control


def test_a_copy_started_from_nothing_holds_exactly_the_rows_the_steps_set(server):
    control = control_of(server)
    tech = Technician(control, T1)
    tech.do(
        [
            "%s in tenant %d: right-click 'API User (system)' > Copy Security Level, and name the copy 'Mine'."
            % (LEVELS, T1),
            "On its General tab, make sure the level is Active.",
            "Start from nothing: set every row these steps do not name to its lowest value (None, No or unchecked).",
            "Section SERVICE DESK, Object Permissions: set 'Tickets' to View: All, Add: Yes.",
            "Save the level. Then record in the inventory: x_attestations: {security_level: "
            "{fingerprint: 'sha256:0123456789abcdef', by: '<your name>', at: '<YYYY-MM-DD>'}}",
        ]
    )
    level = next(lv for lv in control("GET", "/tenants/%d" % T1)["security_levels"] if lv["name"] == "Mine")
    assert len(level["permissions"]) == 1
    assert tech.attestation_lines[0]["x_attestations"]["security_level"]["by"] == "Sandbox technician"


def test_a_new_api_user_form_is_saved_with_what_the_steps_filled(server):
    control = control_of(server)
    Technician(control, T1).do(
        [
            "%s in tenant %d: click the arrow beside New > New API User." % (RESOURCES, T1),
            "Set First Name to 'Rmm'.",
            "Set Last Name to 'API'.",
            "Set Email Address to 'rmm@t1.example'.",
            "Set Security Level to 'API User (system) (API-only)'.",
            "Click Generate Key and Generate Secret.",
            "API Tracking Identifier: choose Custom (Internal Integration).",
            "Save & Close, then store the generated key (username) and secret in your vault.",
        ]
    )
    users = control("GET", "/tenants/%d" % T1)["entities"]["Resources"]
    assert any(u["email"] == "rmm@t1.example" for u in users)


@pytest.mark.parametrize(
    "steps, message",
    [
        (["Do something the checklist never explained."], "no UI action matches"),
        (
            ["%s in tenant %d: click the arrow beside New > New API User." % (RESOURCES, T1), "Set First Name to 'X'."],
            "never saved",
        ),
        (["Section CRM, Object Permissions: set 'Accounts' to View: All."], "no level open"),
        (["%s in tenant 999: open 'API User (Propel Your MSP)'." % LEVELS], "names tenant 999"),
    ],
)
def test_a_step_it_cannot_follow_stops_it(server, steps, message):
    with pytest.raises(StepError, match=message):
        Technician(control_of(server), T1).do(steps)
