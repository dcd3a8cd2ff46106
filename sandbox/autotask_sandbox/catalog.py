"""What the sandbox knows about Autotask, written down as data.

Two tables live here:

* ``ENTITIES``: the REST entities the sandbox serves, with their fields (names and types
  from the Swagger 2.0 models ``<Entity>Model``), which verbs the real API allows, child
  URLs, read-only fields and the field that makes a row "mine" for Restricted access.
* ``ROW_ACCESS``: how rows of a security level's permission table turn into the
  ``userAccessFor*`` levels ``entityInformation`` reports, re-derived from Autotask's help
  (the D-SL security-settings pages and the REST entity pages). Every entry says what it rests
  on (``evidence``, ``source``); where the help is silent, ``ASSUMPTIONS`` names the plausible
  alternatives as seed switches. This is the sandbox's own reading, not the collection's.

Nothing here imports from the collection's plugins: the sandbox is an independent model.
"""

INT, STR, BOOL, FLOAT, DATE = "int", "str", "bool", "float", "datetime"


class Entity:
    def __init__(
        self,
        name,
        fields,
        create=False,
        update=False,
        delete=False,
        query=True,
        children=None,
        readonly=(),
        owner_field=None,
        udfs=False,
        picklists=None,
        required=(),
        defaults=None,
        parent_only=False,
        parent_field="resourceID",
        owner_via=None,
    ):
        self.name = name
        self.fields = dict(fields)
        self.fields.setdefault("id", INT)
        self.create = create
        self.update = update
        self.delete = delete
        self.query = query
        self.children = dict(children or {})  # child URL segment -> child entity name
        self.readonly = set(readonly) | {"id"}
        self.owner_field = owner_field
        self.udfs = udfs
        self.picklists = dict(picklists or {})  # field -> callable(tenant) -> [(value, label, active)]
        self.required = tuple(required)
        self.defaults = dict(defaults or {})
        # Written only through the parent's child URL: Swagger declares no verb on the
        # top-level path (e.g. /V1.0/ResourceRoleDepartments has none, only .../query).
        self.parent_only = parent_only
        self.parent_field = parent_field  # the field that ties a child row to its parent URL's id
        # (field, entity) whose owner makes a row "mine" when the row has no owner of its own.
        self.owner_via = owner_via


def _queues(tenant):
    return [(q["id"], q["label"], q.get("isActive", True)) for q in tenant.queues]


# Ticket statuses: New is 1 and Complete is 5 on every tenant (opendns/autotask-php
# ticket_create_example.php creates with Status 1; WYRE-AI/autotask-mcp PR #251 treats status 5 as
# completed; campai-bv/autotask-dashboards-os issue #82: "Complete - Autotask standard status
# (equals status 5)"). In Progress (8) and the priority labels are the sandbox's own; a seed may
# give a tenant its own lists (ticket_statuses, ticket_priorities).
TICKET_STATUS_NEW = 1
TICKET_STATUS_COMPLETE = 5
TICKET_STATUSES = [(1, "New"), (5, "Complete"), (8, "In Progress")]
TICKET_PRIORITIES = [(1, "High"), (2, "Medium"), (3, "Low"), (4, "Critical")]


def _ticket_statuses(tenant):
    return [(value, label, True) for value, label in tenant.ticket_statuses]


def _ticket_priorities(tenant):
    return [(value, label, True) for value, label in tenant.ticket_priorities]


# The legacy entries 1-12 of the userType picklist, as the real sample lists them
# (samples/resources-entityinformation-fields.json): isSystem false, before the tenant's levels.
LEGACY_USER_TYPES = (
    "System Administrator",
    "Manager",
    "Project Manager",
    "Sales",
    "Team Member",
    "Contractor",
    "Service Desk User",
    "Private CRM",
    "Time and Attendance",
    "Full Access (system)",
    "Dashboard User (system)",
    "Minimal Access (system)",
)


