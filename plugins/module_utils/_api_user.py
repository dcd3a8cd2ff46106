# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the msp.autotask collection.

"""The API user part: converge the Resource's fields and associations, guide the UI-only rest.

autotask_api_user runs it for one user, autotask_vendor_users for each vendor of a tenant; both
through a TenantSession, so the reads are shared.
"""

from __future__ import annotations

from ansible_collections.msp.autotask.plugins.module_utils import _model as model
from ansible_collections.msp.autotask.plugins.module_utils._client import AutotaskConnectionError, AutotaskError
from ansible_collections.msp.autotask.plugins.module_utils._module import attestation_argument_spec
from ansible_collections.msp.autotask.plugins.module_utils._session import API_LICENSE
from ansible_collections.msp.autotask.plugins.module_utils._session import fold as _fold

PAYROLL = {"Salary": 1, "Hourly": 2, "Contractor": 3, "Salary Non Exempt": 4}


def user_options():
    """The user's own options: autotask_api_user's, and each vendor's ``user`` in autotask_vendor_users."""
    return dict(
        api_username=dict(type="str"),
        email=dict(type="str"),
        first_name=dict(type="str"),
        last_name=dict(type="str"),
        title=dict(type="str"),
        active=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        resource_type=dict(type="str", choices=["Employee", "Contractor"]),
        payroll_type=dict(type="str", choices=list(PAYROLL)),
        location=dict(type="str"),
        integration_vendor=dict(type="str"),
        not_required_to_submit_timesheets=dict(type="bool"),
        departments=dict(
            type="list",
            elements="dict",
            options=dict(
                department=dict(type="str", required=True),
                role=dict(type="str", required=True),
                default=dict(type="bool", default=False),
            ),
        ),
        queues=dict(type="list", elements="str"),
        service_desk_roles=dict(
            type="list",
            elements="dict",
            options=dict(
                role=dict(type="str", required=True),
                default=dict(type="bool", default=False),
            ),
        ),
        purge_associations=dict(type="bool", default=False),
    )


def argument_spec():
    spec = user_options()
    spec.update(
        security_level=dict(type="str"),
        attestation_var=dict(type="str", default="autotask_api_user_attestation"),
        **attestation_argument_spec(),
    )
    return spec


def validate(p):
    """Input errors, before any API call."""
    if not (p["api_username"] or p["email"] or (p["first_name"] and p["last_name"])):
        raise model.ModelError("identify the user by api_username, email, or first_name and last_name")
    for name, items, key in (
        ("departments", p["departments"], "default"),
        ("service_desk_roles", p["service_desk_roles"], "default"),
    ):
        if items and sum(1 for i in items if i[key]) > 1:
            raise model.ModelError("%s: at most one entry may be the default" % name)
    for name, items in (
        ("departments", [(d["department"], d["role"]) for d in p["departments"] or []]),
        ("queues", p["queues"] or []),
        ("service_desk_roles", [d["role"] for d in p["service_desk_roles"] or []]),
    ):
        folded = [tuple(_fold(x) for x in i) if isinstance(i, tuple) else _fold(i) for i in items]
        if len(set(folded)) != len(folded):
            raise model.ModelError("%s lists the same association twice" % name)


# The entity behind each child URL of a resource, and the fields that identify one link.
LINKS = {
    "RoleDepartments": ("ResourceRoleDepartments", ("departmentID", "roleID")),
    "RoleQueues": ("ResourceRoleQueues", ("queueID",)),
    "ServiceDeskRoles": ("ResourceServiceDeskRoles", ("roleID",)),
}
# Answers after which a create may or may not have been applied.
ANSWER_LOST_STATUSES = (502, 503, 504)


def create_link(client, rid, child, body):
    """POST one association; if the answer is lost, look before trying again (never a duplicate).

    Returns "created", or "found" when the lost create had in fact been applied.
    """
    parent = ("Resources", rid, child)
    try:
        client.create(child, body, parent=parent)
        return "created"
    except AutotaskConnectionError:
        pass
    except AutotaskError as exc:
        if exc.status not in ANSWER_LOST_STATUSES:
            raise
    entity, keys = LINKS[child]
    conditions = [{"op": "eq", "field": "resourceID", "value": rid}]
    conditions += [{"op": "eq", "field": k, "value": body[k]} for k in keys]
    if list(client.query(entity, conditions)):
        return "found"
    client.create(child, body, parent=parent)  # proven absent: one more try cannot duplicate
    return "created"


