"""The collection's client reads the same facts under every value of the sandbox's shape switches.

catalog.SHAPE_ASSUMPTIONS names the switches where public evidence is split on the shape of an
answer (a missing id as 200 {"item": null} or 404, ...). The client must not depend on which one
a real tenant gives.
"""

import pytest

from ansible_collections.msp.autotask.plugins.module_utils._client import AutotaskClient
from autotask_sandbox import catalog
from playbook import auth_defaults, run_tasks

CODE = "INTERNAL-CODE-SWITCHES"
SECRET = "switches-secret-value-4d1a"
TENANT = 5050
USER = "admin@switches.example"
RMM = "rmm@switches.example"


def seed(assumptions):
    resource = {"id": 10, "firstName": "MSP", "lastName": "Admin", "email": USER, "userName": USER}
    rmm = {"id": 11, "firstName": "RMM", "lastName": "API", "email": RMM, "userName": RMM}
    return {
        "settings": {"assumptions": assumptions},
        "tenants": [
            {
                "id": TENANT,
                "zone": "webservices14",
                "internal_integration_codes": [CODE],
                "resources": [
                    dict(
                        resource, api_user={"secret": SECRET, "internal": True}, protected_data={"edit_protected": True}
                    ),
                    dict(rmm, api_user={"secret": "rmm-" + SECRET, "internal": True}),
                ],
                "udfs": [
                    {"name": "Asset Tag", "entity": "ConfigurationItems"},
                    {"name": "BIOS Password", "entity": "ConfigurationItems", "protected": True},
                ],
                "generate": {"tickets": 3, "configuration_items": 2},
            }
        ],
    }


def values_of(name):
    return [pytest.param({name: value}, id="%s=%s" % (name, value)) for value in catalog.ASSUMPTIONS[name]]


@pytest.fixture
def client_under(sandbox):
    def make(assumptions):
        sandbox.seed(seed(assumptions))
        discovery = sandbox.url + "/atservicesrest"
        return AutotaskClient(USER, SECRET, CODE, zone_discovery_url=discovery, zone_cache_path=False)

    return make


@pytest.mark.parametrize("assumptions", values_of("missing_id"))
def test_a_missing_id_is_none_and_a_present_one_is_read(client_under, assumptions):
    client = client_under(assumptions)
    assert client.get("Resources", 999) is None
    assert client.get("Resources", 10)["userName"] == USER


def protected_data_verdicts(sandbox, assumptions):
    sandbox.seed(seed(assumptions))
    admin = {"username": USER, "secret": SECRET, "integration_code": CODE}
    tasks = [
        {"msp.autotask.autotask_protected_data": {"api_username": RMM, "edit_unprotected": True}},
        {"msp.autotask.autotask_protected_data": {"api_username": USER, "edit_protected": True}},
    ]
    results, _proc = run_tasks(tasks, auth_defaults(sandbox, admin, TENANT))
    return [
        (r.get("failed"), r["compliant"], {v["property"]: v["status"] for v in r["verification"]}, r["manual_steps"])
        for r in results
    ]


def test_protected_data_verdicts_are_the_same_masked_or_hidden(sandbox):
    """The collection treats protected data as attest-only: masking the values (Autotask's help)
    or hiding the UDFs (the SolarWinds guide's wording) changes no verdict and no step."""
    masked, hidden = (
        protected_data_verdicts(sandbox, {"protected_data_effect": value})
        for value in catalog.ASSUMPTIONS["protected_data_effect"]
    )
    assert masked == hidden
    assert all(not failed for failed, *_ in masked)