# The system levels every tenant has, with the fixed values and labels the real sample lists
# beside the legacy entries (samples/resources-entityinformation-fields.json, isSystem true).
# 13 and 25 are the two system API levels (SYSTEM_LEVEL_VALUES); the others are UI levels no API
# user can hold, so the sandbox lists them without modelling their rows.
SYSTEM_USER_TYPES = (
    (13, "API User (system)"),
    (14, "System Administrator (system)"),
    (15, "Manager (system)"),
    (16, "Project Manager (system)"),
    (17, "Sales (system)"),
    (18, "Team Member (system)"),
    (19, "Contractor (system)"),
    (20, "Service Desk User (system)"),
    (21, "Private CRM (system)"),
    (22, "Time and Attendance (system)"),
    (23, "Co-managed Help Desk (system)"),
    (25, "API User (system) Can't Read Costs"),
)
# A tenant's own levels take values after the fixed ones (the sample's custom levels are 24, 26-34).
FIRST_CUSTOM_LEVEL_VALUE = 26


def _user_types(tenant):
    """userType: the legacy names, the fixed system levels, then the tenant's own levels, in value
    order (sortOrder follows it, as in the sample). Only the two system API levels lose the UI's
    "(API-only)" suffix (the sample's "API User (system)"); a custom level keeps its name."""
    out = [(i, name, True, name.endswith("(system)")) for i, name in enumerate(LEGACY_USER_TYPES, 1)]
    held = {level.id for level in tenant.security_levels.values()}
    out += [(value, label, True, True) for value, label in SYSTEM_USER_TYPES if value not in held]
    for level in tenant.security_levels.values():
        label = dict(SYSTEM_USER_TYPES)[level.id] if level.system else level.name
        out.append((level.id, label, level.active, level.system))
    return sorted(out)


def _locations(tenant):
    """Internal locations are the tenant's own: isSystem false, the first (or the one seeded with
    default: true) the default value, as the real sample's locationID picklist shows."""
    default = next((loc["id"] for loc in tenant.locations if loc.get("default")), tenant.locations[0]["id"])
    return [(loc["id"], loc["name"], True, False, loc["id"] == default) for loc in tenant.locations]


LICENSE_TYPES = [
    (1, "Administrator"),
    (2, "Executive"),
    (3, "Professional"),
    (4, "Team Member"),
    (5, "Time & Attendance Only"),
    (6, "Dashboard User"),
    (7, "API User"),
    (8, "Contractor"),
    (9, "Co-managed Help Desk"),
]
PAYROLL_TYPES = [(1, "Salary"), (2, "Hourly"), (3, "Contractor"), (4, "Salary Non Exempt")]

RESOURCE_FIELDS = {
    "accountingReferenceID": STR,
    "dateFormat": STR,
    "defaultServiceDeskRoleID": INT,
    "email": STR,
    "email2": STR,
    "email3": STR,
    "emailTypeCode": STR,
    "emailTypeCode2": STR,
    "emailTypeCode3": STR,
    "firstName": STR,
    "gender": STR,
    "greeting": INT,
    "hireDate": DATE,
    "homePhone": STR,
    "initials": STR,
    "internalCost": FLOAT,
    "isActive": BOOL,
    "lastName": STR,
    "licenseType": INT,
    "locationID": INT,
    "middleName": STR,
    "mobilePhone": STR,
    "numberFormat": STR,
    "officeExtension": STR,
    "officePhone": STR,
    "payrollIdentifier": STR,
    "payrollType": INT,
    "resourceType": STR,
    "suffix": INT,
    "surveyResourceRating": FLOAT,
    "timeFormat": STR,
    "title": STR,
    "travelAvailabilityPct": STR,
    "userName": STR,
    "userType": INT,
}

