# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the msp.autotask collection.

"""The API user part: converge the Resource's fields and associations, guide the UI-only rest.

autotask_api_user runs it for one user, autotask_vendor_users for each vendor of a tenant; both
through a TenantSession, so the reads are shared.
"""

from __future__ import annotations

import re

from ansible_collections.msp.autotask.plugins.module_utils import _model as model
from ansible_collections.msp.autotask.plugins.module_utils import _specs as specs
from ansible_collections.msp.autotask.plugins.module_utils._client import AutotaskConnectionError, AutotaskError
from ansible_collections.msp.autotask.plugins.module_utils._session import API_LICENSE
from ansible_collections.msp.autotask.plugins.module_utils._session import fold as _fold

PAYROLL = specs.PAYROLL
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+$")


def argument_spec():
    return specs.api_user()


def validate(p):
    """Input errors, before any API call."""
    if not (p["api_username"] or p["email"] or (p["first_name"] and p["last_name"])):
        raise model.ModelError("identify the user by api_username, email, or first_name and last_name")
    if p["email"] and not _ADDRESS.match(p["email"]):
        # e.g. a role default '<name>@{{ msp_autotask_tenant_domain }}' with an empty domain
        raise model.ModelError("email %r is not an address with a domain (name@domain)" % p["email"])
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


class LinkKind:
    """One kind of association of a resource, as the API holds it (a row of LINK_KINDS)."""

    def __init__(self, option, label, child, entity, keys, names, has_active, has_default, ui_tab, in_view=False):
        self.option = option  # the user option listing the desired links
        self.label = label  # for people
        self.child = child  # written through Resources/{id}/<child> (Swagger: no top-level writes)
        self.entity = entity  # read through <entity>/query
        self.keys = keys  # the fields that identify one link
        self.names = names  # the name table behind each key field (Lookup)
        self.has_active = has_active  # isActive: the only way to remove a link (no DELETE)
        self.has_default = has_default
        self.ui_tab = ui_tab  # where the UI lists them (Resources > Associations)
        self.in_view = in_view  # a ResourceRoles row proves a link of this kind (see from_view)


# Swagger: ResourceRoleDepartments and ResourceServiceDeskRoles carry isActive and isDefault;
# ResourceRoleQueues has neither, so a queue link can be added but only the UI removes it.
LINK_KINDS = (
    LinkKind(
        "departments",
        "department/role",
        "RoleDepartments",
        "ResourceRoleDepartments",
        ("departmentID", "roleID"),
        ("department", "role"),
        True,
        True,
        "Departments",
    ),
    LinkKind(
        "service_desk_roles",
        "service desk role",
        "ServiceDeskRoles",
        "ResourceServiceDeskRoles",
        ("roleID",),
        ("role",),
        True,
        True,
        "Service Desk Roles",
    ),
    LinkKind(
        "queues",
        "queue",
        "RoleQueues",
        "ResourceRoleQueues",
        ("queueID",),
        ("queue",),
        False,
        False,
        "Service Desk Queues",
        in_view=True,
    ),
)
# The query-only view of every kind's active links (D-ROLES; Swagger: GET only). Its rows say
# departmentID, queueID, roleID and no kind: a department/role row and a service desk role row
# are told apart only by an empty departmentID, which no source records (nor how the approval
# roles 110 and 112 show), so those kinds are read from their own entities. Only a queue link
# has a queue: a row with queueID proves one.
VIEW = "ResourceRoles"
LINKS = {kind.child: kind for kind in LINK_KINDS}
UI_ROWS = (
    ("security_level", "security level", "Security Level"),
    ("integration_vendor", "integration vendor", "API Tracking Identifier > Integration Vendor"),
    (
        "not_required_to_submit_timesheets",
        "not required to submit timesheets",
        "Resource is not required to submit timesheets",
    ),
)
FIELDS = (
    ("first_name", "firstName"),
    ("last_name", "lastName"),
    ("email", "email"),
    ("title", "title"),
    ("resource_type", "resourceType"),
)


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
    kind = LINKS[child]
    conditions = [{"op": "eq", "field": "resourceID", "value": rid}]
    conditions += [{"op": "eq", "field": k, "value": body[k]} for k in kind.keys]
    if list(client.query(kind.entity, conditions)):
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
        ("Primary Internal Location", p["location"]),
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


