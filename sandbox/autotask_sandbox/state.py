"""Tenants (Autotask databases) and what lives in them, including the UI-only parts."""

import copy
import itertools
import secrets
import threading

from . import catalog

ACCESS_ORDER = {"None": 0, "Restricted": 1, "All": 2}
OPERATIONS = ("create", "query", "update", "delete")
PROTECTED_BOXES = ("edit_protected", "view_protected", "edit_unprotected", "view_unprotected")


class SeedError(ValueError):
    """The seed or a control-plane request is malformed."""


def _row_key(section, subsection, name):
    return (str(section).strip().upper(), str(subsection).strip().lower(), " ".join(str(name).split()).lower())


ROW_INDEX = {_row_key(*k): (k, v) for k, v in catalog.ROW_ACCESS.items()}


def parse_permission(kind, value):
    """Turn a permission cell as vendor documents write it into the sandbox's value."""
    if kind == "object":
        facets = {}
        parts = value if isinstance(value, list) else str(value).replace("\n", ",").split(",")
        for part in parts:
            if isinstance(part, dict):
                facets.update({str(k).lower(): str(v) for k, v in part.items()})
                continue
            if ":" not in str(part):
                raise SeedError("object permission %r needs 'Facet: Value' parts" % (value,))
            facet, scope = str(part).split(":", 1)
            facet = facet.strip().lower()
            if facet not in catalog.FACETS:
                raise SeedError("unknown facet %r (View, Add, Edit, Delete)" % facet)
            facets[facet] = scope.strip()
        return facets
    if kind == "check":
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("yes", "true", "check", "checked", "(add check)", "on")
    return str(value).strip()


def full_permissions():
    """The rows of a system API-only level: everything granted (D-SL: equals Full Access)."""
    rows = {}
    for key, (_, spec) in ROW_INDEX.items():
        if spec["kind"] == "object":
            rows[key] = {"view": "All", "add": "Yes", "edit": "All", "delete": "All"}
        elif spec["kind"] == "check":
            rows[key] = True
        elif spec["kind"] == "scope":
            rows[key] = "All"
        else:
            rows[key] = "Full"
    return rows


class SecurityLevel:
    def __init__(
        self, name, permissions=None, active=True, system=False, api_only=True, copied_from=None, level_id=None
    ):
        self.id = level_id
        self.name = name
        self.permissions = permissions or {}
        self.active = active
        self.system = system
        self.api_only = api_only
        self.copied_from = copied_from

    def set_rows(self, rows):
        for row in rows:
            try:
                section, subsection, name = row["section"], row["subsection"], row["name"]
            except (KeyError, TypeError):
                raise SeedError("a permission row needs section, subsection and name: %r" % (row,)) from None
            key = _row_key(section, subsection, name)
            spec = ROW_INDEX.get(key, (None, {"kind": "other"}))[1]
            self.permissions[key] = parse_permission(spec["kind"], row.get("permission", True))

    def access(self, assumptions=None):
        """userAccessFor* per entity and operation, from the rows (see catalog.ROW_ACCESS).

        ``assumptions`` picks, where the help is silent, one of the plausible behaviours
        (catalog.ASSUMPTIONS); the defaults otherwise.
        """
        chosen = dict(catalog.DEFAULT_ASSUMPTIONS, **(assumptions or {}))
        result = {name: dict.fromkeys(OPERATIONS, "None") for name in _all_entity_names()}

        def grant(entity, op, level):
            cell = result.setdefault(entity, dict.fromkeys(OPERATIONS, "None"))
            if ACCESS_ORDER[level] > ACCESS_ORDER[cell[op]]:
                cell[op] = level

        for entity in catalog.ALWAYS_QUERY if chosen["reference_reads"] else ():
            grant(entity, "query", "All")
        org_levels = []
        for key, value in self.permissions.items():
            if key not in ROW_INDEX:
                continue
            row_key, spec = ROW_INDEX[key]
            entities, grants = spec.get("entities", []), spec.get("grants", {})
            if spec.get("switch") and not chosen[spec["switch"]]:
                entities, grants = spec.get("off_entities", []), spec.get("off_grants", {})
            if spec["kind"] == "object":
                for facet, scope in value.items():
                    level = catalog.SCOPE_ACCESS.get(scope.strip().lower(), "None")
                    for entity in entities:
                        grant(entity, catalog.FACETS[facet], level)
            elif spec["kind"] == "scope":
                level = catalog.SCOPE_ACCESS.get(value.strip().lower(), "None")
                if row_key[2] in catalog.ORG_ACCESS_ROWS and entities:
                    org_levels.append(level)
                    if chosen["org_access_combines"] != "best":
                        continue  # combined below
                for entity in entities:
                    for op in spec["operations"]:
                        grant(entity, op, level)
            elif spec["kind"] == "check" and value:
                for entity, ops in grants.items():
                    for op in ops:
                        grant(entity, op, "All")
        if org_levels and chosen["org_access_combines"] == "all_or_restricted":
            rows = len(catalog.ORG_ACCESS_ROWS)
            if org_levels.count("All") == rows:
                grant("Companies", "query", "All")
            elif org_levels.count("None") < rows:
                grant("Companies", "query", "Restricted")
        for entity, ops in catalog.FOLLOWS_COMPANY.items():
            for op in ops:
                grant(entity, op, result["Companies"][op])
        visibility = self.permissions.get(_row_key(*catalog.CONTRACT_VISIBILITY))
        if str(visibility or "").strip().lower() != "full":
            # REST ContractsEntity: limited or no contract visibility: no create, update or query.
            for op in ("create", "update", "query"):
                result.setdefault("Contracts", dict.fromkeys(OPERATIONS, "None"))[op] = "None"
        return result

    def to_dict(self):
        return {
            "id": self.id,
            "name": self.name,
            "active": self.active,
            "system": self.system,
            "api_only": self.api_only,
            "copied_from": self.copied_from,
            "permissions": [
                dict(zip(("section", "subsection", "name"), ROW_INDEX[k][0] if k in ROW_INDEX else k), permission=v)
                for k, v in sorted(self.permissions.items())
            ],
        }


