"""entityInformation/fields: what the sandbox answers about an entity's fields.

Resources follows the real production answer in
``../shared/autotask-api/samples/resources-entityinformation-fields.json`` field by field
(data types such as long and decimal, lengths, isRequired, references, every picklist with its
real sortOrder and default). Other entities are derived from their Swagger model types, with no
reference or length the sandbox cannot show evidence for.
"""

from . import catalog

# Swagger model types -> the dataType names entityInformation uses (the sample: long, integer,
# decimal, string, boolean, datetime). Ids are long in every real answer seen.
DATA_TYPES = {"int": "integer", "str": "string", "bool": "boolean", "float": "decimal", "datetime": "datetime"}

# name: (dataType, length, isRequired, isQueryable, referenceEntityType or "")
RESOURCE_META = {
    "accountingReferenceID": ("string", 100, False, True, ""),
    "dateFormat": ("string", 20, False, True, ""),
    "defaultServiceDeskRoleID": ("long", 0, False, False, "Role"),
    "email": ("string", 254, True, True, ""),
    "email2": ("string", 254, False, True, ""),
    "email3": ("string", 254, False, True, ""),
    "emailTypeCode": ("string", 20, True, True, ""),
    "emailTypeCode2": ("string", 20, False, True, ""),
    "emailTypeCode3": ("string", 20, False, True, ""),
    "firstName": ("string", 50, True, True, ""),
    "gender": ("string", 1, False, True, ""),
    "greeting": ("integer", 0, False, True, ""),
    "hireDate": ("datetime", 0, True, True, ""),
    "homePhone": ("string", 25, False, True, ""),
    "id": ("long", 0, True, True, ""),
    "initials": ("string", 32, False, True, ""),
    "internalCost": ("decimal", 0, False, True, ""),
    "isActive": ("boolean", 0, True, True, ""),
    "lastName": ("string", 50, True, True, ""),
    "licenseType": ("integer", 0, True, True, ""),
    "locationID": ("integer", 0, True, True, ""),
    "middleName": ("string", 50, False, True, ""),
    "mobilePhone": ("string", 25, False, True, ""),
    "numberFormat": ("string", 20, True, True, ""),
    "officeExtension": ("string", 10, False, True, ""),
    "officePhone": ("string", 25, False, True, ""),
    "payrollIdentifier": ("string", 32, False, True, ""),
    "payrollType": ("integer", 0, True, True, ""),
    "resourceType": ("string", 15, True, True, ""),
    "suffix": ("integer", 0, False, True, ""),
    "surveyResourceRating": ("decimal", 0, False, True, ""),
    "timeFormat": ("string", 20, False, True, ""),
    "title": ("string", 50, False, True, ""),
    "travelAvailabilityPct": ("string", 15, False, True, ""),
    "userName": ("string", 32, True, True, ""),
    "userType": ("integer", 0, True, True, ""),
}


def _fixed(*entries, default=None):
    """A picklist whose values are the same on every tenant: (value, label, sortOrder)."""
    return [{"value": str(v), "label": lbl, "sortOrder": so, "isDefaultValue": v == default} for v, lbl, so in entries]


EMAIL_TYPES = _fixed(
    ("MOBILE", "Mobile email service", 50),
    ("PAGER", "Pager e-mail address", 40),
    ("PRIMARY", "Primary e-mail address", 10),
    ("SECONDARY", "Secondary e-mail address", 20),
    ("SMS", "SMS text messaging address", 30),
)
DATE_FORMATS = ("MM/dd/yyyy", "MM-dd-yyyy", "MM.dd.yyyy", "dd/MM/yyyy", "dd-MM-yyyy", "dd.MM.yyyy")
DATE_FORMATS += ("yyyy/MM/dd", "yyyy-MM-dd", "yyyy.MM.dd")
RESOURCE_PICKLISTS = {
    # The sample's odd sortOrders (1, 3, 5 ...; gender 1, 2, 2, 2) are kept as the tenant gave them.
    "dateFormat": _fixed(*[(f, f, 2 * i + 1) for i, f in enumerate(DATE_FORMATS)], default="dd/MM/yyyy"),
    "emailTypeCode": EMAIL_TYPES,
    "emailTypeCode2": EMAIL_TYPES,
    "emailTypeCode3": EMAIL_TYPES,
    "gender": _fixed(("F", "Female", 1), ("M", "Male", 2), ("N", "Non-binary", 2), ("P", "Prefer not to say", 2)),
    "greeting": _fixed((1, "Mr.", 1), (2, "Mrs.", 2), (3, "Ms.", 3)),
    "licenseType": _fixed(*[(v, n, v) for v, n in catalog.LICENSE_TYPES]),
    "numberFormat": _fixed(("X,XXX.XX", "X,XXX.XX", 21), ("X.XXX,XX", "X.XXX,XX", 22), default="X,XXX.XX"),
    "payrollType": _fixed(*[(v, n, v) for v, n in catalog.PAYROLL_TYPES]),
    "resourceType": _fixed(("Contractor", "Contractor", 1), ("Employee", "Employee", 2)),
    "suffix": [],  # a picklist with no values in the sample
    "timeFormat": _fixed(
        ("hh:mm tt", "hh:mm tt", 1), ("h:mm tt", "h:mm tt", 2), ("HH:mm", "HH:mm", 3), default="HH:mm"
    ),
    "travelAvailabilityPct": _fixed(
        ("0%", "0%", 1),
        ("up to 100%", "up to 100%", 5),
        ("up to 25%", "up to 25%", 2),
        ("up to 50%", "up to 50%", 3),
        ("up to 75%", "up to 75%", 4),
    ),
}


def tenant_picklist(picks, tenant):
    """A tenant's own list (levels, locations, queues): sortOrder from 1 in the order given;
    each pick is (value, label, active[, isSystem[, isDefaultValue]])."""
    out = []
    for i, pick in enumerate(picks(tenant), 1):
        out.append(
            {
                "value": str(pick[0]),
                "label": pick[1],
                "isDefaultValue": bool(pick[4]) if len(pick) > 4 else False,
                "sortOrder": i,
                "parentValue": "",
                "isActive": bool(pick[2]),
                "isSystem": bool(pick[3]) if len(pick) > 3 else True,
            }
        )
    return out


def picklist(entity, field, tenant):
    """The field's picklist values, or None when it is no picklist."""
    if entity.name == "Resources" and field in RESOURCE_PICKLISTS:
        return [dict(v, parentValue="", isActive=True, isSystem=True) for v in RESOURCE_PICKLISTS[field]]
    picks = entity.picklists.get(field)
    return tenant_picklist(picks, tenant) if picks else None


def describe(entity, field, tenant):
    """One entry of entityInformation/fields."""
    values = picklist(entity, field, tenant)
    if entity.name == "Resources":
        data_type, length, required, queryable, reference = RESOURCE_META[field]
    else:
        ftype = entity.fields[field]
        data_type = "long" if field == "id" else DATA_TYPES[ftype]
        length, required, queryable, reference = 0, field in entity.required or field == "id", True, ""
    return {
        "name": field,
        "dataType": data_type,
        "length": length,
        "isRequired": required,
        "isReadOnly": field in entity.readonly,
        "isQueryable": queryable,
        "isReference": bool(reference),
        "referenceEntityType": reference,
        "isPickList": values is not None,
        "picklistValues": values,
        "picklistParentValueField": "",
        "isSupportedWebhookField": False,
    }


def entity_fields(entity, tenant):
    names = [f for f, t in entity.fields.items() if t != "udf"]
    return {"fields": [describe(entity, f, tenant) for f in sorted(names, key=str.lower)]}
