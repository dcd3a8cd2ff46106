import json
import os

import pytest
import requests

from autotask_sandbox import SandboxServer

VENDOR_CODE = "VENDOR-CODE-PROPEL"
ADMIN = ("admin@t1.example", "admin-secret", "INTERNAL-T1")
PROPEL = ("propel@t1.example", "propel-secret", VENDOR_CODE)
T1 = 111


def seed():
    return {
        "settings": {"random_seed": 1},
        "integration_vendors": [{"name": "Propel Your MSP", "code": VENDOR_CODE}],
        "tenants": [
            {
                "id": T1,
                "name": "T1",
                "zone": "webservices14",
                "internal_integration_codes": ["INTERNAL-T1"],
                "departments": [{"id": 500, "name": "Service Desk"}],
                "roles": [{"id": 600, "name": "API"}, {"id": 601, "name": "Old", "isActive": False}],
                "queues": [{"id": 700, "label": "Triage"}, {"id": 701, "label": "Alerts"}],
                "udfs": [
                    {"name": "Asset Tag", "entity": "ConfigurationItems"},
                    {"name": "BIOS Password", "entity": "ConfigurationItems", "protected": True},
                ],
                "security_levels": [
                    {
                        "name": "API User (Propel Your MSP)",
                        "copy_from": None,
                        "permissions": [
                            {
                                "section": "SERVICE DESK",
                                "subsection": "Object Permissions",
                                "name": "Tickets",
                                "permission": "View: All, Add: Yes",
                            },
                            {
                                "section": "CRM",
                                "subsection": "Object Permissions",
                                "name": "Opportunities & Quotes",
                                "permission": "View: Mine",
                            },
                        ],
                    }
                ],
                "resources": [
                    {
                        "id": 10,
                        "firstName": "MSP",
                        "lastName": "Admin",
                        "email": "admin@t1.example",
                        "userName": ADMIN[0],
                        "api_user": {"secret": ADMIN[1], "internal": True},
                        "protected_data": {"edit_unprotected": True},
                    },
                    {
                        "id": 11,
                        "firstName": "Propel Your MSP",
                        "lastName": "API",
                        "email": "propel@t1.example",
                        "userName": PROPEL[0],
                        "api_user": {
                            "secret": PROPEL[1],
                            "integration_vendor": "Propel Your MSP",
                            "security_level": "API User (Propel Your MSP)",
                        },
                    },
                    {
                        "id": 13,
                        "firstName": "Bob",
                        "lastName": "Tech",
                        "email": "bob@t1.example",
                        "userName": "bob",
                        "departments": [{"department_id": 500, "role_id": 600, "default": True}],
                        "queues": [701],
                        "service_desk_roles": [{"role_id": 600, "default": True}],
                    },
                    {"id": 12, "firstName": "Ann", "lastName": "Tech", "email": "ann@t1.example", "userName": "ann"},
                ],
                "generate": {
                    "tickets": 1201,
                    "configuration_items": 3,
                    "companies": 2,
                    "opportunities": 4,
                    "contracts": 2,
                    "todos": 2,
                },
            },
            {
                "id": 222,
                "zone": "webservices2",
                "internal_integration_codes": ["INTERNAL-T2"],
                "resources": [
                    {
                        "id": 20,
                        "firstName": "B",
                        "lastName": "Admin",
                        "email": "b@t2.example",
                        "userName": "admin@t2.example",
                        "api_user": {"secret": "t2", "internal": True},
                    }
                ],
            },
        ],
    }


@pytest.fixture
def server():
    with SandboxServer(seed()) as srv:
        yield srv


class Api:
    def __init__(self, server, creds, zone="webservices14"):
        self.server = server
        self.base = "%s/%s/ATServicesRest/V1.0/" % (server.url, zone)
        self.session = requests.Session()
        self.session.headers.update({"UserName": creds[0], "Secret": creds[1], "ApiIntegrationCode": creds[2]})

    def call(self, method, path, body=None, **kw):
        return self.session.request(method, self.base + path, json=body, timeout=10, **kw)

    def query(self, entity, filters, method="GET", **extra):
        body = dict({"filter": filters}, **extra)
        if method == "GET":
            return self.call("GET", entity + "/query", params={"search": json.dumps(body)})
        return self.call("POST", entity + "/query", body)

    def control(self, method, path, body=None):
        return requests.request(method, self.server.url + "/_sandbox" + path, json=body, timeout=10)


@pytest.fixture
def admin(server):
    return Api(server, ADMIN)


@pytest.fixture
def propel(server):
    return Api(server, PROPEL)


def shared_dir():
    return os.environ.get("AUTOTASK_SHARED_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared")
