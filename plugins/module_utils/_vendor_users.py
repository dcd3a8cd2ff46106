# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the msp.autotask collection.

"""Every vendor API user of one tenant in one pass: the parts of each vendor over one session.

The tenant is read once (API users, associations, names, probe access) however many vendors
it has; each vendor's outcome has the shape the vendor roles and the fleet report use.
"""

from __future__ import annotations

import re

from ansible_collections.msp.autotask.plugins.module_utils import _api_user as api_user
from ansible_collections.msp.autotask.plugins.module_utils import _catalog as cat
from ansible_collections.msp.autotask.plugins.module_utils import _model as model
from ansible_collections.msp.autotask.plugins.module_utils import _protected_data as protected_data
from ansible_collections.msp.autotask.plugins.module_utils import _security_level as security_level
from ansible_collections.msp.autotask.plugins.module_utils import _specs as specs
from ansible_collections.msp.autotask.plugins.module_utils._client import AutotaskError
from ansible_collections.msp.autotask.plugins.module_utils._session import fold, lock_directory

# What the fleet report keeps of each part (not the diff or end state: the report has its own).
REPORT_KEYS = (
    "changed",
    "compliant",
    "summary",
    "verification",
    "manual_steps",
    "fingerprint",
    "attestation",
    "attestation_reason",
    "over_granted",
    "writes",
    "api_calls",
)


def argument_spec():
    return specs.vendor_users()


def role_of(vendor):
    """The vendor's variable prefix (Propel Your MSP -> propel_your_msp), as the roles derive it."""
    return re.sub(r"[^a-z0-9]+", "_", vendor["vendor"].lower())


def validate(vendors):
    """Errors across vendors, before any API call."""
    roles = [v["role"] or role_of(v) for v in vendors]
    twice = sorted({r for r in roles if roles.count(r) > 1})
    if twice:
        raise model.ModelError("vendors: %s listed twice" % ", ".join(twice))
    users = [identity(v["user"]) for v in vendors]
    shared = sorted({u for u in users if users.count(u) > 1})
    if shared:
        raise model.ModelError("vendors: each vendor needs its own API user; %s is named twice" % ", ".join(shared))


def identity(user):
    if user["api_username"]:
        return fold(user["api_username"])
    if user["email"]:
        return fold(user["email"])
    return "%s %s" % (fold(user["first_name"]), fold(user["last_name"]))


def _calls_since(before, after):
    by_kind = {k: v - before["by_kind"].get(k, 0) for k, v in after["by_kind"].items()}
    return {
        "total": after["total"] - before["total"],
        "by_kind": {k: v for k, v in by_kind.items() if v},
        "retries": after["retries"] - before["retries"],
    }


def plan_parts(vendor, strict_rows=False):
    """(part name, runner, parameters) for one vendor, in the order they run."""
    role = vendor["role"] or role_of(vendor)
    level = vendor["security_level"]
    user = vendor["user"]
    attestations = vendor["attestations"] or {}
    parts = []
    if level["custom"]:
        values = {k: level[k] for k in ("name", "copy_from", "active", "permissions") if level.get(k) is not None}
        values.update(
            exceptions=vendor["exceptions"] or [],
            verify_as=vendor["verify_as"],
            attestation=attestations.get("security_level"),
            attestation_var="%s_attestations.security_level" % role,
            strict_rows=strict_rows,
        )
        parts.append(("security_level", security_level, specs.defaults(security_level.argument_spec(), values)))
    values = dict(
        user,
        security_level=level["name"],
        attestation=attestations.get("api_user"),
        attestation_var="%s_attestations.api_user" % role,
    )
    parts.append(("api_user", api_user, specs.defaults(api_user.argument_spec(), values)))
    boxes = vendor["protected_data"] or {}
    if any(boxes.get(b) is not None for b in model.PROTECTED_BOXES):
        values = {b: bool(boxes.get(b)) for b in model.PROTECTED_BOXES}
        values.update(
            api_username=user["api_username"],
            email=None if user["api_username"] else user["email"],
            # a user named only by first and last name (not an option of the single module)
            first_name=user["first_name"],
            last_name=user["last_name"],
            attestation=attestations.get("protected_data"),
            attestation_var="%s_attestations.protected_data" % role,
        )
        parts.append(("protected_data", protected_data, specs.defaults(protected_data.argument_spec(), values)))
    return role, parts