class Plan:
    """What one API user part found and would do: rows, manual steps, writes, the diff's sides.

    ``plan()`` reads and fills it; ``apply()`` makes its writes and re-states its rows. The diff's
    after side is the before side with the planned writes applied, so the two cannot disagree.
    """

    def __init__(self, p, fingerprint_value, attestation):
        self.p = p
        self.fingerprint = fingerprint_value
        self.attestation = attestation
        self.ledger = model.Ledger()
        self.steps = []
        self.writes = []  # (method, child or None, item id or None, body)
        self.user = None
        self.before = {}
        self.absent_desired = {}

    @property
    def rid(self):
        return self.user["id"] if self.user else None

    def write(self, method, child, item_id, body):
        self.writes.append((method, child, item_id, body))

    def after(self):
        """The before side with every planned write applied."""
        after = {
            k: dict(v) if isinstance(v, dict) else [list(x) if isinstance(x, list) else x for x in v]
            for k, v in self.before.items()
        }
        for method, child, item_id, body in self.writes:
            if child is None:
                after["fields"].update(body)
                continue
            kind = LINKS[child]
            items = after[kind.option]
            if method == "POST":
                items.append(link_state(kind, body))
            else:
                old = self.before_links[(child, item_id)]
                index = items.index(link_state(kind, old))
                items[index] = link_state(kind, dict(old, **body))
        return {k: sorted(v) if isinstance(v, list) else v for k, v in after.items()}


def link_state(kind, link):
    """One link as the diff shows it: its ids, then isDefault and isActive where the kind has them."""
    state = [link[k] for k in kind.keys]
    if kind.has_default:
        state.append(bool(link.get("isDefault")))
    if kind.has_active:
        state.append(bool(link.get("isActive", True)))
    return state if len(state) > 1 else state[0]


def _ui_desired(p):
    desired = {option: p[option] for option, unused, unused_ui in UI_ROWS if p[option] is not None}
    desired["user"] = p["api_username"] or p["email"] or "%s %s" % (p["first_name"], p["last_name"])
    return desired


def _wanted_links(lookup, p, kind):
    """[(ids tuple, default)] the inventory asks for, every name resolved (a typo writes nothing)."""
    out = []
    for item in p[kind.option] or []:
        if isinstance(item, dict):
            values, default = tuple(item[n] for n in kind.names), item.get("default", False)
        else:
            values, default = (item,), False
        ids = tuple(lookup.id_of(what, v) for what, v in zip(kind.names, values))
        if any(ids == seen for seen, unused_default in out):
            raise model.ModelError("%s names the same association twice (by name and by id?)" % kind.option)
        out.append((ids, default))
    return out


def reads_links(p, kind):
    # An empty list with no purge asks for nothing of that kind: no read.
    return bool(p[kind.option]) or (p["purge_associations"] and p[kind.option] is not None)


def from_view(p, kind):
    """Whether this kind's links are read from the ResourceRoles view first.

    Not under purge_associations: the view lists active rows only, and whether it lists queue
    links at all is unrecorded (sandbox switch resource_roles_queue_rows), so a link it does not
    show is never taken as absent; a removal needs the kind's own rows.
    """
    return kind.in_view and reads_links(p, kind) and not p["purge_associations"]


def _view_links(session, kind, rid, wanted):
    """The kind's links as the view shows them, or None when the view cannot settle the verdict.

    It settles it when every desired link has a row: nothing to write. A desired link without a
    row (absent, or one the view leaves out), or a default asked for (the view has no isDefault),
    sends the caller to the kind's own rows, which also carry the ids a write needs.
    """
    if any(default for unused_ids, default in wanted):
        return None
    seen = {}
    for row in session.links(VIEW, rid):
        ids = tuple(row.get(k) for k in kind.keys)
        if None not in ids:
            seen.setdefault(ids, dict(zip(kind.keys, ids), id=row.get("id")))
    if all(ids in seen for ids, unused_default in wanted):
        return list(seen.values())
    return None