def new_user_steps(p, tenant):
    where = " in tenant %s" % tenant if tenant else ""
    steps = ["%s%s: click the arrow beside New > New API User." % (model.RESOURCES_PATH, where)]
    values = [
        ("First Name", p["first_name"]),
        ("Last Name", p["last_name"]),
        ("Email Address", p["email"]),
        ("Title", p["title"]),
        ("Security Level", p["security_level"]),
    ]
    steps += ["Set %s to '%s'." % (k, v) for k, v in values if v]
    steps.append("Click Generate Key and Generate Secret.")
    if p["integration_vendor"] and _fold(p["integration_vendor"]) != "internal":
        steps.append("API Tracking Identifier: choose Integration Vendor '%s'." % p["integration_vendor"])
    elif p["integration_vendor"]:
        steps.append("API Tracking Identifier: choose Custom (Internal Integration).")
    if p["not_required_to_submit_timesheets"]:
        steps.append("Tick 'Resource is not required to submit timesheets'.")
    steps.append(
        "Save & Close, then store the generated key (username) and secret in your vault; the secret is shown only once."
    )
    return steps


def run(session, p):
    """Converge, verify and guide one API user; returns the part's outcome (see model.outcome)."""
    validate(p)
    ui_desired = {
        k: p[k]
        for k in ("security_level", "integration_vendor", "not_required_to_submit_timesheets")
        if p[k] is not None
    }
    ui_desired["user"] = p["api_username"] or p["email"] or "%s %s" % (p["first_name"], p["last_name"])
    fingerprint_value = model.fingerprint(ui_desired)
    attestation = model.attestation_state(p["attestation"], fingerprint_value)

    client = session.client
    lookup = session.lookup
    user = session.find_api_user(p["api_username"], p["email"], p["first_name"], p["last_name"])
    # Resolve every name before the first write, so a typo writes nothing.
    want_deps = [
        (lookup.id_of("department", d["department"]), lookup.id_of("role", d["role"]), d["default"])
        for d in p["departments"] or []
    ]
    want_queues = [lookup.id_of("queue", q) for q in p["queues"] or []]
    want_sdrs = [(lookup.id_of("role", r["role"]), r["default"]) for r in p["service_desk_roles"] or []]
    want_location = lookup.id_of("location", p["location"]) if p["location"] else None

    verification, steps, writes = [], [], []
    ui_rows = [
        ("security level", p["security_level"]),
        ("integration vendor", p["integration_vendor"]),
        ("not required to submit timesheets", p["not_required_to_submit_timesheets"]),
    ]
    if user is None:
        verification.append(
            {
                "property": "API user exists",
                "expected": ui_desired["user"],
                "observed": None,
                "status": "missing" if p["state"] == "present" else "ok",
            }
        )
        if p["state"] == "present":
            steps = new_user_steps(p, session.tenant)
            steps.append(
                "Then record in the inventory: %s" % model.attestation_line(p["attestation_var"], fingerprint_value)
            )
        return model.outcome(
            verification,
            steps,
            resource_id=None,
            writes=[],
            fingerprint=fingerprint_value,
            attestation=attestation,
            end_state=None,
            diff={"before": {}, "after": ui_desired},
        )

    rid = user["id"]
    verification.append(
        {
            "property": "API user exists",
            "expected": ui_desired["user"],
            "observed": "%s (id %s)" % (user["userName"], rid),
            "status": "ok",
        }
    )

    # -- fields -----------------------------------------------------------------------------
    desired_fields = {"isActive": p["active"] if p["state"] == "present" else False}
    for option, field in (
        ("first_name", "firstName"),
        ("last_name", "lastName"),
        ("email", "email"),
        ("title", "title"),
        ("resource_type", "resourceType"),
    ):
        if p[option] is not None:
            desired_fields[field] = p[option]
    if p["payroll_type"]:
        desired_fields["payrollType"] = PAYROLL[p["payroll_type"]]
    patch = {}
    for field, want in desired_fields.items():
        have = user.get(field)
        same = _fold(have) == _fold(want) if field == "email" else have == want
        if not same:
            patch[field] = want
        verification.append(
            {
                "property": "field %s" % field,
                "expected": want,
                "observed": have,
                "status": "ok" if same else "converged",
            }
        )
    verification.append(
        {
            "property": "field licenseType",
            "expected": "7 (API User)",
            "observed": user.get("licenseType"),
            "status": "ok" if user.get("licenseType") == API_LICENSE else "drift",
        }
    )
    if want_location is not None:
        same = user.get("locationID") == want_location
        verification.append(
            {
                "property": "field locationID (read-only in the API)",
                "expected": p["location"],
                "observed": lookup.name_of("location", user.get("locationID")),
                "status": "ok" if same else "drift",
            }
        )
        if not same:
            steps.append("Edit resource %s: set Primary Internal Location to '%s'." % (user["userName"], p["location"]))

    # -- associations ---------------------------------------------------------------------------
    plan = []  # (method, path tuple, body)
    existing_deps, existing_queues, existing_sdrs = [], [], []
    try:
        # An empty list with no purge asks for nothing of that kind: no read.
        if p["departments"] or (p["purge_associations"] and p["departments"] is not None):
            existing_deps = session.links("ResourceRoleDepartments", rid)
        if p["queues"] or (p["purge_associations"] and p["queues"] is not None):
            existing_queues = session.links("ResourceRoleQueues", rid)
        if p["service_desk_roles"] or (p["purge_associations"] and p["service_desk_roles"] is not None):
            existing_sdrs = session.links("ResourceServiceDeskRoles", rid)
    except AutotaskError as exc:
        raise model.PartFailed(exc, resource_id=rid) from None  # could not read is never absent: no write follows

    def converge_links(kind, child, wanted, existing, key_of, body_of):
        for want_key, default in wanted:
            row = next((e for e in existing if key_of(e) == want_key), None)
            label = "%s %s" % (
                kind,
                "/".join(lookup.name_of(w, i) for w, i in zip(("department", "role"), want_key))
                if isinstance(want_key, tuple)
                else lookup.name_of("role", want_key),
            )
            if row is None:
                plan.append(("POST", child, None, dict(body_of(want_key), isDefault=default, isActive=True)))
                status = "converged"
            else:
                change = {}
                if not row.get("isActive", True):
                    change["isActive"] = True
                if default and not row.get("isDefault"):
                    change["isDefault"] = True
                if change:
                    plan.append(("PATCH", child, row["id"], change))
                status = "converged" if change else "ok"
            verification.append(
                {
                    "property": label,
                    "expected": "active%s" % (", default" if default else ""),
                    "observed": None if row is None else "active" if row.get("isActive", True) else "inactive",
                    "status": status,
                }
            )
        if p["purge_associations"]:
            keys = {key for key, unused_default in wanted}
            for row in existing:
                if key_of(row) not in keys and row.get("isActive") and not row.get("isDefault"):
                    plan.append(("PATCH", child, row["id"], {"isActive": False}))
                    verification.append(
                        {
                            "property": "%s id %s (not desired)" % (kind, row["id"]),
                            "expected": "inactive",
                            "observed": "active",
                            "status": "converged",
                        }
                    )

    if p["departments"] is not None:
        converge_links(
            "department/role",
            "RoleDepartments",
            [((d, r), dflt) for d, r, dflt in want_deps],
            existing_deps,
            lambda e: (e["departmentID"], e["roleID"]),
            lambda k: {"departmentID": k[0], "roleID": k[1]},
        )
    if p["service_desk_roles"] is not None:
        converge_links(
            "service desk role",
            "ServiceDeskRoles",
            want_sdrs,
            existing_sdrs,
            lambda e: e["roleID"],
            lambda k: {"roleID": k},
        )
    if p["queues"] is not None:
        have_queues = {e["queueID"] for e in existing_queues}
        for qid in want_queues:
            present = qid in have_queues
            if not present:
                plan.append(("POST", "RoleQueues", None, {"queueID": qid}))
            verification.append(
                {
                    "property": "queue %s" % lookup.name_of("queue", qid),
                    "expected": "associated",
                    "observed": "associated" if present else None,
                    "status": "ok" if present else "converged",
                }
            )
        if p["purge_associations"]:
            for qid in sorted(have_queues - set(want_queues)):
                # Queue links have no active flag and no DELETE: only the UI can remove them.
                verification.append(
                    {
                        "property": "queue %s (not desired)" % lookup.name_of("queue", qid),
                        "expected": "not associated",
                        "observed": "associated",
                        "status": "drift",
                    }
                )
                steps.append(
                    "Edit resource %s > Associations tab > Service Desk Queues: remove '%s'."
                    % (user["userName"], lookup.name_of("queue", qid))
                )

    # -- UI-only properties ---------------------------------------------------------------------
    for label, value in ui_rows:
        if value is None:
            continue
        verification.append(
            {
                "property": label,
                "expected": value,
                "observed": None,
                "status": "attested" if attestation == "valid" else "unverifiable",
            }
        )
    ui_gaps = [(label, value) for label, value in ui_rows if value is not None and attestation != "valid"]
    if ui_gaps:
        names = {
            "security level": "Security Level",
            "integration vendor": "API Tracking Identifier > Integration Vendor",
            "not required to submit timesheets": "Resource is not required to submit timesheets",
        }
        for label, value in ui_gaps:
            shown = "ticked" if value is True else "not ticked" if value is False else "'%s'" % value
            steps.append(
                "Edit API user %s (%s): set %s to %s." % (user["userName"], model.RESOURCES_PATH, names[label], shown)
            )
        steps.append(
            "Then record in the inventory: %s" % model.attestation_line(p["attestation_var"], fingerprint_value)
        )

    # -- writes: the user's own fields first (an inactive resource takes no new links) -----------
    ordered = []
    if patch:
        ordered.append(("PATCH", None, rid, patch))
    ordered += plan
    if desired_fields["isActive"] is False and patch.get("isActive") is False:
        ordered.append(ordered.pop(0))  # deactivate last
    for method, child, item_id, body in ordered:
        path = "Resources" if child is None else "Resources/%s/%s" % (rid, child)
        body = dict(body, id=item_id) if item_id is not None else dict(body)
        writes.append({"method": method, "path": path, "body": model.mask(body)})
        if session.check_mode:
            continue
        try:
            if method == "POST":
                if create_link(client, rid, child, body) == "found":
                    writes[-1]["note"] = "the answer was lost; read back, the link had been made"
            elif child is None:
                client.update("Resources", body)
            else:
                client.update(child, body, parent=("Resources", rid, child))
        except AutotaskError as exc:
            # Stop at the first failed write (updates are not retried blindly); the next run
            # re-reads and finishes the rest.
            if exc.status == 500 and child is not None:
                lookup.forget()  # a refused link may name a stale id: read the names again next run
            raise model.PartFailed(
                exc, resource_id=rid, writes_done=writes[:-1], failed_write=writes[-1], writes_planned=len(ordered)
            ) from None

    if session.check_mode and writes:
        # What the API would fix is still wrong now: drift, with the fix named.
        model.pending_writes(verification)
        steps.insert(
            0,
            "Run onboard (not audit, no --check)%s: it makes the %d API write(s) listed under writes."
            % (" for tenant %s" % session.tenant if session.tenant else "", len(writes)),
        )

    before = {
        "fields": {k: user.get(k) for k in desired_fields},
        "departments": sorted(
            [e["departmentID"], e["roleID"], e.get("isDefault"), e.get("isActive")] for e in existing_deps
        ),
        "queues": sorted(e["queueID"] for e in existing_queues),
        "service_desk_roles": sorted([e["roleID"], e.get("isDefault"), e.get("isActive")] for e in existing_sdrs),
    }
    after = {
        "fields": dict(before["fields"], **patch),
        "departments": sorted([d, r, dflt, True] for d, r, dflt in want_deps)
        if p["departments"] is not None
        else before["departments"],
        "queues": sorted(set(before["queues"]) | set(want_queues)),
        "service_desk_roles": sorted([r, dflt, True] for r, dflt in want_sdrs)
        if p["service_desk_roles"] is not None
        else before["service_desk_roles"],
    }
    return model.outcome(
        verification,
        steps,
        changed=bool(writes),
        resource_id=rid,
        writes=writes,
        fingerprint=fingerprint_value,
        attestation=attestation,
        diff={"before": before, "after": after},
        end_state=dict(after, resource_id=rid),
    )