def _all_entity_names():
    names = set(catalog.ENTITIES)
    for spec in catalog.ROW_ACCESS.values():
        names.update(spec.get("entities", []))
    return sorted(names)


def normalise_protected(boxes):
    """Ticking a box ticks the lesser ones (D-PD): EP => VP => EU => VU."""
    out = {k: bool((boxes or {}).get(k, False)) for k in PROTECTED_BOXES}
    for higher, lower in zip(PROTECTED_BOXES, PROTECTED_BOXES[1:]):
        if out[higher]:
            out[lower] = True
    return out


class Tenant:
    def __init__(self, spec, vendors):
        try:
            self.id = int(spec["id"])
            self.zone = str(spec.get("zone", "webservices1"))
        except (KeyError, TypeError, ValueError):
            raise SeedError("a tenant needs an integer id") from None
        self.name = spec.get("name", "Tenant %d" % self.id)
        self.lock = threading.RLock()
        self.vendors = vendors  # name -> code, shared across tenants (Datto issues vendor codes)
        self.internal_codes = list(spec.get("internal_integration_codes") or [])
        self.locations = list(spec.get("locations") or [{"id": 1, "name": "Head Office"}])
        self.queues = list(spec.get("queues") or [])
        self.ticket_statuses = [tuple(s) for s in spec.get("ticket_statuses") or catalog.TICKET_STATUSES]
        self.ticket_priorities = [tuple(p) for p in spec.get("ticket_priorities") or catalog.TICKET_PRIORITIES]
        self.faults = dict(spec.get("faults") or {})
        self.hourly_limit = spec.get("hourly_limit")
        self.assumptions = dict(catalog.DEFAULT_ASSUMPTIONS)
        for name, value in (spec.get("assumptions") or {}).items():
            if name not in catalog.ASSUMPTIONS or value not in catalog.ASSUMPTIONS[name]:
                raise SeedError(
                    "assumption %s=%r: known: %s"
                    % (
                        name,
                        value,
                        "; ".join("%s in %s" % (k, list(v)) for k, v in sorted(catalog.ASSUMPTIONS.items())),
                    )
                )
            self.assumptions[name] = value
        self.records = {name: {} for name in catalog.ENTITIES}
        self.udf_values = {}  # (entity, id) -> {udf name: value}
        self.api_users = {}  # resource id -> {secret, security_level, integration_vendor}
        self.protected = {}  # resource id -> boxes
        self._ids = itertools.count(int(spec.get("first_id", 1000)))
        self.security_levels = {}
        self._level_ids = itertools.count(catalog.FIRST_CUSTOM_LEVEL_VALUE)
        for name, value in catalog.SYSTEM_LEVEL_VALUES.items():
            self.security_levels[name.lower()] = SecurityLevel(name, full_permissions(), system=True, level_id=value)
        for dep in spec.get("departments") or []:
            self.insert("Departments", dep)
        for role in spec.get("roles") or []:
            self.insert("Roles", role)
        for udf in spec.get("udfs") or []:
            self.add_udf(udf)
        for level in spec.get("security_levels") or []:
            self.create_security_level(level)
        for res in spec.get("resources") or []:
            self.add_resource(res)
        # Named companies (an MSP's customers, e.g. the demo's MSP tenant); generate adds synthetic ones.
        for company in spec.get("companies") or []:
            if not company.get("companyName"):
                raise SeedError("a seeded company needs a companyName")
            self.insert("Companies", company)
        self._generate(spec.get("generate") or {})

    # -- records --------------------------------------------------------------------------

    def new_id(self):
        return next(self._ids)

    def insert(self, entity, values):
        spec = catalog.ENTITIES[entity]
        record = {f: None for f in spec.fields if spec.fields[f] != "udf"}
        record.update(spec.defaults)
        for key, value in values.items():
            if key in record or key == "id":
                record[key] = value
        record["id"] = int(values.get("id") or self.new_id())
        self.records[entity][record["id"]] = record
        if entity == "Companies":
            # Every company has its site configuration (REST CompanySiteConfigurationsEntity: the
            # UDFs of "the account represented by companyID"; no POST in Swagger). Its id and
            # locationName (the company's name) are the sandbox's own.
            self.insert("CompanySiteConfigurations", {"companyID": record["id"], "locationName": record["companyName"]})
        return record

    def _generate(self, counts):
        owner = next(iter(self.records["Resources"]), None)
        companies = []
        for i in range(int(counts.get("companies", 0))):
            companies.append(
                self.insert("Companies", {"companyName": "Customer %04d" % i, "ownerResourceID": owner})["id"]
            )
        company = companies[0] if companies else None
        makers = {
            "tickets": (
                "Tickets",
                lambda i: {
                    "companyID": company,
                    "title": "Ticket %d" % i,
                    "queueID": self.queues[0]["id"] if self.queues else None,
                    "ticketNumber": "T%08d" % i,
                },
            ),
            "configuration_items": (
                "ConfigurationItems",
                lambda i: {"companyID": company, "referenceTitle": "Device %d" % i},
            ),
            "contracts": ("Contracts", lambda i: {"companyID": company, "contractName": "Contract %d" % i}),
            "opportunities": (
                "Opportunities",
                lambda i: {"companyID": company, "title": "Deal %d" % i, "ownerResourceID": owner},
            ),
            "todos": (
                "CompanyToDos",
                lambda i: {"companyID": company, "activityDescription": "To-do %d" % i, "assignedToResourceID": owner},
            ),
            "resources": (
                "Resources",
                lambda i: {
                    "firstName": "Tech",
                    "lastName": "%05d" % i,
                    "email": "tech%05d@example.test" % i,
                    "userName": "tech%05d" % i,
                },
            ),
        }
        for key, (entity, make) in makers.items():
            for i in range(int(counts.get(key, 0))):
                self.insert(entity, make(i))

    def add_udf(self, udf):
        entity = udf.get("entity", "ConfigurationItems")
        if entity not in catalog.UDF_TYPES:
            raise SeedError("UDFs are modelled for %s, not %r" % (", ".join(catalog.UDF_TYPES), entity))
        return self.insert(
            "UserDefinedFieldDefinitions",
            {
                "name": udf["name"],
                "description": udf.get("description", ""),
                "dataType": 1,
                "udfType": catalog.UDF_TYPES[entity],
                "isActive": udf.get("active", True),
                "isProtected": bool(udf.get("protected", False)),
                "isEncrypted": False,
                "isPrivate": False,
                "isRequired": False,
                "isFieldMapping": False,
                "isVisibleToClientPortal": False,
                "sortOrder": 1,
            },
        )

    def udf_definitions(self, entity):
        udf_type = catalog.UDF_TYPES.get(entity)
        return [
            d
            for d in self.records["UserDefinedFieldDefinitions"].values()
            if d["udfType"] == udf_type and d["isActive"]
        ]

    def add_resource(self, res):
        values = {k: v for k, v in res.items() if k in catalog.RESOURCE_FIELDS or k == "id"}
        api = res.get("api_user")
        if api:
            values.setdefault("licenseType", 7)
            values.setdefault("userType", 5)
        record = self.insert("Resources", values)
        rid = record["id"]
        if api:
            self.set_api_user(rid, api)
        self.protected[rid] = normalise_protected(res.get("protected_data"))
        for link in res.get("departments") or []:
            self.insert(
                "ResourceRoleDepartments",
                {
                    "resourceID": rid,
                    "departmentID": link["department_id"],
                    "roleID": link["role_id"],
                    "isDefault": link.get("default", False),
                    "isActive": link.get("active", True),
                },
            )
        for queue_id in res.get("queues") or []:
            self.insert("ResourceRoleQueues", {"resourceID": rid, "queueID": queue_id})
        for link in res.get("service_desk_roles") or []:
            self.insert(
                "ResourceServiceDeskRoles",
                {
                    "resourceID": rid,
                    "roleID": link["role_id"],
                    "isDefault": link.get("default", False),
                    "isActive": link.get("active", True),
                },
            )
        return record

    # -- UI-only actions (what a technician does) ---------------------------------------------

    def level(self, name):
        key = str(name).strip().lower()
        key = catalog.SYSTEM_LEVEL_ALIASES.get(key, key).lower()
        return self.security_levels.get(key)

    def create_security_level(self, spec):
        name = spec.get("name")
        if not name:
            raise SeedError("a security level needs a name")
        if self.level(name) is not None:
            raise SeedError("security level %r already exists" % name)
        source = spec.get("copy_from")
        rows = {}
        if source:
            src = self.level(source)
            if src is None:
                raise SeedError("no security level %r to copy" % source)
            rows = copy.deepcopy(src.permissions)
        level = SecurityLevel(
            name, rows, active=spec.get("active", True), copied_from=source, level_id=next(self._level_ids)
        )
        level.set_rows(spec.get("permissions") or [])
        self.security_levels[name.lower()] = level
        return level

    def edit_security_level(self, name, spec):
        level = self.level(name)
        if level is None:
            raise SeedError("no security level %r" % name)
        if level.system:
            raise SeedError("system security levels cannot be edited")
        if "active" in spec:
            level.active = bool(spec["active"])
        if spec.get("reset_rows"):
            level.permissions = {}
        level.set_rows(spec.get("permissions") or [])
        if spec.get("rename"):
            del self.security_levels[level.name.lower()]
            level.name = spec["rename"]
            self.security_levels[level.name.lower()] = level
        return level

    def set_api_user(self, rid, api):
        current = self.api_users.get(rid, {})
        entry = dict(current)
        if "security_level" in api:
            if self.level(api["security_level"]) is None:
                raise SeedError("no security level %r" % api["security_level"])
            entry["security_level"] = self.level(api["security_level"]).name
        entry.setdefault("security_level", catalog.SYSTEM_API_LEVEL)
        # userType is the level (the picklist's value for it); read-only in the API.
        self.records["Resources"][rid]["userType"] = self.level(entry["security_level"]).id
        if api.get("integration_vendor"):
            if api["integration_vendor"] not in self.vendors:
                raise SeedError("unknown integration vendor %r" % api["integration_vendor"])
            entry["integration_vendor"] = api["integration_vendor"]
        elif api.get("internal") or "integration_vendor" in api:
            entry["integration_vendor"] = None
        entry.setdefault("integration_vendor", None)
        if api.get("secret"):
            entry["secret"] = str(api["secret"])
        entry.setdefault("secret", secrets.token_urlsafe(18))
        self.api_users[rid] = entry
        return entry

    def create_api_user(self, spec):
        """New API User: a Resource with license type 7 plus its key and secret."""
        for key in ("firstName", "lastName", "email"):
            if not spec.get(key):
                raise SeedError("a new API user needs %s" % key)
        username = spec.get("userName") or "%s%s@%s" % (
            spec["firstName"][:6].lower().replace(" ", ""),
            secrets.token_hex(3),
            "example.test",
        )
        if self.find_user(username) is not None:
            raise SeedError("username %r is taken" % username)
        res = {k: v for k, v in spec.items() if k in catalog.RESOURCE_FIELDS}
        res["userName"] = username
        res["api_user"] = {
            k: spec[k] for k in ("security_level", "integration_vendor", "internal", "secret") if k in spec
        }
        if not res["api_user"]:
            res["api_user"] = {"internal": True}
        res["protected_data"] = spec.get("protected_data")
        record = self.add_resource(res)
        return record, self.api_users[record["id"]]

    def set_protected(self, rid, boxes):
        self.protected[rid] = normalise_protected(boxes)
        return self.protected[rid]

    # -- lookups -----------------------------------------------------------------------------

    def find_user(self, username):
        wanted = str(username).strip().lower()
        for record in self.records["Resources"].values():
            if (record.get("userName") or "").lower() == wanted:
                return record
        return None

    def access_for(self, rid):
        api = self.api_users.get(rid)
        level = self.level(api["security_level"]) if api else None
        if level is None:
            return {name: dict.fromkeys(OPERATIONS, "None") for name in _all_entity_names()}
        return level.access(self.assumptions)

    def to_dict(self):
        return {
            "id": self.id,
            "name": self.name,
            "zone": self.zone,
            "security_levels": [lv.to_dict() for lv in self.security_levels.values()],
            "api_users": {
                str(k): {kk: vv for kk, vv in v.items() if kk != "secret"} for k, v in self.api_users.items()
            },
            "protected_data": {str(k): v for k, v in self.protected.items()},
            "entities": {
                name: sorted(rows.values(), key=lambda r: r["id"])
                for name, rows in self.records.items()
                if name
                not in (
                    "Companies",
                    "CompanySiteConfigurations",
                    "Tickets",
                    "ConfigurationItems",
                    "Contracts",
                    "Opportunities",
                    "CompanyToDos",
                )
            },
            "counts": {name: len(rows) for name, rows in self.records.items()},
            "queues": self.queues,
            "locations": self.locations,
        }