def read_links(session, p, kind, rid, wanted):
    """The rows of one kind for the resource: from the view where it proves them, else the kind's own."""
    if not reads_links(p, kind):
        return []
    found = _view_links(session, kind, rid, wanted) if from_view(p, kind) else None
    return found if found is not None else session.links(kind.entity, rid)


def plan(session, p):
    """Read the tenant and plan one API user: nothing is written here."""
    validate(p)
    ui_desired = _ui_desired(p)
    fingerprint_value = model.fingerprint(ui_desired)
    result = Plan(p, fingerprint_value, model.attestation_state(p["attestation"], fingerprint_value))
    lookup = session.lookup
    user = session.find_api_user(p["api_username"], p["email"], p["first_name"], p["last_name"])
    wanted = {kind.option: _wanted_links(lookup, p, kind) for kind in LINK_KINDS}
    location = lookup.id_of("location", p["location"]) if p["location"] else None
    if user is None:
        _plan_absent_user(result, session.tenant, ui_desired["user"])
        return result
    result.user = user
    result.ledger.add(
        ("user",), "API user exists", ui_desired["user"], "%s (id %s)" % (user["userName"], user["id"]), "ok"
    )
    _plan_fields(result, lookup, location)
    _plan_links(result, session, wanted)
    _plan_ui_rows(result, session)
    return result


def _plan_absent_user(result, tenant, who):
    p = result.p
    wanted_here = p["state"] == "present"
    result.ledger.add(("user",), "API user exists", who, None, "missing" if wanted_here else "ok")
    if wanted_here:
        result.steps = new_user_steps(p, tenant)
        result.steps.append(
            "Then record in the inventory: %s" % model.attestation_line(p["attestation_var"], result.fingerprint)
        )
    result.absent_desired = _ui_desired(p)


def _desired_fields(p):
    fields = {"isActive": p["active"] if p["state"] == "present" else False}
    fields.update({field: p[option] for option, field in FIELDS if p[option] is not None})
    if p["payroll_type"]:
        fields["payrollType"] = PAYROLL[p["payroll_type"]]
    return fields


def _plan_fields(result, lookup, location):
    user, p = result.user, result.p
    desired = _desired_fields(p)
    patch = {}
    for field, want in desired.items():
        have = user.get(field)
        label = "field %s" % field
        if (_fold(have) == _fold(want)) if field == "email" else have == want:
            result.ledger.add(("field", field), label, want, have, "ok")
        else:
            patch[field] = want
            result.ledger.pending(("field", field), label, want, have)
    is_api = user.get("licenseType") == API_LICENSE
    result.ledger.add(
        ("field", "licenseType"),
        "field licenseType",
        "7 (API User)",
        user.get("licenseType"),
        "ok" if is_api else "drift",
    )
    if location is not None:
        same = user.get("locationID") == location
        result.ledger.add(
            ("field", "locationID"),
            "field locationID (read-only in the API)",
            p["location"],
            lookup.name_of("location", user.get("locationID")),
            "ok" if same else "drift",
        )
        if not same:
            result.steps.append(
                "Edit resource %s: set Primary Internal Location to '%s'." % (user["userName"], p["location"])
            )
    result.before["fields"] = {k: user.get(k) for k in desired}
    if patch:
        result.write("PATCH", None, user["id"], patch)


def _plan_links(result, session, wanted):
    rid, p = result.rid, result.p
    existing = {}
    try:
        for kind in LINK_KINDS:
            existing[kind.option] = read_links(session, p, kind, rid, wanted[kind.option])
    except AutotaskError as exc:
        raise model.PartFailed(exc, resource_id=rid) from None  # could not read is never absent: no write follows
    result.before_links = {}
    for kind in LINK_KINDS:
        result.before[kind.option] = sorted(link_state(kind, e) for e in existing[kind.option])
        for link in existing[kind.option]:
            result.before_links[(kind.child, link["id"])] = link
        if p[kind.option] is not None:
            _plan_kind(result, session.lookup, kind, wanted[kind.option], existing[kind.option])


