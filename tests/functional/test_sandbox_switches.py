"""The collection's client reads the same facts under every value of the sandbox's shape switches.

catalog.SHAPE_ASSUMPTIONS names the switches where public evidence is split on the shape of an
answer (a missing id as 200 {"item": null} or 404, ...). The client must not depend on which one
a real tenant gives.
"""

import pytest

from ansible_collections.msp.autotask.plugins.module_utils._client import AutotaskClient
from autotask_sandbox import catalog

CODE = "INTERNAL-CODE-SWITCHES"
SECRET = "switches-secret-value-4d1a"
TENANT = 5050
USER = "admin@switches.example"


def seed(assumptions):
    resource = {"id": 10, "firstName": "MSP", "lastName": "Admin", "email": USER, "userName": USER}
    return {
        "settings": {"assumptions": assumptions},
        "tenants": [
            {
                "id": TENANT,
                "zone": "webservices14",
                "internal_integration_codes": [CODE],
                "resources": [dict(resource, api_user={"secret": SECRET, "internal": True})],
                "generate": {"tickets": 3},
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