def run(session, p, api_calls):
    """Each vendor's outcome, in order, and the diff. ``api_calls()`` reads the clients' counters.

    Security levels run first for every vendor (they only read), then the API users, then the
    protected data, so every input error and every name is found before the first write.
    Raises model.PartFailed with the outcomes so far when a part stops on an API error.
    """
    vendors = p["vendors"]
    validate(vendors)
    plans = [plan_parts(v, p.get("strict_rows", False)) for v in vendors]
    for vendor, plan in zip(vendors, plans):
        for name, part, params in plan[1]:
            try:
                model.attestation_state(params["attestation"], "")  # its shape; the fingerprint comes later
                if name == "api_user":
                    part.validate(params)
                if name == "security_level":
                    model.normalise_rows(params["permissions"], strict=params["strict_rows"])
            except model.ModelError as exc:
                raise model.ModelError("%s: %s" % (origin(vendor, name), exc)) from None
    # Two runs on one controller (two operators, a retry beside a scheduled job) take turns per tenant.
    with session.writing(lock_directory(p.get("zone_cache_path")) if not session.check_mode else None):
        return _run_locked(session, vendors, plans, api_calls)


def _run_locked(session, vendors, plans, api_calls):
    """run() once the tenant is locked: read everything, then each phase for every vendor."""
    _read_ahead(session, vendors)

    outcomes = [
        {
            "vendor": vendor["vendor"],
            "role": role,
            "tenant_id": None,
            "attestation_var": "%s_attestations" % role,
            "parts": {},
            "desired": {
                "security_level": vendor["security_level"],
                "user": {k: v for k, v in vendor["user"].items() if v is not None},
                "protected_data": {k: v for k, v in (vendor["protected_data"] or {}).items() if v is not None},
            },
        }
        for vendor, (role, unused_parts) in zip(vendors, plans)
    ]
    diff = {"before": {}, "after": {}}
    resource_ids = {}
    for phase in ("security_level", "api_user", "protected_data"):
        for outcome, (role, parts) in zip(outcomes, plans):
            for name, part, params in parts:
                if name != phase:
                    continue
                if name == "protected_data" and resource_ids.get(role):
                    params = dict(params, resource_id=resource_ids[role])  # the user the API user part found
                before = api_calls()
                try:
                    result = part.run(session, params)
                except Exception as exc:  # say how far the tenant got, whatever stopped it
                    cause, extra = (exc.cause, exc.extra) if isinstance(exc, model.PartFailed) else (exc, {})
                    if not isinstance(cause, (model.ModelError, AutotaskError)):
                        cause = model.InternalError(cause, "the %s part of %s" % (name, outcome["vendor"]))
                    # Only the vendors whose every part ran: half a vendor would read as a verdict.
                    done = [_finish(o, session) for o, plan in zip(outcomes, plans) if len(o["parts"]) == len(plan[1])]
                    raise model.PartFailed(
                        cause, results=done, failed_vendor=outcome["vendor"], failed_part=name, **extra
                    ) from None
                result["api_calls"] = _calls_since(before, api_calls())
                if name == "api_user":
                    resource_ids[role] = result.get("resource_id")
                part_diff = result.get("diff") or {}
                diff["before"].setdefault(role, {})[name] = part_diff.get("before")
                diff["after"].setdefault(role, {})[name] = part_diff.get("after")
                outcome["parts"][name] = {k: result[k] for k in REPORT_KEYS if k in result}
    return [_finish(o, session) for o in outcomes], diff


def warnings(results):
    """Each row warning once, naming its vendor: unknown rows, contradicted assumptions."""
    out = []
    for outcome in results:
        for part in outcome["parts"].values():
            for row in part.get("verification") or []:
                line = (
                    "%s: %s: %s" % (outcome["vendor"], row["property"], row["warning"]) if row.get("warning") else None
                )
                if line and line not in out:
                    out.append(line)
    return out


def _finish(outcome, session):
    outcome["tenant_id"] = session.tenant
    outcome["changed"] = any(r["changed"] for r in outcome["parts"].values())
    outcome["compliant"] = all(r["compliant"] for r in outcome["parts"].values())
    return outcome


def variable(vendor, option, index=None):
    """The inventory variable a vendor's user option came from, for messages.

    A shipped role reads ``<role>_<option>``; a custom vendor's profile sits at ``source``
    (``msp_autotask_custom_vendors.<name>``).
    """
    name = (
        "%s.user.%s" % (vendor["source"], option)
        if vendor.get("source")
        else "%s_%s" % (vendor["role"] or role_of(vendor), option)
    )
    return name if index is None else "%s[%d]" % (name, index)


# Where each part's values sit in a vendor profile.
PROFILE_KEYS = {"security_level": "security_level", "api_user": "user", "protected_data": "protected_data"}