ENTITIES = {
    e.name: e
    for e in [
        # Resources: query and update only (help: Can Create false, Can Delete false).
        Entity(
            "Resources",
            RESOURCE_FIELDS,
            update=True,
            children={
                "RoleDepartments": "ResourceRoleDepartments",
                "RoleQueues": "ResourceRoleQueues",
                "ServiceDeskRoles": "ResourceServiceDeskRoles",
                "Roles": "ResourceRoles",  # read-only (Swagger: GET only)
            },
            readonly={
                "licenseType",
                "userType",
                "locationID",
                "hireDate",
                "dateFormat",
                "timeFormat",
                "internalCost",
                "surveyResourceRating",
            },
            picklists={
                "licenseType": lambda t: [(v, n, True) for v, n in LICENSE_TYPES],
                "payrollType": lambda t: [(v, n, True) for v, n in PAYROLL_TYPES],
                "locationID": _locations,
                "userType": _user_types,
                "resourceType": lambda t: [("Employee", "Employee", True), ("Contractor", "Contractor", True)],
            },
            defaults={
                "isActive": True,
                "licenseType": 3,
                "userType": 5,
                "resourceType": "Employee",
                "payrollType": 1,
                "emailTypeCode": "PRIMARY",
                "dateFormat": "MM/dd/yyyy",
                "timeFormat": "hh:mm a",
                "numberFormat": "X,XXX.XX",
                "internalCost": 0.0,
            },
        ),
        # ResourceRoles: a query-only view over the three association entities below.
        Entity(
            "ResourceRoles", {"departmentID": INT, "isActive": BOOL, "queueID": INT, "resourceID": INT, "roleID": INT}
        ),
        Entity(
            "ResourceRoleDepartments",
            {
                "departmentID": INT,
                "isActive": BOOL,
                "isDefault": BOOL,
                "isDepartmentLead": BOOL,
                "resourceID": INT,
                "roleID": INT,
            },
            create=True,
            update=True,
            parent_only=True,
            required=("departmentID", "roleID"),
            defaults={"isActive": True, "isDefault": False, "isDepartmentLead": False},
        ),
        Entity(
            "ResourceRoleQueues",
            {"queueID": INT, "resourceID": INT},
            create=True,
            update=True,
            parent_only=True,
            required=("queueID",),
        ),
        Entity(
            "ResourceServiceDeskRoles",
            {"isActive": BOOL, "isDefault": BOOL, "resourceID": INT, "roleID": INT},
            create=True,
            update=True,
            parent_only=True,
            required=("roleID",),
            defaults={"isActive": True, "isDefault": False},
        ),
        Entity(
            "Departments",
            {"description": STR, "name": STR, "number": STR, "primaryLocationID": INT},
            create=True,
            update=True,
            required=("name",),
        ),
        Entity(
            "Roles",
            {
                "description": STR,
                "hourlyFactor": FLOAT,
                "hourlyRate": FLOAT,
                "isActive": BOOL,
                "isExcludedFromNewContracts": BOOL,
                "isSystemRole": BOOL,
                "name": STR,
                "quoteItemDefaultTaxCategoryId": INT,
                "roleType": INT,
            },
            create=True,
            update=True,
            required=("name",),
            defaults={
                "isActive": True,
                "isSystemRole": False,
                "isExcludedFromNewContracts": False,
                "hourlyFactor": 1.0,
                "hourlyRate": 0.0,
                "roleType": 1,
            },
        ),
        Entity(
            "Companies",
            {
                "companyName": STR,
                "companyNumber": STR,
                "companyType": INT,
                "isActive": BOOL,
                "ownerResourceID": INT,
                "phone": STR,
                "city": STR,
                "createDate": DATE,
                "userDefinedFields": "udf",
            },
            create=True,
            update=True,
            owner_field="ownerResourceID",
            udfs=True,
            required=("companyName",),
            defaults={"isActive": True, "companyType": 1},
        ),
        Entity(
            "Contracts",
            {
                "companyID": INT,
                "contractName": STR,
                "contractNumber": STR,
                "contractType": INT,
                "status": INT,
                "startDate": DATE,
                "endDate": DATE,
                "userDefinedFields": "udf",
            },
            create=True,
            update=True,
            udfs=True,
            required=("companyID", "contractName"),
            defaults={"status": 1, "contractType": 7},
        ),
        Entity(
            "Opportunities",
            {
                "companyID": INT,
                "title": STR,
                "amount": FLOAT,
                "ownerResourceID": INT,
                "stage": INT,
                "status": INT,
                "createDate": DATE,
                "userDefinedFields": "udf",
            },
            create=True,
            update=True,
            owner_field="ownerResourceID",
            udfs=True,
            required=("companyID", "title"),
            defaults={"status": 1, "stage": 1},
        ),
        # Tickets: POST, PATCH, PUT, no DELETE (Swagger /V1.0/Tickets; help REST TicketsEntity).
        # Fields from TicketModel; required on create: companyID, title, status, priority (the
        # ecitsolutions Autotask module, generated from the live field info: AccountID, Priority,
        # Status, Title). The further rules are Api._ticket_rules.
        Entity(
            "Tickets",
            {
                "companyID": INT,
                "title": STR,
                "description": STR,
                "status": INT,
                "priority": INT,
                "queueID": INT,
                "assignedResourceID": INT,
                "assignedResourceRoleID": INT,
                "dueDateTime": DATE,
                "externalID": STR,
                "resolution": STR,
                "completedDate": DATE,
                "ticketType": INT,
                "issueType": INT,
                "subIssueType": INT,
                "billingCodeID": INT,
                "ticketNumber": STR,
                "createDate": DATE,
                "userDefinedFields": "udf",
            },
            create=True,
            update=True,
            owner_field="assignedResourceID",
            udfs=True,
            picklists={"queueID": _queues, "status": _ticket_statuses, "priority": _ticket_priorities},
            required=("companyID", "title", "status", "priority"),
            # Set by Autotask, never by a client (the sandbox's reading: completedDate follows status).
            readonly=("ticketNumber", "createDate", "completedDate"),
            defaults={"status": 1, "priority": 2},
        ),
        Entity(
            "ConfigurationItems",
            {
                "companyID": INT,
                "referenceTitle": STR,
                "serialNumber": STR,
                "isActive": BOOL,
                "productID": INT,
                "createDate": DATE,
                "userDefinedFields": "udf",
            },
            create=True,
            update=True,
            udfs=True,
            required=("companyID", "referenceTitle"),
            defaults={"isActive": True},
        ),
        # To-Dos are CompanyToDos in REST (AccountToDo in SOAP).
        Entity(
            "CompanyToDos",
            {
                "actionType": INT,
                "activityDescription": STR,
                "assignedToResourceID": INT,
                "companyID": INT,
                "startDateTime": DATE,
                "endDateTime": DATE,
            },
            owner_field="assignedToResourceID",
            # Written only through /Companies/{parentId}/ToDos (Swagger declares no top-level path).
            create=True,
            update=True,
            parent_only=True,
            parent_field="companyID",
        ),
        # Site Configuration: the UDFs holding a company's site setup (REST
        # CompanySiteConfigurationsEntity), one per company. Swagger: query and GET by id at the top
        # level, GET/PUT/PATCH under /Companies/{parentId}/SiteConfigurations, no POST, no DELETE.
        # Fields from CompanySiteConfigurationModel (soapParentPropertyId, a SOAP leftover, left out).
        Entity(
            "CompanySiteConfigurations",
            {"companyID": INT, "locationName": STR, "userDefinedFields": "udf"},
            update=True,
            parent_only=True,
            parent_field="companyID",
            owner_via=("companyID", "Companies"),
            readonly={"companyID"},
            udfs=True,
        ),
        Entity(
            "UserDefinedFieldDefinitions",
            {
                "name": STR,
                "description": STR,
                "dataType": INT,
                "udfType": INT,
                "isActive": BOOL,
                "isProtected": BOOL,
                "isEncrypted": BOOL,
                "isPrivate": BOOL,
                "isRequired": BOOL,
                "isFieldMapping": BOOL,
                "isVisibleToClientPortal": BOOL,
                "sortOrder": INT,
            },
            create=True,
            update=True,
            required=("name", "udfType", "dataType"),
        ),
    ]
}

