# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the msp.autotask collection.

"""What the collection knows about Autotask security-level rows, as data.

A row is (section, sub-section, name) as the Autotask UI and the vendor documents write it.
``kind`` says what its permission cell holds:

* ``object``: View / Add / Edit / Delete facets (scopes such as All, Mine, None; Add: Yes/No);
* ``scope``: one scope (All, My Territories, Mine, None);
* ``check``: a check box;
* ``dropdown``: a drop-down value such as Full.

``observe`` says how the REST API can observe the row, through ``entityInformation`` read
as a user holding the level (``userAccessFor*``): per facet or operation, the entities whose
access follows the row. ``evidence`` says what the mapping rests on: ``documented`` when
Autotask's help names the row and the object it governs (D-SL pages) and that entity access
follows the caller's level (D-EI), so an observation alone can turn the row ok or drift;
``assumed`` when only a vendor guide or our reading links them, so the observation is shown
but the row still needs an attestation. Rows with no ``observe`` can only be attested.
"""

from __future__ import annotations

import difflib

SECTIONS = (
    "CONTRACTS",
    "CRM",
    "PROJECTS",
    "SERVICE DESK",
    "KNOWLEDGE BASE & DOCUMENTS",
    "TIMESHEETS",
    "REPORTS",
    "INVENTORY",
    "ADMIN",
    "OTHER",
    "WEB SERVICES API",
    # Issue #15 lists HOME among the sections vendors name; no row of it is catalogued.
    "HOME",
)

OBJECT_SCOPES = ("All", "Mine", "My Territories", "Mine + Organizations", "None")
ADD_VALUES = ("Yes", "No")
FACETS = ("view", "add", "edit", "delete")
FACET_OPERATION = {"view": "query", "add": "create", "edit": "update", "delete": "delete"}
DROPDOWN_VALUES = ("Full", "Restricted", "None")

# What each scope looks like in entityInformation (D-EI: Restricted = conditional access).
SCOPE_ACCESS = {
    "All": "All",
    "Mine": "Restricted",
    "My Territories": "Restricted",
    "Mine + Organizations": "Restricted",
    "None": "None",
    "Yes": "All",
    "No": "None",
}
ACCESS_RANK = {"None": 0, "Restricted": 1, "All": 2}

SYSTEM_API_LEVEL = "API User (system) (API-only)"
# Vendor guides also write the system level without its suffix.
# The system API levels as the userType picklist labels them (real sample), folded.
SYSTEM_PICKLIST_KEYS = frozenset(["api user (system)", "api user (system) can't read costs"])

SYSTEM_LEVEL_NAMES = {
    "api user (system)": SYSTEM_API_LEVEL,
    "api user (system) (api-only)": SYSTEM_API_LEVEL,
    "api user (system) can't read costs (api-only)": "API User (system) Can't Read Costs (API-only)",
}


def _row(kind, observe=None, source="", values=None, evidence=None):
    """``evidence``: documented (Autotask's help names the row and what it governs) or assumed."""
    if observe and evidence not in ("documented", "assumed"):
        raise ValueError("an observed row says what its mapping rests on")
    return {"kind": kind, "observe": observe or {}, "source": source, "values": values, "evidence": evidence}