def _link_label(lookup, kind, ids, read=False):
    name = lookup.label if read else lookup.name_of
    return "%s %s" % (kind.label, "/".join(name(what, i) for what, i in zip(kind.names, ids)))


def _plan_kind(result, lookup, kind, wanted, existing):
    """Rows and writes for the links of one kind: each desired one, then each extra one."""
    by_ids = {}
    for link in existing:
        by_ids.setdefault(tuple(link[k] for k in kind.keys), link)
    for ids, default in wanted:
        link = by_ids.get(ids)
        key, label = ("link", kind.option, *ids), _link_label(lookup, kind, ids)
        expected = "active%s" % (", default" if default else "") if kind.has_active else "associated"
        if link is None:
            body = dict(zip(kind.keys, ids))
            if kind.has_active:
                body.update(isDefault=bool(default), isActive=True)
            result.write("POST", kind.child, None, body)
            result.ledger.pending(key, label, expected, None)
            continue
        change = {}
        if kind.has_active and not link.get("isActive", True):
            change["isActive"] = True
        if kind.has_default and default and not link.get("isDefault"):
            change["isDefault"] = True
        observed = ("active" if link.get("isActive", True) else "inactive") if kind.has_active else "associated"
        if change:
            result.write("PATCH", kind.child, link["id"], change)
            result.ledger.pending(key, label, expected, observed)
        else:
            result.ledger.add(key, label, expected, observed, "ok")
    wanted_ids = {ids for ids, unused_default in wanted}
    for ids, link in sorted(by_ids.items()):
        if ids not in wanted_ids and (link.get("isActive", True) or not kind.has_active):
            _plan_extra_link(result, lookup, kind, ids, link)


def _plan_extra_link(result, lookup, kind, ids, link):
    """A live link the inventory does not name: always a row; removed only under purge_associations."""
    key, name = ("extra link", kind.option, *ids), _link_label(lookup, kind, ids, read=True)
    label, observed = "%s (not in the inventory)" % name, "active" if kind.has_active else "associated"
    where = "Edit resource %s > Associations tab > %s" % (result.user["userName"], kind.ui_tab)
    if not result.p["purge_associations"]:
        result.ledger.add(
            key,
            label,
            "kept (purge_associations is off)",
            observed,
            "ok",
            extra=True,
            note="not in the inventory; list it to keep it, or turn purge_associations on to remove it",
        )
    elif kind.has_active and not link.get("isDefault"):
        result.write("PATCH", kind.child, link["id"], {"isActive": False})
        result.ledger.pending(key, label, "inactive (purge_associations)", observed)
    elif kind.has_active:
        # The default link cannot be deactivated while it is the default.
        result.ledger.add(key, label, "inactive (purge_associations)", observed, "drift", extra=True)
        result.steps.append("%s: make a desired link the default, then deactivate '%s'." % (where, name))
    else:
        # Queue links have no active flag and no DELETE: only the UI can remove them.
        result.ledger.add(key, label, "not associated (purge_associations)", observed, "drift", extra=True)
        result.steps.append("%s: remove '%s'." % (where, lookup.label(kind.names[0], ids[0])))


def _plan_security_level(result, session):
    """Which level the user holds: userType, read in the same Resources query (read-only in the API)."""
    p, user = result.p, result.user
    wanted = p["security_level"]
    try:
        found = session.find_level(wanted)
        held = session.level_label(user.get("userType"))
    except (AutotaskError, model.ModelError) as exc:
        result.ledger.add(
            ("ui", "security_level"), "security level", wanted, "unreadable: %s" % exc, "unknown", evidence="observed"
        )
        return
    same = found is not None and user.get("userType") == found[0]
    observed = held if held is not None else user.get("userType")
    row = result.ledger.add(
        ("ui", "security_level"), "security level", wanted, observed, "ok" if same else "drift", evidence="observed"
    )
    if not same:
        row["voids_attestation"] = True  # the user holds another level now, whatever was attested
        result.steps.append(
            "Edit API user %s (%s): set Security Level to '%s'." % (user["userName"], model.RESOURCES_PATH, wanted)
        )