def origin(vendor, part):
    """Which vendor, and where its values live, for an error in one of its parts."""
    if vendor.get("source"):
        return "%s (%s.%s)" % (vendor["vendor"], vendor["source"], PROFILE_KEYS[part])
    return "%s (%s_*)" % (vendor["vendor"], vendor["role"] or role_of(vendor))


def _names_of(vendor):
    """(variable, kind, name) of every name the vendor's user refers to."""
    user = vendor["user"]
    for i, d in enumerate(user["departments"] or []):
        yield variable(vendor, "departments", i), "department", d["department"]
        yield variable(vendor, "departments", i), "role", d["role"]
    for i, r in enumerate(user["service_desk_roles"] or []):
        yield variable(vendor, "service_desk_roles", i), "role", r["role"]
    for i, q in enumerate(user["queues"] or []):
        yield variable(vendor, "queues", i), "queue", q
    if user["location"]:
        yield variable(vendor, "location"), "location", user["location"]


def _named_by(user):
    """Which option names the user, as identity() reads them."""
    if user["api_username"]:
        return "api_username"
    return "email" if user["email"] else "first and last name"


def _refuse_shared_user(owners, vendor, resource_id, tenant):
    """An input error when a second vendor resolves to a user another vendor already resolved to.

    validate() only compares the names as written; two vendors naming one user in different ways
    (api_username, email, first and last name) would each write it over the other and both read compliant.
    """
    other = owners.setdefault(resource_id, vendor)
    if other is vendor:
        return
    raise model.ModelError(
        "vendors %s (by %s) and %s (by %s) both name the API user with resource id %s (tenant %s); "
        "each vendor needs its own API user, so nothing was written"
        % (
            origin(other, "api_user"),
            _named_by(other["user"]),
            origin(vendor, "api_user"),
            _named_by(vendor["user"]),
            resource_id,
            tenant,
        )
    )


def _read_ahead(session, vendors):
    """Read what every vendor needs in as few calls as the API allows, before the first write.

    One query for all API users; then, for users that list associations, one ResourceRoles
    query for all of them (queue links) and one query per other kind (or per kind the view does
    not settle) for all of them; and every name, so that a typo in any vendor writes nothing at
    all. A name not found says which vendor's variable holds it.
    """
    owners = {}
    for vendor in vendors:
        user = vendor["user"]
        found = session.find_api_user(user["api_username"], user["email"], user["first_name"], user["last_name"])
        if found:
            _refuse_shared_user(owners, vendor, found["id"], session.tenant)
        for kind in api_user.LINK_KINDS:
            if found and api_user.reads_links(user, kind):
                session.expect_links(kind.entity, found["id"])  # read unless the view settles it
            if found and api_user.from_view(user, kind):
                session.expect_links(api_user.VIEW, found["id"])
    for vendor in vendors:
        for where, kind, name in _names_of(vendor):
            try:
                session.lookup.id_of(kind, name)
            except model.ModelError as exc:
                raise model.ModelError(
                    "%s (%s, tenant %s): %s" % (where, vendor["vendor"], session.tenant, exc)
                ) from None


# Suffixes every vendor reads, shipped or custom: the tenant's own values.
TENANT_SUFFIXES = ("attestations", "verify_as", "exceptions")


def inventory_warnings(check):
    """Inventory slips that would otherwise be ignored in silence, each with the nearest real name.

    ``check``: the host's ``groups`` and ``variables`` (names), every vendor name (``vendors``)
    and the variables the vendor roles read (``known_variables``).
    """
    if not check:
        return []
    vendors = check["vendors"] or []
    out = []
    for group in check["groups"] or []:
        match = re.match(r"(?i)^vendors?[-_]?(.+)$", group)
        if not match or (group.startswith("vendor_") and group[len("vendor_") :] in vendors):
            continue
        near = cat.nearest(match.group(1), vendors, limit=1)
        out.append(
            "group %s looks like a vendor group but matches no vendor (vendor_<name>: %s)%s; its hosts do not get it"
            % (group, ", ".join(vendors), "; did you mean vendor_%s?" % near[0] if near else "")
        )
    known = set(check["known_variables"] or []) | {"%s_%s" % (v, s) for v in vendors for s in TENANT_SUFFIXES}
    owners = sorted(vendors, key=len, reverse=True)  # solarwinds_rmm before a vendor named solarwinds
    for name in sorted(check["variables"] or []):
        owner = next((v for v in owners if name.startswith(v + "_")), None)
        if owner is None or name in known:
            continue
        near = cat.nearest(name, sorted(k for k in known if k.startswith(owner + "_")), limit=1)
        out.append(
            "variable %s is read by no role%s"
            % (name, "; did you mean %s?" % near[0] if near else " (%s reads none by that name)" % owner)
        )
    return out