# Companies' child URLs for to-dos (the only way to create one) and the site configuration.
ENTITIES["Companies"].children["ToDos"] = "CompanyToDos"
ENTITIES["Companies"].children["SiteConfigurations"] = "CompanySiteConfigurations"

# UserDefinedFieldDefinitions.udfType values (help: UserDefinedFieldDefinitionsEntity); the
# Site Configuration value is the sandbox's own (no public list of it was found).
UDF_TYPES = {
    "Companies": 1,
    "ConfigurationItems": 3,
    "Contracts": 4,
    "Opportunities": 8,
    "Tickets": 14,
    "CompanySiteConfigurations": 17,
}
# Protected data covers the UDFs of Devices (Configuration Items) and Site Configuration (D-PD).
PROTECTED_DATA_ENTITIES = ("ConfigurationItems", "CompanySiteConfigurations")
# Help, Site Configuration tab: "access to CRM, Edit All or Edit Mine permission for associated
# organization": the site configuration follows its company's View and Edit (Accounts row).
FOLLOWS_COMPANY = {"CompanySiteConfigurations": ("query", "update")}

SYSTEM_API_LEVEL = "API User (system) (API-only)"
SYSTEM_API_LEVEL_NO_COSTS = "API User (system) Can't Read Costs (API-only)"
# Their userType values (real sample: "API User (system)" 13, "... Can't Read Costs" 25).
SYSTEM_LEVEL_VALUES = {SYSTEM_API_LEVEL: 13, SYSTEM_API_LEVEL_NO_COSTS: 25}
# Vendor guides also call it "API User (system)"; the UI shows the "(API-only)" suffix.
SYSTEM_LEVEL_ALIASES = {"api user (system)": SYSTEM_API_LEVEL}


