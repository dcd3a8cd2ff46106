"""The HTTP server: the Autotask REST surface per zone, plus a separate control plane.

URL layout (one process, one port):

* ``/atservicesrest/v1.0/zoneInformation?user=`` and ``/atservicesrest/versioninformation``:
  the un-numbered discovery host.
* ``/{zone}/ATServicesRest/V1.0/...``: a zone's REST API (the ``url`` zoneInformation returns).
* ``/_sandbox/...``: the control plane (tests and the demo only; modules never call it).
"""

import collections
import json
import random
import re
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit

from . import catalog
from .fields import entity_fields
from .query import Compiled, QueryError, parse_body, unknown_field
from .state import SeedError, Tenant

PAGE_SIZE = 500
HOUR = 3600.0
PERMISSION_WORDING = "The logged in Resource does not have the adequate permissions to %s this entity type."
ZONE_ERROR = "Zone information could not be determined"
BAD_CODE = "IntegrationCode is invalid."
# No public source shows the real body of a spent hour: the sandbox's names nothing, so the
# collection can only tell by reading ThresholdInformation (which is not exempt, D-THREAD).
THRESHOLD_ERROR = "The request could not be processed."
THREAD_ERROR = "Itgenatr005: Thread Threshold Exceeded"

DEFAULT_SETTINGS = {
    "hourly_limit": 10000,
    "concurrency_limit": 3,
    "page_size": PAGE_SIZE,
    "latency_ms": 0,
    "latency_jitter_ms": 0,
    "slow_page_ms": 0,
    "random_seed": None,
}
FAULT_KINDS = ("429", "500", "503", "drop", "drop_after_write")
JSON_TYPE = "application/json; charset=utf-8"
MODULE_KEYS = (1, 2, 3, 4, 5, 6, 7, 8)
PROTECTED_DATA_ENTITIES = catalog.PROTECTED_DATA_ENTITIES
# A masked UDF's value: the REST CompanySiteConfigurationsEntity help shows "*****"; clients must
# not parse it.
MASK = "*****"
PROXY_503_PAGE = (
    b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head>"
    b"<body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request."
    b"</p></body></html>"
)
# IIS request filtering refuses a query string over 2,048 characters with a 404 before the API
# sees it (KelvinTegelaar/AutotaskAPI issue #66: a long GET next-page link answers 404).
MAX_QUERY_STRING = 2048
NOT_FOUND_PAGE = b"<!DOCTYPE html><html><head><title>404 - File or directory not found.</title></head></html>"
DENIED = {"Message": "Authorization has been denied for this request."}
NO_ROUTE = {"Message": "No HTTP resource was found that matches the request URI."}


class ApiError(Exception):
    def __init__(self, status, errors=None, body=None, headers=None, raw=None, content_type=JSON_TYPE):
        super().__init__(status)
        self.status = status
        self.body = body if body is not None else ({"errors": list(errors)} if errors is not None else None)
        self.headers = headers or {}
        self.raw = raw  # a non-JSON answer (bytes), sent as content_type
        self.content_type = content_type


class DropConnection(Exception):
    """Close the socket without an answer (a dropped connection)."""