ROWS = {
    ("CONTRACTS", "Object Permissions", "Contracts"): _row(
        "object", {"entities": ["Contracts"]}, "D-SL Settings_Contracts; D-EI; seed 000", evidence="documented"
    ),
    ("CONTRACTS", "Dropdowns", "Contract Visibility (for contracts you have access to)"): _row(
        "dropdown", source="seed 000; no API reflection", values=DROPDOWN_VALUES
    ),
    ("CRM", "Account & Contact Access", "Customer & Cancelation"): _row(
        "scope",
        {"entities": ["Companies"], "operations": ["query"]},
        "seed 000; that it narrows Companies queries is an assumption",
        values=("All", "My Territories", "Mine", "None"),
        evidence="assumed",
    ),
    # D-SL Settings_CRM documents access per organization type; the row labels are from
    # third-party guides, and whether entityInformation shows them is not documented.
    ("CRM", "Account & Contact Access", "Vendor & Partners"): _row(
        "scope",
        {"entities": ["Companies"], "operations": ["query"]},
        "D-SL Settings_CRM (per type); label from third-party guides; narrowing Companies queries is assumed",
        values=("All", "My Territories", "Mine", "None"),
        evidence="assumed",
    ),
    ("CRM", "Account & Contact Access", "Prospects, Leads, & Dead"): _row(
        "scope",
        {"entities": ["Companies"], "operations": ["query"]},
        "D-SL Settings_CRM (per type); label from third-party guides; narrowing Companies queries is assumed",
        values=("All", "My Territories", "Mine", "None"),
        evidence="assumed",
    ),
    ("CRM", "Object Permissions", "Asset Notes"): _row(
        "object",
        {"entities": ["ConfigurationItemNotes"]},
        "D-UDF/REST ConfigurationItemNotesEntity: governed by CRM > Asset Notes",
        evidence="documented",
    ),
    ("CRM", "Object Permissions", "Accounts"): _row(
        "object", {"entities": ["Companies"]}, "D-SL Settings_CRM; D-EI; seed 004", evidence="documented"
    ),
    ("CRM", "Object Permissions", "Contacts"): _row(
        "object", {"entities": ["Contacts"]}, "D-SL Settings_CRM; D-EI", evidence="documented"
    ),
    ("CRM", "Object Permissions", "Opportunities & Quotes"): _row(
        "object", {"entities": ["Opportunities", "Quotes"]}, "D-SL Settings_CRM; D-EI; seed 000", evidence="documented"
    ),
    ("CRM", "Object Permissions", "Opportunities"): _row(
        "object", {"entities": ["Opportunities"]}, "seed 004 only: the row's scope is assumed", evidence="assumed"
    ),
    ("CRM", "Object Permissions", "Configuration Items & Subscriptions"): _row(
        "object",
        {"entities": ["ConfigurationItems", "Subscriptions"]},
        "seed 000 only: the entities it governs are assumed",
        evidence="assumed",
    ),
    ("CRM", "Object Permissions", "To-Dos"): _row(
        "object", {"entities": ["CompanyToDos"]}, "seed 000, 004: To-Dos as CompanyToDos is assumed", evidence="assumed"
    ),
    ("SERVICE DESK", "Object Permissions", "Tickets"): _row(
        "object", {"entities": ["Tickets"]}, "D-SL Settings_ServiceDesk; D-EI; seed 000", evidence="documented"
    ),
    ("SERVICE DESK", "Object Permissions", "Ticket Notes"): _row(
        "object",
        {"entities": ["TicketNotes"]},
        "REST TicketNotesEntity: respects the ticket note permissions",
        evidence="documented",
    ),
    ("SERVICE DESK", "Object Permissions", "Service Calls"): _row(
        "object",
        {"entities": ["ServiceCalls"]},
        "D-SL Settings_ServiceDesk names the row; the entity is assumed",
        evidence="assumed",
    ),
    ("ADMIN", "Feature Access", "Resources/Users (HR)"): _row(
        "check",
        {"entities": ["Resources"], "operations": ["update"]},
        "D-RES: updating Resources needs Admin access to Resources/Users (HR)",
        evidence="documented",
    ),
    ("ADMIN", "Feature Access", "Configuration Items"): _row(
        "check",
        {"entities": ["UserDefinedFieldDefinitions"], "operations": ["create", "update"]},
        "seed 000; mapping to UDF definition writes is an assumption",
        evidence="assumed",
    ),
    ("OTHER", "Miscellaneous", "Not required to change password (password does not expire)"): _row(
        "check", source="seed 000; D-APIUSER; no API reflection"
    ),
    ("OTHER", "Miscellaneous", "Create Company Webhooks"): _row("check", source="vendor guides; no API reflection"),
    ("WEB SERVICES API", "Resource Impersonation", "Impersonation"): _row(
        "dropdown", source="D-SL WSAPI; no API reflection", values=("Full Permission", "None")
    ),
    # Rows named in the PROJECTS and INVENTORY sections (D-SL Settings_Project; the CoW guide). Their
    # form is the section's (View/Add/Edit/Delete); which entity each governs is not documented, so
    # they stay attest-only: an observation would be a guess shown as a green.
    ("PROJECTS", "Object Permissions", "Projects"): _row(
        "object", source="D-SL Settings_Project, issue #15; no mapping"
    ),
    ("INVENTORY", "Object Permissions", "Products"): _row(
        "object", source="CyberDrain CoW guide (Inventory > Products: View All); no mapping"
    ),
}