def _object(entities, evidence, source, switch=None, off_entities=None):
    row = {"kind": "object", "entities": entities, "evidence": evidence, "source": source}
    if switch:
        row.update(switch=switch, off_entities=off_entities or [])
    return row


def _scope(entities, operations, evidence, source, switch=None):
    row = {"kind": "scope", "entities": entities, "operations": operations, "evidence": evidence, "source": source}
    if switch:
        row.update(switch=switch, off_entities=[])
    return row


# Where Autotask's help is silent, the sandbox models the plausible alternatives behind named
# switches: the seed's settings.assumptions (every tenant) or a tenant's own "assumptions". The
# verification tests run under every value. Default first.
ASSUMPTIONS = {
    # D-SL Settings_CRM: Account (Organization) & Contact Access limits which organizations of a
    # type, and their contacts, a user can access; it never says whether the REST API's
    # entityInformation shows it for Companies.
    "org_access_shows_in_companies": (True, False),
    # How the per-type rows combine into one Companies query level when they differ: the best
    # of them, or All only when every row is All (otherwise Restricted, None when all are None).
    "org_access_combines": ("best", "all_or_restricted"),
    # Seed 000 names "Configuration Items & Subscriptions"; whether it governs Subscriptions too.
    "ci_row_covers_subscriptions": (True, False),
    # Seed 000 ticks ADMIN > Configuration Items; whether it governs UDF definition writes.
    "admin_ci_governs_udf_definitions": (True, False),
    # The names in the global EntityInformation answer: no recorded answer shows them; the help
    # calls name "the name of the entity. For example, ticket, note, company" (D-EI).
    "entity_names": ("plural", "singular_lower"),
    # A missing id: 200 {"item": null} (django-autotask 1.20.0 djautotask/api.py get_single;
    # @apigrate/autotask-restapi 2.0.1 live test "item is null when get by id not found") or 404.
    "missing_id": ("item_null", "404"),
    # {"filter": []}: every row (django-autotask 1.20.0 djautotask/sync.py and api.py send it for
    # Roles, Departments, ResourceRoleDepartments, ResourceServiceDeskRoles) or refused with
    # "Value cannot be null" (an Anteris maintainer, issue #15, 2020).
    "empty_filter": ("every_row", "refused"),
    # A condition without value, and "true" as a string on a boolean: public clients send both
    # and live Autotask accepts them; what they match is unrecorded. "lenient" reads them as
    # .NET model binding would (query._lenient); "strict" refuses them.
    "filter_values": ("lenient", "strict"),
    # includeFields without userDefinedFields: the real answer keeps "userDefinedFields": [] beside
    # the listed fields (@apigrate/autotask-restapi README), for a record that had none anyway;
    # whether a record's UDF values come along is unrecorded: "empty" or "listed".
    "udfs_outside_include_fields": ("empty", "listed"),
    # Protected data without the boxes: masked (the field is there, its value hidden; Autotask's
    # help, D-PD) or hidden (the UDF unavailable, the SolarWinds guide's wording, seed 002).
    "protected_data_effect": ("masked", "hidden"),
    # An inactive resource, or one on an inactive security level, logging in: refused with a 401
    # (no public answer shows it) or allowed.
    "inactive_login": ("refused", "allowed"),
    # Whether an API-only level may always query the reference data in ALWAYS_QUERY whatever its
    # table says (true), or only what its rows grant (false).
    "reference_reads": (True, False),
    # A second identical association (same resource and queue, or same resource, role and
    # department): no public answer shows whether Autotask refuses it or stores a duplicate.
    "duplicate_associations": ("refused", "accepted"),
    # The ResourceRoles view returns only isActive rows (D-ROLES), and a queue link's active flag is
    # obsolete, null on query since 2018.2 (SOAP ResourceRoleQueue page): whether the view lists
    # queue links anyway (the help says it describes them) or leaves them out.
    "resource_roles_queue_rows": ("listed", "omitted"),
    # Rows the help names whose entity is our reading (Opportunities, To-Dos, Service Calls,
    # Inventory Locations and Items): they govern that entity, or nothing the API shows.
    "assumed_rows_govern_their_entities": (True, False),
    # dueDateTime on a new ticket: optional (a live REST create without it answered an itemId,
    # WYRE-AI/msp-claude-plugins issue #32) or required (opendns/autotask-php's SOAP example marks
    # DueDateTime required).
    "ticket_due_date": ("optional", "required"),
    # A new ticket needs a queue or an assigned resource (a maintainer's hint in
    # KelvinTegelaar/AutotaskAPI issue #74: queueID may be needed "depending on the configuration"),
    # or neither.
    "ticket_needs_queue_or_resource": (True, False),
    # Completing a ticket needs a resolution: no public answer shows it either way.
    "ticket_complete_needs_resolution": (False, True),
}
# Switches that change only the shape of an answer, never what a level grants: the collection's
# verdicts must not change with them (tests/functional/test_assumptions.py).
SHAPE_ASSUMPTIONS = (
    "entity_names",
    "missing_id",
    "empty_filter",
    "filter_values",
    "udfs_outside_include_fields",
    "protected_data_effect",
    "resource_roles_queue_rows",
)