class Sandbox:
    """All tenants and the rules that bind them. Thread-safe."""

    def __init__(self, seed=None):
        self.lock = threading.RLock()
        self.seed_doc = seed or {}
        self.load(self.seed_doc)

    # -- seeding ---------------------------------------------------------------------------

    def load(self, seed):
        with self.lock:
            settings = dict(DEFAULT_SETTINGS)
            settings.update((seed or {}).get("settings") or {})
            self.settings = settings
            self.global_faults = dict(settings.get("faults") or {})
            self.rng = random.Random(settings.get("random_seed"))
            self.vendors = {v["name"]: str(v["code"]) for v in (seed or {}).get("integration_vendors") or []}
            self.tenants = {}
            for spec in (seed or {}).get("tenants") or []:
                self.add_tenant(spec)
            # The MSP's own Autotask (its customers as companies, where PSA tickets go): served like
            # any tenant, but no fleet tenant: the control plane lists it apart.
            msp = (seed or {}).get("msp_tenant")
            self.msp_tenant_id = self.add_tenant(msp).id if msp else None
            self.log_unrouted = []
            self.window = collections.defaultdict(collections.deque)  # tenant id -> request times
            self.active = collections.Counter()  # (tenant, code, endpoint) -> in flight
            self.peak = collections.Counter()
            self.refused_threads = 0
            self.seed_doc = seed or {}

    def add_tenant(self, spec):
        # settings.assumptions apply to every tenant; a tenant's own override them.
        chosen = dict(self.settings.get("assumptions") or {}, **(spec.get("assumptions") or {}))
        tenant = Tenant(dict(spec, assumptions=chosen), self.vendors)
        if tenant.id in self.tenants:
            raise SeedError("tenant %d is seeded twice" % tenant.id)
        tenant.log = []
        self.tenants[tenant.id] = tenant
        return tenant

    def tenant(self, tenant_id):
        try:
            return self.tenants[int(tenant_id)]
        except (KeyError, ValueError):
            raise ApiError(404, ["no tenant %s" % tenant_id]) from None

    def find_user(self, username):
        for tenant in self.tenants.values():
            record = tenant.find_user(username)
            if record is not None:
                return tenant, record
        return None, None

    # -- thresholds, faults, latency -----------------------------------------------------------

    def count_request(self, tenant):
        """Rolling one-hour window per database (D-THR); 429 once it is spent."""
        limit = tenant.hourly_limit or self.settings["hourly_limit"]
        now = time.monotonic()
        with self.lock:
            window = self.window[tenant.id]
            while window and now - window[0] > HOUR:
                window.popleft()
            if len(window) >= limit:
                raise ApiError(429, [THRESHOLD_ERROR])
            window.append(now)

    def used(self, tenant):
        with self.lock:
            window = self.window[tenant.id]
            now = time.monotonic()
            while window and now - window[0] > HOUR:
                window.popleft()
            return len(window)

    def fault_for(self, tenant):
        faults = dict(self.global_faults)
        faults.update(tenant.faults if tenant is not None else {})
        with self.lock:
            roll = self.rng.random()
        edge = 0.0
        for kind in FAULT_KINDS:
            edge += float(faults.get(kind, 0) or 0)
            if roll < edge:
                return kind, faults
        return None, faults

    def latency(self, tenant, extra_ms=0):
        faults = dict(self.global_faults)
        faults.update(tenant.faults if tenant is not None else {})
        base = float(faults.get("latency_ms", self.settings["latency_ms"]) or 0)
        jitter = float(faults.get("latency_jitter_ms", self.settings["latency_jitter_ms"]) or 0)
        spike_rate = float(faults.get("latency_spike_rate", 0) or 0)
        with self.lock:
            delay = base + (self.rng.uniform(0, jitter) if jitter else 0)
            if spike_rate and self.rng.random() < spike_rate:
                delay += float(faults.get("latency_spike_ms", 1000))
        delay += extra_ms
        if delay > 0:
            time.sleep(delay / 1000.0)

    # -- the REST surface ----------------------------------------------------------------------

    def zone_url(self, base, tenant):
        return "%s/%s/ATServicesRest/" % (base, tenant.zone)

    def zone_information(self, base, user):
        tenant, _ = self.find_user(user or "")
        if tenant is None:
            raise ApiError(500, [ZONE_ERROR])
        return {
            "zoneName": "Sandbox %s" % tenant.zone,
            "url": self.zone_url(base, tenant),
            "webUrl": "%s/%s/" % (base, tenant.zone),
            "ci": tenant.id,
        }

    def authenticate(self, zone, headers):
        lowered = {k.lower(): v for k, v in headers.items()}
        username = lowered.get("username", "")
        secret = lowered.get("secret", "")
        code = lowered.get("apiintegrationcode", "")
        if not username or not secret or not code:
            raise ApiError(401, body=DENIED)
        tenant, record = self.find_user(username)
        # On a zone host an unknown user is a 401 (PyPI atrest 1.0.2, atrest/test/test_api.py
        # testInvalidUsername, live); only zoneInformation answers the zone error. A user of
        # another zone is unknown to this one's database (our reading of the same test).
        if tenant is None or tenant.zone.lower() != zone.lower():
            raise ApiError(401, body=DENIED)
        api = tenant.api_users.get(record["id"])
        if api is None or record.get("licenseType") != 7 or not secrets_equal(api["secret"], secret):
            raise ApiError(401, body=DENIED)
        vendor = api.get("integration_vendor")
        expected = [tenant.vendors.get(vendor)] if vendor else tenant.internal_codes
        if code not in expected:
            raise ApiError(500, [BAD_CODE])
        level = tenant.level(api["security_level"])
        # ASSUMPTION (switch inactive_login): an inactive resource or security level cannot log in.
        inactive = not record.get("isActive") or (level is not None and not level.active)
        if level is None or (inactive and tenant.assumptions["inactive_login"] == "refused"):
            raise ApiError(401, body=DENIED)
        return tenant, record, api, code


def secrets_equal(a, b):
    import hmac

    return hmac.compare_digest(str(a).encode(), str(b).encode())