# A row the catalogue does not know: taken as written, attest-only (strict_rows makes it an error).
UNKNOWN_ROW = {"kind": "text", "observe": {}, "source": "not in the catalogue", "values": None, "evidence": None}


def _grantors():
    """(entity, operation) -> the rows whose mapping can grant it."""
    out = {}
    for key, spec in ROWS.items():
        ops = (
            ("query", "create", "update", "delete")
            if spec["kind"] == "object"
            else spec["observe"].get("operations", ())
        )
        for entity in spec["observe"].get("entities", []):
            for op in ops:
                out.setdefault((entity, op), set()).add(key)
    return out


# An observation proves a row right only where no other row can grant the same access.
GRANTORS = _grantors()


def canonical(text):
    """Case and white space do not matter when naming rows."""
    return " ".join(str(text).split()).lower()


ROW_INDEX = {tuple(canonical(p) for p in key): key for key in ROWS}


def find_row(section, subsection, name):
    """The catalogue key for a row named in any case, or None."""
    return ROW_INDEX.get((canonical(section), canonical(subsection), canonical(name)))


def row_names():
    return ["%s > %s > %s" % key for key in ROWS]


def spec_of(key):
    """A row's catalogue entry; UNKNOWN_ROW for a row the catalogue does not know."""
    return ROWS.get(key, UNKNOWN_ROW)


def nearest(text, candidates, limit=3):
    """The candidates closest to a misspelt name, best first (case and spacing ignored)."""
    folded = {canonical(c): c for c in candidates}
    return [folded[c] for c in difflib.get_close_matches(canonical(text), list(folded), n=limit, cutoff=0.6)]


def nearest_rows(key):
    """Known rows closest to an unknown one: by full name, else those of its section."""
    close = nearest(" > ".join(key), row_names())
    return close or [name for name in row_names() if canonical(name).startswith(canonical(key[0]) + " >")][:3]


def unknown_row_note(key):
    """What the checklist and the report say of a row the catalogue does not know."""
    near = nearest_rows(key)
    return "not in the collection's row catalogue: it cannot be checked through the API and needs an attestation%s" % (
        "; did you mean %s?" % " or ".join(near) if near else ""
    )


def level_key(name):
    """How a level's name is matched against the userType picklist.

    The picklist labels the UI's "API User (system) (API-only)" as "API User (system)" (real
    sample: samples/resources-entityinformation-fields.json), so a trailing "(API-only)" is
    dropped from the two system names only: the sample shows no custom level losing it, and a
    desired "Foo (API-only)" must not match a regular level "Foo". Case and white space do
    not matter.
    """
    text = canonical(name)
    stripped = text[: -len(" (api-only)")] if text.endswith(" (api-only)") else text
    return stripped if stripped in SYSTEM_PICKLIST_KEYS else text


def level_name(name):
    """The UI's name of a level, mapping the vendor guides' short system names."""
    return SYSTEM_LEVEL_NAMES.get(canonical(name), str(name).strip())