def singular(name):
    """An entity's singular name, as live error texts use it ("... in the TimeEntry Entity.")."""
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") else name


def entity_name_as_answered(name, style):
    """An entity's name as the global EntityInformation answer gives it under ``style``."""
    if style == "plural":
        return name
    text = name.lower()
    return text[:-3] + "y" if text.endswith("ies") else text[:-1] if text.endswith("s") else text


DEFAULT_ASSUMPTIONS = {name: values[0] for name, values in ASSUMPTIONS.items()}
# Third-party guides (mspbackups, cyberfox) name three organization-type rows (D-SL Settings_CRM
# documents the values All / My Territories / Mine and the per-type grouping, not the labels).
ORG_ACCESS_ROWS = ("Customer & Cancelation", "Vendor & Partners", "Prospects, Leads, & Dead")

# Security-level rows -> entity access. Keys are (section, sub-section, row), case-insensitive.
# "object" rows carry View/Add/Edit/Delete facets; "scope" rows one scope; "check" rows a box.
# evidence: documented (Autotask's help names the row and what it governs: D-SL pages, the
# REST entity pages) or assumed (a vendor guide's row name, our reading of what it governs).
ROW_ACCESS = {
    ("CONTRACTS", "Object Permissions", "Contracts"): _object(
        ["Contracts"], "documented", "D-SL Settings_Contract: View All/Organizations/None, Add Yes/No"
    ),
    ("CRM", "Object Permissions", "Accounts"): _object(
        ["Companies"], "documented", "D-SL Settings_CRM object permissions (Accounts = Organizations)"
    ),
    ("CRM", "Object Permissions", "Contacts"): _object(
        ["Contacts"], "documented", "D-SL Settings_CRM; REST ContactsEntity: creating needs Add Contacts"
    ),
    ("CRM", "Object Permissions", "Opportunities & Quotes"): _object(
        ["Opportunities", "Quotes"], "documented", "D-SL Settings_CRM; seed 000 names the row"
    ),
    ("CRM", "Object Permissions", "Opportunities"): _object(
        ["Opportunities"],
        "assumed",
        "seed 004's wording; maybe the same row as Opportunities & Quotes",
        switch="assumed_rows_govern_their_entities",
    ),
    ("CRM", "Object Permissions", "Configuration Items & Subscriptions"): _object(
        ["ConfigurationItems", "Subscriptions"],
        "assumed",
        "seed 000 names the row; which entities it governs is not documented",
        switch="ci_row_covers_subscriptions",
        off_entities=["ConfigurationItems"],
    ),
    ("CRM", "Object Permissions", "Asset Notes"): _object(
        ["ConfigurationItemNotes"], "documented", "REST ConfigurationItemNotesEntity: governed by CRM > Asset Notes"
    ),
    ("CRM", "Object Permissions", "To-Dos"): _object(
        ["CompanyToDos"],
        "assumed",
        "seed 000/004 name the row; REST entity CompanyToDos",
        switch="assumed_rows_govern_their_entities",
    ),
    ("SERVICE DESK", "Object Permissions", "Tickets"): _object(
        ["Tickets"], "documented", "D-SL Settings_ServiceDesk: View All / Mine + Organizations / Mine"
    ),
    ("SERVICE DESK", "Object Permissions", "Ticket Notes"): _object(
        ["TicketNotes"], "documented", "REST TicketNotesEntity: respects the ticket note permissions"
    ),
    ("SERVICE DESK", "Object Permissions", "Service Calls"): _object(
        ["ServiceCalls"],
        "assumed",
        "D-SL Settings_ServiceDesk names the row; the entity is our reading",
        switch="assumed_rows_govern_their_entities",
    ),
    ("INVENTORY", "Object Permissions", "Inventory Locations and Items"): _object(
        ["InventoryLocations", "InventoryItems"],
        "assumed",
        "D-SL Settings_Inventory: View All/None, Add Yes/No, Edit = Add, Delete All/None; entities our reading",
        switch="assumed_rows_govern_their_entities",
    ),
    ("ADMIN", "Feature Access", "Resources/Users (HR)"): {
        "kind": "check",
        "grants": {
            "Resources": ["update"],
            "ResourceRoleDepartments": ["create", "update"],
            "ResourceRoleQueues": ["create", "update"],
            "ResourceServiceDeskRoles": ["create", "update"],
            "Departments": ["create", "update"],
            "Roles": ["create", "update"],
        },
        "evidence": "documented",
        "source": "REST ResourcesEntity: Resources update needs Admin Resources/Users (HR); the association and "
        "Department/Role writes following it is an assumption",
    },
    ("ADMIN", "Feature Access", "Configuration Items"): {
        "kind": "check",
        "grants": {"UserDefinedFieldDefinitions": ["create", "update"]},
        "evidence": "assumed",
        "source": "seed 000 ticks it; the D-SL Admin list seen does not confirm the box",
        "switch": "admin_ci_governs_udf_definitions",
        "off_grants": {},
    },
    # Boxes and drop-downs no API reflects.
    ("OTHER", "Miscellaneous", "Not required to change password (password does not expire)"): {
        "kind": "check",
        "grants": {},
        "evidence": "documented",
        "source": "D-APIUSER: no API reflection",
    },
    ("CONTRACTS", "Dropdowns", "Contract Visibility (for contracts you have access to)"): {
        "kind": "dropdown",
        "grants": {},
        "evidence": "documented",
        "source": "REST ContractsEntity: without Full contract visibility a resource cannot create, update or query "
        "Contracts (see CONTRACT_VISIBILITY)",
    },
}
for _name in ORG_ACCESS_ROWS:
    ROW_ACCESS[("CRM", "Account & Contact Access", _name)] = _scope(
        ["Companies"],
        ["query"],
        "assumed",
        "D-SL Settings_CRM: organization access per type; the row label from third-party guides; whether "
        "entityInformation shows it is not documented",
        switch="org_access_shows_in_companies",
    )
CONTRACT_VISIBILITY = ("CONTRACTS", "Dropdowns", "Contract Visibility (for contracts you have access to)")

# What every API-only level may query whatever its table says (ASSUMPTION, switch
# reference_reads: an API user can always read the resources and reference data it needs).
ALWAYS_QUERY = (
    "Resources",
    "ResourceRoles",
    "ResourceRoleDepartments",
    "ResourceRoleQueues",
    "ResourceServiceDeskRoles",
    "Departments",
    "Roles",
    "UserDefinedFieldDefinitions",
)

# Scope words -> access level (D-EI: Restricted = only under conditions such as Mine).
SCOPE_ACCESS = {
    "all": "All",
    "mine": "Restricted",
    "my territories": "Restricted",
    "mine + organizations": "Restricted",
    "my accounts": "Restricted",
    "none": "None",
    "yes": "All",
    "no": "None",
    "full": "All",
}

FACETS = {"view": "query", "add": "create", "edit": "update", "delete": "delete"}