class Api:
    """One authenticated REST call: the caller, its tenant, what its level allows."""

    def __init__(self, sandbox, tenant, caller, base_url):
        self.sb = sandbox
        self.tenant = tenant
        self.caller = caller
        self.base_url = base_url  # this zone's .../ATServicesRest/V1.0
        self.access = tenant.access_for(caller["id"])
        self.boxes = tenant.protected.get(caller["id"], {})

    def entity(self, name):
        for key, spec in catalog.ENTITIES.items():
            if key.lower() == name.lower():
                return spec
        raise ApiError(404, body=NO_ROUTE)

    def require(self, entity, op):
        level = self.access.get(entity.name, {}).get(op, "None")
        if level == "None":
            raise ApiError(
                500,
                [
                    PERMISSION_WORDING
                    % {"query": "query", "create": "create", "update": "update", "delete": "delete"}[op]
                ],
            )
        return level

    # -- reading ---------------------------------------------------------------------------

    def may_view(self, entity, definition):
        if entity.name not in PROTECTED_DATA_ENTITIES:
            return True
        return bool(self.boxes.get("view_protected" if definition["isProtected"] else "view_unprotected"))

    def visible_udfs(self, entity):
        """The UDF definitions the caller sees. Autotask's help (D-PD): protected contents are
        masked, the field stays; switch protected_data_effect=hidden keeps the older reading of the
        SolarWinds guide (seed 002: without the boxes the UDFs are unavailable)."""
        defs = self.tenant.udf_definitions(entity.name)
        if entity.name == "CompanySiteConfigurations" and not self.boxes.get("view_unprotected"):
            # REST CompanySiteConfigurationsEntity: without any Protected Data Permission no UDF
            # displays (View Unprotected is the least box: any box ticks it).
            return []
        if self.tenant.assumptions["protected_data_effect"] == "masked":
            return defs
        return [d for d in defs if self.may_view(entity, d)]

    def udf_value(self, entity, definition, values):
        if not self.may_view(entity, definition):
            return MASK  # only reached under "masked": a hidden definition is never listed
        return values.get(definition["name"])

    def outside_scope(self, entity, level, record):
        """Restricted access reaches only the caller's own rows (D-AUTH); a row without an owner of
        its own is the caller's when its parent is (a site configuration: its company's owner,
        help Site Configuration tab: "Edit Mine permission for associated organization")."""
        if level != "Restricted" or record is None:
            return False
        owner = entity.owner_field
        if entity.owner_via:
            field, parent = entity.owner_via
            owner = catalog.ENTITIES[parent].owner_field
            record = self.tenant.records[parent].get(record.get(field)) or {}
        return bool(owner) and record.get(owner) != self.caller["id"]

    def render(self, entity, record, include=None):
        out = {}
        for field, ftype in entity.fields.items():
            if ftype == "udf":
                continue
            if include and field.lower() not in include:
                continue
            out[field] = record.get(field)
        if entity.udfs:
            # The key stays beside the listed fields (@apigrate/autotask-restapi README, "Limiting
            # fields returned on a query"); whether values come with it is the switch's.
            values = self.tenant.udf_values.get((entity.name, record["id"]), {})
            listed = not include or "userdefinedfields" in include
            listed = listed or self.tenant.assumptions["udfs_outside_include_fields"] == "listed"
            shown = self.visible_udfs(entity) if listed else []
            out["userDefinedFields"] = [{"name": d["name"], "value": self.udf_value(entity, d, values)} for d in shown]
        return out

    def rows(self, entity):
        if entity.name == "ResourceRoles":
            return self._resource_roles()
        return list(self.tenant.records[entity.name].values())

    def _resource_roles(self):
        # A query-only view of a resource's department/role, queue and service-desk-role links;
        # only active rows are returned (D-ROLES). Ids are offset per source to stay unique.
        recs = self.tenant.records
        out = []
        for r in recs["ResourceRoleDepartments"].values():
            if r["isActive"]:
                out.append(
                    {
                        "id": r["id"],
                        "departmentID": r["departmentID"],
                        "isActive": True,
                        "queueID": None,
                        "resourceID": r["resourceID"],
                        "roleID": r["roleID"],
                    }
                )
        # ASSUMPTION (switch resource_roles_queue_rows): queue links are listed, as active rows.
        queues = self.tenant.assumptions["resource_roles_queue_rows"] == "listed"
        for r in recs["ResourceRoleQueues"].values() if queues else ():
            out.append(
                {
                    "id": 10_000_000 + r["id"],
                    "departmentID": None,
                    "isActive": True,
                    "queueID": r["queueID"],
                    "resourceID": r["resourceID"],
                    "roleID": None,
                }
            )
        for r in recs["ResourceServiceDeskRoles"].values():
            if r["isActive"]:
                out.append(
                    {
                        "id": 20_000_000 + r["id"],
                        "departmentID": None,
                        "isActive": True,
                        "queueID": None,
                        "resourceID": r["resourceID"],
                        "roleID": r["roleID"],
                    }
                )
        return out

    def select(self, entity, body):
        level = self.require(entity, "query")
        filters, include, max_records = parse_body(body, self.tenant.assumptions["empty_filter"])
        compiled = Compiled(entity, filters, self.tenant.assumptions["filter_values"])
        include_set = {str(f).lower() for f in include} | ({"id"} if include else set())
        for name in include_set:
            if name != "userdefinedfields" and name not in {f.lower() for f in entity.fields}:
                raise QueryError(unknown_field(name, entity.name))
        hits = []
        for record in sorted(self.rows(entity), key=lambda r: r["id"]):
            if self.outside_scope(entity, level, record):
                continue  # outside the caller's scope: simply not returned (D-AUTH)
            udfs = {k.lower(): v for k, v in self.tenant.udf_values.get((entity.name, record["id"]), {}).items()}
            if compiled.matches(record, udfs):
                hits.append(record)
        return hits, include_set, max_records

    def query(self, entity, body, served=(), posted=False):
        """One page after the ids in ``served`` (the last id of each page already answered)."""
        after_id = served[-1] if served else 0
        hits, include, max_records = self.select(entity, body)
        size = min(max_records or self.sb.settings["page_size"], self.sb.settings["page_size"])
        remaining = [r for r in hits if r["id"] > after_id]
        page = remaining[:size]
        next_url = None
        # maxRecords is the page size, not a total: clients page with it and follow nextPageUrl
        # while rows remain (py-autotask 2.3.0 entities/base.py; the Anteris PHP client).
        if len(remaining) > size:
            search = json.dumps(body, separators=(",", ":"))
            # Real tokens carry previousIds/nextIds lists, URL-encoded, so links grow with every
            # page (KelvinTegelaar/AutotaskAPI issue #66; D-AQ). What the lists hold is opaque to
            # clients; here, the last id of each page served and the next page's first id.
            marker = {"pageSize": size, "previousIds": [*served, page[-1]["id"]], "nextIds": [remaining[size]["id"]]}
            if posted:
                # A POST-started page's link is POSTed again with the same body; a GET on it is
                # 405 (live answer: WYRE-AI/autotask-mcp PR #170). The token is the sandbox's own.
                marker["post"] = True
            paging = json.dumps(marker, separators=(",", ":"))
            next_url = "%s/%s/query/next?paging=%s" % (self.base_url, entity.name, quote(paging, safe=""))
            if not posted:
                next_url += "&search=%s" % quote(search, safe="")
        prev_url = None
        if after_id:
            prev_url = "%s/%s/query?search=%s" % (
                self.base_url,
                entity.name,
                quote(json.dumps(body, separators=(",", ":")), safe=""),
            )
        return {
            "items": [self.render(entity, r, include) for r in page],
            "pageDetails": {"count": len(page), "requestCount": size, "prevPageUrl": prev_url, "nextPageUrl": next_url},
        }

    def children(self, entity, parent):
        """GET /Resources/{id}/RoleQueues ...: the parent's rows as one query page (Swagger)."""
        level = self.require(entity, "query")
        rows = [r for r in sorted(self.rows(entity), key=lambda r: r["id"]) if r.get(entity.parent_field) == parent]
        rows = [r for r in rows if not self.outside_scope(entity, level, r)]
        size = self.sb.settings["page_size"]
        return {
            "items": [self.render(entity, r) for r in rows[:size]],
            "pageDetails": {"count": len(rows[:size]), "requestCount": size, "prevPageUrl": None, "nextPageUrl": None},
        }

    def count(self, entity, body):
        hits, _, _ = self.select(entity, body)
        return {"queryCount": len(hits)}

    def get(self, entity, item_id, parent=None):
        level = self.require(entity, "query")
        record = self.tenant.records.get(entity.name, {}).get(item_id)
        if entity.name == "ResourceRoles":
            record = next((r for r in self._resource_roles() if r["id"] == item_id), None)
        outside = self.outside_scope(entity, level, record)
        if record is None or (parent and record.get(entity.parent_field) != parent) or outside:
            if self.tenant.assumptions["missing_id"] == "404":
                raise ApiError(404, body={"Message": "No matching records found."})
            return {"item": None}  # the default: see catalog.ASSUMPTIONS["missing_id"]
        return {"item": self.render(entity, record)}

    def entity_information(self, name):
        spec = catalog.ENTITIES.get(name)
        access = self.access.get(name, {})
        return {
            "name": name,  # the plural entity name, as a real response shows (PD test)
            "canCreate": bool(spec and spec.create),
            "canDelete": bool(spec and spec.delete),
            "canQuery": bool(spec and spec.query) if spec else True,
            "canUpdate": bool(spec and spec.update),
            "userAccessForCreate": access.get("create", "None"),
            "userAccessForDelete": access.get("delete", "None"),
            "userAccessForQuery": access.get("query", "None"),
            "userAccessForUpdate": access.get("update", "None"),
            "hasUserDefinedFields": bool(spec and spec.udfs),
            "supportsWebhookCallouts": name in ("Companies", "Contacts", "ConfigurationItems", "Tickets", "Resources"),
        }

    def fields(self, entity):
        return entity_fields(entity, self.tenant)

    def udf_fields(self, entity):
        if not entity.udfs:
            return {"fields": []}
        return {
            "fields": [
                {
                    "name": d["name"],
                    "label": d["name"],
                    "type": "string",
                    "length": 8000,
                    "description": d["description"],
                    "isRequired": False,
                    "isReadOnly": False,
                    "isQueryable": True,
                    "isReference": False,
                    "referenceEntityType": None,
                    "isPickList": False,
                    "picklistValues": None,
                    "picklistParentValueField": None,
                    "defaultValue": "",
                    "isSupportedWebhookField": True,
                }
                for d in self.visible_udfs(entity)
            ]
        }

    # -- writing ---------------------------------------------------------------------------

    def write(self, method, entity, body, parent=None):
        if not isinstance(body, dict):
            raise ApiError(500, ["The request body must be a JSON object."])
        op = "create" if method == "POST" else "update"
        level = self.require(entity, op)
        with self.tenant.lock:
            if op == "create":
                return self._create(entity, body, parent)
            return self._update(entity, body, parent, replace=method == "PUT", level=level)

    def _check_refs(self, entity, values, resource_id):
        recs = self.tenant.records
        resource = recs["Resources"].get(resource_id)
        if resource is None:
            raise ApiError(500, ["Resource %s does not exist." % resource_id])
        if "departmentID" in values and values["departmentID"] not in recs["Departments"]:
            raise ApiError(500, ["Invalid value for departmentID: %s." % values["departmentID"]])
        if "roleID" in values:
            role = recs["Roles"].get(values["roleID"])
            if role is None or not role["isActive"]:
                raise ApiError(500, ["Invalid value for roleID: %s (missing or inactive)." % values["roleID"]])
        if "queueID" in values and values["queueID"] not in {
            q["id"] for q in self.tenant.queues if q.get("isActive", True)
        }:
            raise ApiError(500, ["Invalid value for queueID: %s." % values["queueID"]])
        if not resource["isActive"] and entity.name.startswith("Resource"):
            raise ApiError(500, ["Cannot associate an inactive resource."])

    def _create(self, entity, body, parent):
        values = self._writable(entity, body)
        if entity.name.startswith("Resource"):
            if parent is None:
                raise ApiError(405, body={"Message": "The requested resource does not support http method 'POST'."})
            values["resourceID"] = parent
            self._check_refs(entity, values, parent)
        elif parent is not None:
            values["companyID"] = parent
        missing = [f for f in entity.required if values.get(f) in (None, "")]
        if missing:
            raise ApiError(500, ["%s is required." % ", ".join(missing)])
        if entity.name == "Tickets":
            values = self._ticket_rules(values, {})
        recs = self.tenant.records[entity.name]
        # ASSUMPTION (switch duplicate_associations): a second identical association is refused.
        refuse_duplicates = self.tenant.assumptions["duplicate_associations"] == "refused"
        if refuse_duplicates and entity.name == "ResourceRoleQueues":
            for r in recs.values():
                if r["resourceID"] == parent and r["queueID"] == values["queueID"]:
                    raise ApiError(500, ["This resource is already associated with queue %s." % values["queueID"]])
        if refuse_duplicates and entity.name in ("ResourceRoleDepartments", "ResourceServiceDeskRoles"):
            for r in recs.values():
                if (
                    r["resourceID"] == parent
                    and r["roleID"] == values["roleID"]
                    and r.get("departmentID") == values.get("departmentID")
                ):
                    raise ApiError(500, ["This association already exists (id %s)." % r["id"]])
        record = self.tenant.insert(entity.name, values)
        self._after_default(entity, record)
        return {"itemId": record["id"]}

    def _update(self, entity, body, parent, replace, level="All"):
        try:
            item_id = int(body.get("id"))
        except (TypeError, ValueError):
            raise ApiError(500, ["An id is required to update an entity."]) from None
        record = self.tenant.records[entity.name].get(item_id)
        elsewhere = parent is not None and record is not None and record.get(entity.parent_field) != parent
        if record is None or elsewhere or self.outside_scope(entity, level, record):
            raise ApiError(
                500,
                [
                    "No matching records found. The logged in Resource may not have the required "
                    "permissions to update the data."
                ],
            )
        values = self._writable(entity, body)
        values.pop("resourceID", None)  # immutable, silently ignored (D-ROLES)
        if entity.name == "ResourceRoleDepartments" and record["isDefault"] and values.get("isDefault") is False:
            raise ApiError(500, ["The default department/role cannot be set to false; set another as default."])
        if entity.name.startswith("Resource") and entity.name != "Resources":
            self._check_refs(entity, {k: v for k, v in values.items() if v != record.get(k)}, record["resourceID"])
        if entity.name == "Tickets":
            if replace:  # a PUT sends the whole ticket: its required fields too (D-PUT)
                missing = [f for f in entity.required if values.get(f) in (None, "")]
                if missing:
                    raise ApiError(500, ["%s is required." % ", ".join(missing)])
            values = self._ticket_rules(values, {} if replace else record)
        if replace:
            for field in entity.fields:
                if field not in entity.readonly and entity.fields[field] != "udf" and field != "resourceID":
                    record[field] = values.get(field, entity.defaults.get(field))
        else:
            record.update(values)
        if "userDefinedFields" in body and entity.udfs:
            self._write_udfs(entity, item_id, body["userDefinedFields"])
        self._after_default(entity, record)
        return {"itemId": item_id}

    def _ticket_rules(self, values, record):
        """A ticket write's rules; ``record`` is the ticket as stored ({} for a create or a PUT).

        Returns the values to store, with completedDate following status (the sandbox's own)."""
        merged = dict(record, **values)
        tenant = self.tenant
        # A reference or picklist value the tenant lacks: the live wording for a Tasks picklist
        # (WYRE-AI/autotask-mcp issue #46, taskType), read here for the Tickets fields.
        valid = {
            "companyID": set(tenant.records["Companies"]),
            "status": {v for v, _ in tenant.ticket_statuses},
            "priority": {v for v, _ in tenant.ticket_priorities},
            "queueID": {q["id"] for q in tenant.queues if q.get("isActive", True)},
        }
        for field, allowed in valid.items():
            if field in values and values[field] is not None and values[field] not in allowed:
                raise ApiError(500, ["Value does not reference an existing entity for %s . " % field])
        if merged.get("assignedResourceID") and not merged.get("assignedResourceRoleID"):
            # Live (WYRE-AI/msp-claude-plugins issue #32).
            both = "When assigning a Resource, you must assign both a assignedResourceID and assignedResourceRoleID."
            raise ApiError(500, [both])
        if not record:
            # ASSUMPTION (switch ticket_due_date): dueDateTime is optional on a create.
            if tenant.assumptions["ticket_due_date"] == "required" and not merged.get("dueDateTime"):
                raise ApiError(500, ["dueDateTime is required."])
            # ASSUMPTION (switch ticket_needs_queue_or_resource): a queue or a resource routes it.
            routed = merged.get("queueID") or merged.get("assignedResourceID")
            if tenant.assumptions["ticket_needs_queue_or_resource"] and not routed:
                raise ApiError(500, ["A ticket needs a queueID or an assignedResourceID and assignedResourceRoleID."])
        completing = merged.get("status") == catalog.TICKET_STATUS_COMPLETE
        if completing and record.get("status") != catalog.TICKET_STATUS_COMPLETE:
            # ASSUMPTION (switch ticket_complete_needs_resolution): completing needs no resolution.
            needs = tenant.assumptions["ticket_complete_needs_resolution"]
            if needs and not str(merged.get("resolution") or "").strip():
                raise ApiError(500, ["A resolution is required to complete a ticket."])
            values = dict(values, completedDate=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        elif not completing and record.get("status") == catalog.TICKET_STATUS_COMPLETE:
            values = dict(values, completedDate=None)  # reopened
        return values

    def _writable(self, entity, body):
        values = {}
        for key, value in body.items():
            field = next((f for f in entity.fields if f.lower() == str(key).lower()), None)
            if field is None or field in entity.readonly or entity.fields[field] == "udf":
                continue  # unknown and read-only fields are ignored, as model binding does
            ftype = entity.fields[field]
            if value is not None and ftype == catalog.BOOL and not isinstance(value, bool):
                raise ApiError(500, ["Value for %s must be true or false." % field])
            if value is not None and ftype == catalog.INT:
                if isinstance(value, bool):
                    raise ApiError(500, ["Value for %s must be an integer." % field])
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    raise ApiError(500, ["Value for %s must be an integer." % field]) from None
            values[field] = value
        return values

    def _write_udfs(self, entity, item_id, udfs):
        visible = {d["name"].lower(): d for d in self.visible_udfs(entity)}
        store = self.tenant.udf_values.setdefault((entity.name, item_id), {})
        for item in udfs or []:
            d = visible.get(str(item.get("name", "")).lower())
            if d is None:
                raise ApiError(500, ["Unable to find user-defined field %s." % item.get("name")])
            box = "edit_protected" if d["isProtected"] else "edit_unprotected"
            if entity.name in PROTECTED_DATA_ENTITIES and not self.boxes.get(box):
                raise ApiError(500, ["The logged in Resource does not have permission to edit %s." % d["name"]])
            store[d["name"]] = item.get("value")

    def _after_default(self, entity, record):
        # Setting a new default clears the old one (D-ROLES).
        if entity.name in ("ResourceRoleDepartments", "ResourceServiceDeskRoles") and record.get("isDefault"):
            for other in self.tenant.records[entity.name].values():
                if other is not record and other["resourceID"] == record["resourceID"]:
                    other["isDefault"] = False


ROUTE = re.compile(r"^/(?P<zone>[^/]+)/atservicesrest/v1\.0/(?P<rest>.*)$", re.I)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AutotaskSandbox/1.0"
    sandbox = None  # set on the subclass the server builds

    def log_message(self, fmt, *args):  # quiet: the request log is the record
        pass

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_DELETE(self):
        self.dispatch("DELETE")

    # -- plumbing ----------------------------------------------------------------------------

    @property
    def base(self):
        host = self.headers.get("Host") or "%s:%s" % self.server.server_address[:2]
        return "http://%s" % host

    def body(self):
        raw = self._raw
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(500, ["The request body is not valid JSON."]) from None

    def send(self, status, payload=None, headers=None, raw=None, content_type=JSON_TYPE):
        data = raw if raw is not None else (b"" if payload is None else json.dumps(payload).encode())
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(2)
        except OSError:
            pass

    def dispatch(self, method):
        # Read the whole body first: an answer that skips it would leave bytes on a keep-alive socket.
        length = int(self.headers.get("Content-Length") or 0)
        self._raw = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        path = unquote(url.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        try:
            control_plane = path.startswith("/_sandbox/") or path == "/_sandbox"
            if not control_plane and len(url.query) > MAX_QUERY_STRING:
                raise ApiError(404, raw=NOT_FOUND_PAGE, content_type="text/html")
            if control_plane:
                from .control import control

                status, payload = control(self.sandbox, method, path, params, self.body(), self.base)
                self.send(status, payload)
                return
            self.rest(method, path, params)
        except DropConnection:
            self.drop()
        except ApiError as exc:
            self.send(exc.status, exc.body, exc.headers, raw=exc.raw, content_type=exc.content_type)
        except SeedError as exc:
            self.send(400, {"errors": [str(exc)]})
        except Exception:  # a sandbox bug: say so loudly, keep serving
            traceback.print_exc()
            self.send(500, {"errors": ["sandbox internal error; see the sandbox's stderr"]})

    # -- REST --------------------------------------------------------------------------------

    def rest(self, method, path, params):
        sb = self.sandbox
        lower = path.lower().rstrip("/")
        if lower.endswith("/atservicesrest/versioninformation"):
            # KelvinTegelaar/AutotaskAPI PR #76 (2026-09): the live answer lists both versions.
            self.send(200, {"apiVersions": ["V1.0", "V2.0"]})
            return
        if lower.endswith("/v1.0/zoneinformation"):
            answer = sb.zone_information(self.base, params.get("user"))
            # Not counted against any tenant's threshold (exempt, D-THREAD), but logged for benchmarks.
            with sb.lock:
                sb.log_unrouted.append(
                    {"time": time.time(), "method": method, "path": path, "status": 200, "entity": "zoneInformation"}
                )
            self.send(200, answer)
            return
        match = ROUTE.match(path)
        if not match:
            raise ApiError(404, body=NO_ROUTE)
        zone, rest = match.group("zone"), match.group("rest").strip("/")
        entry = {
            "time": time.time(),
            "method": method,
            "path": path,
            "status": None,
            "user": None,
            "integration": None,
            "entity": rest.split("/")[0],
            "fault": None,
        }
        tenant = None
        try:
            tenant, caller, api_user, code = sb.authenticate(zone, self.headers)
            entry["user"] = caller["userName"]
            entry["integration"] = api_user.get("integration_vendor") or "internal"
            sb.count_request(tenant)
            status, payload, drop_after = self.serve(tenant, caller, code, method, rest, params, entry)
            entry["status"] = status
            if drop_after:
                entry["fault"] = "drop_after_write"
                raise DropConnection()
            self.send(status, payload)
        except ApiError as exc:
            entry["status"] = exc.status
            raise
        except DropConnection:
            entry["status"] = entry["status"] or 0
            raise
        finally:
            with sb.lock:
                (tenant.log if tenant is not None else sb.log_unrouted).append(entry)

    def serve(self, tenant, caller, code, method, rest, params, entry):
        sb = self.sandbox
        kind, faults = sb.fault_for(tenant)
        if kind in ("429", "500", "503", "drop"):
            entry["fault"] = kind
            sb.latency(tenant)
            if kind == "429":
                raise ApiError(429, [THRESHOLD_ERROR], headers={"Retry-After": str(faults.get("retry_after", 1))})
            if kind == "500":
                raise ApiError(500, ["An unexpected error has occurred. Please try again later."])
            if kind == "503":
                # What a proxy in front of the API tends to answer: HTML, not JSON (the page is our own).
                raise ApiError(503, raw=PROXY_503_PAGE, content_type="text/html")
            raise DropConnection()
        endpoint = rest.split("/")[0].lower()
        key = (tenant.id, code, endpoint)
        with sb.lock:
            if sb.active[key] >= sb.settings["concurrency_limit"]:
                sb.refused_threads += 1
                raise ApiError(429, [THREAD_ERROR])
            sb.active[key] += 1
            sb.peak[key] = max(sb.peak[key], sb.active[key])
        try:
            extra = sb.settings["slow_page_ms"] if "/query/next" in rest.lower() else 0
            sb.latency(tenant, extra)
            api = Api(sb, tenant, caller, "%s/%s/ATServicesRest/V1.0" % (self.base, tenant.zone))
            with tenant.lock:
                status, payload = self.route(api, method, rest, params, tenant)
            return status, payload, kind == "drop_after_write" and method in ("POST", "PUT", "PATCH")
        finally:
            with sb.lock:
                sb.active[key] -= 1

    def route(self, api, method, rest, params, tenant):
        parts = rest.split("/")
        low = [p.lower() for p in parts]
        if low == ["thresholdinformation"] and method == "GET":
            limit = tenant.hourly_limit or self.sandbox.settings["hourly_limit"]
            return 200, {
                "externalRequestThreshold": limit,
                "requestThresholdTimeframe": 60,
                "currentTimeframeRequestCount": self.sandbox.used(tenant),
            }
        if low == ["version"] and method == "GET":
            # Swagger: AutotaskVersionResultModel (three strings); the values are the sandbox's own.
            return 200, {"majorVersion": "2026", "minorVersion": "1", "build": "0"}
        if low == ["modules"] and method == "GET":
            # Swagger: ModuleAccessResultModel, key/value pairs; the keys are the sandbox's own (no
            # public list of module keys was found), every module installed.
            return 200, {"modules": [{"key": key, "value": True} for key in MODULE_KEYS]}
        if low == ["entityinformation"] and method == "GET":
            names = sorted(set(catalog.ENTITIES) | set(api.access))
            # Swagger: items are EntityInformationResultModel, i.e. each wrapped in "info".
            style = tenant.assumptions["entity_names"]
            infos = [dict(api.entity_information(n), name=catalog.entity_name_as_answered(n, style)) for n in names]
            return 200, {"entityDescriptions": [{"info": info} for info in infos]}
        entity, parent, tail = self._locate(api, tenant, parts, low)
        verbs = route_verbs(entity, tail, parent)
        if verbs is None:
            raise ApiError(404, body=NO_ROUTE)
        if method not in verbs:
            # ASP.NET Web API on a known route with another verb (#19 item 7; the same body as the
            # live 405 in WYRE-AI/autotask-mcp PR #170).
            raise ApiError(405, body={"Message": "The requested resource does not support http method '%s'." % method})
        if tail and tail[0] == "entityinformation":
            return 200, self._entity_information(api, entity, tail)
        if tail and tail[0] == "query":
            return 200, self._query(api, entity, method, tail, params)
        if tail:
            return 200, api.get(entity, int(tail[0]), parent)
        if method == "GET":  # a resource's child collection (Swagger: QueryActionResult)
            return 200, api.children(entity, parent)
        return 200, api.write(method, entity, self.body(), parent)

    def _locate(self, api, tenant, parts, low):
        """(entity, parent id or None, the path after the entity) for an entity path."""
        entity = api.entity(parts[0])
        parent = None
        if len(parts) >= 3 and parts[1].isdigit() and not low[2].startswith("entityinformation"):
            child = next((v for k, v in entity.children.items() if k.lower() == low[2]), None)
            if child is None:
                raise ApiError(404, body=NO_ROUTE)
            parent = int(parts[1])
            if tenant.records[entity.name].get(parent) is None:
                raise ApiError(404, body={"Message": "No matching records found."})
            entity = catalog.ENTITIES[child]
            low = [entity.name.lower(), *low[3:]]
        return entity, parent, low[1:]

    def _entity_information(self, api, entity, tail):
        if tail == ["entityinformation"]:
            return {"info": api.entity_information(entity.name)}
        if tail == ["entityinformation", "fields"]:
            return api.fields(entity)
        return api.udf_fields(entity)

    def _query(self, api, entity, method, tail, params):
        if tail == ["query", "next"] and method == "GET" and '"post":true' in params.get("paging", ""):
            # A POST-started page's link is POSTed again (live 405: WYRE-AI/autotask-mcp PR #170).
            raise ApiError(405, body={"Message": "The requested resource does not support http method 'GET'."})
        body = self._search(method, params)
        try:
            if tail == ["query", "count"]:
                return api.count(entity, body)
            served = paging_token(params)["previousIds"] if tail == ["query", "next"] else ()
            return api.query(entity, body, served, posted=method == "POST")
        except QueryError as exc:
            raise ApiError(500, [str(exc)]) from None

    def _search(self, method, params):
        if method == "POST":
            return self.body()
        raw = params.get("search")
        if raw is None:
            raise ApiError(500, ["The search parameter is required."])
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(500, ["The search parameter is not valid JSON."]) from None


ENTITY_INFORMATION_TAILS = (
    ["entityinformation"],
    ["entityinformation", "fields"],
    ["entityinformation", "userdefinedfields"],
)


def route_verbs(entity, tail, parent):
    """The verbs Swagger declares for an entity path, or None where it declares no path."""
    if tail in ENTITY_INFORMATION_TAILS:
        return {"GET"}
    if len(tail) == 1 and tail[0].isdigit():
        return {"GET", "DELETE"} if entity.delete else {"GET"}
    verbs = ({"POST"} if entity.create else set()) | ({"PUT", "PATCH"} if entity.update else set())
    if parent is not None:  # /Resources/{id}/RoleQueues ...: no query paths under a parent
        return {"GET"} | verbs if not tail else None
    if tail in (["query"], ["query", "count"], ["query", "next"]):
        return {"GET", "POST"}
    if tail:
        return None
    # A child-only entity, or one nobody may write, has no top-level path at all (Swagger).
    return verbs if verbs and not entity.parent_only else None


def paging_token(params):
    try:
        token = json.loads(params.get("paging") or "")
        return dict(token, previousIds=[int(i) for i in token["previousIds"]])
    except (ValueError, TypeError, KeyError):
        raise ApiError(500, ["The paging parameter is not valid."]) from None


class SandboxServer:
    """Run a Sandbox on a port in a background thread (also the pytest fixture's engine)."""

    def __init__(self, seed=None, host="127.0.0.1", port=0):
        self.sandbox = Sandbox(seed)
        handler = type("BoundHandler", (Handler,), {"sandbox": self.sandbox})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.thread = None

    @property
    def url(self):
        host, port = self.httpd.server_address[:2]
        return "http://%s:%d" % (host, port)

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="autotask-sandbox", daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