def _plan_ui_rows(result, session):
    """The UI-only properties: attest-only (their steps come once the attestation is settled)."""
    p = result.p
    if p["security_level"] is not None:
        _plan_security_level(result, session)
    for option, label in ((r[0], r[1]) for r in UI_ROWS):
        if p[option] is not None and option != "security_level":
            result.ledger.add(("ui", option), label, p[option], evidence="attestation")


def _ui_steps(result):
    """The exact edit step of every attest-only row the attestation does not cover, then the record line."""
    p, user = result.p, result.user
    gaps = []
    for option, ui_name in ((r[0], r[2]) for r in UI_ROWS):
        row = result.ledger.get(("ui", option))
        if row is None or row["status"] != "unverifiable":
            continue
        value = p[option]
        shown = "ticked" if value is True else "not ticked" if value is False else "'%s'" % value
        gaps.append("Edit API user %s (%s): set %s to %s." % (user["userName"], model.RESOURCES_PATH, ui_name, shown))
    if gaps:
        result.steps += gaps
        result.steps.append(
            "Then record in the inventory: %s" % model.attestation_line(p["attestation_var"], result.fingerprint)
        )


def _ordered_writes(result):
    """The user's own fields first (an inactive resource takes no new links), a deactivation last."""
    writes = list(result.writes)
    if writes and writes[0][1] is None and writes[0][3].get("isActive") is False:
        writes.append(writes.pop(0))
    return writes


def apply(session, result):
    """Make the plan's writes (none in check mode) and return the part's outcome."""
    ordered = _ordered_writes(result)
    rid = result.rid
    shown = [_shown_write(rid, w) for w in ordered]
    if session.check_mode:
        if ordered:
            # What the API would fix is still wrong now: drift, with the fix named.
            result.steps.insert(
                0,
                "Run onboard (not audit, no --check)%s: it makes the %d API write(s) listed under writes."
                % (" for tenant %s" % session.tenant if session.tenant else "", len(ordered)),
            )
    else:
        for index, write in enumerate(ordered):
            _execute(session, rid, write, shown, index, len(ordered))
        result.ledger.applied()
    return _outcome(result, shown)


def _shown_write(rid, write):
    method, child, item_id, body = write
    path = "Resources" if child is None else "Resources/%s/%s" % (rid, child)
    body = dict(body, id=item_id) if item_id is not None else dict(body)
    return {"method": method, "path": path, "body": model.mask(body)}


def _execute(session, rid, write, shown, index, planned):
    method, child, item_id, body = write
    body = dict(body, id=item_id) if item_id is not None else dict(body)
    client = session.client
    try:
        if method == "POST":
            if create_link(client, rid, child, body) == "found":
                shown[index]["note"] = "the answer was lost; read back, the link had been made"
        elif child is None:
            client.update("Resources", body)
        else:
            client.update(child, body, parent=("Resources", rid, child))
    except AutotaskError as exc:
        # Stop at the first failed write (updates are not retried blindly); the next run
        # re-reads and finishes the rest.
        if exc.status == 500 and child is not None:
            session.lookup.forget()  # a refused link may name a stale id: read the names again next run
        raise model.PartFailed(
            exc, resource_id=rid, writes_done=shown[:index], failed_write=shown[index], writes_planned=planned
        ) from None


def _outcome(result, shown):
    attestation = model.settle(result.ledger.rows, result.attestation)
    if result.user is None:
        return model.outcome(
            result.ledger.rows,
            result.steps,
            resource_id=None,
            writes=[],
            fingerprint=result.fingerprint,
            attestation=attestation,
            end_state=None,
            diff={"before": {}, "after": result.absent_desired},
        )
    _ui_steps(result)
    after = result.after()
    return model.outcome(
        result.ledger.rows,
        result.steps,
        changed=bool(shown),
        resource_id=result.rid,
        writes=shown,
        fingerprint=result.fingerprint,
        attestation=attestation,
        diff={"before": result.before, "after": after},
        end_state=dict(after, resource_id=result.rid),
    )


def run(session, p):
    """Plan one API user, then apply the plan (check mode applies nothing); the part's outcome."""
    return apply(session, plan(session, p))
